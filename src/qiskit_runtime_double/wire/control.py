"""Bodies of the fake's control API (``/_double/...``): faults, clock, load and reset over HTTP.

Not part of the IBM API: these let a test reach a fake served on another thread or process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BackendStatusChange",
    "BackgroundLoad",
    "ClockMove",
    "ClockState",
    "HttpFaultRequest",
    "JobFaultRequest",
    "NextJobDuration",
    "UsageLimitChange",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClockState(_Strict):
    now: datetime
    mode: Literal["advance", "ticking", "frozen"]


class ClockMove(_Strict):
    """Exactly one of ``seconds`` (shift forward) or ``to`` (move to an aware datetime)."""

    seconds: float | None = Field(default=None, ge=0)
    to: datetime | None = None


class HttpFaultRequest(_Strict):
    route: str
    status: int = Field(ge=400, le=599)
    times: int | None = Field(default=1, ge=1)
    message: str | None = None
    retry_after: float | None = Field(default=None, ge=0)


class JobFaultRequest(_Strict):
    kind: Literal["fail", "ran_too_long"] = "fail"
    reason: str = "Injected failure"
    code: int | None = 1002


class NextJobDuration(_Strict):
    seconds: float = Field(ge=0)


class BackendStatusChange(_Strict):
    operational: bool = True
    status: str = "active"
    message: str | None = None
    length_queue: int | None = None


class BackgroundLoad(_Strict):
    """``count`` jobs now, or a Poisson stream of ``jobs_per_hour`` (until ``hours`` pass)."""

    count: int | None = Field(default=None, ge=0)
    jobs_per_hour: float | None = Field(default=None, gt=0)
    hours: float | None = Field(default=None, gt=0)
    duration: float = Field(default=60.0, ge=0)


class UsageLimitChange(_Strict):
    reached: bool = True
