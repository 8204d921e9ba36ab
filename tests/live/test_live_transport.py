"""``LiveTransport`` against a stdlib loopback server (``http_stub``), on 127.0.0.1 only.

Endpoint derivation, the IAM exchange and token cache, 401 recovery, the translation of every
``requests`` failure, timeouts, and secrets. Safe submission: ``test_live_submit.py``; the
service's account wiring: ``test_live_service.py``.
"""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from qiskit_runtime_double import (
    IBMApiError,
    IBMInputValueError,
    IBMNotAuthorizedError,
    RequestNotSent,
    TransportError,
)
from qiskit_runtime_double.transports.iam import TokenExchangeFailed
from qiskit_runtime_double.transports.live import LiveTransport, iam_url_for, runtime_url_for

from .http_stub import API_KEY, CRN, Stub, get, live, over

EU = "crn:v1:bluemix:public:quantum-computing:eu-de:a/acct0123:inst4567::"
STAGING = "crn:v1:staging:public:quantum-computing:us-east:a/acct0123:inst4567::"


# --- endpoints -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "instance", "private", "expected"),
    [
        ("https://cloud.ibm.com", CRN, False, "https://quantum.cloud.ibm.com/api/v1"),
        ("https://cloud.ibm.com", EU, False, "https://eu-de.quantum.cloud.ibm.com/api/v1"),
        (
            "https://cloud.ibm.com",
            CRN,
            True,
            "https://private.us-east.quantum.cloud.ibm.com/api/v1",
        ),
        ("https://cloud.ibm.com", EU, True, "https://private.eu-de.quantum.cloud.ibm.com/api/v1"),
        ("https://test.cloud.ibm.com", STAGING, False, "https://quantum.test.cloud.ibm.com/api/v1"),
        ("http://127.0.0.1:8080", CRN, False, "http://quantum.127.0.0.1:8080/api/v1"),
        ("http://[::1]:8080", EU, False, "http://eu-de.quantum.[::1]:8080/api/v1"),
        (
            "https://x.experimental.example/api/v1",
            CRN,
            False,
            "https://x.experimental.example/api/v1",
        ),
        ("https://cloud.ibm.com", "my-instance", False, "https://cloud.ibm.com"),
    ],
)
def test_runtime_url_derivation(url: str, instance: str, private: bool, expected: str) -> None:
    assert runtime_url_for(url, instance, private) == expected


@pytest.mark.parametrize(
    ("url", "instance", "private", "expected"),
    [
        (None, CRN, False, "https://iam.cloud.ibm.com"),
        ("https://cloud.ibm.com", STAGING, False, "https://iam.test.cloud.ibm.com"),
        ("https://cloud.ibm.com", EU, True, "https://private.iam.cloud.ibm.com"),
        ("https://x.experimental.example", CRN, False, "https://iam.cloud.ibm.com"),
        ("http://localhost:8080", CRN, False, "http://iam.localhost:8080"),
    ],
)
def test_iam_url_derivation(url: str | None, instance: str, private: bool, expected: str) -> None:
    assert iam_url_for(url, instance, private) == expected


@pytest.mark.compat
def test_runtime_url_matches_the_official_resolver_wherever_no_port_is_involved() -> None:
    utils = pytest.importorskip("qiskit_ibm_runtime.api.utils")
    urls = ("https://cloud.ibm.com", "https://test.cloud.ibm.com", "https://x.experimental.io")
    for url in urls:
        for instance in (CRN, EU, STAGING, "my-instance"):
            for private in (False, True):
                official = utils.default_runtime_url_resolver(url, instance, private)
                assert runtime_url_for(url, instance, private) == official, (url, instance)


def test_a_crn_without_a_region_is_refused_with_the_expected_shape() -> None:
    with pytest.raises(IBMInputValueError, match="well-formed CRN"):
        runtime_url_for("https://cloud.ibm.com", "crn:v1:bluemix")


# --- IAM and tokens ----------------------------------------------------------------------------


def test_iam_exchange_is_form_encoded_and_the_token_is_sent_as_bearer(stub: Stub) -> None:
    with live(stub, timeout=(2.0, 5.0)) as transport:
        assert get(transport).status_code == 200

    iam, call = stub.seen
    assert iam.route == "POST /identity/token"
    assert iam.headers["content-type"] == "application/x-www-form-urlencoded"
    assert iam.headers["accept"] == "application/json"
    assert parse_qsl(iam.body.decode()) == [
        ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
        ("apikey", API_KEY),
        ("response_type", "cloud_iam"),
    ]
    assert call.headers["authorization"].removeprefix("Bearer ") in stub.valid_tokens
    assert call.headers["user-agent"].startswith("qiskit-runtime-double/")
    assert call.headers["service-crn"] == CRN


def test_token_is_cached_and_refreshed_at_80_percent_of_its_lifetime(stub: Stub) -> None:
    stub.token_lifetime = 100
    now = [1000.0]
    transport = live(stub, token_timer=lambda: now[0])
    for moment in (1000.0, 1079.0):
        now[0] = moment
        get(transport)
    assert stub.count("POST /identity/token") == 1

    now[0] = 1081.0  # past 80 s: refresh; a failing refresh keeps the still-valid token...
    stub.faults["POST /identity/token"] = [503]
    assert get(transport).status_code == 200
    assert stub.count("POST /identity/token") == 2
    get(transport)  # ... and is not retried at every call
    assert stub.count("POST /identity/token") == 2
    now[0] = 1091.0  # halfway to expiry: try again
    get(transport)
    assert stub.count("POST /identity/token") == 3
    tokens = [s.headers["authorization"] for s in stub.seen if s.route == "GET /backends"]
    assert tokens[0] == tokens[2] == tokens[3] != tokens[4]

    now[0] = 1300.0  # expired: a failing exchange now fails the request, before sending it
    stub.faults["POST /identity/token"] = [503]
    with pytest.raises(TransportError, match=r"IAM service answered 503.*not sent"):
        get(transport)


def test_a_401_forces_one_token_refresh_and_one_retry(stub: Stub) -> None:
    transport = live(stub)
    get(transport)
    stub.valid_tokens.clear()  # revoked on the server

    assert get(transport).status_code == 200
    assert stub.count("POST /identity/token") == 2
    assert stub.count("GET /backends") == 3


def test_a_401_that_persists_is_not_authorized_after_a_single_refresh(stub: Stub) -> None:
    stub.issue_token = lambda: "not.a.jwt"  # type: ignore[method-assign]
    service = over(live(stub))

    with pytest.raises(IBMNotAuthorizedError, match="401"):
        service.backends()
    assert stub.count("POST /identity/token") == 2
    assert stub.count("GET /backends") == 2


def test_a_refused_api_key_names_the_iam_endpoint_and_never_the_key(stub: Stub) -> None:
    transport = LiveTransport(
        runtime_url=stub.runtime_url, iam_url=stub.iam_url, api_key="wrong-key-42", instance=CRN
    )
    with pytest.raises(IBMNotAuthorizedError) as caught:
        over(transport).backends()

    message = str(caught.value)
    assert f"{stub.iam_url}/identity/token" in message and "400" in message
    assert "BXNIM0415E" in message and "wrong-key-42" not in message
    assert "Check the API key" in message
    assert (caught.value.status_code, caught.value.error_code) == (400, "BXNIM0415E")
    assert stub.count("POST /identity/token") == 1  # a refused key is not retried
    assert stub.count("GET /backends") == 0


def test_the_transport_reports_a_refused_exchange_without_judging_it(stub: Stub) -> None:
    """The transport contract: an exchange that gave no token means the runtime request got no
    answer, a ``TransportError`` (``RequestNotSent``) carrying IAM's answer; what that means for
    the user is the client's to say (the test above)."""
    transport = LiveTransport(
        runtime_url=stub.runtime_url, iam_url=stub.iam_url, api_key="wrong-key-42", instance=CRN
    )
    with pytest.raises(RequestNotSent) as caught:
        get(transport)

    assert isinstance(caught.value, TokenExchangeFailed)
    assert caught.value.status_code == 400
    assert caught.value.body.code == "BXNIM0415E"
    assert "wrong-key-42" not in str(caught.value)
    assert stub.count("GET /backends") == 0


# --- failures without an answer ---------------------------------------------------------------


def _response(status: int, body: Any) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = json.dumps(body).encode()
    answer.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
    return answer


class FailingSession:
    """Answers IAM; raises ``error`` for every other request."""

    def __init__(self, error: BaseException, stub: Stub) -> None:
        self.error, self.stub = error, stub

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if url.endswith("/identity/token"):
            return _response(200, {"access_token": self.stub.issue_token()})
        raise self.error

    def close(self) -> None:
        pass


E = requests.exceptions
SECRET_URL = f"http://x/?apikey={API_KEY}"


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        (E.ConnectionError("('Connection aborted.', RemoteDisconnected())"), "dropped"),
        (E.ConnectTimeout("connect timed out"), "Could not connect"),
        (E.ReadTimeout("read timed out"), "No answer within 5.0 s"),
        (E.SSLError("CERTIFICATE_VERIFY_FAILED"), "verify="),
        (E.ChunkedEncodingError("IncompleteRead(3 bytes read)"), "midway"),
        (E.ContentDecodingError("bad gzip"), "midway"),
        (E.InvalidURL(f"Invalid URL {SECRET_URL!r}"), "malformed"),
        (E.MissingSchema("No scheme supplied"), "malformed"),
        (E.TooManyRedirects("Exceeded 30 redirects."), "redirects in a loop"),
        (E.ProxyError("Cannot connect to proxy."), "proxy"),
        (OSError("Could not find a suitable TLS CA certificate bundle: /nope"), "CA bundle"),
    ],
)
def test_each_requests_failure_is_a_transport_error_naming_request_and_cause(
    stub: Stub, error: BaseException, hint: str
) -> None:
    transport = live(stub, session=FailingSession(error, stub))

    with pytest.raises(TransportError) as caught:
        get(transport, "/backends?include_mocks=true")

    message = str(caught.value)
    assert message.startswith(f"GET {stub.runtime_url}/backends?include_mocks=true: ")
    assert type(error).__name__ in message and hint in message
    assert API_KEY not in message and "Bearer" not in message
    assert all(token not in message for token in stub.valid_tokens)


def test_real_connection_refused_and_tls_mismatch(stub: Stub) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    refused = LiveTransport(
        runtime_url=f"http://127.0.0.1:{closed}/api/v1",
        iam_url=stub.iam_url,
        api_key=API_KEY,
        instance=CRN,
    )
    with pytest.raises(TransportError, match=rf"GET http://127.0.0.1:{closed}/.*Could not connect"):
        get(refused)

    tls = LiveTransport(
        runtime_url=f"https://127.0.0.1:{stub.port}/api/v1",
        iam_url=stub.iam_url,
        api_key=API_KEY,
        instance=CRN,
        timeout=(2.0, 2.0),
    )
    with pytest.raises(TransportError, match=r"SSLError.*verify="):
        get(tls)


def test_read_timeout_is_real_and_job_submission_gets_its_own(stub: Stub) -> None:
    stub.faults["GET /backends"] = ["delay:0.6"]
    with pytest.raises(TransportError, match=r"No answer within 0.2 s"):
        get(live(stub, timeout=(2.0, 0.2)))

    class Recording(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.timeouts: list[tuple[str, str, Any]] = []

        def request(self, method: str, url: str, **kwargs: Any) -> Any:  # type: ignore[override]
            self.timeouts.append((method, url.split("/")[-1], kwargs["timeout"]))
            return super().request(method, url, **kwargs)

    session = Recording()
    service = over(live(stub, session=session, timeout=(1.5, 7.0), submit_timeout=123.0))
    service.client.list_backends()
    service.run("sampler", {"pubs": []}, options={"backend": "stub_5q"})

    assert ("GET", "backends?include_mocks=true", (1.5, 7.0)) in session.timeouts
    assert ("POST", "jobs", (1.5, 123.0)) in session.timeouts


def test_malformed_json_is_the_clients_api_error(stub: Stub) -> None:
    stub.faults["GET /backends"] = ["garbage"]
    with pytest.raises(IBMApiError, match="expected shape"):
        over(live(stub)).backends()


def test_no_secret_in_reprs(stub: Stub) -> None:
    transport = live(stub)
    service = over(transport)
    service.client.list_backends()

    for text in (repr(transport), repr(service), repr(transport._tokens.current)):
        assert API_KEY not in text
        assert all(token not in text for token in stub.valid_tokens)
