"""What the fake remembers about jobs, sessions and backends. Plain data; the scheduler moves it."""

from __future__ import annotations

import datetime as _dt
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from ...wire.vocabulary import (
    FINAL_WIRE_JOB_STATUSES,
    SessionState,
    WireJobStatus,
)
from .timefmt import clock_text

__all__ = [
    "TRANSITIONS",
    "EndedWorkload",
    "InvalidTransition",
    "JobFault",
    "JobRecord",
    "Lane",
    "SessionRecord",
]

JobStatus = WireJobStatus
FINAL_JOB_STATUSES = FINAL_WIRE_JOB_STATUSES
#: How each final status reads in a sentence.
ENDINGS = {"Completed": "completed", "Failed": "failed", "Cancelled": "cancelled"}

#: Every status a job may move to from each status; ``JobRecord.transition`` enforces it.
#: Queued -> Failed is a session expiring under a queued job; Running -> Cancelled is a user's
#: cancel or a run stopped at its time limit (code 1305).
TRANSITIONS: dict[str, frozenset[str]] = {
    "Queued": frozenset({"Running", "Cancelled", "Failed"}),
    "Running": frozenset({"Completed", "Failed", "Cancelled"}),
    "Completed": frozenset(),
    "Failed": frozenset(),
    "Cancelled": frozenset(),
}


class InvalidTransition(RuntimeError):
    """A change of job status the transition table does not allow: a bug in the fake."""


@dataclass(frozen=True)
class JobFault:
    """An injected outcome: the job ends ``status`` with ``reason`` and ``code``."""

    status: Literal["Failed", "Cancelled"]
    reason: str
    code: int | None


@dataclass(frozen=True)
class EndedWorkload:
    """What a final job keeps of its workload: how much it ran, not its decoded inputs.

    A workload holds the job's decoded circuits and arrays, which a long-lived fake would
    otherwise keep for every job it ever ran; once the job is final nothing needs them (its
    params as submitted, which ``GET /jobs/{id}`` returns, stay in ``JobRecord.params``). A
    workload with a true ``kept_after_end`` attribute (a past job's, which makes its result on
    first read) is kept as it is.
    """

    program_id: str | None
    num_circuits: int | None
    total_shots: int | None

    @classmethod
    def of(cls, workload: Any) -> Any:
        """What to keep of ``workload`` once its job is final."""
        if workload is None or getattr(workload, "kept_after_end", False):
            return workload
        return cls(
            getattr(workload, "program_id", None),
            getattr(workload, "num_circuits", None),
            getattr(workload, "total_shots", None),
        )


@dataclass(eq=False)
class JobRecord:
    id: str
    program_id: str
    backend: str
    created: _dt.datetime
    duration: float
    seed: int
    seq: int
    session_id: str | None = None
    owner: Literal["instance", "background"] = "instance"
    params: dict[str, Any] = field(default_factory=dict)
    workload: Any = None
    tags: list[str] = field(default_factory=list)
    private: bool = False
    log_level: str | None = None
    runtime: str | None = None
    cost: int | None = None
    status: JobStatus = "Queued"
    running_at: _dt.datetime | None = None
    finished_at: _dt.datetime | None = None
    reason: str | None = None
    reason_code: int | None = None
    result_text: str | None = None
    #: A private job's result, once read, is deleted (as on IBM): later reads find none.
    result_deleted: bool = False
    fault: JobFault | None = None
    deleted: bool = False
    logs: list[str] = field(default_factory=list)
    #: What the job's program published (``user_messenger.publish``), oldest first, each as
    #: ``(when, JSON text)``: ``when`` falls within the job's run (``fake/core/programs.py``).
    interim_results: list[tuple[_dt.datetime, str]] = field(default_factory=list)
    #: The CRN of the instance that submitted the job (None for other users' background jobs).
    instance: str | None = None

    def __repr__(self) -> str:
        """One line (``line()``): never the params, workload or result text."""
        return f"<JobRecord {self.line()}>"

    def line(self) -> str:
        """``job <id> sampler on generic_5q, session <id>: Completed, queued 09:00:00, ran ...``."""
        where = f"session {self.session_id}" if self.session_id else "no session"
        owner = ", another user's" if self.owner == "background" else ""
        when = f"queued {clock_text(self.created)}"
        if self.running_at is not None:
            when += f", ran {clock_text(self.running_at)}-{clock_text(self.finished_at)}"
        elif self.finished_at is not None:
            when += f", ended {clock_text(self.finished_at)}"
        deleted = ", deleted" if self.deleted else ""
        status = self.ending() if self.final else self.status
        return (
            f"job {self.id} {self.program_id} on {self.backend}, {where}{owner}: {status}, "
            f"{when}{deleted}"
        )

    def ending(self) -> str:
        """How the job ended, for people: ``completed``, ``failed: <reason> (code 1305)``..."""
        word = ENDINGS.get(self.status, self.status.lower())
        if self.reason is None:
            return word
        code = f" (code {self.reason_code})" if self.reason_code is not None else ""
        return f"{word}: {self.reason}{code}"

    @property
    def final(self) -> bool:
        return self.status in FINAL_JOB_STATUSES

    @property
    def ended(self) -> bool:
        """Whether the job's time on the backend is over (final, or its result being computed).

        A run ends in the simulation at ``finished_at``; when the job has a workload, its result
        is computed afterwards, outside the fake's lock, and only then does the status become
        ``Completed`` or ``Failed``. Readers wait for that (``RuntimeState`` settles jobs).
        """
        return self.final or self.finished_at is not None

    def transition(
        self,
        status: JobStatus,
        at: _dt.datetime,
        *,
        reason: str | None = None,
        code: int | None = None,
    ) -> None:
        """Move to ``status`` at ``at``: the only place a job's status changes.

        Running sets ``running_at``; a final status sets ``finished_at`` (kept when the run already
        ended there), ``reason`` and ``code``, and lets go of the workload's decoded inputs
        (``EndedWorkload``). A change ``TRANSITIONS`` does not list raises ``InvalidTransition``.
        """
        if status not in TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"job {self.id} cannot go from {self.status} to {status} (at {at.isoformat()})"
            )
        self.status = status
        if status == "Running":
            self.running_at = at
            return
        if self.finished_at is None:
            self.finished_at = at
        self.reason, self.reason_code = reason, code
        self.workload = EndedWorkload.of(self.workload)

    @property
    def run_time(self) -> float:
        """Seconds the job holds the backend once started: stopped at ``cost`` when it is set."""
        return min(self.duration, float(self.cost)) if self.cost else self.duration

    @property
    def runs_too_long(self) -> bool:
        return self.cost is not None and self.duration > self.cost

    @property
    def quantum_seconds(self) -> float:
        if self.running_at is None:
            return 0.0
        end = self.finished_at or self.running_at
        return (end - self.running_at).total_seconds()


@dataclass(eq=False)
class SessionRecord:
    id: str
    backend: str
    mode: Literal["dedicated", "batch"]
    created_at: _dt.datetime
    max_ttl: int
    interactive_ttl: int
    instance: str | None = None
    accepting_jobs: bool = True
    state: SessionState = "open"
    state_reason: str | None = None
    started_at: _dt.datetime | None = None
    activated_at: _dt.datetime | None = None
    last_job_started: _dt.datetime | None = None
    last_job_completed: _dt.datetime | None = None
    closed_at: _dt.datetime | None = None
    expires_at: _dt.datetime | None = None
    #: Start of the current active period (None while inactive); ended ones add to ``elapsed``.
    active_since: _dt.datetime | None = None
    elapsed: float = 0.0
    queued: deque[JobRecord] = field(default_factory=deque)
    pending: int = 0
    timestamps: list[tuple[str, _dt.datetime]] = field(default_factory=list)

    def __repr__(self) -> str:
        """One line (``line()``): never the queued jobs."""
        return f"<SessionRecord {self.line()}>"

    def line(self) -> str:
        """``session <id> dedicated on generic_5q: closed (max_ttl reached), opened 09:00:00``."""
        state = self.state + (f" ({self.state_reason})" if self.state_reason else "")
        closed = f", closed {clock_text(self.closed_at)}" if self.closed_at is not None else ""
        return (
            f"session {self.id} {self.mode} on {self.backend}: {state}, "
            f"opened {clock_text(self.created_at)}{closed}, max_time {self.max_ttl} s"
        )

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def elapsed_at(self, now: _dt.datetime) -> float:
        """Seconds the session has been active, counting the current period up to ``now``."""
        extra = (now - self.active_since).total_seconds() if self.active_since else 0.0
        return self.elapsed + extra

    def next_queued(self) -> JobRecord | None:
        while self.queued and self.queued[0].status != "Queued":
            self.queued.popleft()
        return self.queued[0] if self.queued else None


@dataclass(eq=False)
class Lane:
    """One backend's execution lane: one job at a time, a FIFO queue, and a session's hold."""

    backend: str
    queue: deque[JobRecord] = field(default_factory=deque)
    running: JobRecord | None = None
    held_by: str | None = None
    #: End of the interactive window of the holding session; None while it has work to run.
    hold_until: _dt.datetime | None = None
    paused: bool = False

    def queued_count(self) -> int:
        return sum(1 for job in self.queue if job.status == "Queued")
