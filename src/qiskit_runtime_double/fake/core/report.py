"""What the fake did, as short text: one-line records, a text timeline, a one-line summary.

``JobRecord`` and ``SessionRecord`` print as one line each (their ``line()``); a job's parameters,
workload and result (kilobytes of base64) never appear. ``timeline_text`` lists what
happened in order of simulated time, for assertions and logs; the pytest plugin adds it to the
report of a failed test. ``FakeSummary`` counts sessions and jobs for a terminal summary.

Pure functions of records: callers take the records under the fake's lock (``FakeRuntime.jobs()``,
``FakeRuntime.sessions()``, ``FakeRuntime.timeline_text()``).
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .records import ENDINGS, JobRecord, SessionRecord
from .timefmt import format_offset, human_duration

__all__ = ["FakeSummary", "format_offset", "human_duration", "summarize", "timeline_text"]

#: Order of simultaneous events: a session opens before its first job queues; a job that ends makes
#: room for the next to start; a job queues before it runs; a session closes after its last job.
_OPEN, _ENDED, _QUEUED, _ACTIVE, _RUNNING, _ENDED_AT_ONCE, _SESSION_CHANGE = range(7)


def _job_events(job: JobRecord) -> list[tuple[_dt.datetime, int, str]]:
    label = f"job {job.id} ({job.program_id})"
    where = f" in session {job.session_id}" if job.session_id else ""
    other = " (another user's)" if job.owner == "background" else ""
    events = [(job.created, _QUEUED, f"{label} queued on {job.backend}{where}{other}")]
    if job.running_at is not None:
        events.append((job.running_at, _RUNNING, f"{label} running"))
    if job.final and job.finished_at is not None:
        began = job.running_at or job.created
        order = _ENDED if began < job.finished_at else _ENDED_AT_ONCE
        events.append((job.finished_at, order, f"{label} {job.ending()}"))
    return events


def _session_events(session: SessionRecord) -> list[tuple[_dt.datetime, int, str]]:
    label = f"session {session.id}"
    events = []
    for state, at in session.timestamps:
        if state == "open":
            text = (
                f"{label} opened on {session.backend} ({session.mode}, max_time "
                f"{session.max_ttl} s)"
            )
            events.append((at, _OPEN, text))
        elif state == "closed":
            why = f": {session.state_reason}" if session.state_reason else ""
            events.append((at, _SESSION_CHANGE, f"{label} closed{why}"))
        else:
            order = _ACTIVE if state == "active" else _SESSION_CHANGE
            events.append((at, order, f"{label} {state.replace('_', ' ')}"))
    return events


def timeline_text(
    jobs: Iterable[JobRecord],
    sessions: Iterable[SessionRecord],
    *,
    start: _dt.datetime,
    now: _dt.datetime,
    background: bool = False,
) -> str:
    """What happened, one event a line, in order of simulated time, as offsets from ``start``.

    Other users' jobs are left out unless ``background``; their count is given at the end.
    """
    events: list[tuple[_dt.datetime, int, int, str]] = []
    hidden = 0
    for session in sessions:
        events += [(at, order, len(events), text) for at, order, text in _session_events(session)]
    for job in jobs:
        if job.owner == "background" and not background:
            hidden += 1
            continue
        events += [(at, order, len(events), text) for at, order, text in _job_events(job)]
    events.sort()
    head = (
        f"fake timeline from {start.astimezone(_dt.timezone.utc).isoformat()} "
        f"(now {format_offset((now - start).total_seconds())})"
    )
    offsets = [format_offset((at - start).total_seconds()) for at, _, _, _ in events]
    width = max(map(len, offsets), default=0)
    lines = [head]
    lines += [f"{o.ljust(width)}  {e[3]}" for o, e in zip(offsets, events, strict=True)]
    if not events:
        lines.append("(no sessions, no jobs)")
    if hidden:
        lines.append(f"({hidden} job(s) of other users not shown)")
    return "\n".join(lines)


@dataclass
class FakeSummary:
    """Sessions and jobs one or more fakes saw, and the simulated time they spanned.

    Plain data (ints, floats, dicts of ints), so the pytest plugin can carry it in a test report
    from a pytest-xdist worker to the controller.
    """

    sessions: int = 0
    jobs: dict[str, int] = field(default_factory=dict)
    simulated_seconds: float = 0.0

    def add(self, other: FakeSummary) -> None:
        self.sessions += other.sessions
        for status, count in other.jobs.items():
            self.jobs[status] = self.jobs.get(status, 0) + count
        self.simulated_seconds += other.simulated_seconds

    @property
    def job_count(self) -> int:
        return sum(self.jobs.values())

    def describe(self) -> str:
        """``2 sessions, 5 jobs (4 completed, 1 failed), 1h 00m 05s simulated``."""
        statuses = ", ".join(
            f"{count} {ENDINGS.get(status, status.lower())}"
            for status, count in sorted(self.jobs.items())
        )
        jobs = f"{self.job_count} job(s)" + (f" ({statuses})" if statuses else "")
        simulated = human_duration(self.simulated_seconds)
        return f"{self.sessions} session(s), {jobs}, {simulated} simulated"


def summarize(
    jobs: Iterable[JobRecord], sessions: Iterable[SessionRecord], *, simulated_seconds: float
) -> FakeSummary:
    """Counts of the instance's sessions and jobs (by status); other users' jobs are not counted."""
    statuses: Counter[str] = Counter(job.status for job in jobs if job.owner == "instance")
    return FakeSummary(
        sessions=sum(1 for _ in sessions),
        jobs=dict(statuses),
        simulated_seconds=simulated_seconds,
    )
