"""A discrete-event simulation of the runtime's queues and sessions, caught up lazily to ``now``.

Nothing runs in the background: every operation first calls ``advance(now)``, which replays the
events (job ends, interactive windows closing, sessions expiring, background arrivals) that fell due
since the last call, in time order. A clock that jumps forward therefore changes what the next call
sees, deterministically.

Rules (docs/scheduling.md has the timelines):

- each backend runs one job at a time; jobs wait in a first-come-first-served queue;
- a dedicated session activates when its first job starts and then holds the backend: after each of
  its jobs, its next job runs before anything queued, if it arrives within ``interactive_ttl``;
  otherwise the hold lapses, the session turns inactive, and its next job queues like any other;
- a batch session groups jobs without holding the backend;
- ``max_ttl`` counts from the first activation; at expiry the running job finishes, queued jobs of
  the session fail, and the session closes.

``bring_forward`` lets the future come sooner without moving the clock: every pending event (and
every instant it is compared with: a session's expiry, an interactive window's end, a stream's
last arrival) moves the same amount earlier, never before now. A served fake uses it to skip a
wait while keeping every timestamp at or before the wall clock (``docs/clocks.md``); the seconds
brought forward still count as run by the jobs running then and as active time of active sessions.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import itertools
from collections.abc import Callable
from typing import Literal

from ...wire.vocabulary import RAN_TOO_LONG_REASON, ReasonCode, SessionState
from .records import JobRecord, Lane, SessionRecord

__all__ = ["Scheduler", "later"]

EventKind = Literal["finish", "hold_end", "expire", "tick"]

#: Called when the run of a job with a workload ends normally: its result is still to be computed.
#: The hook must not compute it there (the caller holds the state's lock); it records the job, and
#: the state settles it (``Completed`` or ``Failed``) after releasing the lock.
RunEndHook = Callable[[JobRecord], None]

#: Events later than this are never reached (the clock stops at year 9000): not scheduled at all.
_HORIZON = _dt.datetime(9500, 1, 1, tzinfo=_dt.timezone.utc)


class Scheduler:
    """Lanes, sessions and the event queue. Not thread-safe on its own: the owner holds a lock.

    It never calls out of the simulation while the owner's lock is held: job results are not
    computed here (``RunEndHook``), and every job status change goes through
    ``JobRecord.transition``, whose table (``records.TRANSITIONS``) lists the legal moves.
    """

    def __init__(self, on_run_end: RunEndHook) -> None:
        self.lanes: dict[str, Lane] = {}
        self.sessions: dict[str, SessionRecord] = {}
        self._on_run_end = on_run_end
        self._events: list[tuple[_dt.datetime, int, EventKind, object]] = []
        self._order = itertools.count()
        self._ticks: dict[int, Callable[[_dt.datetime], _dt.datetime | None]] = {}
        #: A tick's last instant (``every(until=...)``): later steps are dropped.
        self._tick_until: dict[int, _dt.datetime] = {}
        self.now: _dt.datetime | None = None
        self.events_processed = 0

    # --- time --------------------------------------------------------------------------------

    def advance(self, now: _dt.datetime) -> None:
        """Process every event due at or before ``now``, in time order."""
        events = self._events
        while events and events[0][0] <= now:
            at, _, kind, ref = heapq.heappop(events)
            self.now = at
            self.events_processed += 1
            if kind == "finish":
                assert isinstance(ref, JobRecord)
                self._finish(ref, at)
            elif kind == "hold_end":
                assert isinstance(ref, Lane)
                self._hold_end(ref, at)
            elif kind == "expire":
                assert isinstance(ref, SessionRecord)
                self._expire(ref, at)
            else:
                assert isinstance(ref, int)
                self._tick(ref, at)
        if self.now is None or now > self.now:
            self.now = now

    def next_event_time(self) -> _dt.datetime | None:
        """When the next pending event falls due (stale entries are dropped first)."""
        while self._events and not self._is_live(*self._events[0][2:], at=self._events[0][0]):
            heapq.heappop(self._events)
        return self._events[0][0] if self._events else None

    def every(
        self,
        first: _dt.datetime,
        step: Callable[[_dt.datetime], _dt.datetime | None],
        *,
        until: _dt.datetime | None = None,
    ) -> None:
        """Call ``step(at)`` at ``first``, then at each time it returns, until it returns None or a
        time after ``until``."""
        key = next(self._order)
        self._ticks[key] = step
        if until is not None:
            self._tick_until[key] = until
        self._push(first, "tick", key)

    def bring_forward(self, by: _dt.timedelta) -> None:
        """Make everything still to happen happen ``by`` sooner; the clock and the past stay.

        The caller takes care that no event moves before now: ``by`` is at most the time to the
        next event. Jobs running now count ``by`` as run (``JobRecord.skipped``) and active
        sessions as active (``elapsed``), so usage stays what the simulation says it is.
        """
        if by <= _dt.timedelta(0):
            return
        # The same shift for every entry keeps the heap ordered.
        self._events = [(at - by, order, kind, ref) for at, order, kind, ref in self._events]
        for key, until in self._tick_until.items():
            self._tick_until[key] = until - by
        seconds = by.total_seconds()
        for lane in self.lanes.values():
            if lane.hold_until is not None:
                lane.hold_until -= by
            if lane.running is not None and lane.running.finished_at is None:
                lane.running.skipped += seconds
        for session in self.sessions.values():
            if session.closed:
                continue
            if session.expires_at is not None:
                session.expires_at -= by
            if session.active_since is not None:
                session.elapsed += seconds

    # --- operations --------------------------------------------------------------------------

    def lane(self, backend: str) -> Lane:
        found = self.lanes.get(backend)
        if found is None:
            found = self.lanes[backend] = Lane(backend)
        return found

    def add_session(self, session: SessionRecord) -> None:
        self.sessions[session.id] = session
        self._set_state(session, "open", session.created_at)

    def submit(self, job: JobRecord, at: _dt.datetime) -> None:
        lane = self.lane(job.backend)
        lane.queue.append(job)
        session = self._session_of(job)
        if session is not None:
            session.queued.append(job)
            session.pending += 1
            if lane.held_by == session.id:
                lane.hold_until = None  # it has work again: the window no longer runs
        self._dispatch(lane, at)

    def cancel_job(self, job: JobRecord, at: _dt.datetime) -> None:
        """Cancel a queued or running job (the caller checked that its run has not ended)."""
        lane = self.lane(job.backend)
        was_running = job.status == "Running"
        job.transition("Cancelled", at, reason="Cancelled by the user.")
        if was_running:
            lane.running = None
        self._job_left(job, at, ran=was_running)
        self._dispatch(lane, at)

    def close_session(self, session: SessionRecord, at: _dt.datetime) -> None:
        """Stop accepting jobs; the session closes once its queued and running jobs are done."""
        session.accepting_jobs = False
        if session.closed:
            return
        if session.pending == 0:
            self._close(session, at, reason="closed by the user")
        else:
            self._set_state(session, "pending_closed", at)

    def cancel_session(self, session: SessionRecord, at: _dt.datetime) -> None:
        """Cancel the queued jobs and close at once (a running job finishes)."""
        session.accepting_jobs = False
        if session.closed:
            return
        for job in list(session.queued):
            if job.status == "Queued":
                job.transition("Cancelled", at, reason="The session was cancelled.")
                session.pending -= 1
        session.queued.clear()
        self._close(session, at, reason="cancelled by the user")

    def set_paused(self, backend: str, paused: bool, at: _dt.datetime) -> None:
        lane = self.lane(backend)
        lane.paused = paused
        if not paused:
            self._dispatch(lane, at)

    # --- the simulation ----------------------------------------------------------------------

    def _session_of(self, job: JobRecord) -> SessionRecord | None:
        """The session ``job`` runs in: none for a dry run in a session (a job on the mock of the
        session's backend runs on the mock's lane, outside the session's scheduling)."""
        session = self.sessions.get(job.session_id) if job.session_id else None
        return session if session is not None and session.backend == job.backend else None

    def _push(self, at: _dt.datetime, kind: EventKind, ref: object) -> None:
        if at > _HORIZON:
            return  # past the end of simulated time: it can never happen
        heapq.heappush(self._events, (at, next(self._order), kind, ref))

    def _is_live(self, kind: EventKind, ref: object, *, at: _dt.datetime) -> bool:
        if kind == "finish":
            assert isinstance(ref, JobRecord)
            return ref.status == "Running" and ref.finished_at is None
        if kind == "hold_end":
            assert isinstance(ref, Lane)
            return ref.held_by is not None and ref.hold_until == at and ref.running is None
        if kind == "expire":
            assert isinstance(ref, SessionRecord)
            return not ref.closed and ref.expires_at == at
        return True

    def _dispatch(self, lane: Lane, at: _dt.datetime) -> None:
        """Start the next job on an idle lane, if any may start now."""
        if lane.running is not None or lane.paused:
            return
        if lane.held_by is not None:
            holder = self.sessions[lane.held_by]
            job = holder.next_queued()
            if job is not None:
                self._start(job, lane, at)
                return
            if lane.hold_until is not None and at < lane.hold_until and not holder.closed:
                return  # the backend waits for the holding session's next job
            self._release(lane, at)
        while lane.queue:
            job = lane.queue.popleft()
            if job.status == "Queued":
                self._start(job, lane, at)
                return

    def _start(self, job: JobRecord, lane: Lane, at: _dt.datetime) -> None:
        job.transition("Running", at)
        lane.running = job
        self._push(later(at, job.run_time), "finish", job)
        session = self._session_of(job)
        if session is None:
            return
        if session.queued and session.queued[0] is job:
            session.queued.popleft()
        session.last_job_started = at
        if session.active_since is None:
            session.active_since = at
            session.activated_at = at
            if session.started_at is None:
                session.started_at = at
                session.expires_at = later(at, session.max_ttl)
                self._push(session.expires_at, "expire", session)
        if session.mode == "dedicated":
            lane.held_by, lane.hold_until = session.id, None
        self._set_state(session, "active" if session.accepting_jobs else "pending_closed", at)

    def _finish(self, job: JobRecord, at: _dt.datetime) -> None:
        if job.status != "Running" or job.finished_at is not None:
            return  # cancelled while running: the event is stale
        lane = self.lane(job.backend)
        lane.running = None
        if job.runs_too_long:
            job.transition(
                "Cancelled", at, reason=RAN_TOO_LONG_REASON, code=ReasonCode.RAN_TOO_LONG
            )
        elif job.fault is not None:
            job.transition(job.fault.status, at, reason=job.fault.reason, code=job.fault.code)
        elif job.workload is None:
            job.transition("Completed", at)  # another user's job: nothing to compute
        else:
            job.finished_at = at  # the run is over; the result comes from the state's executor
            self._on_run_end(job)
        self._job_left(job, at, ran=True)
        self._dispatch(lane, at)

    def _job_left(self, job: JobRecord, at: _dt.datetime, *, ran: bool) -> None:
        """Session bookkeeping after one of its jobs reached a final state."""
        session = self._session_of(job)
        if session is None:
            return
        if ran:
            # Also after the session closed: a job running at expiry finishes, and is its last.
            session.last_job_completed = at
        if session.closed:
            return
        session.pending -= 1
        if not session.accepting_jobs and session.pending == 0:
            self._close(session, at, reason="closed by the user")
            return
        if session.pending > 0:
            return
        if session.mode == "batch":
            self._deactivate(session, at)
            return
        lane = self.lane(session.backend)
        if lane.held_by == session.id:
            lane.hold_until = later(at, session.interactive_ttl)
            self._push(lane.hold_until, "hold_end", lane)
            self._set_state(session, "pending_inactive", at)

    def _hold_end(self, lane: Lane, at: _dt.datetime) -> None:
        if lane.held_by is None or lane.hold_until != at or lane.running is not None:
            return
        self._release(lane, at)
        self._dispatch(lane, at)

    def _release(self, lane: Lane, at: _dt.datetime) -> None:
        holder = self.sessions[lane.held_by] if lane.held_by else None
        lane.held_by, lane.hold_until = None, None
        if holder is not None and not holder.closed and holder.pending == 0:
            self._deactivate(holder, at)

    def _deactivate(self, session: SessionRecord, at: _dt.datetime) -> None:
        if session.active_since is not None:
            session.elapsed += (at - session.active_since).total_seconds()
            session.active_since = None
        self._set_state(session, "inactive", at)

    def _expire(self, session: SessionRecord, at: _dt.datetime) -> None:
        if session.closed:
            return
        reason = (
            f"The session {session.id} expired: its max_time of {session.max_ttl} s, counted from "
            f"its first job's start at {session.started_at},"
            " ran out before this job started. Submit it in a new session, or give the session a "
            "longer max_time."
        )
        for job in list(session.queued):
            if job.status == "Queued":
                job.transition("Failed", at, reason=reason, code=ReasonCode.SESSION_EXPIRED)
                session.pending -= 1
        session.queued.clear()
        session.accepting_jobs = False
        self._close(session, at, reason="max_ttl reached")

    def _close(self, session: SessionRecord, at: _dt.datetime, *, reason: str) -> None:
        if session.active_since is not None:
            session.elapsed += (at - session.active_since).total_seconds()
            session.active_since = None
        session.accepting_jobs = False
        session.closed_at = at
        session.state_reason = reason
        self._set_state(session, "closed", at)
        lane = self.lanes.get(session.backend)
        if lane is not None and lane.held_by == session.id and lane.running is None:
            lane.held_by, lane.hold_until = None, None
            self._dispatch(lane, at)
        elif lane is not None and lane.held_by == session.id:
            lane.hold_until = None  # the running job finishes; nothing may follow it
            lane.held_by = None

    def _tick(self, key: int, at: _dt.datetime) -> None:
        step = self._ticks[key]
        following = step(at)
        until = self._tick_until.get(key)
        if following is None or (until is not None and following > until):
            del self._ticks[key]
            self._tick_until.pop(key, None)
        else:
            self._push(max(following, at), "tick", key)

    @staticmethod
    def _set_state(session: SessionRecord, state: SessionState, at: _dt.datetime) -> None:
        if session.state == state and session.timestamps:
            return
        previous, session.state = session.state, state
        # ``timestamps`` records the session's life (open, active, inactive, closed), not the
        # waits between two jobs of an active session: active -> pending_inactive -> active
        # after every job would bury the transitions that matter.
        quiet = {previous, state} <= {"active", "pending_inactive"} and bool(session.timestamps)
        if not quiet:
            session.timestamps.append((state, at))


def later(at: _dt.datetime, seconds: float) -> _dt.datetime:
    """``at + seconds``, saturating at the horizon instead of overflowing ``datetime``."""
    room = (_HORIZON - at).total_seconds()
    return _HORIZON if seconds >= room else at + _dt.timedelta(seconds=seconds)
