"""``FakeRuntime``: the fake Qiskit Runtime service, in process, with a control API for tests."""

from __future__ import annotations

import datetime as _dt
import numbers
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..clock import Clock
from ..wire.control import (
    BackendStatusChange,
    BackgroundLoad,
    HttpFaultRequest,
    JobFaultRequest,
    NextJobDuration,
    describe_errors,
)
from ..wire.vocabulary import RAN_TOO_LONG_REASON, ReasonCode
from .core.builtin_programs import builtin_programs
from .core.catalogue import BackendEntry, build_catalogue
from .core.clock import Start, VirtualClock
from .core.durations import DurationModel, default_duration
from .core.errors import NOT_FOUND, FakeArgumentError, ServiceError
from .core.instances import Instances, configure_instances
from .core.plan import Instance, Plan
from .core.programs import Program, ProgramMain, ProgramRegistry, user_program
from .core.records import JobFault, JobRecord, SessionRecord
from .core.state import RuntimeState
from .http.app import API_PREFIX, RuntimeApp
from .http.control import CONTROL_PREFIX, ControlApp
from .http.faults import HttpFault, HttpFaults
from .http.legacy_platform import LegacyPlatform
from .http.pacing import DEFAULT_MAX_WAIT, Pace, Pacer
from .http.platform import Platform
from .http.router import Router

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

    from .core.executor import Executor
    from .core.history import History, PastJob
    from .core.report import FakeSummary
    from .http.server import FakeServer

__all__ = ["FakeRuntime"]

M = TypeVar("M", bound=BaseModel)


def _checked(method: str, model: type[M], **values: Any) -> M:
    """``values`` validated by the control API's ``model``: one set of limits in process and over
    REST. A problem is a ``ValueError`` naming the argument."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ValueError(f"{method}: {describe_errors(exc)}") from None


def _real(method: str, name: str, value: object, *, optional: bool = False) -> None:
    """Refuse what is not a real number (strings, bools) with a ``TypeError`` naming ``name``."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{method}: {name} must be a number, got {type(value).__name__} {value!r}")


def _integer(method: str, name: str, value: object, *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{method}: {name} must be an int, got {type(value).__name__} {value!r}")


def _text(method: str, name: str, value: object, *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{method}: {name} must be a str, got {type(value).__name__} {value!r}")


def _history_argument(method: str, history: object) -> None:
    if history is None and method == "FakeRuntime":
        return
    from .core.history import History, PastJob  # only for fakes given a history

    if isinstance(history, History):
        return
    if isinstance(history, Sequence) and not isinstance(history, str):
        strays = [item for item in history if not isinstance(item, PastJob)]
        if not strays:
            return
        history = strays[0]
    raise TypeError(
        f"{method}: history must be a History(...) or a list of PastJob(...), got "
        f"{type(history).__name__} {history!r}"
    )


@contextmanager
def _named(method: str, argument: str) -> Iterator[None]:
    """The fake's own refusal (unknown job, unknown backend...) as a ``FakeArgumentError`` (a
    ValueError) naming the argument; the control API answers it with the refusal's status."""
    try:
        yield
    except ServiceError as exc:
        raise FakeArgumentError(
            f"{method}: {argument}: {exc.message}", status=exc.status, code=exc.code
        ) from None


class FakeRuntime:
    """A fake Qiskit Runtime service: sessions, queues and jobs simulated on a clock, run on Aer.

    ``backends``: None for the default catalogue (``generic_5q``, ``generic_27q``, ``generic_127q``,
    ``ibmq_qasm_simulator``); a list of names from it (or official fake backends such as
    ``"fake_brisbane"`` with the ``compat`` extra); or a mapping of your names to ``BackendV2``
    objects. ``clock``: a ``VirtualClock`` (default: advance-on-sleep from 2025-01-01 09:00 UTC, or
    from the real current time once served; ``VirtualClock(start="now")`` asks for that in
    process), or any other ``Clock`` (e.g. ``SystemClock()``), which the fake then follows in
    ticking mode.
    ``seed`` fixes job and session ids and the simulator's seeds. ``require_auth`` makes the
    runtime API demand a token from the fake's IAM endpoint (``serve()`` turns it on);
    ``api_keys``, when given, are the only API keys that IAM endpoint accepts. ``history``: past
    jobs and sessions the fake starts with (a seeded ``History`` or a list of ``PastJob``; see
    ``add_history``), there again after every ``reset()``.

    ``instances``: the service instances it serves (``Instance`` objects: name, plan, region or
    CRN, backends, usage allocation), listed by its Global Search; each runtime request acts for
    the one its ``Service-CRN`` header names (without the header: the first). By default one
    instance, described by ``plan`` (``plan.instance`` is its CRN); with ``instances``, ``plan``
    sets only the session limits and ``fake.plan`` describes the first instance.

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
        history: History | Sequence[PastJob] | None = None,
        instances: Iterable[Instance] | None = None,
    ) -> None:
        _integer("FakeRuntime", "seed", seed, optional=True)
        _history_argument("FakeRuntime", history)
        if isinstance(clock, VirtualClock):
            self.clock = clock
        elif clock is None:
            self.clock = VirtualClock()
        elif isinstance(clock, Clock):
            self.clock = VirtualClock(mode="ticking", base=clock)
        else:
            raise TypeError(
                "FakeRuntime: clock must be a VirtualClock, or a Clock (an object with now() and "
                f"sleep(), such as SystemClock()) for the fake to follow; got "
                f"{type(clock).__name__} {clock!r}"
            )
        if plan is not None and not isinstance(plan, Plan):
            raise TypeError(f"FakeRuntime: plan must be a Plan, got {type(plan).__name__}")
        if not callable(duration_model):
            raise TypeError(
                "FakeRuntime: duration_model must be a callable (workload, simulator) -> seconds, "
                f"got {type(duration_model).__name__} {duration_model!r}"
            )
        if executor is None:
            from .core.executor import AerExecutor

            executor = AerExecutor()
        elif not (
            callable(getattr(executor, "prepare", None))
            and callable(getattr(executor, "execute", None))
        ):
            raise TypeError(
                "FakeRuntime: executor must have prepare() and execute() methods (see "
                f"fake.workloads.Executor), got {type(executor).__name__}"
            )
        self.seed = None if seed is None else int(seed)
        self.catalogue: dict[str, BackendEntry] = build_catalogue(backends, seed=self.seed or 0)
        #: The instances served (``instances.default`` answers requests without ``Service-CRN``).
        self.instances: Instances
        self.plan, self.instances = configure_instances(plan, instances, list(self.catalogue))
        self._executor = executor
        self._duration_model = duration_model
        self._reset_lock = threading.Lock()
        self.faults = HttpFaults()
        self._history = history
        self._history_calls = 0  # each add_history draws from its own seeded stream
        #: The programs jobs may run: the built-in ones and those ``register_program`` adds.
        #: Configuration, like the backends: ``reset()`` keeps them.
        self.programs = ProgramRegistry(builtin_programs())
        #: The REST facade; its ``state`` is the one reference to the fake's state (see ``reset``).
        self.runtime_app = RuntimeApp(self._new_state(), self.faults)
        #: What answers HTTP requests: the runtime API under ``/api/v1`` and the other families.
        self.app = Router(self.clock)
        # --- server mode (http/platform.py, http/pacing.py): IBM Cloud's IAM, Global Search and
        # Catalog endpoints; the runtime API behind a token check (off unless ``require_auth``)
        # and a pacer moving simulated time while served (off in process).
        self.platform = Platform(
            self.plan, api_keys=api_keys, require_auth=require_auth, instances=self.instances
        )
        self.pacer = Pacer(self.runtime_app)
        self.platform.mount(self.app)
        # The 2023 client's login endpoints, and the /experimental alias its ibm_cloud URL needs.
        LegacyPlatform(self.platform).mount(self.app)
        self.app.mount(API_PREFIX, self.platform.guard(self.pacer))
        # --- end of server mode
        self.app.mount(CONTROL_PREFIX, ControlApp(self))

    def _new_state(self) -> RuntimeState:
        """A fresh state, with the history given to the constructor."""
        state = RuntimeState(
            catalogue=self.catalogue,
            clock=self.clock,
            executor=self._executor,
            plan=self.plan,
            instances=self.instances,
            seed=self.seed,
            duration_model=self._duration_model,
            programs=self.programs,
        )
        self._history_calls = 0
        if self._history is not None:
            self._add_history(state, self._history)
        return state

    @property
    def state(self) -> RuntimeState:
        """Jobs, sessions and the simulation (replaced as a whole by ``reset()``)."""
        return self.runtime_app.state

    @property
    def backend_names(self) -> list[str]:
        return list(self.catalogue)

    def instance(self, name_or_crn: str) -> Instance:
        """The instance with this CRN, or the first one with this name."""
        _text("instance", "name_or_crn", name_or_crn)
        found = self.instances.by_crn(name_or_crn) or next(
            iter(self.instances.named(name_or_crn)), None
        )
        if found is None:
            known = ", ".join(f"{i.name!r} ({i.crn})" for i in self.instances.all)
            raise FakeArgumentError(
                f"instance: no instance is named or has the CRN {name_or_crn[:120]!r}. "
                f"Instances: {known}.",
                status=404,
                code=NOT_FOUND,
            )
        return found

    def now(self) -> _dt.datetime:
        return self.clock.now()

    # --- inspection --------------------------------------------------------------------------

    def job(self, job_id: str) -> JobRecord:
        """The fake's record of a job (status, timestamps, duration, reason)."""
        _text("job", "job_id", job_id)
        with _named("job", "job_id"):
            return self.state.job(job_id)

    def session(self, session_id: str) -> SessionRecord:
        """The fake's record of a session (state, timestamps, elapsed time)."""
        _text("session", "session_id", session_id)
        with _named("session", "session_id"):
            return self.state.session(session_id)

    # --- what happened (core/report.py): lists, text timeline, summary ----------------------------

    def jobs(self, *, background: bool = False) -> list[JobRecord]:
        """The jobs so far, in submission order, each printing as one line.

        Other users' jobs (``add_background_jobs``, ``add_background_load``) only with
        ``background=True``. Results being computed are waited for first, so statuses are final
        where the simulation says so.
        """
        if not isinstance(background, bool):
            raise TypeError(f"jobs: background must be a bool, got {background!r}")
        state = self.state
        state.settle_all()
        with state.transaction():
            found = [job for job in state.jobs.values() if background or job.owner == "instance"]
        return sorted(found, key=lambda job: job.seq)

    def sessions(self) -> list[SessionRecord]:
        """The sessions and batches so far, in creation order, each printing as one line."""
        state = self.state
        with state.transaction():
            return list(state.scheduler.sessions.values())

    def timeline_text(self, *, background: bool = False) -> str:
        """What happened, one event a line, as offsets from the clock's start (``core/report.py``).

        ``print(fake.timeline_text())`` in a failing test; ``assert "... failed" in ...``.
        """
        from .core.report import timeline_text

        jobs = self.jobs(background=True)
        sessions = self.sessions()
        return timeline_text(
            jobs, sessions, start=self.clock.start, now=self.clock.now(), background=background
        )

    def summary(self) -> FakeSummary:
        """Counts of sessions and jobs by status, and the simulated time since the clock's start."""
        from .core.report import summarize

        elapsed = (self.clock.now() - self.clock.start).total_seconds()
        return summarize(self.jobs(), self.sessions(), simulated_seconds=max(elapsed, 0.0))

    def timeline_svg(self, title: str = "") -> str:
        """A Gantt chart (SVG) of every job so far: which job held each backend when."""
        from .core.timeline import render_svg

        state = self.state
        state.settle_all()
        with state.transaction() as now:
            jobs = list(state.jobs.values())
        return render_svg(jobs, now, title=title)

    # --- control -----------------------------------------------------------------------------
    # Each method checks its arguments with the control API's models (wire/control.py), so a
    # value refused over REST is refused here too, as a ValueError or TypeError naming it.

    def fail_job(
        self,
        job_id: str | None = None,
        *,
        reason: str = "Injected failure",
        code: int | None = ReasonCode.INJECTED,
    ) -> None:
        """Make a job (with no id: the next one submitted) end Failed with ``reason``, ``code``."""
        _text("fail_job", "job_id", job_id, optional=True)
        _text("fail_job", "reason", reason)
        _integer("fail_job", "code", code, optional=True)
        fault = _checked("fail_job", JobFaultRequest, kind="fail", reason=reason, code=code)
        with _named("fail_job", "job_id"):
            self.state.fail_job(job_id, JobFault("Failed", fault.reason, fault.code))

    def make_job_run_too_long(self, job_id: str | None = None) -> None:
        """Make a job (or the next one) end as one past its time limit does (code 1305)."""
        _text("make_job_run_too_long", "job_id", job_id, optional=True)
        with _named("make_job_run_too_long", "job_id"):
            self.state.fail_job(
                job_id, JobFault("Cancelled", RAN_TOO_LONG_REASON, ReasonCode.RAN_TOO_LONG)
            )

    def set_next_job_duration(self, seconds: float) -> None:
        """Override the duration model for the next job submitted (0 to 30 days)."""
        _real("set_next_job_duration", "seconds", seconds)
        checked = _checked("set_next_job_duration", NextJobDuration, seconds=seconds)
        self.state.set_next_job_duration(checked.seconds)

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
        method = "inject_http_error"
        _text(method, "route", route)
        _integer(method, "status", status)
        _integer(method, "times", times, optional=True)
        _text(method, "message", message, optional=True)
        _real(method, "retry_after", retry_after, optional=True)
        fault = _checked(
            method,
            HttpFaultRequest,
            route=route,
            status=status,
            times=times,
            message=message,
            retry_after=retry_after,
        )
        return self.faults.add(
            fault.route,
            fault.status,
            times=fault.times,
            message=fault.message,
            retry_after=fault.retry_after,
        )

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
        method = "set_backend_status"
        _text(method, "name", name)
        if not isinstance(operational, bool):
            raise TypeError(f"{method}: operational must be a bool, got {operational!r}")
        _text(method, "status", status)
        _text(method, "message", message, optional=True)
        _integer(method, "length_queue", length_queue, optional=True)
        change = _checked(
            method,
            BackendStatusChange,
            operational=operational,
            status=status,
            message=message,
            length_queue=length_queue,
        )
        with _named(method, "name"):
            self.state.set_backend_status(
                name, change.operational, change.status, change.message, change.length_queue
            )

    def set_usage_limit_reached(self, reached: bool = True) -> None:
        """Make the instance report its usage limit reached and refuse new jobs (403)."""
        if not isinstance(reached, bool):
            raise TypeError(f"set_usage_limit_reached: reached must be a bool, got {reached!r}")
        self.state.set_usage_limit_reached(reached)

    def add_background_jobs(self, backend: str, count: int, *, duration: float = 60.0) -> list[str]:
        """Queue ``count`` jobs of other users on ``backend``, each taking ``duration`` s."""
        method = "add_background_jobs"
        _text(method, "backend", backend)
        _integer(method, "count", count)
        _real(method, "duration", duration)
        load = _checked(method, BackgroundLoad, count=count, duration=duration)
        assert load.count is not None
        with _named(method, "backend"):
            jobs = self.state.add_background_jobs(backend, load.count, load.duration)
        return [job.id for job in jobs]

    def add_background_load(
        self,
        backend: str,
        *,
        jobs_per_hour: float,
        duration: float = 60.0,
        hours: float | None = None,
    ) -> None:
        """Other users' jobs arriving at random (Poisson, seeded) at ``jobs_per_hour``."""
        method = "add_background_load"
        _text(method, "backend", backend)
        _real(method, "jobs_per_hour", jobs_per_hour)
        _real(method, "duration", duration)
        _real(method, "hours", hours, optional=True)
        load = _checked(
            method,
            BackgroundLoad,
            jobs_per_hour=jobs_per_hour,
            duration=duration,
            hours=hours,
        )
        assert load.jobs_per_hour is not None
        with _named(method, "backend"):
            self.state.add_background_stream(backend, load.jobs_per_hour, load.duration, load.hours)

    def register_program(
        self,
        program_id: str,
        main: ProgramMain,
        *,
        parameters: dict[str, Any] | None = None,
        description: str = "",
        name: str | None = None,
        return_values: dict[str, Any] | None = None,
        interim_results: dict[str, Any] | None = None,
        backend_requirements: dict[str, Any] | None = None,
        max_execution_time: int = 300,
        is_public: bool = False,
        replace: bool = False,
    ) -> Program:
        """Make ``program_id`` run ``main(backend, user_messenger, **inputs)`` (2023 interface).

        ``session.run(program_id, inputs)`` then runs it: ``backend`` simulates circuits on the
        job's backend, ``user_messenger.publish(message)`` publishes interim results
        (``final=True``: the result), the return value is the job's result, and an exception
        fails the job.
        ``parameters`` (a JSON Schema with ``properties`` and ``required``), ``return_values``,
        ``interim_results`` and ``backend_requirements`` (e.g. ``{"min_num_qubits": 5}``, checked
        at submission) are what ``GET /programs/{id}`` shows; ``max_execution_time`` (seconds)
        stops a longer job (code 1305) unless the job sets its own. A program registered already
        is replaced only with ``replace=True``; built-in ids are refused. See
        ``docs/fake-service.md``, "Programs and interim results".
        """
        if not isinstance(replace, bool):
            raise TypeError(f"register_program: replace must be True or False, got {replace!r}")
        program = user_program(
            program_id,
            main,
            parameters=parameters,
            description=description,
            name=name,
            return_values=return_values,
            interim_results=interim_results,
            backend_requirements=backend_requirements,
            max_execution_time=max_execution_time,
            is_public=is_public,
            at=self.clock.now(),
        )
        self.programs.register(program, replace=replace)
        return program

    def add_history(self, history: History | Sequence[PastJob]) -> list[str]:
        """Add past jobs and sessions, all ended before now; returns the jobs' ids, oldest first.

        ``History(weeks=4, jobs_per_day=5, backends=..., programs=..., tags=..., sessions=...,
        states=...)`` draws them from the fake's seed (or its own ``seed``); a list of
        ``PastJob(created=..., ...)`` gives each exactly. They are listed and retrieved like any
        job (``GET /jobs`` filters, ``GET /jobs/{id}``, metrics, a synthetic result for completed
        ones) but never queued: they change nothing the scheduler does (``fake/core/history.py``).
        """
        _history_argument("add_history", history)
        return self._add_history(self.state, history)

    def _add_history(self, state: RuntimeState, history: History | Sequence[PastJob]) -> list[str]:
        batch, self._history_calls = self._history_calls, self._history_calls + 1
        from .core.history import History, Where, build_history, build_past_jobs

        where = Where(self.catalogue, self.plan, self.clock.now(), self.seed, batch)
        if isinstance(history, History):
            jobs, sessions = build_history(history.request(), where)
        else:
            jobs, sessions = build_past_jobs([job.request() for job in history], where)
        state.add_past(jobs, sessions)
        return [job.id for job in sorted(jobs, key=lambda job: (job.created, job.seq))]

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_remote: bool = False,
        require_auth: bool = True,
        pace: Pace = "poll",
        speed: float = 1.0,
        max_wait: float = DEFAULT_MAX_WAIT,
        control_token: str | None = None,
        tls: bool = False,
    ) -> FakeServer:
        """Serve this fake over HTTP on ``host:port`` (port 0: a free one); returns it running.

        The server answers the runtime API under ``/api/v1`` and the IAM, Global Search and Global
        Catalog endpoints the official client needs (``compat.official_service(server)``). While
        it runs, runtime calls need a token from its IAM endpoint (``require_auth``), and simulated
        time moves by ``pace``: ``"poll"`` (default) follows real time ``speed`` times as fast and
        lets a poll skip to the job's next status once the job has been waited on for ``max_wait``
        real seconds; ``"real"`` follows real time and never skips; ``"manual"`` leaves it to you
        (``http/pacing.py``). A fake that has done nothing yet, with no chosen clock start, starts
        its time at the real current UTC time. Use it as a context manager, or call ``stop()``.

        The control API (``/_double``) then needs the header ``X-Runtime-Double-Control`` with
        ``server.control_token`` (random unless ``control_token`` is given; see
        ``docs/server-mode.md``, "Threat model"). ``tls=True`` serves ``https://`` with a
        self-signed certificate for the loopback names; clients trust ``server.ca_bundle``.
        """
        from .http.server import FakeServer

        server = FakeServer(
            self,
            host=host,
            port=port,
            allow_remote=allow_remote,
            require_auth=require_auth,
            pace=pace,
            speed=speed,
            max_wait=max_wait,
            control_token=control_token,
            tls=tls,
        )
        return server.start()

    def reset(self, *, start: Start = None) -> None:
        """Forget every job, session and fault; take the clock back to its start; restart ids.

        The fake is then as it was when created (its backends, plan and settings stay). The new
        state replaces the old in one step: a request served meanwhile sees one or the other.
        ``start`` (a datetime, or ``"now"``: the real current time, again at each later reset)
        starts time over there instead, from now on; None keeps the clock's start.
        """
        with self._reset_lock:
            real_start = self.pacer.timer()  # before the clock restarts: see Pacer.restarted
            if start is None:
                self.clock.reset()
            else:
                self.clock.restart(start)  # checks ``start`` before anything is forgotten
            self.faults.clear()
            self.runtime_app.state = self._new_state()  # with the constructor's history
            self.pacer.restarted(since=real_start)
