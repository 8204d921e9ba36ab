"""The official ``qiskit-ibm-runtime`` client against the fake served over loopback HTTP.

Each test is one scenario of section 8 of ``runtime-rest-api.md`` (numbered in its name): set-up,
the official client's action, what goes over the wire (``official.lines()``, the server's request
log) and what the client shows. Without the ``compat`` extra every module skips itself.

One fake, one server and one official service per module (constructing the official client costs
a few HTTP calls and a second of imports); every test starts from ``fake.reset()`` and an empty
request log, so tests do not see each other's jobs, sessions or faults.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.transpiler import generate_preset_pass_manager

# compat imports qiskit_ibm_runtime lazily: without it, the test modules skip themselves.
from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.server import FakeServer, ServedRequest
from qiskit_runtime_double.wire.http import App, Headers, HttpRequest, HttpResponse

QPU = "generic_5q"
SIMULATOR = "ibmq_qasm_simulator"
#: How long the suite's server holds a job before polls skip ahead (``http/pacing.py``). Shorter
#: than the default (1 s) to keep the suite quick: the official client still sees a job queued or
#: running for a while, as against IBM; ``test_time.py`` checks the default's timeouts.
SUITE_MAX_WAIT = 0.3


@dataclass
class Official:
    """The fake, its server, and an official service connected to it."""

    fake: FakeRuntime
    server: FakeServer
    service: Any

    def calls(self, prefix: str = "/api/v1") -> list[ServedRequest]:
        """Requests served since the test started, under ``prefix``."""
        return [r for r in self.server.requests if r.path.startswith(prefix)]

    def lines(self, prefix: str = "/api/v1") -> list[str]:
        """``"METHOD /path"`` of each request under ``prefix``, relative to it."""
        return [f"{r.method} {r.path[len(prefix) :]}" for r in self.calls(prefix)]

    def backend(self, name: str = QPU) -> Any:
        return self.service.backend(name)


def sampler_job(mode: Any, circuit: QuantumCircuit, shots: int = 100) -> Any:
    """``SamplerV2(mode=mode).run([circuit], shots=shots)`` of the official client."""
    from qiskit_ibm_runtime import SamplerV2

    return SamplerV2(mode=mode).run([circuit], shots=shots)


def json_rewrite(response: HttpResponse, change: Callable[[Any], Any]) -> HttpResponse:
    """``response`` with its JSON body replaced by ``change(body)``."""
    body = change(json.loads(response.content))
    headers = Headers({k: v for k, v in response.headers.items() if k.lower() != "content-length"})
    return HttpResponse(response.status_code, headers, json.dumps(body).encode())


@pytest.fixture(scope="module")
def module_official() -> Iterator[Official]:
    fake = FakeRuntime([QPU, SIMULATOR], seed=21)
    with fake.serve(max_wait=SUITE_MAX_WAIT) as server, official_service_context(server) as service:
        yield Official(fake, server, service)


@pytest.fixture
def official(module_official: Official) -> Iterator[Official]:
    fake = module_official.fake
    fake.reset()
    fake.platform.listed = True
    fake.platform.api_keys = None
    module_official.server.clear_log()
    yield module_official
    fake.clear_faults()


@pytest.fixture(scope="module")
def bell_isa(module_official: Official) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    manager = generate_preset_pass_manager(
        backend=module_official.backend(), optimization_level=1, seed_transpiler=1
    )
    isa: QuantumCircuit = manager.run(circuit)
    return isa


@pytest.fixture(scope="module")
def rotation_isa(module_official: Official) -> QuantumCircuit:
    theta = Parameter("theta")
    circuit = QuantumCircuit(2)
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    manager = generate_preset_pass_manager(
        backend=module_official.backend(), optimization_level=1, seed_transpiler=1
    )
    isa: QuantumCircuit = manager.run(circuit)
    return isa


@pytest.fixture
def rewriting_server(
    module_official: Official,
) -> Iterator[Callable[[Callable[[HttpRequest, HttpResponse], HttpResponse]], Any]]:
    """Serve the module's fake through a response filter; returns an official service for it.

    For scenarios about shapes the fake never produces on its own (upper-case statuses, the
    ``{"error": {...}}`` body): the filter rewrites what the fake answered.
    """
    stack: list[Any] = []

    def make(rewrite: Callable[[HttpRequest, HttpResponse], HttpResponse]) -> Any:
        inner: App = module_official.fake.app

        def app(request: HttpRequest) -> HttpResponse:
            return rewrite(request, inner(request))

        server = FakeServer(module_official.fake, app=app, max_wait=SUITE_MAX_WAIT).start()
        stack.append(server)
        context = official_service_context(server)
        stack.append(context)
        return context.__enter__()

    yield make
    for item in reversed(stack):
        if isinstance(item, FakeServer):
            item.stop()
        else:
            item.__exit__(None, None, None)
