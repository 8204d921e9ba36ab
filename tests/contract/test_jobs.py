"""Jobs: status, results, failures, cancellation, retrieval and listing."""

from __future__ import annotations

import datetime as dt

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
    RuntimeJobNotFound,
    RuntimeJobTimeoutError,
    SamplerV2,
    Session,
)

from .conftest import Runtime


def test_status_moves_queued_running_done_on_the_fakes_clock(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    backend = runtime.backend()
    isa = runtime.isa(bell)
    first = SamplerV2(mode=backend).run([isa])
    second = SamplerV2(mode=backend).run([isa])
    assert (first.status(), second.status()) == ("RUNNING", "QUEUED")
    first.wait_for_final_state()
    assert (first.status(), second.status()) == ("DONE", "RUNNING")
    assert first.done() and first.in_final_state() and not first.running()
    second.result()
    metrics = second.metrics()
    assert metrics["timestamps"]["running"] == first.metrics()["timestamps"]["finished"]
    assert second.usage() > 0


def test_a_wait_with_a_timeout_raises_when_the_job_needs_longer(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    runtime.fake.set_next_job_duration(600)
    job = SamplerV2(mode=runtime.backend()).run([runtime.isa(bell)])
    with pytest.raises(RuntimeJobTimeoutError, match="after 60 s"):
        job.result(timeout=60)
    assert job.result()[0].data.meas.num_shots == 4096


def test_failed_job_raises_with_code_and_reason(runtime: Runtime, bell: QuantumCircuit) -> None:
    runtime.fake.fail_job(reason="Circuit too deep", code=1002)
    job = SamplerV2(mode=runtime.backend()).run([runtime.isa(bell)])
    with pytest.raises(RuntimeJobFailureError, match="Error code 1002; Circuit too deep"):
        job.result()
    assert job.status() == "ERROR"
    assert "Circuit too deep" in (job.error_message() or "")


def test_ran_too_long_is_a_max_timeout_error(runtime: Runtime, bell: QuantumCircuit) -> None:
    runtime.fake.make_job_run_too_long()
    job = SamplerV2(mode=runtime.backend()).run([runtime.isa(bell)])
    with pytest.raises(RuntimeJobMaxTimeoutError):
        job.result()
    assert job.status() == "ERROR"


def test_max_execution_time_stops_a_long_job_as_the_service_does(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    runtime.fake.set_next_job_duration(120)
    sampler = SamplerV2(mode=runtime.backend(), options={"max_execution_time": 30})
    job = sampler.run([runtime.isa(bell)])
    with pytest.raises(RuntimeJobMaxTimeoutError):
        job.result()
    assert job.metrics()["usage"]["quantum_seconds"] == pytest.approx(30)


def test_cancel_a_queued_job_then_its_result_is_invalid(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    isa = runtime.isa(bell)
    SamplerV2(mode=runtime.backend()).run([isa])
    queued = SamplerV2(mode=runtime.backend()).run([isa])
    queued.cancel()
    assert queued.status() == "CANCELLED"
    with pytest.raises(RuntimeInvalidStateError, match="Job was cancelled"):
        queued.result()
    with pytest.raises(RuntimeInvalidStateError, match="cannot be cancelled"):
        runtime.service.job(queued.job_id()).cancel()


def test_job_retrieval_and_unknown_ids(runtime: Runtime, bell: QuantumCircuit) -> None:
    session = Session(service=runtime.service, backend="generic_5q")
    job = SamplerV2(mode=session).run([runtime.isa(bell)], shots=7)
    again = runtime.service.job(job.job_id())
    assert again.session_id == session.session_id
    assert again.primitive_id == "sampler"
    assert again.backend().name == "generic_5q"
    assert again.creation_date is not None and again.creation_date.tzinfo is not None
    assert again.result()[0].data.meas.num_shots == 7
    with pytest.raises(RuntimeJobNotFound):
        runtime.service.job("d000000000000000000")
    runtime.service.delete_job(job.job_id())
    with pytest.raises(RuntimeJobNotFound):
        runtime.service.job(job.job_id())


def test_listing_pages_filters_and_counts(runtime: Runtime, bell: QuantumCircuit) -> None:
    isa = runtime.isa(bell)
    session = Session(service=runtime.service, backend="generic_5q")
    tagged = [
        SamplerV2(mode=session, options={"job_tags": ["a", "b"]}).run([isa], shots=1)
        for _ in range(3)
    ]
    others = [
        SamplerV2(mode=runtime.backend("generic_27q")).run(
            [runtime.isa(bell, "generic_27q")], shots=1
        )
        for _ in range(22)
    ]
    assert len(runtime.service.jobs(limit=None)) == 25
    assert len(runtime.service.jobs()) == 10
    assert [j.job_id() for j in runtime.service.jobs(limit=2)] == [
        others[-1].job_id(),
        others[-2].job_id(),
    ]
    ascending = runtime.service.jobs(limit=1, descending=False)
    assert ascending[0].job_id() == tagged[0].job_id()
    assert {j.job_id() for j in runtime.service.jobs(session_id=session.session_id)} == {
        j.job_id() for j in tagged
    }
    assert len(runtime.service.jobs(job_tags=["a"], limit=None)) == 3
    assert len(runtime.service.jobs(backend_name="generic_27q", limit=None)) == 22
    pending = runtime.service.jobs(pending=True, limit=None)
    assert all(j.status() in ("QUEUED", "RUNNING") for j in pending)
    later = runtime.fake.now() + dt.timedelta(days=1)
    assert runtime.service.jobs(created_after=later) == []


def test_logs_tags_and_metrics(runtime: Runtime, bell: QuantumCircuit) -> None:
    job = SamplerV2(mode=runtime.backend()).run([runtime.isa(bell)])
    job.result()
    assert "completed" in job.logs()
    assert job.update_tags(["x"]) == ["x"]
    assert runtime.service.job(job.job_id()).tags == ["x"]
    assert set(job.metrics()["timestamps"]) == {"created", "running", "finished"}
