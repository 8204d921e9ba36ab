"""Replaying: which recorded response answers a request, and what time it is meanwhile.

Interactions are indexed by request (method, relative path, query), then by canonical body: a
lookup is two dict probes whatever the cassette's size. Each distinct request owns a queue of its
recorded answers, in recorded order.

- ``POST`` (it creates things): each answer plays once, in order; one more is a mismatch.
- Anything else (status polls above all): the answer is the latest one recorded at or before the
  replay clock's time, and at least the next one, so a client that polls without sleeping still
  moves through the recording. After the last one, the last one holds: more polls than recorded
  end on the final state, and fewer polls skip ahead to what was true at that time.

The replay clock (``CassetteClock``) never sleeps. Serving an answer moves it to that answer's
recorded time; ``sleep`` moves it to the next recorded *change* (a first answer, or an answer
different from the one before it for the same request): time never passes without something new
to see, so a job that sat queued for hours, polled a thousand times while recording, replays in
a handful of polls, and the client still sees every state the recording saw, in order.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...errors import ClockError
from .fileformat import Interaction
from .matching import Shape, differences, meaning_of

__all__ = ["CassetteClock", "Miss", "ReplayIndex", "Served", "collapse_repeats"]

_UNSET: Any = object()
#: Where a recording with no times starts (plain vcrpy cassettes): any fixed instant will do.
_EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
_TICK = _dt.timedelta(microseconds=1)


class CassetteClock:
    """Replay time: ``now()`` jumps along the recorded times; ``sleep`` returns at once.

    ``sleep(s)`` moves time to the next recorded change after now (sooner or later than ``s``
    seconds: the recording knows when there is something new to see), or by ``s`` once the
    recording has no further change. Thread-safe.
    """

    def __init__(self, start: _dt.datetime, changes: Sequence[_dt.datetime] = ()) -> None:
        self._now = start
        self._changes = sorted(changes)
        self._lock = threading.Lock()

    def now(self) -> _dt.datetime:
        return self._now

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError(f"cannot sleep a negative time ({seconds} s)")
        if seconds == 0:
            return
        with self._lock:
            upcoming = bisect.bisect_right(self._changes, self._now)
            if upcoming < len(self._changes):
                self._now = self._changes[upcoming]
            else:
                self._now += _dt.timedelta(seconds=seconds)

    def advance_to(self, moment: _dt.datetime) -> None:
        """Move to ``moment`` if it is later (replay time never goes back)."""
        with self._lock:
            if moment > self._now:
                self._now = moment

    def __repr__(self) -> str:
        return f"CassetteClock({self._now.isoformat()})"


@dataclass
class _Group:
    """The recorded answers to one request, in recorded order."""

    shape: Shape
    entries: list[int] = field(default_factory=list)
    times: list[_dt.datetime] = field(default_factory=list)
    cursor: int = -1  # position in entries of the last answer served
    meaning: Any = _UNSET

    def meaning_of(self) -> Any:
        if self.meaning is _UNSET:
            self.meaning = meaning_of(self.shape)
        return self.meaning

    @property
    def exhausted(self) -> bool:
        return self.cursor >= len(self.entries) - 1


@dataclass(frozen=True)
class Served:
    index: int  # which interaction answered
    held: bool  # the last answer, repeated


@dataclass(frozen=True)
class Miss:
    """No answer: ``nearest`` is [(interaction index, shape, differing parts)], best first."""

    shape: Shape
    nearest: list[tuple[int, Shape, list[str]]]
    exhausted: int = 0  # > 0: a POST whose recorded answers were all played already


class ReplayIndex:
    """The recorded interactions of one cassette, ready to answer requests. Not thread-safe:
    the transport holds a lock around ``serve``."""

    def __init__(
        self,
        interactions: Sequence[Interaction],
        shapes: Sequence[Shape],
        *,
        tolerance: float,
    ) -> None:
        self.interactions = interactions
        self.tolerance = tolerance
        self.times = _replay_times(interactions)
        self._buckets: dict[tuple[Any, ...], dict[str, _Group]] = {}
        self._order: list[_Group] = []
        changes: set[_dt.datetime] = set()
        for index, shape in enumerate(shapes):
            groups = self._buckets.setdefault(shape.bucket, {})
            group = groups.get(shape.digest)
            if group is None:
                group = groups[shape.digest] = _Group(shape)
                self._order.append(group)
            if (
                shape.strict
                or not group.entries
                or _differs(interactions, group.entries[-1], index)
            ):
                changes.add(self.times[index])
            group.entries.append(index)
            group.times.append(self.times[index])
        start = self.times[0] if self.times else _EPOCH
        self.clock = CassetteClock(start, sorted(changes))

    def __len__(self) -> int:
        return len(self.interactions)

    def serve(self, shape: Shape) -> Served | Miss:
        groups = self._buckets.get(shape.bucket)
        if groups is None:
            return Miss(shape, self._nearest(shape))
        group = groups.get(shape.digest)
        if group is None or (shape.strict and group.exhausted):
            group = self._by_meaning(shape, groups)
        if group is None:
            return Miss(shape, self._nearest(shape))
        if shape.strict:
            if group.exhausted:
                return Miss(shape, self._nearest(shape), exhausted=len(group.entries))
            group.cursor += 1
            return self._play(group, held=False)
        if group.exhausted:
            return self._play(group, held=True)
        # The latest answer recorded at or before now, and at least the next one.
        latest = bisect.bisect_right(group.times, self.clock.now()) - 1
        group.cursor = max(group.cursor + 1, min(latest, len(group.entries) - 1))
        return self._play(group, held=False)

    def _play(self, group: _Group, *, held: bool) -> Served:
        index = group.entries[group.cursor]
        self.clock.advance_to(self.times[index])
        return Served(index, held)

    def _by_meaning(self, shape: Shape, groups: dict[str, _Group]) -> _Group | None:
        """Among requests to the same path and query, the group whose body means the same.

        For a POST: the one whose next unplayed answer was recorded first; otherwise, once all
        are played, the one played last (it holds).
        """
        wanted: Any = _UNSET
        found: list[_Group] = []
        for digest, group in groups.items():
            if digest != shape.digest:
                if wanted is _UNSET:
                    wanted = meaning_of(shape)
                if differences(group.meaning_of(), wanted, self.tolerance, limit=1):
                    continue
            found.append(group)
        if not found:
            return None
        fresh = [g for g in found if not g.exhausted]
        if fresh:
            return min(fresh, key=lambda g: g.entries[g.cursor + 1])
        return max(found, key=lambda g: g.entries[max(g.cursor, 0)])

    def _nearest(self, shape: Shape, count: int = 3) -> list[tuple[int, Shape, list[str]]]:
        """The recorded requests most like ``shape``, with what differs (error path only)."""

        def cheap(group: _Group) -> int:
            other = group.shape
            return (
                16 * (other.method == shape.method)
                + 8 * (other.route == shape.route)
                + 4 * (other.path == shape.path)
                + 2 * (other.query == shape.query)
                + (other.digest == shape.digest)
            )

        ranked = sorted(self._order, key=cheap, reverse=True)[: max(count * 10, 30)]
        wanted = _UNSET
        scored: list[tuple[int, int, _Group, list[str]]] = []
        for order, group in enumerate(ranked):
            parts = _part_differences(group.shape, shape)
            if group.shape.route == shape.route and group.shape.digest != shape.digest:
                if wanted is _UNSET:
                    wanted = meaning_of(shape)
                parts += differences(group.meaning_of(), wanted, self.tolerance, limit=3)
            scored.append((cheap(group) - len(parts), -order, group, parts))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [(g.entries[0], g.shape, parts) for _, _, g, parts in scored[:count]]


def _part_differences(recorded: Shape, incoming: Shape) -> list[str]:
    parts: list[str] = []
    if recorded.method != incoming.method:
        parts.append(f"method: {incoming.method} here, {recorded.method} in the recording")
    if recorded.path != incoming.path:
        parts.append(f"path: {incoming.path} here, {recorded.path} in the recording")
    if recorded.query != incoming.query:
        rec, inc = dict(recorded.query), dict(incoming.query)
        for key in sorted(set(rec) | set(inc)):
            if key not in inc:
                parts.append(f"query: '{key}' is in the recording, not in this request")
            elif key not in rec:
                parts.append(f"query: '{key}' is in this request, not in the recording")
            elif rec[key] != inc[key]:
                parts.append(
                    f"query: {key}={','.join(inc[key])} here, {','.join(rec[key])} in the recording"
                )
    if (recorded.body is None) != (incoming.body is None):
        which = "this request" if incoming.body is not None else "the recording"
        parts.append(f"body: only {which} has one")
    return parts


def collapse_repeats(
    interactions: Sequence[Interaction], shapes: Sequence[Shape]
) -> list[Interaction]:
    """Drop the middle of each run of identical answers to the same request (not POSTs).

    A job queued for an hour is polled hundreds of times with the same answer. Replay picks the
    latest answer at or before its clock, and its clock wakes at changes, so the first answer
    of a run (when it became true) and the last (until when it held) are all a replay uses.
    """
    runs: dict[tuple[Any, ...], list[int]] = {}  # request -> indexes of its current run
    dropped: set[int] = set()
    for index, shape in enumerate(shapes):
        if shape.strict:
            continue
        key = (*shape.bucket, shape.digest)
        run = runs.get(key)
        if run and not _differs(interactions, run[-1], index):
            if len(run) >= 2:
                dropped.add(run[-1])  # the previous "last" is now a middle one
            run.append(index)
        else:
            runs[key] = [index]
    return [item for i, item in enumerate(interactions) if i not in dropped]


def _differs(interactions: Sequence[Interaction], earlier: int, later: int) -> bool:
    a, b = interactions[earlier].response, interactions[later].response
    return a.status_code != b.status_code or a.content != b.content


def _replay_times(interactions: Sequence[Interaction]) -> list[_dt.datetime]:
    """Recorded times, made non-decreasing: an episode appended later whose clock started over
    (a new fake starts at the same instant) continues where the previous one ended. Missing
    times (plain vcrpy cassettes) advance one microsecond per interaction."""
    times: list[_dt.datetime] = []
    offset = _dt.timedelta(0)
    for item in interactions:
        raw = item.recorded_at
        if raw is None:
            moment = (times[-1] + _TICK) if times else _EPOCH
        else:
            if times and raw + offset < times[-1]:
                offset = times[-1] - raw
            moment = raw + offset
        times.append(moment)
    return times
