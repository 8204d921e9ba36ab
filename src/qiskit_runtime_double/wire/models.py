"""Pydantic models of every REST body the runtime API exchanges (API notes, sections 2.2 to 2.6).

Requests the fake receives are strict (``extra="forbid"``): an unknown field is a 400, as on the
real service. Responses the client receives are lenient (``extra="allow"``), so a newer server that
adds fields does not break an older client.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    field_validator,
)
from pydantic_core import PydanticCustomError

# The error shape has a module of its own (it is read from any answer, not only validated).
from .error_body import ErrorBody, ErrorItem
from .vocabulary import BillingStatus, DeviceStatus, ErrorCode, SessionState, WireJobStatus

__all__ = [
    "MAX_JOB_TAGS",
    "MAX_TAG_LENGTH",
    "TAG_LIMIT_CODES",
    "TAG_TOO_LONG_CODE",
    "TOO_MANY_TAGS_CODE",
    "BackendConfiguration",
    "BackendDevice",
    "BackendDeviceStatus",
    "BackendList",
    "BackendProperties",
    "BackendStatus",
    "ErrorBody",
    "ErrorItem",
    "InterimResults",
    "Job",
    "JobCreateRequest",
    "JobCreateResponse",
    "JobList",
    "JobMetrics",
    "JobProgram",
    "JobState",
    "JobStatus",
    "JobTagsUpdate",
    "JobUsage",
    "MetricsTimestamps",
    "MetricsUsage",
    "ProcessorType",
    "ProgramDetails",
    "ProgramList",
    "ProgramSpec",
    "SessionCreateRequest",
    "SessionDetails",
    "SessionMode",
    "SessionPatchRequest",
    "SessionState",
    "SessionTimestamp",
    "Usage",
    "UsagePeriod",
    "format_timestamp",
    "parse_timestamp",
    "tag_limit_problem",
]


def format_timestamp(value: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a ``Z``, as the real service writes timestamps."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """Parse a service timestamp (``Z`` or ``+00:00``) into an aware UTC datetime.

    A ``ValueError`` for text that is not one, including a time whose UTC equivalent falls outside
    years 1 to 9999 (``9999-12-31T23:59:59-01:00``).
    """
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{text!r} is outside the years 1 to 9999 in UTC") from None


#: A timestamp on the wire: parsed from either spelling, written as ``...sssZ``.
Timestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]

JobStatus = WireJobStatus
SessionMode = Literal["dedicated", "batch"]


class _Request(BaseModel):
    # defer_build: validators are built at first use, so importing the module stays cheap.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


# --- sessions -------------------------------------------------------------------------------------


class SessionCreateRequest(_Request):
    mode: SessionMode = "dedicated"
    backend: str | None = None
    instance: str | None = None
    max_ttl: int | None = Field(default=None, gt=0)


class SessionPatchRequest(_Request):
    accepting_jobs: Literal[False]


class SessionTimestamp(_Response):
    status: str
    timestamp: Timestamp


class SessionDetails(_Response):
    id: str
    backend_name: str | None = None
    mode: SessionMode = "dedicated"
    state: SessionState = "open"
    accepting_jobs: bool = True
    interactive_ttl: int | None = None
    max_ttl: int | None = None
    active_ttl: int | None = None
    created_at: Timestamp | None = None
    started_at: Timestamp | None = None
    activated_at: Timestamp | None = None
    last_job_started: Timestamp | None = None
    last_job_completed: Timestamp | None = None
    closed_at: Timestamp | None = None
    elapsed_time: float | None = None
    state_reason: str | None = None
    user_id: str | None = None
    timestamps: list[SessionTimestamp] = Field(default_factory=list)


# --- jobs -----------------------------------------------------------------------------------------

#: The service's limits on a job's tags: ``components.schemas.Tags`` of IBM's OpenAPI document of
#: the runtime API (jobs, 2026 edition). Over them it answers 400 with error code 1204 (too many
#: tags) or 1205 (a tag too long), both listed in the official error registry.
MAX_JOB_TAGS = 8
MAX_TAG_LENGTH = 86
TOO_MANY_TAGS_CODE = ErrorCode.TOO_MANY_TAGS
TAG_TOO_LONG_CODE = ErrorCode.TAG_TOO_LONG
#: The codes of a job refused for its tags: a 4xx that created nothing.
TAG_LIMIT_CODES = frozenset({TOO_MANY_TAGS_CODE, TAG_TOO_LONG_CODE})


def tag_limit_problem(tags: Sequence[str]) -> tuple[str, str] | None:
    """``(error code, message)`` if ``tags`` break the service's limits, else None."""
    if len(tags) > MAX_JOB_TAGS:
        return TOO_MANY_TAGS_CODE, (
            f"{len(tags)} tags exceed the maximum number of tags a job can have "
            f"(at most {MAX_JOB_TAGS} tags)"
        )
    for index, tag in enumerate(tags):
        if len(tag) > MAX_TAG_LENGTH:
            return TAG_TOO_LONG_CODE, (
                f"tag {index} ({len(tag)} characters, starting {tag[:20]!r}) exceeds the maximum "
                f"length a job tag can have (at most {MAX_TAG_LENGTH} characters)"
            )
    return None


