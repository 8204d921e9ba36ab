"""The official client choosing and using instances of a fake that serves several: without an
instance (Global Search, the Catalog's pricing order, one API client per instance), with an
instance name, with a CRN; backends and usage per instance; a job found in another instance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake import FakeRuntime, Instance
from qiskit_runtime_double.fake.core.plan import plan_id_of
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.wire.http import App, HttpRequest, HttpResponse

from .conftest import QPU, SIMULATOR, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit.providers.exceptions import QiskitBackendNotFoundError  # noqa: E402
from qiskit_ibm_runtime.exceptions import IBMInputValueError  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]

#: Listed first, paid: the official client still tries the free one first.
PREMIUM = Instance("fidelity-premium", plan="premium", region="eu-de", tags=["team-a"])
OPEN = Instance("fidelity-open", plan="open", backends=[QPU], usage_allocation_seconds=600)


class CrnLog:
    """The served app, noting the ``Service-CRN`` of each runtime request (the server's own log
    keeps no headers)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.seen: list[tuple[str, str]] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/v1/"):
            self.seen.append((request.path, request.headers.get("Service-CRN", "")))
        return self.app(request)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeServer, CrnLog]]:
    fake = FakeRuntime([QPU, SIMULATOR], seed=8, instances=[PREMIUM, OPEN])
    log = CrnLog(fake.app)
    server = FakeServer(fake, app=log).start()
    yield server, log
    server.stop()


@pytest.fixture
def server(served: tuple[FakeServer, CrnLog]) -> FakeServer:
    server, log = served
    server.fake.reset()
    log.seen.clear()
    return server


@pytest.fixture
def log(served: tuple[FakeServer, CrnLog], server: FakeServer) -> CrnLog:
    return served[1]


def service_for(server: FakeServer, **kwargs: Any) -> Any:
    """An official service on ``server``; ``kwargs`` replace the default instance argument."""
    with official_service_context(server, **kwargs) as service:
        return service


def runtime_crns(log: CrnLog, path: str) -> list[str]:
    """The ``Service-CRN`` of each runtime request to ``path`` (under /api/v1), in order."""
    return [crn for seen, crn in log.seen if seen == "/api/v1" + path]


def bell_for(backend: Any) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)
    isa: QuantumCircuit = manager.run(circuit)
    return isa


def test_without_an_instance_the_client_lists_them_and_tries_free_plans_first(
    server: FakeServer, log: CrnLog
) -> None:
    service = service_for(server, instance=None)

    assert service.instances() == [
        {
            "crn": PREMIUM.crn,
            "plan": "premium",
            "name": "fidelity-premium",
            "tags": ["team-a"],
            "pricing_type": "paid",
        },
        {
            "crn": OPEN.crn,
            "plan": "open",
            "name": "fidelity-open",
            "tags": [],
            "pricing_type": "free",
        },
    ]
    assert runtime_crns(log, "/backends") == [PREMIUM.crn, OPEN.crn]  # one client each
    backends = {backend.name: backend for backend in service.backends()}
    assert set(backends) == {QPU, SIMULATOR}
    # A backend both instances have comes from the free one; the simulator only from premium.
    assert backends[QPU]._instance == OPEN.crn
    assert backends[SIMULATOR]._instance == PREMIUM.crn


def test_a_job_runs_in_the_instance_of_its_backend_and_is_found_from_any(
    server: FakeServer, log: CrnLog
) -> None:
    service = service_for(server, instance=None)
    backend = service.backend(QPU)

    job = sampler_job(backend, bell_for(backend), shots=20)
    assert job.result()[0].data.meas.num_shots == 20

    assert server.fake.job(job.job_id()).instance == OPEN.crn
    assert set(runtime_crns(log, "/jobs")) == {OPEN.crn}
    # From a client of the other instance the job is a 404; the official client then asks the
    # clients of its other instances, and finds it.
    service._active_api_client = service._api_clients[PREMIUM.crn]
    found = service.job(job.job_id())
    assert found.job_id() == job.job_id()
    assert runtime_crns(log, f"/jobs/{job.job_id()}")[-2:] == [PREMIUM.crn, OPEN.crn]


def test_an_instance_name_is_resolved_to_its_crn(server: FakeServer, log: CrnLog) -> None:
    service = service_for(server, instance="fidelity-premium")

    assert service.active_instance() == PREMIUM.crn
    assert sorted(b.name for b in service.backends()) == [QPU, SIMULATOR]
    assert set(runtime_crns(log, "/backends")) == {PREMIUM.crn}
    with pytest.raises(IBMInputValueError, match="not a valid instance name"):
        service_for(server, instance="no-such-instance")


def test_a_crn_selects_its_instance_and_only_its_backends(server: FakeServer) -> None:
    service = service_for(server, instance=OPEN.crn)

    assert service.active_instance() == OPEN.crn
    assert [b.name for b in service.backends()] == [QPU]
    with pytest.raises(QiskitBackendNotFoundError):
        service.backend(SIMULATOR)
    assert server.fake.instances.default is PREMIUM  # the header chose, not the default


def test_preferences_filter_the_instances_tried(server: FakeServer) -> None:
    by_plan = service_for(server, instance=None, plans_preference=["premium"])
    by_region = service_for(server, instance=None, region="eu-de")

    for service in (by_plan, by_region):
        assert {b._instance for b in service.backends()} == {PREMIUM.crn}
    with pytest.raises(IBMInputValueError, match="No matching instances"):
        service_for(server, instance=None, tags=["team-b"])


def test_usage_is_reported_per_instance(server: FakeServer) -> None:
    open_service = service_for(server, instance=OPEN.crn)
    backend = open_service.backend(QPU)
    sampler_job(backend, bell_for(backend), shots=20).result()

    used = open_service.usage()
    other = service_for(server, instance=PREMIUM.crn).usage()

    assert (used["instance_id"], used["plan_id"]) == (OPEN.crn, plan_id_of("open"))
    assert used["usage_allocation_seconds"] == 600 and used["usage_consumed_seconds"] > 0
    assert used["usage_remaining_seconds"] == 600 - used["usage_consumed_seconds"]
    assert (other["instance_id"], other["usage_consumed_seconds"]) == (PREMIUM.crn, 0)
    assert "usage_remaining_seconds" not in other  # no allocation: nothing is remaining
