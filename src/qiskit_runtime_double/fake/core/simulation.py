"""``Simulation``: the fake service's simulation as one object that owns itself.

It holds what a fake is configured with (backends, plan and instances, programs, seed, clock,
executor, duration model, history) and the one reference to its ``RuntimeState`` (jobs, sessions,
the scheduler), which ``reset`` replaces as a whole. Its methods are the typed commands the rest
of the fake uses: the runtime REST app reads ``state``; the control API, the live page, the pacer
and the result stream call the commands below; ``FakeRuntime`` composes it with the HTTP edge.

Arguments arrive validated (by ``FakeRuntime``'s ``validated_call`` or the control API's bodies):
nothing here checks a type again. Unknown ids and names are the state's ``NotFound``.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeAlias

from ...wire.control import (
    BackendStatusChange,
    BackgroundLoad,
    HistoryRequest,
    JobFaultRequest,
    PastJobRequest,
)
from ...wire.vocabulary import RAN_TOO_LONG_REASON, ReasonCode
from .catalogue import BackendEntry, build_catalogue
from .clock import Start, VirtualClock
from .durations import DurationModel
from .ids import IssuedIds
from .instances import Instances, configure_instances
from .plan import Instance, Plan
from .programs import ProgramRegistry
from .records import JobFault, JobRecord, SessionRecord
from .state import RuntimeState

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

    from .report import FakeSummary
    from .workloads import Executor

__all__ = ["PastRecords", "Simulation"]

#: What a history is made of: a seeded history, or explicit past jobs (the control API's bodies).
PastRecords: TypeAlias = HistoryRequest | Sequence[PastJobRequest]


class Simulation:
    """Jobs, sessions and backends simulated on a clock; see the module doc."""

    def __init__(
        self,
        backends: Mapping[str, BackendV2] | Sequence[str] | None,
        *,
        clock: VirtualClock,
        seed: int | None,
        executor: Executor,
        plan: Plan | None,
        duration_model: DurationModel,
        history: PastRecords | None,
        instances: Iterable[Instance] | None,
        programs: ProgramRegistry,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.catalogue: dict[str, BackendEntry] = build_catalogue(backends, seed=seed or 0)
        self.plan: Plan
        #: The instances served (``instances.default`` answers requests without ``Service-CRN``).
        self.instances: Instances
        self.plan, self.instances = configure_instances(plan, instances, list(self.catalogue))
        #: The programs jobs may run: built-in and registered ones. Configuration, like the
        #: backends: ``reset()`` keeps them.
        self.programs = programs
        self._executor = executor
        self._duration_model = duration_model
        self._history = history
        # Each add_history draws from a stream of its own, over the fake's whole life (an id
        # drawn in one life never comes back in the next); batch 0 is the constructor's history,
        # drawn again at each reset: the same past jobs, restored.
        self._history_batches = itertools.count(0 if history is None else 1)
        self._issued = IssuedIds()  # every id handed out, resets included
        self._lives = itertools.count()
        self._reset_lock = threading.Lock()
        #: Jobs, sessions and the scheduler: replaced as a whole by ``reset()``, so read it once
        #: per operation (a request served during a reset sees the old state or the new one).
        self.state = self._new_state()

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
            life=next(self._lives),
            issued=self._issued,
        )
        if self._history is not None:
            self._add_history(state, self._history, batch=0)
        return state

    def reset(self, start: Start = None) -> None:
        """Forget every job and session; take the clock back to its start (or to ``start``)."""
        with self._reset_lock:
            if start is None:
                self.clock.reset()
            else:
                self.clock.restart(start)  # checks ``start`` before anything is forgotten
            self.state = self._new_state()

    # --- reading -----------------------------------------------------------------------------

    def job(self, job_id: str) -> JobRecord:
        return self.state.job(job_id)

    def session(self, session_id: str) -> SessionRecord:
        return self.state.session(session_id)

    def jobs(self, *, background: bool = False) -> list[JobRecord]:
        """The jobs so far in submission order (other users' too with ``background``), their
        results settled first."""
        state = self.state
        state.settle_all()
        with state.transaction():
            found = [job for job in state.jobs.values() if background or job.owner == "instance"]
        return sorted(found, key=lambda job: job.seq)

    def sessions(self) -> list[SessionRecord]:
        state = self.state
        with state.transaction():
            return list(state.scheduler.sessions.values())

    def timeline_text(self, *, background: bool = False) -> str:
        from .report import timeline_text

        jobs = self.jobs(background=True)
        sessions = self.sessions()
        return timeline_text(
            jobs, sessions, start=self.clock.start, now=self.clock.now(), background=background
        )

    def summary(self) -> FakeSummary:
        from .report import summarize

        elapsed = (self.clock.now() - self.clock.start).total_seconds()
        return summarize(self.jobs(), self.sessions(), simulated_seconds=max(elapsed, 0.0))

    def timeline_svg(self, title: str = "") -> str:
        from .timeline import render_svg

        state = self.state
        state.settle_all()
        with state.transaction() as now:
            jobs = list(state.jobs.values())
        return render_svg(jobs, now, title=title)

    # --- waiting: what a client polling a job may ask ----------------------------------------

    def next_event_time(self) -> _dt.datetime | None:
        """When the simulation next changes anything by itself; None when nothing is scheduled."""
        return self.state.next_event_time()

    def stall_reason(self, job_id: str) -> str | None:
        """Why job ``job_id`` can never progress however long one waits, else None."""
        return self.state.stall_reason(job_id)

    # --- commands ----------------------------------------------------------------------------

    def fail_job(self, job_id: str | None, fault: JobFaultRequest) -> None:
        """Make a job (None: the next one submitted) end as ``fault`` says."""
        if fault.kind == "ran_too_long":
            ending = JobFault("Cancelled", RAN_TOO_LONG_REASON, ReasonCode.RAN_TOO_LONG)
        else:
            ending = JobFault("Failed", fault.reason, fault.code)
        self.state.fail_job(job_id, ending)

    def set_next_job_duration(self, seconds: float) -> None:
        self.state.set_next_job_duration(seconds)

    def set_backend_status(self, name: str, change: BackendStatusChange) -> None:
        self.state.set_backend_status(
            name, change.operational, change.status, change.message, change.length_queue
        )

    def set_usage_limit_reached(self, reached: bool) -> None:
        self.state.set_usage_limit_reached(reached)

    def add_background(self, backend: str, load: BackgroundLoad) -> list[str]:
        """Other users' jobs on ``backend``: ``load.count`` now (their ids), or a seeded Poisson
        stream of ``load.jobs_per_hour`` (no ids: they arrive as simulated time passes)."""
        if load.count is not None:
            jobs = self.state.add_background_jobs(backend, load.count, load.duration)
            return [job.id for job in jobs]
        assert load.jobs_per_hour is not None  # BackgroundLoad: exactly one of the two
        self.state.add_background_stream(backend, load.jobs_per_hour, load.duration, load.hours)
        return []

    def add_history(self, history: PastRecords) -> list[str]:
        """Add past jobs and sessions, all ended before now; the jobs' ids, oldest first.

        ``history``: a seeded history's request, or the requests of explicit past jobs (the
        control API's bodies; ``History.request()`` and ``PastJob.request()`` make them)."""
        return self._add_history(self.state, history)

    def _add_history(
        self, state: RuntimeState, history: PastRecords, batch: int | None = None
    ) -> list[str]:
        from .history import Where, build_history, build_past_jobs

        batch = next(self._history_batches) if batch is None else batch
        where = Where(self.catalogue, self.plan, self.clock.now(), self.seed, batch)
        if isinstance(history, HistoryRequest):
            jobs, sessions = build_history(history, where)
        else:
            jobs, sessions = build_past_jobs(list(history), where)
        state.add_past(jobs, sessions)
        return [job.id for job in sorted(jobs, key=lambda job: (job.created, job.seq))]

    def start_on_the_wall_clock(self) -> None:
        """Start simulated time at the real current time if nobody chose where it starts.

        Only for a simulation that has done nothing yet: an advance-mode clock left at the default
        start and still there, no job, no session, nothing scheduled. Clients over HTTP read the
        wall clock (a job's ``creation_date``, ``jobs(created_after=...)``), so 2025-01-01 would
        put every job outside their calendar. One already used keeps its timeline: moving it a
        year or more forward would expire its sessions under it.
        """
        clock = self.clock
        if clock.start_choice is not None or clock.mode != "advance":
            return
        state = self.state
        with state.transaction() as now:
            fresh = (
                now == clock.start
                and not state.jobs
                and not state.scheduler.sessions
                and state.scheduler.next_event_time() is None
            )
            if fresh:
                clock.restart("now")  # under the state's lock: no request sees the old time after
