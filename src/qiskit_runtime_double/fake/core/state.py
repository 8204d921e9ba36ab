"""The fake service's state and operations. No HTTP here: ``app.py`` is the REST facade over this.

Every public method takes the state's lock, catches the simulation up to ``clock.now()``, then
acts (``transaction``).

The lock design (docs/architecture.md, "Locks"):

- Locks are taken in one order only: the state's lock, then the clock's. The clock's lock is a
  leaf: the clock never calls the state, so a sleeping client and a serving thread can never wait
  for each other.
- Nothing slow runs under the state's lock. A job's circuits are decoded and validated before the
  lock is taken; its result is computed after it is released: when the simulation ends a job's
  run, the job is recorded as awaiting its result, and the thread whose transaction ended the run
  executes it on leaving the transaction (``_execute``). Anyone who reads that job meanwhile waits
  for its result outside the lock (``_settle``), so no reader ever sees a half-finished job.
- Readers and writers otherwise share the lock for microseconds; Aer runs in parallel with
  requests (and with other Aer runs on other threads).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import random
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ...wire import codec
from ...wire.control import MAX_JOB_SECONDS
from ...wire.inflate import JOB_INPUT_LIMITS
from ...wire.models import JobCreateRequest, SessionCreateRequest
from ...wire.numbers import is_real
from ...wire.vocabulary import ReasonCode
from .builtin_programs import builtin_programs
from .catalogue import BackendEntry, default_backend_name
from .clock import LATEST, VirtualClock
from .durations import DurationModel, default_duration
from .errors import (
    BACKEND_NOT_FOUND,
    SESSION_CLOSED,
    USAGE_LIMIT,
    BadRequest,
    Conflict,
    Forbidden,
    InvalidWorkload,
    NotFound,
)
from .ids import IdGenerator, IssuedIds
from .instances import Instances, configure_instances
from .job_filter import JobFilter
from .outcomes import Outcome, outcome_of
from .plan import Instance, Plan
from .programs import (
    Program,
    ProgramRegistry,
    interim_times,
    prepare_program,
)
from .records import JobFault, JobRecord, SessionRecord
from .scheduler import Scheduler, later

if TYPE_CHECKING:
    from .workloads import Executor

__all__ = ["RuntimeState"]


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
        instances: Instances | None = None,
        programs: ProgramRegistry | None = None,
        life: int = 0,
        issued: IssuedIds | None = None,
    ) -> None:
        self.catalogue = catalogue
        #: The programs jobs may name (``fake/core/programs.py``); anything else is a 404, as for an
        #: unknown program on the real service.
        self.programs = programs or ProgramRegistry(builtin_programs())
        #: The instances served. Methods taking ``instance=`` act for that one (what it may see);
        #: None (the control API, inspection) sees every instance.
        self.instances = instances or configure_instances(plan, None, list(catalogue))[1]
        self.clock = clock
        self.executor = executor
        self.plan = plan
        self.duration_model = duration_model
        #: Ids never repeat in a fake's life: ``life`` resets came before, ``issued`` holds every id
        #: handed out since the fake was made (``ids.py``).
        self.ids = IdGenerator(seed, life=life, issued=issued)
        self.jobs: dict[str, JobRecord] = {}
        self.scheduler = Scheduler(self._run_ended)
        self.next_job_faults: deque[JobFault] = deque()
        self.next_job_durations: deque[float] = deque()
        self.backend_status: dict[str, tuple[bool, str, str | None]] = {}
        #: A queue length to report instead of the simulated one (the service reports odd ones).
        self.reported_queue: dict[str, int] = {}
        self.usage_limit_reached = False
        self._seq = itertools.count()
        #: Circuits decoded from job params, by payload: a session resends the same ones.
        self._circuits = codec.CircuitCache()
        self._lock = threading.RLock()
        self._depth = 0  # transactions open in the thread holding the lock
        #: Jobs whose run ended but whose result is not computed yet, each with the event set
        #: when it is; ``_unclaimed`` are those no thread has started computing.
        self._awaiting: dict[JobRecord, threading.Event] = {}
        self._unclaimed: list[JobRecord] = []

    # --- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[_dt.datetime]:
        """Hold the lock with the simulation caught up; yields the current time.

        On leaving the outermost transaction, after the lock is released, this thread computes
        the results of the jobs whose runs ended while it held the lock, then tells the clock's
        watchers that the simulation may have changed (``VirtualClock.watch``).
        """
        claimed: list[JobRecord] = []
        outermost = False
        try:
            with self._lock:
                self._depth += 1
                try:
                    now = self.clock.now()
                    self.scheduler.advance(now)
                    yield now
                finally:
                    self._depth -= 1
                    outermost = self._depth == 0
                    if outermost and self._unclaimed:
                        claimed, self._unclaimed = self._unclaimed, []
        finally:
            try:
                if claimed:
                    self._execute(claimed)
            finally:
                if outermost:
                    self.clock.changed()

    def next_event_time(self) -> _dt.datetime | None:
        with self.transaction():
            return self.scheduler.next_event_time()

    def _run_ended(self, job: JobRecord) -> None:
        """The scheduler ended ``job``'s run (lock held): its result is computed after release."""
        self._awaiting[job] = threading.Event()
        self._unclaimed.append(job)

    def _execute(self, jobs: list[JobRecord]) -> None:
        """Compute the results of ``jobs`` (claimed by this thread), outside the lock."""
        for index, job in enumerate(jobs):
            try:
                outcome = self._outcome(job)
            except BaseException:
                # Interrupted (KeyboardInterrupt...): fail this job, hand the rest back to be
                # computed by the next transaction, and never leave a reader waiting forever.
                with self._lock:
                    interrupted = ("Execution was interrupted.", ReasonCode.EXECUTION_FAILED)
                    self._settle_locked(job, None, interrupted)
                    self._unclaimed.extend(jobs[index + 1 :])
                raise
            with self._lock:
                self._settle_locked(job, *outcome)

    def _outcome(self, job: JobRecord) -> Outcome:
        """What executing ``job`` gave (the lock is not held)."""
        return outcome_of(job, self.catalogue[job.backend], self.executor)

    def _settle_locked(
        self,
        job: JobRecord,
        result: str | None,
        failure: tuple[str, int] | None,
        interim: list[str] | None = None,
    ) -> None:
        at = job.finished_at or self.clock.now()
        if interim:
            times = interim_times(len(interim), job.running_at or at, at)
            job.interim_results = list(zip(times, interim, strict=True))
        job.result_text = result
        if failure is None:
            job.transition("Completed", at)
            job.logs.append(f"{at.isoformat()} job completed")
        else:
            job.transition("Failed", at, reason=failure[0], code=failure[1])
        done = self._awaiting.pop(job, None)
        if done is not None:
            done.set()

    def _settle(self, jobs: Iterable[JobRecord]) -> None:
        """Wait (outside the lock) until none of ``jobs`` awaits its result."""
        for job in jobs:
            done = self._awaiting.get(job)
            if done is not None:
                done.wait()

    def settle_all(self) -> None:
        """Catch up and wait for every result being computed (for whole-fake views)."""
        with self.transaction():
            pending = list(self._awaiting)
        self._settle(pending)

    def stall_reason(self, job_id: str) -> str | None:
        """Why job ``job_id`` can never progress however long one waits, else None.

        Stalled: queued on a backend that is offline (nothing in the simulation brings it back),
        or queued with nothing at all scheduled. A running job always has its end scheduled.
        """
        with self.transaction():
            job = self.jobs.get(job_id)
            if job is None or job.status != "Queued":
                return None
            lane = self.scheduler.lanes.get(job.backend)
            if lane is not None and lane.paused:
                _, status, message = self.backend_status.get(job.backend, (False, "offline", None))
                said = f": {message}" if message else ""
                return (
                    f"job {job.id} is queued on backend {job.backend!r}, which is not operational "
                    f"(status {status!r}{said}), and nothing scheduled will bring it back. Bring "
                    f"it back with fake.set_backend_status({job.backend!r}, operational=True) "
                    f"(or POST /_double/backends/{job.backend}/status), or cancel the job."
                )
            if self.scheduler.next_event_time() is None:
                return (
                    f"job {job.id} is queued on backend {job.backend!r} and nothing is scheduled "
                    "in the simulation that would start it."
                )
            return None

    # --- backends ----------------------------------------------------------------------------

    def entry(self, name: str, instance: Instance | None = None) -> BackendEntry:
        """The backend ``name`` (404 if it is unknown, or not one ``instance`` may use)."""
        given: object = name  # the REST facade passes path text; control callers may not
        found = self.catalogue.get(name) if isinstance(given, str) else None
        if found is None or (instance is not None and not self.instances.may_use(instance, name)):
            raise NotFound(
                f"Backend {name!r} was not found. Available backends: "
                f"{', '.join(sorted(self.visible_backends(instance)))}.",
                code=BACKEND_NOT_FOUND,
            )
        return found

    def visible_backends(
        self, instance: Instance | None, *, include_mocks: bool = False
    ) -> dict[str, BackendEntry]:
        """The backends ``instance`` may use (None: all), in catalogue order; their mock devices
        too with ``include_mocks``."""
        if instance is None:
            return {n: e for n, e in self.catalogue.items() if include_mocks or not e.mock_of}
        names = self.instances.backends_of(instance, include_mocks=include_mocks)
        return {name: self.catalogue[name] for name in names}

    def status_of(
        self, name: str, instance: Instance | None = None
    ) -> tuple[bool, str, str | None, int]:
        """``(operational, status, message, queue length)`` of a backend."""
        with self.transaction():
            self.entry(name, instance)
            operational, status, message = self.backend_status.get(name, (True, "active", None))
            lane = self.scheduler.lanes.get(name)
            queued = lane.queued_count() if lane else 0
            return operational, status, message, self.reported_queue.get(name, queued)

    def set_backend_status(
        self,
        name: str,
        operational: bool,
        status: str,
        message: str | None,
        length_queue: int | None = None,
    ) -> None:
        with self.transaction() as now:
            self.entry(name)
            self.backend_status[name] = (operational, status, message)
            if length_queue is None:
                self.reported_queue.pop(name, None)
            else:
                self.reported_queue[name] = length_queue
            self.scheduler.set_paused(name, not operational, now)

    def set_usage_limit_reached(self, reached: bool) -> None:
        with self.transaction():
            self.usage_limit_reached = reached

    # --- sessions ----------------------------------------------------------------------------

    def create_session(
        self, request: SessionCreateRequest, instance: Instance | None = None
    ) -> SessionRecord:
        """A new session of ``instance`` (None: of the instance the body names, else the default
        one); a body naming another instance than the request's is refused."""
        if instance is not None and request.instance and request.instance != instance.crn:
            raise BadRequest(
                f"The session body names instance {request.instance[:120]!r}, but the request is "
                f"for instance {instance.crn} (its Service-CRN header). Send the same CRN in both, "
                "or leave instance out of the body."
            )
        backend = request.backend or self._default_backend(instance)
        self.entry(backend, instance)
        owner = instance.crn if instance is not None else request.instance
        with self.transaction() as now:
            return self._open_session(request.mode, backend, request.max_ttl, now, owner)

    def _default_backend(self, instance: Instance | None) -> str:
        """The backend of a job or session that names none (among those ``instance`` may use)."""
        visible = self.visible_backends(instance)
        if not visible:
            assert instance is not None  # the catalogue itself is never empty
            raise BadRequest(
                f"Instance {instance.name!r} ({instance.crn}) has no backends: name a backend it "
                "may use, or give the instance some (Instance(backends=[...]))."
            )
        return default_backend_name(visible)

    def _open_session(
        self,
        mode: str,
        backend: str,
        max_ttl: int | None,
        now: _dt.datetime,
        instance: str | None = None,
        session_id: str | None = None,
    ) -> SessionRecord:
        """A new session (lock held)."""
        cap = self.plan.max_ttl_cap
        if max_ttl is not None and max_ttl > cap:
            # The service refuses a max_time above the plan's limit rather than cap it unsaid.
            raise BadRequest(
                f"The session's max_ttl ({max_ttl} s) is above the limit of plan "
                f"{self.plan.name!r}: at most {cap} s ({cap / 3600:g} h). Ask for at most {cap} "
                "s, or leave max_time out for the plan's default."
            )
        ttl = self.plan.default_max_ttl if max_ttl is None else max_ttl
        dedicated = mode == "dedicated"
        session = SessionRecord(
            id=session_id or self.ids.session_id(),
            backend=backend,
            mode="dedicated" if dedicated else "batch",
            created_at=now,
            max_ttl=ttl,
            interactive_ttl=self.plan.interactive_ttl if dedicated else 0,
            instance=instance or self.instances.default.crn,
        )
        self.scheduler.add_session(session)
        return session

    def session(self, session_id: str, instance: Instance | None = None) -> SessionRecord:
        with self.transaction():
            return self._session_locked(session_id, instance)

    def _session_locked(self, session_id: str, instance: Instance | None = None) -> SessionRecord:
        found = self.scheduler.sessions.get(session_id)
        if found is None or (instance is not None and found.instance != instance.crn):
            raise NotFound(f"Session {session_id!r} was not found.")
        return found

    def close_session(self, session_id: str, instance: Instance | None = None) -> None:
        with self.transaction() as now:
            self.scheduler.close_session(self._session_locked(session_id, instance), now)

    def cancel_session(self, session_id: str, instance: Instance | None = None) -> None:
        with self.transaction() as now:
            self.scheduler.cancel_session(self._session_locked(session_id, instance), now)

    # --- programs ----------------------------------------------------------------------------

    def program(self, program_id: str) -> Program:
        """The program ``program_id`` (404 if the fake has none of that id)."""
        found = self.programs.get(program_id)
        if found is None:
            raise NotFound(
                f"Program {program_id[:120]!r} was not found. Programs: "
                f"{', '.join(self.programs.ids())}. Register your own with "
                "fake.register_program(program_id, main)."
            )
        return found

    def interim_results(
        self,
        job_id: str,
        instance: Instance | None = None,
        *,
        since: _dt.datetime | None = None,
    ) -> list[str]:
        """What the job's program published, oldest first (those published at ``since`` or
        later, if given); a job whose run just ended is settled first."""
        job = self.job(job_id, instance)
        with self.transaction() as now:
            return [
                text
                for at, text in job.interim_results
                if at <= now and (since is None or at >= since)
            ]

    # --- jobs --------------------------------------------------------------------------------

    def submit_job(self, request: JobCreateRequest, instance: Instance | None = None) -> JobRecord:
        """Validate and queue a job of ``instance`` (None: the default one). Nothing is recorded
        unless the whole submission succeeds."""
        program = self.program(request.program_id)
        self._refuse_over_usage()  # before the costly checks, as the service does; again below
        # Decoding and validating circuits is the slow part: done before taking the lock.
        workload: Any
        try:
            if program.check_params is not None:
                program.check_params(request.params)
            if program.service is not None:  # raw JSON params, as IBM's models describe them
                entry = self._entry(request, instance)
                workload = program.service.prepare(request.params, entry)
            else:
                params, entry = self._decode(request, instance)
                if program.main is not None:
                    workload = prepare_program(program, params, entry)
                else:
                    workload = self.executor.prepare(request.program_id, params, entry)
        except InvalidWorkload as exc:
            raise BadRequest(exc.message, code=exc.code) from exc
        # A program's own maximum execution time applies unless the job asks for its own.
        cost = request.cost or (program.max_execution_time if program.main is not None else None)
        with self.transaction() as now:
            self._refuse_over_usage()
            session = self._session_for(request, entry.name, instance)
            duration = self._duration(workload, entry)
            _refuse_past_the_end(now, duration)
            # Every check passed: from here on, nothing can fail.
            if self.next_job_durations:
                self.next_job_durations.popleft()
            job_id = self.ids.job_id()
            if session is None and request.start_session:
                # Seed-era clients (0.11-0.15) start a session with their first job: its id is the
                # job's id, and later jobs send it as ``session_id``.
                session = self._open_session(
                    "dedicated",
                    entry.name,
                    request.session_time,
                    now,
                    instance=instance.crn if instance is not None else None,
                    session_id=job_id,
                )
            job = JobRecord(
                id=job_id,
                program_id=request.program_id,
                backend=entry.name,
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
                cost=cost or None,
                fault=self.next_job_faults.popleft() if self.next_job_faults else None,
                logs=[f"{now.isoformat()} job created"],
                instance=(instance or self.instances.default).crn,
            )
            self.jobs[job.id] = job
            self.scheduler.submit(job, now)
            return job

    def _refuse_over_usage(self) -> None:
        if self.usage_limit_reached:
            raise Forbidden(
                "This instance has reached its usage limit; jobs are refused until the next "
                "usage period.",
                code=USAGE_LIMIT,
            )

    def _decode(
        self, request: JobCreateRequest, instance: Instance | None = None
    ) -> tuple[Any, BackendEntry]:
        """The job's decoded params and its backend's entry (no lock needed: both immutable)."""
        entry = self._entry(request, instance)
        try:
            params = codec.from_jsonable(
                request.params, circuits=self._circuits, limits=JOB_INPUT_LIMITS
            )
        except Exception as exc:  # a corrupt QPY blob or tag is the caller's fault
            raise BadRequest(f"The job's params could not be decoded: {exc}") from exc
        return params, entry

    def _entry(self, request: JobCreateRequest, instance: Instance | None = None) -> BackendEntry:
        """The job's backend: named, its session's, or the default one (404 if not visible)."""
        backend = request.backend
        if backend is None and request.session_id is not None:
            with self.transaction():
                known = self.scheduler.sessions.get(request.session_id)
                backend = known.backend if known is not None else None
        backend = backend or self._default_backend(instance)
        visible = self.visible_backends(instance, include_mocks=True)
        entry = visible.get(backend)
        if entry is None:
            raise BadRequest(
                f"Backend {backend!r} was not found. Available backends: "
                f"{', '.join(sorted(visible))}.",
                code=BACKEND_NOT_FOUND,
            )
        if request.calibration_id is not None and request.calibration_id != entry.calibration_id:
            raise BadRequest(
                f"Calibration {request.calibration_id[:80]!r} is not one of backend "
                f"{entry.name!r}: its calibration is {entry.calibration_id!r}. Leave "
                "calibration_id out for the backend's current calibration."
            )
        return entry

    def _duration(self, workload: Any, entry: BackendEntry) -> float:
        """The next job's simulated duration: an override, or the duration model's (checked)."""
        if self.next_job_durations:
            return self.next_job_durations[0]
        value: object = self.duration_model(workload, entry.simulator)
        if not is_real(value):
            raise TypeError(
                f"the fake's duration_model returned {type(value).__name__} {value!r} for a job "
                f"on {entry.name!r}; it must return a number of seconds"
            )
        seconds = float(value)
        if not (math.isfinite(seconds) and 0 <= seconds <= MAX_JOB_SECONDS):
            raise ValueError(
                f"the fake's duration_model returned {value!r} s for a job on {entry.name!r}; it "
                f"must return a finite number of seconds from 0 to {MAX_JOB_SECONDS:g}"
            )
        return seconds

    def _session_for(
        self, request: JobCreateRequest, backend: str, instance: Instance | None = None
    ) -> SessionRecord | None:
        if request.session_id is None:
            return None
        session = self.scheduler.sessions.get(request.session_id)
        if session is None or (instance is not None and session.instance != instance.crn):
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
        dry_run = self.catalogue[backend].mock_of == session.backend
        if session.backend != backend and not dry_run:  # a dry run goes to the device's mock
            raise BadRequest(
                f"Session {session.id} runs on backend {session.backend!r}, but the job asks "
                f"for {backend!r}. Submit it without a backend, or to a session on {backend!r}."
            )
        return session

    def job(self, job_id: str, instance: Instance | None = None) -> JobRecord:
        """The job (of ``instance``, if given), with its result settled if its run has ended."""
        with self.transaction():
            found = self._job_locked(job_id, instance)
        self._settle([found])
        return found

    def _job_locked(self, job_id: str, instance: Instance | None = None) -> JobRecord:
        found = self.jobs.get(job_id)
        # Another instance's job is not found; a background job (no instance) stays readable by
        # id, as before instances existed (its id only ever comes from the control API).
        if (
            found is None
            or found.deleted
            or (instance is not None and found.instance not in (None, instance.crn))
        ):
            raise NotFound(f"Job {job_id!r} was not found.")
        return found

    def cancel_job(self, job_id: str, instance: Instance | None = None) -> None:
        job = self.job(job_id, instance)
        while True:
            with self.transaction() as now:
                if not job.ended:
                    self.scheduler.cancel_job(job, now)
                    return
                if job.final:
                    raise Conflict(
                        f"Job {job_id} is {job.status}; only queued or running jobs can be "
                        "cancelled."
                    )
            self._settle([job])  # its run ended a moment ago: wait for the outcome, then refuse

    def delete_job(self, job_id: str, instance: Instance | None = None) -> None:
        with self.transaction():
            self._job_locked(job_id, instance).deleted = True

    def results(self, job_id: str, instance: Instance | None = None) -> str | None:
        """The job's result text; None once a private job's result was read (IBM deletes it)."""
        job = self.job(job_id, instance)
        self._synthesize(job)
        with self.transaction():
            if job.status == "Completed" and job.result_deleted:
                return None
            if job.status == "Completed" and job.result_text is not None:
                text = job.result_text
                if job.private:
                    job.result_text, job.result_deleted = None, True
                return text
            if job.status == "Failed":
                return job.result_text or f"Job {job_id} failed: {job.reason}"
            if job.status == "Cancelled" and job.reason_code == ReasonCode.RAN_TOO_LONG:
                # Clients read /results of every job in error to build their message.
                return f"Job {job_id} was stopped: {job.reason} (code {job.reason_code})."
            raise Conflict(f"Job {job_id} is {job.status}; results exist only for completed jobs.")

    def _synthesize(self, job: JobRecord) -> None:
        """Give a completed past job (``history.py``) its synthetic result, computed on first
        read and outside the lock; jobs that ran here already have theirs."""
        make = getattr(job.workload, "synthetic_result", None)
        if job.status != "Completed" or job.result_text is not None or not callable(make):
            return
        self._keep_result(job, make())

    def _keep_result(self, job: JobRecord, text: str) -> None:
        with self.transaction():  # another reader may have computed it meanwhile
            if job.result_text is None and not job.result_deleted:
                job.result_text = text

    def set_tags(self, job_id: str, tags: list[str], instance: Instance | None = None) -> None:
        with self.transaction():
            self._job_locked(job_id, instance).tags = list(tags)

    def list_jobs(self, query: JobFilter) -> tuple[list[JobRecord], int]:
        """The page of jobs matching ``query`` and the total count of matches."""
        with self.transaction():
            mocks = set() if query.include_mocks else self._mock_names()
            matches = [
                job for job in self.jobs.values() if query.matches(job) and job.backend not in mocks
            ]
            matches.sort(key=lambda job: (job.created, job.seq), reverse=not query.ascending)
            page = matches[query.offset : query.offset + query.limit]
        self._settle(page)
        return page, len(matches)

    def add_past(self, jobs: list[JobRecord], sessions: list[SessionRecord]) -> None:
        """Add final past jobs and closed past sessions (``history.py``). They are listed and
        served like any other, and never handed to the scheduler: nothing waits behind them."""
        with self.transaction() as now:
            known = [job.id for job in jobs if job.id in self.jobs]
            known += [s.id for s in sessions if s.id in self.scheduler.sessions]
            if known:
                raise ValueError(
                    f"past records reuse ids the fake already has ({', '.join(known[:3])}): give "
                    "the history another seed"
                )
            self.ids.issued.note([job.id for job in jobs] + [s.id for s in sessions])
            default = self.instances.default.crn  # a history belongs to the first instance
            for job in sorted(jobs, key=lambda job: job.created):
                assert job.final and job.finished_at is not None and job.finished_at <= now
                job.seq = next(self._seq)
                job.instance = job.instance or default
                self.jobs[job.id] = job
            for session in sessions:
                assert session.closed
                session.instance = session.instance or default
                self.scheduler.sessions[session.id] = session

    # --- faults and load (the control API) ---------------------------------------------------

    def fail_job(self, job_id: str | None, fault: JobFault) -> None:
        """Make ``job_id`` (or, when None, the next job submitted) end with ``fault``."""
        with self.transaction():
            if job_id is None:
                self.next_job_faults.append(fault)
                return
            job = self._job_locked(job_id)
            if not job.ended:
                job.fault = fault
                return
        self._settle([job])
        raise Conflict(f"Job {job_id} is already {job.status}; a fault cannot change it.")

    def set_next_job_duration(self, seconds: float) -> None:
        with self.transaction():
            self.next_job_durations.append(seconds)

    def add_background_jobs(self, backend: str, count: int, duration: float) -> list[JobRecord]:
        """Queue ``count`` jobs of other users now, each holding the backend ``duration`` s."""
        self.entry(backend)
        with self.transaction() as now:
            return [self._background_job(backend, duration, now) for _ in range(count)]

    def add_background_stream(
        self, backend: str, jobs_per_hour: float, duration: float, hours: float | None = None
    ) -> None:
        """Other users' jobs arriving as a Poisson stream of ``jobs_per_hour``, for ``hours``.

        Arrivals are drawn from the fake's seed, and generated lazily as simulated time passes.
        """
        self.entry(backend)
        with self.transaction() as now:
            draws = random.Random(self.ids.simulator_seed())
            rate = jobs_per_hour / 3600.0
            end = later(now, hours * 3600.0) if hours is not None else None

            def arrive(at: _dt.datetime) -> _dt.datetime | None:
                self._background_job(backend, duration, at)
                return later(at, draws.expovariate(rate))

            first = later(now, draws.expovariate(rate))
            if end is None or first <= end:
                # The scheduler keeps ``end``: a served fake may bring the stream forward.
                self.scheduler.every(first, arrive, until=end)

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

    def quantum_seconds_used(self, instance: Instance | None = None) -> float:
        """Quantum seconds the jobs of ``instance`` (None: of every instance) have used; dry runs
        (jobs on mock devices) use none."""
        with self.transaction():
            mocks = self._mock_names()
            return sum(
                j.quantum_seconds
                for j in self.jobs.values()
                if j.owner == "instance"
                and (instance is None or j.instance == instance.crn)
                and j.backend not in mocks
            )

    def _mock_names(self) -> set[str]:
        return {name for name, entry in self.catalogue.items() if entry.mock_of is not None}


def _refuse_past_the_end(now: _dt.datetime, duration: float) -> None:
    """``BadRequest`` for a job that would run past the end of simulated time (``LATEST``): its
    clock could never reach the job's end, and every wait for it would fail."""
    room = (LATEST - now).total_seconds()
    if duration > room:
        raise BadRequest(
            f"The job would run for {duration:g} s from {now.isoformat()}, past the end of "
            f"simulated time ({LATEST.isoformat()}, {room:.0f} s from now). Start the clock "
            "earlier (reset(start=...)) or submit shorter jobs."
        )
