"""Primitives return real qiskit results computed by Aer, with the service's pub semantics."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.primitives import PrimitiveResult, SamplerResult
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import (
    Estimator,
    EstimatorV2,
    IBMInputValueError,
    Options,
    Sampler,
    SamplerV2,
    Session,
)

from .conftest import Runtime


def test_sampler_bell_on_the_ideal_simulator_gives_only_00_and_11(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    result = SamplerV2(mode=runtime.backend("ibmq_qasm_simulator")).run([bell], shots=500).result()
    assert isinstance(result, PrimitiveResult)
    counts = result[0].data.meas.get_counts()
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 500


def test_shots_precedence_pub_then_run_then_default_shots(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    isa = runtime.isa(bell)
    sampler = SamplerV2(mode=runtime.backend(), options={"default_shots": 200})
    result = sampler.run([(isa, None, 30), isa]).result()
    assert [r.data.meas.num_shots for r in result] == [30, 200]
    assert sampler.run([isa], shots=70).result()[0].data.meas.num_shots == 70


def test_parameter_broadcasting_gives_one_bitarray_per_binding(runtime: Runtime) -> None:
    theta = Parameter("θ")
    circuit = QuantumCircuit(1)
    circuit.ry(theta, 0)
    circuit.measure_all()
    isa = runtime.isa(circuit, "ibmq_qasm_simulator")
    values = np.array([[0.0], [np.pi], [np.pi / 2]])
    result = (
        SamplerV2(mode=runtime.backend("ibmq_qasm_simulator"))
        .run([(isa, values)], shots=400)
        .result()
    )
    bits = result[0].data.meas
    assert bits.shape == (3,)
    assert bits[0].get_counts() == {"0": 400} and bits[1].get_counts() == {"1": 400}


def test_estimator_values_precision_and_shapes(runtime: Runtime) -> None:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    backend = runtime.backend("ibmq_qasm_simulator")
    estimator = EstimatorV2(mode=backend, options={"seed_simulator": 3})
    observables = [[SparsePauliOp("ZZ")], [SparsePauliOp("XX")], [SparsePauliOp("ZI")]]
    result = estimator.run([(circuit, observables)], precision=0.01).result()
    evs = result[0].data.evs
    assert evs.shape == (3, 1)
    assert evs[0, 0] == pytest.approx(1, abs=0.05) and evs[2, 0] == pytest.approx(0, abs=0.05)
    assert result[0].metadata["target_precision"] == 0.01


def test_same_seed_same_counts_on_a_noisy_backend(runtime: Runtime, bell: QuantumCircuit) -> None:
    isa = runtime.isa(bell)
    options = {"seed_simulator": 5}
    a = (
        SamplerV2(mode=runtime.backend(), options=options)
        .run([isa])
        .result()[0]
        .data.meas.get_counts()
    )
    b = (
        SamplerV2(mode=runtime.backend(), options=options)
        .run([isa])
        .result()[0]
        .data.meas.get_counts()
    )
    assert a == b and len(a) > 2  # noise puts some shots on 01 and 10


def test_seed_era_sampler_transpiles_and_returns_quasi_distributions(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    with Session(service=runtime.service, backend="generic_27q") as session:
        sampler = Sampler(session=session, options=Options(optimization_level=3))
        result = sampler.run(bell).result()
    assert isinstance(result, SamplerResult)
    dist = result.quasi_dists[0]
    assert sum(dist.values()) == pytest.approx(1)
    assert dist[0] + dist[3] > 0.8 and result.metadata[0]["shots"] == 4000


def test_seed_era_estimator(runtime: Runtime) -> None:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    with Session(service=runtime.service, backend="ibmq_qasm_simulator") as session:
        result = Estimator(session=session).run(circuit, SparsePauliOp("ZZ")).result()
    assert result.values[0] == pytest.approx(1, abs=0.1)


def test_primitive_inside_a_with_block_uses_that_session(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    with Session(service=runtime.service, backend="generic_5q") as session:
        job = SamplerV2().run([runtime.isa(bell)])
    assert job.session_id == session.session_id


def test_primitive_without_any_mode_says_how_to_give_one(bell: QuantumCircuit) -> None:
    with pytest.raises(IBMInputValueError, match="mode="):
        SamplerV2().run([bell])


def test_unknown_option_names_the_known_ones() -> None:
    with pytest.raises(IBMInputValueError, match="default_shots"):
        SamplerV2(options={"shotz": 3})
