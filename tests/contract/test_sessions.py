"""Sessions as the seed API documents them, and as the modern client extends them."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    Batch,
    IBMInputValueError,
    RequestsApiError,
    SamplerV2,
    Session,
    SessionClosedError,
    default_service,
)

from .conftest import Runtime


def test_session_id_is_none_until_a_job_runs_then_the_job_carries_it(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    session = Session(service=runtime.service, backend="generic_5q")
    assert session.session_id is None
    assert session.details() is None and session.status() is None and session.usage() is None
    job = SamplerV2(mode=session).run([runtime.isa(bell)], shots=100)
    assert session.session_id is not None
    assert job.session_id == session.session_id
    assert job.result()[0].data.meas.num_shots == 100
    assert session.backend() == "generic_5q"
    assert session.service is runtime.service


def test_backend_can_be_a_name_or_an_object(runtime: Runtime) -> None:
    assert (
        Session(service=runtime.service, backend=runtime.backend("generic_27q")).backend()
        == "generic_27q"
    )
    assert Session(service=runtime.service, backend="generic_27q").backend() == "generic_27q"


def test_service_defaults_to_the_backends_then_the_context_default(runtime: Runtime) -> None:
    assert Session(backend=runtime.backend()).service is runtime.service
    with default_service(runtime.service):
        assert Session(backend="generic_5q").service is runtime.service


def test_max_time_reaches_the_service(runtime: Runtime, bell: QuantumCircuit) -> None:
    with Session(service=runtime.service, backend="generic_5q", max_time="1h 2m 3s") as session:
        SamplerV2(mode=session).run([runtime.isa(bell)]).result()
        assert session.details()["max_time"] == 3723
    cap = runtime.fake.plan.max_ttl_cap
    with Session(service=runtime.service, backend="generic_5q", max_time=cap) as session:
        SamplerV2(mode=session).run([runtime.isa(bell)]).result()
        assert session.details()["max_time"] == cap


@pytest.mark.parametrize("max_time", [10**20, "9999999h", "30d"])
def test_max_time_above_the_plans_limit_is_refused_naming_the_limit(
    runtime: Runtime, bell: QuantumCircuit, max_time: int | str
) -> None:
    """Issue 17, point 8: it was capped to the limit without a word."""
    session = Session(service=runtime.service, backend="generic_5q", max_time=max_time)
    with pytest.raises(RequestsApiError, match=f"at most {runtime.fake.plan.max_ttl_cap} s"):
        SamplerV2(mode=session).run([runtime.isa(bell)])
    assert runtime.fake.sessions() == []


def test_bad_max_time_is_a_value_error_before_anything_is_sent(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match=r"'soon'.*2h 30m 40s"):
        Session(service=runtime.service, backend="generic_5q", max_time="soon")


def test_context_manager_closes_and_later_runs_raise_without_a_request(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    isa = runtime.isa(bell)
    with Session(service=runtime.service, backend="generic_5q") as session:
        job = SamplerV2(mode=session).run([isa])
    assert job.result()[0].data.meas.num_shots == 4096
    assert session.status() == "Closed"
    jobs_before = len(runtime.service.jobs(limit=None))
    with pytest.raises(SessionClosedError, match="The session is closed"):
        SamplerV2(mode=session).run([isa])
    assert len(runtime.service.jobs(limit=None)) == jobs_before


def test_close_lets_queued_jobs_finish_then_closes(runtime: Runtime, bell: QuantumCircuit) -> None:
    isa = runtime.isa(bell)
    session = Session(service=runtime.service, backend="generic_5q")
    jobs = [SamplerV2(mode=session).run([isa], shots=10) for _ in range(3)]
    session.close()
    assert session.status() == "In progress, not accepting new jobs"
    assert [job.status() for job in jobs][1:] == ["QUEUED", "QUEUED"]
    assert all(job.result()[0].data.meas.num_shots == 10 for job in jobs)
    assert session.status() == "Closed"


def test_cancel_cancels_queued_jobs_and_closes_at_once(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    isa = runtime.isa(bell)
    session = Session(service=runtime.service, backend="generic_5q")
    first = SamplerV2(mode=session).run([isa])
    queued = SamplerV2(mode=session).run([isa])
    session.cancel()
    assert session.status() == "Closed"
    assert queued.status() == "CANCELLED"
    assert first.result()[0].data.meas.num_shots == 4096  # the running job finishes


def test_details_follow_the_lifecycle(runtime: Runtime, bell: QuantumCircuit) -> None:
    isa = runtime.isa(bell)
    session = Session(service=runtime.service, backend="generic_5q")
    job = SamplerV2(mode=session).run([isa])
    details = session.details()
    assert details["state"] == "active" and details["mode"] == "dedicated"
    assert details["activated_at"] is not None and details["accepting_jobs"] is True
    job.result()
    runtime.fake.clock.shift(details["interactive_timeout"] + 1)
    assert session.details()["state"] == "inactive"
    assert session.status() == "Pending"
    session.close()
    final = session.details()
    assert final["state"] == "closed" and final["closed_at"] is not None
    assert [t["status"] for t in final["timestamps"]] == ["open", "active", "inactive", "closed"]
    assert session.usage() == pytest.approx(final["usage_time"]) and final["usage_time"] > 0


def test_from_id_reattaches_and_rejects_unknown_ids_and_wrong_modes(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    isa = runtime.isa(bell)
    session = Session(service=runtime.service, backend="generic_5q")
    SamplerV2(mode=session).run([isa]).result()
    again = Session.from_id(session.session_id, service=runtime.service)
    assert again.session_id == session.session_id and again.backend() == "generic_5q"
    assert SamplerV2(mode=again).run([isa]).session_id == session.session_id
    with pytest.raises(IBMInputValueError, match="Session not found: nope"):
        Session.from_id("nope", service=runtime.service)
    with pytest.raises(IBMInputValueError, match="execution mode dedicated instead of batch"):
        Batch.from_id(session.session_id, service=runtime.service)
    session.close()
    closed = Session.from_id(session.session_id, service=runtime.service)
    with pytest.raises(SessionClosedError):
        SamplerV2(mode=closed).run([isa])


def test_batch_groups_jobs_without_holding_the_backend(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    isa = runtime.isa(bell)
    with Batch(service=runtime.service, backend="generic_5q") as batch:
        jobs = [SamplerV2(mode=batch).run([isa], shots=5) for _ in range(2)]
        assert batch.details()["mode"] == "batch"
    assert all(job.result()[0].data.meas.num_shots == 5 for job in jobs)
    assert {job.session_id for job in jobs} == {batch.session_id}


def test_session_run_with_raw_inputs_and_callback(runtime: Runtime, bell: QuantumCircuit) -> None:
    import numpy as np

    seen: list[tuple[str, object]] = []
    session = Session(service=runtime.service, backend="generic_5q")
    inputs = {"pubs": [[runtime.isa(bell), np.zeros((0,)), 50]], "options": {}, "version": 2}
    job = session.run(
        "sampler", inputs, options={"job_tags": ["t1"]}, callback=lambda i, r: seen.append((i, r))
    )
    job.wait_for_final_state()
    assert seen and seen[0][0] == job.job_id()
    assert job.tags == ["t1"]
    assert job.inputs["pubs"][0][2] == 50
    raw = session.run("sampler", inputs, result_decoder=lambda text: text).result()
    assert isinstance(raw, str) and "PrimitiveResult" in raw
