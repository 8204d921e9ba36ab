"""The fake service's state and operations. No HTTP here: ``app.py`` is the REST facade over this.

Every public method takes the lock, catches the simulation up to ``clock.now()``, then acts.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import random
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..wire import codec
from ..wire.models import JobCreateRequest, SessionCreateRequest
from .catalogue import BackendEntry, default_backend_name
from .clock import VirtualClock
from .durations import DurationModel, default_duration
from .errors import (
    BACKEND_NOT_FOUND,
    SESSION_CLOSED,
    USAGE_LIMIT,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
)
from .ids import IdGenerator
from .plan import Plan
from .records import RAN_TOO_LONG_CODE, JobFault, JobRecord, SessionRecord
from .scheduler import Scheduler
from .workloads import InvalidWorkload

if TYPE_CHECKING:
    from .workloads import Executor

__all__ = ["JobFilter", "RuntimeState"]

#: Programs the fake runs. Anything else is a 404, as for an unknown program on the real service.
PROGRAMS = ("sampler", "estimator")


@dataclass(frozen=True)
class JobFilter:
    """The filters and paging of ``GET /jobs``."""

    limit: int = 200
    offset: int = 0
    backend: str | None = None
    pending: bool | None = None
    program: str | None = None
    tags: tuple[str, ...] = ()
    session_id: str | None = None
    created_after: _dt.datetime | None = None
    created_before: _dt.datetime | None = None
    ascending: bool = False


class RuntimeState:
    """Jobs, sessions, backends and the simulation behind them."""

    def __init__(
        self,
        *,
        catalogue: dict[str, BackendEntry],
        clock: VirtualClock,
        executor: Executor,
        plan: Plan,
        seed: int | None,
        duration_model: DurationModel = default_duration,
    ) -> None:
        self.catalogue = catalogue
        self.clock = clock
        self.executor = executor
        self.plan = plan
        self.duration_model = duration_model
        self.ids = IdGenerator(seed)
        self.jobs: dict[str, JobRecord] = {}
        self.scheduler = Scheduler(self._run_job)
        self.next_job_faults: deque[JobFault] = deque()
        self.next_job_durations: deque[float] = deque()
        self.backend_status: dict[str, tuple[bool, str, str | None]] = {}
        #: A queue length to report instead of the simulated one (the service reports odd ones).
        self.reported_queue: dict[str, int] = {}
        self.usage_limit_reached = False
        self._seq = itertools.count()
        self._lock = threading.RLock()
        clock.set_wakeup(self.next_event_time)

    # --- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[_dt.datetime]:
        """Hold the lock with the simulation caught up; yields the current time."""
        with self._lock:
            now = self.clock.now()
            self.scheduler.advance(now)
            yield now

    def next_event_time(self) -> _dt.datetime | None:
        with self.transaction():
            return self.scheduler.next_event_time()

    def _run_job(self, job: JobRecord) -> tuple[str, int | None] | None:
        """Execute a job whose run just ended in the simulation; a failure becomes its reason."""
        if job.workload is None:
            return None  # another user's job: nothing to compute
        entry = self.catalogue[job.backend]
        try:
            result = self.executor.execute(job.workload, entry, job.seed)
            job.result_text = codec.encode(result)
        except Exception as exc:  # an executor failure is the job's failure, not the service's
            job.result_text = f"Traceback (most recent call last):\n{type(exc).__name__}: {exc}"
            return (f"Execution failed: {type(exc).__name__}: {exc}", 1000)
        job.logs.append(f"{job.finished_at} job completed")
        return None

    # --- backends ----------------------------------------------------------------------------

    def entry(self, name: str) -> BackendEntry:
        try:
            return self.catalogue[name]
        except KeyError:
            raise NotFound(
                f"Backend {name!r} was not found. Available backends: "
                f"{', '.join(sorted(self.catalogue))}.",
                code=BACKEND_NOT_FOUND,
            ) from None

    def status_of(self, name: str) -> tuple[bool, str, str | None, int]:
        """``(operational, status, message, queue length)`` of a backend."""
        with self.transaction():
            self.entry(name)
            operational, status, message = self.backend_status.get(name, (True, "active", None))
            lane = self.scheduler.lanes.get(name)
            queued = lane.queued_count() if lane else 0
            return operational, status, message, self.reported_queue.get(name, queued)

    def set_backend_status(
        self, name: str, operational: bool, status: str, message: str | None
    ) -> None:
        with self.transaction() as now:
            self.entry(name)
            self.backend_status[name] = (operational, status, message)
            self.scheduler.set_paused(name, not operational, now)

    # --- sessions ----------------------------------------------------------------------------

    def create_session(
        self, request: SessionCreateRequest, *, session_id: str | None = None
    ) -> SessionRecord:
        with self.transaction() as now:
            backend = request.backend or default_backend_name(self.catalogue)
            self.entry(backend)
            if request.max_ttl is None:
                max_ttl = self.plan.default_max_ttl
            else:
                max_ttl = min(request.max_ttl, self.plan.max_ttl_cap)
            session = SessionRecord(
                id=session_id or self.ids.session_id(),
                backend=backend,
                mode=request.mode,
                created_at=now,
                max_ttl=max_ttl,
                interactive_ttl=self.plan.interactive_ttl if request.mode == "dedicated" else 0,
                instance=request.instance or self.plan.instance,
            )
            self.scheduler.add_session(session)
            return session

    def session(self, session_id: str) -> SessionRecord:
        with self.transaction():
            found = self.scheduler.sessions.get(session_id)
            if found is None:
                raise NotFound(f"Session {session_id!r} was not found.")
            return found

    def close_session(self, session_id: str) -> None:
        with self.transaction() as now:
            self.scheduler.close_session(self.session(session_id), now)

    def cancel_session(self, session_id: str) -> None:
        with self.transaction() as now:
            self.scheduler.cancel_session(self.session(session_id), now)

    # --- jobs --------------------------------------------------------------------------------

    def submit_job(self, request: JobCreateRequest) -> JobRecord:
        with self.transaction() as now:
            if request.program_id not in PROGRAMS:
                raise NotFound(
                    f"Program {request.program_id!r} was not found. "
                    f"Programs: {', '.join(PROGRAMS)}."
                )
            if self.usage_limit_reached:
                raise Forbidden(
                    "This instance has reached its usage limit; jobs are refused until the next "
                    "usage period.",
                    code=USAGE_LIMIT,
                )
            session = self._session_for(request)
            backend = request.backend or (session.backend if session else None)
            backend = backend or default_backend_name(self.catalogue)
            entry = self.catalogue.get(backend)
            if entry is None:
                raise BadRequest(
                    f"Backend {backend!r} was not found. Available backends: "
                    f"{', '.join(sorted(self.catalogue))}.",
                    code=BACKEND_NOT_FOUND,
                )
            if session is not None and session.backend != backend:
                raise BadRequest(
                    f"Session {session.id} runs on backend {session.backend!r}, but the job asks "
                    f"for {backend!r}. Submit it without a backend, or to a session on {backend!r}."
                )
            try:
                params = codec.from_jsonable(request.params)
            except Exception as exc:  # a corrupt QPY blob or tag is the caller's fault
                raise BadRequest(f"The job's params could not be decoded: {exc}") from exc
            try:
                workload = self.executor.prepare(request.program_id, params, entry)
            except InvalidWorkload as exc:
                raise BadRequest(exc.message, code=exc.code) from exc
            job_id = self.ids.job_id()
            if session is None and request.start_session:
                # Seed-era clients (0.11-0.15) start a session with their first job: its id is the
                # job's id, and later jobs send it as ``session_id``.
                session = self.create_session(
                    SessionCreateRequest(
                        mode="dedicated", backend=backend, max_ttl=request.session_time
                    ),
                    session_id=job_id,
                )
            duration = (
                self.next_job_durations.popleft()
                if self.next_job_durations
                else self.duration_model(workload, entry.simulator)
            )
            job = JobRecord(
                id=job_id,
                program_id=request.program_id,
                backend=backend,
                created=now,
                duration=duration,
                seed=self.ids.simulator_seed(),
                seq=next(self._seq),
                session_id=session.id if session else None,
                params=request.params,
                workload=workload,
                tags=list(request.tags or []),
                private=bool(request.private),
                log_level=request.log_level,
                runtime=request.runtime,
                cost=request.cost,
                fault=self.next_job_faults.popleft() if self.next_job_faults else None,
                logs=[f"{now.isoformat()} job created"],
            )
            self.jobs[job.id] = job
            self.scheduler.submit(job, now)
            return job

    def _session_for(self, request: JobCreateRequest) -> SessionRecord | None:
        if request.session_id is None:
            return None
        session = self.scheduler.sessions.get(request.session_id)
        if session is None:
            raise BadRequest(
                f"Session {request.session_id!r} does not exist. Create it with POST /sessions "
                "(Session(...) does this at its first job), or omit session_id."
            )
        if not session.accepting_jobs:
            why = session.state_reason or "closed"
            raise Conflict(
                f"Session {session.id} has been closed ({why}) and does not accept new jobs. "
                "Open a new session for further jobs.",
                code=SESSION_CLOSED,
            )
        return session

    def job(self, job_id: str) -> JobRecord:
        with self.transaction():
            found = self.jobs.get(job_id)
            if found is None or found.deleted:
                raise NotFound(f"Job {job_id!r} was not found.")
            return found

    def cancel_job(self, job_id: str) -> None:
        with self.transaction() as now:
            job = self.job(job_id)
            if job.final:
                raise Conflict(
                    f"Job {job_id} is {job.status}; only queued or running jobs can be cancelled."
                )
            self.scheduler.cancel_job(job, now)

    def delete_job(self, job_id: str) -> None:
        with self.transaction():
            self.job(job_id).deleted = True

    def results(self, job_id: str) -> str:
        with self.transaction():
            job = self.job(job_id)
            if job.status == "Completed" and job.result_text is not None:
                return job.result_text
            if job.status == "Failed":
                return job.result_text or f"Job {job_id} failed: {job.reason}"
            if job.status == "Cancelled" and job.reason_code == RAN_TOO_LONG_CODE:
                # Clients read /results of every job in error to build their message.
                return f"Job {job_id} was stopped: {job.reason} (code {job.reason_code})."
            raise Conflict(f"Job {job_id} is {job.status}; results exist only for completed jobs.")

    def set_tags(self, job_id: str, tags: list[str]) -> None:
        with self.transaction():
            self.job(job_id).tags = list(tags)

    def list_jobs(self, query: JobFilter) -> tuple[list[JobRecord], int]:
        """The page of jobs matching ``query`` and the total count of matches."""
        with self.transaction():
            matches = [job for job in self.jobs.values() if self._matches(job, query)]
            matches.sort(key=lambda job: (job.created, job.seq), reverse=not query.ascending)
            return matches[query.offset : query.offset + query.limit], len(matches)

    @staticmethod
    def _matches(job: JobRecord, query: JobFilter) -> bool:
        return (
            not job.deleted
            and job.owner == "instance"
            and (query.backend is None or job.backend == query.backend)
            and (query.pending is None or query.pending != job.final)
            and (query.program is None or job.program_id == query.program)
            and all(tag in job.tags for tag in query.tags)
            and (query.session_id is None or job.session_id == query.session_id)
            and (query.created_after is None or job.created >= query.created_after)
            and (query.created_before is None or job.created <= query.created_before)
        )

    # --- faults and load (the control API) ---------------------------------------------------

    def fail_job(self, job_id: str | None, fault: JobFault) -> None:
        """Make ``job_id`` (or, when None, the next job submitted) end with ``fault``."""
        with self.transaction():
            if job_id is None:
                self.next_job_faults.append(fault)
                return
            job = self.job(job_id)
            if job.final:
                raise Conflict(f"Job {job_id} is already {job.status}; a fault cannot change it.")
            job.fault = fault

    def add_background_jobs(self, backend: str, count: int, duration: float) -> list[JobRecord]:
        """Queue ``count`` jobs of other users now, each holding the backend ``duration`` s."""
        if count < 0 or duration < 0:
            raise BadRequest(f"count and duration must not be negative (got {count}, {duration})")
        with self.transaction() as now:
            self.entry(backend)
            return [self._background_job(backend, duration, now) for _ in range(count)]

    def add_background_stream(
        self, backend: str, jobs_per_hour: float, duration: float, hours: float | None = None
    ) -> None:
        """Other users' jobs arriving as a Poisson stream of ``jobs_per_hour``, for ``hours``.

        Arrivals are drawn from the fake's seed, and generated lazily as simulated time passes.
        """
        if jobs_per_hour <= 0 or duration < 0 or (hours is not None and hours <= 0):
            raise BadRequest(
                f"jobs_per_hour and hours must be positive and duration not negative "
                f"(got {jobs_per_hour}, {hours}, {duration})"
            )
        with self.transaction() as now:
            self.entry(backend)
            draws = random.Random(self.ids.simulator_seed())
            rate = jobs_per_hour / 3600.0
            end = now + _dt.timedelta(hours=hours) if hours is not None else None

            def arrive(at: _dt.datetime) -> _dt.datetime | None:
                self._background_job(backend, duration, at)
                following = at + _dt.timedelta(seconds=draws.expovariate(rate))
                return None if end is not None and following > end else following

            first = now + _dt.timedelta(seconds=draws.expovariate(rate))
            if end is None or first <= end:
                self.scheduler.every(first, arrive)

    def _background_job(self, backend: str, duration: float, at: _dt.datetime) -> JobRecord:
        job = JobRecord(
            id=self.ids.job_id(),
            program_id="sampler",
            backend=backend,
            created=at,
            duration=duration,
            seed=0,
            seq=next(self._seq),
            owner="background",
        )
        self.jobs[job.id] = job
        self.scheduler.submit(job, at)
        return job

    def quantum_seconds_used(self) -> float:
        with self.transaction():
            return sum(j.quantum_seconds for j in self.jobs.values() if j.owner == "instance")
