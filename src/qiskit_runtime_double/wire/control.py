"""Bodies of the fake's control API (``/_double/...``): faults, clock, load and reset over HTTP.

Not part of the IBM API: these let a test reach a fake served on another thread or process. The
same models validate the arguments of ``FakeRuntime``'s control methods in process, so both ways in
share one set of limits (``LIMITS`` below, documented in ``docs/fake-service.md``): every number is
finite and bounded, so no control call can push the simulation past what it can represent.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
    validate_call,
)

from .models import MAX_JOB_TAGS, MAX_TAG_LENGTH
from .routes import ROUTES
from .secret_names import is_secret_name
from .vocabulary import PROGRAM_IDS, ReasonCode

__all__ = [
    "LIMITS",
    "MAX_BACKGROUND_JOBS",
    "MAX_FAULT_TIMES",
    "MAX_HISTORY_JOBS",
    "MAX_JOB_SECONDS",
    "MAX_RETRY_AFTER",
    "MAX_TEXT",
    "ArgumentError",
    "ArgumentTypeError",
    "ArgumentValueError",
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
    "RuntimeFlags",
    "UsageLimitChange",
    "argument_error",
    "describe_errors",
    "validated",
    "validated_call",
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


#: The types of the control arguments: one definition of each limit, for the bodies below and for
#: the annotations of ``FakeRuntime``'s control methods.
Text = Annotated[str, Field(max_length=MAX_TEXT)]
ShortText = Annotated[str, Field(max_length=200)]
#: A job's, session's or backend's name (the fake checks that it names one it has).
Name = Annotated[str, Field(min_length=1, max_length=200)]
#: A wire reason code: what an int32 holds, never negative.
Code = Annotated[int, Field(ge=0, le=2**31 - 1)]
HttpStatus = Annotated[int, Field(ge=400, le=599)]
FaultTimes = Annotated[int, Field(ge=1, le=MAX_FAULT_TIMES)]
RetryAfter = Annotated[float, Field(ge=0, le=MAX_RETRY_AFTER)]
JobSeconds = Annotated[float, Field(ge=0, le=MAX_JOB_SECONDS)]
ClockSeconds = Annotated[float, Field(ge=0, le=MAX_CLOCK_SECONDS)]
JobCount = Annotated[int, Field(ge=0, le=MAX_BACKGROUND_JOBS)]
JobsPerHour = Annotated[float, Field(gt=0, le=MAX_JOBS_PER_HOUR)]
StreamHours = Annotated[float, Field(gt=0, le=MAX_STREAM_HOURS)]
#: The real service has reported negative queue lengths; anything an int32 holds is accepted.
QueueLength = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
#: Datetimes arrive as ISO-8601 text in JSON: the one lax field type of these bodies.
When = Annotated[AwareDatetime, Field(strict=False)]


class _Strict(BaseModel):
    # No NaN or infinity: Python's json module accepts the tokens NaN and Infinity. Strict: no
    # "5" for 5, no 1 for True. defer_build: validators are built at first use (a cheap import).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True, defer_build=True)


class ClockState(_Strict):
    now: datetime
    mode: Literal["advance", "ticking", "frozen"]


class ClockMove(_Strict):
    """Exactly one of ``seconds`` (shift forward) or ``to`` (move to an aware datetime)."""

    seconds: ClockSeconds | None = None
    to: When | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ClockMove:
        if (self.seconds is None) == (self.to is None):
            raise ValueError('give exactly one of "seconds" (to shift) or "to" (a datetime)')
        return self


def _route_name(name: str) -> str:
    known = {route.name for route in ROUTES}
    if name != "*" and name not in known:
        raise ValueError(
            f"no route named {name[:80]!r}; use '*' for every route, or one of: "
            f"{', '.join(sorted(known))}"
        )
    return name


#: A runtime route's name (``wire/routes.py``), or ``"*"`` for every route.
RouteName = Annotated[str, Field(max_length=200), AfterValidator(_route_name)]


class HttpFaultRequest(_Strict):
    route: RouteName
    status: HttpStatus
    times: FaultTimes | None = 1
    message: Text | None = None
    retry_after: RetryAfter | None = None


class JobFaultRequest(_Strict):
    kind: Literal["fail", "ran_too_long"] = "fail"
    reason: Text = "Injected failure"
    code: Code | None = ReasonCode.INJECTED


class NextJobDuration(_Strict):
    seconds: JobSeconds


class BackendStatusChange(_Strict):
    operational: bool = True
    status: ShortText = "active"
    message: Text | None = None
    length_queue: QueueLength | None = None


class BackgroundLoad(_Strict):
    """``count`` jobs now, or a Poisson stream of ``jobs_per_hour`` (until ``hours`` pass)."""

    count: JobCount | None = None
    jobs_per_hour: JobsPerHour | None = None
    hours: StreamHours | None = None
    duration: JobSeconds = 60.0

    @model_validator(mode="after")
    def _count_or_rate(self) -> BackgroundLoad:
        if (self.count is None) == (self.jobs_per_hour is None):
            raise ValueError('give exactly one of "count" or "jobs_per_hour"')
        return self


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
BackendName = Name


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

    created: When | None = None
    ago: ClockSeconds | None = None
    backend: BackendName | None = None
    program: Program = "sampler"
    status: FinalStatus = "Completed"
    tags: PastTags = Field(default_factory=list)
    session: str | None = Field(default=None, min_length=1, max_length=200)
    queued: JobSeconds = 0.0
    duration: JobSeconds = 5.0
    shots: int = Field(default=1024, ge=1, le=MAX_PAST_SHOTS)
    num_circuits: int = Field(default=1, ge=1, le=MAX_PAST_CIRCUITS)
    private: bool = False
    reason: Text | None = None

    @model_validator(mode="after")
    def _one_time(self) -> PastJobRequest:
        if (self.created is None) == (self.ago is None):
            raise ValueError('give exactly one of "created" (an aware datetime) or "ago" (seconds)')
        return self


class RuntimeFlags(_Strict):
    """``FakeRuntime``'s flags, checked strictly when it is made: ``"false"`` is not a bool (it
    would read as true)."""

    require_auth: bool = False


class PastJobsRequest(_Strict):
    jobs: list[PastJobRequest] = Field(max_length=MAX_HISTORY_JOBS)


def _problems(error: ValidationError, positional: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """``(field, what was wrong (got value))`` per problem; ``positional`` names the parameters
    of a call by position (``validated_call``'s errors locate them by index)."""
    found: list[tuple[str, str]] = []
    for item in error.errors():
        loc = [
            positional[p] if isinstance(p, int) and p < len(positional) else p for p in item["loc"]
        ]
        value: Any = item.get("input")
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        if any(is_secret_name(str(p)) for p in loc):
            shown = "a value not shown: it is a secret"  # a near-miss of a secret is one too
        found.append((".".join(str(p) for p in loc) or "body", f"{item['msg']} (got {shown})"))
    return found


def describe_errors(error: ValidationError, positional: tuple[str, ...] = ()) -> str:
    """One line per problem: ``field: what was wrong (got value)``."""
    return "; ".join(f"{where}: {what}" for where, what in _problems(error, positional))


P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)

