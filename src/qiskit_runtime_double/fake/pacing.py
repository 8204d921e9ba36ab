"""How simulated time moves when the fake is served over HTTP.

In process, our client waits through the fake's ``VirtualClock``: its sleeps move simulated time.
Over HTTP nobody calls that clock: the official client sleeps for real between polls, so in the
default "advance" mode simulated time would stand still and a job would never finish. ``Pacer``
sits in front of the runtime API and moves the clock, by one of three policies:

- ``"poll"`` (the server's default): each ``GET /jobs/{id}`` of a job that is not final first
  moves simulated time to the simulation's next event (a job starting or ending, a session's
  window closing...), then answers. A client polling a job therefore sees it move one event per
  poll (Queued, Running, Completed) and never waits for simulated seconds in real time: a Bell
  job that takes 2.3 simulated seconds is done at the first poll. Nothing else moves time, so
  every other observation is deterministic; tests move it further with ``fake.clock.shift()``.
- ``"real"``: simulated time follows real time, ``speed`` times as fast (at each runtime request
  the clock is moved by the real time elapsed since the previous one, times ``speed``). For
  clients that rely on real waits (interactive timeouts, ``max_time``) at a chosen pace.
- ``"manual"`` (and the in-process default, ``"off"``): the pacer never moves the clock.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from typing import TYPE_CHECKING, Literal

from ..wire.http import HttpRequest, HttpResponse
from ..wire.routes import match_route
from ..wire.vocabulary import API_PREFIX

if TYPE_CHECKING:
    from .app import RuntimeApp

__all__ = ["PACES", "Pace", "Pacer"]

Pace = Literal["off", "poll", "real", "manual"]
PACES: tuple[Pace, ...] = ("off", "poll", "real", "manual")


class Pacer:
    """Wraps the runtime app; moves the fake's clock according to ``pace`` before answering."""

    def __init__(self, app: RuntimeApp) -> None:
        self.app = app
        self._pace: Pace = "off"
        self._speed = 1.0
        self._last = time.monotonic()
        self._lock = threading.Lock()

    @property
    def pace(self) -> Pace:
        return self._pace

    @property
    def speed(self) -> float:
        return self._speed

    def set_pace(self, pace: Pace, speed: float = 1.0) -> None:
        """Choose the policy (see the module doc); ``speed`` matters only for ``"real"``."""
        if pace not in PACES:
            raise ValueError(f"unknown pace {pace!r}; expected one of {', '.join(PACES)}")
        try:
            positive = float(speed) > 0
        except (TypeError, ValueError):
            positive = False
        if not positive:
            raise ValueError(f"speed must be a positive number (1.0 = real time), got {speed!r}")
        if pace == "real" and self.app.clock.mode == "ticking" and speed < 1:
            raise ValueError(
                f"a ticking clock already follows real time, so it cannot run slower (speed "
                f"{speed}); use speed >= 1, or a FakeRuntime with the default clock"
            )
        with self._lock:
            self._pace, self._speed = pace, float(speed)
            self._last = time.monotonic()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._pace == "real":
            self._follow_real_time()
        elif self._pace == "poll":
            job_id = _polled_job(request)
            if job_id is not None:
                self._step(job_id)
        return self.app(request)

    def advance_for(self, job_id: str) -> bool:
        """Move time as a poll of job ``job_id`` would now; whether it reached the simulation's
        next event (False: the caller should let some real time pass before it looks again).

        For a client that waits on a job without polling it: the 2023 result stream
        (``fake/stream.py``), which must see the job progress as a poller would.
        """
        if self._pace == "poll":
            return self._step(job_id)
        if self._pace == "real":
            self._follow_real_time()
        return False

    def _step(self, job_id: str) -> bool:
        """Move simulated time to the next event if job ``job_id`` is still to move.

        The move happens under the state's lock (the clock's lock is taken inside it, never the
        other way round), so that two concurrent polls move time by one event each; the answer
        is built afterwards, by the app, which waits for the job's result if its run just ended.
        """
        state = self.app.state
        with state.transaction() as now:
            job = state.jobs.get(job_id)
            if job is None or job.ended or job.deleted:
                return False
            upcoming = state.scheduler.next_event_time()
            if upcoming is not None and upcoming > now:
                self.app.clock.advance_to(upcoming)
                return True
            return False

    def follow_real_time(self) -> None:
        """Under ``"real"``, move simulated time by the real time passed; otherwise nothing.

        For readers outside the runtime API (the served page's state): under ``"real"`` time
        passes whoever looks, so a page watching an idle fake still sees its clock move.
        """
        if self._pace == "real":
            self._follow_real_time()

    def _follow_real_time(self) -> None:
        clock = self.app.clock
        with self._lock:
            now = time.monotonic()
            elapsed, self._last = now - self._last, now
            # A ticking clock already moves with real time: add only the speed-up.
            extra = elapsed * (self._speed - (1.0 if clock.mode == "ticking" else 0.0))
        if extra > 0:
            clock.shift(_dt.timedelta(seconds=extra))


def _polled_job(request: HttpRequest) -> str | None:
    """The job id when ``request`` is ``GET /api/v1/jobs/{id}``, else None."""
    if request.method.upper() != "GET":
        return None
    path = request.path
    if not path.startswith(API_PREFIX + "/jobs/"):
        return None
    route, params, _ = match_route("GET", path[len(API_PREFIX) :].rstrip("/"))
    if route is None or route.name != "get_job":
        return None
    return params.get("job_id")
