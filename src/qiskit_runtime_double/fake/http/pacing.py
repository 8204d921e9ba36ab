"""How simulated time moves when the fake is served over HTTP.

In process, our client waits through the fake's ``VirtualClock``: its sleeps move simulated time.
Over HTTP nobody calls that clock: the official client sleeps for real between polls and measures
its ``timeout`` in real time. ``Pacer`` sits in front of the runtime API and moves the simulation
along, by one of these policies:

- ``"poll"`` (the server's default): the clock follows real time (at each runtime request it moves
  by the real time elapsed since the previous one), and the simulation runs ``speed`` times as
  fast: above 1, the rest is brought forward (``Simulation.fast_forward``) rather than added to
  the clock. A job is thus *held*: polls see it progress at that pace for its first
  ``max_wait`` real seconds (counted from its submission, or from its first poll when it was
  submitted in process). After that, each poll of the job first brings the simulation forward to
  the job's next change of status (Queued to Running, Running to its end), crossing every other
  event on the way in one step, then answers. So a job is seen final no sooner than
  ``min(remaining / speed, max_wait)`` real seconds after it was submitted: a ten-minute job
  makes ``result(timeout=0.5)`` time out as against IBM, while a job behind hours of queue ends
  after ``max_wait`` and two polls. A job that can never move (queued on a backend taken
  offline) is never skipped: the client's timeout or patience decides, as against IBM.
  With ``max_wait=0`` (no hold at all), a submission queued behind a running job that a served
  client submitted first moves that job on as a poll of it would (to its end), and so on down the
  queue while the job running is such a job: a new job waits behind a skippable job no longer
  than behind a finished one, so a job submitted behind other clients' jobs usually ends at its
  first poll, as on an idle backend. With a hold (``max_wait`` above 0) only a job's own polls
  move it: how slowly a machine submits the next job never ends a job early. Jobs not submitted
  over HTTP (made in process, or the background) are never moved by a submission: their hold
  starts at their own first poll.
- ``"real"``: as ``"poll"``, but nothing is skipped (an endless ``max_wait``). For clients that
  rely on real waits at a chosen pace.
- ``"manual"`` (and the in-process default, ``"off"``): the pacer never moves the clock.

The trade-off (``docs/server-mode.md``, "Time"): ``max_wait`` is the real time a long job costs a
test, and the longest client timeout that still fires on it; ``max_wait=0`` skips at the first
poll (fastest, but no timeout ever fires). What is skipped happens at the moment of the skip: the
clock never runs ahead of real time, so on a fake served on the wall clock no timestamp is ever
later than the wall clock; a skipped job's timestamps are closer together than its run, whose
length its usage still reports.

The pacer's real time is ``timer`` (``time.monotonic``; tests replace it). Its lock is a leaf: the
clock and the state are called with it released, and the state's lock is taken before the clock's.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...wire.http import HttpRequest, HttpResponse
from ...wire.routes import match_route
from ...wire.vocabulary import API_PREFIX
from .serve_options import DEFAULT_MAX_WAIT, Pace, check_serve_options

if TYPE_CHECKING:
    from ...wire.http import App
    from ..core.records import JobRecord
    from ..core.simulation import Simulation

__all__ = ["Pacer"]

#: Readings of the wall clock between two of real time, the tightest kept (``wall_and_real``).
PAIR_TRIES = 5


class Pacer:
    """Wraps the runtime app; moves the fake's clock according to ``pace`` before answering."""

    def __init__(
        self, simulation: Simulation, app: App, *, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.simulation = simulation
        self.app = app
        #: Real time in seconds (monotonic). Replace it before ``set_pace`` to drive it by hand.
        self.timer = timer
        self._pace: Pace = "off"
        self._speed = 1.0
        self._max_wait = DEFAULT_MAX_WAIT
        self._last = timer()
        #: Job id -> the real time the pacer first saw the job (its hold starts there).
        self._held: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def pace(self) -> Pace:
        return self._pace

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def max_wait(self) -> float:
        return self._max_wait

    def set_pace(self, pace: Pace, speed: float = 1.0, max_wait: float = DEFAULT_MAX_WAIT) -> None:
        """Choose the policy (see the module doc). ``speed``: simulated seconds per real second
        (``"poll"`` and ``"real"``); ``max_wait``: real seconds a job is held (``"poll"``)."""
        check_serve_options({"pace": pace, "speed": speed, "max_wait": max_wait})
        if pace in ("poll", "real") and self.simulation.clock.mode == "ticking" and speed < 1:
            raise ValueError(
                f"a ticking clock already follows real time, so it cannot run slower (speed "
                f"{speed}); use speed >= 1, or a FakeRuntime with the default clock"
            )
        with self._lock:
            self._pace, self._speed, self._max_wait = pace, float(speed), float(max_wait)
            self._last = self.timer()
            self._held.clear()

    def wall_and_real(self) -> tuple[_dt.datetime, float]:
        """The wall clock (the fake's clock's base) and the real time (``timer``) of one instant.

        The wall clock is read between two readings of ``timer``, ``PAIR_TRIES`` times, and the
        tightest pair kept (the instant: the middle of its two readings): a thread that lost the
        processor between two readings, as on a loaded machine, would put them apart by the
        stall, and served time would then lead or lag the wall clock by it.
        """
        clock = self.simulation.clock
        best: tuple[float, _dt.datetime, float] | None = None
        for _ in range(PAIR_TRIES):
            before = self.timer()
            wall = clock.base_now()
            after = self.timer()
            if best is None or after - before < best[0]:
                best = (after - before, wall, (before + after) / 2)
        assert best is not None
        return best[1], best[2]

    def restarted(self, since: float | None = None) -> None:
        """The fake was reset: its clock started over and job ids may be reused.

        Simulated time follows real time from ``since`` (default: now), not from the last
        request, and every hold is forgotten. ``FakeRuntime.reset`` calls it once the new state
        is in place, with the real time of the wall-clock reading the clock restarted at
        (``wall_and_real``): served time then neither runs ahead of the wall clock (no served
        timestamp may be later than it) nor falls behind it (a job's creation date must not
        precede the instant it was submitted at).
        """
        with self._lock:
            self._last = self.timer() if since is None else since
            self._held.clear()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pace = self._pace
        if pace not in ("poll", "real"):
            return self.app(request)
        arrived = self._follow_real_time()
        if pace == "poll":
            job_id = _polled_job(request)
            if job_id is not None:
                self._poll(job_id, arrived)
        response = self.app(request)
        if pace == "poll" and response.is_success and _is_submission(request):
            job_id = self._submitted(response, arrived)
            # Only at max_wait=0 (no hold: "skip at once" was asked for). With a hold, a job
            # moves only when its own client looks: a slow machine submitting a second job must
            # not end a long first one that a test means to see running (a session cancelled).
            if job_id is not None and self._max_wait == 0:
                self._clear_the_way(job_id, arrived)
        return response

    def advance_for(self, job_id: str) -> bool:
        """Move time as a poll of job ``job_id`` would now; whether a poll would have skipped ahead
        (False: the caller should let some real time pass before it looks again).

        For a client that waits on a job without polling it: the 2023 result stream
        (``fake/http/stream.py``), which must see the job progress as a poller would.
        """
        if self._pace not in ("poll", "real"):
            return False
        arrived = self._follow_real_time()
        if self._pace == "real":
            return False
        return self._poll(job_id, arrived)

    def wake_after(self, job_id: str) -> float | None:
        """Real seconds until time would move for job ``job_id`` at this pace: until its hold
        ends (``"poll"``) or the simulation's next event falls due; None when only someone else
        can move it (``"manual"``, or nothing scheduled).

        For a client that waits on a job without polling it (the result stream): it sleeps that
        long, unless the fake changes first, then calls ``advance_for``.
        """
        pace = self._pace
        if pace not in ("poll", "real"):
            return None
        waits: list[float] = []
        upcoming = self.simulation.state.next_event_time()
        if upcoming is not None:
            ahead = (upcoming - self.simulation.clock.now()).total_seconds()
            waits.append(max(ahead, 0.0) / self._speed)
        if pace == "poll":
            with self._lock:
                held_since = self._held.get(job_id)
                left = None if held_since is None else held_since + self._max_wait - self.timer()
            if left is not None and left > 0:  # once over, advance_for already skipped if it could
                waits.append(left)
        return min(waits) if waits else None

    # --- following real time -----------------------------------------------------------------

    def follow_real_time(self) -> None:
        """Under ``"real"``, move simulated time by the real time passed; otherwise nothing.

        For readers outside the runtime API (the served page's state): under ``"real"`` time
        passes whoever looks, so a page watching an idle fake still sees its clock move. Under
        ``"poll"`` the page shows the clock as of the last runtime request.
        """
        if self._pace == "real":
            self._follow_real_time()

    def _follow_real_time(self) -> float:
        """Move the clock by the real time elapsed since the last request; with ``speed`` above
        1, bring the simulation's future forward by the rest (the clock never runs ahead)."""
        clock = self.simulation.clock
        with self._lock:
            now = self.timer()
            elapsed, self._last = max(now - self._last, 0.0), max(now, self._last)
            speed = self._speed
        # A ticking clock already moves with real time; a slower pace moves it less. The clock
        # stops at the end of simulated time (advance_by), never a 500 there.
        if clock.mode != "ticking" and elapsed > 0:
            clock.advance_by(elapsed * min(speed, 1.0))
        if speed > 1 and elapsed > 0:
            self.simulation.fast_forward(elapsed * (speed - 1))
        return now

    # --- holding and skipping ----------------------------------------------------------------

    def _submitted(self, response: HttpResponse, arrived: float) -> str | None:
        """A job was created by this request: its hold starts when the request arrived. Its id."""
        try:
            job_id = response.json().get("id")
        except (ValueError, AttributeError):
            return None
        if not isinstance(job_id, str):
            return None
        with self._lock:
            self._held[job_id] = arrived
        return job_id

    def _clear_the_way(self, job_id: str, arrived: float) -> None:
        """Job ``job_id`` was just submitted: while it is queued behind a running job that a
        served client submitted, move that job on as a poll of it would (``_poll``: only once
        its hold is over, never a stalled one). One step per job ahead at most."""
        state = self.simulation.state
        with state.transaction():
            job = state.jobs.get(job_id)
            lane = None if job is None else state.scheduler.lanes.get(job.backend)
            steps = 0 if lane is None else len(lane.queue) + 1
        for _ in range(steps):
            with state.transaction():
                assert job is not None and lane is not None
                running = lane.running
                if job.status != "Queued" or running is None or running is job:
                    return
                ahead = running.id
            with self._lock:
                if ahead not in self._held:  # made in process or background: held from its poll
                    return
            if not self._poll(ahead, arrived):
                return

    def _poll(self, job_id: str, arrived: float) -> bool:
        """Before answering a poll of ``job_id``: skip ahead if its hold is over. Whether it
        skipped anything."""
        state = self.simulation.state
        with state.transaction():
            job = state.jobs.get(job_id)
            moving = job is not None and not (job.ended or job.deleted)
            status = job.status if job is not None else None
        with self._lock:
            if not moving:
                self._held.pop(job_id, None)  # unknown or done: nothing to hold any more
                return False
            held_since = self._held.setdefault(job_id, arrived)
            if arrived - held_since < self._max_wait:
                return False
        if state.stall_reason(job_id) is not None:
            return False  # nothing scheduled would move it: skipping would only race time forward
        assert job is not None and status is not None
        skipped = self._skip(job, status)
        if job.ended:
            with self._lock:
                self._held.pop(job_id, None)
        return skipped

    def _skip(self, job: JobRecord, status: str) -> bool:
        """Bring the simulation forward, event by event, until ``job`` leaves ``status``.

        The clock stays where real time put it: what the skip crosses happens now
        (``Simulation.fast_forward``), so no timestamp is ever later than the wall clock. Each
        step happens under the state's lock, so concurrent polls never cross each other's
        events; the answer is built afterwards, by the app, which waits for the job's result if
        its run just ended.
        """
        moved = self.simulation.fast_forward(
            until=lambda: job.ended or job.deleted or job.status != status
        )
        return moved > 0


def _relative(request: HttpRequest) -> str | None:
    """``request``'s path under the runtime API's prefix, or None outside it."""
    path = request.path
    if not path.startswith(API_PREFIX + "/"):
        return None
    return path[len(API_PREFIX) :].rstrip("/")


def _polled_job(request: HttpRequest) -> str | None:
    """The job id when ``request`` is ``GET /api/v1/jobs/{id}``, else None."""
    if request.method.upper() != "GET":
        return None
    path = _relative(request)
    if path is None or not path.startswith("/jobs/"):
        return None
    route, params, _ = match_route("GET", path)
    if route is None or route.name != "get_job":
        return None
    return params.get("job_id")


def _is_submission(request: HttpRequest) -> bool:
    """Whether ``request`` is ``POST /api/v1/jobs`` (a job submission)."""
    if request.method.upper() != "POST":
        return False
    path = _relative(request)
    if path != "/jobs":
        return False
    route, _, _ = match_route("POST", path)
    return route is not None and route.name == "create_job"
