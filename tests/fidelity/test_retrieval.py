"""Fidelity scenarios 30-40: retrieval and listing, metrics, logs, tags, retries, usage limits,
error bodies. Scenario 40 (the 2023 client's session protocol) does not apply to 0.51."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake import FakeRuntime, Plan
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse

from .conftest import QPU, SUITE_MAX_WAIT, Official, json_rewrite, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit_ibm_runtime import SamplerV2, Session  # noqa: E402
from qiskit_ibm_runtime.exceptions import (  # noqa: E402
    IBMRuntimeError,
    RuntimeJobNotFound,
)

pytestmark = [
    pytest.mark.compat,
    # 0.50 deprecated the V2 primitives in favour of client-side ones; 0.51 still submits them.
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


# --- retrieval and listing (30-36) ----------------------------------------------------------------


def test_30_service_job_retrieval(official: Official, bell_isa: QuantumCircuit) -> None:
    with Session(official.backend()) as session:
        submitted = sampler_job(session, bell_isa)

    job = official.service.job(submitted.job_id())

    assert job.session_id == session.session_id
    assert job.primitive_id == "sampler"
    assert job.creation_date is not None and job.creation_date.tzinfo is not None
    assert official.calls()[-1].query == {"exclude_params": ["true"]}


def test_31_unknown_job(official: Official) -> None:
    with pytest.raises(RuntimeJobNotFound):
        official.service.job("nosuchjob00000000000")
    with pytest.raises(RuntimeJobNotFound):
        official.service.delete_job("nosuchjob00000000000")


def test_32_list_pagination(official: Official, bell_isa: QuantumCircuit) -> None:
    backend = official.backend()
    for _ in range(25):
        sampler_job(backend, bell_isa, shots=10)
    official.server.clear_log()

    jobs = official.service.jobs(limit=None)

    assert len(jobs) == 25 and len({job.job_id() for job in jobs}) == 25
    queries = [r.query for r in official.calls()]
    assert queries == [
        {"exclude_params": ["true"], "limit": ["20"]},
        {"exclude_params": ["true"], "limit": ["20"], "offset": ["20"]},
    ]


def test_33_list_filters(official: Official, bell_isa: QuantumCircuit) -> None:
    official.fake.add_background_jobs(QPU, 1, duration=30)
    with Session(official.backend()) as session:
        sampler = SamplerV2(mode=session)
        sampler.options.environment.job_tags = ["a", "b"]
        tagged = sampler.run([bell_isa])
        sampler_job(session, bell_isa)  # untagged
    official.server.clear_log()

    jobs = official.service.jobs(
        pending=True,
        session_id=session.session_id,
        backend_name=QPU,
        program_id="sampler",
        job_tags=["a", "b"],
        descending=False,
    )

    assert [job.job_id() for job in jobs] == [tagged.job_id()]
    (call,) = official.calls()
    assert call.query == {
        "exclude_params": ["true"],
        "limit": ["10"],
        "backend": [QPU],
        "pending": ["true"],
        "program": ["sampler"],
        "tags": ["a", "b"],
        "session_id": [session.session_id],
        "sort": ["ASC"],
    }


def test_34_metrics_and_usage(official: Official, bell_isa: QuantumCircuit) -> None:
    official.fake.add_background_jobs(QPU, 1, duration=30)
    job = sampler_job(official.backend(), bell_isa)

    assert job.usage() == 0  # queued: usage pending
    job.result()
    metrics = job.metrics()

    assert set(metrics["timestamps"]) >= {"created", "running", "finished"}
    assert metrics["usage"]["quantum_seconds"] > 0
    assert job.usage() == metrics["usage"]["qpu_charge_time_seconds"] > 0


def test_35_logs(official: Official, bell_isa: QuantumCircuit) -> None:
    job = sampler_job(official.backend(), bell_isa)
    job.result()

    assert "job completed" in job.logs()
    official.fake.inject_http_error("job_logs", 404)
    assert job.logs() == ""


def test_36_tags_update(official: Official, bell_isa: QuantumCircuit) -> None:
    job = sampler_job(official.backend(), bell_isa)

    assert job.update_tags(["x", "y"]) == ["x", "y"] or set(job.tags) == {"x", "y"}

    put = [r for r in official.calls() if r.method == "PUT"]
    assert [(r.path, r.status) for r in put] == [(f"/api/v1/jobs/{job.job_id()}/tags", 204)]
    assert set(official.fake.job(job.job_id()).tags) == {"x", "y"}


# --- retries, usage and errors (37-39) ------------------------------------------------------------


def test_37_retry_on_post_creates_one_job(official: Official, bell_isa: QuantumCircuit) -> None:
    official.fake.inject_http_error("create_job", 502)

    job = sampler_job(official.backend(), bell_isa)

    posts = [r.status for r in official.calls() if r.method == "POST"]
    assert posts == [502, 200]
    assert [j.job_id() for j in official.service.jobs()] == [job.job_id()]


@pytest.fixture
def metered() -> Iterator[Official]:
    """A fake whose plan allows 1 s of QPU time: one Bell job (~2.3 s) exhausts it."""
    fake = FakeRuntime([QPU], seed=4, plan=Plan(usage_allocation_seconds=1.0))
    with fake.serve(max_wait=SUITE_MAX_WAIT) as server, official_service_context(server) as service:
        yield Official(fake, server, service)


def test_38_usage_limit_warns_and_still_posts(metered: Official, bell_isa: QuantumCircuit) -> None:
    backend = metered.backend()
    sampler_job(backend, bell_isa).result()  # uses up the allocation

    with pytest.warns(UserWarning, match="This instance has met its usage limit"):
        job = sampler_job(backend, bell_isa)
    assert job.result()[0].data.meas.num_shots == 100
    assert metered.service.usage()["usage_remaining_seconds"] == 0


def test_38b_usage_limit_flag_warns_and_the_post_is_refused(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    official.fake.set_usage_limit_reached()

    with (
        pytest.warns(UserWarning, match="no more time available"),
        pytest.raises(IBMRuntimeError, match=r"Failed to run program: .*403"),
    ):
        sampler_job(official.backend(), bell_isa)
    assert official.calls()[-1].method == "POST" and official.calls()[-1].status == 403


def test_39_error_body_shapes(
    official: Official, bell_isa: QuantumCircuit, rewriting_server: Any
) -> None:
    too_many = 10**8  # shots beyond the backend's max_shots: the client does not check, we do

    with pytest.raises(
        IBMRuntimeError, match=r"Failed to run program: .*400 Client Error"
    ) as raised:
        sampler_job(official.backend(), bell_isa, shots=too_many)
    message = str(raised.value)
    assert '{"errors":[{"code":"1002"' in message and '"status_code":400' in message
    assert f"got {too_many}" in message

    def singular(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code == 400:
            return json_rewrite(
                response,
                lambda body: {"error": {"message": "Circuit is not ISA", "code": "1002"}},
            )
        return response

    service = rewriting_server(singular)
    with pytest.raises(IBMRuntimeError, match=r"\. Circuit is not ISA, Error code: 1002\."):
        sampler_job(service.backend(QPU), bell_isa, shots=too_many)


# --- 40 -------------------------------------------------------------------------------------------
# Scenario 40 (the 2023 start_session protocol) needs the 2023 client itself: tests/legacy/ runs
# qiskit-ibm-runtime 0.15.1 against the served fake, and tests/contract/test_seed_era_protocol.py
# runs the same protocol through our own client over every transport.
