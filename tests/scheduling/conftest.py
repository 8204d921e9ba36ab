from __future__ import annotations

from collections.abc import Iterator

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime(backends=["generic_5q", "ibmq_qasm_simulator"], seed=3)


@pytest.fixture
def service(fake: FakeRuntime) -> Iterator[QiskitRuntimeService]:
    with QiskitRuntimeService(fake=fake) as service:
        yield service


@pytest.fixture
def isa_bell(service: QiskitRuntimeService) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    backend = service.backend("generic_5q")
    return generate_preset_pass_manager(
        backend=backend, optimization_level=1, seed_transpiler=1
    ).run(circuit)