def _within_tag_limits(tags: list[str] | None) -> list[str] | None:
    problem = None if tags is None else tag_limit_problem(tags)
    if problem is not None:
        code, message = problem
        # The context carries the wire code, so that the fake answers 1204/1205, not 1002.
        raise PydanticCustomError("job_tags_limit", "{message}", {"code": code, "message": message})
    return tags


#: Job tags as a request carries them: checked against the service's limits.
RequestTags = Annotated[list[str], AfterValidator(_within_tag_limits)]


class JobCreateRequest(_Request):
    """``POST /jobs``. Fields beyond ``program_id`` and ``params`` are optional."""

    program_id: str = Field(min_length=1)
    params: dict[str, Any]
    backend: str | None = None
    session_id: str | None = None
    log_level: str | None = None
    tags: RequestTags | None = None
    cost: int | None = Field(default=None, gt=0)
    runtime: str | None = None
    private: bool | None = None
    calibration_id: str | None = None
    # Seed era (0.11-0.15): the first job of a session starts it; the job id becomes the session id.
    start_session: bool | None = None
    session_time: int | None = None
    # Seed era, ibm_quantum channel.
    hub: str | None = None
    group: str | None = None
    project: str | None = None


class JobCreateResponse(_Response):
    id: str
    backend: str | None = None
    session_id: str | None = None
    #: Sent only when true (``Private`` in IBM's OpenAPI document).
    private: bool | None = None


class JobState(_Response):
    status: str
    reason: str | None = None
    # Both spellings exist in the wild; the model reads either and writes ``reason_code``.
    reason_code: int | None = Field(
        default=None, validation_alias=AliasChoices("reason_code", "reasonCode")
    )
    reason_solution: str | None = None


class JobProgram(_Response):
    id: str


class MetricsTimestamps(_Response):
    created: Timestamp | None = None
    running: Timestamp | None = None
    finished: Timestamp | None = None


class JobUsage(_Response):
    """A job's usage (``UsageV3``): ``status`` is ``pending`` until the charge is final."""

    qpu_charge_time_seconds: float | None = None
    status: BillingStatus | str | None = None


class MetricsUsage(JobUsage):
    """The usage in a job's metrics: ``UsageV3`` and the older ``quantum_seconds``/``seconds``."""

    quantum_seconds: float = 0
    seconds: float = 0


class Job(_Response):
    id: str
    backend: str | None = None
    state: JobState
    status: str | None = None
    program: JobProgram
    created: Timestamp | None = None
    session_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    #: The service sends ``private`` only when true; a private job's ``params`` never come back.
    private: bool | None = None
    runtime: str | None = None
    user_id: str | None = None
    cost: int | None = None
    usage: JobUsage | None = None
    estimated_running_time_seconds: float | None = None
    params: dict[str, Any] | None = None


class JobList(_Response):
    """``GET /jobs``: a page of ``jobs``; ``count`` counts every match, whatever the page."""

    jobs: list[Job]
    count: int
    limit: int | None = None
    offset: int | None = None


class JobTagsUpdate(_Request):
    tags: RequestTags

    @field_validator("tags")
    @classmethod
    def _non_empty_tags(cls, tags: list[str]) -> list[str]:
        if any(not tag for tag in tags):
            raise ValueError("tags must be non-empty strings")
        return tags


class JobMetrics(_Response):
    """``GET /jobs/{id}/metrics`` (``JobMetricsResponse``). ``qiskit_version`` and
    ``circuits_execution_time_ns`` appear once the job has run; the rest are older fields."""

    timestamps: MetricsTimestamps = Field(default_factory=MetricsTimestamps)
    usage: MetricsUsage = Field(default_factory=MetricsUsage)
    qiskit_version: str | None = None
    circuits_execution_time_ns: float | None = None
    caller: str | None = None
    bss: dict[str, Any] | None = None
    executions: int | None = None
    num_circuits: int | None = None


