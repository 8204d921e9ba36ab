"""``IBM-API-Version``: the shapes of the version asked for, the 2023 shapes without one.

The 2023 client (``qiskit-ibm-runtime`` 0.11 to 0.15) sends no version and reads ``GET /backends``
as names; today's clients send a date and read objects (``wire/versions.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse
from qiskit_runtime_double.wire.versions import (
    CURRENT,
    SEED_ERA,
    VERSION_HEADER,
    VersionError,
    api_version,
    markdown_table,
    session_body,
)
from qiskit_runtime_double.wire.vocabulary import API_VERSION

from ..helpers import bell

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


def test_without_a_version_a_session_has_only_the_2023_states(fake: FakeRuntime) -> None:
    """A session between two jobs is ``pending_inactive`` today; in 2023 it was ``active``."""
    body = {
        "program_id": "sampler",
        "backend": "ibmq_qasm_simulator",
        "start_session": True,
        "session_time": 600,
        "params": codec.to_jsonable({"circuits": [bell()], "run_options": {"shots": 10}}),
    }
    fake.set_next_job_duration(5)
    job = fake.app(
        HttpRequest(
            "POST",
            BASE + "/api/v1/jobs",
            Headers({"Content-Type": "application/json"}),
            json.dumps(body).encode(),
        )
    ).json()
    fake.clock.shift(6)  # the job is done; the interactive window runs
    assert fake.state.session(job["id"]).state == "pending_inactive"
    assert get(fake, f"/sessions/{job['id']}", API_VERSION).json()["state"] == "pending_inactive"
    seed_era = get(fake, f"/sessions/{job['id']}", None).json()
    assert seed_era["state"] == "active" and seed_era["accepting_jobs"] is True


@pytest.mark.parametrize(
    ("state", "seed_era"),
    [
        ("open", "open"),
        ("active", "active"),
        ("pending_inactive", "active"),
        ("inactive", "inactive"),
        ("pending_closed", "active"),
        ("closed", "closed"),
    ],
)
def test_each_session_state_has_its_2023_name(state: str, seed_era: str) -> None:
    body = {"id": "s", "state": state, "accepting_jobs": state != "pending_closed"}
    assert session_body(SEED_ERA, body) == {**body, "state": seed_era}
    assert session_body(CURRENT, body) == body


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
