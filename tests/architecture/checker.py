"""The package's rules (``docs/architecture.md``, "Rules", numbered as here), checked from source.

Every ``.py`` file under the roots is parsed with ``ast``. Every import is collected (module level,
class bodies, function bodies, ``if TYPE_CHECKING:`` blocks, and ``importlib.import_module``
calls with a literal), relative imports are resolved, and each rule below is checked. A broken rule
is reported as ``file:line: rule N (title): what``.

Type-only and function-level imports count everywhere: a type-only dependency is still a
dependency of the design, and the next refactor tends to make it a runtime one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PKG = "qiskit_runtime_double"
PLUGIN = "pytest_runtime_double"

#: The rules, by number: the titles ``docs/architecture.md`` gives them, in its order.
RULES = {
    "1": "Bottom layer",
    "2": "One seam",
    "3": "The fake stands apart",
    "4": "Heavy dependencies load lazily, each from its home",
    "5": "The plugin uses public API only",
    "6": "No module-level mutable state",
    "7": "No import circles",
    "8": "One home for wire constants and error answers",
}

# --- what each rule allows -----------------------------------------------------------------------

#: Rule 1: the bottom layer, and what each part of it may import from the package.
BOTTOM = {
    f"{PKG}.wire": (f"{PKG}.wire",),
    f"{PKG}.errors": (),
    f"{PKG}.clock": (),
    f"{PKG}.probe": (),
}
#: Rule 2: who may import ``transports``, and what ``transports`` may import.
TRANSPORT_USERS = (f"{PKG}.http_client", f"{PKG}.service", f"{PKG}.cli", f"{PKG}.interception")
TRANSPORTS_MAY_IMPORT = (*BOTTOM, f"{PKG}.transports")
#: Rule 2 (and 3): the one link from the fake to the client side, for ``fake.transport()``.
FAKE_TRANSPORT_LINK = (f"{PKG}.fake.runtime", f"{PKG}.transports.inprocess")
#: Rule 2: the layers at or below the client's HTTP layer: only they may see HTTP status codes.
SEES_HTTP = (
    *BOTTOM,
    f"{PKG}.transports",
    f"{PKG}.http_client",
    f"{PKG}.fake",
    f"{PKG}.interception",
    f"{PKG}.compat",
    f"{PKG}.cli",
)
#: Rule 3: all that ``fake`` may import from the package.
FAKE_MAY_IMPORT = (*BOTTOM, f"{PKG}.fake")
#: Rule 4: each heavy dependency and the only modules that may import it (lazily).
HEAVY_HOMES = {
    "requests": (f"{PKG}.transports.live",),
    "urllib3": (f"{PKG}.transports.live", f"{PKG}.interception.urllib3_hook"),
    "vcr": (f"{PKG}.transports.cassette",),
    "yaml": (f"{PKG}.transports.cassettes.fileformat",),
    "qiskit_aer": (f"{PKG}.fake.core.aer", f"{PKG}.legacy.options"),
    "h11": (f"{PKG}.fake.http.http11",),
    "wsproto": (f"{PKG}.fake.http.stream",),
    "qiskit_ibm_runtime": (f"{PKG}.compat", f"{PKG}.fake.core.official_devices"),
    # IBM's packages of the executor era (the ``programs`` extra): the fake's one door to them.
    "ibm_quantum_schemas": (f"{PKG}.fake.core.program_schemas",),
    "samplomatic": (f"{PKG}.fake.core.program_schemas",),
}
#: Rule 4: our modules that are heavy themselves, and the only modules that may import them
#: (lazily). Such a module may import its heavy dependency at its top: the served fake's protocols
#: (h11 on every connection, wsproto for the 2023 result stream), which ``FakeServer.start`` loads.
HEAVY_MODULES = {
    f"{PKG}.fake.http.http11": (f"{PKG}.fake.http.server",),
    f"{PKG}.fake.http.stream": (f"{PKG}.fake.http.server",),
}
#: What ``import qiskit_runtime_double`` must not load.
HEAVY_AT_IMPORT = tuple(HEAVY_HOMES)
#: Rule 6: module-level objects that are state by nature, and the methods that mutate containers.
STATEFUL_FACTORIES = frozenset(
    {"Lock", "RLock", "Event", "Condition", "Semaphore", "count", "ContextVar", "local"}
)
CONTAINER_FACTORIES = frozenset(
    {"list", "dict", "set", "defaultdict", "deque", "OrderedDict", "Counter", "WeakSet"}
    | {"WeakValueDictionary", "WeakKeyDictionary", "bytearray"}
)
MUTATORS = frozenset(
    {"append", "add", "update", "setdefault", "pop", "popitem", "clear", "extend", "insert"}
    | {"remove", "discard", "appendleft", "popleft", "extendleft", "rotate", "sort", "reverse"}
)
#: Rule 6: the module-level state the design keeps on purpose, each with its reason.
MODULE_STATE_ALLOWED = {
    (f"{PKG}.fake.core.shared", "SHARED"): (
        "the process's cache of immutable data (default devices' targets, wire snapshots, noise "
        "models), keyed on content and never changed once built"
    ),
    (f"{PKG}.wire.npy", "AST_READERS_LOCK"): (
        "CPython's ast is not safe under concurrent use, process-wide: one lock for the readers "
        "(numpy inside QPY and SciPy) that still reach it"
    ),
    (f"{PKG}.service", "_DEFAULT"): (
        "default_service(): a context variable, so each thread and task has its own"
    ),
    (f"{PKG}.progress", "_CURRENT"): "show_progress(): a context variable, as default_service",
    (f"{PKG}.session", "_CURRENT"): "current_session(): a context variable, as default_service",
    (f"{PKG}.interception.urllib3_hook", "_CALL"): (
        "the request being answered, per thread and task (a context variable)"
    ),
    (f"{PKG}.interception.urllib3_hook", "_LOCK"): (
        "urllib3's classes are the process's: one interception is installed on them at a time"
    ),
    (f"{PKG}.interception.urllib3_hook", "_STATE"): "the one installed interception (see _LOCK)",
    (f"{PKG}.transports.cassettes.recorder", "_UNCLOSED"): (
        "recordings to save at interpreter exit, which happens once for every transport (weak)"
    ),
}
#: Rule 8: who may read error answers (``wire.error_body``) and map them to exceptions.
ERROR_TABLE = f"{PKG}.http_client.error_table"
ERROR_BODY = f"{PKG}.wire.error_body"
ERROR_READERS = (f"{PKG}.wire", f"{PKG}.http_client", f"{PKG}.transports.iam")


# --- what the scan collects ----------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    importer: str  # dotted name of the importing module
    target: str  # absolute dotted name of the imported module
    names: tuple[str, ...]  # for ``from target import a, b``: the names that are not modules
    eager: bool  # runs when the importer is imported (not in a function, not TYPE_CHECKING)


@dataclass(frozen=True)
class Use:
    """Something a module does that a rule watches (an attribute read, a ``getattr``)."""

    path: Path
    line: int
    module: str
    what: str  # "status_code", or a private name the plugin reaches


@dataclass(frozen=True)
class Violation:
    path: Path
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: rule {self.rule} ({RULES[self.rule]}): {self.message}"


@dataclass
class Scan:
    files: list[Path] = field(default_factory=list)
    modules: dict[str, Path] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)


def within(module: str, *prefixes: str) -> bool:
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
            )
        )

    def _use(self, node: ast.AST, what: str) -> None:
        self.scan.uses.append(Use(self.path, getattr(node, "lineno", 0), self.module, what))

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
                    "1",
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

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "status_code" and isinstance(node.ctx, ast.Load):
            self._use(node, "status_code")
        private = node.attr.startswith("_") and not node.attr.startswith("__")
        owner = node.value.id if isinstance(node.value, ast.Name) else None
        if private and owner not in ("self", "cls"):
            self._use(node, node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        first = node.args[0] if node.args else None
        literal = first.value if isinstance(first, ast.Constant) else None
        relative = isinstance(literal, str) and literal.startswith(".")
        if name in {"import_module", "__import__"} and isinstance(literal, str) and not relative:
            self._record(node, literal)
        if name in {"getattr", "hasattr", "setattr"} and len(node.args) >= 2:
            second = node.args[1]
            if isinstance(second, ast.Constant) and isinstance(second.value, str):
                attr = second.value
                if attr.startswith("_") and not attr.startswith("__"):
                    self._use(node, attr)
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


# --- the rules ------------------------------------------------------------------------------------


def _import_rules(imp: Import) -> Iterator[tuple[str, str]]:
    """The (rule, message) pairs that ``imp`` breaks (rules 1 to 5 and 8)."""
    what = f"{imp.importer} imports {imp.target}"
    if imp.names:
        what += f" ({', '.join(imp.names)})"
    ours = within(imp.target, PKG)
    link = (imp.importer, imp.target) == FAKE_TRANSPORT_LINK

    for layer, allowed in BOTTOM.items():
        if within(imp.importer, layer) and ours and not within(imp.target, *allowed):
            scope = ", ".join(allowed) or "nothing"
            yield "1", f"{what}; {layer} may import {scope} from the package"

    if ours and within(imp.target, f"{PKG}.transports") and not link:
        users = (f"{PKG}.transports", *TRANSPORT_USERS)
        if not within(imp.importer, *users) and imp.importer != PKG:
            yield "2", f"{what}; only {', '.join(TRANSPORT_USERS)} and __init__ use transports"
    transport_imports = ours and within(imp.importer, f"{PKG}.transports")
    if transport_imports and not within(imp.target, *TRANSPORTS_MAY_IMPORT):
        yield "2", f"{what}; a transport imports only the bottom layer and transports"
    above_client = imp.importer != PKG and not within(imp.importer, *SEES_HTTP)
    if ours and within(imp.target, f"{PKG}.wire.http") and above_client:
        yield "2", f"{what}; above the client's HTTP layer nothing handles HTTP messages"

    fake_imports = ours and not link and within(imp.importer, f"{PKG}.fake")
    if fake_imports and not within(imp.target, *FAKE_MAY_IMPORT):
        yield "3", f"{what}; the fake imports only the bottom layer and itself"
    edge_or_root = within(imp.target, f"{PKG}.fake.http", f"{PKG}.fake.runtime")
    if within(imp.importer, f"{PKG}.fake.core") and edge_or_root:
        yield "3", f"{what}; the simulation core knows nothing of its HTTP edge"
    if within(imp.importer, f"{PKG}.fake.http") and within(imp.target, f"{PKG}.fake.runtime"):
        yield "3", f"{what}; the HTTP edge depends on the core, never on FakeRuntime"

    top = imp.target.split(".")[0]
    heavy = next((name for name in (*HEAVY_HOMES, *HEAVY_MODULES) if within(imp.target, name)), "")
    if heavy:
        homes = HEAVY_HOMES.get(heavy) or HEAVY_MODULES[heavy]
        if imp.importer not in homes:
            yield "4", f"{what}; {heavy} may be imported only in {', '.join(homes)}"
        elif imp.eager and imp.importer not in HEAVY_MODULES:
            yield "4", f"{what} at import time; import {heavy} inside the function that needs it"

    if within(imp.importer, PLUGIN):
        if top == "_pytest":
            yield "5", f"{what}; _pytest is pytest's private package"
        private = [part for part in imp.target.split(".")[1:] if part.startswith("_")]
        private += [name for name in imp.names if name.startswith("_")]
        if ours and private:
            yield "5", f"{what}; {', '.join(private)} is private to {PKG}"

    if within(imp.target, ERROR_TABLE) and not within(imp.importer, f"{PKG}.http_client"):
        yield "8", f"{what}; only the client's HTTP layer maps error answers to exceptions"
    if within(imp.target, ERROR_BODY) and not within(imp.importer, *ERROR_READERS):
        yield "8", f"{what}; error answers are read by the client's HTTP layer only"


def _use_rules(use: Use) -> Iterator[tuple[str, str]]:
    """Rule 2 (status codes above the client) and rule 5 (private names in the plugin)."""
    if use.what == "status_code":
        # errors.py only carries the status an exception was made from, for users to read.
        below = within(use.module, *SEES_HTTP, f"{PKG}.errors")
        if within(use.module, PKG) and not below:
            yield "2", f"{use.module} reads a status_code: above the client nothing does"
    elif within(use.module, PLUGIN):
        yield "5", f"{use.module} reaches the private name {use.what}"


def _module_state(module: str, path: Path, tree: ast.Module) -> Iterator[Violation]:
    """Rule 6: module-level objects that are state (a lock, a counter, a context variable), or
    containers the module mutates, unless ``MODULE_STATE_ALLOWED`` says why they exist."""
    defined: dict[str, tuple[int, str]] = {}
    for statement in _module_level(tree):
        if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        kind = _kind_of(statement.value)
        for target in targets:
            if isinstance(target, ast.Name) and kind is not None and target.id != "__all__":
                defined[target.id] = (statement.lineno, kind)
    mutated = _mutated_names(tree)
    for name, (line, kind) in defined.items():
        if (module, name) in MODULE_STATE_ALLOWED:
            continue
        if kind == "state" or name in mutated:
            what = "holds state" if kind == "state" else "is a container the module changes"
            yield Violation(
                path,
                line,
                "6",
                f"{module}.{name} {what}: make it a constructor argument or an attribute of an "
                "object (or say why in MODULE_STATE_ALLOWED)",
            )


def _module_level(tree: ast.Module) -> Iterator[ast.stmt]:
    """The statements that run at import time: the module's body and its top-level if/try/with
    blocks (not function or class bodies)."""
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        statement = stack.pop()
        yield statement
        if isinstance(statement, ast.If | ast.With):
            stack.extend(reversed([*statement.body, *getattr(statement, "orelse", [])]))
        elif isinstance(statement, ast.Try):
            handlers = [s for handler in statement.handlers for s in handler.body]
            parts = [*statement.body, *handlers, *statement.orelse, *statement.finalbody]
            stack.extend(reversed(parts))


def _kind_of(value: ast.expr) -> str | None:
    if isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp):
        return "container"
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in STATEFUL_FACTORIES:
            return "state"
        if name in CONTAINER_FACTORIES:
            return "container"
    return None


def _mutated_names(tree: ast.Module) -> set[str]:
    """Names the module changes in place or rebinds from a function (``global``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.update(node.names)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and node.func.attr in MUTATORS:
                found.add(owner.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            if isinstance(node.value, ast.Name):
                found.add(node.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            found.add(node.target.id)
    return found


def circles(result: Scan) -> list[list[str]]:
    """Rule 7: the import circles among the package's modules (strongly connected components of
    more than one module, or a module importing itself), each sorted."""
    edges: dict[str, set[str]] = {name: set() for name in result.modules}
    for imp in result.imports:
        if imp.importer in edges and imp.target in edges and imp.target != imp.importer:
            edges[imp.importer].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan's algorithm, iteratively (deep graphs)
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for name in sorted(edges):
        if name not in index:
            visit(name)
    return sorted(found)


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
        result.modules[name] = shown
        result.violations += _module_state(name, shown, tree)
    for imp in result.imports:
        result.violations += [Violation(imp.path, imp.line, r, m) for r, m in _import_rules(imp)]
    for use in result.uses:
        result.violations += [Violation(use.path, use.line, r, m) for r, m in _use_rules(use)]
    for circle in circles(result):
        # Told where the first module (by name) imports another of the circle.
        closing = next(i for i in result.imports if i.importer == circle[0] and i.target in circle)
        result.violations.append(
            Violation(
                closing.path,
                closing.line,
                "7",
                f"import circle: {' -> '.join(circle)} (type-only counts)",
            )
        )
    return result
