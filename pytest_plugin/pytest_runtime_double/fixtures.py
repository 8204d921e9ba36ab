"""The plugin's fixtures. Each imports ``qiskit_runtime_double`` inside, so a run that uses none
of them pays nothing for the plugin. Every one is an ordinary fixture: override any in a conftest.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .config import default_config, marker_kwargs, resolve
from .options import Settings
from .state import CASSETTE, FAKE, OFFICIAL_CLOCK, REPORTS, SETTINGS, cassette_path

if TYPE_CHECKING:
    from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, Session

__all__ = [
    "fake_runtime",
    "fake_session",
    "fake_session_factory",
    "runtime_clock",
    "runtime_config",
    "runtime_mode",
    "runtime_service",
]


@pytest.fixture(scope="session")
def runtime_mode(pytestconfig: pytest.Config) -> str:
    """The runtime mode of this run: fake, replay, record or live."""
    return pytestconfig.stash[SETTINGS].mode


@pytest.fixture
def runtime_config(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings of the fake and cassettes; override it in a conftest to change them (returning
    only the keys you change is enough: the plugin merges them over these)."""
    return default_config(pytestconfig.stash[SETTINGS], marker_kwargs(request.node))


def _config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """``runtime_config`` merged over the defaults and checked (a problem fails the test)."""
    settings = request.config.stash[SETTINGS]
    return resolve(
        request.getfixturevalue("runtime_config"),
        settings,
        marker_kwargs(request.node),
        f"runtime_config of {request.node.nodeid}",
    )


def build_fake(config: dict[str, Any], *, instance: str | None = None) -> FakeRuntime:
    """A FakeRuntime as ``config`` (a resolved ``runtime_config``) describes it; ``instance`` (a
    CRN or name) makes it serve that instance instead of its default one (unless ``plan`` is
    configured)."""
    from qiskit_runtime_double import FakeRuntime, VirtualClock

    clock = VirtualClock(config["clock_start"], mode=config["clock_mode"])
    extra = {key: config[key] for key in ("duration_model", "plan") if config[key] is not None}
    if instance is not None and "plan" not in extra:
        from qiskit_runtime_double.interception import served_instance

        extra["instances"] = [served_instance(instance)]
    return FakeRuntime(backends=config["backends"], clock=clock, seed=config["seed"], **extra)


def official_instance(request: pytest.FixtureRequest) -> str | None:
    """For a test of the official client (it uses ``ibm_runtime``): the instance of the account
    the client would load, which its code may name, so the fake must serve it."""
    if "ibm_runtime" not in request.fixturenames:
        return None
    from qiskit_runtime_double.interception import account_instance

    return account_instance()


@pytest.fixture
def fake_runtime(runtime_mode: str, request: pytest.FixtureRequest) -> FakeRuntime:
    """The FakeRuntime behind runtime_service in fake mode; the test is skipped in other modes."""
    if runtime_mode != "fake":
        why = f"this run is {runtime_mode}"
        if request.config.stash[SETTINGS].records_from_fake:
            why = (
                "this run records from a fake built from runtime_config, which a test cannot "
                "steer: its replay would have no fake"
            )
        pytest.skip(f"needs the in-process fake (--runtime-mode=fake); {why}")
    fake = build_fake(_config(request), instance=official_instance(request))
    request.node.stash[FAKE] = fake
    return fake