# --- backends -------------------------------------------------------------------------------------


class BackendDeviceStatus(_Response):
    name: DeviceStatus | str
    reason: str | None = None


class ProcessorType(_Response):
    family: str | None = None
    revision: str | None = None
    segment: str | None = None


class BackendDevice(_Response):
    """One device of ``GET /backends`` (``BackendsResponse``: ``name``, ``status`` and
    ``queue_length`` are required there; recordings made before the fake sent them lack them)."""

    name: str
    status: BackendDeviceStatus | None = None
    queue_length: int | None = None
    qubits: int | None = None
    is_simulator: bool | None = None
    processor_type: ProcessorType | None = None
    #: Read by the official client 0.51 (``IBMBackend.physical_qubits``).
    physical_qubits: int | None = None
    #: ``"mock"`` marks a mock device; real devices carry no class.
    class_: str | None = Field(default=None, alias="class")


class BackendList(_Response):
    devices: list[BackendDevice]


class BackendStatus(_Response):
    state: bool
    status: str
    message: str | None = None
    length_queue: int = 0
    backend_version: str | None = None


class BackendConfiguration(_Response):
    """The fields of an IBM ``QasmBackendConfiguration`` dict that this package reads or writes.

    Everything else the real service sends is kept (``extra="allow"``) and passed through.
    """

    backend_name: str
    backend_version: str = "0.0.0"
    n_qubits: int
    basis_gates: list[str]
    coupling_map: list[list[int]] | None = None
    simulator: bool = False
    local: bool = False
    conditional: bool = False
    open_pulse: bool = False
    memory: bool = True
    max_shots: int = 100_000
    max_experiments: int = 300
    gates: list[dict[str, Any]] = Field(default_factory=list)
    supported_instructions: list[str] | None = None
    dt: float | None = None
    processor_type: dict[str, Any] | None = None
    online_date: str | None = None
    description: str | None = None


class Nduv(_Response):
    """A calibrated value: name, date, unit, value."""

    date: str
    name: str
    unit: str
    value: float


class GateProperties(_Response):
    gate: str
    qubits: list[int]
    parameters: list[Nduv]
    name: str | None = None


class BackendProperties(_Response):
    backend_name: str
    backend_version: str = "0.0.0"
    last_update_date: str
    qubits: list[list[Nduv]]
    gates: list[GateProperties]
    general: list[Nduv] = Field(default_factory=list)


# --- usage ----------------------------------------------------------------------------------------


class UsagePeriod(_Response):
    start_time: Timestamp
    end_time: Timestamp


class Usage(_Response):
    """``GET /instances/usage``. The service writes whole seconds; ``plan_id`` is the plan's
    Global Catalog id. It sends no ``usage_remaining_seconds``: the official client computes it
    (``QiskitRuntimeService.usage``), as ours does. Numbers read as written (int or float), so
    recordings of older answers still parse."""

    instance_id: str | None = None
    plan_id: str | None = None
    usage_consumed_seconds: int | float = 0
    usage_allocation_seconds: int | float | None = None
    usage_limit_seconds: int | float | None = None
    usage_remaining_seconds: int | float | None = None
    usage_limit_reached: bool = False
    usage_period: UsagePeriod | None = None


# --- programs and interim results (the 2023 API) --------------------------------------------------


class ProgramSpec(_Response):
    """What a program takes and gives, each a JSON Schema (``spec`` of a 2023 program)."""

    backend_requirements: dict[str, Any] | None = None
    parameters: dict[str, Any] | None = None
    return_values: dict[str, Any] | None = None
    interim_results: dict[str, Any] | None = None


class ProgramDetails(_Response):
    """A program as ``GET /programs/{id}`` (and each item of ``GET /programs``) describes it.

    The 0.11-0.15 client's ``_to_program`` reads these keys: ``cost`` is the program's maximum
    execution time in seconds; ``spec.parameters`` builds its ``ParameterNamespace``.
    """

    id: str
    name: str
    description: str = ""
    cost: int = 0
    is_public: bool = False
    creation_date: Timestamp | None = None
    update_date: Timestamp | None = None
    spec: ProgramSpec = Field(default_factory=ProgramSpec)


class ProgramList(_Response):
    """``GET /programs``: a page of ``programs``; ``count`` counts them all, whatever the page."""

    programs: list[ProgramDetails]
    count: int


class InterimResults(RootModel[list[str]]):
    """``GET /jobs/{id}/interim_results``: each message a program published, as the JSON text it
    published, newest first (as the 2023 service answered; qiskit-ibm-runtime PR 15 quotes it)."""
