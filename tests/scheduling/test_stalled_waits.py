"""Waiting on a job that can never start ends with an error, not with simulated time racing on."""

from __future__ import annotations

import datetime as dt

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    ClockError,
    FakeRuntime,
    QiskitRuntimeService,
    RuntimeJobTimeoutError,
    SamplerV2,
    SimulationStalledError,
)

from ..helpers import live_transport


def test_waiting_without_timeout_on_an_offline_backend_names_job_backend_and_reason(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    fake.set_backend_status("generic_5q", operational=False, status="maintenance", message="ops")
    job = SamplerV2(mode=service.backend("generic_5q")).run([isa_bell])
    before = fake.now()
    with pytest.raises(SimulationStalledError) as info:
        job.result()
    message = str(info.value)
    assert job.job_id() in message and "'generic_5q'" in message
    assert "maintenance" in message and "ops" in message
    assert "set_backend_status('generic_5q', operational=True)" in message
    assert isinstance(info.value, ClockError)
    # Bounded: the wait gave up at once, instead of moving simulated time on for days.
    assert fake.now() - before < dt.timedelta(seconds=1)
    assert job.status() == "QUEUED"  # nothing was changed by the failed wait


def test_a_wait_with_a_timeout_on_an_offline_backend_times_out_as_against_ibm(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    fake.set_backend_status("generic_5q", operational=False)
    job = SamplerV2(mode=service.backend("generic_5q")).run([isa_bell])
    before = fake.now()
    with pytest.raises(RuntimeJobTimeoutError, match="after 600"):
        job.result(timeout=600)
    assert fake.now() - before == dt.timedelta(seconds=600)


def test_the_job_runs_once_the_backend_is_back(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    fake.set_backend_status("generic_5q", operational=False)
    job = SamplerV2(mode=service.backend("generic_5q")).run([isa_bell])
    with pytest.raises(SimulationStalledError):
        job.result()
    fake.set_backend_status("generic_5q", operational=True)
    assert job.result()[0].data.meas.num_shots == 4096


def test_other_activity_in_the_fake_does_not_hide_a_stalled_job(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    """A never-ending stream of other users' jobs elsewhere keeps events coming; still stalled."""
    fake.add_background_load("ibmq_qasm_simulator", jobs_per_hour=3600, duration=1)
    fake.set_backend_status("generic_5q", operational=False)
    job = SamplerV2(mode=service.backend("generic_5q")).run([isa_bell])
    with pytest.raises(SimulationStalledError, match=job.job_id()):
        job.result()


def test_a_job_queued_behind_others_is_not_stalled(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    fake.add_background_jobs("generic_5q", 3, duration=600)
    job = SamplerV2(mode=service.backend("generic_5q")).run([isa_bell])
    assert fake.simulation.stall_reason(job.job_id()) is None
    assert job.result()[0].data.meas.num_shots == 4096
    assert fake.job(job.job_id()).running_at == fake.job(job.job_id()).created + dt.timedelta(
        seconds=1800
    )


def test_stall_detection_over_http_with_the_fakes_clock(isa_bell: QuantumCircuit) -> None:
    fake = FakeRuntime(backends=["generic_5q"], seed=3)
    fake.set_backend_status("generic_5q", operational=False)
    with (
        fake.serve(pace="manual") as server,
        QiskitRuntimeService(transport=live_transport(server), instance=server.instance) as service,
    ):
        job = SamplerV2(mode=service.backend("generic_5q")).run([isa_bell])
        with pytest.raises(SimulationStalledError, match="generic_5q"):
            job.result()
