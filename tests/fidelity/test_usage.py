"""``GET /instances/usage`` as the official client 0.51 reads it (issue 19 point 5).

The service writes whole seconds and the plan's id (Global Catalog), and no remaining seconds:
``QiskitRuntimeService.usage()`` computes them from ``usage_limit_seconds`` (or
``usage_allocation_seconds``) and ``usage_consumed_seconds``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake import FakeRuntime, Plan
from qiskit_runtime_double.fake.core.plan import plan_id_of

from .conftest import QPU, SUITE_MAX_WAIT, Official, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


@pytest.fixture
def allocated() -> Iterator[Official]:
    """A fake whose instance has 100 s of QPU time."""
    fake = FakeRuntime([QPU], seed=6, plan=Plan(usage_allocation_seconds=100))
    with fake.serve(max_wait=SUITE_MAX_WAIT) as server, official_service_context(server) as service:
        yield Official(fake, server, service)


def test_usage_is_whole_seconds_and_the_plans_id_and_the_client_computes_what_remains(
    allocated: Official, bell_isa: QuantumCircuit
) -> None:
    allocated.fake.set_next_job_duration(7.9)
    sampler_job(allocated.backend(), bell_isa, shots=10).result()

    wire = allocated.service._active_api_client.cloud_usage()  # the answer, as sent
    shown = allocated.service.usage()

    assert wire == {
        "instance_id": allocated.fake.plan.instance,
        "plan_id": plan_id_of("premium"),  # the Catalog's id of the plan, not its name
        "usage_consumed_seconds": 7,
        "usage_allocation_seconds": 100,
        "usage_limit_seconds": 100,
        "usage_limit_reached": False,
    }
    assert all(type(wire[k]) is int for k in wire if k.endswith("_seconds"))
    assert shown["usage_remaining_seconds"] == 93  # computed by the client
    instances = allocated.service.instances()
    assert [i["plan"] for i in instances] == ["premium"]  # the Catalog's name for that id
