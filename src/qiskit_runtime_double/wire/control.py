"""Bodies of the fake's control API (``/_double/...``): faults, clock, load and reset over HTTP.

Not part of the IBM API: these let a test reach a fake served on another thread or process. The
same models validate the arguments of ``FakeRuntime``'s control methods in process, so both ways in
share one set of limits (``LIMITS`` below, documented in ``docs/fake-service.md``): every number is
finite and bounded, so no control call can push the simulation past what it can represent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from .vocabulary import ReasonCode

__all__ = [
    "LIMITS",
    "MAX_BACKGROUND_JOBS",
    "MAX_FAULT_TIMES",
    "MAX_JOB_SECONDS",
    "MAX_RETRY_AFTER",
    "MAX_TEXT",
    "BackendStatusChange",
    "BackgroundLoad",
    "ClockMove",
    "ClockState",
    "HttpFaultRequest",
    "JobFaultRequest",
    "NextJobDuration",
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

LIMITS: dict[str, str] = {
    "job duration": f"0 to {MAX_JOB_SECONDS:g} s",
    "background jobs per call": f"0 to {MAX_BACKGROUND_JOBS}",
    "background jobs per hour": f"more than 0, at most {MAX_JOBS_PER_HOUR:g}",
    "background stream hours": f"more than 0, at most {MAX_STREAM_HOURS:g}",
    "fault times": f"1 to {MAX_FAULT_TIMES}, or null for until cleared",
    "retry_after": f"0 to {MAX_RETRY_AFTER:g} s",
    "texts": f"at most {MAX_TEXT} characters",
    "clock": "forward only, finite, and never past 9000-01-01T00:00:00Z",
}


class _Strict(BaseModel):
    # No NaN or infinity: Python's json module accepts the tokens NaN and Infinity.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


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
