"""Our client on the 2023 program routes, against answers of our own (MockTransport).

Today's IBM service no longer has ``/jobs/{id}/interim_results`` (removed in 2025): a job with a
callback must still work there, getting its final result only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from qiskit_runtime_double import FakeRuntime, MockTransport, QiskitRuntimeService
from qiskit_runtime_double.errors import IBMApiError, IBMRuntimeError, RuntimeProgramNotFound
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse


def service_answering(
    fake: FakeRuntime, override: Callable[[HttpRequest], HttpResponse | None]
) -> QiskitRuntimeService:
    """The fake's answers, except where ``override`` gives one."""

    def handler(request: HttpRequest) -> HttpResponse:
        return override(request) or fake.app(request)

    transport = MockTransport(
        handler, clock=fake.clock, probe=fake.simulation, base_url="http://fake.invalid/api/v1"
    )
    return QiskitRuntimeService(transport=transport, instance=fake.plan.instance)


def publisher(backend: Any, user_messenger: Any, **inputs: Any) -> str:
    user_messenger.publish("interim")
    return "final"


def test_a_service_without_interim_results_gives_the_callback_the_final_result() -> None:
    fake = FakeRuntime()
    fake.register_program("publisher", publisher)

    def gone(request: HttpRequest) -> HttpResponse | None:
        if request.path.endswith("/interim_results"):
            return HttpResponse.from_json(
                404, {"errors": [{"code": "404", "message": "Not Found"}]}
            )
        return None

    service = service_answering(fake, gone)
    seen: list[Any] = []
    job = service.run(
        "publisher", {}, backend_name="ibmq_qasm_simulator", callback=lambda i, r: seen.append(r)
    )
    assert job.result() == "final"
    assert seen == ["final"] and job.interim_results() == []


def test_interim_results_of_the_wrong_shape_are_an_api_error() -> None:
    fake = FakeRuntime()
    fake.register_program("publisher", publisher)

    def odd(request: HttpRequest) -> HttpResponse | None:
        if request.path.endswith("/interim_results"):
            return HttpResponse.from_json(200, {"interim": "not a list"})
        return None

    job = service_answering(fake, odd).run("publisher", {}, backend_name="ibmq_qasm_simulator")
    with pytest.raises(IBMApiError, match=r"interim results.*expected shape"):
        job.interim_results()


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [
        (404, RuntimeProgramNotFound, "Program not found: no such program"),
        (500, IBMRuntimeError, "Failed to get program: ghost: 500"),
    ],
)
def test_program_errors_are_worded_as_the_2023_client_words_them(
    status: int, error: type[Exception], match: str
) -> None:
    def refuse(request: HttpRequest) -> HttpResponse | None:
        body = {"errors": [{"code": "1300", "message": "no such program"}], "status_code": status}
        return HttpResponse.from_json(status, body)

    service = service_answering(FakeRuntime(), refuse)
    with pytest.raises(error, match=match):
        service.client.program("ghost")
