"""``CassetteTransport``: record what an inner transport answers; replay it with no network.

Modes (``mode=``):

- ``"replay"``: answer from the file only; ``inner`` is never called (it may be None). A missing
  file is a ``CassetteNotFoundError`` that says how to record it; a request with no recorded
  answer is a ``CassetteMismatchError`` naming the nearest recorded requests.
- ``"once"``: replay if the file exists, else record (vcrpy's ``once``).
- ``"record"``: every request goes to ``inner``. On save, this run's interactions replace the
  recorded ones for the same requests and the rest are kept (vcrpy's ``all``).
- ``"rewrite"``: every request goes to ``inner``; on save the file holds this run only.
- ``"new_episodes"``: replay what the file answers; send the rest to ``inner`` and append them.

Saving happens at ``close()`` (or ``save()``), atomically, with every interaction scrubbed (loaded
ones too). ``discard()`` drops what was recorded; leaving the context manager on an exception
discards unless ``keep_on_failure=True``, so a failed test leaves no half-recorded cassette. A
recording transport that is never closed is saved when it is garbage-collected or at interpreter
exit, with an ``UnclosedCassetteWarning`` (``cassettes/recorder.py`` has the rule); one that is
open when the process gets SIGTERM, SIGHUP or SIGINT is saved then, marked interrupted
(``cassettes/signals.py``), and ``once`` records an interrupted cassette again.

The clock: replaying, a ``CassetteClock`` that never sleeps and jumps along the recorded times;
recording, the inner transport's clock (so recording from the fake stays in simulated time).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, cast, get_args
from urllib.parse import urlsplit

from ..clock import Clock
from ..errors import (
    CassetteError,
    CassetteMismatchError,
    CassetteNotFoundError,
    IBMInputValueError,
)
from ..probe import SimulationProbe, probe_of
from ..wire.http import HttpRequest, HttpResponse
from ..wire.submit_keys import submit_keys_of
from .base import Closing, Transport
from .cassettes.fileformat import Interaction, interrupted_by, read_cassette
from .cassettes.matching import Shape
from .cassettes.recorder import (
    Recording,
    UnclosedCassetteWarning,
    recorded_base_url,
    recorded_from_of,
    scrubbed_shape,
)
from .cassettes.replay import Miss, ReplayIndex
from .cassettes.scrub import DEFAULT_SCRUB_RULES, Scrubber, ScrubRule

__all__ = [
    "CassetteCheck",
    "CassetteTransport",
    "RecordMode",
    "UnclosedCassetteWarning",
    "check_cassette",
    "needs_inner",
    "use_cassette",
    "vcrpy_reads",
]

RecordMode = Literal["replay", "record", "once", "new_episodes", "rewrite"]
MODES: Final[tuple[str, ...]] = get_args(RecordMode)


def needs_inner(path: str | os.PathLike[str], mode: str) -> bool:
    """Whether ``mode`` on ``path`` will call an inner transport (False: credentials not needed)."""
    _check_mode(mode)
    if mode == "replay":
        return False
    if mode == "once":  # records when there is no cassette, or only an interrupted one
        target = Path(path)
        return not (target.is_file() and target.stat().st_size > 0) or bool(interrupted_by(target))
    return True


def use_cassette(
    path: str | os.PathLike[str],
    mode: RecordMode | str = "once",
    inner: Transport | None = None,
    *,
    scrub_rules: Iterable[ScrubRule] | None = None,
    match_tolerance: float = 1e-9,
    keep_on_failure: bool = False,
    hold_limit: int = 1000,
) -> CassetteTransport:
    """``CassetteTransport(...)`` with ``mode="once"`` by default: the spelling other tools use."""
    return CassetteTransport(
        path,
        mode,
        inner,
        scrub_rules=scrub_rules,
        match_tolerance=match_tolerance,
        keep_on_failure=keep_on_failure,
        hold_limit=hold_limit,
    )


class CassetteTransport(Closing):
    """A transport that records to, or replays from, a YAML cassette (see the module docs).

    ``scrub_rules``: None for ``DEFAULT_SCRUB_RULES``; extend them with
    ``[*DEFAULT_SCRUB_RULES, ScrubRule.keys("my_secret")]``. ``match_tolerance``: how far numbers
    in request bodies (angles, parameter values, precision) may differ and still match.
    ``hold_limit``: how many times in a row the last recorded answers may be repeated before the
    replay stops with an error (a client polling for a state the recording never reached would
    otherwise spin forever). ``recorded_from``: what the cassette's metadata says it was recorded
    from; by default ``"fake"`` for an ``InProcessTransport``, ``"live"`` for a ``LiveTransport``
    (the metadata's ``base_url`` says where), else the inner transport's class name.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        mode: RecordMode | str = "replay",
        inner: Transport | None = None,
        *,
        scrub_rules: Iterable[ScrubRule] | None = None,
        match_tolerance: float = 1e-9,
        keep_on_failure: bool = False,
        hold_limit: int = 1000,
        recorded_from: str | None = None,
    ) -> None:
        checked = _check_mode(mode)
        origin: object = recorded_from  # callers without type checking pass anything
        if origin is not None and (not isinstance(origin, str) or not origin):
            raise IBMInputValueError(
                f"recorded_from must be a non-empty string (e.g. 'fake' or 'live'), got "
                f"{recorded_from!r}"
            )
        if match_tolerance < 0:
            raise IBMInputValueError(f"match_tolerance must be >= 0, got {match_tolerance}")
        self._path = Path(path)
        self._mode = checked
        self._inner = inner
        self._scrubber = Scrubber(DEFAULT_SCRUB_RULES if scrub_rules is None else scrub_rules)
        self._tolerance = match_tolerance
        self._keep_on_failure = keep_on_failure
        self._hold_limit = hold_limit
        self._lock = threading.Lock()
        self._held_in_a_row = 0
        self._closed = False

        loaded = None if mode == "rewrite" else read_cassette(self._path)
        if mode == "once" and loaded is not None and loaded.metadata.get("interrupted"):
            loaded = None  # its recording ended early: record it again, whole
        if mode == "replay" and loaded is None:
            raise CassetteNotFoundError(self._not_found_message())
        self._loaded = loaded
        self._replaying = mode == "replay" or (mode == "once" and loaded is not None)
        if not self._replaying and inner is None:
            raise IBMInputValueError(
                f"Cassette mode {mode!r} records, so it needs inner=, the transport to record "
                f"from (for example InProcessTransport(FakeRuntime().app)); "
                + (
                    "the file does not exist yet."
                    if mode == "once"
                    else "use mode='replay' to replay only."
                )
            )
        self._base_path = urlsplit(self.base_url).path.rstrip("/")
        self._index: ReplayIndex | None = None
        if loaded is not None and mode in ("replay", "once", "new_episodes"):
            base_path = urlsplit(recorded_base_url(loaded)).path.rstrip("/")
            shapes = [self._shape(i.request, base_path) for i in loaded.interactions]
            self._index = ReplayIndex(loaded.interactions, shapes, tolerance=match_tolerance)
        self._recording: Recording | None = None
        if not self._replaying:
            assert inner is not None  # checked above
            self._recording = Recording(
                self._path,
                checked,
                inner,
                self._scrubber,
                loaded,
                keep_on_failure=keep_on_failure,
                recorded_from=recorded_from or recorded_from_of(inner),
            )
            # Never closed? Saved when collected or at exit, with a warning (recorder.py).
            self._finalizer = self._recording.watch(self)

    # --- the Transport protocol ----------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        if self._replaying and self._index is not None:
            return self._index.clock
        assert self._inner is not None  # recording modes have one (checked in __init__)
        return self._inner.clock

    @property
    def probe(self) -> SimulationProbe | None:
        """While recording, the inner transport's probe (recording a fake in process waits as the
        fake does); a replay has none: its clock jumps along the recorded times by itself."""
        return None if self._replaying else probe_of(self._inner)

    @property
    def base_url(self) -> str:
        if self._replaying and self._loaded is not None:
            return recorded_base_url(self._loaded)
        assert self._inner is not None
        return self._inner.base_url

    def handle(self, request: HttpRequest) -> HttpResponse:
        with self._lock:
            if self._index is not None:
                shape = self._shape(request, self._base_path)
                result = self._index.serve(shape)
                if not isinstance(result, Miss):
                    self._held_in_a_row = self._held_in_a_row + 1 if result.held else 0
                    if self._held_in_a_row > self._hold_limit:
                        raise CassetteMismatchError(self._spinning_message(shape))
                    return _rekeyed(self._index.interactions[result.index], request)
                if self._replaying:
                    raise CassetteMismatchError(self._mismatch_message(result))
            inner = self._inner
            assert inner is not None
            sent_at = inner.clock.now()
        response = inner.handle(request)  # outside the lock: a live request may take a while
        assert self._recording is not None  # not replaying, so recording
        self._recording.add(Interaction(request, response, sent_at))
        return response

    def close(self) -> None:
        """Save (when recording, unless discarded), then close the inner transport. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._recording is not None:
                self._finalizer.detach()  # closed: nothing to do when collected or at exit
                try:
                    if self._recording.should_save():
                        self._recording.save()
                finally:
                    # Only now: a signal that comes during the save still finds it open.
                    self._recording.finish()
        finally:
            if self._inner is not None:
                self._inner.close()

    # --- cassette control ----------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def mode(self) -> RecordMode:
        return self._mode

    @property
    def recorded_from(self) -> str | None:
        """What the file says it was recorded from (``"fake"``, ``"live"``...), if it says."""
        if self._loaded is None:
            return None
        origin = self._loaded.metadata.get("recorded_from")
        return origin if isinstance(origin, str) else None

    @property
    def replaying(self) -> bool:
        """True when nothing reaches the inner transport (``replay``, or ``once`` on a file)."""
        return self._replaying

    @property
    def new_interactions(self) -> int:
        """How many interactions this transport recorded so far (not yet discarded)."""
        return len(self._recording.interactions) if self._recording is not None else 0

    def discard(self) -> None:
        """Forget what was recorded: ``close()`` will not write the file."""
        if self._recording is not None:
            self._recording.discard()

    def save(self) -> None:
        """Write the cassette now (atomically, scrubbed). ``close()`` calls this when recording.

        A replaying transport has nothing to save: the file is left as it is.
        """
        if self._recording is not None:
            self._recording.save()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and not self._keep_on_failure:
            self.discard()
        self.close()

    def __repr__(self) -> str:
        state = "replaying" if self._replaying else "recording"
        return f"<CassetteTransport {str(self._path)!r} mode={self._mode!r} {state}>"

    # --- internals -----------------------------------------------------------------------------

    def _shape(self, request: HttpRequest, base_path: str) -> Shape:
        return scrubbed_shape(self._scrubber, request, base_path)

    def _not_found_message(self) -> str:
        return (
            f"No cassette to replay at {self._path} (mode='replay'). Record it first: run the code "
            f"once with CassetteTransport({str(self._path)!r}, mode='once', inner=<a transport, "
            "e.g. InProcessTransport(FakeRuntime().app) or the live service>), or "
            "QiskitRuntimeService(..., cassette=..., record_mode='once'); then commit the file."
        )

    def _mismatch_message(self, miss: Miss) -> str:
        assert self._index is not None
        asked = miss.shape.describe()
        if miss.exhausted:
            head = (
                f"Cassette {self._path} recorded {miss.exhausted} answer(s) to {asked} with this "
                "body, and all were played already: the code under test sent it once more than "
                "when it was recorded."
            )
        else:
            head = f"Cassette {self._path} has no recorded answer for {asked}."
        lines = [head]
        if miss.nearest:
            lines.append("Nearest recorded requests:")
            for rank, (index, shape, parts) in enumerate(miss.nearest, 1):
                when = self._index.times[index].isoformat()
                lines.append(f"  {rank}. {shape.describe()} (interaction {index}, at {when})")
                lines += [f"       {part}" for part in parts or ["(the same request)"]]
        elif not len(self._index):
            lines.append("The cassette has no recorded requests at all.")
        lines += self._interrupted_lines()
        from_fake = (
            self._loaded is not None and self._loaded.metadata.get("recorded_from") == "fake"
        )
        plugin = "pytest --runtime-mode=record --runtime-record-mode=rewrite" + (
            " --runtime-record-from=fake" if from_fake else ""
        )
        lines.append(
            "If the code under test changed on purpose, record the cassette again: "
            "mode='rewrite' with inner= the transport to record from or, with the pytest "
            f"plugin, {plugin} <the test>."
        )
        return "\n".join(lines)

    def _spinning_message(self, shape: Shape) -> str:
        return "\n".join(
            [
                f"Cassette {self._path}: {self._held_in_a_row - 1} requests in a row were "
                f"answered with the last recorded answer (the latest: {shape.describe()}). The "
                "code under test is waiting for something the recording never reached (for "
                "example a job that was still running when recording stopped). Record again "
                f"with the wait included, or raise hold_limit (now {self._hold_limit}).",
                *self._interrupted_lines(),
            ]
        )

    def _interrupted_lines(self) -> list[str]:
        signal_name = self._loaded.metadata.get("interrupted") if self._loaded else None
        if not signal_name:
            return []
        return [
            f"Its recording was interrupted by {signal_name}: the cassette ends where the "
            "process was stopped, so it may lack what the code under test did next. Record it "
            "again (mode='once' records over an interrupted cassette)."
        ]


def _rekeyed(recorded: Interaction, request: HttpRequest) -> HttpResponse:
    """The recorded answer, with the recorded request's idempotency keys replaced by those of
    ``request``: a replayed lookup of a lost submission then finds the key it asks for."""
    response = recorded.response
    pairs = zip(submit_keys_of(recorded.request), submit_keys_of(request), strict=False)
    content = response.content
    for old, new in pairs:
        if old != new:
            content = content.replace(old.encode(), new.encode())
    if content is response.content:
        return response
    return HttpResponse(response.status_code, response.headers, content)


def _check_mode(mode: str) -> RecordMode:
    if mode not in MODES:
        raise IBMInputValueError(
            f"Unknown cassette mode {mode!r}; expected one of {', '.join(MODES)}."
        )
    return cast(RecordMode, mode)  # checked just above


def vcrpy_reads(path: str | os.PathLike[str]) -> int:
    """How many interactions vcrpy's own loader reads from ``path`` (raises what vcrpy raises).

    ``cassette check`` uses it to prove the file stays a vcrpy cassette.
    """
    from vcr.cassette import Cassette
    from vcr.record_mode import RecordMode as VcrRecordMode

    cassette = Cassette.load(path=str(path), record_mode=VcrRecordMode.NONE)
    return len(cassette)


@dataclass(frozen=True)
class CassetteCheck:
    """What ``check_cassette`` found in one file: ``problems`` empty means ok."""

    path: Path
    interactions: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_cassette(
    path: str | os.PathLike[str], scrub_rules: Iterable[ScrubRule] | None = None
) -> CassetteCheck:
    """What ``qiskit-runtime-double cassette check`` finds in one file.

    Each problem is a line: the file does not read (format, version), vcrpy's loader reads it
    differently, or a possible secret (where, and why; never the value: see ``summary.py``).
    ``scrub_rules``: the rules to look for, by default ``DEFAULT_SCRUB_RULES``; add your own
    patterns (``[*DEFAULT_SCRUB_RULES, ScrubRule.regex(...)]``) to find your own secrets.
    """
    from .cassettes.summary import secret_findings

    target = Path(path)
    try:
        data = read_cassette(target)
    except CassetteError as exc:
        return CassetteCheck(target, 0, [str(exc)])
    if data is None:
        return CassetteCheck(target, 0, ["no cassette (missing or empty file)"])
    scrubber = Scrubber(DEFAULT_SCRUB_RULES if scrub_rules is None else scrub_rules)
    problems = [f"possible secret at {where}" for where in secret_findings(data, scrubber)]
    signal_name = data.metadata.get("interrupted")
    if signal_name:
        problems.append(
            f"its recording was interrupted by {signal_name}: it ends early; record it again "
            "(or, if it holds all you need, remove 'interrupted' from its metadata)"
        )
    try:
        read_by_vcrpy = vcrpy_reads(target)
    except Exception as exc:  # whatever vcrpy raises, the file is not a vcrpy cassette
        problems.append(f"vcrpy cannot load it: {type(exc).__name__}: {exc}")
    else:
        if read_by_vcrpy != len(data.interactions):
            problems.append(
                f"vcrpy reads {read_by_vcrpy} interactions, not {len(data.interactions)}"
            )
    return CassetteCheck(target, len(data.interactions), problems)
