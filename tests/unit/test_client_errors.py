"""The status-code-to-exception table of the API notes (section 2.9), through MockTransport."""

from __future__ import annotations

import pytest

from qiskit_runtime_double import (
    IBMInputValueError,
    IBMNotAuthorizedError,
    IBMRuntimeError,
    MockTransport,
    QiskitRuntimeService,
    RequestNotSent,
    RequestsApiError,
    RuntimeInvalidStateError,
    RuntimeJobNotFound,
    RuntimeProgramNotFound,
    TransportError,
    VirtualClock,
)
from qiskit_runtime_double.errors import IBMApiError
from qiskit_runtime_double.http_client.client import RetryPolicy
from qiskit_runtime_double.transports.iam import TokenExchangeFailed
from qiskit_runtime_double.wire.error_body import ErrorBody
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse


def error(status: int, message: str = "boom") -> HttpResponse:
    return HttpResponse.from_json(
        status, {"errors": [{"code": "1234", "message": message}], "status_code": status}
    )


def service(
    *responses: HttpResponse, seen: list[HttpRequest] | None = None
) -> QiskitRuntimeService:
    queue = list(responses)

    def handler(request: HttpRequest) -> HttpResponse:
        if seen is not None:
            seen.append(request)
        return queue.pop(0)

    return QiskitRuntimeService(
        transport=MockTransport(handler, clock=VirtualClock()), instance="crn:x"
    )


def test_401_anywhere_is_not_authorized_and_says_what_to_check() -> None:
    with pytest.raises(IBMNotAuthorizedError, match="credentials"):
        service(error(401)).usage()


def test_submit_404_is_program_not_found_and_other_errors_failed_to_run() -> None:
    with pytest.raises(RuntimeProgramNotFound):
        service(error(404)).run("nope", {})
    with pytest.raises(IBMRuntimeError, match="Failed to run program: 409: session closed"):
        service(error(409, "session closed")).run("sampler", {})


def test_job_lookup_cancel_and_delete_mappings() -> None:
    with pytest.raises(RuntimeJobNotFound):
        service(error(404)).job("abc")
    with pytest.raises(RuntimeJobNotFound):
        service(error(404)).delete_job("abc")
    with pytest.raises(RuntimeInvalidStateError, match="cannot be cancelled"):
        service(error(409)).client.cancel_job("abc")


def test_session_close_swallows_404_but_not_500_and_details_404_is_input_error() -> None:
    service(HttpResponse.empty(404)).client.close_session("s")
    with pytest.raises(IBMRuntimeError, match="Error closing session"):
        service(*[error(500)] * 6).client.close_session("s")
    with pytest.raises(IBMInputValueError, match="Session not found: s"):
        service(error(404)).client.session_details("s")


def test_logs_404_is_empty_text() -> None:
    assert service(error(404)).client.job_logs("j") == ""


def test_transient_errors_are_retried_through_the_clock_honouring_retry_after() -> None:
    seen: list[HttpRequest] = []
    ok = HttpResponse.from_json(200, {"usage_consumed_seconds": 1})
    throttled = HttpResponse(429, error(429).headers.with_(**{"Retry-After": "7"}), b"{}")
    svc = service(error(502), throttled, ok, seen=seen)
    start = svc.client.clock.now()
    assert svc.usage()["usage_consumed_seconds"] == 1
    assert len(seen) == 3
    assert (svc.client.clock.now() - start).total_seconds() == pytest.approx(0.5 * 2**0 + 7)


@pytest.mark.parametrize("status", [500, 502])
def test_a_submission_answered_500_or_502_is_looked_up_before_it_is_resent(status: int) -> None:
    seen: list[HttpRequest] = []
    created = HttpResponse.from_json(200, {"id": "j1", "backend": "b"})
    nothing = HttpResponse.from_json(200, {"jobs": [], "count": 0})
    job = service(error(status), nothing, created, seen=seen).run("sampler", {})
    assert job.job_id() == "j1"
    assert [(r.method, r.path.rsplit("/", 1)[1]) for r in seen] == [
        ("POST", "jobs"),
        ("GET", "jobs"),
        ("POST", "jobs"),
    ]
    assert seen[0].content == seen[2].content  # the same submission, the same tag


def test_retries_give_up_after_the_policy_and_report_the_status() -> None:
    svc = QiskitRuntimeService(
        transport=MockTransport(lambda r: error(503, "maintenance"), clock=VirtualClock()),
        retry=RetryPolicy(retries=2),
    )
    with pytest.raises(RequestsApiError, match="maintenance") as info:
        svc.usage()
    assert info.value.status_code == 503


