"""Simulated time for the official client: its waits move the fake's clock instead of sleeping.

Every release of ``qiskit-ibm-runtime`` from 0.2x to 0.51 waits for a job the same way
(``RuntimeJob*.wait_for_final_state``, which ``result(timeout=)`` calls)::

    start_time = time.time()
    status = self.status()
    while status not in self.JOB_FINAL_STATES:
        if timeout is not None and time.time() - start_time >= timeout: raise RuntimeJobTimeoutError
        time.sleep(poll_interval)   # 0.1 s (0.5 s outside a session since 0.45)
        status = self.status()

and the HTTP stack under it (urllib3's retry back-off, the IBM Cloud SDK's token manager) reads
``time.time`` and sleeps with ``time.sleep``, always through the ``time`` module. ``VirtualTime``
replaces those two module attributes (and ``time.time_ns``) while it runs, so that they read and
move a ``Clock``:

- ``time.time()`` and ``time.time_ns()`` are the clock's ``now()``: a job's timestamps and the
  client's own measure of elapsed time agree, and ``timeout`` fires at its simulated moment.
- ``time.sleep(s)`` moves the clock forward by exactly ``s`` (the simulation catches up when it is
  next asked), never waiting for real. A frozen ``VirtualClock`` refuses, with its own message.
- ``time.sleep`` called from the client's wait loop (recognised by its frame: a function
  ``wait_for_final_state`` of ``qiskit_ibm_runtime``, whose locals ``self``, ``start_time`` and
  ``timeout`` are read, never written) moves the clock to the simulation's next event (asked of
  the transport's ``SimulationProbe``), or to the loop's deadline if that comes first: a job
  queued for hours costs a handful of polls, and a timeout still fires exactly at
  ``start_time + timeout``. A wait without a timeout for a job the simulation will never move (its
  backend offline) raises ``SimulationStalledError`` from the sleep, naming the job, instead of
  hanging. Without a probe (a cassette's clock, which jumps to its next recorded change by
  itself) the loop's sleep is the clock's ``sleep``.

Why not time-machine or freezegun: both freeze a *number* (time-machine at C level, freezegun by
replacing names in every loaded module) that would have to be re-synchronised after every move
of the fake's clock, by the fake, the test or another thread; neither makes ``time.sleep`` move
time; both act on every thread. Here ``time.time()`` *is* the fake's clock, read at each call,
and nothing else is touched: ``time.monotonic``, ``time.perf_counter`` and ``datetime.now`` stay
real (the client reads none of them to wait). Cost: one Python call per read.

Which threads: the thread that started the virtual time and every thread started after it; in
threads that were already running (a test runner's, a thread pool made earlier), only calls made
directly from ``qiskit_ibm_runtime`` code. Other code in those threads keeps real time, so a
background thread that sleeps in a loop is not turned into a busy loop that races simulated time.
"""

from __future__ import annotations

import datetime as _dt
import math
import sys
import threading
import time as _time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, Final

from ..clock import Clock
from ..errors import SimulationStalledError
from ..probe import SimulationProbe
from ..wire.numbers import is_real

__all__ = ["ClientWait", "VirtualTime", "client_wait"]

_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_MICROSECOND: Final = _dt.timedelta(microseconds=1)
_CLIENT_PACKAGE: Final = "qiskit_ibm_runtime"
_WAIT_LOOP: Final = "wait_for_final_state"


@dataclass(frozen=True)
class ClientWait:
    """What the official client's wait loop is waiting for: a job, until a deadline (or not)."""

    job_id: str
    deadline: _dt.datetime | None


def _from_timestamp(seconds: float) -> _dt.datetime:
    """The first microsecond at or after ``seconds`` (a deadline must not round to before itself,
    or the loop's ``elapsed >= timeout`` would never hold)."""
    return _EPOCH + _dt.timedelta(microseconds=math.ceil(seconds * 1_000_000) + 1)


def client_wait(frame: FrameType | None) -> ClientWait | None:
    """The wait of the official client's loop running in ``frame``, or None for any other code."""
    if frame is None or frame.f_code.co_name != _WAIT_LOOP:
        return None
    module = frame.f_globals.get("__name__", "")
    if not (isinstance(module, str) and module.startswith(_CLIENT_PACKAGE + ".")):
        return None
    scope = frame.f_locals
    job, start, timeout = scope.get("self"), scope.get("start_time"), scope.get("timeout")
    job_id_of = getattr(job, "job_id", None)
    job_id = job_id_of() if callable(job_id_of) else None
    if not isinstance(job_id, str) or not isinstance(start, (int, float)) or not _is_number(start):
        return None
    if timeout is None:
        return ClientWait(job_id, None)
    if not isinstance(timeout, (int, float)) or not _is_number(timeout):
        return None
    return ClientWait(job_id, _from_timestamp(float(start) + float(timeout)))


