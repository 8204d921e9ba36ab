"""The service's limits on job tags: the fake answers 400 with codes 1204 and 1205, and the client
turns such an answer (from any service) into an ``IBMInputValueError`` about the tags."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from qiskit_runtime_double import (
    FakeRuntime,
    IBMInputValueError,
    MockTransport,
    QiskitRuntimeService,
    VirtualClock,
)
from qiskit_runtime_double.fake.http.app import API_PREFIX
from qiskit_runtime_double.validation import check_tags
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse
from qiskit_runtime_double.wire.models import (
    MAX_JOB_TAGS,
    MAX_TAG_LENGTH,
    JobCreateRequest,
    JobTagsUpdate,
)

BASE = "http://runtime-double.invalid" + API_PREFIX
TOO_MANY = [f"t{i}" for i in range(MAX_JOB_TAGS + 1)]
TOO_LONG = ["ok", "x" * (MAX_TAG_LENGTH + 1)]
AT_THE_LIMIT = [str(i).rjust(MAX_TAG_LENGTH, "x") for i in range(MAX_JOB_TAGS)]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeRuntime]:
    yield FakeRuntime(seed=5)


def _send(fake: FakeRuntime, method: str, path: str, body: Any) -> HttpResponse:
    headers = Headers({"Content-Type": "application/json", "Service-CRN": fake.plan.instance})
    return fake.app(HttpRequest(method, BASE + path, headers, json.dumps(body).encode()))


def _code(response: HttpResponse) -> str:
    return str(response.json()["errors"][0]["code"])


def _submit(fake: FakeRuntime, tags: list[str]) -> HttpResponse:
    body = {"program_id": "sampler", "params": {"pubs": []}, "backend": "generic_5q"}
    return _send(fake, "POST", "/jobs", {**body, "tags": tags})


@pytest.mark.parametrize(
    ("tags", "code"),
    [(TOO_MANY, "1204"), ([f"{i}" for i in range(10_000)], "1204"), (TOO_LONG, "1205")],
    ids=["9 tags", "10,000 tags", "87 characters"],
)
def test_the_fake_refuses_a_job_over_the_tag_limits_with_the_real_code(
    fake: FakeRuntime, tags: list[str], code: str
) -> None:
    # The body is checked before its params: without the limits the answer would be 1002.
    response = _submit(fake, tags)
    assert response.status_code == 400 and _code(response) == code
    assert "tags" in response.json()["errors"][0]["message"]


def test_a_10_mib_tag_is_refused_with_a_short_message(fake: FakeRuntime) -> None:
    response = _submit(fake, ["x" * (10 * 1024 * 1024)])
    assert response.status_code == 400 and _code(response) == "1205"
    assert len(response.content) < 2000  # the answer does not echo the tag


def test_the_fake_refuses_a_tags_update_over_the_limits(fake: FakeRuntime) -> None:
    service = QiskitRuntimeService(fake=fake)
    (job_id,) = fake.add_background_jobs("generic_5q", 1, duration=5.0)
    for tags, code in ((TOO_MANY, "1204"), (TOO_LONG, "1205")):
        response = _send(fake, "PUT", f"/jobs/{job_id}/tags", {"tags": tags})
        assert response.status_code == 400 and _code(response) == code
    assert service.job(job_id).tags == []
    assert _send(fake, "PUT", f"/jobs/{job_id}/tags", {"tags": AT_THE_LIMIT}).status_code == 204
    assert service.job(job_id).tags == AT_THE_LIMIT


def test_the_wire_models_enforce_the_same_limits() -> None:
    JobTagsUpdate(tags=AT_THE_LIMIT)
    JobCreateRequest(program_id="sampler", params={}, tags=AT_THE_LIMIT)
    with pytest.raises(ValueError, match=f"at most {MAX_JOB_TAGS} tags"):
        JobTagsUpdate(tags=TOO_MANY)
    with pytest.raises(ValueError, match=f"at most {MAX_TAG_LENGTH} characters"):
        JobCreateRequest(program_id="sampler", params={}, tags=TOO_LONG)


# --- the client, whatever service answers ---------------------------------------------------------


def _refusing(code: str) -> QiskitRuntimeService:
    def handler(request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            return HttpResponse.from_json(
                200,
                {"id": "j1", "state": {"status": "Completed"}, "program": {"id": "sampler"}},
            )
        message = "tags exceed the maximum" if code == "1204" else "a tag is too long"
        return HttpResponse.from_json(
            400, {"errors": [{"code": code, "message": message}], "status_code": 400}
        )

    return QiskitRuntimeService(
        transport=MockTransport(handler, clock=VirtualClock()), instance="crn:x"
    )


@pytest.mark.parametrize("code", ["1204", "1205"])
def test_a_tag_refusal_by_the_service_is_an_input_error_about_the_tags(code: str) -> None:
    # A live service may count differently from this client: its refusal reads the same.
    service = _refusing(code)
    with pytest.raises(IBMInputValueError, match=rf"tags.*{code}"):
        service.run("sampler", {}, {"job_tags": ["a"]}, backend_name="generic_5q")
    job = service.job("j1")
    with pytest.raises(IBMInputValueError, match=rf"tags.*{code}"):
        job.update_tags(["a"])


# --- the client and the fake agree ----------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(min_size=1, max_size=MAX_TAG_LENGTH + 3),
        max_size=MAX_JOB_TAGS + 2,
    )
)
def test_the_client_refuses_exactly_the_tags_the_fake_refuses(tags: list[str]) -> None:
    try:
        check_tags("job_tags", tags)
        client_accepts = True
    except IBMInputValueError:
        client_accepts = False
    try:
        JobTagsUpdate(tags=tags)
        fake_accepts = True
    except ValidationError:
        fake_accepts = False
    assert client_accepts == fake_accepts
    assert client_accepts == (
        len(tags) <= MAX_JOB_TAGS and all(len(t) <= MAX_TAG_LENGTH for t in tags)
    )