def test_a_dropped_submission_that_cannot_be_checked_is_never_resent() -> None:
    calls = []

    def handler(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        raise TransportError("connection reset")

    svc = QiskitRuntimeService(transport=MockTransport(handler, clock=VirtualClock()))
    with pytest.raises(TransportError, match=r"POST .*/jobs: no answer came \(connection reset\)"):
        svc.run("sampler", {})
    assert [r.method for r in calls].count("POST") == 1


def test_a_malformed_answer_is_an_api_error_naming_the_shape() -> None:
    from qiskit_runtime_double import IBMApiError

    with pytest.raises(IBMApiError, match=r"Usage|expected shape"):
        service(HttpResponse.from_json(200, {"usage_consumed_seconds": "lots"})).usage()


def test_requests_carry_the_instance_and_api_version_headers() -> None:
    seen: list[HttpRequest] = []
    service(HttpResponse.from_json(200, {"usage_consumed_seconds": 0}), seen=seen).usage()
    headers = seen[0].headers
    assert headers["Service-CRN"] == "crn:x"
    assert headers["IBM-API-Version"] == "2026-04-15"
    assert seen[0].path.endswith("/api/v1/instances/usage")


def test_errors_about_an_answer_carry_its_status_and_code() -> None:
    """Apps branch on fields, not on message text (submission errors included)."""
    with pytest.raises(IBMRuntimeError) as refused:
        service(error(409, "session closed")).run("sampler", {})
    assert (refused.value.status_code, refused.value.error_code) == (409, "1234")
    with pytest.raises(RuntimeJobNotFound) as missing:
        service(error(404)).job("abc")
    assert (missing.value.status_code, missing.value.error_code) == (404, "1234")
    with pytest.raises(IBMNotAuthorizedError) as denied:
        service(HttpResponse(401, content=b"<html>no</html>")).usage()
    assert (denied.value.status_code, denied.value.error_code) == (401, None)
    assert "<html>no</html>" in str(denied.value)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_failure_whose_message_starts_like_a_request_line_still_gets_the_endpoint(
    method: str,
) -> None:
    """The client reads ``TransportError.endpoint``, never the message: a handler's error that
    happens to start with "POST" is not taken for one that already names the request."""

    def handler(request: HttpRequest) -> HttpResponse:
        raise RequestNotSent("POST-processing hook refused the request")

    svc = QiskitRuntimeService(
        transport=MockTransport(handler, clock=VirtualClock()), retry=RetryPolicy(retries=1)
    )
    call = svc.usage if method == "GET" else lambda: svc.run("sampler", {})
    with pytest.raises(TransportError) as caught:
        call()

    endpoint = caught.value.endpoint
    assert endpoint is not None and endpoint.startswith(f"{method} http://mock.invalid/api/v1/")
    assert str(caught.value) == f"{endpoint} failed: POST-processing hook refused the request"


def test_a_400_that_only_mentions_a_tag_code_is_not_a_tag_refusal() -> None:
    """Tag refusals are read from the error code, not found in the bytes: this submission is not
    resent without its idempotency tag."""
    seen: list[HttpRequest] = []
    mentions = error(400, "job 1204 of 1205 was refused: bad circuit")
    with pytest.raises(IBMRuntimeError, match="Failed to run program: 400") as refused:
        service(mentions, seen=seen).run("sampler", {})
    assert [r.method for r in seen] == ["POST"]
    assert refused.value.error_code == "1234"


def _refused_exchange(status: int, body: dict[str, object]) -> TokenExchangeFailed:
    answer = HttpResponse.from_json(status, body)
    return TokenExchangeFailed(
        "https://iam.example/identity/token",
        status,
        ErrorBody.read(status, answer.content),
        f"({ErrorBody.read(status, answer.content).detail})",
    )


@pytest.mark.parametrize(
    ("status", "kind", "hint"),
    [
        (400, IBMNotAuthorizedError, "Check the API key"),
        (403, IBMNotAuthorizedError, "Check the API key"),
        (404, IBMNotAuthorizedError, "Check iam_url="),
        (200, IBMApiError, "Check iam_url="),
    ],
)
def test_a_refused_token_exchange_is_said_by_the_client_and_not_retried(
    status: int, kind: type[Exception], hint: str
) -> None:
    """The live transport only reports a failed IAM exchange (``TokenExchangeFailed``); the
    client's error table says what it means, once, without retrying."""
    calls: list[HttpRequest] = []

    def handler(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        raise _refused_exchange(status, {"errorCode": "BXNIM0415E", "errorMessage": "nope"})

    svc = QiskitRuntimeService(transport=MockTransport(handler, clock=VirtualClock()))
    with pytest.raises(kind, match=hint) as caught:
        svc.usage()
    assert "https://iam.example/identity/token" in str(caught.value)
    assert caught.value.status_code == status  # type: ignore[attr-defined]
    assert len(calls) == 1


def test_a_throttled_token_exchange_is_retried_as_a_request_not_sent() -> None:
    calls: list[HttpRequest] = []
    ok = HttpResponse.from_json(200, {"usage_consumed_seconds": 3})

    def handler(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        if len(calls) < 3:
            raise _refused_exchange(503, {"errorMessage": "busy"})
        return ok

    svc = QiskitRuntimeService(transport=MockTransport(handler, clock=VirtualClock()))
    assert svc.usage()["usage_consumed_seconds"] == 3
    assert len(calls) == 3


def test_the_error_table_covers_every_route_of_the_api() -> None:
    """One table maps error answers to exceptions; each route names what it was doing."""
    from qiskit_runtime_double.http_client.error_table import ROUTE_ERRORS, WHAT
    from qiskit_runtime_double.wire.routes import ROUTES

    names = {spec.name for spec in ROUTES}
    assert set(WHAT) == names
    assert set(ROUTE_ERRORS) <= names
