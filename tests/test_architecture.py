"""The package's layering, checked from its import statements.

Every ``.py`` file under ``src/qiskit_runtime_double`` and ``pytest_plugin/pytest_runtime_double``
is parsed with ``ast``; every import is collected (module level, class bodies, function bodies,
``if TYPE_CHECKING:`` blocks, and ``importlib.import_module("literal")`` calls), relative imports
are resolved, and the rules below are checked. A broken rule fails with ``file:line: rule N``.

1. ``wire`` and ``errors`` are the bottom layer: ``wire.*`` imports only ``wire.*`` from the
   package, ``errors`` imports nothing from it.
2. Only ``client``, ``service`` (it selects a transport), ``cli``, ``interception`` (it hands the
   official client's traffic to a transport), the package ``__init__`` (re-exports) and
   ``transports`` itself import ``transports``.
3. ``fake.*`` never imports the client side: from the package it may use only ``wire``,
   ``errors``, ``clock`` and ``fake.*``. ``fake.state`` and ``fake.scheduler`` never import
   ``fake.app`` or ``fake.server``. One link is allowed (rules 2 and 3): ``fake.runtime``, the
   composition root, imports ``transports.inprocess`` to hand out ``fake.transport()``.
4. Heavy dependencies live in one module each and are imported lazily there (inside a function,
   or under ``TYPE_CHECKING``), so ``import qiskit_runtime_double`` stays light.
5. The pytest plugin uses only public names of the package, and never ``_pytest``.
6. ``transports.*`` never imports the client side: from the package it may use only ``wire``,
   ``errors``, ``clock`` and ``transports.*``. Retries and the safety of job submissions
   (``submission``) live above every transport, so every transport gets them.

Layering rules (1-3, 6) count ``TYPE_CHECKING`` imports too: a type-only dependency is still a
dependency of the design, and the next refactor tends to make it a runtime one.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = (REPO / "src", REPO / "pytest_plugin")
PKG = "qiskit_runtime_double"
PLUGIN = "pytest_runtime_double"

#: Rule 1: the bottom layer, and what each part of it may import from the package.
BOTTOM_LAYER = {f"{PKG}.wire": f"{PKG}.wire", f"{PKG}.errors": None}
#: Rule 2: the modules, besides ``transports`` itself, that may import ``transports``.
TRANSPORT_USERS = (f"{PKG}.http_client", f"{PKG}.service", f"{PKG}.cli", f"{PKG}.interception")
#: Rule 3: all that ``fake.*`` may import from the package.
FAKE_MAY_IMPORT = (f"{PKG}.wire", f"{PKG}.errors", f"{PKG}.clock", f"{PKG}.fake")
#: Rules 2 and 3: the one link from the fake to the client side. The composition root hands out a
#: transport onto its app (``fake.transport()``); ``InProcessTransport`` imports only the bottom.
FAKE_TRANSPORT_LINK = (f"{PKG}.fake.runtime", f"{PKG}.transports.inprocess")
FAKE_CORE = (
    f"{PKG}.fake.core.state",
    f"{PKG}.fake.core.scheduler",
    f"{PKG}.fake.core.records",
    f"{PKG}.fake.core.workloads",
)
FAKE_EDGE = (
    f"{PKG}.fake.http.app",
    f"{PKG}.fake.http.server",
    f"{PKG}.fake.http.wsgi",
    f"{PKG}.fake.http.platform",
    f"{PKG}.fake.http.legacy_platform",
    f"{PKG}.fake.http.pacing",
    f"{PKG}.fake.http.control",
    f"{PKG}.fake.http.router",
    f"{PKG}.fake.http.guard",
    f"{PKG}.fake.http.stream",
)
#: Rule 6: all that ``transports.*`` may import from the package.
TRANSPORTS_MAY_IMPORT = (
    f"{PKG}.wire",
    f"{PKG}.errors",
    f"{PKG}.clock",
    f"{PKG}.probe",
    f"{PKG}.transports",
)
#: Rule 4: each heavy dependency and the only modules that may import it (lazily).
HEAVY_HOMES = {
    "requests": (f"{PKG}.transports.live",),
    "vcr": (f"{PKG}.transports.cassette",),
    "qiskit_aer": (f"{PKG}.fake.core.aer", f"{PKG}.legacy.options"),
    "urllib3": (f"{PKG}.transports.live", f"{PKG}.interception.urllib3_hook"),
    "qiskit_ibm_runtime": (f"{PKG}.compat", f"{PKG}.fake.core.catalogue"),
}
#: What ``import qiskit_runtime_double`` must not load.
HEAVY_AT_IMPORT = (
    "qiskit_aer",
    "requests",
    "vcr",
    "h11",
    "qiskit_ibm_runtime",
    "yaml",
    "wsproto",
    "urllib3",
)


# --- the checker ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    importer: str  # dotted name of the importing module
    target: str  # absolute dotted name of the imported module
    names: tuple[str, ...]  # for ``from target import a, b``: the names that are not modules
    eager: bool  # runs when the importer is imported (not in a function, not TYPE_CHECKING)
    type_only: bool  # under ``if TYPE_CHECKING:``


@dataclass(frozen=True)
class Violation:
    path: Path
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: rule {self.rule}: {self.message}"


@dataclass
class Scan:
    files: list[Path] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)


def _within(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _module_name(root: Path, path: Path) -> tuple[str, bool]:
    """The dotted module name of ``path`` under ``root``, and whether it is a package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(
        self, path: Path, module: str, is_package: bool, known: frozenset[str], scan: Scan
    ) -> None:
        self.path, self.module, self.is_package = path, module, is_package
        self.known, self.scan = known, scan
        self.function_depth = 0
        self.type_checking_depth = 0

    def _record(self, node: ast.AST, target: str, names: tuple[str, ...] = ()) -> None:
        self.scan.imports.append(
            Import(
                path=self.path,
                line=getattr(node, "lineno", 0),
                importer=self.module,
                target=target,
                names=names,
                eager=self.function_depth == 0 and self.type_checking_depth == 0,
                type_only=self.type_checking_depth > 0,
            )
        )

    def _in_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        # Decorators and defaults run at definition time, the body only when called: the
        # visitor does not split them, which errs towards "lazy" only for exotic code.
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    visit_FunctionDef = _in_function
    visit_AsyncFunctionDef = _in_function
    visit_Lambda = _in_function

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.type_checking_depth += 1
        for child in node.body:
            self.visit(child)
        self.type_checking_depth -= 1
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._record(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._resolve(node.level, node.module)
        if base is None:
            self.scan.violations.append(
                Violation(
                    self.path,
                    node.lineno,
                    "0 (resolvable imports)",
                    f"{self.module}: relative import of level {node.level} goes above the "
                    "top-level package",
                )
            )
            return
        plain: list[str] = []
        for alias in node.names:
            # ``from pkg import mod`` imports the module pkg.mod; ``from pkg import name`` a name.
            if f"{base}.{alias.name}" in self.known:
                self._record(node, f"{base}.{alias.name}")
            else:
                plain.append(alias.name)
        if plain:
            self._record(node, base, tuple(plain))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if (
            name in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            self._record(node, node.args[0].value)
        self.generic_visit(node)

    def _resolve(self, level: int, module: str | None) -> str | None:
        if level == 0:
            return module or ""
        package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
        if level > len(package):
            return None
        parts = package[: len(package) - (level - 1)]
        if module:
            parts.append(module)
        return ".".join(parts)


def _check(imp: Import) -> Iterator[tuple[str, str]]:
    """The (rule, message) pairs that ``imp`` breaks."""
    what = f"{imp.importer} imports {imp.target}"
    if imp.names:
        what += f" ({', '.join(imp.names)})"
    ours = _within(imp.target, PKG)
    if (imp.importer, imp.target) == FAKE_TRANSPORT_LINK:
        ours = False  # the one allowed link (FAKE_TRANSPORT_LINK), checked by no other rule

    # Rule 1
    for layer, allowed in BOTTOM_LAYER.items():
        if _within(imp.importer, layer) and ours and not _within(imp.target, layer):
            scope = "only other wire modules" if allowed else "nothing"
            yield "1 (bottom layer)", f"{what}; {layer} may import {scope} from the package"

    # Rule 2
    if (
        ours
        and _within(imp.target, f"{PKG}.transports")
        and not _within(imp.importer, f"{PKG}.transports", *TRANSPORT_USERS)
        and imp.importer != PKG
    ):
        yield (
            "2 (transports are private to the client)",
            f"{what}; only client, service, cli, interception and the package __init__ use "
            "transports",
        )

    # Rule 3
    if _within(imp.importer, f"{PKG}.fake") and ours and not _within(imp.target, *FAKE_MAY_IMPORT):
        yield (
            "3 (the fake never imports the client side)",
            f"{what}; fake.* may import only wire, errors, clock and fake.* from the package",
        )
    if _within(imp.importer, *FAKE_CORE) and _within(imp.target, *FAKE_EDGE):
        yield (
            "3 (the fake's core does not know its HTTP edge)",
            f"{what}; the fake's state never imports its HTTP facade ({', '.join(FAKE_EDGE)})",
        )

    # Rule 6
    if (
        _within(imp.importer, f"{PKG}.transports")
        and ours
        and not _within(imp.target, *TRANSPORTS_MAY_IMPORT)
    ):
        yield (
            "6 (transports never import the client side)",
            f"{what}; transports.* may import only wire, errors, clock and transports.* from "
            "the package",
        )

    # Rule 4
    top = imp.target.split(".")[0]
    if top in HEAVY_HOMES:
        homes = HEAVY_HOMES[top]
        if imp.importer not in homes:
            yield (
                "4 (heavy dependency)",
                f"{what}; {top} may be imported only in {', '.join(homes)}",
            )
        elif imp.eager:
            yield (
                "4 (heavy dependency)",
                f"{what} at import time; import {top} inside the function that needs it",
            )

    # Rule 5
    if _within(imp.importer, PLUGIN):
        if top == "_pytest":
            yield "5 (plugin uses public API)", f"{what}; _pytest is pytest's private package"
        private = [part for part in imp.target.split(".")[1:] if part.startswith("_")]
        private += [name for name in imp.names if name.startswith("_")]
        if ours and private:
            yield (
                "5 (plugin uses public API)",
                f"{what}; {', '.join(private)} is private to {PKG}",
            )


def scan(roots: Sequence[Path]) -> Scan:
    """Parse every ``.py`` file under ``roots`` (each a directory holding top-level packages)."""
    result = Scan()
    modules: list[tuple[Path, Path, str, bool]] = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            name, is_package = _module_name(root, path)
            modules.append((root, path, name, is_package))
    known = frozenset(name for _, _, name, _ in modules)
    for root, path, name, is_package in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        shown = path.relative_to(root.parent)
        _Collector(shown, name, is_package, known, result).visit(tree)
        result.files.append(shown)
    for imp in result.imports:
        result.violations += [Violation(imp.path, imp.line, r, m) for r, m in _check(imp)]
    return result


@functools.cache
def _real_scan() -> Scan:
    return scan(ROOTS)


# --- the real tree --------------------------------------------------------------------------------


def test_scan_visits_the_real_tree() -> None:
    result = _real_scan()

    assert len(result.files) > 5, result.files
    assert Path("src", PKG, "__init__.py") in result.files
    assert Path("pytest_plugin", PLUGIN, "__init__.py") in result.files
    assert result.imports, "no imports found at all: the collector is broken"


@pytest.mark.parametrize("rule", ["0", "1", "2", "3", "4", "5", "6"])
def test_real_tree_obeys_rule(rule: str) -> None:
    broken = [str(v) for v in _real_scan().violations if v.rule.split()[0] == rule]

    assert not broken, "\n" + "\n".join(broken)


def test_importing_the_package_stays_light(tmp_path: Path) -> None:
    code = (
        "import qiskit_runtime_double, sys; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{set(HEAVY_AT_IMPORT)!r}))"
    )
    # cwd=tmp_path: the package must come from the install, not from whatever is in the cwd.
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", "import qiskit_runtime_double loaded " + done.stdout


# --- the checker catches what it should, and only that --------------------------------------------

# Each line that must be flagged ends with ``# rule N``; nothing else may be flagged.
SYNTHETIC = {
    f"src/{PKG}/__init__.py": """
        from .http_client.client import Client
        from .transports import Transport
    """,
    f"src/{PKG}/clock.py": "import time\n",
    f"src/{PKG}/errors.py": """
        def late():
            from .clock import Clock  # rule 1
    """,
    f"src/{PKG}/wire/__init__.py": "from .models import Job\nfrom . import http\n",
    f"src/{PKG}/wire/http.py": "import json\n",
    f"src/{PKG}/wire/models.py": """
        from pydantic import BaseModel
        from ..errors import IBMError  # rule 1
        from qiskit_runtime_double import wire
    """,
    f"src/{PKG}/http_client/__init__.py": "",
    f"src/{PKG}/http_client/client.py": """
        from ..transports.base import Transport
        from ..wire import models
    """,
    f"src/{PKG}/service.py": "from . import transports\nfrom .transports import live\n",
    f"src/{PKG}/cli.py": """
        import importlib
        from .transports.mock import MockTransport

        def main():
            importlib.import_module("qiskit_aer")  # rule 4
    """,
    f"src/{PKG}/session.py": "from .transports import mock  # rule 2\n",
    f"src/{PKG}/job.py": "from .wire.models import Job\n",
    f"src/{PKG}/compat.py": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import qiskit_ibm_runtime

        def official():
            import qiskit_ibm_runtime
            return qiskit_ibm_runtime
    """,
    f"src/{PKG}/transports/__init__.py": "from .base import Transport\n",
    f"src/{PKG}/transports/base.py": "from ..wire import http\nfrom ..clock import Clock\n",
    f"src/{PKG}/transports/mock.py": """
        from .base import Transport
        from ..http_client.submission import SafeSubmitter  # rule 6
    """,
    f"src/{PKG}/transports/live.py": """
        import requests  # rule 4

        def send():
            import requests.adapters
    """,
    f"src/{PKG}/transports/cassette.py": "def load():\n    import vcr\n",
    f"src/{PKG}/fake/__init__.py": "",
    f"src/{PKG}/fake/core/__init__.py": "",
    f"src/{PKG}/fake/core/state.py": """
        from ...clock import Clock
        from ...wire.models import Job
        from ...errors import IBMError
        from . import scheduler
        from ..http.app import make_app  # rule 3
    """,
    f"src/{PKG}/fake/core/scheduler.py": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from ...session import Session  # rule 3
        from qiskit_runtime_double import fake
    """,
    f"src/{PKG}/fake/http/__init__.py": "",
    f"src/{PKG}/fake/http/app.py": """
        from ... import job  # rule 3
        import qiskit_runtime_double  # rule 3
        from ..core.state import State
    """,
    f"src/{PKG}/fake/http/server.py": "import urllib3  # rule 4\n",
    f"src/{PKG}/fake/core/aer.py": """
        class Executor:
            import qiskit_aer  # rule 4

        def run():
            import qiskit_aer
            from requests import Session  # rule 4
    """,
    f"src/{PKG}/fake/core/catalogue.py": """
        def load():
            from qiskit_ibm_runtime import fake_provider
    """,
    f"src/{PKG}/fake/deep.py": "from .... import nowhere  # rule 0\n",
    f"pytest_plugin/{PLUGIN}/__init__.py": """
        import pytest
        from qiskit_runtime_double import Client
        from qiskit_runtime_double.fake.core import state
        from qiskit_runtime_double import _secret  # rule 5
        from qiskit_runtime_double.fake._internals import helper  # rule 5
        from _pytest.fixtures import FixtureRequest  # rule 5
        from qiskit_runtime_double.transports import mock  # rule 2
        from . import fixtures
    """,
    f"pytest_plugin/{PLUGIN}/fixtures.py": "from qiskit_runtime_double.wire import models\n",
}


def _write_synthetic(root: Path) -> set[tuple[Path, int, str]]:
    """Write the synthetic tree under ``root``; return the (file, line, rule) it must flag."""
    expected: set[tuple[Path, int, str]] = set()
    for relative, source in SYNTHETIC.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(source).lstrip("\n")
        path.write_text(text, encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if "# rule " in line:
                expected.add((Path(relative), number, line.rsplit("# rule ", 1)[1].strip()))
    return expected


def test_checker_flags_exactly_the_marked_lines(tmp_path: Path) -> None:
    expected = _write_synthetic(tmp_path)

    result = scan([tmp_path / "src", tmp_path / "pytest_plugin"])
    found = {(v.path, v.line, v.rule.split()[0]) for v in result.violations}

    assert len(result.files) == len(SYNTHETIC)
    assert {rule for _, _, rule in expected} == {"0", "1", "2", "3", "4", "5", "6"}
    assert found == expected, "\n".join(str(v) for v in result.violations)


def test_violation_names_file_line_and_rule(tmp_path: Path) -> None:
    _write_synthetic(tmp_path)

    result = scan([tmp_path / "src", tmp_path / "pytest_plugin"])
    (violation,) = [v for v in result.violations if v.path.name == "session.py"]

    assert str(violation) == (
        f"src/{PKG}/session.py:1: rule 2 (transports are private to the client): "
        f"{PKG}.session imports {PKG}.transports.mock; only client, service, cli, "
        "interception and the package __init__ use transports"
    )
