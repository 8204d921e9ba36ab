"""Bounded decoding of encoded payloads (issue 17, point 2): a zip bomb is refused after
inflating at most one step past the limits, with a message naming the limit."""

from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.inflate import (
    JOB_INPUT_LIMITS,
    STEP,
    DecodeBudget,
    PayloadLimits,
    PayloadTooLarge,
    b64decode_bounded,
    inflate,
)

MIB = 2**20


def zeros(size: int) -> bytes:
    return zlib.compress(bytes(size), 9)


def test_inflate_gives_what_fits_within_the_limits() -> None:
    data = bytes(range(256)) * 100
    assert inflate(zlib.compress(data), PayloadLimits(max_bytes=len(data))) == data


def test_inflate_refuses_output_past_the_size_limit_naming_it() -> None:
    with pytest.raises(PayloadTooLarge, match="past 2 MiB"):
        inflate(zeros(3 * MIB), PayloadLimits(max_bytes=2 * MIB))


def test_inflate_refuses_a_ratio_past_the_limit_once_past_the_free_bytes() -> None:
    limits = PayloadLimits(max_bytes=64 * MIB, max_ratio=250, ratio_free_bytes=MIB)
    assert len(inflate(zeros(MIB), limits)) == MIB  # small payloads expand freely
    with pytest.raises(PayloadTooLarge, match="more than 250 times its size"):
        inflate(zeros(4 * MIB), limits)


def test_a_budget_bounds_all_the_payloads_of_one_document_together() -> None:
    limits = PayloadLimits(max_bytes=2 * MIB, max_total_bytes=3 * MIB)
    budget = DecodeBudget(limits)
    inflate(zeros(2 * MIB), limits, budget=budget)
    with pytest.raises(PayloadTooLarge, match="3 MiB together"):
        inflate(zeros(2 * MIB), limits, budget=budget)


def test_base64_past_the_size_limit_is_refused_before_it_is_decoded() -> None:
    text = base64.standard_b64encode(bytes(3 * MIB)).decode()
    with pytest.raises(PayloadTooLarge, match="more than the 2 MiB"):
        b64decode_bounded(text, PayloadLimits(max_bytes=2 * MIB))


def test_a_truncated_stream_is_an_error_unless_asked_for_what_it_holds() -> None:
    data = np.random.default_rng(0).bytes(50_000)
    cut = zlib.compress(data)[:-10]
    with pytest.raises(zlib.error):
        inflate(cut, PayloadLimits(max_bytes=MIB))
    held = inflate(cut, PayloadLimits(max_bytes=MIB), truncated_ok=True)
    assert held and data.startswith(held)


def test_the_codec_refuses_an_array_bomb_in_a_jobs_params_naming_the_limit() -> None:
    blob = {"__type__": "ndarray", "__value__": codec.to_jsonable(np.zeros(2 * STEP))["__value__"]}
    assert codec.from_jsonable(blob).shape == (2 * STEP,)  # results: no ratio limit
    bomb = np.zeros((JOB_INPUT_LIMITS.ratio_free_bytes // 8 + STEP,))
    with pytest.raises(codec.CodecError, match="250 times its size"):
        codec.from_jsonable(codec.to_jsonable(bomb), limits=JOB_INPUT_LIMITS)
