"""``VirtualClock``: simulated time for the fake, with time-machine's verbs and freezegun's modes.

Modes:

- ``"advance"`` (default): time stands still until someone waits; ``sleep(s)`` moves it forward
  ``s`` seconds instead of waiting. (A client polling a job asks the simulation when its next
  event is, through its transport's ``probe``, and sleeps exactly until then: the clock itself
  knows nothing of jobs.)
- ``"ticking"``: follows a base clock (real time, or whatever freezegun/time-machine say it is) from
  the start, plus whatever was slept or shifted. Sleeping still never waits for real.
- ``"frozen"``: moves only when told (``shift``, ``move_to``); a ``sleep`` raises ``ClockError`` at
  once, saying how to move the clock.

Start: ``start`` is a datetime, ``"now"`` or None. None (the default) is the fixed epoch
``DEFAULT_START`` (2025-01-01 09:00 UTC), so in-process runs are reproducible; a ticking clock
starts at its base clock's time instead. ``"now"`` is the base clock's time (the real UTC time for
the default ``SystemClock``) when the clock is made, and again at each ``reset()``: a fake served to
clients that read the wall clock then dates its jobs in their calendar. ``FakeServer`` switches a
clock left at None to ``"now"`` when it serves a fake that has done nothing yet
(``docs/server-mode.md``, "Time"). ``restart(start)`` changes the choice and starts over there.

Bounds: simulated time stays between ``EARLIEST`` and ``LATEST`` (year 9000), so that every event
the simulation schedules (a job's end, a session's expiry) is still a representable datetime. A move
past ``LATEST``, a non-finite number of seconds, or a value of the wrong type is refused before the
clock changes.

Locking: the clock's lock is a leaf. It guards the clock's own numbers and nothing is called while
it is held, so the fake's state may read and move the clock under its own lock without a cycle.
"""

from __future__ import annotations

import datetime as _dt
import math
import threading
from collections.abc import Callable
from typing import Literal, TypeAlias

from ...clock import Clock, SystemClock
from ...errors import ClockError
from ...wire.numbers import is_real

__all__ = ["DEFAULT_START", "EARLIEST", "LATEST", "ClockMode", "Start", "VirtualClock"]

ClockMode = Literal["advance", "ticking", "frozen"]
_MODES = ("advance", "ticking", "frozen")
#: Where a clock starts: a datetime, ``"now"`` (its base clock's time at each start), or None
#: (the fixed ``DEFAULT_START``; a ticking clock's base time).
Start: TypeAlias = _dt.datetime | Literal["now"] | None