@pytest.fixture
def runtime_service(
    request: pytest.FixtureRequest, runtime_mode: str
) -> Iterator[QiskitRuntimeService]:
    """A QiskitRuntimeService for this mode; also the default for Session(backend=...) here."""
    from qiskit_runtime_double import QiskitRuntimeService, default_service

    settings = request.config.stash[SETTINGS]
    config = _config(request)
    path = cassette_path(settings, request.node)
    if runtime_mode == "fake":
        fake = request.getfixturevalue("fake_runtime")
        request.node.stash[FAKE] = fake  # an overridden fake_runtime too
        service = QiskitRuntimeService(fake=fake)
    elif runtime_mode == "live":
        service = QiskitRuntimeService(**config["service_options"])
    elif runtime_mode == "replay":
        if not path.exists():  # a test the collection could not judge (skipif, ...)
            pytest.fail(_no_cassette_message(request.node.nodeid, path), pytrace=False)
        request.node.stash[CASSETTE] = path
        service = QiskitRuntimeService(
            cassette=path, record_mode="replay", scrub_rules=_scrub_rules(config, settings)
        )
    elif settings.records_from_fake:
        fake = build_fake(config)
        request.node.stash[FAKE] = fake
        request.node.stash[CASSETTE] = path
        service = QiskitRuntimeService(
            fake=fake,
            cassette=path,
            record_mode=settings.record_mode,
            scrub_rules=_scrub_rules(config, settings),
        )
    else:
        request.node.stash[CASSETTE] = path
        service = QiskitRuntimeService(
            cassette=path,
            record_mode=settings.record_mode,
            scrub_rules=_scrub_rules(config, settings),
            **config["service_options"],
        )
    with default_service(service):
        yield service
    if runtime_mode == "record":
        _finish_recording(service, request.node, path)
    service.close()


def _scrub_rules(config: dict[str, Any], settings: Settings) -> Any:
    """``runtime_config["scrub_rules"]`` (None: the defaults), plus ``runtime_secret_patterns``.

    Replay uses the same rules as recording: requests are scrubbed before they are matched.
    """
    if not settings.secret_patterns:
        return config["scrub_rules"]
    from qiskit_runtime_double import scrub_rules_from_patterns

    source = "runtime_secret_patterns"
    return scrub_rules_from_patterns(settings.secret_patterns, source, base=config["scrub_rules"])


def _no_cassette_message(nodeid: str, path: object) -> str:
    return (
        f"--runtime-mode=replay, but {nodeid} has no cassette at {path}. Record it: "
        f"pytest --runtime-mode=record '{nodeid}' (add --runtime-record-from=fake to record "
        "against the fake, with no account), then commit the cassette."
    )


def _finish_recording(service: QiskitRuntimeService, node: pytest.Item, path: Any) -> None:
    finish_recording(service.client.transport, node, path)


def finish_recording(transport: Any, node: pytest.Item, path: Any) -> None:
    """A failed or interrupted test leaves no half-recorded cassette (a signal's save aside); a
    passing test that sent nothing leaves an empty one, so that its replay finds a cassette (and
    fails if the test then sends something)."""
    from qiskit_runtime_double import CassetteTransport

    reports = node.stash.get(REPORTS, {})
    if any(report.failed for report in reports.values()) or "call" not in reports:
        # Failed, or never got to its end (Ctrl-C): nothing half-recorded is written here. A
        # signal that stopped it saved what it had, marked interrupted (cassettes.md).
        if isinstance(transport, CassetteTransport):
            transport.discard()
        return
    call = reports.get("call")
    if (
        call is not None
        and call.passed
        and isinstance(transport, CassetteTransport)
        and not transport.replaying
        and transport.new_interactions == 0
        and not path.exists()
    ):
        transport.save()


