"""Execution spans: when each part of a sampler result was collected on the backend.

A sampler job's result carries ``result.metadata["execution"]["execution_spans"]``, an
``ExecutionSpans`` of spans. Each span is a time window (``start``, ``stop``, in UTC) and, per pub
index, which part of that pub's data was taken in the window (``mask(pub_index)``, an array of
the pub's data shape, shots last).

The classes live in the official client (``qiskit_ibm_runtime.execution_span``), not in qiskit,
and the official client is optional here; these are the same classes with the same names,
constructors and behaviour, so code written against the official ones runs on ours (plotting,
``draw()``, is left out: it needs plotly). ``wire.codec`` reads and writes them in the official
wire form. The span kinds differ only in how a pub's part is described (``data_slices``):

- ``SliceSpan``: ``(shape, slice)``, a slice of the flattened data;
- ``DoubleSliceSpan``: ``(shape, slice, slice)``, the shape's last axis being shots: a slice of
  the flattened other axes and a slice of the shots. This is what the sampler returns;
- ``TwirledSliceSpan``: ``(shape, at_front, slice, slice)``, the shape including a twirling axis
  (first if ``at_front``, else before the shots axis), merged with the shots in ``mask``;
- ``TwirledSliceSpanV2``: the same plus the pub's shots, to which the mask is cut.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar, overload

import numpy as np

__all__ = [
    "DoubleSliceSpan",
    "ExecutionSpan",
    "ExecutionSpans",
    "ShapeType",
    "SliceSpan",
    "TwirledSliceSpan",
    "TwirledSliceSpanV2",
]

ShapeType = tuple[int, ...]
"""A shape tuple of some nd-array."""


def _count(length: int, part: slice) -> int:
    """How many of ``range(length)`` the slice ``part`` selects."""
    return len(range(length)[part])


class ExecutionSpan:
    """A time window of data collection and, per pub index, the part of the data it produced.

    Spans compare equal when they are of the same kind with the same times and parts, and sort
    by ``(start, stop)``. Subclasses say how a part is described (``LAYOUT``) and what mask it
    gives.
    """

    #: The items of one pub's part, in order: "shape", "flag" (a bool), "slice" or "int".
    LAYOUT: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, start: _dt.datetime, stop: _dt.datetime, data_slices: Mapping[int, tuple[Any, ...]]
    ) -> None:
        self._start = start
        self._stop = stop
        self._data_slices: dict[int, tuple[Any, ...]] = dict(data_slices)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExecutionSpan) or type(other) is not type(self):
            return False
        mine = (self.start, self.stop, self._data_slices)
        return mine == (other.start, other.stop, other._data_slices)

    def __lt__(self, other: ExecutionSpan) -> bool:
        return (self.start, self.stop) < (other.start, other.stop)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(<start='{self.start:%Y-%m-%d %H:%M:%S}', "
            f"stop='{self.stop:%Y-%m-%d %H:%M:%S}', size={self.size}>)"
        )

    @property
    def start(self) -> _dt.datetime:
        """The start of the window, in UTC."""
        return self._start

    @property
    def stop(self) -> _dt.datetime:
        """The end of the window, in UTC."""
        return self._stop

    @property
    def duration(self) -> float:
        """The window's length in seconds."""
        return (self.stop - self.start).total_seconds()

    @property
    def data_slices(self) -> dict[int, tuple[Any, ...]]:
        """Per pub index, its part as given to the constructor (a copy)."""
        return dict(self._data_slices)

    @property
    def pub_idxs(self) -> list[int]:
        """The indices of the pubs with data from this window, sorted."""
        return sorted(self._data_slices)

    @property
    def size(self) -> int:
        """How many results (for the sampler: shots) come from this window, over all pubs."""
        return sum(self._part_size(part) for part in self._data_slices.values())

    def mask(self, pub_idx: int) -> np.ndarray:
        """A boolean array of the pub's data shape: True where the data comes from this window.

        Raises ``KeyError`` if the pub has no data from this window.
        """
        if pub_idx not in self._data_slices:
            raise KeyError(f"Pub {pub_idx} is not included in the span.")
        return self._part_mask(self._data_slices[pub_idx])

    def contains_pub(self, pub_idx: int | Iterable[int]) -> bool:
        """Whether any of the given pubs has data from this window."""
        wanted = {pub_idx} if isinstance(pub_idx, int) else set(pub_idx)
        return not wanted.isdisjoint(self._data_slices)

    def filter_by_pub(self, pub_idx: int | Iterable[int]) -> ExecutionSpan:
        """The same window, with the parts of the given pubs only."""
        wanted = {pub_idx} if isinstance(pub_idx, int) else set(pub_idx)
        kept = {idx: part for idx, part in self._data_slices.items() if idx in wanted}
        return type(self)(self.start, self.stop, kept)

    def _part_size(self, part: tuple[Any, ...]) -> int:
        return int(self._part_mask(part).sum())

    def _part_mask(self, part: tuple[Any, ...]) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not describe its data")


class SliceSpan(ExecutionSpan):
    """Parts are ``(shape, slice)``: a slice of the pub's data, flattened (row major)."""

    LAYOUT: ClassVar[tuple[str, ...]] = ("shape", "slice")

    def _part_size(self, part: tuple[Any, ...]) -> int:
        shape, flat = part
        return _count(math.prod(shape), flat)

    def _part_mask(self, part: tuple[Any, ...]) -> np.ndarray:
        shape, flat = part
        mask = np.zeros(math.prod(shape), dtype=np.bool_)
        mask[flat] = True
        return np.reshape(mask, shape)


