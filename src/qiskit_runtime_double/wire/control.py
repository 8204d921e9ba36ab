"""Bodies of the fake's control API (``/_double/...``): faults, clock, load and reset over HTTP.

Not part of the IBM API: these let a test reach a fake served on another thread or process. The
same models validate the arguments of ``FakeRuntime``'s control methods in process, so both ways in
share one set of limits (``LIMITS`` below, documented in ``docs/fake-service.md``): every number is
finite and bounded, so no control call can push the simulation past what it can represent.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .models import MAX_JOB_TAGS, MAX_TAG_LENGTH
from .vocabulary import PROGRAM_IDS, ReasonCode

__all__ = [
    "LIMITS",
    "MAX_BACKGROUND_JOBS",
    "MAX_FAULT_TIMES",
    "MAX_HISTORY_JOBS",
    "MAX_JOB_SECONDS",
    "MAX_RETRY_AFTER",
    "MAX_TEXT",
    "BackendStatusChange",
    "BackgroundLoad",
    "ClockMove",
    "ClockState",
    "HistoryRequest",
    "HttpFaultRequest",
    "JobFaultRequest",
    "NextJobDuration",
    "PastJobRequest",
    "PastJobsRequest",
    "UsageLimitChange",
    "describe_errors",
]

#: The longest a simulated job may hold a backend: 30 days, far beyond any real job's limit.
MAX_JOB_SECONDS = 30 * 24 * 3600.0
#: Most background jobs one call may queue (each is a record the fake keeps).
MAX_BACKGROUND_JOBS = 10_000
#: Highest arrival rate of a background stream, and the longest one may last.
MAX_JOBS_PER_HOUR = 100_000.0
MAX_STREAM_HOURS = 10 * 365 * 24.0
#: Most requests one injected HTTP fault may answer (None means until cleared).
MAX_FAULT_TIMES = 1_000_000
#: Longest ``Retry-After`` an injected fault may carry: one day.
MAX_RETRY_AFTER = 86_400.0
#: Longest free text (reasons, messages, statuses) a control call may set.
MAX_TEXT = 10_000
#: One clock move at most spans the whole simulated calendar (the clock checks the end itself).
MAX_CLOCK_SECONDS = 8_000 * 365.25 * 24 * 3600
#: Most past jobs one history call may add (each is a record the fake keeps and lists).
MAX_HISTORY_JOBS = 100_000
#: How far back a seeded history may reach: ten years.
MAX_HISTORY_WEEKS = 520.0
#: Most jobs a seeded history may put on one day, sessions of one call, jobs in one session.
MAX_JOBS_PER_DAY = 10_000.0
MAX_HISTORY_SESSIONS = 10_000
MAX_JOBS_PER_SESSION = 100
#: Shots and circuits of a past job (its synthetic result holds that many samples).
MAX_PAST_SHOTS = 100_000
MAX_PAST_CIRCUITS = 10
#: Largest weight of a final status in a seeded history.
MAX_STATE_WEIGHT = 1e6

LIMITS: dict[str, str] = {
    "job duration": f"0 to {MAX_JOB_SECONDS:g} s",
    "background jobs per call": f"0 to {MAX_BACKGROUND_JOBS}",
    "background jobs per hour": f"more than 0, at most {MAX_JOBS_PER_HOUR:g}",
    "background stream hours": f"more than 0, at most {MAX_STREAM_HOURS:g}",
    "fault times": f"1 to {MAX_FAULT_TIMES}, or null for until cleared",
    "retry_after": f"0 to {MAX_RETRY_AFTER:g} s",
    "texts": f"at most {MAX_TEXT} characters",
    "clock": "forward only, finite, and never past 9000-01-01T00:00:00Z",
    "history jobs per call": f"at most {MAX_HISTORY_JOBS}",
    "history weeks": f"more than 0, at most {MAX_HISTORY_WEEKS:g}",
    "history jobs per day": f"0 to {MAX_JOBS_PER_DAY:g}",
    "history sessions": f"0 to {MAX_HISTORY_SESSIONS}, each of 1 to {MAX_JOBS_PER_SESSION} jobs",
    "past job shots, circuits": f"1 to {MAX_PAST_SHOTS}; 1 to {MAX_PAST_CIRCUITS}",
}


class _Strict(BaseModel):
    # No NaN or infinity: Python's json module accepts the tokens NaN and Infinity.
    # defer_build: validators are built at first use, so importing the module stays cheap.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, defer_build=True)


class ClockState(_Strict):
    now: datetime
    mode: Literal["advance", "ticking", "frozen"]


class ClockMove(_Strict):
    """Exactly one of ``seconds`` (shift forward) or ``to`` (move to an aware datetime)."""

    seconds: float | None = Field(default=None, ge=0, le=MAX_CLOCK_SECONDS)
    to: AwareDatetime | None = None


class HttpFaultRequest(_Strict):
    route: str = Field(max_length=200)
    status: int = Field(ge=400, le=599)
    times: int | None = Field(default=1, ge=1, le=MAX_FAULT_TIMES)
    message: str | None = Field(default=None, max_length=MAX_TEXT)
    retry_after: float | None = Field(default=None, ge=0, le=MAX_RETRY_AFTER)


class JobFaultRequest(_Strict):
    kind: Literal["fail", "ran_too_long"] = "fail"
    reason: str = Field(default="Injected failure", max_length=MAX_TEXT)
    code: int | None = Field(default=ReasonCode.INJECTED, ge=0, le=2**31 - 1)


class NextJobDuration(_Strict):
    seconds: float = Field(ge=0, le=MAX_JOB_SECONDS)


class BackendStatusChange(_Strict):
    operational: bool = True
    status: str = Field(default="active", max_length=200)
    message: str | None = Field(default=None, max_length=MAX_TEXT)
    #: The real service has reported negative queue lengths; anything an int32 holds is accepted.
    length_queue: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)


class BackgroundLoad(_Strict):
    """``count`` jobs now, or a Poisson stream of ``jobs_per_hour`` (until ``hours`` pass)."""

    count: int | None = Field(default=None, ge=0, le=MAX_BACKGROUND_JOBS)
    jobs_per_hour: float | None = Field(default=None, gt=0, le=MAX_JOBS_PER_HOUR)
    hours: float | None = Field(default=None, gt=0, le=MAX_STREAM_HOURS)
    duration: float = Field(default=60.0, ge=0, le=MAX_JOB_SECONDS)


class UsageLimitChange(_Strict):
    reached: bool = True


# --- history -------------------------------------------------------------------------------------

#: How a past job ended: a history holds only final jobs, so the scheduler never sees them.
FinalStatus = Literal["Completed", "Failed", "Cancelled"]
#: How the jobs of a seeded history end, by default (weights).
DEFAULT_HISTORY_STATES: dict[FinalStatus, float] = {
    "Completed": 0.85,
    "Failed": 0.1,
    "Cancelled": 0.05,
}
Program = Literal[PROGRAM_IDS]  # type: ignore[valid-type]


def _job_tags(tags: list[str]) -> list[str]:
    if len(tags) > MAX_JOB_TAGS:
        raise ValueError(f"at most {MAX_JOB_TAGS} tags, as on a job, got {len(tags)}")
    for tag in tags:
        if not tag or len(tag) > MAX_TAG_LENGTH:
            raise ValueError(f"each tag has 1 to {MAX_TAG_LENGTH} characters, got {tag[:20]!r}")
    return tags


#: Tags of a past job (the service's limits on a job's tags).
PastTags = Annotated[list[str], AfterValidator(_job_tags)]
#: A backend name (the fake checks it names one of its backends).
BackendName = Annotated[str, Field(min_length=1, max_length=200)]


class HistoryRequest(_Strict):
    """A seeded history: ``weeks`` of ``jobs_per_day`` past jobs, plus ``sessions`` past sessions
    of ``jobs_per_session`` jobs each. Weights in ``states`` choose how each job ended."""

    weeks: float = Field(default=4.0, gt=0, le=MAX_HISTORY_WEEKS)
    jobs_per_day: float = Field(default=5.0, ge=0, le=MAX_JOBS_PER_DAY)
    backends: list[BackendName] | None = Field(default=None, min_length=1, max_length=1000)
    programs: list[Program] = Field(default_factory=lambda: list(PROGRAM_IDS), min_length=1)
    tags: PastTags = Field(default_factory=list)
    sessions: int = Field(default=0, ge=0, le=MAX_HISTORY_SESSIONS)
    jobs_per_session: int = Field(default=3, ge=1, le=MAX_JOBS_PER_SESSION)
    states: dict[FinalStatus, Annotated[float, Field(ge=0, le=MAX_STATE_WEIGHT)]] = Field(
        default_factory=lambda: dict(DEFAULT_HISTORY_STATES), min_length=1
    )
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)

    @property
    def standalone_jobs(self) -> int:
        """Jobs outside sessions: ``weeks * 7 * jobs_per_day``, rounded."""
        return round(self.weeks * 7 * self.jobs_per_day)

    @model_validator(mode="after")
    def _bounded(self) -> HistoryRequest:
        if not math.fsum(self.states.values()) > 0:
            raise ValueError("states: give at least one final status a weight above 0")
        total = self.standalone_jobs + self.sessions * self.jobs_per_session
        if total > MAX_HISTORY_JOBS:
            raise ValueError(
                f"this history holds {total} jobs (weeks * 7 * jobs_per_day + sessions * "
                f"jobs_per_session); at most {MAX_HISTORY_JOBS} per call"
            )
        return self


class PastJobRequest(_Strict):
    """One past job: created at ``created`` (aware) or ``ago`` seconds before now, it waited
    ``queued`` seconds, ran ``duration`` seconds and ended ``status``, all before now. Jobs with
    the same ``session`` label share one past session."""

    created: AwareDatetime | None = None
    ago: float | None = Field(default=None, ge=0, le=MAX_CLOCK_SECONDS)
    backend: BackendName | None = None
    program: Program = "sampler"
    status: FinalStatus = "Completed"
    tags: PastTags = Field(default_factory=list)
    session: str | None = Field(default=None, min_length=1, max_length=200)
    queued: float = Field(default=0.0, ge=0, le=MAX_JOB_SECONDS)
    duration: float = Field(default=5.0, ge=0, le=MAX_JOB_SECONDS)
    shots: int = Field(default=1024, ge=1, le=MAX_PAST_SHOTS)
    num_circuits: int = Field(default=1, ge=1, le=MAX_PAST_CIRCUITS)
    private: bool = False
    reason: str | None = Field(default=None, max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _one_time(self) -> PastJobRequest:
        if (self.created is None) == (self.ago is None):
            raise ValueError('give exactly one of "created" (an aware datetime) or "ago" (seconds)')
        return self


class PastJobsRequest(_Strict):
    jobs: list[PastJobRequest] = Field(max_length=MAX_HISTORY_JOBS)


def describe_errors(error: ValidationError) -> str:
    """One line per problem: ``field: what was wrong (got value)``."""
    parts: list[str] = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "body"
        value: Any = item.get("input")
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        parts.append(f"{where}: {item['msg']} (got {shown})")
    return "; ".join(parts)
