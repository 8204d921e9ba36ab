"""Fidelity scenarios 1-6: the official client's start-up (IAM, Global Search, Global Catalog,
/backends), backend fetch and status mapping. See conftest.py for how the client meets the fake."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.compat import official_service, official_service_context

from .conftest import QPU, Official, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit.providers.exceptions import QiskitBackendNotFoundError  # noqa: E402
from qiskit_ibm_runtime.accounts import InvalidAccountError  # noqa: E402
from qiskit_ibm_runtime.exceptions import (  # noqa: E402
    IBMInputValueError,
)

pytestmark = [
    pytest.mark.compat,
    # 0.50 deprecated the V2 primitives in favour of client-side ones; 0.51 still submits them.
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


# --- start-up: IAM, Global Search, Global Catalog (1-4) -------------------------------------------


def test_01_boot_single_instance(official: Official) -> None:
    with official_service_context(official.server) as service:
        instances = service.instances()

    assert instances == [
        {
            "crn": official.server.instance,
            "plan": "premium",
            "name": "qiskit-runtime-double",
            "tags": [],
            "pricing_type": "paid",
        }
    ]
    paths = [f"{r.method} {r.path}" for r in official.server.requests]
    plan_id = official.fake.platform.plan_id
    assert paths[:5] == [
        "POST /identity/token",
        "POST /v3/resources/search",
        f"GET /catalog/{plan_id}",
        "POST /identity/token",
        "GET /api/v1/backends",
    ]
    assert official.server.requests[1].query == {"limit": ["100"]}
    assert official.server.requests[4].query == {"include_mocks": ["True"]}


def test_02_wrong_instance(official: Official) -> None:
    official.fake.platform.listed = False

    with pytest.raises(IBMInputValueError, match="does not have access to the instance crn:v1"):
        official_service(official.server)

    assert official.calls() == []  # nothing under /api/v1 after the search


def test_03_iam_rejects_the_key(official: Official) -> None:
    official.fake.platform.api_keys = frozenset({"the-right-key"})

    with pytest.raises(InvalidAccountError, match="Unable to retrieve instances"):
        official_service(official.server, token="a-wrong-key")

    assert [(r.path, r.status) for r in official.server.requests] == [("/identity/token", 400)]
    official_service(official.server, token="the-right-key")  # the right one still works


def test_04_runtime_401_is_only_a_warning_at_construction(official: Official) -> None:
    official.fake.inject_http_error("*", 401, times=None)

    service = official_service(official.server)  # /backends fails; the client only logs it

    with pytest.raises(QiskitBackendNotFoundError):
        service.backend(QPU)
    assert {r.status for r in official.calls()} == {401}


# --- backends (5, 6) ------------------------------------------------------------------------------


def test_05_backend_fetch(official: Official) -> None:
    service = official_service(official.server)  # a fresh one: services cache configurations
    official.server.clear_log()

    backend = service.backend(QPU)
    num_qubits = backend.num_qubits  # builds the Target: properties are read lazily in 0.51

    fetched = [line for line in official.lines() if line.startswith(f"GET /backends/{QPU}/")]
    assert fetched == [f"GET /backends/{QPU}/configuration", f"GET /backends/{QPU}/properties"]
    assert num_qubits == 5
    assert backend.properties().backend_name == QPU
    assert backend.configuration().simulator is False


def test_06_status_mapping_warns_on_submit(official: Official, bell_isa: QuantumCircuit) -> None:
    official.fake.set_backend_status(QPU, operational=True, status="internal")
    backend = official.backend()

    status = backend.status()
    with pytest.warns(UserWarning, match=f"{QPU} currently has a status of internal"):
        job = sampler_job(backend, bell_isa)

    assert (status.operational, status.status_msg, status.pending_jobs) == (True, "internal", 0)
    assert job.result()[0].data.meas.num_shots == 100


def test_06b_negative_queue_length_maps_to_zero_pending_jobs(official: Official) -> None:
    official.fake.set_backend_status(QPU, status="internal", length_queue=-3)

    assert official.backend().status().pending_jobs == 0
