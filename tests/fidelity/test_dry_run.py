"""Mock devices and ``dry_run=True`` as the official client 0.51 uses them (issue 19 point 5).

The client lists backends with ``include_mocks=true`` and hides those of ``"class": "mock"``
unless asked; a primitive's ``run(..., dry_run=True)`` goes to the mock of its backend (its first
word replaced by ``mock``: ``generic_5q`` -> ``mock_5q``). A dry run is validated and timed as a
real job, returns random data in the real shapes, and uses no QPU time. Plans without dry runs
(Open, Pay-As-You-Go) see no mock devices, so the client refuses the dry run itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import QiskitRuntimeService, SamplerV2
from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.errors import BackendNotFoundError
from qiskit_runtime_double.fake import FakeRuntime, Instance
from qiskit_runtime_double.fake.http.server import FakeServer

from .conftest import QPU, SUITE_MAX_WAIT, Official, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit.providers.exceptions import QiskitBackendNotFoundError  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]

MOCK = "mock_5q"
PREMIUM = Instance("dry-premium", plan="premium")
OPEN = Instance("dry-open", plan="open")


def dry_sampler_job(mode: object, circuit: QuantumCircuit, shots: int) -> object:
    from qiskit_ibm_runtime import SamplerV2 as OfficialSampler

    return OfficialSampler(mode=mode).run([circuit], shots=shots, dry_run=True)


def test_mock_devices_are_listed_only_when_asked_for(official: Official) -> None:
    service = official.service
    assert [b.name for b in service.backends()] == [QPU, "ibmq_qasm_simulator"]
    with_mocks = [b.name for b in service.backends(include_mocks=True)]
    assert with_mocks == [QPU, "ibmq_qasm_simulator", MOCK]  # simulators have no mock

    # The client knows it for a mock from the listing's "class": "mock".
    assert service.backend(MOCK).is_mock and not service.backend(QPU).is_mock


def test_a_dry_run_goes_to_the_mock_device_and_uses_no_qpu_time(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    job = dry_sampler_job(official.backend(), bell_isa, shots=20)
    bits = job.result()[0].data.meas  # type: ignore[attr-defined]

    assert job.backend().name == MOCK  # type: ignore[attr-defined]
    assert (bits.num_shots, bits.num_bits) == (20, 2)  # random data, in the real shapes
    assert official.service.usage()["usage_consumed_seconds"] == 0
    (record,) = official.fake.jobs()
    assert (record.backend, record.status) == (MOCK, "Completed")
    posted = [r for r in official.calls() if r.method == "POST" and r.path == "/api/v1/jobs"]
    assert len(posted) == 1

    # Listed among the instance's jobs only with include_mocks, as the client documents.
    assert official.service.jobs() == []
    assert [j.job_id() for j in official.service.jobs(include_mocks=True)] == [job.job_id()]  # type: ignore[attr-defined]

    sampler_job(official.backend(), bell_isa, shots=20).result()  # a real job is counted
    assert official.service.usage()["usage_consumed_seconds"] > 0


@pytest.fixture(scope="module")
def two_plans() -> Iterator[FakeServer]:
    fake = FakeRuntime([QPU], seed=4, instances=[PREMIUM, OPEN])
    with fake.serve(max_wait=SUITE_MAX_WAIT) as server:
        yield server


def test_an_open_plan_has_no_dry_runs(two_plans: FakeServer, bell_isa: QuantumCircuit) -> None:
    server = two_plans
    with official_service_context(server, instance=OPEN.crn) as service:
        assert [b.name for b in service.backends(include_mocks=True)] == [QPU]
        with pytest.raises(QiskitBackendNotFoundError, match="Unable to use `dry_run` mode"):
            dry_sampler_job(service.backend(QPU), bell_isa, shots=5)
    with official_service_context(server, instance=PREMIUM.crn) as service:
        assert MOCK in [b.name for b in service.backends(include_mocks=True)]


def test_a_dry_run_in_process_with_mock_runtime(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, bell_isa: QuantumCircuit
) -> None:
    from qiskit_ibm_runtime import QiskitRuntimeService as OfficialService

    from qiskit_runtime_double import mock_runtime

    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL", "QISKIT_IBM_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with mock_runtime(backends=[QPU], seed=5) as fake:
        service = OfficialService(channel="ibm_quantum_platform", token="fake-api-key")
        job = dry_sampler_job(service.backend(QPU), bell_isa, shots=8)
        assert job.result()[0].data.meas.num_shots == 8  # type: ignore[attr-defined]
        assert job.backend().name == MOCK  # type: ignore[attr-defined]
        assert service.usage()["usage_consumed_seconds"] == 0
    assert [(j.backend, j.status) for j in fake.jobs()] == [(MOCK, "Completed")]


def test_our_client_sends_a_dry_run_to_the_mock_device_too(bell_isa: QuantumCircuit) -> None:
    fake = FakeRuntime([QPU], seed=9)
    service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=service.backend(QPU)).run([bell_isa], shots=6, dry_run=True)

    assert job.result()[0].data.meas.num_shots == 6
    assert job.backend().name == MOCK
    assert service.usage()["usage_consumed_seconds"] == 0
    assert [b.name for b in service.backends(include_mocks=True)] == [QPU, MOCK]

    refused = FakeRuntime([QPU], seed=9, instances=[OPEN])
    with pytest.raises(BackendNotFoundError, match="no dry runs"):
        SamplerV2(mode=QiskitRuntimeService(fake=refused).backend(QPU)).run(
            [bell_isa], shots=6, dry_run=True
        )


def test_a_dry_run_in_a_session_leaves_the_session_to_its_real_jobs(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    from qiskit_ibm_runtime import Session

    with Session(backend=official.backend()) as session:
        real = sampler_job(session, bell_isa, shots=10)
        dry = dry_sampler_job(session, bell_isa, shots=10)
        assert dry.result()[0].data.meas.num_shots == 10  # type: ignore[attr-defined]
        assert real.result()[0].data.meas.num_shots == 10
        after = sampler_job(session, bell_isa, shots=10)
        assert after.result()[0].data.meas.num_shots == 10

    backends = {j.id: j.backend for j in official.fake.jobs()}
    assert backends[dry.job_id()] == MOCK  # type: ignore[attr-defined]
    assert backends[real.job_id()] == backends[after.job_id()] == QPU
    assert official.fake.job(after.job_id()).session_id == session.session_id
