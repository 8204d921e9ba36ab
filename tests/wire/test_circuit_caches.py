"""Circuits sent again are encoded once while unchanged, and decoded once by their receiver."""

from __future__ import annotations

from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qiskit_runtime_double.wire import codec


def ansatz() -> QuantumCircuit:
    theta = Parameter("theta")
    circuit = QuantumCircuit(2)
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def payload(value: object, cache: codec.EncodedCircuits) -> object:
    return codec.to_jsonable({"pubs": [(value, [0.1])]}, circuits=cache)


def test_an_unchanged_circuit_is_encoded_once_and_sent_identically() -> None:
    cache = codec.EncodedCircuits()
    circuit = ansatz()
    first, second = payload(circuit, cache), payload(circuit, cache)
    assert first == second and cache.hits == 1
    assert codec.from_jsonable(second)["pubs"][0][0] == circuit  # and it still decodes


def test_a_circuit_changed_in_place_is_encoded_anew() -> None:
    cache = codec.EncodedCircuits()
    circuit = ansatz()
    before = payload(circuit, cache)
    circuit.x(1)  # a new instruction
    after = payload(circuit, cache)
    assert after != before and cache.hits == 0
    assert codec.from_jsonable(after)["pubs"][0][0] == circuit
    circuit.metadata = {"shifted": True}  # also what it says about itself
    assert codec.from_jsonable(payload(circuit, cache))["pubs"][0][0].metadata == {"shifted": True}
    circuit.global_phase = 0.5
    assert codec.from_jsonable(payload(circuit, cache))["pubs"][0][0].global_phase == 0.5
    assert cache.hits == 0


def test_an_equal_but_distinct_circuit_is_not_taken_for_another() -> None:
    cache = codec.EncodedCircuits(size=1)
    one, two = ansatz(), ansatz()
    two.name = "other"
    payload(one, cache)
    decoded = codec.from_jsonable(payload(two, cache))["pubs"][0][0]
    assert decoded.name == "other" and cache.hits == 0


def test_the_receiver_decodes_each_distinct_payload_once() -> None:
    circuits = codec.CircuitCache()
    sent = codec.to_jsonable({"pubs": [(ansatz(), [0.1])]})
    first = codec.from_jsonable(sent, circuits=circuits)
    second = codec.from_jsonable(sent, circuits=circuits)
    assert first["pubs"][0][0] is second["pubs"][0][0] and circuits.hits == 1
    assert first["pubs"][0][1] == second["pubs"][0][1]
