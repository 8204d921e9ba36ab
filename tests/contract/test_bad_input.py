"""Every bad input gets a clear error, and the fake's state survives it."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import (
    BackendNotFoundError,
    EstimatorV2,
    IBMInputValueError,
    IBMRuntimeError,
    RuntimeProgramNotFound,
    SamplerV2,
    Session,
)

from .conftest import Runtime


def test_unknown_backend_names_the_available_ones(runtime: Runtime) -> None:
    with pytest.raises(BackendNotFoundError, match=r"ibm_nowhere.*service.backends") as info:
        runtime.service.backend("ibm_nowhere")
    assert isinstance(info.value, ValueError)
    session = Session(service=runtime.service, backend="ibm_nowhere")
    with pytest.raises(BackendNotFoundError, match="generic_5q"):
        session.run("sampler", {"pubs": []})


def test_unknown_program(runtime: Runtime) -> None:
    with pytest.raises(RuntimeProgramNotFound, match="sampler, estimator, circuit-runner"):
        Session(service=runtime.service, backend="generic_5q").run("vqe", {})


def test_non_isa_circuit_is_refused_with_the_fix(runtime: Runtime, bell: QuantumCircuit) -> None:
    with pytest.raises(
        IBMRuntimeError, match=r"Failed to run program: 400.*generate_preset_pass_manager"
    ):
        SamplerV2(mode=runtime.backend()).run([bell])


@pytest.mark.parametrize(
    "inputs",
    [
        {"pubs": []},
        {"pubs": "nope"},
        {"pubs": [[{"__type__": "QuantumCircuit", "__value__": "bm90IHFweQ=="}]]},
        {"version": 2},
    ],
)
def test_malformed_inputs_are_a_400_and_nothing_is_created(runtime: Runtime, inputs: dict) -> None:
    session = Session(service=runtime.service, backend="generic_5q")
    with pytest.raises(IBMRuntimeError, match="Failed to run program: 400"):
        session.run("sampler", inputs)
    assert runtime.service.jobs(limit=None) == []


def test_shots_out_of_range_are_refused(runtime: Runtime, bell: QuantumCircuit) -> None:
    isa = runtime.isa(bell)
    with pytest.raises(IBMRuntimeError, match="shots"):
        SamplerV2(mode=runtime.backend()).run([(isa, None, 10**9)])


def test_state_survives_bad_requests(runtime: Runtime, bell: QuantumCircuit) -> None:
    session = Session(service=runtime.service, backend="generic_5q")
    for bad in ({"pubs": []}, {"pubs": [[1, 2, 3]]}):
        with pytest.raises(IBMRuntimeError):
            session.run("sampler", bad)
    inputs = {"pubs": [[runtime.isa(bell), np.zeros((0,)), 9]], "options": {}, "version": 2}
    job = session.run("sampler", inputs)
    assert job.result()[0].data.meas.num_shots == 9
    assert len(runtime.service.jobs(limit=None)) == 1


def test_inputs_must_be_a_dict(runtime: Runtime) -> None:
    with pytest.raises(IBMInputValueError, match="dict"):
        Session(service=runtime.service, backend="generic_5q").run("sampler", [1, 2])  # type: ignore[arg-type]


def test_unknown_run_option_lists_the_known_ones(runtime: Runtime) -> None:
    with pytest.raises(IBMInputValueError, match="max_execution_time"):
        Session(service=runtime.service, backend="generic_5q").run(
            "sampler", {}, options={"shots": 3}
        )


@pytest.mark.parametrize("precision", [1e-12, 1e-200])
def test_a_precision_needing_more_shots_than_the_backend_runs_is_refused(
    runtime: Runtime, precision: float
) -> None:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    estimator = EstimatorV2(mode=runtime.backend("ibmq_qasm_simulator"))
    with pytest.raises(IBMRuntimeError, match=r"400.*precision.*100000 shots.*at least 0\.00317"):
        estimator.run([(circuit, SparsePauliOp("ZZ"))], precision=precision)
    assert runtime.service.jobs(limit=None) == []


@pytest.mark.parametrize("precision", [2.0, 1e10, 1e154])
def test_a_precision_above_one_runs_one_randomization_of_the_fewest_shots(
    runtime: Runtime, precision: float
) -> None:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    estimator = EstimatorV2(mode=runtime.backend("ibmq_qasm_simulator"))
    result = estimator.run([(circuit, SparsePauliOp("ZZ"))], precision=precision).result()
    # One shot asked for: one randomization of 64 shots, the fewest "auto" gives.
    assert (result[0].metadata["shots"], result[0].metadata["num_randomizations"]) == (64, 1)
    assert abs(float(result[0].data.evs)) <= 1
