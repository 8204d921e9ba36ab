"""``FakeRuntime``: the fake Qiskit Runtime service, in process, with a control API for tests.

A thin composition root: a ``Simulation`` (``core/simulation.py``: state, scheduler, clock,
backends, executor) and its ``HttpEdge`` (``http/edge.py``: the REST app, control API, IAM and
catalog endpoints, pacer). The control methods below check their arguments once, against the
control API's types (``wire/control.py``, ``validated_call``), then call the simulation's commands.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ..clock import Clock
from ..wire.control import (
    BackendStatusChange,
    BackgroundLoad,
    Code,
    FaultTimes,
    HttpFaultRequest,
    HttpStatus,
    JobCount,
    JobFaultRequest,
    JobSeconds,
    JobsPerHour,
    QueueLength,
    RetryAfter,
    RouteName,
    RuntimeFlags,
    ShortText,
    StreamHours,
    Text,
    validated,
    validated_call,
)
from ..wire.numbers import is_int
from ..wire.vocabulary import ReasonCode
from .core.builtin_programs import builtin_programs
from .core.catalogue import BackendEntry
from .core.clock import Start, VirtualClock
from .core.durations import DurationModel, default_duration
from .core.errors import NOT_FOUND, FakeArgumentError, ServiceError
from .core.instances import Instances
from .core.plan import Instance, Plan
from .core.programs import Program, ProgramMain, ProgramRegistry, user_program
from .core.records import JobRecord, SessionRecord
from .core.simulation import Simulation
from .core.state import RuntimeState
from .http.app import RuntimeApp
from .http.edge import HttpEdge
from .http.faults import HttpFault, HttpFaults
from .http.pacing import Pacer
from .http.platform import Platform
from .http.router import Router
from .http.serve_options import ServeOptions

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

    from ..transports.inprocess import InProcessTransport
    from .core.history import History, PastJob
    from .core.report import FakeSummary
    from .core.workloads import Executor
    from .http.server import FakeServer

__all__ = ["FakeRuntime"]


def _history_requests(method: str, history: object) -> Any:
    """``history`` (a ``History`` or a list of ``PastJob``) as the simulation's requests."""
    from .core.history import History, PastJob  # only for fakes given a history

    if isinstance(history, History):
        return history.request()
    if isinstance(history, Sequence) and not isinstance(history, str):
        strays = [item for item in history if not isinstance(item, PastJob)]
        if not strays:
            return [job.request() for job in history]
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


def _clock_of(clock: object) -> VirtualClock:
    if isinstance(clock, VirtualClock):
        return clock
    if clock is None:
        return VirtualClock()
    if isinstance(clock, Clock):
        return VirtualClock(mode="ticking", base=clock)
    raise TypeError(
        "FakeRuntime: clock must be a VirtualClock, or a Clock (an object with now() and "
        f"sleep(), such as SystemClock()) for the fake to follow; got "
        f"{type(clock).__name__} {clock!r}"
    )


