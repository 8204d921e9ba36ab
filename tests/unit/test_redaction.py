"""Secrets never reach a repr, a log line or an error message."""

from __future__ import annotations

import logging

import pytest
import requests

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, TransportError, VirtualClock
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse
from qiskit_runtime_double.wire.redact import redact_text, redact_url

SECRET = "Zq8vR2mXk4Lp9TnB7wYc3HdF"


def test_a_request_repr_hides_headers_query_values_and_body_credentials() -> None:
    request = HttpRequest(
        "POST",
        f"https://user:{SECRET}@iam.example/token?auth_token={SECRET}&limit=5",
        Headers({"Authorization": f"Bearer {SECRET}", "X-My-Secret": SECRET, "Accept": "json"}),
        f"grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={SECRET}".encode(),
    )
    shown = repr(request)
    assert SECRET not in shown
    assert "limit=5" in shown and "'Accept': 'json'" in shown and "grant_type" in shown


def test_a_response_repr_hides_tokens_but_keeps_error_text() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
    response = HttpResponse.from_json(200, {"access_token": token, "expires_in": 3600})
    assert token not in repr(response) and "expires_in" in repr(response)
    error = HttpResponse.from_json(400, {"errors": [{"message": "shots must be positive"}]})
    assert "shots must be positive" in repr(error)


@pytest.mark.parametrize(
    "url",
    [
        f"http://{SECRET}@host/api",
        f"http://me:{SECRET}@host/api",
        f"http://host/api?token={SECRET}",
        f"http://host/api?X-Api-Key={SECRET}&x=1",
    ],
)
def test_urls_lose_userinfo_and_secret_query_values(url: str) -> None:
    assert SECRET not in redact_url(url)
    assert redact_url(url).startswith("http://host/api")


def test_free_text_keeps_prose() -> None:
    assert redact_text("the token expired; send a new one") == "the token expired; send a new one"
    assert SECRET not in redact_text(f"Cookie: session={SECRET}; theme=dark")


def test_the_served_fakes_log_and_request_list_hold_no_query_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeRuntime(backends=["generic_5q"], seed=1)
    with caplog.at_level(logging.DEBUG, logger="qiskit_runtime_double"), fake.serve() as server:
        requests.get(f"{server.runtime_url}/backends?auth_token={SECRET}", timeout=30)
        served = server.requests
    assert served and served[-1].query["auth_token"] == ["<redacted>"]
    assert caplog.records, "the server logs its requests at DEBUG"
    assert SECRET not in caplog.text


def test_a_transport_error_names_the_endpoint_without_its_credentials() -> None:
    from qiskit_runtime_double.transports.live import LiveTransport

    transport = LiveTransport(
        runtime_url=f"http://user:{SECRET}@127.0.0.1:9/api/v1",
        iam_url="http://127.0.0.1:9",
        api_key="key-for-the-test",
        instance=None,
        clock=VirtualClock(),  # the client's retries wait on it: no real sleeping
    )
    with pytest.raises(TransportError) as info:
        QiskitRuntimeService(transport=transport).backends()
    assert SECRET not in str(info.value)
