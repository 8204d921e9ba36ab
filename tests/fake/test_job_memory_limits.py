"""What one job may cost the fake's memory (issue 17, point 2): a params bomb is refused naming
the limit, a job's executions (circuits after broadcasting times shots) are capped as the
service's job validation caps them, and a job's decoded inputs are let go once it ends."""

from __future__ import annotations

import gc
import inspect
import json
import weakref
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qiskit_runtime_double import QiskitRuntimeService, SamplerV2
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.core.workloads import MAX_EXECUTIONS
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers, HttpRequest
from qiskit_runtime_double.wire.inflate import JOB_INPUT_LIMITS, STEP

from ..helpers import bell

BACKEND = "ibmq_qasm_simulator"


def rotation() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.rx(Parameter("theta"), 0)
    circuit.measure_all()
    return circuit


def submit(fake: FakeRuntime, pubs: list[Any]) -> tuple[int, str]:
    params = codec.to_jsonable({"pubs": pubs, "version": 2, "support_qiskit": True})
    body = json.dumps({"program_id": "sampler", "backend": BACKEND, "params": params})
    request = HttpRequest(
        "POST",
        "http://runtime-double.invalid/api/v1/jobs",
        Headers({"Content-Type": "application/json"}),
        body.encode(),
    )
    response = fake.app(request)
    return response.status_code, response.content.decode()


def message(text: str) -> str:
    return str(json.loads(text)["errors"][0]["message"])


def test_parameter_values_that_inflate_like_a_bomb_are_a_400_naming_the_limit() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    zeros = np.zeros((JOB_INPUT_LIMITS.ratio_free_bytes // 8 + STEP, 1))  # 9 MiB in ~9 KB
    status, text = submit(fake, [[rotation(), zeros, 1]])
    assert status == 400
    assert "more than 250 times its size" in message(text)
    assert fake.jobs() == []


def test_more_executions_than_the_service_runs_is_a_400_naming_the_limit() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    status, text = submit(fake, [[bell(), None, 100_000] for _ in range(200)])
    assert status == 400
    assert "20,000,000 executions" in message(text) and f"{MAX_EXECUTIONS:,}" in message(text)
    assert fake.jobs() == []


def test_parameter_bindings_count_as_executions() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    values = np.linspace(0, 3, 1_000).reshape(1_000, 1)
    status, text = submit(fake, [[bell(), None, 10], [rotation(), values, 100_000]])
    assert status == 400
    assert "pub 1 alone asks for 100,000,000" in message(text)


def test_a_job_at_the_limit_is_accepted() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    status, _ = submit(fake, [[bell(), None, 100_000] for _ in range(MAX_EXECUTIONS // 100_000)])
    assert status == 200


def test_a_finished_job_lets_go_of_its_decoded_inputs_and_still_returns_them_as_sent() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    service = QiskitRuntimeService(fake=fake)
    values = np.array([[0.5], [1.5]])
    job = SamplerV2(mode=service.backend(BACKEND)).run([(rotation(), values, 64)])
    decoded = weakref.ref(fake.job(job.job_id()).workload)
    job.result()
    gc.collect()
    assert decoded() is None
    pub = job.inputs["pubs"][0]
    assert np.array_equal(pub[1], values) and pub[2] == 64
    assert service.job(job.job_id()).inputs["pubs"][0][2] == 64


def test_the_guarantees_page_states_the_limits_the_code_enforces() -> None:
    from pathlib import Path

    from qiskit_runtime_double.fake.http.app import MAX_BODY_BYTES
    from qiskit_runtime_double.transports.cassettes import payloads
    from qiskit_runtime_double.wire.codec import CircuitCache
    from qiskit_runtime_double.wire.inflate import RESULT_LIMITS

    page = (Path(__file__).parents[2] / "docs" / "guarantees.md").read_text()
    mib = 2**20
    limits = JOB_INPUT_LIMITS
    assert f"| request body | {MAX_BODY_BYTES // mib} MiB" in page
    assert f"decoded | {limits.max_bytes // mib} MiB" in page
    assert (
        f"past its first {limits.ratio_free_bytes // mib} MiB | {limits.max_ratio:g} times" in page
    )
    assert f"together, decoded | {limits.max_total_bytes // mib} MiB" in page  # type: ignore[operator]
    assert f"| {MAX_EXECUTIONS:,} (" in page
    assert (
        f"{payloads.MAX_DECODED_BYTES // mib} MiB, {payloads.MAX_RATIO} times past the first "
        f"{payloads.RATIO_FREE_BYTES // mib} MiB" in page
    )
    assert f"| {RESULT_LIMITS.max_bytes // 2**30} GiB (" in page
    defaults = inspect.signature(CircuitCache).parameters
    size, chars = defaults["size"].default, defaults["max_chars"].default
    assert f"at most {size} circuits and {chars // mib} Mi characters" in page