class ReplayClock:
    """The cassette's clock as ``runtime_clock`` in replay mode.

    A replay never waits: its clock jumps along the recorded times. Moving it forward
    (``shift``, ``move_to``) makes the answers recorded at that later time current, as moving the
    fake's clock did while recording. Backwards is an error, as on the fake's clock.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def now(self) -> _dt.datetime:
        moment: _dt.datetime = self._inner.now()
        return moment

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)

    def advance_to(self, moment: _dt.datetime) -> None:
        self._inner.advance_to(moment)

    def shift(self, delta: _dt.timedelta | float | int) -> None:
        """Move replay time forward by ``delta`` (a timedelta or seconds)."""
        seconds = delta.total_seconds() if isinstance(delta, _dt.timedelta) else delta
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"shift: delta must be a timedelta or seconds, got {delta!r}")
        if seconds < 0:
            from qiskit_runtime_double import ClockError

            raise ClockError(f"cannot move the replay clock backwards (shift of {seconds} s)")
        self._inner.advance_to(self.now() + _dt.timedelta(seconds=seconds))

    def move_to(self, destination: _dt.datetime) -> None:
        """Move replay time forward to ``destination`` (an aware datetime)."""
        if destination < self.now():
            from qiskit_runtime_double import ClockError

            raise ClockError(
                f"cannot move the replay clock back from {self.now().isoformat()} to "
                f"{destination.isoformat()}"
            )
        self._inner.advance_to(destination)

    def __repr__(self) -> str:
        return f"ReplayClock({self._inner!r})"


@pytest.fixture
def runtime_clock(runtime_mode: str, request: pytest.FixtureRequest) -> Any:
    """The clock the service runs on: the fake's VirtualClock (fake mode, and recording from the
    fake), or the cassette's in replay. Other modes skip the test: live time cannot be moved."""
    settings = request.config.stash[SETTINGS]
    if "ibm_runtime" in request.fixturenames and runtime_mode != "fake":
        return official_clock(request, runtime_mode)
    if runtime_mode == "fake":
        return request.getfixturevalue("fake_runtime").clock
    if runtime_mode == "replay":
        return ReplayClock(request.getfixturevalue("runtime_service").client.clock)
    if settings.records_from_fake:
        return request.getfixturevalue("runtime_service").client.clock  # the recording fake's
    where = "records from the live service" if runtime_mode == "record" else "is live"
    pytest.skip(
        "runtime_clock needs a clock the test can move: fake mode, replay, or recording from "
        f"the fake (--runtime-record-from=fake); this run {where}"
    )


def official_clock(request: pytest.FixtureRequest, runtime_mode: str) -> Any:
    """``runtime_clock`` for a test of the official client: the clock its interception runs on
    (the recording fake's, or the cassette's in replay, which ``time.time()`` follows there)."""
    request.getfixturevalue("ibm_runtime")  # set up first: it decides the clock
    clock = request.node.stash.get(OFFICIAL_CLOCK, None)
    if clock is None:
        where = "records from the live service" if runtime_mode == "record" else "is live"
        pytest.skip(
            "runtime_clock needs a clock the test can move: fake mode, replay, or recording "
            f"from the fake (--runtime-record-from=fake); this run {where}"
        )
    return ReplayClock(clock) if runtime_mode == "replay" else clock


@pytest.fixture
def fake_session_factory(
    runtime_service: QiskitRuntimeService, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Session]]:
    """Makes sessions: factory(backend=None, max_time=None, mode="dedicated" or "batch")."""
    from qiskit_runtime_double import Batch, Session

    default_backend = _config(request)["default_backend"]
    made: list[Session] = []

    def factory(
        backend: str | None = None, max_time: int | str | None = None, mode: str = "dedicated"
    ) -> Session:
        if mode not in ("dedicated", "batch"):
            raise ValueError(f"mode must be 'dedicated' or 'batch', got {mode!r}")
        chosen = backend or default_backend
        fake = request.node.stash.get(FAKE, None)
        if fake is not None and chosen not in fake.backend_names:
            # Checked here, not at the first job: a typo then fails where it was made.
            from qiskit_runtime_double import BackendNotFoundError

            raise BackendNotFoundError(
                f"fake_session_factory(backend={chosen!r}): the fake has no such backend. Its "
                f"backends: {', '.join(fake.backend_names)}. Pick one of them, or add it to "
                "runtime_config['backends']."
            )
        kind = Batch if mode == "batch" else Session
        session = kind(service=runtime_service, backend=chosen, max_time=max_time)
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
    marker = marker_kwargs(request.node)
    return fake_session_factory(backend=marker.get("backend"), max_time=marker.get("max_time"))
