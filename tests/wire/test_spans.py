"""Execution spans (``wire.spans``): the official client's classes, rebuilt, and their wire form.

The official ``qiskit_ibm_runtime.execution_span`` is the oracle: for random spans, ours give the
same masks, sizes and filters, write the same JSON, and each side decodes what the other wrote.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qiskit_runtime_double.wire import codec, spans

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 1, 1, 9, tzinfo=UTC)
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = ("SliceSpan", "DoubleSliceSpan", "TwirledSliceSpan", "TwirledSliceSpanV2")


@st.composite
def slices(draw: st.DrawFn, length: int) -> slice:
    bound = st.one_of(st.none(), st.integers(0, length))
    return slice(draw(bound), draw(bound))


@st.composite
def parts(draw: st.DrawFn, kind: str) -> tuple[Any, ...]:
    """One pub's part of a span of ``kind``, as the constructors take it."""
    low = {"SliceSpan": 0, "DoubleSliceSpan": 1}.get(kind, 2)
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=low, max_size=low + 2)))
    if kind == "SliceSpan":
        return (shape, draw(slices(int(np.prod(shape)))))
    rows, shots = draw(slices(int(np.prod(shape[:-1])))), draw(slices(shape[-1]))
    if kind == "DoubleSliceSpan":
        return (shape, rows, shots)
    at_front = draw(st.booleans())
    if kind == "TwirledSliceSpan":
        return (shape, at_front, rows, shots)
    return (shape, at_front, rows, shots, draw(st.integers(0, shape[-1] * shape[0])))


@st.composite
def span_specs(draw: st.DrawFn) -> tuple[str, dt.datetime, dt.datetime, dict[int, Any]]:
    kind = draw(st.sampled_from(KINDS))
    start = T0 + dt.timedelta(microseconds=draw(st.integers(0, 10**9)))
    stop = start + dt.timedelta(microseconds=draw(st.integers(0, 10**8)))
    indices = draw(st.lists(st.integers(0, 5), min_size=1, max_size=3, unique=True))
    return kind, start, stop, {idx: draw(parts(kind)) for idx in indices}


def build(module: Any, spec: tuple[str, dt.datetime, dt.datetime, dict[int, Any]]) -> Any:
    kind, start, stop, data_slices = spec
    return getattr(module, kind)(start, stop, data_slices)


@pytest.fixture(scope="module")
def official() -> Any:
    runtime = pytest.importorskip("qiskit_ibm_runtime")
    return runtime


def wire(value: Any, official: Any) -> str:
    return json.dumps(value, cls=official.RuntimeEncoder, separators=(",", ":"))


# --- behaviour, against the official classes --------------------------------------------------


@pytest.mark.compat
@EXAMPLES
@given(spec=span_specs(), other=span_specs())
def test_spans_behave_as_the_official_ones(spec: Any, other: Any, official: Any) -> None:
    ours, theirs = build(spans, spec), build(official.execution_span, spec)

    assert type(ours).__name__ == type(theirs).__name__
    assert (ours.start, ours.stop, ours.duration) == (theirs.start, theirs.stop, theirs.duration)
    assert ours.pub_idxs == theirs.pub_idxs and ours.size == theirs.size
    for idx in ours.pub_idxs:
        np.testing.assert_array_equal(ours.mask(idx), theirs.mask(idx), strict=True)
        assert ours.contains_pub(idx) and ours.contains_pub([idx, 99])
    assert not ours.contains_pub(99)
    with pytest.raises(KeyError, match="Pub 99 is not included"):
        ours.mask(99)
    first = ours.pub_idxs[0]
    assert ours.filter_by_pub(first).pub_idxs == [first]
    assert ours.filter_by_pub(first).mask(first).tolist() == ours.mask(first).tolist()
    if spec[0] != "TwirledSliceSpanV2":  # the official V2 cannot filter (it drops pub_shots)
        assert theirs.filter_by_pub(first).pub_idxs == [first]
    assert ours.filter_by_pub([]).size == 0
    assert repr(ours) == repr(theirs)
    # A collection: ordering, bounds and filtering as the official ExecutionSpans.
    both = spans.ExecutionSpans([ours, build(spans, other)])
    official_both = official.execution_span.ExecutionSpans(
        [theirs, build(official.execution_span, other)]
    )
    assert (both.start, both.stop, both.duration, both.pub_idxs) == (
        official_both.start,
        official_both.stop,
        official_both.duration,
        official_both.pub_idxs,
    )
    assert [s.start for s in both.sort(inplace=False)] == [
        s.start for s in official_both.sort(inplace=False)
    ]
    assert len(both.filter_by_pub(first)) == 2 and both[1:][0] == both[1]
    assert both[[1, 0]] == spans.ExecutionSpans([both[1], both[0]])