#: Validation errors that say a value is of the wrong type (a ``TypeError`` in Python).
_TYPE_ERRORS = frozenset(
    {
        "bool_type",
        "int_type",
        "float_type",
        "string_type",
        "datetime_type",
        "list_type",
        "dict_type",
        "is_instance_of",
        "none_required",
        "model_type",
    }
)


class ArgumentError(Exception):
    """Bad arguments of ``owner``: ``problems`` pairs each argument's name with what is wrong
    with it (for a command line to say in its own words: ``--max-wait``, not ``max_wait``)."""

    def __init__(self, owner: str, problems: list[tuple[str, str]]) -> None:
        self.owner = owner
        self.problems = tuple(problems)
        super().__init__(f"{owner}: " + "; ".join(f"{name}: {what}" for name, what in problems))


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of the wrong type."""


class ArgumentValueError(ArgumentError, ValueError):
    """An argument of the right type with a value out of its limits."""


def argument_error(
    owner: str, error: ValidationError, positional: tuple[str, ...] = ()
) -> ArgumentError:
    """``error`` as Python's exception for a bad argument of ``owner``: an ``ArgumentTypeError``
    (a ``TypeError``) when every problem is a value of the wrong type, else an
    ``ArgumentValueError`` (a ``ValueError``); each problem names the argument, says what was
    wrong and what came."""
    kinds = {item["type"] for item in error.errors()}
    kind = ArgumentTypeError if kinds <= _TYPE_ERRORS else ArgumentValueError
    return kind(owner, _problems(error, positional))


def validated(owner: str, model: type[M], values: dict[str, Any]) -> M:
    """``model`` of ``values`` (strictly), or ``argument_error``: for Python objects made of the
    control API's bodies (``History``, ``PastJob``), checked once, when made."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise argument_error(owner, exc) from None


def validated_call(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` with its arguments checked strictly against their annotations (pydantic's
    ``validate_call``) before it runs, the checker built at the first call.

    A bad argument is refused before anything changes: a ``TypeError`` when a value is of the
    wrong type, else a ``ValueError``; either names the function and the argument, what was
    wrong and what came (``fail_job: reason: Input should be a valid string (got 5)``).
    """
    names = tuple(inspect.signature(function).parameters)
    checked: list[Callable[..., R]] = []

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        if not checked:
            config = ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True)
            checked.append(validate_call(config=config)(function))
        try:
            return checked[0](*args, **kwargs)
        except ValidationError as exc:
            if exc.title != function.__qualname__:
                raise  # raised inside the function, not about its arguments
            raise argument_error(function.__name__, exc, names) from None

    return call
