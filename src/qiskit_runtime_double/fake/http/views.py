"""Records seen through the wire models: what the REST facade serialises."""

from __future__ import annotations

import datetime as _dt
import re
from functools import cache
from importlib import metadata

from ...wire.models import (
    BackendDevice,
    BackendDeviceStatus,
    Job,
    JobMetrics,
    JobProgram,
    JobState,
    JobUsage,
    MetricsTimestamps,
    MetricsUsage,
    ProcessorType,
    ProgramDetails,
    ProgramSpec,
    SessionDetails,
    SessionTimestamp,
)
from ...wire.vocabulary import BILLING_COMPLETE, BILLING_PENDING, MOCK_CLASS, DeviceStatus
from ..core.catalogue import BackendEntry
from ..core.programs import Program
from ..core.records import JobRecord, SessionRecord

__all__ = [
    "device_view",
    "job_view",
    "metrics_view",
    "program_view",
    "qiskit_version",
    "session_view",
]

#: The words ``devices[].status.name`` takes for a backend that is not operational.
_NOT_ONLINE: dict[str, DeviceStatus] = {"paused": "paused", "offline": "offline"}


@cache
def qiskit_version() -> str:
    """The version of the Qiskit that runs the fake's jobs, as metrics report it (``QiskitVersion``:
    digits and dots, so a pre-release such as ``2.1.0rc1`` is reported as ``2.1.0``)."""
    found = re.match(r"\d+(\.\d+)*", metadata.version("qiskit"))
    return found.group(0) if found else "0"


def device_view(
    entry: BackendEntry, operational: bool, status: str, message: str | None, queued: int
) -> BackendDevice:
    """A backend as ``GET /backends`` lists it.

    ``status.name`` is ``online`` while the backend is operational, else ``paused`` or ``offline``
    (its status word when it is one of these, ``offline`` otherwise); ``status.reason`` is the
    status message, else ``available`` when online, else the status word (``maintenance``...).
    ``queue_length`` is the status call's ``length_queue``, never below 0 (the schema's minimum).
    """
    name: DeviceStatus = "online" if operational else _NOT_ONLINE.get(status, "offline")
    reason = message or ("available" if operational else status)
    # The configuration's numbers (``revision: 1``) are strings in the list (``"1"``).
    processor = {
        key: str(value)
        for key, value in (entry.processor_type or {}).items()
        if key in ("family", "revision", "segment") and value is not None
    }
    device = BackendDevice(
        name=entry.name,
        status=BackendDeviceStatus(name=name, reason=reason),
        queue_length=max(queued, 0),
        qubits=entry.num_qubits,
        physical_qubits=entry.num_qubits,
        is_simulator=entry.simulator,
        processor_type=ProcessorType(**processor) if processor else None,
    )
    if entry.mock_of is not None:
        device.class_ = MOCK_CLASS
    return device


def session_view(session: SessionRecord, now: _dt.datetime) -> SessionDetails:
    return SessionDetails(
        id=session.id,
        backend_name=session.backend,
        mode=session.mode,
        state=session.state,
        accepting_jobs=session.accepting_jobs,
        interactive_ttl=session.interactive_ttl,
        max_ttl=session.max_ttl,
        active_ttl=session.max_ttl,
        created_at=session.created_at,
        started_at=session.started_at,
        activated_at=session.activated_at,
        last_job_started=session.last_job_started,
        last_job_completed=session.last_job_completed,
        closed_at=session.closed_at,
        elapsed_time=round(session.elapsed_at(now), 3),
        state_reason=session.state_reason,
        timestamps=[SessionTimestamp(status=s, timestamp=t) for s, t in session.timestamps],
    )


def job_view(job: JobRecord, *, include_params: bool) -> Job:
    """A job as ``GET /jobs/{id}`` and ``GET /jobs`` show it.

    ``private`` is sent only when true, and a private job's ``params`` never (``Private`` in IBM's
    OpenAPI document: its input parameters are not returned).
    """
    quantum = round(job.quantum_seconds, 3)
    return Job(
        id=job.id,
        backend=job.backend,
        state=JobState(status=job.status, reason=job.reason, reason_code=job.reason_code),
        status=job.status,
        program=JobProgram(id=job.program_id),
        created=job.created,
        session_id=job.session_id,
        tags=list(job.tags),
        private=True if job.private else None,
        runtime=job.runtime,
        cost=job.cost,
        usage=JobUsage(
            qpu_charge_time_seconds=quantum,
            status=BILLING_COMPLETE if job.final else BILLING_PENDING,
        ),
        estimated_running_time_seconds=round(job.duration, 3),
        params=job.params if include_params and not job.private else None,
    )


def metrics_view(job: JobRecord) -> JobMetrics:
    """A job's metrics. The usage is ``pending`` until the job is final, then ``complete`` with
    the seconds it held the backend; ``qiskit_version`` and the execution time appear once it ran.
    """
    quantum = round(job.quantum_seconds, 3)
    ran = job.running_at is not None
    return JobMetrics(
        timestamps=MetricsTimestamps(
            created=job.created, running=job.running_at, finished=job.finished_at
        ),
        usage=MetricsUsage(
            quantum_seconds=quantum,
            seconds=quantum,
            qpu_charge_time_seconds=quantum if job.final else None,
            status=BILLING_COMPLETE if job.final else BILLING_PENDING,
        ),
        qiskit_version=qiskit_version() if ran else None,
        circuits_execution_time_ns=quantum * 1e9 if job.final and ran else None,
        num_circuits=getattr(job.workload, "num_circuits", None),
    )


def program_view(program: Program) -> ProgramDetails:
    """A program as ``GET /programs/{id}`` shows it (2023): ``cost`` is its maximum execution
    time; ``spec`` holds only the schemas it has."""
    return ProgramDetails(
        id=program.program_id,
        name=program.name,
        description=program.description,
        cost=program.max_execution_time,
        is_public=program.is_public,
        creation_date=program.created,
        update_date=program.updated,
        spec=ProgramSpec(**program.spec()),
    )