# --- the wire form, both directions ---------------------------------------------------------


@pytest.mark.compat
@EXAMPLES
@given(specs=st.lists(span_specs(), min_size=0, max_size=3))
def test_spans_cross_the_official_codec_both_ways(specs: Any, official: Any) -> None:
    ours = spans.ExecutionSpans(build(spans, spec) for spec in specs)
    theirs = official.execution_span.ExecutionSpans(
        build(official.execution_span, spec) for spec in specs
    )

    text = codec.encode(ours)
    assert text == wire(theirs, official)  # the same JSON, byte for byte
    assert json.loads(text, cls=official.RuntimeDecoder) == theirs
    assert codec.decode(wire(theirs, official)) == ours
    assert codec.from_jsonable(json.loads(text)) == ours
    assert codec.encode(codec.decode(text)) == text


def test_spans_round_trip_through_our_codec_without_the_official_client() -> None:
    later = T0 + dt.timedelta(seconds=3)
    collection = spans.ExecutionSpans(
        [
            spans.DoubleSliceSpan(T0, later, {0: ((2, 100), slice(0, 2), slice(0, 100))}),
            spans.SliceSpan(T0, later, {1: ((3,), slice(1, 3))}),
            spans.TwirledSliceSpan(T0, later, {0: ((4, 2, 8), True, slice(0, 8), slice(0, 8))}),
            spans.TwirledSliceSpanV2(
                T0, later, {2: ((2, 4, 8), False, slice(0, 8), slice(0, 8), 30)}
            ),
        ]
    )

    decoded = codec.decode(codec.encode(collection))

    assert decoded == collection
    assert [type(span) for span in decoded] == [type(span) for span in collection]
    assert decoded[0].mask(0).all() and decoded[0].size == 200
    assert decoded[1].mask(1).tolist() == [False, True, True]
    assert decoded[2].mask(0).shape == (2, 32)  # randomizations merged into the shots
    assert decoded[3].mask(2).shape == (2, 30)  # cut to the pub's shots
    assert decoded.start == T0 and decoded.stop == later and decoded.duration == 3.0


def test_a_span_subclass_travels_as_the_kind_it_derives_from() -> None:
    class Timed(spans.DoubleSliceSpan):
        pass

    span = Timed(T0, T0, {0: ((4,), slice(0, 1), slice(0, 4))})

    decoded = codec.decode(codec.encode(span))

    assert type(decoded) is spans.DoubleSliceSpan and decoded.mask(0).all()


def test_the_old_collection_name_still_decodes() -> None:
    text = codec.encode(spans.ExecutionSpans([])).replace(
        '"ExecutionSpans"', '"ExecutionSpanCollection"'
    )

    assert codec.decode(text) == spans.ExecutionSpans([])


@pytest.mark.parametrize(
    ("kind", "flat"),
    [
        ("DoubleSliceSpan", [[2, 4], 0, 2, 0]),  # a slice short
        ("ExecutionSpan", [[3], 0, 1, 2]),  # an item too many
        ("TwirledSliceSpanV2", "not a list"),
    ],
)
def test_a_malformed_span_part_is_a_codec_error_naming_the_layout(kind: str, flat: Any) -> None:
    start = {"__type__": "datetime", "__value__": T0.isoformat()}
    text = json.dumps(
        {
            "__type__": kind,
            "__value__": {"start": start, "stop": start, "data_slices": {"0": flat}},
        }
    )

    with pytest.raises(codec.CodecError, match="part is a list of"):
        codec.decode(text)


@pytest.mark.compat
def test_the_official_import_path_has_a_twin(official: Any) -> None:
    from qiskit_runtime_double import execution_span

    names = [name for name in vars(official.execution_span) if name[0].isupper()]

    assert sorted(names) == sorted(execution_span.__all__)
    assert all(getattr(execution_span, name) is getattr(spans, name) for name in names)
