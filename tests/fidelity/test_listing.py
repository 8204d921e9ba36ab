"""Issue 10, points 5 and 6: the backends list ``least_busy`` reads, job metrics, private jobs.

Shapes are those of IBM's OpenAPI document of the runtime API (``BackendsResponse``,
``JobMetricsResponse``, ``Private``, ``JobResults``) and of the official client 0.51's source.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.compat import official_service_context

from .conftest import QPU, SIMULATOR, Official, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit.providers.exceptions import QiskitBackendNotFoundError  # noqa: E402
from qiskit_ibm_runtime import SamplerV2  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


# --- point 5: GET /backends -----------------------------------------------------------------------


def test_the_backends_list_has_each_devices_status_queue_and_size(official: Official) -> None:
    official.fake.add_background_jobs(QPU, 3, duration=60)  # one runs, two wait

    devices = {d["name"]: d for d in official.service._active_api_client.list_backends()}

    assert devices[QPU]["status"] == {"name": "online", "reason": "available"}
    assert devices[QPU]["queue_length"] == 2
    assert devices[QPU]["qubits"] == devices[QPU]["physical_qubits"] == 5
    assert devices[QPU]["is_simulator"] is False
    assert devices[SIMULATOR]["is_simulator"] is True and devices[SIMULATOR]["queue_length"] == 0
    assert all("class" not in d for d in devices.values())  # only mock devices carry a class


def _fresh_least_busy(official: Official, **filters: Any) -> str:
    """``least_busy`` of a new official service: 0.51 lists the backends once, when it starts,
    and every later ``least_busy`` of that service sorts that first list."""
    with official_service_context(official.server) as service:
        name: str = service.least_busy(**filters).name
        return name


def test_least_busy_picks_the_online_device_with_the_shortest_queue(official: Official) -> None:
    official.fake.add_background_jobs(QPU, 2, duration=60)
    official.fake.add_background_jobs(SIMULATOR, 4, duration=60)

    assert _fresh_least_busy(official) == QPU
    assert _fresh_least_busy(official, min_num_qubits=6) == SIMULATOR  # reads "qubits"

    official.fake.set_backend_status(QPU, operational=False, status="maintenance")
    devices = {d["name"]: d for d in official.service._active_api_client.list_backends()}
    assert devices[QPU]["status"] == {"name": "offline", "reason": "maintenance"}
    assert _fresh_least_busy(official) == SIMULATOR

    official.fake.set_backend_status(SIMULATOR, operational=False, status="paused")
    with pytest.raises(QiskitBackendNotFoundError, match="No backend matches"):
        _fresh_least_busy(official)


def test_a_negative_reported_queue_is_listed_as_zero(official: Official) -> None:
    official.fake.set_backend_status(QPU, length_queue=-4)

    devices = {d["name"]: d for d in official.service._active_api_client.list_backends()}

    assert devices[QPU]["queue_length"] == 0  # the schema's minimum; least_busy sorts on it


# --- point 6: metrics -----------------------------------------------------------------------------


def test_metrics_carry_the_qiskit_version_and_the_qpu_time(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    official.fake.add_background_jobs(QPU, 1, duration=30)
    job = sampler_job(official.backend(), bell_isa)

    queued = job.metrics()
    assert queued["usage"]["status"] == "pending" and "qiskit_version" not in queued
    assert job.usage() == 0

    job.result()
    metrics = job.metrics()

    assert re.fullmatch(r"v?\d+(\.\d+)*", metrics["qiskit_version"])
    assert metrics["usage"]["status"] == "complete"
    seconds = metrics["usage"]["qpu_charge_time_seconds"]
    assert job.usage() == seconds > 0
    assert metrics["circuits_execution_time_ns"] == pytest.approx(seconds * 1e9)
    assert metrics["num_circuits"] == 1
    assert set(metrics["timestamps"]) == {"created", "running", "finished"}


# --- point 6: private jobs ------------------------------------------------------------------------


def test_a_private_jobs_inputs_are_never_returned_and_its_result_reads_once(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    sampler = SamplerV2(mode=official.backend())
    sampler.options.environment.private = True
    job = sampler.run([bell_isa], shots=50)

    post = next(r for r in official.calls() if r.method == "POST" and r.path.endswith("/jobs"))
    assert post.status == 200
    assert job.inputs == {}
    assert job.result()[0].data.meas.num_shots == 50

    again = official.service.job(job.job_id())
    assert again.private is True
    assert again.result() is None  # read once: the service deleted it
    results = [r for r in official.calls() if r.path.endswith("/results")]
    assert [r.status for r in results] == [200, 204]


def test_a_public_job_keeps_its_inputs_and_result_and_omits_private(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    job = sampler_job(official.backend(), bell_isa, shots=20)
    job.result()

    raw = official.service._active_api_client.job_get(job.job_id(), exclude_params=False)

    assert "private" not in raw  # only ever sent when true
    assert official.service.job(job.job_id()).private is False
    assert len(job.inputs["pubs"]) == 1
    assert official.service.job(job.job_id()).result()[0].data.meas.num_shots == 20
