"""A status line while a job waits: state, queue position or estimated start, time waited.

Against IBM a job can sit in a queue for hours; a test run (or a script) that waits in silence looks
hung. ``RuntimeJob.wait_for_final_state`` (and so ``result()``) tells the reporter made current
with ``show_progress(...)`` what it sees at each poll: no request is added for it, so a recording
cassette records exactly what it would without a status line.

``StatusLine`` writes one line to a terminal and rewrites it in place (``\\r``), at most once per
``min_interval`` seconds of real time, and only once a wait has lasted ``delay`` seconds (a job
that finishes quickly shows nothing). ``StatusLine.for_stream(stream)`` is quiet unless the stream
is a terminal and not in CI (``CI`` set, as CI services do) or a dumb terminal (``TERM=dumb``).

The pytest plugin shows it in live mode and when recording from the live service
(``--runtime-progress``); elsewhere::

    with show_progress():  # a StatusLine on stderr, when it is a terminal
        job.result()

Queue position and estimated start are shown when the service sends them with the job, as its
older API did (``queue_info``); the 0.51 API sends neither, so the line shows the state and the
time waited.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from .wire.numbers import is_int, is_real

__all__ = [
    "JobWait",
    "ProgressReporter",
    "StatusLine",
    "current_reporter",
    "in_ci",
    "queue_details",
    "show_progress",
]

_CURRENT: contextvars.ContextVar[ProgressReporter | None] = contextvars.ContextVar(
    "qiskit_runtime_double_progress", default=None
)


@dataclass(frozen=True)
class JobWait:
    """What a waiting job looks like at one poll."""

    job_id: str
    status: str  # QUEUED, RUNNING, DONE... (the client's statuses)
    waited: float  # seconds since the wait began, on the transport's clock
    backend: str | None = None
    queue_position: int | None = None
    estimated_start: _dt.datetime | None = None


class ProgressReporter(Protocol):
    """Told about each poll of a waiting job (``update``) and about the end of the wait."""

    def update(self, wait: JobWait) -> None: ...

    def finish(self, wait: JobWait) -> None: ...


def current_reporter() -> ProgressReporter | None:
    """The reporter made current by ``show_progress`` in this context, if any."""
    return _CURRENT.get()


@contextmanager
def show_progress(reporter: ProgressReporter | None = None) -> Iterator[ProgressReporter]:
    """Report job waits in this block to ``reporter`` (default: ``StatusLine.for_stream()``)."""
    chosen = reporter if reporter is not None else StatusLine.for_stream()
    if not (
        callable(getattr(chosen, "update", None)) and callable(getattr(chosen, "finish", None))
    ):
        raise TypeError(
            "show_progress: reporter must have update(wait) and finish(wait) methods "
            f"(e.g. StatusLine(write)), got {type(chosen).__name__}"
        )
    token = _CURRENT.set(chosen)
    try:
        yield chosen
    finally:
        _CURRENT.reset(token)
        close = getattr(chosen, "close", None)
        if callable(close):
            close()  # a wait that ended in an exception (a timeout) leaves its line open


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this looks like a CI run: ``CI`` is set to something other than false or 0."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")


def _int_or_none(value: object) -> int | None:
    return value if is_int(value) else None


def _time_or_none(value: object) -> _dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_dt.timezone.utc)


def queue_details(extra: Mapping[str, Any] | None) -> tuple[int | None, _dt.datetime | None]:
    """Queue position and estimated start from a job's fields, when the service sent them.

    Read from ``queue_info`` (``position`` or ``position_in_queue``, ``estimated_start_time``), as
    IBM's older API sent them, or from the same names at the top level.
    """
    if not extra:
        return None, None
    info = extra.get("queue_info")
    source: Mapping[str, Any] = info if isinstance(info, Mapping) else extra
    position = _int_or_none(source.get("position", source.get("position_in_queue")))
    return position, _time_or_none(source.get("estimated_start_time"))


def _duration(seconds: float) -> str:
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def describe(wait: JobWait, *, final: bool = False) -> str:
    """``job <id> QUEUED on ibm_x, position 3, estimated start 14:05 UTC, waiting 1h 02m 03s``."""
    parts = [f"job {wait.job_id} {wait.status}"]
    if wait.backend:
        parts[0] += f" on {wait.backend}"
    if not final and wait.status == "QUEUED":
        if wait.queue_position is not None:
            parts.append(f"position {wait.queue_position}")
        if wait.estimated_start is not None:
            start = wait.estimated_start.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
            parts.append(f"estimated start {start} UTC")
    parts.append(f"{'after' if final else 'waiting'} {_duration(wait.waited)}")
    return "qiskit-runtime-double: " + ", ".join(parts)


class StatusLine:
    """One status line, rewritten in place with ``\\r``; see the module docs.

    ``write`` receives the text to put on the terminal (the pytest plugin writes through its
    terminal writer, past output capturing). ``monotonic`` is the real-time source of the rate
    limit, a parameter so tests can drive it. ``width`` cuts the line (default: the terminal's).
    ``fresh_line`` starts the first line of a wait with a newline, below whatever the terminal
    shows on its current line (pytest's row of dots).
    """

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        min_interval: float = 1.0,
        delay: float = 2.0,
        width: int | None = None,
        fresh_line: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("min_interval", min_interval), ("delay", delay)):
            given: object = value  # callers without type checking pass anything
            if not is_real(given) or value < 0:
                raise ValueError(f"StatusLine: {name} must be a number >= 0, got {value!r}")
        self._write = write
        self._min_interval = float(min_interval)
        self._delay = float(delay)
        self._width = width
        self._fresh_line = fresh_line
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._began: dict[str, float] = {}  # job id -> real time its wait was first seen
        self._shown = ""  # the text on the line now ("" when the line is clear)
        self._last_status: dict[str, str] = {}
        self._last_write = float("-inf")

    @classmethod
    def for_stream(
        cls,
        stream: TextIO | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> StatusLine | QuietReporter:
        """A status line on ``stream`` (default stderr), or a quiet reporter when ``stream`` is not
        a terminal, in CI, or ``TERM=dumb``."""
        target = sys.stderr if stream is None else stream
        env = os.environ if environ is None else environ
        isatty = getattr(target, "isatty", None)
        interactive = bool(callable(isatty) and isatty())
        if not interactive or in_ci(env) or env.get("TERM") == "dumb":
            return QuietReporter()

        def write(text: str) -> None:
            target.write(text)
            target.flush()

        return cls(write, **options)

    def _fit(self, text: str) -> str:
        width = self._width or max(shutil.get_terminal_size((100, 24)).columns - 1, 20)
        return text if len(text) <= width else text[: width - 1] + "…"

    def update(self, wait: JobWait) -> None:
        now = self._monotonic()
        with self._lock:
            began = self._began.setdefault(wait.job_id, now)
            changed = self._last_status.get(wait.job_id) != wait.status
            self._last_status[wait.job_id] = wait.status
            if now - began < self._delay:
                return
            if not changed and now - self._last_write < self._min_interval and self._shown:
                return
            self._show(self._fit(describe(wait)), end="")
            self._last_write = now

    def finish(self, wait: JobWait) -> None:
        with self._lock:
            self._began.pop(wait.job_id, None)
            self._last_status.pop(wait.job_id, None)
            if self._shown:  # only a wait that showed a line leaves one behind
                self._show(self._fit(describe(wait, final=True)), end="\n")
                self._shown = ""

    def close(self) -> None:
        """End a line left open by a wait that never finished (it raised): the next output
        starts on a line of its own."""
        with self._lock:
            self._began.clear()
            self._last_status.clear()
            if self._shown:
                self._write("\n")
                self._shown = ""

    def _show(self, text: str, *, end: str) -> None:
        # Spaces cover what is left of a longer previous line.
        padding = " " * max(len(self._shown) - len(text), 0)
        lead = "\r" if self._shown or not self._fresh_line else "\n"
        self._write(f"{lead}{text}{padding}{end}")
        self._shown = text


class QuietReporter:
    """Reports nothing (not a terminal, or in CI)."""

    def close(self) -> None:
        return None

    def update(self, wait: JobWait) -> None:
        return None

    def finish(self, wait: JobWait) -> None:
        return None