def _is_number(value: object) -> bool:
    return is_real(value) and math.isfinite(value)


def _caller_module(depth: int) -> str:
    name = sys._getframe(depth + 1).f_globals.get("__name__", "")
    return name if isinstance(name, str) else ""


class VirtualTime:
    """``time.time``, ``time.time_ns`` and ``time.sleep`` on ``clock`` between ``start()`` and
    ``stop()`` (see the module docs). One at a time: the ``time`` module is the process's."""

    def __init__(self, clock: Clock, probe: SimulationProbe | None = None) -> None:
        self.clock = clock
        self.probe = probe
        self._outsiders: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
        self._saved: dict[str, Callable[..., Any]] = {}
        self._installed: dict[str, Callable[..., Any]] = {}

    # --- scope ---------------------------------------------------------------------------------

    def _virtual_here(self, depth: int) -> bool:
        """Whether the caller ``depth`` frames up gets simulated time (module docs, "Which")."""
        if threading.current_thread() not in self._outsiders:
            return True
        return _caller_module(depth + 1).startswith(_CLIENT_PACKAGE)

    # --- the replacements ----------------------------------------------------------------------

    def _now(self) -> _dt.datetime:
        return self.clock.now()

    def time(self) -> float:
        if not self._virtual_here(1):
            return float(self._saved["time"]())
        return self._now().timestamp()

    def time_ns(self) -> int:
        if not self._virtual_here(1):
            return int(self._saved["time_ns"]())
        return ((self._now() - _EPOCH) // _MICROSECOND) * 1000

    def sleep(self, seconds: float) -> None:
        if not self._virtual_here(1):
            self._saved["sleep"](seconds)
            return
        if not is_real(seconds):
            raise TypeError(f"'{type(seconds).__name__}' object cannot be interpreted as a number")
        if math.isnan(seconds) or seconds < 0:
            raise ValueError("sleep length must be non-negative")
        wait = client_wait(sys._getframe(1))
        if wait is None:
            self._advance(seconds)
        else:
            self._wait_step(seconds, wait)

    # --- moving the clock ----------------------------------------------------------------------

    def _advance(self, seconds: float) -> None:
        """Exactly ``seconds`` of simulated time pass (a frozen clock refuses, with its message)."""
        clock = self.clock
        advance_to = getattr(clock, "advance_to", None)
        if getattr(clock, "mode", None) == "frozen" or not callable(advance_to):
            clock.sleep(seconds)
            return
        if seconds:
            advance_to(self._now() + _dt.timedelta(seconds=seconds))

    def _wait_step(self, seconds: float, wait: ClientWait) -> None:
        """One sleep of the client's wait loop: to the next event, or to the deadline if sooner."""
        clock, probe = self.clock, self.probe
        advance_to = getattr(clock, "advance_to", None)
        if probe is None or getattr(clock, "mode", None) == "frozen" or not callable(advance_to):
            clock.sleep(seconds)  # a cassette's clock jumps to its next recorded change itself
            return
        now = self._now()
        stall = probe.stall_reason(wait.job_id)
        if stall is not None:
            if wait.deadline is None:
                raise SimulationStalledError(
                    f"The official client is waiting, with no timeout, for job {wait.job_id}, "
                    f"which nothing in the fake will ever move: {stall} Against IBM it would "
                    "wait forever; pass a timeout (result(timeout=...)) to wait a bounded time."
                )
            advance_to(max(wait.deadline, now))
            return
        upcoming = probe.next_event_time()
        if upcoming is None:  # nothing scheduled at all: let the requested time pass
            target = now + _dt.timedelta(seconds=seconds)
            if wait.deadline is not None:
                target = min(target, wait.deadline)
        elif wait.deadline is not None:
            target = min(upcoming, wait.deadline)
        else:
            target = upcoming
        advance_to(max(target, now))

    # --- on and off ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._installed:
            raise RuntimeError("this VirtualTime is already started")
        current = threading.current_thread()
        self._outsiders = weakref.WeakSet(t for t in threading.enumerate() if t is not current)
        self._saved = {"time": _time.time, "time_ns": _time.time_ns, "sleep": _time.sleep}
        self._installed = {"time": self.time, "time_ns": self.time_ns, "sleep": self.sleep}
        for name, function in self._installed.items():
            setattr(_time, name, function)

    def stop(self) -> None:
        if not self._installed:
            return
        replaced = [
            name for name, function in self._installed.items() if getattr(_time, name) != function
        ]
        for name, function in self._saved.items():
            setattr(_time, name, function)
        self._installed = {}
        if replaced:
            raise RuntimeError(
                f"time.{', time.'.join(replaced)} was replaced by other code while the official "
                "client's time was simulated (freezegun started inside mock_runtime?); the "
                "originals are back now. Start such tools outside the mock_runtime block."
            )
