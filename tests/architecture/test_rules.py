"""The house's rules hold on the real tree, the checker catches each break, and the docs agree."""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .checker import (
    HEAVY_AT_IMPORT,
    MODULE_STATE_ALLOWED,
    PKG,
    PLUGIN,
    RULES,
    Scan,
    scan,
)

REPO = Path(__file__).resolve().parents[2]
ROOTS = (REPO / "src", REPO / "pytest_plugin")


@functools.cache
def _real_scan() -> Scan:
    return scan(ROOTS)


# --- the real tree --------------------------------------------------------------------------------


def test_scan_visits_the_real_tree() -> None:
    result = _real_scan()

    assert len(result.files) > 100, result.files
    assert Path("src", PKG, "__init__.py") in result.files
    assert Path("pytest_plugin", PLUGIN, "__init__.py") in result.files
    assert len(result.imports) > 1000, "few imports found: the collector is broken"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_real_tree_obeys_rule(rule: str) -> None:
    broken = [str(v) for v in _real_scan().violations if v.rule == rule]

    assert not broken, "\n" + "\n".join(broken)


def test_each_allowed_piece_of_module_state_exists() -> None:
    """``MODULE_STATE_ALLOWED`` names real module-level names (no stale excuses)."""
    result = _real_scan()
    for module, name in MODULE_STATE_ALLOWED:
        tree = ast.parse((REPO / result.modules[module]).read_text(encoding="utf-8"))
        assigned = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        assert name in assigned, f"{module}.{name} is allowed as module state but is not there"


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


def test_wire_constants_have_one_home() -> None:
    """Rule 8: error and reason codes are literals in ``wire/vocabulary.py`` only."""
    codes = {"1000", "1002", "1007", "1200", "1201", "1204", "1205", "1300", "1352", "1354"}
    reasons = {1305, 1352}
    root = REPO / "src" / PKG
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "vocabulary.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Constant):
                continue
            value = node.value
            wire_code = isinstance(value, str) and value in codes
            reason = isinstance(value, int) and not isinstance(value, bool) and value in reasons
            if wire_code or reason:
                offenders.append(f"{path.relative_to(root)}:{node.lineno}: {value!r}")
    assert not offenders, "use wire.vocabulary instead:\n" + "\n".join(offenders)


# --- the docs number the rules as the checker does ----------------------------------------------


def test_the_architecture_page_states_each_rule_under_its_number() -> None:
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("\n## Rules", 1)[1].split("\n## ", 1)[0]
    stated = dict(re.findall(r"^(\d+)\. \*\*(.+?)\.\*\*", section, re.MULTILINE))

    assert stated == RULES


# --- the checker catches what it should, and only that --------------------------------------------

