"""How a job is waited on: through the transport's clock, guided by its probe when it has one."""

from __future__ import annotations

import datetime as dt

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    FakeRuntime,
    HttpRequest,
    HttpResponse,
    InProcessTransport,
    QiskitRuntimeService,
    SamplerV2,
    SimulationProbe,
)

BACKEND = "ibmq_qasm_simulator"


def _circuit() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    return circuit


class Counting:
    """The fake's app, counting the requests it answers (and keeping the fake's clock)."""

    def __init__(self, fake: FakeRuntime) -> None:
        self.fake = fake
        self.clock = fake.clock
        self.seen: list[tuple[str, str]] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.seen.append((request.method, request.path))
        return self.fake.app(request)

    def polls(self) -> int:
        return sum(1 for method, path in self.seen if method == "GET" and path.count("/") == 4)


def _service(app: Counting, probe: SimulationProbe | None) -> QiskitRuntimeService:
    transport = InProcessTransport(app, probe=probe, instance=app.fake.plan.instance)
    return QiskitRuntimeService.from_transport(transport)


def test_with_a_probe_a_job_is_seen_done_the_moment_it_ends_in_one_poll() -> None:
    fake = FakeRuntime(backends=[BACKEND], seed=3)
    fake.set_next_job_duration(1234.5)
    app = Counting(fake)
    service = _service(app, fake.simulation)

    start = fake.now()
    job = SamplerV2(mode=service.backend(BACKEND)).run([_circuit()], shots=16)
    assert job.result()[0].data.meas.num_shots == 16

    assert fake.now() - start == dt.timedelta(seconds=1234.5)
    assert app.polls() == 1  # submitted, then one look once the simulation says it ended


def test_behind_a_queue_there_is_one_poll_per_event() -> None:
    fake = FakeRuntime(backends=[BACKEND], seed=3)
    fake.add_background_jobs(BACKEND, 3, duration=3600)
    app = Counting(fake)
    service = _service(app, fake.simulation)

    job = SamplerV2(mode=service.backend(BACKEND)).run([_circuit()], shots=16)
    job.result()

    ended = fake.job(job.job_id()).finished_at
    assert ended is not None and fake.now() == ended
    assert app.polls() <= 5  # three jobs ahead end, ours starts, ours ends: hours, few polls


def test_without_a_probe_a_wait_polls_the_clock_and_still_ends() -> None:
    fake = FakeRuntime(backends=[BACKEND], seed=3)
    fake.set_next_job_duration(60)
    app = Counting(fake)
    service = _service(app, None)
    service.client.transport._probe = None  # InProcessTransport found none either: no app.probe

    job = SamplerV2(mode=service.backend(BACKEND)).run([_circuit()], shots=16)
    job.result()

    ended = fake.job(job.job_id()).finished_at
    assert ended is not None and fake.now() >= ended
    assert app.polls() > 5  # growing intervals of 0.1 s up to 5 s: many looks for a minute


def test_a_probe_is_found_on_the_fakes_app_and_its_transport() -> None:
    fake = FakeRuntime(backends=[BACKEND])
    assert InProcessTransport(fake.app).probe is fake.simulation
    assert fake.transport().probe is fake.simulation
    assert isinstance(fake.simulation, SimulationProbe)


def test_a_stalled_job_fails_at_once_with_a_probe() -> None:
    from qiskit_runtime_double import SimulationStalledError

    fake = FakeRuntime(backends=[BACKEND], seed=3)
    fake.set_backend_status(BACKEND, operational=False, status="maintenance")
    service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=service.backend(BACKEND)).run([_circuit()], shots=16)
    before = fake.now()
    with pytest.raises(SimulationStalledError, match="maintenance"):
        job.result()
    assert fake.now() == before
