"""The contract suite: the same behaviour tests over every way of reaching the fake.

``runtime`` is parametrized by transport:

- ``inprocess``: the fake's app called directly (``QiskitRuntimeService(fake=fake)``);
- ``http``: the same fake served on 127.0.0.1 (our HTTP/1.1 server, IAM tokens required), reached
  through the live transport. The transport waits on the fake's clock and the server never moves
  time by itself (``pace="manual"``), so both transports see the same simulated timeline;
- ``cassette``: the in-process fake behind a recording ``CassetteTransport``, so every contract
  holds through the recording layer too (it must be transparent). At teardown the written cassette
  must load and hold no secret.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import (
    FakeRuntime,
    InProcessTransport,
    QiskitRuntimeService,
    RuntimeBackend,
)
from qiskit_runtime_double.fake.core.catalogue import DEFAULT_BACKENDS
from qiskit_runtime_double.transports.cassette import CassetteTransport, vcrpy_reads
from qiskit_runtime_double.transports.cassettes import DEFAULT_SCRUB_RULES, Scrubber, read_cassette
from qiskit_runtime_double.transports.cassettes.summary import secret_findings

from .. import helpers
from ..helpers import live_transport


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


@pytest.fixture(params=["inprocess", "http", "cassette"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    # The default devices named: served, a default catalogue would also offer every official fake
    # device (FakeServer), and the contract needs the same backends over every transport.
    fake = FakeRuntime(list(DEFAULT_BACKENDS), seed=11)
    if request.param == "inprocess":
        service = QiskitRuntimeService(fake=fake)
        yield Runtime(fake, service)
        service.close()
        return
    if request.param == "cassette":
        yield from _through_cassette(fake, tmp_path / "contract.yaml")
        return
    with fake.serve(pace="manual") as server:
        transport = live_transport(server, "contract-suite-key")
        service = QiskitRuntimeService(transport=transport, instance=server.instance)
        yield Runtime(fake, service)
        service.close()


def _through_cassette(fake: FakeRuntime, path: Path) -> Iterator[Runtime]:
    """The in-process fake behind a recording cassette; afterwards, check what was written."""
    recorder = CassetteTransport(path, "record", inner=InProcessTransport(fake.app))
    service = QiskitRuntimeService(transport=recorder, instance=fake.plan.instance)
    yield Runtime(fake, service)
    service.close()  # saves the recording
    recorded = recorder.new_interactions
    data = read_cassette(path)
    if recorded == 0:
        assert data is None, "nothing was recorded, so nothing should have been written"
        return
    assert data is not None, f"{recorded} interactions were recorded but no cassette was written"
    # Runs of identical answers are collapsed on saving, so the file may hold fewer.
    assert 0 < len(data.interactions) <= recorded
    assert secret_findings(data, Scrubber(DEFAULT_SCRUB_RULES)) == []
    assert vcrpy_reads(path) == len(data.interactions)  # still a vcrpy cassette
    CassetteTransport(path, "replay").close()  # and it indexes for replay (every body parses)


@pytest.fixture
def bell() -> QuantumCircuit:
    return helpers.bell()
