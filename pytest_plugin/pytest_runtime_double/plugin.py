"""Hooks and fixtures. Imports ``qiskit_runtime_double`` only inside fixtures, so a test run that
uses none of them pays nothing for the plugin."""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .options import RECORD_MODES, Settings, add_options, settings_from

if TYPE_CHECKING:
    from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, Session

SETTINGS = pytest.StashKey[Settings]()
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
MARKER_ARGS = ("backend", "max_time", "seed", "cassette")
#: Fixtures that reach the service; a test using one needs a cassette in replay mode.
SERVICE_FIXTURES = {"runtime_service", "fake_session", "fake_session_factory", "runtime_clock"}
DEFAULT_BACKEND = "generic_5q"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "runtime(backend=None, max_time=None, seed=None, cassette=None): per-test settings of "
        "qiskit-runtime-double (the fake_session's backend and max_time, the fake's seed, the "
        "cassette file name).",
    )
    settings = settings_from(config)
    config.stash[SETTINGS] = settings
    if settings.mode in ("record", "live"):
        _require_credentials(settings.mode)
    if settings.mode == "record":
        _require_writable(settings.cassette_dir)


def _require_credentials(mode: str) -> None:
    from qiskit_runtime_double import AccountNotFoundError
    from qiskit_runtime_double.accounts import default_account_file, load_account

    try:
        load_account()
    except AccountNotFoundError:
        raise pytest.UsageError(
            f"--runtime-mode={mode} needs IBM Quantum credentials, and none were found. They are "
            "read from the QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE environment variables, or "
            f"from the saved account file {default_account_file()} (written by the official "
            "client's QiskitRuntimeService.save_account). Use --runtime-mode=fake or replay "
            "to run without them."
        ) from None


def _require_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".write-probe"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise pytest.UsageError(
            f"--runtime-mode=record cannot write cassettes to {directory}: {exc}. Pass "
            "--runtime-cassette-dir with a writable directory."
        ) from None


