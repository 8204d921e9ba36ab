"""The one error-body type: whatever an error answer's bytes, the client reads a status, the
errors it states and its trace, and never raises while reading."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiskit_runtime_double.wire.error_body import MAX_TEXT, ErrorBody, ErrorItem

STATUSES = st.integers(min_value=100, max_value=599)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
#: JSON objects shaped like error bodies, with every field of the wrong type at times.
ERROR_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "errors": st.lists(
            st.fixed_dictionaries(
                {}, optional={"code": JSON_VALUES, "message": JSON_VALUES, "more_info": JSON_VALUES}
            )
            | JSON_VALUES,
            max_size=3,
        )
        | JSON_VALUES,
        "error": st.fixed_dictionaries({}, optional={"code": JSON_VALUES, "message": JSON_VALUES})
        | JSON_VALUES,
        "errorCode": JSON_VALUES,
        "errorMessage": JSON_VALUES,
        "message": JSON_VALUES,
        "code": JSON_VALUES,
        "trace": JSON_VALUES,
        "status_code": JSON_VALUES,
    },
)


def _well_formed(body: ErrorBody, status: int) -> None:
    assert body.status_code == status
    assert isinstance(body.message, str) and body.message
    assert isinstance(body.detail, str) and body.message in body.detail
    assert body.code is None or (isinstance(body.code, str) and body.code)
    assert body.trace is None or isinstance(body.trace, str)
    for item in body.errors:
        assert isinstance(item.message, str)
        assert item.code is None or isinstance(item.code, str)
        assert item.more_info is None or isinstance(item.more_info, str)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), STATUSES)
def test_any_bytes_read_as_an_error_body_without_raising(content: bytes, status: int) -> None:
    _well_formed(ErrorBody.read(status, content), status)


@settings(max_examples=150, deadline=None)
@given(ERROR_LIKE | JSON_VALUES, STATUSES)
def test_any_json_document_reads_as_an_error_body(value: Any, status: int) -> None:
    _well_formed(ErrorBody.read(status, json.dumps(value).encode()), status)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=40), st.none() | st.text()),
        min_size=1,
        max_size=3,
    ),
    st.none() | st.text(max_size=20),
    STATUSES,
)
def test_what_the_fake_writes_the_client_reads_back(
    items: list[tuple[str, str, str | None]], trace: str | None, status: int
) -> None:
    written = ErrorBody(
        errors=[ErrorItem(code=c, message=m, more_info=i) for c, m, i in items],
        trace=trace,
        status_code=status,
    )
    content = json.dumps(written.model_dump(mode="json", exclude_none=True)).encode()

    read = ErrorBody.read(status, content)

    assert read.errors == written.errors
    assert read.trace == trace
    assert read.code == items[0][0]


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b'{"errors":[{"code":"1352","message":"closed"}],"status_code":409}', "1352", "closed"),
        (b'{"errors":[{"code":1204,"message":"too many tags"}]}', "1204", "too many tags"),
        (b'{"errorCode":"BXNIM0415E","errorMessage":"API key not found"}', "BXNIM0415E", None),
        (b'{"error":{"code":"E1","message":"gateway says no"}}', "E1", "gateway says no"),
        (b'{"error":"plain words"}', None, "plain words"),
        (b'{"message":"only a message"}', None, "only a message"),
        (b'{"errors":["first as text"]}', None, "first as text"),
        (b"<html><body>502 Bad Gateway</body></html>", None, None),
        (b"upstream connect error", None, "upstream connect error"),
        (b"\xff\xfe not utf-8", None, None),
    ],
)
def test_the_shapes_services_and_gateways_answer_with(
    content: bytes, code: str | None, message: str | None
) -> None:
    body = ErrorBody.read(502, content)

    assert body.code == code
    if message is not None:
        assert body.message == message
    else:
        assert body.message  # something readable, from the text when nothing else
    assert body.detail == (f"{body.message} (code {code})" if code else body.message)


def test_an_empty_body_says_so_and_states_no_error() -> None:
    for content in (b"", b"  \n"):
        body = ErrorBody.read(504, content)
        assert body.errors == []
        assert (body.message, body.code, body.detail) == ("(empty body)", None, "(empty body)")


def test_a_long_page_becomes_a_bounded_message_and_the_trace_is_kept() -> None:
    page = ErrorBody.read(503, b"<p>" + b"x" * 100_000)
    assert len(page.message) == MAX_TEXT

    traced = ErrorBody.read(400, b'{"errors":[{"code":"1002","message":"bad"}],"trace":"t-1"}')
    assert traced.trace == "t-1"


def test_json_nested_beyond_the_parser_reads_as_text() -> None:
    body = ErrorBody.read(500, b"[" * 200_000)
    assert body.message.startswith("[[[") and body.code is None