def _executor_of(executor: object) -> Executor:
    if executor is None:
        from .core.executor import AerExecutor

        return AerExecutor()
    if callable(getattr(executor, "prepare", None)) and callable(
        getattr(executor, "execute", None)
    ):
        return executor  # type: ignore[return-value]
    raise TypeError(
        "FakeRuntime: executor must have prepare() and execute() methods (see "
        f"fake.core.workloads.Executor), got {type(executor).__name__}"
    )


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
        flags = validated("FakeRuntime", RuntimeFlags, {"require_auth": require_auth})
        if seed is not None and not is_int(seed):
            raise TypeError(f"FakeRuntime: seed must be an int or None, got {seed!r}")
        if plan is not None and not isinstance(plan, Plan):
            raise TypeError(f"FakeRuntime: plan must be a Plan, got {type(plan).__name__}")
        if not callable(duration_model):
            raise TypeError(
                "FakeRuntime: duration_model must be a callable (workload, simulator) -> seconds, "
                f"got {type(duration_model).__name__} {duration_model!r}"
            )
        requests = None if history is None else _history_requests("FakeRuntime", history)
        #: The simulation: state, scheduler, clock, backends, executor (``core/simulation.py``).
        self.simulation = Simulation(
            backends,
            clock=_clock_of(clock),
            seed=None if seed is None else int(seed),
            executor=_executor_of(executor),
            plan=plan,
            duration_model=duration_model,
            history=requests,
            instances=instances,
            programs=ProgramRegistry(builtin_programs()),
        )
        #: What answers HTTP for it (``http/edge.py``): ``app`` and the parts mounted on it.
        self.edge = HttpEdge(self.simulation, require_auth=flags.require_auth, api_keys=api_keys)

    # --- the parts -----------------------------------------------------------------------------

    @property
    def app(self) -> Router:
        """What answers HTTP requests: the runtime API under ``/api/v1`` and the other families
        (``InProcessTransport(fake.app)`` in process, ``fake.serve()`` over HTTP)."""
        return self.edge.app

    @property
    def clock(self) -> VirtualClock:
        return self.simulation.clock

    @property
    def state(self) -> RuntimeState:
        """Jobs, sessions and the simulation (replaced as a whole by ``reset()``)."""
        return self.simulation.state

    @property
    def seed(self) -> int | None:
        return self.simulation.seed

    @property
    def catalogue(self) -> dict[str, BackendEntry]:
        return self.simulation.catalogue

    @property
    def plan(self) -> Plan:
        return self.simulation.plan

    @property
    def instances(self) -> Instances:
        """The instances served (``instances.default`` answers requests without Service-CRN)."""
        return self.simulation.instances

    @property
    def programs(self) -> ProgramRegistry:
        """The programs jobs may run: the built-in ones and those ``register_program`` adds."""
        return self.simulation.programs

    @property
    def backend_names(self) -> list[str]:
        return list(self.catalogue)

    @property
    def faults(self) -> HttpFaults:
        return self.edge.faults

    @property
    def runtime_app(self) -> RuntimeApp:
        return self.edge.runtime_app

    @property
    def platform(self) -> Platform:
        """IBM Cloud's IAM, Global Search and Catalog endpoints, and the runtime API's token
        check (``require_auth``)."""
        return self.edge.platform

    @property
    def pacer(self) -> Pacer:
        """How simulated time moves while served (off in process)."""
        return self.edge.pacer

    def instance(self, name_or_crn: str) -> Instance:
        """The instance with this CRN, or the first one with this name."""
        if not isinstance(name_or_crn, str):
            raise TypeError(f"instance: name_or_crn must be a str, got {name_or_crn!r}")
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

    @validated_call
    def job(self, job_id: str) -> JobRecord:
        """The fake's record of a job (status, timestamps, duration, reason)."""
        with _named("job", "job_id"):
            return self.simulation.job(job_id)

    @validated_call
    def session(self, session_id: str) -> SessionRecord:
        """The fake's record of a session (state, timestamps, elapsed time)."""
        with _named("session", "session_id"):
            return self.simulation.session(session_id)

    # --- what happened (core/report.py): lists, text timeline, summary ------------------------

    @validated_call
    def jobs(self, *, background: bool = False) -> list[JobRecord]:
        """The jobs so far, in submission order, each printing as one line.

        Other users' jobs (``add_background_jobs``, ``add_background_load``) only with
        ``background=True``. Results being computed are waited for first, so statuses are final
        where the simulation says so.
        """
        return self.simulation.jobs(background=background)

    def sessions(self) -> list[SessionRecord]:
        """The sessions and batches so far, in creation order, each printing as one line."""
        return self.simulation.sessions()

    @validated_call
    def timeline_text(self, *, background: bool = False) -> str:
        """What happened, one event a line, as offsets from the clock's start (``report.py``).

        ``print(fake.timeline_text())`` in a failing test; ``assert "... failed" in ...``.
        """
        return self.simulation.timeline_text(background=background)

    def summary(self) -> FakeSummary:
        """Counts of sessions and jobs by status, and the simulated time since the clock's start."""
        return self.simulation.summary()

    @validated_call
    def timeline_svg(self, title: str = "") -> str:
        """A Gantt chart (SVG) of every job so far: which job held each backend when."""
        return self.simulation.timeline_svg(title)

    # --- control -----------------------------------------------------------------------------
    # Each method's arguments are checked by ``validated_call`` against the control API's types
    # (wire/control.py): a value refused over REST is refused here too, as a ValueError or
    # TypeError naming it, before anything changes.

    @validated_call
    def fail_job(
        self,
        job_id: ShortText | None = None,
        *,
        reason: Text = "Injected failure",
        code: Code | None = ReasonCode.INJECTED,
    ) -> None:
        """Make a job (with no id: the next one submitted) end Failed with ``reason``, ``code``."""
        with _named("fail_job", "job_id"):
            self.simulation.fail_job(job_id, JobFaultRequest(reason=reason, code=code))

    @validated_call
    def make_job_run_too_long(self, job_id: ShortText | None = None) -> None:
        """Make a job (or the next one) end as one past its time limit does (code 1305)."""
        with _named("make_job_run_too_long", "job_id"):
            self.simulation.fail_job(job_id, JobFaultRequest(kind="ran_too_long"))

    @validated_call
    def set_next_job_duration(self, seconds: JobSeconds) -> None:
        """Override the duration model for the next job submitted (0 to 30 days)."""
        self.simulation.set_next_job_duration(seconds)

    @validated_call
    def inject_http_error(
        self,
        route: RouteName,
        status: HttpStatus,
        *,
        times: FaultTimes | None = 1,
        message: Text | None = None,
        retry_after: RetryAfter | None = None,
    ) -> HttpFault:
        """Answer ``route`` (a name from ``wire.routes.ROUTES``, or ``"*"``) with ``status``.

        ``times`` is how many requests get the error: one by default (a client that retries then
        succeeds), any count up to 1,000,000, or None for every request until
        ``clear_faults()``. ``retry_after`` adds a ``Retry-After`` header (seconds).
        """
        return self.faults.add(
            HttpFaultRequest(
                route=route, status=status, times=times, message=message, retry_after=retry_after
            )
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    @validated_call
    def set_backend_status(
        self,
        name: ShortText,
        *,
        operational: bool = True,
        status: ShortText = "active",
        message: Text | None = None,
        length_queue: QueueLength | None = None,
    ) -> None:
        """Take a backend offline (``operational=False``: jobs queue but do not start) or back.

        ``length_queue`` makes the status report that queue length instead of the simulated one
        (the real service has reported negative ones); None goes back to the simulated length.
        """
        change = BackendStatusChange(
            operational=operational, status=status, message=message, length_queue=length_queue
        )
        with _named("set_backend_status", "name"):
            self.simulation.set_backend_status(name, change)

    @validated_call
    def set_usage_limit_reached(self, reached: bool = True) -> None:
        """Make the instance report its usage limit reached and refuse new jobs (403)."""
        self.simulation.set_usage_limit_reached(reached)

    @validated_call
    def add_background_jobs(
        self, backend: ShortText, count: JobCount, *, duration: JobSeconds = 60.0
    ) -> list[str]:
        """Queue ``count`` jobs of other users on ``backend``, each taking ``duration`` s."""
        with _named("add_background_jobs", "backend"):
            return self.simulation.add_background(
                backend, BackgroundLoad(count=count, duration=duration)
            )

    @validated_call
    def add_background_load(
        self,
        backend: ShortText,
        *,
        jobs_per_hour: JobsPerHour,
        duration: JobSeconds = 60.0,
        hours: StreamHours | None = None,
    ) -> None:
        """Other users' jobs arriving at random (Poisson, seeded) at ``jobs_per_hour``."""
        load = BackgroundLoad(jobs_per_hour=jobs_per_hour, duration=duration, hours=hours)
        with _named("add_background_load", "backend"):
            self.simulation.add_background(backend, load)

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
        ones) but never queued: they change nothing the scheduler does (``core/history.py``).
        """
        return self.simulation.add_history(_history_requests("add_history", history))

    def serve(self, **options: Unpack[ServeOptions]) -> FakeServer:
        """Serve this fake over HTTP (``host``, default ``127.0.0.1``; ``port`` 0 picks a free
        one); returns it running. Use it as a context manager, or call ``stop()``.

        The server answers the runtime API under ``/api/v1`` and the IAM, Global Search and Global
        Catalog endpoints the official client needs (``compat.official_service(server)``). While
        it runs, runtime calls need a token from its IAM endpoint (``require_auth``), and
        simulated time moves by ``pace``: ``"poll"`` (default) follows real time ``speed`` times
        as fast and lets a poll skip to the job's next status once the job has been waited on for
        ``max_wait`` real seconds; ``"real"`` follows real time and never skips; ``"manual"``
        leaves it to you (``http/pacing.py``). A fake that has done nothing yet, with no chosen
        clock start, starts its time at the real current UTC time.

        The control API (``/_double``) then needs the header ``X-Runtime-Double-Control`` with
        ``server.control_token`` (random unless ``control_token`` is given; see
        ``docs/server-mode.md``, "Threat model"). ``tls=True`` serves ``https://`` with a
        self-signed certificate for the loopback names; clients trust ``server.ca_bundle``. Every
        option is in ``http/serve_options.py``'s ``ServeOptions``.
        """
        from .http.server import FakeServer

        return FakeServer(self, **options).start()

    def reset(self, *, start: Start = None) -> None:
        """Forget every job, session and fault; take the clock back to its start; restart ids.

        The fake is then as it was when created (its backends, plan and settings stay). The new
        state replaces the old in one step: a request served meanwhile sees one or the other.
        ``start`` (a datetime, or ``"now"``: the real current time, again at each later reset)
        starts time over there instead, from now on; None keeps the clock's start.
        """
        self.edge.reset(start)

    def transport(self) -> InProcessTransport:
        """This fake, in process, as a transport: ``QiskitRuntimeService.from_transport(...)``.

        Requests act for the fake's instance when it has exactly one. With several, the service
        picks one (or finds one by name) through the fake's own Global Search and Catalog, whose
        addresses the transport carries, as the official client does over HTTP.
        """
        from ..transports.inprocess import IN_PROCESS_ROOT, InProcessTransport
        from .http.platform import CATALOG_PREFIX

        only = self.instances.default.crn if len(self.instances) == 1 else None
        return InProcessTransport(
            self.app,
            instance=only,
            search_url=IN_PROCESS_ROOT,
            catalog_url=IN_PROCESS_ROOT + CATALOG_PREFIX,
        )
