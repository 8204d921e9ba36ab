"""Programs and interim results, the same over every transport (in process, HTTP, cassette)."""

from __future__ import annotations

from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.result import Result

from qiskit_runtime_double import Session
from qiskit_runtime_double.errors import RuntimeJobFailureError, RuntimeProgramNotFound

from .conftest import Runtime


def rotate(backend: Any, user_messenger: Any, **inputs: Any) -> Any:
    """A user program: publishes the circuit's size, then each step; returns the circuit."""
    circuit: QuantumCircuit = inputs["circuit"]
    user_messenger.publish({"qubits": circuit.num_qubits})
    for step in range(inputs["steps"]):
        user_messenger.publish({"step": step})
    return circuit


def test_hello_world_calls_back_with_each_interim_result_then_the_final_one(
    runtime: Runtime,
) -> None:
    seen: list[tuple[str, Any]] = []
    with Session(service=runtime.service, backend="generic_5q") as session:
        job = session.run(
            "hello-world", {"iterations": 2}, callback=lambda job_id, r: seen.append((job_id, r))
        )
        assert job.result() == "Hello, World!"
    assert [job_id for job_id, _ in seen] == [job.job_id()] * 3
    interim = [result for _, result in seen[:2]]
    assert [message["iteration"] for message in interim] == [0, 1]
    assert seen[2][1] == "Hello, World!"
    assert job.interim_results() == interim


def test_a_registered_program_gets_its_inputs_and_returns_its_result(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    runtime.fake.register_program("rotate", rotate)
    seen: list[Any] = []
    job = runtime.service.run(
        "rotate",
        {"circuit": bell, "steps": 2},
        backend_name="generic_5q",
        callback=lambda job_id, r: seen.append(r),
    )
    assert job.result() == bell
    assert seen == [{"qubits": 2}, {"step": 0}, {"step": 1}, bell]


def test_circuit_runner_result_is_a_qiskit_result(runtime: Runtime, bell: QuantumCircuit) -> None:
    job = runtime.service.run(
        "circuit-runner", {"circuits": bell, "shots": 40}, backend_name="ibmq_qasm_simulator"
    )
    result = job.result()
    assert isinstance(result, Result) and sum(result.get_counts().values()) == 40


def test_programs_are_read_as_the_2023_service_listed_them(runtime: Runtime) -> None:
    runtime.fake.register_program("rotate", rotate, parameters={"required": ["circuit"]})
    client = runtime.service.client
    assert client.list_programs().programs[-1].id == "rotate"
    assert client.program("rotate").spec.parameters == {"required": ["circuit"]}
    with pytest.raises(RuntimeProgramNotFound, match="nothing-here"):
        client.program("nothing-here")


def test_a_failed_program_job_says_why(runtime: Runtime) -> None:
    job = runtime.service.run("circuit-runner", {"circuits": []}, backend_name="generic_5q")
    with pytest.raises(RuntimeJobFailureError, match="circuits is empty"):
        job.result()
    assert "Traceback" in runtime.service.client.job_results(job.job_id())
