"""Primitives return real qiskit results computed by Aer, with the service's pub semantics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.primitives import (
    EstimatorResult,
    PrimitiveResult,
    PubResult,
    SamplerResult,
    StatevectorSampler,
)
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
from qiskit_runtime_double.execution_span import DoubleSliceSpan, ExecutionSpans

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


#: Each form of "no values" for a circuit without parameters, as a pub's second item.
EMPTY_VALUES: list[Any] = [(), [], [[]], np.array([]), np.zeros((2, 0))]


def test_parameterless_pubs_take_empty_values_in_every_form(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    backend = runtime.backend("ibmq_qasm_simulator")
    plain = bell.remove_final_measurements(inplace=False)
    sampler_pubs = [(bell, values) for values in EMPTY_VALUES] + [[bell, [[]], 8]]
    estimator_pubs = [(plain, "ZZ", values) for values in EMPTY_VALUES] + [[plain, "ZZ", [[]]]]
    expected = [pub.data.meas.shape for pub in StatevectorSampler().run(sampler_pubs).result()]

    sampled = SamplerV2(mode=backend).run(sampler_pubs, shots=16).result()
    estimated = EstimatorV2(mode=backend).run(estimator_pubs).result()

    assert expected == [(), (), (1,), (), (2,), (1,)]
    assert [pub.data.meas.shape for pub in sampled] == expected
    assert [pub.data.meas.num_shots for pub in sampled] == [16] * 5 + [8]
    assert [pub.data.evs.shape for pub in estimated] == expected
    assert all(np.allclose(pub.data.evs, 1.0) for pub in estimated)  # ideal Bell: <ZZ> = 1


def test_estimator_data_are_arrays_of_the_pub_shape_with_the_services_metadata(
    runtime: Runtime,
) -> None:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    estimator = EstimatorV2(mode=runtime.backend("ibmq_qasm_simulator"))

    result = estimator.run([(circuit, "XI"), (circuit, ["ZZ", "XX"])], precision=0.05).result()

    for pub, shape in zip(result, [(), (2,)], strict=True):
        assert type(pub) is PubResult
        assert list(pub.data) == ["evs", "stds", "ensemble_standard_error"]
        for name in pub.data:
            assert isinstance(pub.data[name], np.ndarray) and pub.data[name].shape == shape, name
        assert pub.metadata == {
            "shots": 448,  # 1/0.05² = 400, in randomizations of at least 64 shots: 7 x 64
            "target_precision": 0.05,
            "circuit_metadata": {},
            "resilience": {},
            "num_randomizations": 7,
        }
    assert float(result[0].data.stds) == pytest.approx(0.05, rel=0.2)  # <XI> = 0: variance 1
    assert list(result.metadata) == ["dynamical_decoupling", "twirling", "resilience", "version"]
    assert result.metadata["resilience"]["measure_mitigation"] is True  # level 1, the default


def test_estimator_sends_the_resilience_level_beside_the_options_as_the_official_client(
    runtime: Runtime,
) -> None:
    circuit = QuantumCircuit(1)
    circuit.h(0)
    options = {"resilience_level": 2, "default_precision": 0.1}
    job = EstimatorV2(mode=runtime.backend("ibmq_qasm_simulator"), options=options).run(
        [(circuit, "X")]
    )

    params = runtime.fake.job(job.job_id()).params
    assert params["resilience_level"] == 2
    assert params["options"] == {"default_precision": 0.1}
    assert job.result().metadata["resilience"]["zne_mitigation"] is True  # level 2


def test_sampler_results_carry_execution_spans_over_the_jobs_run(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    isa = runtime.isa(bell)
    job = SamplerV2(mode=runtime.backend()).run([(isa, None, 100), (isa, np.zeros((3, 0)), 50)])

    result = job.result()

    spans = result.metadata["execution"]["execution_spans"]
    record = runtime.fake.job(job.job_id())
    assert isinstance(spans, ExecutionSpans) and result.metadata["version"] == 2
    assert all(isinstance(span, DoubleSliceSpan) for span in spans)
    assert (spans.start, spans.stop) == (record.running_at, record.finished_at)
    assert spans.pub_idxs == [0, 1]
    for index, (span, pub) in enumerate(zip(spans, result, strict=True)):
        assert span.pub_idxs == [index]  # one span per pub, in order
        assert span.mask(index).shape == pub.data.meas.array.shape[:-1]  # (*shape, shots)
        assert span.mask(index).all()  # every shot of the pub was taken in its span
    assert sum(span.size for span in spans) == 100 + 3 * 50


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
        pair = Estimator(session=session).run([circuit] * 2, ["ZZ", "XI"]).result()
    assert isinstance(result, EstimatorResult)
    assert result.values[0] == pytest.approx(1, abs=0.1)
    assert isinstance(pair.values, np.ndarray) and pair.values.shape == (2,)
    assert [entry["shots"] for entry in pair.metadata] == [4000, 4000]
    assert pair.metadata[0]["variance"] == pytest.approx(0, abs=1e-9)  # an eigenstate of ZZ
    assert pair.metadata[1]["variance"] == pytest.approx(1, rel=0.1)  # <XI> = 0: variance 1


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
