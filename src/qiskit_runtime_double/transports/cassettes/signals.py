"""Open recordings are saved when the process is told to stop: SIGTERM, SIGHUP, SIGINT.

``timeout 60 pytest --runtime-mode=record``, a CI job cancelled, a terminal closed: the default
action of SIGTERM and SIGHUP ends the process at once, without ``finally`` blocks or exit
handlers, and what a recording held in memory was lost. While a recording is open, this module
handles those signals: it saves every open recording of this process (atomically, marked
``interrupted: <signal>`` in its metadata, since it ends early), then does what the signal would
have done without it:

- the handler that was there before, if it was a Python function (the user's, or Python's own
  ``default_int_handler`` for SIGINT, which raises ``KeyboardInterrupt``): it is called, so the
  program behaves as it did, and may go on (a later ``close()`` saves the recording again, still
  marked: a program stopping on a signal may have skipped the rest of its work);
- the default action otherwise: the default is restored and the signal sent again, so the
  process ends by that signal, with the exit status a parent expects (``timeout`` still reports
  124, a shell 143).

Never installed outside the main thread (Python allows handlers there only), and never over a
disposition that says otherwise: a signal set to be ignored (``SIG_IGN``), or handled by code
outside Python, is left alone. The previous handler is put back when the last recording closes,
unless someone replaced ours meanwhile. A forked child does not save its parent's recordings (it
holds copies of them): each recording belongs to the process that opened it.

SIGKILL cannot be handled: what was recorded since the last save is lost, and the cassette on
disk is the previous one, whole (``atomic.py``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import weakref
from types import FrameType
from typing import Any, Final, Protocol

__all__ = ["HANDLED_SIGNALS", "Interruptible", "installed", "unwatch", "watch"]

#: The signals handled while a recording is open (those this platform has).
HANDLED_SIGNALS: Final[tuple[signal.Signals, ...]] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name)
)


class Interruptible(Protocol):
    """A recording that can be saved when a signal arrives."""

    def save_interrupted(self, signal_name: str) -> str | None:
        """Save what was recorded, marked interrupted; a line to print, or None (nothing)."""


class _Registry:
    """Process-wide by nature: signal dispositions belong to the process, not to an object."""

    def __init__(self) -> None:
        #: Re-entrant: a signal may arrive while this thread holds it (in ``watch``).
        self.lock = threading.RLock()
        #: Open recordings, each with the process that opened it.
        self.recordings: weakref.WeakKeyDictionary[Interruptible, int] = weakref.WeakKeyDictionary()
        #: The handler ours replaced, by signal.
        self.previous: dict[int, Any] = {}


_REGISTRY: Final = _Registry()


def watch(recording: Interruptible) -> None:
    """``recording`` is open: save it if a handled signal arrives (and install the handlers)."""
    with _REGISTRY.lock:
        _REGISTRY.recordings[recording] = os.getpid()
    _install()


def unwatch(recording: Interruptible) -> None:
    """``recording`` is closed: forget it; put the previous handlers back after the last one."""
    with _REGISTRY.lock:
        _REGISTRY.recordings.pop(recording, None)
        idle = not any(pid == os.getpid() for pid in _REGISTRY.recordings.values())
    if idle:
        _uninstall()


def installed() -> list[str]:
    """The names of the signals whose handler is ours right now."""
    return [sig.name for sig in HANDLED_SIGNALS if signal.getsignal(sig) is _on_signal]


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _install() -> None:
    if not _in_main_thread():
        return
    for sig in HANDLED_SIGNALS:
        current = signal.getsignal(sig)
        if current is _on_signal or current is None or current == signal.SIG_IGN:
            continue  # ours already; set outside Python; or to be ignored: the user's choice
        _REGISTRY.previous[sig] = current
        signal.signal(sig, _on_signal)


def _uninstall() -> None:
    if not _in_main_thread():
        return  # left in place; with nothing open, it only passes the signal on
    for sig, previous in list(_REGISTRY.previous.items()):
        if signal.getsignal(sig) is _on_signal:
            signal.signal(sig, previous)
        del _REGISTRY.previous[sig]


def _on_signal(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    with _REGISTRY.lock:
        mine = [r for r, pid in _REGISTRY.recordings.items() if pid == os.getpid()]
    for recording in mine:
        line = recording.save_interrupted(name)
        if line:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
    previous = _REGISTRY.previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
        return
    # The default action: end the process by this signal, as it would have ended without us.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # not reached: the default action of these signals ends the process
