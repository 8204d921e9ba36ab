"""``FakeRuntime``: the fake Qiskit Runtime service, in process, with a control API for tests."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..clock import Clock
from .app import API_PREFIX, RuntimeApp
from .catalogue import BackendEntry, build_catalogue
from .clock import VirtualClock
from .control import CONTROL_PREFIX, ControlApp
from .durations import DurationModel, default_duration
from .faults import HttpFault, HttpFaults
from .pacing import Pace, Pacer
from .plan import Plan
from .platform import Platform
from .records import RAN_TOO_LONG_CODE, RAN_TOO_LONG_REASON, JobFault, JobRecord, SessionRecord
from .router import Router
from .state import RuntimeState

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

    from .executor import Executor
    from .server import FakeServer

__all__ = ["FakeRuntime"]


class FakeRuntime:
    """A fake Qiskit Runtime service: sessions, queues and jobs simulated on a clock, run on Aer.

    ``backends``: None for the default catalogue (``generic_5q``, ``generic_27q``, ``generic_127q``,
    ``ibmq_qasm_simulator``); a list of names from it (or official fake backends such as
    ``"fake_brisbane"`` with the ``compat`` extra); or a mapping of your names to ``BackendV2``
    objects. ``clock``: a ``VirtualClock`` (default: advance-on-sleep from 2025-01-01 09:00 UTC),
    or any other ``Clock`` (e.g. ``SystemClock()``), which the fake then follows in ticking mode.
    ``seed`` fixes job and session ids and the simulator's seeds. ``require_auth`` makes the
    runtime API demand a token from the fake's IAM endpoint (``serve()`` turns it on);
    ``api_keys``, when given, are the only API keys that IAM endpoint accepts.

    Talk to it with ``QiskitRuntimeService(fake=fake)`` or ``InProcessTransport(fake.app)``, or
    over HTTP with ``fake.serve()``.
    """

    def __init__(
        self,
        backends: Mapping[str, BackendV2] | Sequence[str] | None = None,
        *,
        clock: Clock | None = None,
        seed: int | None = 0,
        executor: Executor | None = None,
        plan: Plan | None = None,
        duration_model: DurationModel = default_duration,
        require_auth: bool = False,
        api_keys: Iterable[str] | None = None,
    ) -> None:
        if isinstance(clock, VirtualClock):
            self.clock = clock
        elif clock is None:
            self.clock = VirtualClock()
        else:
            self.clock = VirtualClock(mode="ticking", base=clock)
        if executor is None:
            from .executor import AerExecutor

            executor = AerExecutor()
        self.seed = seed
        self.plan = plan or Plan()
        self.catalogue: dict[str, BackendEntry] = build_catalogue(backends, seed=seed or 0)
        self._executor = executor
        self._duration_model = duration_model
        self.faults = HttpFaults()
        self.state = self._new_state()
        self.runtime_app = RuntimeApp(self.state, self.faults)
        #: What answers HTTP requests: the runtime API under ``/api/v1`` and the other families.
        self.app = Router(self.clock)
        # --- server mode (fake/platform.py, fake/pacing.py): IBM Cloud's IAM, Global Search and
        # Catalog endpoints; the runtime API behind a token check (off unless ``require_auth``)
        # and a pacer moving simulated time while served (off in process).
        self.platform = Platform(self.plan, api_keys=api_keys, require_auth=require_auth)
        self.pacer = Pacer(self.runtime_app)
        self.platform.mount(self.app)
        self.app.mount(API_PREFIX, self.platform.guard(self.pacer))
        # --- end of server mode
        self.app.mount(CONTROL_PREFIX, ControlApp(self))

    def _new_state(self) -> RuntimeState:
        return RuntimeState(
            catalogue=self.catalogue,
            clock=self.clock,
            executor=self._executor,
            plan=self.plan,
            seed=self.seed,
            duration_model=self._duration_model,
        )

    @property
    def backend_names(self) -> list[str]:
        return list(self.catalogue)

    def now(self) -> _dt.datetime:
        return self.clock.now()

    # --- inspection --------------------------------------------------------------------------

    def job(self, job_id: str) -> JobRecord:
        """The fake's record of a job (status, timestamps, duration, reason)."""
        return self.state.job(job_id)

    def session(self, session_id: str) -> SessionRecord:
        """The fake's record of a session (state, timestamps, elapsed time)."""
        return self.state.session(session_id)

    def timeline_svg(self, title: str = "") -> str:
        """A Gantt chart (SVG) of every job so far: which job held each backend when."""
        from .timeline import render_svg

        with self.state.transaction() as now:
            return render_svg(list(self.state.jobs.values()), now, title=title)

    # --- control -----------------------------------------------------------------------------

    def fail_job(
        self,
        job_id: str | None = None,
        *,
        reason: str = "Injected failure",
        code: int | None = 1002,
    ) -> None:
        """Make a job (with no id: the next one submitted) end Failed with ``reason``, ``code``."""
        self.state.fail_job(job_id, JobFault("Failed", reason, code))

    def make_job_run_too_long(self, job_id: str | None = None) -> None:
        """Make a job (or the next one) end as one past its time limit does (code 1305)."""
        self.state.fail_job(job_id, JobFault("Cancelled", RAN_TOO_LONG_REASON, RAN_TOO_LONG_CODE))

    def set_next_job_duration(self, seconds: float) -> None:
        """Override the duration model for the next job submitted."""
        if seconds < 0:
            raise ValueError(f"a job duration cannot be negative, got {seconds}")
        self.state.next_job_durations.append(float(seconds))

    def inject_http_error(
        self,
        route: str,
        status: int,
        *,
        times: int | None = 1,
        message: str | None = None,
        retry_after: float | None = None,
    ) -> HttpFault:
        """Answer ``route`` (a name from ``wire.routes.ROUTES``, or ``"*"``) with ``status``.

        ``times`` is how many requests get the error (None: until ``clear_faults()``).
        """
        return self.faults.add(route, status, times=times, message=message, retry_after=retry_after)

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_backend_status(
        self,
        name: str,
        *,
        operational: bool = True,
        status: str = "active",
        message: str | None = None,
        length_queue: int | None = None,
    ) -> None:
        """Take a backend offline (``operational=False``: jobs queue but do not start) or back.

        ``length_queue`` makes the status report that queue length instead of the simulated one
        (the real service has reported negative ones); None goes back to the simulated length.
        """
        self.state.set_backend_status(name, operational, status, message)
        if length_queue is None:
            self.state.reported_queue.pop(name, None)
        else:
            self.state.reported_queue[name] = length_queue

    def set_usage_limit_reached(self, reached: bool = True) -> None:
        """Make the instance report its usage limit reached and refuse new jobs (403)."""
        self.state.usage_limit_reached = reached

    def add_background_jobs(self, backend: str, count: int, *, duration: float = 60.0) -> list[str]:
        """Queue ``count`` jobs of other users on ``backend``, each taking ``duration`` s."""
        return [job.id for job in self.state.add_background_jobs(backend, count, duration)]

    def add_background_load(
        self,
        backend: str,
        *,
        jobs_per_hour: float,
        duration: float = 60.0,
        hours: float | None = None,
    ) -> None:
        """Other users' jobs arriving at random (Poisson, seeded) at ``jobs_per_hour``."""
        self.state.add_background_stream(backend, jobs_per_hour, duration, hours)

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_remote: bool = False,
        require_auth: bool = True,
        pace: Pace = "poll",
        speed: float = 1.0,
    ) -> FakeServer:
        """Serve this fake over HTTP on ``host:port`` (port 0: a free one); returns it running.

        The server answers the runtime API under ``/api/v1`` and the IAM, Global Search and Global
        Catalog endpoints the official client needs (``compat.official_service(server)``). While
        it runs, runtime calls need a token from its IAM endpoint (``require_auth``), and simulated
        time moves by ``pace``: ``"poll"`` (default) moves it to the next simulated event at each
        poll of an unfinished job, ``"real"`` follows real time ``speed`` times as fast,
        ``"manual"`` leaves it to you. Use it as a context manager, or call ``stop()``.
        """
        from .server import FakeServer

        server = FakeServer(
            self,
            host=host,
            port=port,
            allow_remote=allow_remote,
            require_auth=require_auth,
            pace=pace,
            speed=speed,
        )
        return server.start()

    def reset(self) -> None:
        """Forget every job, session and fault. The clock keeps its time; ids restart."""
        self.faults.clear()
        self.state = self._new_state()
        self.runtime_app.state = self.state
