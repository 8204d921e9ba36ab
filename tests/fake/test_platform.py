"""IAM, Global Search and the Catalog, the auth gate and the pacer, called in process."""

from __future__ import annotations

import datetime as _dt
import time
from typing import Any

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.clock import SystemClock
from qiskit_runtime_double.fake import FakeRuntime, Plan
from qiskit_runtime_double.fake.http.platform import APIKEY_GRANT
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

#: Fake API keys, kept out of literals that look like credentials to secret scanners.
KEY_K = b"k"
GOOD_KEY = "good"


BACKEND = "ibmq_qasm_simulator"
BASE = "http://fake.invalid"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def send(
    fake: FakeRuntime,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    return fake.app(HttpRequest(method, BASE + path, Headers(headers or {}), body))


def token_of(fake: FakeRuntime, key: str = "k") -> str:
    body = f"grant_type={APIKEY_GRANT}&apikey={key}".encode()
    access: str = send(fake, "POST", "/identity/token", body, FORM).json()["access_token"]
    return access


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime([BACKEND], seed=2)


# --- IAM ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "code", "says"),
    [
        (b"grant_type=x&apikey=" + KEY_K, FORM, "unsupported_grant_type", "Expected grant_type="),
        (f"grant_type={APIKEY_GRANT}".encode(), FORM, "invalid_request", "no apikey"),
        (
            b'{"apikey": ' + b'"k"}',
            {"Content-Type": "application/json"},
            "invalid_request",
            "form body",
        ),
        (b"\xff\xfe", FORM, "invalid_request", "UTF-8"),
    ],
    ids=["grant", "no-key", "json", "not-utf8"],
)
def test_iam_refuses_malformed_requests_in_its_own_shape(
    fake: FakeRuntime, body: bytes, headers: dict[str, str], code: str, says: str
) -> None:
    response = send(fake, "POST", "/identity/token", body, headers)

    assert response.status_code == 400
    error = response.json()
    assert error["errorCode"] == code and says in error["errorMessage"]
    assert error["context"]["requestId"]


def test_iam_answers_405_and_unknown_platform_paths_404(fake: FakeRuntime) -> None:
    refused = send(fake, "GET", "/identity/token")
    assert refused.status_code == 405 and refused.headers["Allow"] == "POST"
    assert send(fake, "GET", "/identity/keys").status_code == 404
    assert send(fake, "GET", "/v3/resources/other").status_code == 404


def test_token_lifetime_is_configurable_and_accepted_keys_checked() -> None:
    fake = FakeRuntime([BACKEND], seed=2, api_keys=["good"])
    fake.platform.token_lifetime = 120
    body = f"grant_type={APIKEY_GRANT}&apikey={GOOD_KEY}".encode()

    issued = send(fake, "POST", "/identity/token", body, FORM).json()

    assert issued["expires_in"] == 120 and issued["refresh_token"] == "not_supported"
    assert fake.platform.accepts_key("good") and not fake.platform.accepts_key("bad")
    assert not fake.platform.accepts_key("")
    assert "good" not in repr(fake.platform)
    with pytest.raises(ValueError, match="token_lifetime"):
        type(fake.platform)(Plan(), token_lifetime=0)


def test_tokens_of_another_fake_are_not_valid(fake: FakeRuntime) -> None:
    other = FakeRuntime([BACKEND], seed=2)

    assert fake.platform.token_valid(token_of(fake))
    assert not fake.platform.token_valid(token_of(other))
    assert not fake.platform.token_valid("a.b")
    assert not fake.platform.token_valid("!!.??.**")


# --- Global Search and Catalog --------------------------------------------------------------------


def search(fake: FakeRuntime, body: bytes) -> Any:
    return send(fake, "POST", "/v3/resources/search?limit=100", body)


def test_search_lists_the_instance_once(fake: FakeRuntime) -> None:
    query = b'{"query": "service_name:quantum-computing"}'

    answer = search(fake, query).json()
    assert [item["crn"] for item in answer["items"]] == [fake.plan.instance]
    assert "search_cursor" not in answer  # one page: the official client stops paging
    assert search(fake, b'{"query": "service_name:cloud-object-storage"}').json()["items"] == []
    fake.platform.listed = False
    assert search(fake, query).json()["items"] == []