#: The default start of simulated time in process: a fixed instant, so runs are reproducible.
DEFAULT_START = _dt.datetime(2025, 1, 1, 9, 0, tzinfo=_dt.timezone.utc)
#: Simulated time never goes past this instant. Year 9000 leaves room for any event the fake
#: schedules (a job's end, a session's expiry, a background arrival) to stay a valid datetime.
LATEST = _dt.datetime(9000, 1, 1, tzinfo=_dt.timezone.utc)
#: Nor does it start before this one (IBM Quantum's runtime did not exist before, and dates near
#: year 1 cannot be moved back from by the time zone conversions of clients).
EARLIEST = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _as_utc(value: object, name: str) -> _dt.datetime:
    if not isinstance(value, _dt.datetime):
        raise TypeError(
            f"{name} must be an aware datetime such as datetime(2025, 1, 1, tzinfo=timezone.utc), "
            f"got {type(value).__name__} {value!r}"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(
            f"naive datetime {value.isoformat()} has no time zone; "
            "pass an aware datetime such as datetime(2025, 1, 1, tzinfo=timezone.utc)"
        )
    try:
        return value.astimezone(_dt.timezone.utc)
    except OverflowError:
        raise ClockError(
            f"{name} {value.isoformat()} is outside the simulated calendar "
            f"({EARLIEST.date()} to {LATEST.date()})"
        ) from None


def _seconds(delta: object, name: str) -> float:
    """``delta`` (a timedelta or a real number of seconds) as finite float seconds."""
    if isinstance(delta, _dt.timedelta):
        return delta.total_seconds()
    if not is_real(delta):
        raise TypeError(
            f"{name} must be a timedelta or a number of seconds, got {type(delta).__name__} "
            f"{delta!r}"
        )
    seconds = float(delta)
    if not math.isfinite(seconds):
        raise ValueError(f"{name} must be a finite number of seconds, got {delta!r}")
    return seconds


def _within_calendar(value: _dt.datetime, name: str) -> _dt.datetime:
    if not EARLIEST <= value <= LATEST:
        raise ClockError(
            f"{name} {value.isoformat()} is outside the simulated calendar "
            f"({EARLIEST.isoformat()} to {LATEST.isoformat()})"
        )
    return value


def _within_bounds(start: _dt.datetime, seconds: float, verb: str) -> _dt.datetime:
    """``start + seconds``, or ``ClockError`` if that passes ``LATEST``."""
    room = (LATEST - start).total_seconds()
    if seconds > room:
        raise ClockError(
            f"cannot {verb} {seconds:g} s from {start.isoformat()}: simulated time ends at "
            f"{LATEST.isoformat()} ({room:.0f} s from now). Move it by less."
        )
    return start + _dt.timedelta(seconds=seconds)


class VirtualClock:
    """Simulated time. Thread-safe: the fake served over HTTP reads it from server threads."""

    def __init__(
        self,
        start: Start = None,
        *,
        mode: ClockMode = "advance",
        base: Clock | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"unknown clock mode {mode!r}; expected one of {', '.join(_MODES)}")
        if base is not None and not isinstance(base, Clock):
            raise TypeError(
                f"base must be a Clock (an object with now() and sleep()), such as SystemClock(); "
                f"got {type(base).__name__} {base!r}"
            )
        self._mode: ClockMode = mode
        self._base = base or SystemClock()
        self._lock = threading.Lock()
        #: Called after time moves or the simulation changes (``watch``); replaced, never mutated.
        self._watchers: tuple[Callable[[], None], ...] = ()
        self._start_choice = self._checked_start(start)
        self._origin = self._base_origin = self._last = DEFAULT_START
        self._offset = 0.0
        self._restart()

    @staticmethod
    def _checked_start(start: object) -> Start:
        if start is None:
            return None
        if isinstance(start, str) and start == "now":
            return "now"
        if not isinstance(start, _dt.datetime):  # other strings too: parse them yourself
            raise TypeError(
                "start must be an aware datetime such as datetime(2025, 1, 1, tzinfo=timezone.utc)"
                f", 'now', or None for the default; got {type(start).__name__} {start!r}"
            )
        return _within_calendar(_as_utc(start, "start"), "start")

    def _restart(self, base_now: _dt.datetime | None = None) -> None:
        base_now = _as_utc(
            self._base.now() if base_now is None else base_now, "the base clock's now()"
        )
        choice = self._start_choice
        if isinstance(choice, _dt.datetime):
            origin = choice
        elif choice == "now":
            origin = _within_calendar(base_now, "the base clock's now()")
        elif self._mode == "ticking":
            origin = base_now
        else:
            origin = DEFAULT_START
        with self._lock:
            self._origin, self._base_origin = origin, base_now
            self._offset = 0.0
            self._last = origin
        self.changed()

    def watch(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` whenever simulated time moves, or the simulation this clock drives
        may have changed (its state calls ``changed()`` after each transaction); returns the
        function that stops it.

        For waiters that sleep until something happens (a served fake's result streams). The
        callback runs in the thread that moved time, possibly inside a state transaction: it must
        be quick, take no lock of the simulation's, and never raise.
        """
        with self._lock:
            self._watchers = (*self._watchers, callback)

        def unwatch() -> None:
            with self._lock:
                self._watchers = tuple(w for w in self._watchers if w is not callback)

        return unwatch

    def changed(self) -> None:
        """Tell the watchers (``watch``) that time moved or the simulation changed."""
        for callback in self._watchers:
            callback()

    @property
    def mode(self) -> ClockMode:
        return self._mode

    def base_now(self) -> _dt.datetime:
        """The base clock's time now (the real UTC time for the default ``SystemClock``)."""
        return _as_utc(self._base.now(), "the base clock's now()")

    @property
    def start(self) -> _dt.datetime:
        """Where simulated time started (``reset()`` takes it back there, or, for ``"now"``, to
        the base clock's time then)."""
        return self._origin

    @property
    def start_choice(self) -> Start:
        """The start asked for: a datetime, ``"now"``, or None (the default)."""
        return self._start_choice

    def now(self) -> _dt.datetime:
        base_now = self._base.now() if self._mode == "ticking" else None  # read outside the lock
        with self._lock:
            return self._now_locked(base_now)

    def _now_locked(self, base_now: _dt.datetime | None) -> _dt.datetime:
        seconds = self._offset
        if base_now is not None:
            seconds += (base_now - self._base_origin).total_seconds()
        room = (LATEST - self._origin).total_seconds()
        current = self._origin + _dt.timedelta(seconds=min(seconds, room))
        # A base clock moved backwards (freezegun's move_to into the past) must not make
        # simulated time run backwards: records would then contradict each other.
        self._last = max(self._last, current)
        return self._last

    def shift(self, delta: _dt.timedelta | float | int) -> None:
        """Move time forward by ``delta`` (a timedelta or seconds). Backwards is an error."""
        seconds = _seconds(delta, "shift's delta")
        if seconds < 0:
            raise ClockError(
                f"cannot move a VirtualClock backwards (shift of {seconds} s); simulated records "
                "never go back in time. Create a new FakeRuntime to start over."
            )
        base_now = self._base.now() if self._mode == "ticking" else None
        with self._lock:
            _within_bounds(self._now_locked(base_now), seconds, "shift the clock")
            self._offset += seconds
        self.changed()

    def move_to(self, destination: _dt.datetime) -> None:
        """Move time forward to ``destination`` (an aware datetime). Backwards is an error."""
        target = _as_utc(destination, "destination")
        if target > LATEST:
            raise ClockError(
                f"cannot move the clock to {target.isoformat()}: simulated time ends at "
                f"{LATEST.isoformat()}"
            )
        base_now = self._base.now() if self._mode == "ticking" else None
        with self._lock:
            now = self._now_locked(base_now)
            if target < now:
                raise ClockError(
                    f"cannot move a VirtualClock back from {now.isoformat()} to "
                    f"{target.isoformat()}; simulated records never go back in time"
                )
            self._offset += (target - now).total_seconds()
        self.changed()

    def advance_to(self, target: _dt.datetime) -> None:
        """Move forward to ``target`` unless time is already there (never an error for the past).

        For movers that race each other (pacers, sleepers in several threads): each asks for the
        time it wants, and whoever asks for the latest wins.
        """
        target = min(_as_utc(target, "target"), LATEST)
        base_now = self._base.now() if self._mode == "ticking" else None
        with self._lock:
            now = self._now_locked(base_now)
            if target <= now:
                return
            self._offset += (target - now).total_seconds()
        self.changed()

    def advance_by(self, seconds: float) -> bool:
        """Move forward by ``seconds``, stopping at ``LATEST`` (never an error for the end);
        whether time reached its end. For movers that follow another clock (the served pacer):
        at the end of simulated time they stop, where ``shift`` would refuse."""
        seconds = _seconds(seconds, "advance_by's seconds")
        if seconds < 0:
            raise ClockError(f"cannot advance a clock by a negative time ({seconds} s)")
        base_now = self._base.now() if self._mode == "ticking" else None
        with self._lock:
            room = (LATEST - self._now_locked(base_now)).total_seconds()
            self._offset += min(seconds, room)
            return seconds >= room

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass at once (a frozen clock refuses)."""
        seconds = _seconds(seconds, "sleep's seconds")
        if seconds < 0:
            raise ClockError(f"cannot sleep a negative time ({seconds} s)")
        now = self.now()
        target = _within_bounds(now, seconds, "sleep")
        if seconds == 0:
            return
        if self._mode == "frozen":
            raise ClockError(
                f"the clock is frozen at {now.isoformat()} and a wait of {seconds:g} s needs "
                "time to pass. Move it with clock.shift(seconds) or clock.move_to(datetime), or "
                "use mode='advance'."
            )
        self.advance_to(target)

    def reset(self, *, base_now: _dt.datetime | None = None) -> None:
        """Take time back to where it started (for ``"now"``: to the base clock's current time,
        or to ``base_now``, a reading of it the caller took).

        Only for a fake that forgets all its records (``FakeRuntime.reset``): records dated after
        the new time would contradict it.
        """
        self._restart(base_now)

    def restart(self, start: Start = None, *, base_now: _dt.datetime | None = None) -> None:
        """Start over at ``start`` (see the module doc), which ``reset()`` then goes back to;
        ``base_now`` as in ``reset``.

        Same caveat as ``reset()``. An invalid ``start`` is refused before anything changes.
        """
        choice = self._checked_start(start)
        previous = self._start_choice
        self._start_choice = choice
        try:
            self._restart(base_now)
        except BaseException:
            self._start_choice = previous
            raise

    def __repr__(self) -> str:
        return f"VirtualClock({self.now().isoformat()}, mode={self._mode!r})"
