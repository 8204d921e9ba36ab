"""The bounded JSON parser every request body of the fake goes through."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiskit_runtime_double.wire.jsonbody import MAX_DEPTH, JsonBodyError, parse_json_body

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def nested(depth: int, kind: str = "array") -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_any_json_document_parses_as_the_json_module_reads_it(value: Any, ascii_only: bool) -> None:
    content = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert parse_json_body(content) == json.loads(content)


@pytest.mark.parametrize("kind", ["array", "object"])
def test_nesting_up_to_the_documented_limit_parses(kind: str) -> None:
    value = parse_json_body(nested(MAX_DEPTH, kind))
    depth = 0
    while value:
        value = value[0] if kind == "array" else value["a"]
        depth += 1
    assert depth == MAX_DEPTH - 1  # the innermost container is empty


@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 150, 1_000, 100_000])
def test_deeper_nesting_is_refused_naming_the_limit(kind: str, depth: int) -> None:
    with pytest.raises(JsonBodyError, match=rf"more than {MAX_DEPTH} levels deep"):
        parse_json_body(nested(depth, kind))


def test_an_unclosed_deep_document_is_refused_as_too_deep() -> None:
    with pytest.raises(JsonBodyError, match="levels deep"):
        parse_json_body(b"[" * 100_000)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"NaN", "not finite"),
        (b'{"x": Infinity}', "not finite"),
        (b"[-Infinity]", "not finite"),
        (b'{"precision": 1e400}', "not finite"),
        (b"[1, -1e999]", "not finite"),
        (b"1" * 5_000, "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'"\\ud800"', "not valid JSON"),
        (b"   ", "not valid JSON"),
        (b"[1, 2", "not valid JSON"),
    ],
)
def test_what_is_not_strict_finite_json_is_refused_with_the_reason(
    content: bytes, expected: str
) -> None:
    with pytest.raises(JsonBodyError, match=expected) as info:
        parse_json_body(content)
    assert isinstance(info.value, ValueError)
    assert len(info.value.message) < 400


def test_an_empty_body_is_the_given_default_and_big_values_within_limits_parse() -> None:
    assert parse_json_body(b"") is None
    assert parse_json_body(b"", empty={}) == {}
    assert parse_json_body(b"9" * 4_000) == int("9" * 4_000)
    assert parse_json_body(b"1.7e308") == 1.7e308
    assert parse_json_body(b'"\\ud83d\\ude00"') == "\U0001f600"
    text = "x" * 1_000_000
    assert parse_json_body(json.dumps({"s": text}).encode()) == {"s": text}
    assert math.isclose(parse_json_body(b"-0.1"), -0.1)
