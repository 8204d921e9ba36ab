"""``IBM-API-Version``: the shapes of the version asked for, the 2023 shapes without one.

The 2023 client (``qiskit-ibm-runtime`` 0.11 to 0.15) sends no version and reads ``GET /backends``
as names; today's clients send a date and read objects (``wire/versions.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse
from qiskit_runtime_double.wire.versions import (
    CURRENT,
    SEED_ERA,
    VERSION_HEADER,
    VersionError,
    api_version,
    markdown_table,
)
from qiskit_runtime_double.wire.vocabulary import API_VERSION

BASE = "http://fake.invalid"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "running-2023-code.md"


@pytest.fixture(scope="module")
def fake() -> FakeRuntime:
    return FakeRuntime(["generic_5q", "ibmq_qasm_simulator"], seed=4)


def get(fake: FakeRuntime, path: str, version: str | None) -> HttpResponse:
    headers = {} if version is None else {VERSION_HEADER: version}
    return fake.app(HttpRequest("GET", BASE + "/api/v1" + path, Headers(headers)))


def test_without_a_version_the_backends_are_listed_by_name(fake: FakeRuntime) -> None:
    answer = get(fake, "/backends", None)
    assert answer.status_code == 200
    assert answer.json() == {"devices": ["generic_5q", "ibmq_qasm_simulator"]}


@pytest.mark.parametrize("version", [API_VERSION, "2025-05-01", "2024-01-01"])
def test_with_a_version_the_backends_are_objects(fake: FakeRuntime, version: str) -> None:
    devices = get(fake, "/backends", version).json()["devices"]
    assert [device["name"] for device in devices] == ["generic_5q", "ibmq_qasm_simulator"]
    assert devices[0]["qubits"] == 5 and devices[1]["is_simulator"] is True


@pytest.mark.parametrize(
    "path", ["/backends", "/backends/generic_5q/configuration", "/jobs", "/jobs/nope"]
)
@pytest.mark.parametrize("version", ["2026", "latest", "2026-13-01", "2026-04-15T00:00:00Z"])
def test_a_version_that_is_not_a_date_is_refused_on_every_route(
    fake: FakeRuntime, path: str, version: str
) -> None:
    answer = get(fake, path, version)
    assert answer.status_code == 400
    message = answer.json()["errors"][0]["message"]
    assert f"{VERSION_HEADER} header {version!r} is not a date" in message
    assert "YYYY-MM-DD" in message and "no header for the 2023 API" in message


def test_the_other_routes_answer_alike_with_and_without_a_version(fake: FakeRuntime) -> None:
    """Only the answers listed in the docs' table differ: a configuration is a configuration."""
    for path in ("/backends/generic_5q/configuration", "/backends/generic_5q/status", "/jobs"):
        assert get(fake, path, None).json() == get(fake, path, API_VERSION).json()


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=30), st.dates().map(dt.date.isoformat)))
def test_fuzz_a_version_is_a_date_or_a_clear_refusal(header: str) -> None:
    try:
        version = api_version(header)
    except VersionError as exc:
        assert "YYYY-MM-DD" in str(exc)
        assert header.strip()
        assert not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", header.strip()) or not _is_date(
            header
        )
        return
    if header.strip():
        assert version == CURRENT and _is_date(header)
    else:
        assert version == SEED_ERA


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def test_a_long_bad_version_is_cut_short_in_the_message() -> None:
    with pytest.raises(VersionError) as caught:
        api_version("x" * 10_000)
    assert len(str(caught.value)) < 300


def test_the_docs_show_the_table_the_fake_applies() -> None:
    assert markdown_table() in DOCS.read_text(encoding="utf-8")
