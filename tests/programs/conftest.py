"""The programs of the executor era (``executor``, ``noise-learner``), with the official client
(0.51 in the main environment) as the oracle.

Without the official client (the ``compat`` extra) or IBM's ``ibm-quantum-schemas`` and
``samplomatic`` (the ``programs`` extra) the modules that need them skip themselves.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import FakeRuntime
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

#: Any non-empty key: the fake's IAM accepts it, and it never leaves the process.
TOKEN = "fake-api-key"
QPU = "generic_5q"
SIMULATOR = "ibmq_qasm_simulator"


def bell(measure: bool = True) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    if measure:
        circuit.measure_all()
    return circuit


def isa_for(backend: Any, circuit: QuantumCircuit | None = None) -> QuantumCircuit:
    """``circuit`` (default: a Bell pair) transpiled for ``backend``."""
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)
    transpiled: QuantumCircuit = manager.run(circuit if circuit is not None else bell())
    return transpiled


def official_service() -> Any:
    from qiskit_ibm_runtime import QiskitRuntimeService

    return QiskitRuntimeService(channel="ibm_quantum_platform", token=TOKEN)


def submit(fake: FakeRuntime, program_id: str, params: Any, backend: str = QPU) -> HttpResponse:
    """``POST /jobs`` of ``params`` (JSON), straight to the fake's REST app."""
    transport = fake.transport()
    body = {"program_id": program_id, "backend": backend, "params": params}
    request = HttpRequest(
        "POST",
        f"{transport.base_url}/jobs",
        Headers({"Content-Type": "application/json"}),
        json.dumps(body).encode(),
    )
    return transport.handle(request)


def error_message(response: HttpResponse) -> str:
    message: str = response.json()["errors"][0]["message"]
    return message


@pytest.fixture
def no_account(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """No saved account and no QISKIT_IBM_* variables: what a CI machine has."""
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL", "QISKIT_IBM_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    yield


def finished_result(fake: FakeRuntime, response: HttpResponse) -> str:
    """The result text of the job ``response`` created, once simulated time has run it."""
    assert response.status_code == 200, response.content[:500]
    job_id = response.json()["id"]
    fake.clock.shift(_dt.timedelta(days=1))
    transport = fake.transport()
    answer = transport.handle(HttpRequest("GET", f"{transport.base_url}/jobs/{job_id}/results"))
    assert answer.status_code == 200, answer.content[:500]
    return answer.content.decode()
