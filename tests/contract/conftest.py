"""The contract suite: the same behaviour tests over every way of reaching the fake.

``runtime`` is parametrized by transport:

- ``inprocess``: the fake's app called directly (``QiskitRuntimeService(fake=fake)``);
- ``http``: the same fake served on 127.0.0.1 (werkzeug, IAM tokens required), reached through the
  live transport. The transport waits on the fake's clock and the server never moves time by
  itself (``pace="manual"``), so both transports see the same simulated timeline.
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


@pytest.fixture(params=["inprocess", "http"])
def runtime(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    fake = FakeRuntime(seed=11)
    if request.param == "inprocess":
        service = QiskitRuntimeService(fake=fake)
        yield Runtime(fake, service)
        service.close()
        return
    from qiskit_runtime_double.transports.live import LiveTransport

    with fake.serve(pace="manual") as server:
        transport = LiveTransport(
            runtime_url=server.runtime_url,
            iam_url=server.iam_url,
            api_key="contract-suite-key",
            instance=server.instance,
            clock=fake.clock,
        )
        service = QiskitRuntimeService(transport=transport, instance=server.instance)
        yield Runtime(fake, service)
        service.close()


@pytest.fixture
def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit
