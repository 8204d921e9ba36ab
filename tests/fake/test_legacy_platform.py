"""The 2023 endpoints of ``fake/http/legacy_platform.py``: IBM Quantum's login and user API, and the
``/experimental`` runtime URL of the 2023 ``ibm_cloud`` channel; in process and served.

The 2023 client itself runs these in ``tests/legacy/``; here each endpoint's contract is checked
directly, with the shapes that client reads (``qiskit_ibm_provider`` 0.7 ``api/rest/root.py``).
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from qiskit_runtime_double.compat import legacy_environment, legacy_url
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse
from qiskit_runtime_double.wire.vocabulary import API_VERSION

BASE = "http://fake.invalid"
TIMEOUT = 30  # a hang guard
#: API keys of the fake, kept out of literals that look like credentials to secret scanners.
GOOD = "good-" + "token"
WRONG = "wrong-" + "token"


def send(
    fake: FakeRuntime, method: str, path: str, body: bytes = b"", **headers: str
) -> HttpResponse:
    return fake.app(HttpRequest(method, BASE + path, Headers(headers), body))


@pytest.fixture(scope="module")
def fake() -> FakeRuntime:
    return FakeRuntime(["ibmq_qasm_simulator"], seed=5, api_keys=[GOOD])


@pytest.fixture(scope="module")
def server(fake: FakeRuntime) -> Iterator[FakeServer]:
    with fake.serve() as served:
        yield served


def login(server: FakeServer, token: str = GOOD) -> requests.Response:
    return requests.post(
        server.url + "/api/users/loginWithToken", json={"apiToken": token}, timeout=TIMEOUT
    )


def access_token(server: FakeServer) -> str:
    token: str = login(server).json()["id"]
    return token


# --- the auth API, as the 2023 ibm_quantum channel calls it ----------------------------------


def test_the_version_names_the_auth_api(fake: FakeRuntime) -> None:
    """The client refuses a URL whose ``/version`` has no ``api-auth`` (not an auth URL)."""
    answer = send(fake, "GET", "/api/version")
    assert answer.status_code == 200 and "api-auth" in answer.json()


def test_login_trades_an_accepted_token_for_an_access_token(server: FakeServer) -> None:
    answer = login(server)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"id", "ttl", "created", "userId"}
    assert body["id"].count(".") == 2 and body["ttl"] > 0  # the platform's JWT


def test_login_with_a_token_the_fake_does_not_accept_fails_without_echoing_it(
    server: FakeServer,
) -> None:
    answer = login(server, WRONG)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["code"] == "LOGIN_FAILED" and error["statusCode"] == 401
    assert "api_keys" in error["message"] and WRONG not in answer.text


@pytest.mark.parametrize(
    "body", [b"", b"{}", b'{"apiToken": ""}', b'{"apiToken": 7}', b"[1]", b"{not json"]
)
def test_a_login_without_a_token_says_what_to_send(fake: FakeRuntime, body: bytes) -> None:
    answer = send(fake, "POST", "/api/users/loginWithToken", body)
    assert answer.status_code == 400
    assert '"apiToken"' in answer.json()["error"]["message"]


def test_the_user_gives_the_urls_of_this_server(server: FakeServer) -> None:
    answer = requests.get(
        server.url + "/api/users/me",
        headers={"X-Access-Token": access_token(server)},
        timeout=TIMEOUT,
    )
    urls = answer.json()["urls"]
    assert urls["http"] == server.url + "/api"
    assert urls["services"]["runtime"] == server.runtime_url


def test_the_network_lists_one_default_hub_group_project(server: FakeServer) -> None:
    answer = requests.get(
        server.url + "/api/Network",
        headers={"X-Access-Token": access_token(server)},
        timeout=TIMEOUT,
    )
    assert answer.json() == [
        {
            "name": "ibm-q",
            "groups": {
                "open": {"name": "open", "projects": {"main": {"name": "main", "isDefault": True}}}
            },
        }
    ]


@pytest.mark.parametrize("path", ["/api/users/me", "/api/Network"])
def test_the_user_endpoints_want_a_valid_access_token_when_served(
    server: FakeServer, path: str
) -> None:
    missing = requests.get(server.url + path, timeout=TIMEOUT)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "AUTHORIZATION_REQUIRED"
    assert "X-Access-Token" in missing.json()["error"]["message"]
    forged = requests.get(server.url + path, headers={"X-Access-Token": "a.b.c"}, timeout=TIMEOUT)
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "INVALID_TOKEN"


def test_unknown_paths_and_methods_are_refused_clearly(fake: FakeRuntime) -> None:
    wrong_method = send(fake, "GET", "/api/users/loginWithToken")
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "POST"
    unknown = send(fake, "GET", "/api/users/someone")
    assert unknown.status_code == 404
    assert "/api/users/loginWithToken" in unknown.json()["error"]["message"]


# --- the runtime API with the 2023 credentials --------------------------------------------


def backends(server: FakeServer, url: str, **headers: str) -> requests.Response:
    return requests.get(url + "/backends", headers=headers, timeout=TIMEOUT)


def test_the_runtime_api_takes_an_ibm_quantum_access_token(
    fake: FakeRuntime, server: FakeServer
) -> None:
    token = access_token(server)
    answer = backends(server, server.runtime_url, **{"X-Access-Token": token})
    assert answer.status_code == 200 and answer.json() == {"devices": ["ibmq_qasm_simulator"]}
    assert backends(server, server.runtime_url, **{"X-Access-Token": "a.b.c"}).status_code == 401
    fake.platform.revoke_tokens()  # revoked with IAM's tokens: they are the same kind
    assert backends(server, server.runtime_url, **{"X-Access-Token": token}).status_code == 401


def test_the_ibm_cloud_url_reaches_the_runtime_api_with_an_api_key(server: FakeServer) -> None:
    url = legacy_url(server, "ibm_cloud")
    assert url == server.url + "/experimental/api/v1"
    headers = {"Authorization": f"apikey {GOOD}", "Service-CRN": server.instance}
    assert backends(server, url, **headers).json() == {"devices": ["ibmq_qasm_simulator"]}
    versioned = backends(server, url, **headers, **{"IBM-API-Version": API_VERSION}).json()
    assert versioned["devices"][0]["name"] == "ibmq_qasm_simulator"
    listed = requests.get(url + "/jobs?limit=1", headers=headers, timeout=TIMEOUT)
    assert listed.status_code == 200 and listed.json()["limit"] == 1  # the query string kept
    wrong = {"Authorization": f"apikey {WRONG}"}
    assert backends(server, url, **wrong).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/experimental/_double/state",
        "/experimental/api/v1/../../_double/state",
        "/experimental/api/v1/%2e%2e/%2e%2e/_double/state",
    ],
)
def test_the_experimental_alias_never_reaches_the_control_api(
    server: FakeServer, path: str
) -> None:
    """The guard tells control requests by their path: an alias to them would skip its token.
    The path is sent as written (``http.client`` does not remove dot segments)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"Authorization": f"apikey {GOOD}"})
        answer = connection.getresponse()
        status, body = answer.status, answer.read().decode()
    finally:
        connection.close()
    assert status == 404, body
    assert "No such endpoint" in body


def test_the_guard_protects_the_2023_endpoints_too(server: FakeServer) -> None:
    foreign = requests.post(
        server.url + "/api/users/loginWithToken",
        json={"apiToken": GOOD},
        headers={"Origin": "https://evil.example"},
        timeout=TIMEOUT,
    )
    assert foreign.status_code == 403
    rebinding = requests.get(
        server.url + "/api/version", headers={"Host": "evil.example"}, timeout=TIMEOUT
    )
    assert rebinding.status_code == 400


# --- compat: the environment of a 2023 client ----------------------------------------------


def test_the_legacy_environment_names_the_account_of_each_channel(server: FakeServer) -> None:
    quantum = legacy_environment(server)
    assert quantum == {
        "QISKIT_IBM_CHANNEL": "ibm_quantum",
        "QISKIT_IBM_URL": server.url + "/api",
        "QISKIT_IBM_TOKEN": "fake-api-key",
        "QISKIT_IBM_INSTANCE": "ibm-q/open/main",
    }
    cloud = legacy_environment(server, "ibm_cloud", token=GOOD)
    assert cloud["QISKIT_IBM_URL"] == server.url + "/experimental/api/v1"
    assert cloud["QISKIT_IBM_INSTANCE"] == server.instance and cloud["QISKIT_IBM_TOKEN"] == GOOD


@pytest.mark.parametrize(
    ("arguments", "error", "says"),
    [
        ({"channel": "ibm_quantum_platform"}, ValueError, "ibm_quantum, ibm_cloud"),
        ({"token": ""}, ValueError, "non-empty"),
    ],
)
def test_bad_legacy_arguments_say_what_is_expected(
    server: FakeServer, arguments: dict[str, Any], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        legacy_environment(server, **arguments)


def test_a_stopped_server_has_no_legacy_environment() -> None:
    stopped = FakeRuntime(["ibmq_qasm_simulator"]).serve()
    stopped.stop()
    with pytest.raises(RuntimeError, match="is not running"):
        legacy_environment(stopped)
