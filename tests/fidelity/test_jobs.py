"""Fidelity scenarios 10-16 and 27-29: submitting, polling, failing, cancelling; primitives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import requests
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse

from ..helpers import hand_moved_real_time
from .conftest import QPU, Official, json_rewrite, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit_ibm_runtime import EstimatorV2, SamplerV2, Session  # noqa: E402
from qiskit_ibm_runtime.exceptions import (  # noqa: E402
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
)

pytestmark = [
    pytest.mark.compat,
    # 0.50 deprecated the V2 primitives in favour of client-side ones; 0.51 still submits them.
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


# --- jobs (10-16) ---------------------------------------------------------------------------------


def test_10_sampler_job_in_a_session(official: Official, bell_isa: QuantumCircuit) -> None:
    with Session(official.backend()) as session:
        official.server.clear_log()
        job = sampler_job(session, bell_isa)

    lines = official.lines()
    submit = lines.index("POST /jobs")
    assert lines[submit - 2 : submit + 1] == [
        "GET /instances/usage",
        f"GET /backends/{QPU}/status",
        "POST /jobs",
    ]
    record = official.fake.job(job.job_id())
    assert set(record.params) == {"pubs", "options", "version", "support_qiskit"}
    assert record.params["options"] == {} and record.params["version"] == 2
    assert (record.program_id, record.log_level) == ("sampler", "WARNING")
    assert (record.backend, record.session_id) == (QPU, session.session_id)


def test_11_status_progression_and_result(official: Official, bell_isa: QuantumCircuit) -> None:
    official.fake.add_background_jobs(QPU, 2, duration=30)
    with hand_moved_real_time(official.fake) as ticks:
        job = sampler_job(official.backend(), bell_isa, shots=256)
        statuses = [job.status()]  # held behind the queue: however long this poll took to come
        ticks.t += 1  # past the hold (SUITE_MAX_WAIT): now each poll moves the job one status on
        for _ in range(10):  # polled by hand, as a user would
            if statuses[-1] == "DONE":
                break
            status = job.status()
            if status != statuses[-1]:
                statuses.append(status)
    official.server.clear_log()
    result = job.result()

    assert statuses == ["QUEUED", "RUNNING", "DONE"]
    assert official.lines() == [f"GET /jobs/{job.job_id()}/results"]
    assert sum(result[0].data.meas.get_counts().values()) == 256


def test_12_status_is_case_insensitive(
    official: Official, bell_isa: QuantumCircuit, rewriting_server: Any
) -> None:
    def upper(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.method == "GET" and request.path.count("/") == 4 and "/jobs/" in request.path:

            def shout(body: dict[str, Any]) -> dict[str, Any]:
                body["state"]["status"] = body["state"]["status"].upper()
                return body

            return json_rewrite(response, shout)
        return response

    service = rewriting_server(upper)
    job = sampler_job(service.backend(QPU), bell_isa)
    job.wait_for_final_state(timeout=60)  # through the upper-casing server
    raw = requests.get(
        f"{official.server.runtime_url}/jobs/{job.job_id()}",
        headers={"Authorization": "apikey k"},
        timeout=30,
    ).json()

    assert job.status() == "DONE"
    assert raw["state"]["status"] == "Completed"  # the fake itself speaks title case


def test_13_failed_job(official: Official, bell_isa: QuantumCircuit) -> None:
    official.fake.fail_job(reason="Circuit too deep", code=1002)
    job = sampler_job(official.backend(), bell_isa)
    job.wait_for_final_state(timeout=60)

    assert job.status() == "ERROR"
    assert "Circuit too deep" in job.error_message()
    with pytest.raises(
        RuntimeJobFailureError,
        match=r"Unable to retrieve job result. Error code 1002; Circuit too deep",
    ):
        job.result()


def test_14_ran_too_long(official: Official, bell_isa: QuantumCircuit) -> None:
    official.fake.make_job_run_too_long()
    job = sampler_job(official.backend(), bell_isa)
    job.wait_for_final_state(timeout=60)

    assert job.status() == "ERROR"
    with pytest.raises(RuntimeJobMaxTimeoutError):
        job.result()
    assert official.fake.job(job.job_id()).reason_code == 1305


def test_15_user_cancel(official: Official, bell_isa: QuantumCircuit) -> None:
    official.fake.add_background_jobs(QPU, 1, duration=30)
    job = sampler_job(official.backend(), bell_isa)

    job.cancel()

    assert official.lines()[-1] == f"POST /jobs/{job.job_id()}/cancel"
    assert official.calls()[-1].status == 204
    assert job.status() == "CANCELLED"
    assert official.fake.job(job.job_id()).status == "Cancelled"
    with pytest.raises(RuntimeInvalidStateError, match="Job was cancelled"):
        job.result()


def test_16_cancel_a_finished_job(official: Official, bell_isa: QuantumCircuit) -> None:
    job = sampler_job(official.backend(), bell_isa)
    job.result()

    with pytest.raises(RuntimeInvalidStateError, match="Job cannot be cancelled"):
        job.cancel()
    assert official.calls()[-1].status == 409


# --- primitives (27-29) ---------------------------------------------------------------------------


def test_27_estimator_job(official: Official, rotation_isa: QuantumCircuit) -> None:
    observable = SparsePauliOp(["ZZ", "XI"], [1.0, 0.5]).apply_layout(rotation_isa.layout)

    with Session(official.backend()) as session:
        job = EstimatorV2(mode=session).run(
            [(rotation_isa, observable, [[0.1], [0.2]])], precision=0.01
        )
        data = job.result()[0].data

    assert data.evs.shape == (2,) and data.stds.shape == (2,)
    assert np.all((data.evs > 0.7) & (data.evs < 1.3))  # <ZZ> = 1, <XI> = 0, plus noise
    pub = official.fake.job(job.job_id()).params["pubs"][0]
    assert pub[3] == 0.01 and isinstance(pub[1], dict)


def test_28_parametrized_sampler(official: Official, rotation_isa: QuantumCircuit) -> None:
    circuit = rotation_isa.copy()
    circuit.measure_all()

    job = SamplerV2(mode=official.backend()).run([(circuit, [[0.1], [0.2], [0.3]])], shots=64)
    data = job.result()[0].data

    assert data.shape == (3,)
    assert data.meas.array.shape == (3, 64, 1)


def test_29_shots_semantics(official: Official, bell_isa: QuantumCircuit) -> None:
    backend = official.backend()
    explicit = sampler_job(backend, bell_isa, shots=100)
    sampler = SamplerV2(mode=backend)
    sampler.options.default_shots = 200
    defaulted = sampler.run([bell_isa])

    first = official.fake.job(explicit.job_id()).params
    second = official.fake.job(defaulted.job_id()).params
    assert (first["pubs"][0][2], first["options"]) == (100, {})
    assert (second["pubs"][0][2], second["options"]) == (None, {"default_shots": 200})
    assert defaulted.result()[0].data.meas.num_shots == 200
