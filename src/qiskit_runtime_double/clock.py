"""What time it is, and how to wait: the one place the package reads or spends time.

Everything that waits (job polling, retries) calls ``clock.sleep`` on the clock of its transport, so
a fake or a cassette decides what waiting means: against the fake's ``VirtualClock`` a wait moves
simulated time instead of sleeping.
"""

from __future__ import annotations

import datetime as _dt
import time as _time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of time. ``now()`` is an aware UTC datetime; ``sleep`` waits ``seconds``."""

    def now(self) -> _dt.datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time, read at call time.

    Reads ``datetime.datetime.now`` and ``time.sleep`` through their modules on every call (never a
    name bound at import), so freezegun's ``freeze_time`` and time-machine's ``travel`` drive it.
    """

    def now(self) -> _dt.datetime:
        return _dt.datetime.now(_dt.timezone.utc)

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"cannot sleep a negative time ({seconds} s); pass 0 or more seconds")
        _time.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"
