"""The runtime API's constants, in one place: its prefix and version, program ids, status words and
error codes. The client, the fake and the cassettes all read them from here.

Codes are of two kinds, as on the wire: an error answer's ``errors[0].code`` is a string
(``"1002"``), a job's ``state.reason_code`` is a number (``1305``).
"""

from __future__ import annotations

import re
from typing import Final, Literal, cast

__all__ = [
    "API_PREFIX",
    "API_VERSION",
    "BILLING_COMPLETE",
    "BILLING_PENDING",
    "BUILTIN_PROGRAM_IDS",
    "CLIENT_JOB_STATUSES",
    "CONTROL_PREFIX",
    "EXECUTOR_PROGRAM_ID",
    "FINAL_CLIENT_JOB_STATUSES",
    "FINAL_WIRE_JOB_STATUSES",
    "MOCK_CLASS",
    "NOISE_LEARNER_PROGRAM_ID",
    "PROGRAM_IDS",
    "RAN_TOO_LONG_REASON",
    "RUNNER_PROGRAM_IDS",
    "SCHEMA_PROGRAM_IDS",
    "STREAM_ACK",
    "BillingStatus",
    "ClientJobStatus",
    "DeviceStatus",
    "ErrorCode",
    "ReasonCode",
    "SessionState",
    "WireJobStatus",
    "client_job_status",
    "mock_backend_name",
]

#: Where the runtime API lives below a service's URL.
API_PREFIX: Final = "/api/v1"
#: Where a fake's control API lives (ours, reserved: not part of the IBM API).
CONTROL_PREFIX: Final = "/_double"
#: ``GET /backends`` marks a mock device with ``"class": "mock"`` (listed with ``include_mocks``).
MOCK_CLASS: Final = "mock"
_MOCK_PREFIX = re.compile(r"^[^_]+")


def mock_backend_name(name: str) -> str:
    """The mock device of backend ``name``, as the official client 0.51 derives it for a dry run
    (``QiskitRuntimeService._run``): its first word replaced by ``mock`` (``ibm_fez`` ->
    ``mock_fez``; a name without ``_`` becomes plain ``mock``)."""
    return _MOCK_PREFIX.sub(MOCK_CLASS, name, count=1)


#: The ``IBM-API-Version`` the official client 0.51 sends.
API_VERSION: Final = "2026-04-15"
#: The programs the service runs for everyone (the primitives).
PROGRAM_IDS: Final = ("sampler", "estimator")
#: Every program the 2023 service offered everyone (``GET /programs``): the primitives, and the
#: programs of its first years, which the 0.11-0.15 client still named (``DEFAULT_DECODERS``).
BUILTIN_PROGRAM_IDS: Final = (*PROGRAM_IDS, "circuit-runner", "qasm3-runner", "hello-world")
#: The programs of the executor era (clients 0.50+): ``Executor`` runs quantum programs, the
#: noise learners (``NoiseLearner``, ``NoiseLearnerV3``) learn layer noise. Their params and
#: results are versioned by IBM's ``ibm-quantum-schemas`` (``schema_version``).
EXECUTOR_PROGRAM_ID: Final = "executor"
NOISE_LEARNER_PROGRAM_ID: Final = "noise-learner"
SCHEMA_PROGRAM_IDS: Final = (EXECUTOR_PROGRAM_ID, NOISE_LEARNER_PROGRAM_ID)
#: The 2023 programs whose result is a qiskit ``Result`` (as a dict; the client's ``RunnerResult``).
RUNNER_PROGRAM_IDS: Final = BUILTIN_PROGRAM_IDS[2:4]
#: The first message of a job's result stream (``/stream/jobs/{id}``, 2023). The 0.11-0.15 client
#: takes it as an acknowledgement and skips it; the words are the service's (qiskit-ibm-runtime
#: issue 182 quotes them, from a time the client passed them on to callbacks).
STREAM_ACK: Final = "Listening to results for job: {job_id}"

#: A job's status as the service states it (``state.status``).
WireJobStatus = Literal["Queued", "Running", "Completed", "Failed", "Cancelled"]
FINAL_WIRE_JOB_STATUSES: Final[frozenset[str]] = frozenset({"Completed", "Failed", "Cancelled"})
#: A device's status in the backends list (``devices[].status.name``, ``BackendsResponse``).
DeviceStatus = Literal["online", "paused", "offline"]
#: Whether a job's usage is final (``usage.status`` of its metrics, ``BillingStatus``).
BillingStatus = Literal["pending", "complete"]
BILLING_PENDING: Final = "pending"
BILLING_COMPLETE: Final = "complete"
#: A session's state as the service states it.
SessionState = Literal["open", "active", "inactive", "pending_inactive", "pending_closed", "closed"]

#: A job's status as the official client names it (``RuntimeJobV2.status()``).
ClientJobStatus = Literal["INITIALIZING", "QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED"]
CLIENT_JOB_STATUSES: Final[tuple[str, ...]] = (
    "INITIALIZING",
    "QUEUED",
    "RUNNING",
    "DONE",
    "ERROR",
    "CANCELLED",
)
FINAL_CLIENT_JOB_STATUSES: Final[frozenset[str]] = frozenset({"DONE", "ERROR", "CANCELLED"})
_WIRE_TO_CLIENT: Final[dict[str, ClientJobStatus]] = {
    "QUEUED": "QUEUED",
    "RUNNING": "RUNNING",
    "COMPLETED": "DONE",
    "FAILED": "ERROR",
    "CANCELLED": "CANCELLED",
}


class ErrorCode:
    """``errors[0].code`` of an error answer. The registry's, unless marked ours."""

    INTERNAL: Final = "1000"
    VALIDATION: Final = "1002"
    BACKEND_NOT_FOUND: Final = "1007"
    NOT_AUTHORIZED: Final = "1200"
    INVALID_CREDENTIALS: Final = "1201"
    TOO_MANY_TAGS: Final = "1204"
    TAG_TOO_LONG: Final = "1205"
    #: Ours: the registry excerpt we have lists no code for an unknown id or endpoint.
    NOT_FOUND: Final = "1300"
    #: Ours: a job sent to a session that no longer accepts jobs.
    SESSION_CLOSED: Final = "1352"
    #: Ours: the instance has used up its allocation.
    USAGE_LIMIT: Final = "1354"


class ReasonCode:
    """``state.reason_code`` of a job that did not complete."""

    #: The execution failed (our fake's code for an executor error).
    EXECUTION_FAILED: Final = 1000
    #: An injected failure's default (the validation code, as a failed job often reports).
    INJECTED: Final = 1002
    #: The job ran past its maximum execution time and was stopped.
    RAN_TOO_LONG: Final = 1305
    #: Ours: a queued job of a session whose ``max_time`` ran out.
    SESSION_EXPIRED: Final = 1352


#: The reason the service gives a job stopped at its maximum execution time.
RAN_TOO_LONG_REASON: Final = "RAN TOO LONG"


def client_job_status(wire_status: str, reason_code: int | None) -> ClientJobStatus:
    """The official client's name for a job in ``wire_status`` (a run stopped at its time limit
    is ``ERROR``, as ``RuntimeJobV2`` reports it)."""
    status = wire_status.upper()
    # A status this table does not know passes through as the service spelled it (upper case):
    # responses are read leniently, and a new word is better shown than refused.
    mapped = _WIRE_TO_CLIENT.get(status, cast("ClientJobStatus", status))
    if mapped == "CANCELLED" and reason_code == ReasonCode.RAN_TOO_LONG:
        return "ERROR"
    return mapped
