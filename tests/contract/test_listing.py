"""Issue 10, points 5, 6 and 8 through our own client, over every transport: ``least_busy`` from
the backends list, metrics, private jobs, and listing a seeded history."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import BackendNotFoundError, RuntimeJob, SamplerV2

from .conftest import Runtime


def ids(jobs: list[RuntimeJob]) -> list[str]:
    return [job.job_id() for job in jobs]


# --- point 5 --------------------------------------------------------------------------------------


def test_least_busy_reads_the_list_and_skips_devices_not_online(runtime: Runtime) -> None:
    runtime.fake.add_background_jobs("generic_5q", 3, duration=60)
    runtime.fake.add_background_jobs("generic_27q", 2, duration=60)
    # The status of each backend is not needed: one GET /backends says it all.
    runtime.fake.inject_http_error("backend_status", 400, times=None)

    assert runtime.service.least_busy().name == "generic_127q"
    assert runtime.service.least_busy(simulator=True).name == "ibmq_qasm_simulator"
    runtime.fake.set_backend_status("generic_127q", operational=False, status="paused")
    assert runtime.service.least_busy().name == "generic_27q"
    assert runtime.service.least_busy(min_num_qubits=28, simulator=None).name == (
        "ibmq_qasm_simulator"
    )
    with pytest.raises(BackendNotFoundError, match="No operational backend"):
        runtime.service.least_busy(min_num_qubits=200)


# --- point 6 --------------------------------------------------------------------------------------


def test_metrics_report_the_qiskit_version_once_the_job_ran(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    runtime.fake.add_background_jobs("generic_5q", 1, duration=30)
    job = SamplerV2(mode=runtime.backend()).run([runtime.isa(bell)], shots=10)
    assert job.metrics()["usage"]["status"] == "pending" and job.usage() == 0

    job.result()
    metrics = job.metrics()

    assert re.fullmatch(r"\d+(\.\d+)*", metrics["qiskit_version"])
    assert metrics["usage"]["status"] == "complete"
    assert job.usage() == metrics["usage"]["qpu_charge_time_seconds"] > 0
    assert metrics["circuits_execution_time_ns"] == pytest.approx(job.usage() * 1e9)


def test_a_private_job_hides_its_inputs_and_gives_its_result_once(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    sampler = SamplerV2(mode=runtime.backend(), options={"private": True})
    job = sampler.run([runtime.isa(bell)], shots=9)

    assert job.private and job.inputs == {}
    assert job.result()[0].data.meas.num_shots == 9
    assert job.result()[0].data.meas.num_shots == 9  # kept by the job object that read it

    again = runtime.service.job(job.job_id())
    assert again.private and again.status() == "DONE"
    assert again.result() is None  # the service deleted it after the first read

    public = SamplerV2(mode=runtime.backend()).run([runtime.isa(bell)], shots=3)
    assert not public.private and "pubs" in public.inputs
    public.result()
    assert runtime.service.job(public.job_id()).result()[0].data.meas.num_shots == 3


# --- point 8 --------------------------------------------------------------------------------------


def test_a_seeded_history_is_listed_filtered_and_paged_like_live_jobs(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    from qiskit_runtime_double.fake import History

    start = runtime.fake.now()
    past = runtime.fake.add_history(
        History(weeks=2, jobs_per_day=2, backends=["generic_5q", "generic_27q"], tags=["exp"])
    )
    live = SamplerV2(mode=runtime.backend()).run([runtime.isa(bell)], shots=5)
    everything = runtime.service.jobs(limit=None)

    assert everything[0].job_id() == live.job_id()  # newest first
    assert {j.job_id() for j in everything} == {*past, live.job_id()}
    assert len(past) == 28 and all(j.creation_date < start for j in everything[1:])

    newest_first = ids(everything)
    assert ids(runtime.service.jobs(limit=3, descending=False)) == newest_first[::-1][:3]
    assert ids(runtime.service.jobs(limit=5, skip=26)) == newest_first[26:]  # three left
    assert runtime.service.jobs(skip=1000) == []  # skip beyond the end: nothing, no error

    week_ago = start - dt.timedelta(days=7)
    recent = runtime.service.jobs(limit=None, created_after=week_ago, pending=False)
    assert recent and all(j.creation_date >= week_ago for j in recent)
    assert live.job_id() not in {j.job_id() for j in recent} or live.in_final_state()
    tagged = runtime.service.jobs(limit=None, job_tags=["exp"])
    assert tagged and {j.job_id() for j in tagged} <= set(past)
    assert all(j.tags == ["exp"] for j in tagged)
    on_27 = runtime.service.jobs(limit=None, backend_name="generic_27q")
    assert on_27 and all(j.backend().name == "generic_27q" for j in on_27)

    done = next(j for j in everything[1:] if j.status() == "DONE")
    assert done.metrics()["usage"]["status"] == "complete"
    result = done.result()
    assert result.metadata["synthetic"] is True and result[0].data.meas.num_shots > 0


def test_least_busy_asks_each_status_when_the_list_lacks_it() -> None:
    """A recording made before the fake listed status and queue (or an older server)."""
    from qiskit_runtime_double import FakeRuntime, InProcessTransport, QiskitRuntimeService
    from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse

    fake = FakeRuntime(["generic_5q", "generic_27q"], seed=3)
    fake.add_background_jobs("generic_27q", 3, duration=60)

    def old_list(request: HttpRequest) -> HttpResponse:
        answer = fake.app(request)
        if request.path.endswith("/backends"):  # names only (and no mock devices then)
            listed = answer.json()["devices"]
            devices = [{"name": d["name"]} for d in listed if d.get("class") != "mock"]
            return HttpResponse.from_json(200, {"devices": devices})
        return answer

    service = QiskitRuntimeService(
        transport=InProcessTransport(old_list), instance=fake.plan.instance
    )
    assert service.least_busy().name == "generic_5q"
    fake.set_backend_status("generic_5q", operational=False)
    assert service.least_busy().name == "generic_27q"
