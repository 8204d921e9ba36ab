"""The contract suite: the same behaviour tests over every way of reaching the fake.

``runtime`` is parametrized by transport. Today: ``inprocess`` (the fake's app called directly).
Transports added later (loopback HTTP, cassettes) join the parametrization, not the tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, RuntimeBackend


@dataclass
class Runtime:
    """A fake, and a service talking to it through the transport under test."""

    fake: FakeRuntime
    service: QiskitRuntimeService

    def backend(self, name: str = "generic_5q") -> RuntimeBackend:
        return self.service.backend(name)

    def isa(self, circuit: QuantumCircuit, backend: str = "generic_5q") -> QuantumCircuit:
        manager = generate_preset_pass_manager(
            backend=self.backend(backend), optimization_level=1, seed_transpiler=1
        )
        return manager.run(circuit)


@pytest.fixture(params=["inprocess"])
def runtime(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    fake = FakeRuntime(seed=11)
    service = QiskitRuntimeService(fake=fake)
    yield Runtime(fake, service)
    service.close()


@pytest.fixture
def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit
