"""The control API under /_double, as a test would drive a fake served elsewhere."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

BASE = "http://runtime-double.invalid"


def call(fake: FakeRuntime, method: str, path: str, body: Any = None) -> HttpResponse:
    content = b"" if body is None else json.dumps(body).encode()
    return fake.app(
        HttpRequest(method, BASE + path, Headers({"Content-Type": "application/json"}), content)
    )


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime(backends=["generic_5q"], seed=2)


def test_clock_can_be_read_and_moved_forward_only(fake: FakeRuntime) -> None:
    start = call(fake, "GET", "/_double/clock").json()
    assert start["mode"] == "advance"
    moved = call(fake, "POST", "/_double/clock", {"seconds": 90}).json()
    assert moved["now"] != start["now"]
    assert fake.now().isoformat().startswith("2025-01-01T09:01:30")
    back = call(fake, "POST", "/_double/clock", {"to": "2020-01-01T00:00:00Z"})
    assert back.status_code == 400 and "back" in back.json()["errors"][0]["message"]
    both = call(fake, "POST", "/_double/clock", {"seconds": 1, "to": "2030-01-01T00:00:00Z"})
    assert both.status_code == 400
    assert call(fake, "POST", "/_double/clock", {"seconds": -5}).status_code == 400


def test_http_faults_apply_to_the_named_route_then_clear(fake: FakeRuntime) -> None:
    assert (
        call(
            fake,
            "POST",
            "/_double/faults/http",
            {"route": "instance_usage", "status": 503, "times": 2},
        ).status_code
        == 200
    )
    assert call(fake, "GET", "/api/v1/instances/usage").status_code == 503
    assert call(fake, "GET", "/api/v1/backends").status_code == 200  # other routes are untouched
    call(fake, "DELETE", "/_double/faults")
    assert call(fake, "GET", "/api/v1/instances/usage").status_code == 200


def test_a_fault_on_a_route_that_does_not_exist_is_refused_with_the_list(fake: FakeRuntime) -> None:
    response = call(fake, "POST", "/_double/faults/http", {"route": "launch_rocket", "status": 500})
    assert response.status_code == 400
    assert "create_job" in response.json()["errors"][0]["message"]


def test_job_faults_and_durations(fake: FakeRuntime) -> None:
    service = QiskitRuntimeService(fake=fake)
    assert call(fake, "POST", "/_double/jobs/next/duration", {"seconds": 42}).status_code == 200
    assert (
        call(
            fake, "POST", "/_double/jobs/next/fault", {"kind": "fail", "reason": "nope", "code": 9}
        ).status_code
        == 200
    )
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(1)
    circuit.measure_all()
    isa = service.backend("generic_5q")
    from qiskit.transpiler import generate_preset_pass_manager

    job = service.run(
        "sampler",
        {
            "pubs": [
                [
                    generate_preset_pass_manager(backend=isa, optimization_level=1).run(circuit),
                    None,
                    5,
                ]
            ]
        },
        backend_name="generic_5q",
    )
    record = call(fake, "GET", f"/_double/jobs/{job.job_id()}").json()
    assert record["duration"] == 42 and record["status"] == "Running"
    job.wait_for_final_state()
    assert job.status() == "ERROR" and "nope" in (job.error_message() or "")


def test_unknown_ids_are_404_and_bad_bodies_400(fake: FakeRuntime) -> None:
    assert call(fake, "GET", "/_double/jobs/nope").status_code == 404
    assert call(fake, "GET", "/_double/sessions/nope").status_code == 404
    assert call(fake, "POST", "/_double/jobs/nope/fault", {}).status_code == 404
    assert call(fake, "POST", "/_double/jobs/next/duration", {"seconds": -1}).status_code == 400
    assert call(fake, "POST", "/_double/jobs/next/duration", {"secs": 1}).status_code == 400
    assert (
        call(fake, "POST", "/_double/backends/nope/status", {"operational": False}).status_code
        == 404
    )
    assert call(fake, "GET", "/_double/nothing").status_code == 404
    bad_json = fake.app(HttpRequest("POST", BASE + "/_double/usage", Headers(), b"{not json"))
    assert bad_json.status_code == 400


def test_load_status_usage_and_reset(fake: FakeRuntime) -> None:
    ids = call(
        fake, "POST", "/_double/backends/generic_5q/load", {"count": 3, "duration": 10}
    ).json()["job_ids"]
    assert len(ids) == 3
    status = call(fake, "GET", "/api/v1/backends/generic_5q/status").json()
    assert status["length_queue"] == 2
    call(
        fake,
        "POST",
        "/_double/backends/generic_5q/status",
        {"operational": False, "status": "maintenance"},
    )
    assert call(fake, "GET", "/api/v1/backends/generic_5q/status").json()["status"] == "maintenance"
    assert (
        call(
            fake, "POST", "/_double/backends/generic_5q/load", {"jobs_per_hour": 60, "hours": 1}
        ).status_code
        == 200
    )
    assert call(fake, "POST", "/_double/backends/generic_5q/load", {}).status_code == 400
    call(fake, "POST", "/_double/usage", {"reached": True})
    assert call(fake, "GET", "/api/v1/instances/usage").json()["usage_limit_reached"] is True
    assert call(fake, "POST", "/_double/reset").status_code == 200
    assert call(fake, "GET", f"/_double/jobs/{ids[0]}").status_code == 404
    assert call(fake, "GET", "/api/v1/instances/usage").json()["usage_limit_reached"] is False


def test_unknown_top_level_paths_name_what_is_served(fake: FakeRuntime) -> None:
    response = call(fake, "GET", "/elsewhere")
    assert response.status_code == 404
    assert "/api/v1/..." in response.json()["errors"][0]["message"]


def test_error_answers_are_reproducible_from_the_seed() -> None:
    def traces() -> list[str]:
        fake = FakeRuntime(backends=["generic_5q"], seed=9)
        return [call(fake, "GET", f"/api/v1/jobs/nope{i}").json()["trace"] for i in range(3)]

    first, second = traces(), traces()
    assert first == second and len(set(first)) == 3
