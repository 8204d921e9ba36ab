"""Fidelity scenarios 7-9 and 17-26: sessions and batches, as the official client drives them."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from qiskit import QuantumCircuit

from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse

from .conftest import QPU, SIMULATOR, Official, json_rewrite, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit_ibm_runtime import Batch, Session  # noqa: E402
from qiskit_ibm_runtime.exceptions import (  # noqa: E402
    IBMInputValueError,
    IBMRuntimeError,
)

pytestmark = [
    pytest.mark.compat,
    # 0.50 deprecated the V2 primitives in favour of client-side ones; 0.51 still submits them.
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


# --- sessions and batches (7-9, 17-26) ------------------------------------------------------------


def test_07_session_create(official: Official) -> None:
    backend = official.backend()
    official.server.clear_log()

    session = Session(backend, max_time="1h 2m 3s")

    assert official.lines() == ["POST /sessions"]
    record = official.fake.session(session.session_id)
    assert (record.mode, record.backend, record.max_ttl) == ("dedicated", QPU, 3723)
    assert record.instance == official.server.instance
    assert len(session.session_id) == 20
    session.close()


def test_08_batch_create(official: Official) -> None:
    backend = official.backend()
    official.server.clear_log()

    batch = Batch(backend)

    assert official.lines() == ["POST /sessions"]
    record = official.fake.session(batch.session_id)
    assert record.mode == "batch"
    assert record.max_ttl == official.fake.plan.default_max_ttl  # none was sent
    batch.close()


def test_09_simulator_backend_gets_no_server_session(official: Official) -> None:
    backend = official.backend(SIMULATOR)
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()

    with Session(backend) as session:
        assert session.session_id is None
        job = sampler_job(session, circuit)

    assert "POST /sessions" not in official.lines()
    assert official.fake.job(job.job_id()).session_id is None
    assert job.result()[0].data.meas.get_counts() == {"1": 100}


def test_17_session_details_lifecycle(official: Official, bell_isa: QuantumCircuit) -> None:
    session = Session(official.backend(), max_time=600)
    seen = [session.status()]
    job = sampler_job(session, bell_isa)
    seen.append(session.status())
    job.result()
    seen.append(session.status())  # waiting for the next job, within the interactive window
    official.fake.clock.shift(official.fake.plan.interactive_ttl + 1)
    seen.append(session.status())
    session.close()
    seen.append(session.status())

    assert seen == [
        "Pending",
        "In progress, accepting new jobs",
        "In progress, accepting new jobs",
        "Pending",
        "Closed",
    ]
    details = session.details()
    assert details["max_time"] == 600 and details["interactive_timeout"] == 60
    assert {"active_timeout", "usage_time", "state", "accepting_jobs"} <= set(details)
    assert details["state"] == "closed" and details["accepting_jobs"] is False


def test_18_close_lets_running_jobs_finish_then_refuses_locally(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    session = Session(official.backend())
    job = sampler_job(session, bell_isa)
    session.close()

    assert official.lines()[-1] == f"PATCH /sessions/{session.session_id}"
    assert official.fake.session(session.session_id).accepting_jobs is False
    assert session.status() == "In progress, not accepting new jobs"
    assert job.result()[0].data.meas.num_shots == 100
    assert session.details()["state"] == "closed"
    calls = len(official.calls())
    with pytest.raises(IBMRuntimeError, match="The session is closed"):
        sampler_job(session, bell_isa)
    assert len(official.calls()) == calls  # refused without an HTTP call


def test_19_close_of_an_unknown_session_is_swallowed_and_500_surfaces(
    official: Official,
) -> None:
    first, second = Session(official.backend()), Session(official.backend())

    official.fake.inject_http_error("close_session", 404)
    first.close()  # no exception
    official.fake.inject_http_error("close_session", 500, times=None)
    with pytest.raises(IBMRuntimeError, match="Error closing session"):
        second.close()

    statuses = [r.status for r in official.calls() if r.method == "PATCH"]
    assert statuses == [404, 500]  # urllib3 retries POST (forced) but never PATCH


def test_20_cancel_session_cancels_queued_jobs(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    session = Session(official.backend())
    # Simulated time follows real time here: a long first job is still running when the
    # session is cancelled, however slowly this machine submits the second.
    official.fake.set_next_job_duration(3600)
    running = sampler_job(session, bell_isa)
    queued = sampler_job(session, bell_isa)

    session.cancel()

    assert official.lines()[-1] == f"DELETE /sessions/{session.session_id}/close"
    assert queued.status() == "CANCELLED"
    running.wait_for_final_state(timeout=60)
    assert running.status() == "DONE"  # the running one finishes
    details = session.details()
    assert details["state"] == "closed" and details["accepting_jobs"] is False


def test_21_job_to_a_session_closed_by_another_client(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    session = Session(official.backend())
    other = requests.patch(
        f"{official.server.runtime_url}/sessions/{session.session_id}",
        json={"accepting_jobs": False},
        headers={"Authorization": "apikey another-client"},
        timeout=30,
    )
    assert other.status_code == 204

    with pytest.raises(IBMRuntimeError, match=r"Failed to run program: .*has been closed"):
        sampler_job(session, bell_isa)
    assert official.calls()[-1].status == 409


def test_22_from_id_on_an_active_session(official: Official, bell_isa: QuantumCircuit) -> None:
    first = Session(official.backend())
    official.fake.set_next_job_duration(1000)
    sampler_job(first, bell_isa)
    official.server.clear_log()

    session = Session.from_id(first.session_id, official.service)

    assert "POST /sessions" not in official.lines()
    assert official.lines().count(f"GET /sessions/{first.session_id}") == 2
    assert session.status() == "In progress, accepting new jobs"
    job = sampler_job(session, bell_isa)
    assert job.session_id == first.session_id
    assert official.fake.job(job.job_id()).session_id == first.session_id
    assert job.result()[0].data.meas.num_shots == 100


def test_23_from_id_on_a_closed_session(official: Official, bell_isa: QuantumCircuit) -> None:
    first = Session(official.backend())
    first.close()

    session = Session.from_id(first.session_id, official.service)

    with pytest.raises(IBMRuntimeError, match="The session is closed"):
        sampler_job(session, bell_isa)
    assert "POST /jobs" not in official.lines()


def test_24_from_id_with_a_mode_mismatch(official: Official) -> None:
    batch = Batch(official.backend())

    with pytest.raises(IBMInputValueError, match="has execution mode batch instead of dedicated"):
        Session.from_id(batch.session_id, official.service)


def test_25_from_id_with_an_unknown_id(official: Official) -> None:
    with pytest.raises(IBMInputValueError, match="Session not found"):
        Session.from_id("nosuchsession0000000", official.service)


def test_26_from_id_with_no_backend(official: Official, rewriting_server: Any) -> None:
    session = Session(official.backend())

    def no_backend(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.method == "GET" and request.path.startswith("/api/v1/sessions/"):
            return json_rewrite(response, lambda body: {**body, "backend_name": None})
        return response

    service = rewriting_server(no_backend)
    with pytest.raises(IBMRuntimeError, match="The backend of this session is unknown"):
        Session.from_id(session.session_id, service)
