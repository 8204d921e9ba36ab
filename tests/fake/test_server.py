"""``FakeServer``: the fake over real loopback HTTP (our h11 server), and the CLI's serve."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from qiskit import QuantumCircuit

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.platform import APIKEY_GRANT
from qiskit_runtime_double.fake.http.server import FakeServer, is_loopback
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse
from qiskit_runtime_double.wire.vocabulary import API_VERSION

from ..helpers import cli_serve

#: Fake API keys, kept out of literals that look like credentials to secret scanners.
TEST_KEY, SECRET_KEY, SHORT_KEY, WRONG_KEY = "test-key", "secret-key-123", "k", "wrong-key-456"


BACKEND = "ibmq_qasm_simulator"
TIMEOUT = 30


@pytest.fixture(scope="module")
def fake() -> FakeRuntime:
    return FakeRuntime([BACKEND], seed=5)


@pytest.fixture(scope="module")
def server(fake: FakeRuntime) -> Iterator[FakeServer]:
    with fake.serve() as running:
        yield running


@pytest.fixture(scope="module")
def token(server: FakeServer) -> str:
    form = {"grant_type": APIKEY_GRANT, "apikey": TEST_KEY}
    response = requests.post(server.iam_url + "/identity/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    access: str = response.json()["access_token"]
    return access


def call(server: FakeServer, method: str, path: str, token: str | None, **kw: Any) -> Any:
    headers = dict(kw.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, server.url + path, headers=headers, timeout=TIMEOUT, **kw)


def job_body(shots: int = 10) -> dict[str, Any]:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    params = {"pubs": [[circuit, None, shots]], "options": {}, "version": 2}
    return {"program_id": "sampler", "backend": BACKEND, "params": codec.to_jsonable(params)}


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status_code"] == status
    assert body["errors"][0]["message"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body


# --- life cycle -----------------------------------------------------------------------------------


def test_serve_answers_on_loopback_and_stop_closes_the_port() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    server = fake.serve(require_auth=False)
    url = server.url
    try:
        assert server.running
        assert url.startswith("http://127.0.0.1:") and server.port > 0
        assert server.runtime_url == url + "/api/v1"
        assert server.catalog_url == url + "/catalog"
        assert server.iam_url == server.search_url == url
        assert server.instance == fake.plan.instance
        response = requests.get(
            server.runtime_url + "/backends",
            headers={"IBM-API-Version": API_VERSION},  # the current shape: objects
            timeout=TIMEOUT,
        )
        assert response.json()["devices"][0]["name"] == BACKEND
        assert fake.pacer.pace == "poll"
    finally:
        server.stop()

    assert not server.running
    assert fake.pacer.pace == "off" and fake.platform.require_auth is False
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/v1/backends", timeout=2)
    server.stop()  # a second stop is harmless


def test_a_stopped_server_starts_again_and_context_manager_stops_it() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    server = FakeServer(fake, require_auth=False)
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    for _ in range(2):
        with server:
            assert requests.get(server.runtime_url + "/backends", timeout=TIMEOUT).ok
        assert not server.running


def test_a_busy_port_is_refused_with_advice(fake: FakeRuntime, server: FakeServer) -> None:
    with pytest.raises(OSError, match="Pick another port, or port=0"):
        fake.serve(port=server.port)
    assert fake.pacer.pace == "poll" and fake.platform.require_auth  # the running one's settings


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com", "::"])
def test_non_loopback_hosts_are_refused_unless_allowed(host: str) -> None:
    fake = FakeRuntime([BACKEND], seed=1)

    with pytest.raises(ValueError, match=r"not a loopback address.*allow_remote=True"):
        fake.serve(host=host)
    FakeServer(fake, host=host, allow_remote=True)  # constructed, never started here


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


# --- auth -----------------------------------------------------------------------------------------


def test_runtime_calls_need_a_token_from_the_iam_endpoint(server: FakeServer, token: str) -> None:
    missing = assert_error_shape(call(server, "GET", "/api/v1/backends", None), 401)
    assert "Authorization: Bearer" in missing["errors"][0]["message"]
    assert_error_shape(call(server, "GET", "/api/v1/backends", "not.a.token"), 401)
    forged = token.rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    assert_error_shape(call(server, "GET", "/api/v1/backends", forged), 401)

    assert call(server, "GET", "/api/v1/backends", token).status_code == 200
    by_key = call(server, "GET", "/api/v1/backends", None, headers={"Authorization": "apikey k"})
    assert by_key.status_code == 200


def test_the_iam_token_is_a_jwt_with_wall_clock_iat_and_exp(server: FakeServer) -> None:
    import time

    form = {"grant_type": APIKEY_GRANT, "apikey": SECRET_KEY}
    before = int(time.time())  # iat is whole seconds
    body = requests.post(server.iam_url + "/identity/token", data=form, timeout=TIMEOUT).json()
    after = time.time()

    header, payload, _signature = body["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert json.loads(base64.urlsafe_b64decode(header + "=="))["alg"] == "HS256"
    assert before <= claims["iat"] <= after
    assert claims["exp"] - claims["iat"] == 3600 == body["expires_in"]
    assert body["expiration"] == claims["exp"] and body["token_type"] == "Bearer"
    assert "secret-key-123" not in json.dumps(body) + json.dumps(claims)


class SettableClock:
    def __init__(self) -> None:
        self.at = datetime.datetime.now(datetime.timezone.utc)

    def now(self) -> datetime.datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.at += datetime.timedelta(seconds=seconds)


def test_expired_and_revoked_tokens_are_refused() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    fake.platform.wall_clock = wall = SettableClock()
    fake.platform.token_lifetime = 60
    with fake.serve() as server:
        form = {"grant_type": APIKEY_GRANT, "apikey": SHORT_KEY}

        def fresh() -> str:
            response = requests.post(server.iam_url + "/identity/token", data=form, timeout=TIMEOUT)
            access: str = response.json()["access_token"]
            return access

        access = fresh()
        assert call(server, "GET", "/api/v1/backends", access).status_code == 200
        wall.sleep(61)
        body = assert_error_shape(call(server, "GET", "/api/v1/backends", access), 401)
        assert "expired or was revoked" in body["errors"][0]["message"]

        access = fresh()
        fake.platform.revoke_tokens()
        assert_error_shape(call(server, "GET", "/api/v1/backends", access), 401)
        assert call(server, "GET", "/api/v1/backends", fresh()).status_code == 200


def test_a_wrong_api_key_gets_iam_error_shape_without_echoing_it() -> None:
    fake = FakeRuntime([BACKEND], seed=1, api_keys={"right-key"})
    with fake.serve() as server:
        form = {"grant_type": APIKEY_GRANT, "apikey": WRONG_KEY}
        response = requests.post(server.iam_url + "/identity/token", data=form, timeout=TIMEOUT)
        assert response.status_code == 400
        assert response.json()["errorCode"] == "BXNIM0415E"
        assert "wrong-key-456" not in response.text
        refused = call(
            server, "GET", "/api/v1/backends", None, headers={"Authorization": "apikey x"}
        )
        assert_error_shape(refused, 401)
        assert "wrong-key-456" not in repr(server.requests) + repr(fake.platform)


def test_global_search_and_catalog_describe_the_instance(server: FakeServer, token: str) -> None:
    search = call(
        server,
        "POST",
        "/v3/resources/search?limit=100",
        token,
        json={"query": "service_name:quantum-computing", "fields": ["crn"]},
    )
    (item,) = search.json()["items"]
    assert item["crn"] == server.instance and item["doc"]["extensions"]

    entry = call(server, "GET", f"/catalog/{item['service_plan_unique_id']}", token).json()
    assert entry["overview_ui"]["en"]["display_name"] == "Premium"
    assert entry["metadata"]["pricing"]["type"] == "paid"
    assert_error_shape(call(server, "GET", "/catalog/unknown-plan", token), 404)
    assert_error_shape(call(server, "POST", "/v3/resources/search", None, json={}), 401)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"program_id": 5, "params": []}).encode(), "program_id"),
        (json.dumps({**job_body(), "surprise": True}).encode(), "surprise"),
        (json.dumps([1, 2]).encode(), "Invalid request body"),
    ],
    ids=["bad-json", "wrong-types", "unknown-field", "not-an-object"],
)
def test_malformed_bodies_get_a_400_and_the_server_keeps_serving(
    server: FakeServer, token: str, content: bytes, expected: str
) -> None:
    headers = {"Content-Type": "application/json"}
    response = call(server, "POST", "/api/v1/jobs", token, data=content, headers=headers)

    body = assert_error_shape(response, 400)
    assert expected in body["errors"][0]["message"]
    assert call(server, "GET", "/api/v1/backends", token).status_code == 200


def test_a_body_over_64_mib_gets_413_and_the_server_keeps_serving(
    server: FakeServer, token: str
) -> None:
    huge = b"x" * (64 * 1024 * 1024 + 1)

    response = call(server, "POST", "/api/v1/jobs", token, data=huge)

    assert_error_shape(response, 413)
    assert server.requests[-1].status == 413
    assert call(server, "GET", "/api/v1/backends", token).status_code == 200


def test_a_chunked_body_is_read(server: FakeServer, token: str) -> None:
    data = json.dumps(job_body()).encode()
    chunks = iter([data[:100], data[100:]])

    response = call(server, "POST", "/api/v1/jobs", token, data=chunks)

    assert response.status_code == 200, response.text


def test_an_internal_error_is_a_500_without_traceback(fake: FakeRuntime) -> None:
    def broken(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("kaboom in /secret/path.py")

    with FakeServer(fake, app=broken, require_auth=False) as server:
        response = requests.get(server.runtime_url + "/backends", timeout=TIMEOUT)
        body = assert_error_shape(response, 500)
        assert "RuntimeError" in body["errors"][0]["message"]
        assert "kaboom" not in response.text
        assert requests.get(server.url + "/anything", timeout=TIMEOUT).status_code == 500


def test_a_failing_state_operation_is_a_500_without_traceback() -> None:
    def broken_model(workload: Any, simulator: bool) -> float:
        raise ZeroDivisionError("duration")

    fake = FakeRuntime([BACKEND], seed=1, duration_model=broken_model)
    with fake.serve(require_auth=False) as server:
        response = call(server, "POST", "/api/v1/jobs", None, json=job_body())
        assert_error_shape(response, 500)
        assert requests.get(server.runtime_url + "/backends", timeout=TIMEOUT).ok


# --- concurrency and time -------------------------------------------------------------------------


def test_concurrent_requests_from_threads(
    fake: FakeRuntime, server: FakeServer, token: str
) -> None:
    fake.reset()

    def work(i: int) -> list[int]:
        codes = [call(server, "GET", f"/api/v1/backends/{BACKEND}/status", token).status_code]
        job = call(server, "POST", "/api/v1/jobs", token, json=job_body(shots=5 + i)).json()
        for _ in range(100):  # each poll moves time one event: maybe another thread's job's
            polled = call(server, "GET", f"/api/v1/jobs/{job['id']}", token)
            if polled.status_code != 200 or polled.json()["status"] == "Completed":
                break
        codes.append(polled.status_code)
        codes.append(call(server, "GET", f"/api/v1/jobs/{job['id']}/results", token).status_code)
        return codes

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(12)))

    assert all(code == 200 for codes in results for code in codes), results
    listing = call(server, "GET", "/api/v1/jobs?limit=100", token).json()
    assert listing["count"] == 12
    assert {job["status"] for job in listing["jobs"]} == {"Completed"}


def test_the_request_log_records_paths_not_credentials(server: FakeServer, token: str) -> None:
    server.clear_log()
    call(server, "GET", "/api/v1/jobs?limit=3&pending=true", token)

    (entry,) = server.requests
    assert (entry.method, entry.path, entry.status) == ("GET", "/api/v1/jobs", 200)
    assert entry.query == {"limit": ["3"], "pending": ["true"]}
    assert token not in repr(server.requests)


# --- the command line -----------------------------------------------------------------------------


def test_cli_serve_prints_the_urls_and_control_token_and_stops_on_ctrl_c() -> None:
    with cli_serve("--backends", BACKEND, "--seed", "3") as run:
        text = run.banner
        runtime_url = text.split("runtime API", 1)[1].split()[0]
        assert "IAM_URL=" in text and "url_resolver=" in text and "runtime_url=" in text
        assert requests.get(runtime_url + "/backends", timeout=TIMEOUT).status_code == 401
        control_url = runtime_url.removesuffix("/api/v1") + "/_double/clock"
        assert requests.get(control_url, timeout=TIMEOUT).status_code == 401
        control_token = text.split("Control API token:", 1)[1].split()[0]
        headers = {"X-Runtime-Double-Control": control_token}
        assert requests.get(control_url, headers=headers, timeout=TIMEOUT).status_code == 200
    assert run.returncode == 0
    assert "stopped" in run.output
