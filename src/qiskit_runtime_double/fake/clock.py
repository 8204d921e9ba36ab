"""``VirtualClock``: simulated time for the fake, with time-machine's verbs and freezegun's modes.

Modes:

- ``"advance"`` (default): time stands still until someone waits; ``sleep(s)`` moves it forward
  instead of waiting, and wakes early at the simulation's next event, so polling a job returns as
  soon as the job is final.
- ``"ticking"``: follows a base clock (real time, or whatever freezegun/time-machine say it is) from
  the start, plus whatever was slept or shifted. Sleeping still never waits for real.
- ``"frozen"``: moves only when told (``shift``, ``move_to``); a ``sleep`` raises ``ClockError`` at
  once, naming the next simulated event and how to move the clock.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable
from typing import Literal

from ..clock import Clock, SystemClock
from ..errors import ClockError

__all__ = ["ClockMode", "VirtualClock"]

ClockMode = Literal["advance", "ticking", "frozen"]
_MODES = ("advance", "ticking", "frozen")

#: The default start of simulated time: a fixed instant, so runs are reproducible.
DEFAULT_START = _dt.datetime(2025, 1, 1, 9, 0, tzinfo=_dt.timezone.utc)


def _as_utc(value: _dt.datetime) -> _dt.datetime:
    if value.tzinfo is None:
        raise ClockError(
            f"naive datetime {value.isoformat()} has no time zone; "
            "pass an aware datetime such as datetime(2025, 1, 1, tzinfo=timezone.utc)"
        )
    return value.astimezone(_dt.timezone.utc)


def _seconds(delta: _dt.timedelta | float | int) -> float:
    if isinstance(delta, _dt.timedelta):
        return delta.total_seconds()
    if isinstance(delta, bool) or not isinstance(delta, (int, float)):
        raise TypeError(f"expected a timedelta or a number of seconds, got {delta!r}")
    return float(delta)


class VirtualClock:
    """Simulated time. Thread-safe: the fake served over HTTP reads it from server threads."""

    def __init__(
        self,
        start: _dt.datetime | None = None,
        *,
        mode: ClockMode = "advance",
        base: Clock | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"unknown clock mode {mode!r}; expected one of {', '.join(_MODES)}")
        self._mode: ClockMode = mode
        self._base = base or SystemClock()
        self._lock = threading.RLock()
        if start is None:
            start = self._base.now() if mode == "ticking" else DEFAULT_START
        self._origin = _as_utc(start)
        self._base_origin = self._base.now()
        self._offset = 0.0
        self._last = self._origin
        self._wakeup: Callable[[], _dt.datetime | None] | None = None

    @property
    def mode(self) -> ClockMode:
        return self._mode

    def now(self) -> _dt.datetime:
        with self._lock:
            current = self._origin + _dt.timedelta(seconds=self._offset)
            if self._mode == "ticking":
                current += self._base.now() - self._base_origin
            # A base clock moved backwards (freezegun's move_to into the past) must not make
            # simulated time run backwards: records would then contradict each other.
            self._last = max(self._last, current)
            return self._last

    def shift(self, delta: _dt.timedelta | float | int) -> None:
        """Move time forward by ``delta`` (a timedelta or seconds). Backwards is an error."""
        seconds = _seconds(delta)
        if seconds < 0:
            raise ClockError(
                f"cannot move a VirtualClock backwards (shift of {seconds} s); simulated records "
                "never go back in time. Create a new FakeRuntime to start over."
            )
        with self._lock:
            self._offset += seconds

    def move_to(self, destination: _dt.datetime) -> None:
        """Move time forward to ``destination`` (an aware datetime). Backwards is an error."""
        target = _as_utc(destination)
        with self._lock:
            now = self.now()
            if target < now:
                raise ClockError(
                    f"cannot move a VirtualClock back from {now.isoformat()} to "
                    f"{target.isoformat()}; simulated records never go back in time"
                )
            self._offset += (target - now).total_seconds()

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass at once; wake early at the next event."""
        seconds = _seconds(seconds)
        if seconds < 0:
            raise ClockError(f"cannot sleep a negative time ({seconds} s)")
        with self._lock:
            now = self.now()
            target = now + _dt.timedelta(seconds=seconds)
            upcoming = self._wakeup() if self._wakeup is not None else None
            if self._mode == "frozen":
                if seconds == 0:
                    return
                hint = (
                    f"the next simulated event is at {upcoming.isoformat()}"
                    if upcoming is not None
                    else "nothing is scheduled to happen"
                )
                raise ClockError(
                    f"the clock is frozen at {now.isoformat()} and a wait of {seconds:g} s needs "
                    f"time to pass ({hint}). Move it with clock.shift(seconds) or "
                    "clock.move_to(datetime), or use mode='advance'."
                )
            if upcoming is not None and now < upcoming < target:
                target = upcoming
            self._offset += (target - now).total_seconds()

    def set_wakeup(self, source: Callable[[], _dt.datetime | None] | None) -> None:
        """Tell the clock when the next simulated event is, so sleeps can end there (fake only)."""
        self._wakeup = source

    def __repr__(self) -> str:
        return f"VirtualClock({self.now().isoformat()}, mode={self._mode!r})"