def pytest_report_header(config: pytest.Config) -> str:
    settings = config.stash[SETTINGS]
    extra = f", cassettes: {settings.cassette_dir}" if settings.mode != "fake" else ""
    record = f", record mode: {settings.record_mode}" if settings.mode == "record" else ""
    return (
        f"qiskit-runtime-double: runtime mode {settings.mode}, seed {settings.seed}{extra}{record}"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash[SETTINGS]
    missing: list[str] = []
    for item in items:
        marker = item.get_closest_marker("runtime")
        if marker is not None:
            _validate_marker(item, marker)
        uses_service = SERVICE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if (
            settings.mode == "replay"
            and uses_service
            and "fake_runtime" not in getattr(item, "fixturenames", ())
        ):
            path = cassette_path(settings, item)
            if not path.exists():
                missing.append(f"  {item.nodeid}: {path}")
    if missing:
        shown = "\n".join(missing[:10]) + (
            f"\n  ... and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise pytest.UsageError(
            f"--runtime-mode=replay, but {len(missing)} test(s) have no cassette:\n{shown}\n"
            "Record them once with credentials: pytest --runtime-mode=record "
            "(add -k to pick tests), then commit the cassettes."
        )


def _validate_marker(item: pytest.Item, marker: pytest.Mark) -> None:
    where = f"@pytest.mark.runtime on {item.nodeid}"
    if marker.args:
        raise pytest.UsageError(
            f"{where} takes keyword arguments only ({', '.join(MARKER_ARGS)}), got {marker.args!r}."
        )
    unknown = set(marker.kwargs) - set(MARKER_ARGS)
    if unknown:
        raise pytest.UsageError(
            f"{where} got unknown argument(s) {sorted(unknown)}; it takes {', '.join(MARKER_ARGS)}."
        )
    seed = marker.kwargs.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise pytest.UsageError(f"{where}: seed must be an int, got {seed!r}.")
    for name in ("backend", "cassette"):
        value = marker.kwargs.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise pytest.UsageError(f"{where}: {name} must be a non-empty string, got {value!r}.")
    max_time = marker.kwargs.get("max_time")
    if max_time is not None:
        from qiskit_runtime_double import IBMInputValueError, parse_max_time

        try:
            parse_max_time(max_time)
        except IBMInputValueError as exc:
            raise pytest.UsageError(f"{where}: {exc}") from None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def _sanitize(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "test"


def cassette_path(settings: Settings, item: pytest.Item) -> Path:
    """``<cassette dir>/<test module>/<test name>.yaml``, or the marker's cassette name."""
    module = Path(str(item.path)).stem
    marker = item.get_closest_marker("runtime")
    named = marker.kwargs.get("cassette") if marker is not None else None
    parts = item.nodeid.split("::")[1:]
    name = named or ".".join(parts) or item.name
    filename = _sanitize(name)
    return (
        settings.cassette_dir
        / _sanitize(module)
        / (filename if filename.endswith(".yaml") else filename + ".yaml")
    )


def _marker(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("runtime")
    return dict(marker.kwargs) if marker is not None else {}


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def runtime_mode(pytestconfig: pytest.Config) -> str:
    """The runtime mode of this run: fake, replay, record or live."""
    return pytestconfig.stash[SETTINGS].mode


@pytest.fixture
def runtime_config(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings of the fake and cassettes; override it in a conftest to change them."""
    settings = pytestconfig.stash[SETTINGS]
    marker = _marker(request)
    return {
        "backends": None,
        "seed": marker.get("seed", settings.seed),
        "clock_start": None,
        "clock_mode": "advance",
        "default_backend": marker.get("backend", DEFAULT_BACKEND),
        "duration_model": None,
        "plan": None,
        "scrub_rules": None,
        # Extra QiskitRuntimeService arguments in record and live modes (e.g. runtime_url).
        "service_options": {},
    }


@pytest.fixture
def fake_runtime(runtime_mode: str, runtime_config: dict[str, Any]) -> FakeRuntime:
    """The FakeRuntime behind runtime_service in fake mode; the test is skipped in other modes."""
    if runtime_mode != "fake":
        pytest.skip(f"needs the in-process fake (--runtime-mode=fake); this run is {runtime_mode}")
    from qiskit_runtime_double import FakeRuntime, VirtualClock

    clock = VirtualClock(
        runtime_config.get("clock_start"), mode=runtime_config.get("clock_mode", "advance")
    )
    extra: dict[str, Any] = {}
    for key in ("duration_model", "plan"):
        if runtime_config.get(key) is not None:
            extra[key] = runtime_config[key]
    return FakeRuntime(
        backends=runtime_config.get("backends"),
        clock=clock,
        seed=runtime_config.get("seed"),
        **extra,
    )


@pytest.fixture
def runtime_service(
    request: pytest.FixtureRequest,
    pytestconfig: pytest.Config,
    runtime_mode: str,
    runtime_config: dict[str, Any],
) -> Iterator[QiskitRuntimeService]:
    """A QiskitRuntimeService for this mode; also the default for Session(backend=...) here."""
    from qiskit_runtime_double import QiskitRuntimeService, default_service

    settings = pytestconfig.stash[SETTINGS]
    if runtime_mode == "fake":
        service = QiskitRuntimeService(fake=request.getfixturevalue("fake_runtime"))
    elif runtime_mode == "live":
        service = QiskitRuntimeService(**runtime_config.get("service_options", {}))
    else:
        path = cassette_path(settings, request.node)
        replaying = runtime_mode == "replay"
        options = {} if replaying else dict(runtime_config.get("service_options", {}))
        service = QiskitRuntimeService(
            cassette=path,
            record_mode="replay" if replaying else settings.record_mode,
            scrub_rules=runtime_config.get("scrub_rules"),
            **options,
        )
    with default_service(service):
        yield service
    reports = request.node.stash.get(REPORTS, {})
    failed = any(report.failed for report in reports.values())
    if failed and runtime_mode == "record":
        service.discard_recording()  # a failed test leaves no half-recorded cassette behind
    service.close()


@pytest.fixture
def runtime_clock(runtime_mode: str, request: pytest.FixtureRequest) -> Any:
    """The clock the service runs on: the fake's VirtualClock, or the cassette's in replay."""
    if runtime_mode == "fake":
        return request.getfixturevalue("fake_runtime").clock
    if runtime_mode == "replay":
        return request.getfixturevalue("runtime_service").client.clock
    pytest.skip(
        f"runtime_clock is only controllable in fake and replay modes; this run is {runtime_mode}"
    )


@pytest.fixture
def fake_session_factory(
    runtime_service: QiskitRuntimeService, runtime_config: dict[str, Any]
) -> Iterator[Callable[..., Session]]:
    """Makes sessions: factory(backend=None, max_time=None, mode="dedicated" or "batch")."""
    from qiskit_runtime_double import Batch, Session

    made: list[Session] = []

    def factory(
        backend: str | None = None, max_time: int | str | None = None, mode: str = "dedicated"
    ) -> Session:
        if mode not in ("dedicated", "batch"):
            raise ValueError(f"mode must be 'dedicated' or 'batch', got {mode!r}")
        kind = Batch if mode == "batch" else Session
        session = kind(
            service=runtime_service,
            backend=backend or runtime_config["default_backend"],
            max_time=max_time,
        )
        made.append(session)
        return session

    yield factory
    for session in made:
        session.close()


@pytest.fixture
def fake_session(
    fake_session_factory: Callable[..., Session], request: pytest.FixtureRequest
) -> Session:
    """An open Session on the default backend (or the runtime marker's), closed after the test."""
    marker = _marker(request)
    return fake_session_factory(backend=marker.get("backend"), max_time=marker.get("max_time"))


__all__ = ["RECORD_MODES", "cassette_path"]