def test_search_refuses_a_cursor_it_did_not_issue(fake: FakeRuntime) -> None:
    response = search(fake, b'{"query": "x", "search_cursor": "c"}')

    assert response.status_code == 400
    assert "search_cursor" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("body", [b"{bad", b"[1]"])
def test_search_refuses_bodies_that_are_not_json_objects(fake: FakeRuntime, body: bytes) -> None:
    response = search(fake, body)

    assert response.status_code == 400 and response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("plan", "pricing"), [("open", "free"), ("pay-as-you-go", "paid")])
def test_catalog_reports_the_plan_name_and_pricing(plan: str, pricing: str) -> None:
    fake = FakeRuntime([BACKEND], seed=2, plan=Plan(name=plan))

    entry = send(fake, "GET", f"/catalog/{fake.platform.plan_id}").json()

    assert entry["overview_ui"]["en"]["display_name"].lower() == plan
    assert entry["metadata"]["pricing"]["type"] == pricing


# --- the auth gate --------------------------------------------------------------------------------


def test_in_process_use_needs_no_token_by_default(fake: FakeRuntime) -> None:
    assert send(fake, "GET", "/api/v1/backends").status_code == 200


def test_require_auth_guards_the_runtime_api_but_not_the_control_api() -> None:
    fake = FakeRuntime([BACKEND], seed=2, require_auth=True)

    assert send(fake, "GET", "/api/v1/backends").status_code == 401
    assert (
        send(fake, "GET", "/api/v1/backends", headers={"Authorization": "Basic x"}).status_code
        == 401
    )
    bearer = {"Authorization": f"Bearer {token_of(fake)}"}
    assert send(fake, "GET", "/api/v1/backends", headers=bearer).status_code == 200
    assert send(fake, "GET", "/_double/clock").status_code == 200


# --- the pacer ------------------------------------------------------------------------------------


def submit(fake: FakeRuntime) -> str:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    params = codec.to_jsonable({"pubs": [[circuit, None, 10]], "version": 2})
    body = codec.encode({"program_id": "sampler", "backend": BACKEND, "params": params})
    job_id: str = send(fake, "POST", "/api/v1/jobs", body.encode()).json()["id"]
    return job_id


def status(fake: FakeRuntime, job_id: str) -> str:
    found: str = send(fake, "GET", f"/api/v1/jobs/{job_id}").json()["status"]
    return found


def test_in_process_and_manual_pace_never_move_time(fake: FakeRuntime) -> None:
    job_id = submit(fake)
    before = fake.now()

    assert status(fake, job_id) == "Running"
    fake.pacer.set_pace("manual")
    assert status(fake, job_id) == "Running"
    assert fake.now() == before


def test_real_pace_follows_real_time_times_speed(fake: FakeRuntime) -> None:
    fake.pacer.set_pace("real", speed=1000)
    fake.set_next_job_duration(15)
    job_id = submit(fake)
    before = fake.now()
    # The one test on the pacer's default source, time.monotonic (the others move it by hand): a
    # sleep lasts at least its time on that clock, so this is a lower bound no load can break.
    time.sleep(0.02)

    # 20 ms of real time: the clock moves 20 ms, the simulation 20 s (the 15 s job ended).
    assert status(fake, job_id) == "Completed"
    assert fake.now() - before >= _dt.timedelta(seconds=0.02)


def test_pace_arguments_are_checked(fake: FakeRuntime) -> None:
    with pytest.raises(ValueError, match="pace: Input should be"):
        fake.pacer.set_pace("fast")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive number"):
        fake.pacer.set_pace("real", speed=0)
    ticking = FakeRuntime([BACKEND], seed=2, clock=SystemClock())
    with pytest.raises(ValueError, match="cannot run slower"):
        ticking.pacer.set_pace("real", speed=0.5)
    ticking.pacer.set_pace("real", speed=2)
