"""A fake's past: jobs and sessions that ended before now, as a real account has them.

``History(...)`` describes a seeded history (weeks of past jobs on chosen backends, programs and
tags, some in sessions, ending as chosen); ``PastJob(...)`` one past job exactly. Either becomes
final ``JobRecord``s and closed ``SessionRecord``s with past times, which the state lists and
serves like any other (``GET /jobs`` and its filters, ``GET /jobs/{id}``, metrics, logs,
``GET /sessions/{id}``) but never hands to the scheduler: nothing queued now waits behind them.

Completed past jobs have a small synthetic result, made on first read from the job's seed: a
``PrimitiveResult`` whose ``metadata["synthetic"]`` is True (random bits for ``sampler``, random
expectation values for ``estimator``), never the outcome of a real circuit. Past jobs keep no
inputs (``params`` is ``{}``).

Everything is drawn from one seed (``History.seed``, else the fake's), and each call to
``add_history`` on a fake draws from its own stream: the same calls give the same history.
"""

from __future__ import annotations

import datetime as _dt
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ...wire import codec
from ...wire.control import (
    DEFAULT_HISTORY_STATES,
    FinalStatus,
    HistoryRequest,
    PastJobRequest,
    validated,
)
from ...wire.vocabulary import PROGRAM_IDS, ReasonCode
from .catalogue import BackendEntry, default_backend_name
from .ids import IdGenerator
from .plan import Plan
from .records import JobRecord, SessionRecord

if TYPE_CHECKING:
    from qiskit.primitives import PrimitiveResult

__all__ = ["History", "PastJob", "PastWorkload", "Where", "build_history", "build_past_jobs"]

#: The earliest a past job may have been created: the simulated calendar starts in 1970.
EARLIEST = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
#: What a failed past job says, and how a cancelled one was cancelled.
FAILED_REASON = "Job failed (a past job of the fake's history)."
CANCELLED_REASON = "Cancelled by the user."


def _mapped(value: object) -> object:
    """A mapping as the dict the body holds (anything else is passed on, to be refused)."""
    return dict(value) if isinstance(value, Mapping) else value


def _listed(value: object) -> object:
    """A sequence of texts as the list the body holds (a str stays a str: one text is refused)."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value


@dataclass(frozen=True)
class History:
    """A seeded history of past jobs (see the module's docstring).

    ``weeks`` back from now, ``jobs_per_day`` jobs outside sessions (``weeks * 7 * jobs_per_day``
    of them, rounded, at seeded random times), on ``backends`` (None: all of the fake's), running
    ``programs``; each job carries each of ``tags`` with probability 1/2. ``sessions`` past
    sessions hold ``jobs_per_session`` jobs each, a few minutes apart. ``states`` weighs how jobs
    ended (``Completed``, ``Failed``, ``Cancelled``). ``seed``: None for the fake's seed.
    """

    weeks: float = 4.0
    jobs_per_day: float = 5.0
    backends: Sequence[str] | None = None
    programs: Sequence[str] = PROGRAM_IDS
    tags: Sequence[str] = ()
    sessions: int = 0
    jobs_per_session: int = 3
    states: Mapping[str, float] = field(
        default_factory=lambda: {str(k): v for k, v in DEFAULT_HISTORY_STATES.items()}
    )
    seed: int | None = None

    def __post_init__(self) -> None:
        # Checked once, when written: a bad history is refused here, not when it is added.
        values = {
            "weeks": self.weeks,
            "jobs_per_day": self.jobs_per_day,
            "backends": _listed(self.backends),
            "programs": _listed(self.programs),
            "tags": _listed(self.tags),
            "sessions": self.sessions,
            "jobs_per_session": self.jobs_per_session,
            "states": _mapped(self.states),
            "seed": self.seed,
        }
        object.__setattr__(self, "_request", validated("History", HistoryRequest, values))

    def request(self) -> HistoryRequest:
        """This history as the control API's body (checked when the history was made)."""
        checked: HistoryRequest = self.__dict__["_request"]
        return checked


@dataclass(frozen=True)
class PastJob:
    """One past job, exactly. ``created``: an aware datetime, or a ``timedelta`` before now.

    It waited ``queued`` seconds, ran ``duration`` seconds (a job cancelled while queued never
    ran) and ended ``status`` before now; ``backend`` None is the fake's default backend. Past jobs
    with the same ``session`` label share one past session (on the first one's backend).
    """

    created: _dt.datetime | _dt.timedelta
    backend: str | None = None
    program: str = "sampler"
    status: str = "Completed"
    tags: Sequence[str] = ()
    session: str | None = None
    queued: float = 0.0
    duration: float = 5.0
    shots: int = 1024
    num_circuits: int = 1
    private: bool = False
    reason: str | None = None

    def __post_init__(self) -> None:
        owner = "PastJob"
        values: dict[str, Any] = {k: v for k, v in asdict(self).items() if k != "created"}
        if isinstance(self.created, _dt.timedelta):
            if self.created < _dt.timedelta(0):
                raise ValueError(
                    f"{owner}: created={self.created!r} is after now; a timedelta is how long "
                    "before now the job was created"
                )
            values["ago"] = self.created.total_seconds()
        elif isinstance(self.created, _dt.datetime):
            if self.created.tzinfo is None:
                raise ValueError(f"{owner}: created must be an aware datetime (with a tzinfo)")
            values["created"] = self.created
        else:
            raise TypeError(
                f"{owner}: created must be a datetime or a timedelta before now, got "
                f"{type(self.created).__name__} {self.created!r}"
            )
        values["tags"] = _listed(self.tags)
        object.__setattr__(self, "_request", validated(owner, PastJobRequest, values))

    def request(self) -> PastJobRequest:
        """This job as the control API's body (checked when the job was made)."""
        checked: PastJobRequest = self.__dict__["_request"]
        return checked


# --- synthetic results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PastWorkload:
    """What a past job ran, as far as the fake knows: enough for metrics and a synthetic result."""

    #: Kept once the job is final (``records.EndedWorkload``): it makes the result on first read.
    kept_after_end: ClassVar[bool] = True

    program: str
    shots: int
    num_circuits: int
    seed: int

    def synthetic_result(self) -> str:
        """The job's result text: a small seeded ``PrimitiveResult``, marked synthetic."""
        return codec.encode(self._result())

    def _result(self) -> PrimitiveResult:
        import numpy as np
        from qiskit.primitives import (
            BitArray,
            DataBin,
            PrimitiveResult,
            PubResult,
            SamplerPubResult,
        )

        rng = np.random.default_rng(self.seed)
        metadata = {"version": 2, "synthetic": True}
        if self.program == "estimator":
            estimates: list[PubResult] = []
            for _ in range(self.num_circuits):
                evs = rng.uniform(-1, 1, size=1)
                stds = np.sqrt((1 - evs**2) / self.shots)
                data = DataBin(evs=evs, stds=stds, ensemble_standard_error=stds.copy(), shape=(1,))
                estimates.append(PubResult(data, metadata={"shots": self.shots}))
            return PrimitiveResult(estimates, metadata=metadata)
        samples: list[SamplerPubResult] = []
        for _ in range(self.num_circuits):
            bits = rng.integers(0, 2, size=(self.shots, 2), dtype=np.uint8).astype(bool)
            meas = BitArray.from_bool_array(bits, order="little")
            samples.append(SamplerPubResult(DataBin(meas=meas), metadata={"circuit_metadata": {}}))
        return PrimitiveResult(samples, metadata=metadata)


# --- building records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """The fake a history is built for: its backends and plan, its time, seed and call number."""

    catalogue: Mapping[str, BackendEntry]
    plan: Plan
    now: _dt.datetime
    seed: int | None
    #: How many histories this fake's state had before this one (each has a stream of its own).
    batch: int


@dataclass
class _Builder:
    """Makes past records from one seeded stream (ids included), all before ``now``."""

    catalogue: Mapping[str, BackendEntry]
    plan: Plan
    now: _dt.datetime
    stream: random.Random
    ids: IdGenerator
    jobs: list[JobRecord] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)

    def backend(self, name: str | None, owner: str) -> str:
        if name is None:
            return default_backend_name(self.catalogue)
        if name not in self.catalogue:
            raise ValueError(
                f"{owner}: backend {name!r} is not one of the fake's backends: "
                f"{', '.join(sorted(self.catalogue))}"
            )
        return name

    def job(
        self,
        *,
        created: _dt.datetime,
        backend: str,
        program: str,
        status: FinalStatus,
        tags: Sequence[str],
        queued: float,
        duration: float,
        shots: int,
        num_circuits: int,
        session_id: str | None = None,
        private: bool = False,
        reason: str | None = None,
    ) -> JobRecord:
        """A final past job: Queued at ``created``, then Running, then ``status``.

        Cancelled jobs with no run time were cancelled while queued (after ``queued`` seconds).
        Every status change goes through ``JobRecord.transition``.
        """
        job = JobRecord(
            id=self.ids.job_id(),
            program_id=program,
            backend=backend,
            created=created,
            duration=duration,
            seed=self.ids.simulator_seed(),
            seq=0,  # the state numbers the records when it adds them
            session_id=session_id,
            tags=list(tags),
            private=private,
            logs=[f"{created.isoformat()} job created"],
        )
        job.workload = PastWorkload(program, shots, num_circuits, job.seed)
        started = created + _dt.timedelta(seconds=queued)
        if status == "Cancelled" and duration == 0:
            job.transition("Cancelled", started, reason=reason or CANCELLED_REASON)
            return self._kept(job)
        job.transition("Running", started)
        ended = started + _dt.timedelta(seconds=duration)
        if status == "Completed":
            job.transition("Completed", ended)
            job.logs.append(f"{ended.isoformat()} job completed")
        elif status == "Failed":
            code = ReasonCode.EXECUTION_FAILED
            job.transition("Failed", ended, reason=reason or FAILED_REASON, code=code)
        else:
            job.transition("Cancelled", ended, reason=reason or CANCELLED_REASON)
        return self._kept(job)

    def _kept(self, job: JobRecord) -> JobRecord:
        self.jobs.append(job)
        return job

    def check_times(self) -> None:
        """Every past job lies between 1970 and now (the simulated calendar's past)."""
        for job in self.jobs:
            assert job.finished_at is not None
            if job.created < EARLIEST or job.finished_at >= self.now:
                raise ValueError(
                    f"a past job created {job.created.isoformat()} that ended "
                    f"{job.finished_at.isoformat()}: past jobs must lie between "
                    f"{EARLIEST.isoformat()} and now ({self.now.isoformat()}); create it "
                    "earlier or make it shorter (or ask for fewer weeks)"
                )

    def session(self, backend: str, created: _dt.datetime, dedicated: bool) -> SessionRecord:
        session = SessionRecord(
            id=self.ids.session_id(),
            backend=backend,
            mode="dedicated" if dedicated else "batch",
            created_at=created,
            max_ttl=self.plan.default_max_ttl,
            interactive_ttl=self.plan.interactive_ttl if dedicated else 0,
            instance=self.plan.instance,
        )
        self.sessions.append(session)
        return session

    def close(self, session: SessionRecord, jobs: Sequence[JobRecord]) -> None:
        """Close ``session`` after its ``jobs``, as one closed by its user then."""
        ran = [job for job in jobs if job.running_at is not None]
        ends = [job.finished_at for job in jobs if job.finished_at is not None]
        session.timestamps.append(("open", session.created_at))
        closed = max(ends, default=session.created_at)
        if ran:
            first = min(job.running_at for job in ran if job.running_at is not None)
            session.started_at = session.activated_at = first
            session.last_job_started = max(j.running_at for j in ran if j.running_at is not None)
            session.last_job_completed = max(j.finished_at for j in ran if j.finished_at)
            session.elapsed = (closed - first).total_seconds()
            session.timestamps.append(("active", first))
        session.accepting_jobs = False
        session.closed_at = closed
        session.state = "closed"
        session.state_reason = "closed by the user"
        session.timestamps.append(("closed", closed))


def _stream(seed: int | None, batch: int) -> tuple[random.Random, IdGenerator]:
    """The random stream and id generator of the ``batch``-th history call on a fake."""
    if seed is None:
        return random.Random(), IdGenerator(None)
    mixed = random.Random(f"history:{seed}:{batch}").getrandbits(63)
    return random.Random(mixed), IdGenerator(mixed)


def _run_time(stream: random.Random, entry: BackendEntry) -> float:
    """Seconds a past job held its backend: a few on a device, under one on a simulator."""
    return round(stream.uniform(0.1, 1.0) if entry.simulator else stream.uniform(2.0, 40.0), 3)


def build_history(
    spec: HistoryRequest, where: Where
) -> tuple[list[JobRecord], list[SessionRecord]]:
    """The records of a seeded history ending before now."""
    seed = spec.seed if spec.seed is not None else where.seed
    stream, ids = _stream(seed, where.batch)
    catalogue, now = where.catalogue, where.now
    builder = _Builder(catalogue, where.plan, now, stream, ids)
    names = [builder.backend(name, "History") for name in (spec.backends or list(catalogue))]
    span = spec.weeks * 7 * 86_400.0
    start = now - _dt.timedelta(seconds=span)
    statuses: list[FinalStatus] = list(spec.states)
    weights = [spec.states[status] for status in statuses]

    def ended_as() -> FinalStatus:
        return stream.choices(statuses, weights)[0]

    def one(created: _dt.datetime, backend: str, session_id: str | None) -> JobRecord:
        entry = catalogue[backend]
        status = ended_as()
        queued = round(min(stream.expovariate(1 / 300.0), 3600.0), 3)  # 5 min on average
        duration = _run_time(stream, entry)
        if status == "Cancelled" and stream.random() < 0.5:
            duration = 0.0  # cancelled while queued
        tags = [tag for tag in spec.tags if stream.random() < 0.5]
        return builder.job(
            created=created,
            backend=backend,
            program=stream.choice(spec.programs),
            status=status,
            tags=tags,
            queued=queued,
            duration=duration,
            shots=stream.choice((1024, 2048, 4096)),
            num_circuits=stream.randint(1, 3),
            session_id=session_id,
        )

    # Work starts early enough to end before now (``_fit_before`` shifts it back if not).
    room = max(span - 4 * 3600.0, span / 2)
    for _ in range(spec.standalone_jobs):
        one(start + _dt.timedelta(seconds=stream.uniform(0, room)), stream.choice(names), None)
    for _ in range(spec.sessions):
        backend = stream.choice(names)
        opened = start + _dt.timedelta(seconds=stream.uniform(0, room))
        session = builder.session(backend, opened, dedicated=stream.random() < 0.5)
        at, members = opened, []
        for _ in range(spec.jobs_per_session):
            at += _dt.timedelta(seconds=stream.uniform(5.0, 120.0))
            members.append(one(at, backend, session.id))
        builder.close(session, members)
    _fit_before(builder)
    builder.check_times()
    return builder.jobs, builder.sessions


def _fit_before(builder: _Builder) -> None:
    """A short history (hours) can end past now: shift it back, whole, to end before now."""
    ends = [job.finished_at for job in builder.jobs if job.finished_at is not None]
    ends += [session.closed_at for session in builder.sessions if session.closed_at is not None]
    if not ends or max(ends) < builder.now:
        return
    back = max(ends) - builder.now + _dt.timedelta(seconds=1)
    for record in [*builder.jobs, *builder.sessions]:
        for name in _TIMES:
            value = getattr(record, name, None)
            if value is not None:
                setattr(record, name, value - back)
    for session in builder.sessions:
        session.timestamps = [(state, at - back) for state, at in session.timestamps]


#: The time fields of past records (jobs' and sessions').
_TIMES = (
    "created",
    "running_at",
    "finished_at",
    "created_at",
    "started_at",
    "activated_at",
    "last_job_started",
    "last_job_completed",
    "closed_at",
)


def build_past_jobs(
    specs: Sequence[PastJobRequest], where: Where
) -> tuple[list[JobRecord], list[SessionRecord]]:
    """The records of explicit past jobs (sessions from their ``session`` labels)."""
    stream, ids = _stream(where.seed, where.batch)
    now = where.now
    builder = _Builder(where.catalogue, where.plan, now, stream, ids)
    labelled: dict[str, tuple[SessionRecord, list[JobRecord]]] = {}
    for index, spec in enumerate(specs):
        owner = f"PastJob {index}"
        created = _created(spec, now, owner)
        backend = builder.backend(spec.backend, owner)
        session: SessionRecord | None = None
        if spec.session is not None:
            if spec.session not in labelled:
                opened = builder.session(backend, created, dedicated=True)
                labelled[spec.session] = (opened, [])
            session = labelled[spec.session][0]
            if session.backend != backend:
                raise ValueError(
                    f"{owner}: session {spec.session!r} runs on {session.backend!r}, not "
                    f"{backend!r}: the jobs of one session share its backend"
                )
            session.created_at = min(session.created_at, created)
        job = builder.job(
            created=created,
            backend=backend,
            program=spec.program,
            status=spec.status,
            tags=spec.tags,
            queued=spec.queued,
            duration=spec.duration,
            shots=spec.shots,
            num_circuits=spec.num_circuits,
            session_id=None if session is None else session.id,
            private=spec.private,
            reason=spec.reason,
        )
        if spec.session is not None:
            labelled[spec.session][1].append(job)
    for session, members in labelled.values():
        builder.close(session, members)
    builder.check_times()
    return builder.jobs, builder.sessions


def _created(spec: PastJobRequest, now: _dt.datetime, owner: str) -> _dt.datetime:
    """When the past job ``spec`` was created: between 1970 and now, or ``ValueError`` saying so
    (checked before any date arithmetic, which would overflow near year 1 or 9999)."""
    if spec.created is not None:
        if not EARLIEST <= spec.created < now:
            raise ValueError(
                f"{owner}: created={spec.created.isoformat()} is not in the past: past jobs are "
                f"created between {EARLIEST.isoformat()} and now ({now.isoformat()})"
            )
        return spec.created
    assert spec.ago is not None and math.isfinite(spec.ago)  # the request model checked it
    room = (now - EARLIEST).total_seconds()
    if spec.ago > room:
        raise ValueError(
            f"{owner}: ago={spec.ago:g} s reaches before {EARLIEST.isoformat()}, where the "
            f"simulated calendar starts; now ({now.isoformat()}) it may be at most {room:.0f} s"
        )
    return now - _dt.timedelta(seconds=spec.ago)
