"""``FakeRuntime``'s arguments are checked where they enter, naming the argument."""

from __future__ import annotations

from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import (
    FakeRuntime,
    IBMRuntimeError,
    QiskitRuntimeService,
    SamplerV2,
    VirtualClock,
)
from qiskit_runtime_double.fake.core.errors import FakeArgumentError


@pytest.mark.parametrize(
    ("make", "error", "named"),
    [
        (lambda: FakeRuntime(seed="x"), TypeError, "seed"),
        (lambda: FakeRuntime(seed=1.5), TypeError, "seed"),
        (lambda: FakeRuntime(clock="now"), TypeError, "clock"),
        (lambda: FakeRuntime(plan={"name": "open"}), TypeError, "plan"),
        (lambda: FakeRuntime(duration_model=5), TypeError, "duration_model"),
        (lambda: FakeRuntime(executor="aer"), TypeError, "executor"),
        (lambda: VirtualClock(start="2025-01-01"), TypeError, "start"),
        # Issue 17, point 8: "false" turned auth on; an empty list made a fake with no backends.
        # A switch named after a secret is no secret: its value is shown.
        (lambda: FakeRuntime(require_auth="false"), TypeError, "require_auth.*'false'"),
        (lambda: FakeRuntime(require_auth=1), TypeError, "require_auth"),
        (lambda: FakeRuntime([]), ValueError, "backends is empty.*None for the default"),
        (lambda: FakeRuntime({}), ValueError, "backends is empty"),
    ],
)
def test_construction_refuses_wrong_types_naming_the_argument(make: Any, error: Any, named: str):
    with pytest.raises(error, match=named):
        make()


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime(backends=["generic_5q"], seed=1)


@pytest.mark.parametrize(
    ("act", "named"),
    [
        (lambda f: f.fail_job("unknown"), "job_id"),
        (lambda f: f.make_job_run_too_long("unknown"), "job_id"),
        (lambda f: f.job("unknown"), "job_id"),
        (lambda f: f.session("unknown"), "session_id"),
        (lambda f: f.add_background_jobs("nope", 1), "generic_5q"),
        (lambda f: f.add_background_load("nope", jobs_per_hour=1), "backend"),
        (lambda f: f.set_backend_status("nope", operational=False), "name"),
    ],
)
def test_unknown_ids_and_names_are_value_errors_naming_the_argument(
    fake: FakeRuntime, act: Any, named: str
) -> None:
    with pytest.raises(FakeArgumentError, match=named) as info:
        act(fake)
    assert isinstance(info.value, ValueError)
    assert fake.state.jobs == {}  # nothing was created on the way


def _isa(service: QiskitRuntimeService) -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    backend = service.backend("generic_5q")
    return generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)


@pytest.mark.parametrize("returned", [-1.0, float("nan"), float("inf"), 1e12, "2", None])
def test_a_duration_model_returning_nonsense_fails_the_submission_and_creates_nothing(
    returned: Any,
) -> None:
    fake = FakeRuntime(backends=["generic_5q"], seed=1, duration_model=lambda w, s: returned)
    service = QiskitRuntimeService(fake=fake)
    with pytest.raises(IBMRuntimeError, match="duration_model returned"):
        SamplerV2(mode=service.backend("generic_5q")).run([_isa(service)])
    assert fake.state.jobs == {}
    assert service.jobs(limit=None) == []


def test_a_failing_seed_era_submission_opens_no_session(fake: FakeRuntime) -> None:
    """Seed-era clients start a session with their first job: only if that job is created."""
    import json

    from qiskit_runtime_double.wire.http import Headers, HttpRequest

    fake.set_usage_limit_reached()
    body = {"program_id": "sampler", "params": {"pubs": []}, "start_session": True}
    response = fake.app(
        HttpRequest(
            "POST",
            "http://runtime-double.invalid/api/v1/jobs",
            Headers({"Content-Type": "application/json"}),
            json.dumps(body).encode(),
        )
    )
    assert response.status_code in (400, 403)
    assert fake.state.scheduler.sessions == {} and fake.state.jobs == {}