class DoubleSliceSpan(ExecutionSpan):
    """Parts are ``(shape, slice, slice)``; ``shape`` ends with the shots axis.

    The first slice selects among the other axes, flattened; the second selects shots, so the
    shots of one parameter binding need not all come from the same window.
    """

    LAYOUT: ClassVar[tuple[str, ...]] = ("shape", "slice", "slice")

    def _part_size(self, part: tuple[Any, ...]) -> int:
        shape, rows, shots = part
        return _count(math.prod(shape[:-1]), rows) * _count(shape[-1], shots)

    def _part_mask(self, part: tuple[Any, ...]) -> np.ndarray:
        shape, rows, shots = part
        mask = np.zeros((math.prod(shape[:-1]), shape[-1]), dtype=np.bool_)
        mask[rows, shots] = True
        return np.reshape(mask, shape)


class TwirledSliceSpan(ExecutionSpan):
    """Parts are ``(twirled_shape, at_front, slice, slice)`` for twirled sampler data.

    ``twirled_shape`` has a randomizations axis (first if ``at_front``, else just before the
    shots axis, which is last and counts shots per randomization). The slices select as in
    ``DoubleSliceSpan``; ``mask`` then merges the randomizations into the shots axis.
    """

    LAYOUT: ClassVar[tuple[str, ...]] = ("shape", "flag", "slice", "slice")

    def _part_size(self, part: tuple[Any, ...]) -> int:
        shape, _, rows, shots = part[:4]
        return _count(math.prod(shape[:-1]), rows) * _count(shape[-1], shots)

    def _part_mask(self, part: tuple[Any, ...]) -> np.ndarray:
        shape, at_front, rows, shots = part[:4]
        mask = np.zeros((math.prod(shape[:-1]), shape[-1]), dtype=np.bool_)
        mask[rows, shots] = True
        mask = mask.reshape(shape)
        if at_front:  # randomizations first: move them next to the shots before merging
            mask = np.moveaxis(mask, 0, -2)
        return mask.reshape(*mask.shape[:-2], math.prod(mask.shape[-2:]))


class TwirledSliceSpanV2(TwirledSliceSpan):
    """Parts are ``(twirled_shape, at_front, slice, slice, pub_shots)``.

    As ``TwirledSliceSpan``, the merged shots axis cut to the pub's shots (randomizations times
    shots per randomization may exceed them). ``size`` counts before the cut, as the official
    class does.
    """

    LAYOUT: ClassVar[tuple[str, ...]] = ("shape", "flag", "slice", "slice", "int")

    def _part_mask(self, part: tuple[Any, ...]) -> np.ndarray:
        return super()._part_mask(part)[..., : part[4]]


class ExecutionSpans:
    """The execution spans of one job, in a list-like: ``len``, iteration, indexing.

    Windows may overlap (classical processing can run alongside the quantum execution); each
    span's data was certainly taken within its window.
    """

    def __init__(self, spans: Iterable[ExecutionSpan]) -> None:
        self._spans = list(spans)

    def __len__(self) -> int:
        return len(self._spans)

    @overload
    def __getitem__(self, idxs: int) -> ExecutionSpan: ...

    @overload
    def __getitem__(self, idxs: slice | list[int]) -> ExecutionSpans: ...

    def __getitem__(self, idxs: int | slice | list[int]) -> ExecutionSpan | ExecutionSpans:
        if isinstance(idxs, int):
            return self._spans[idxs]
        if isinstance(idxs, slice):
            return ExecutionSpans(self._spans[idxs])
        return ExecutionSpans(self._spans[idx] for idx in idxs)

    def __iter__(self) -> Iterator[ExecutionSpan]:
        return iter(self._spans)

    def __repr__(self) -> str:
        return f"ExecutionSpans({self._spans!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExecutionSpans) and self._spans == other._spans

    @property
    def pub_idxs(self) -> list[int]:
        """The indices of the pubs with data in any span, sorted."""
        return sorted({idx for span in self._spans for idx in span.pub_idxs})

    @property
    def start(self) -> _dt.datetime:
        """The earliest start of the spans, in UTC (``ValueError`` if there are none)."""
        return min(span.start for span in self._spans)

    @property
    def stop(self) -> _dt.datetime:
        """The latest stop of the spans, in UTC (``ValueError`` if there are none)."""
        return max(span.stop for span in self._spans)

    @property
    def duration(self) -> float:
        """Seconds from ``start`` to ``stop``."""
        return (self.stop - self.start).total_seconds()

    def filter_by_pub(self, pub_idx: int | Iterable[int]) -> ExecutionSpans:
        """Every span, each with the parts of the given pubs only (see ``ExecutionSpan``)."""
        return ExecutionSpans(span.filter_by_pub(pub_idx) for span in self._spans)

    def sort(self, inplace: bool = True) -> ExecutionSpans:
        """The spans sorted by ``(start, stop)``: these (``inplace``) or a sorted copy."""
        target = self if inplace else ExecutionSpans(self._spans)
        target._spans.sort()
        return target
