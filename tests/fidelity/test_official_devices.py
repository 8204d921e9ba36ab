"""Every official fake device by name in a served default fake (issue 19 point 7).

``serve()`` (and ``qiskit-runtime-double serve``) of a fake made with the default catalogue also
offers each device of ``qiskit_ibm_runtime.fake_provider`` by its name (``fake_brisbane``...),
listed from the device's snapshots and made only when used, so the server starts at once. They
are never a job's default backend, and a fake given its own backends offers none.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import FakeRuntime
from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake.core.catalogue import (
    build_catalogue,
    default_backend_name,
    official_entries,
)
from qiskit_runtime_double.fake.core.official_devices import (
    installed_official_devices,
    official_fake_classes,
)
from tests.helpers import bell

from .conftest import SUITE_MAX_WAIT, Official, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]

OWN = ["generic_5q", "generic_27q", "generic_127q", "ibmq_qasm_simulator"]


@pytest.fixture(scope="module")
def default_served() -> Iterator[Official]:
    fake = FakeRuntime(seed=12)
    with fake.serve(max_wait=SUITE_MAX_WAIT) as server, official_service_context(server) as service:
        yield Official(fake, server, service)


def test_the_devices_found_without_importing_the_client_are_its_classes() -> None:
    found = {device.name for device in installed_official_devices()}
    assert found == set(official_fake_classes() or {})
    assert len(found) > 50  # 0.51 ships 68

    script = (
        "import sys\n"
        "from qiskit_runtime_double.fake.core.official_devices import installed_official_devices\n"
        "assert installed_official_devices()\n"
        "assert 'qiskit_ibm_runtime' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


def test_a_served_default_fake_lists_every_official_device(default_served: Official) -> None:
    listed = [b.name for b in default_served.service.backends()]
    official = sorted(device.name for device in installed_official_devices())

    assert listed[: len(OWN)] == OWN
    assert sorted(listed[len(OWN) :]) == official

    sherbrooke = default_served.service.backend("fake_sherbrooke")
    assert sherbrooke.num_qubits == 127
    assert sherbrooke.target.num_qubits == 127  # its properties, from the snapshot


def test_a_job_runs_on_an_official_device_named_by_the_official_client(
    default_served: Official,
) -> None:
    backend = default_served.service.backend("fake_manila")
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)
    job = sampler_job(backend, manager.run(bell()), shots=50)

    assert job.result()[0].data.meas.num_shots == 50
    assert default_served.fake.job(job.job_id()).backend == "fake_manila"


def test_the_default_backend_stays_one_of_the_fakes_own() -> None:
    own = build_catalogue(seed=1)
    offered = {**own, **official_entries(list(own))}
    assert min(e.num_qubits for e in offered.values()) == 1  # fake_armonk: smaller than ours
    assert default_backend_name(offered) == "generic_5q"


def test_a_fake_given_its_backends_offers_no_others() -> None:
    fake = FakeRuntime(["generic_5q"], seed=1)
    with fake.serve(max_wait=SUITE_MAX_WAIT) as server, official_service_context(server) as service:
        assert [b.name for b in service.backends()] == ["generic_5q"]
