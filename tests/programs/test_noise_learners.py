"""The ``noise-learner`` program: ``NoiseLearnerV3`` (boxed layers, Lindblad and TREX) and the
``NoiseLearner`` before it (the unique layers of circuits), with the official client's decoders
as the oracle. The rates are derived from the fake's device noise (``layer_noise.py``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from qiskit.circuit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import FakeRuntime, mock_runtime

from .conftest import QPU, SIMULATOR, error_message, isa_for, official_service, submit

pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (the compat extra)")
pytest.importorskip("samplomatic", reason="needs samplomatic (the programs extra)")
from qiskit_ibm_runtime.executor_estimator import Estimator
from qiskit_ibm_runtime.noise_learner import NoiseLearner
from qiskit_ibm_runtime.noise_learner_v3 import NoiseLearnerV3
from qiskit_ibm_runtime.noise_learner_v3.params_converters import (
    NOISE_LEARNER_V3_PARAMS_CONVERTERS,
)
from qiskit_ibm_runtime.options_models import NoiseLearnerV3Options
from samplomatic import Twirl

pytestmark = [
    pytest.mark.compat,
    pytest.mark.usefixtures("no_account"),
    pytest.mark.filterwarnings("ignore:The NoiseLearner class is deprecated"),
]


def ghz_pub(backend: Any) -> tuple[QuantumCircuit, SparsePauliOp]:
    circuit = QuantumCircuit(backend.num_qubits)  # laid out on the physical register
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    isa = isa_for(backend, circuit)
    observable = SparsePauliOp.from_sparse_list([("ZZ", [0, 1], 1.0)], backend.num_qubits)
    return isa, observable.apply_layout(isa.layout)


def layers_of(backend: Any, types: str = "gates") -> list[Any]:
    """The boxed layers the executor-based Estimator learns for PEC (its own helper)."""
    estimator = Estimator(backend, options={"resilience": {"pec_mitigation": True}})
    layers: list[Any] = estimator.find_unique_layers([ghz_pub(backend)], types=types)
    return layers


def test_noise_learner_v3_learns_each_gate_layer_by_the_lindblad_protocol() -> None:
    with mock_runtime(seed=2) as fake:
        backend = official_service().backend(QPU)
        layers = layers_of(backend)
        results = NoiseLearnerV3(backend).run(layers).result()
        (record,) = fake.jobs()

    assert record.program_id == "noise-learner"
    assert len(results) == len(layers) == 2
    for layer, result in zip(layers, results, strict=True):
        assert result.metadata["learning_protocol"] == "lindblad"
        assert result.metadata["post_selection"]["fraction_kept"] == dict.fromkeys(
            [0, 1, 2, 4, 16, 32], 1.0
        )
        noise = result.to_pauli_lindblad_map()
        assert noise.num_qubits == len(layer.qubits)
        rates = noise.rates
        assert (rates >= 0).all() and 0 < rates.sum() < 0.05  # a good device's layer
        np.testing.assert_array_equal(result._rates_std, 0)  # derived, not estimated
    # the maps feed PEC through the refs of the layers' InjectNoise annotations
    assert len(results.to_dict(layers)) == 2


def test_a_measurement_box_is_learned_by_trex_from_the_readout_errors() -> None:
    with mock_runtime(seed=2) as fake:
        backend = official_service().backend(QPU)
        (measures,) = [
            layer
            for layer in layers_of(backend, types="all")
            if {op.operation.name for op in layer.operation.body} == {"measure"}
        ]
        (result,) = NoiseLearnerV3(backend).run([measures]).result()
        target = fake.catalogue[QPU].backend.target

    assert result.metadata["learning_protocol"] == "trex"
    noise = result.to_pauli_lindblad_map()
    register = QuantumRegister(backend.num_qubits, "q")  # the physical qubits
    physical = sorted(register.index(qubit) for qubit in measures.qubits)
    expected = []
    for qubit in physical:
        p = target["measure"][(qubit,)].error
        expected.append(-math.log(1 - 2 * p) / 2)  # a bit flip of probability p
    assert [str(label) for label, *_ in noise.to_sparse_list()] == ["X"] * len(physical)
    np.testing.assert_allclose(noise.rates, expected, rtol=1e-6)


def test_on_an_ideal_simulator_layers_have_no_noise() -> None:
    with mock_runtime(seed=2):
        simulator = official_service().backend(SIMULATOR)
        results = NoiseLearnerV3(simulator).run(layers_of(simulator)).result()

    assert len(results) == 2
    for result in results:
        assert len(result) > 0 and (result.to_pauli_lindblad_map().rates == 0).all()


def v3_params(instructions: list[Any]) -> dict[str, Any]:
    converter = NOISE_LEARNER_V3_PARAMS_CONVERTERS["v0.3"]
    params: dict[str, Any] = converter.encoder(instructions, NoiseLearnerV3Options()).model_dump(
        mode="json"
    )
    return {**params, "version": 3}


def test_instructions_that_cannot_be_learned_are_a_400_naming_them() -> None:
    fake = FakeRuntime([QPU], seed=1)
    unboxed = QuantumCircuit(QuantumRegister(5, "q"))
    unboxed.cz(0, 1)
    unphysical = QuantumCircuit(QuantumRegister(2, "r"))
    with unphysical.box([Twirl()]):
        unphysical.cz(0, 1)
    mixed = QuantumCircuit(QuantumRegister(5, "q"), ClassicalRegister(2))
    with mixed.box([Twirl()]):
        mixed.cz(0, 1)
        mixed.measure(2, 0)

    for circuit, expected in [
        (unboxed, "params.instructions[0] is a 'cz'; give boxed layers"),
        (unphysical, "params.instructions[0] acts on qubits that are not"),
        (mixed, "params.instructions[0] cannot be learned by either protocol"),
    ]:
        response = submit(fake, "noise-learner", v3_params(list(circuit.data)))
        assert response.status_code == 400
        assert expected in error_message(response)
    options = v3_params(list(mixed.data))
    options["options"]["num_randomizations"] = "many"
    assert "params.options.num_randomizations" in error_message(
        submit(fake, "noise-learner", options)
    )
    assert fake.jobs() == []


def repeated_layers(backend: Any) -> QuantumCircuit:
    """Three CZ layers on a line of qubits, the first one twice."""
    circuit = QuantumCircuit(4)
    circuit.cx(0, 1)
    circuit.cx(2, 3)
    circuit.cx(1, 2)
    circuit.cx(0, 1)
    circuit.cx(2, 3)
    circuit.measure_all()
    return isa_for(backend, circuit)


def test_noise_learner_learns_the_unique_layers_of_circuits_most_frequent_first() -> None:
    with mock_runtime(seed=2):
        backend = official_service().backend(QPU)
        circuit = repeated_layers(backend)
        options = {"max_layers_to_learn": 2, "twirling_strategy": "active"}
        result = NoiseLearner(backend, options=options).run([circuit]).result()

    assert result.metadata["backend"] == QPU
    assert result.metadata["input_options"]["max_layers_to_learn"] == 2
    assert len(result.data) == 2
    first, second = result.data
    # the most frequent layer first: its two-qubit gates and their qubits, nothing else
    assert sum(first.circuit.count_ops().values()) >= sum(second.circuit.count_ops().values())
    for layer in result.data:
        assert layer.circuit.num_qubits == len(layer.qubits) == layer.error.generators.num_qubits
        assert layer.qubits == sorted(layer.qubits)
        assert all(op.operation.num_qubits == 2 for op in layer.circuit.data)
        assert (layer.error.rates >= 0).all() and layer.error.rates.sum() > 0


@pytest.mark.parametrize("strategy", ["active", "active-accum", "active-circuit", "all"])
def test_noise_learner_twirls_the_qubits_its_strategy_says(strategy: str) -> None:
    with mock_runtime(seed=2):
        backend = official_service().backend(QPU)
        circuit = repeated_layers(backend)
        options = {"twirling_strategy": strategy}
        result = NoiseLearner(backend, options=options).run([circuit]).result()

    used = sorted(
        {
            circuit.find_bit(q).index
            for op in circuit.data
            for q in op.qubits
            if op.operation.num_qubits == 2
        }
    )
    first_layer_qubits = sorted(result.data[0].qubits)
    if strategy == "all":
        assert all(layer.qubits == list(range(circuit.num_qubits)) for layer in result.data)
    elif strategy == "active-circuit":
        assert all(layer.qubits == used for layer in result.data)
    else:
        gates = {q for op in result.data[0].circuit.data for q in op.qubits}
        assert len(first_layer_qubits) >= len(gates)
    assert len(result.data) == 3


def test_the_noise_learners_run_against_the_served_fake() -> None:
    from qiskit_runtime_double.compat import official_service_context

    fake = FakeRuntime([QPU], seed=4)
    with fake.serve(max_wait=0.05) as server, official_service_context(server) as service:
        backend = service.backend(QPU)
        layers = layers_of(backend)
        results = NoiseLearnerV3(backend).run(layers).result(timeout=60)
        learner = NoiseLearner(backend, options={"max_layers_to_learn": 1})
        learned = learner.run([repeated_layers(backend)]).result(timeout=60)

    assert len(results) == 2
    assert len(learned.data) == 1 and learned.data[0].error.rates.sum() > 0