# Each line that must be flagged ends with ``# rule N``; nothing else may be flagged.
SYNTHETIC = {
    f"src/{PKG}/__init__.py": """
        from .http_client.client import Client
        from .transports import Transport
    """,
    f"src/{PKG}/clock.py": "import time\n",
    f"src/{PKG}/probe.py": "from .clock import Clock  # rule 1\n",
    f"src/{PKG}/errors.py": """
        def late():
            from .clock import Clock  # rule 1
    """,
    f"src/{PKG}/wire/__init__.py": "from .models import Job\nfrom . import http\n",
    f"src/{PKG}/wire/http.py": "import json\n",
    f"src/{PKG}/wire/error_body.py": "import json\n",
    f"src/{PKG}/wire/models.py": """
        from pydantic import BaseModel
        from ..errors import IBMError  # rule 1
        from qiskit_runtime_double.wire import http
    """,
    f"src/{PKG}/http_client/__init__.py": "",
    f"src/{PKG}/http_client/client.py": """
        from ..transports.base import Transport
        from ..wire import models
        from ..wire.error_body import ErrorBody
        from .error_table import error_for
    """,
    f"src/{PKG}/http_client/error_table.py": "from ..wire.error_body import ErrorBody\n",
    f"src/{PKG}/service.py": """
        from . import transports
        from .transports import live
        from .http_client.error_table import error_for  # rule 8
    """,
    f"src/{PKG}/cli.py": """
        import importlib
        from .transports.mock import MockTransport

        def main():
            importlib.import_module("qiskit_aer")  # rule 4
    """,
    f"src/{PKG}/session.py": """
        from .transports import mock  # rule 2
        from .wire.http import HttpResponse  # rule 2
        from .wire.error_body import ErrorBody  # rule 8

        def failed(answer):
            return answer.status_code >= 400  # rule 2
    """,
    f"src/{PKG}/job.py": """
        from .wire.models import Job
        from . import backend
    """,
    f"src/{PKG}/backend.py": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from .job import RuntimeJob  # rule 7
    """,
    f"src/{PKG}/progress.py": """
        import threading
        from collections import deque

        TABLE = {"a": 1}
        SEEN = []  # rule 6
        LOCK = threading.Lock()  # rule 6
        if True:
            QUEUE = deque()  # rule 6

        def note(item):
            SEEN.append(item)
            QUEUE.append(item)
            return TABLE[item]
    """,
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
    f"src/{PKG}/transports/inprocess.py": "from ..probe import SimulationProbe\n",
    f"src/{PKG}/transports/mock.py": """
        from .base import Transport
        from ..http_client.submission import SafeSubmitter  # rule 2
    """,
    f"src/{PKG}/transports/live.py": """
        import requests  # rule 4

        def send():
            import requests.adapters
    """,
    f"src/{PKG}/transports/cassette.py": "def load():\n    import vcr\n",
    f"src/{PKG}/fake/__init__.py": "",
    f"src/{PKG}/fake/runtime.py": """
        from .http.edge import HttpEdge
        from ..transports.inprocess import InProcessTransport
        from ..transports.mock import MockTransport  # rule 2, 3
    """,
    f"src/{PKG}/fake/core/__init__.py": "",
    f"src/{PKG}/fake/core/state.py": """
        from ...clock import Clock
        from ...wire.models import Job
        from ...errors import IBMError
        from . import scheduler
        from ..http.server import serve  # rule 3
    """,
    f"src/{PKG}/fake/core/scheduler.py": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from ...session import Session  # rule 3
        from qiskit_runtime_double import fake
    """,
    f"src/{PKG}/fake/http/__init__.py": "",
    f"src/{PKG}/fake/http/edge.py": "from ..core.state import State\n",
    f"src/{PKG}/fake/http/app.py": """
        from ... import job  # rule 3
        import qiskit_runtime_double  # rule 3
        from ..core.state import State
        from ..runtime import FakeRuntime  # rule 3
    """,
    f"src/{PKG}/fake/http/server.py": """
        import h11  # rule 4
        from . import stream  # rule 4

        def start():
            from .http11 import Http11
    """,
    f"src/{PKG}/fake/http/http11.py": "import h11\nfrom h11 import Request\n",
    f"src/{PKG}/fake/http/stream.py": """
        import wsproto.connection
        from .http11 import Http11  # rule 4
    """,
    f"src/{PKG}/fake/core/aer.py": """
        class Executor:
            import qiskit_aer  # rule 4

        def run():
            import qiskit_aer
            from requests import Session  # rule 4
    """,
    f"src/{PKG}/fake/core/official_devices.py": """
        def load():
            from qiskit_ibm_runtime import fake_provider
    """,
    f"src/{PKG}/fake/deep.py": "from .... import nowhere  # rule 1\n",
    f"pytest_plugin/{PLUGIN}/__init__.py": """
        import pytest
        from qiskit_runtime_double import Client
        from qiskit_runtime_double.fake.core import state
        from qiskit_runtime_double import _secret  # rule 5
        from qiskit_runtime_double.fake._internals import helper  # rule 5
        from _pytest.fixtures import FixtureRequest  # rule 5
        from qiskit_runtime_double.transports import mock  # rule 2
        from . import fixtures

        def manager(item):
            return item.session._fixturemanager  # rule 5

        def manager_too(item):
            return getattr(item.session, "_fixturemanager")  # rule 5

        class Mine:
            def __init__(self):
                self._own = 1
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
                for rule in line.rsplit("# rule ", 1)[1].split(","):
                    expected.add((Path(relative), number, rule.strip()))
    return expected


def test_checker_flags_exactly_the_marked_lines(tmp_path: Path) -> None:
    expected = _write_synthetic(tmp_path)

    result = scan([tmp_path / "src", tmp_path / "pytest_plugin"])
    found = {(v.path, v.line, v.rule) for v in result.violations}

    assert len(result.files) == len(SYNTHETIC)
    assert {rule for _, _, rule in expected} == set(RULES)
    assert found == expected, "\n".join(str(v) for v in result.violations)


def test_a_circle_names_every_module_in_it(tmp_path: Path) -> None:
    _write_synthetic(tmp_path)

    result = scan([tmp_path / "src", tmp_path / "pytest_plugin"])
    (circle,) = [str(v) for v in result.violations if v.rule == "7"]

    assert circle == (
        f"src/{PKG}/backend.py:3: rule 7 (No import circles): import circle: "
        f"{PKG}.backend -> {PKG}.job (type-only counts)"
    )


def test_violation_names_file_line_and_rule(tmp_path: Path) -> None:
    _write_synthetic(tmp_path)

    result = scan([tmp_path / "src", tmp_path / "pytest_plugin"])
    (violation,) = [v for v in result.violations if v.path.name == "session.py" and v.line == 1]

    assert str(violation) == (
        f"src/{PKG}/session.py:1: rule 2 (One seam): {PKG}.session imports "
        f"{PKG}.transports.mock; only {PKG}.http_client, {PKG}.service, {PKG}.cli, "
        f"{PKG}.interception and __init__ use transports"
    )
