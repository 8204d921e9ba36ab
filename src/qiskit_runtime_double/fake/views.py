"""Records seen through the wire models: what the REST facade serialises."""

from __future__ import annotations

import datetime as _dt

from ..wire.models import (
    Job,
    JobMetrics,
    JobProgram,
    JobState,
    MetricsTimestamps,
    MetricsUsage,
    SessionDetails,
    SessionTimestamp,
)
from .records import JobRecord, SessionRecord

__all__ = ["job_view", "metrics_view", "session_view"]


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
    return Job(
        id=job.id,
        backend=job.backend,
        state=JobState(status=job.status, reason=job.reason, reason_code=job.reason_code),
        status=job.status,
        program=JobProgram(id=job.program_id),
        created=job.created,
        session_id=job.session_id,
        tags=list(job.tags),
        private=job.private,
        runtime=job.runtime,
        cost=job.cost,
        estimated_running_time_seconds=round(job.duration, 3),
        params=job.params if include_params else None,
    )


def metrics_view(job: JobRecord) -> JobMetrics:
    quantum = round(job.quantum_seconds, 3)
    return JobMetrics(
        timestamps=MetricsTimestamps(
            created=job.created, running=job.running_at, finished=job.finished_at
        ),
        usage=MetricsUsage(
            quantum_seconds=quantum,
            seconds=quantum,
            qpu_charge_time_seconds=quantum if job.final else None,
            status="completed" if job.final else "pending",
        ),
        num_circuits=getattr(job.workload, "num_circuits", None),
    )
