"""Shared recordings: a real Session recorded from the fake, and a scripted inner transport."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import (
    EstimatorV2,
    FakeRuntime,
    HttpRequest,
    HttpResponse,
    InProcessTransport,
    MockTransport,
    QiskitRuntimeService,
    SamplerV2,
    Session,
    VirtualClock,
)
from qiskit_runtime_double.transports.cassette import CassetteTransport

BACKEND = "ibmq_qasm_simulator"
BASE = "http://runtime-double.invalid/api/v1"


def sampler_circuit(name: str = "bell") -> QuantumCircuit:
    """A parametrized Bell-like circuit; every call makes a new Parameter (a new UUID)."""
    theta = Parameter("θ")
    circuit = QuantumCircuit(2, name=name)
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def estimator_circuit(name: str = "ghz") -> QuantumCircuit:
    phi = Parameter("φ")
    circuit = QuantumCircuit(3, name=name)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.rz(phi, 1)
    circuit.cx(1, 2)
    return circuit


@dataclass
class Outcome:
    """Everything the code under test saw, for comparing a replay with its recording."""

    session_id: str | None
    job_ids: list[str]
    counts: list[dict[str, int]]
    evs: list[list[float]]
    created: list[_dt.datetime | None]
    details: dict[str, Any]
    statuses: list[str]


def workload(
    service: QiskitRuntimeService,
    *,
    sampler: QuantumCircuit | None = None,
    estimator: QuantumCircuit | None = None,
    shots: int = 50,
) -> Outcome:
    """A Session with a SamplerV2 and an EstimatorV2 job, as the seed API uses it."""
    sampler = sampler if sampler is not None else sampler_circuit()
    estimator = estimator if estimator is not None else estimator_circuit()
    observable = SparsePauliOp(["ZZI", "IZZ", "XXX"], coeffs=[1.0, 0.5, 0.25])
    with Session(service=service, backend=BACKEND, max_time="1h") as session:
        s_job = SamplerV2(mode=session).run([(sampler, np.array([[0.1], [1.2]]))], shots=shots)
        e_job = EstimatorV2(mode=session).run(
            [(estimator, observable, np.array([[0.3], [0.7]]))], precision=0.05
        )
        s_result, e_result = s_job.result(), e_job.result()
        details = session.details()
    bits = s_result[0].data.meas
    return Outcome(
        session_id=session.session_id,
        job_ids=[s_job.job_id(), e_job.job_id()],
        counts=[bits[i].get_counts() for i in range(bits.shape[0])],
        evs=np.asarray(e_result[0].data.evs).tolist(),
        created=[s_job.creation_date, e_job.creation_date],
        details=details,
        statuses=[s_job.status(), e_job.status()],
    )


@dataclass
class Recording:
    path: Path
    outcome: Outcome


def record_workload(path: Path, *, queued_for: float | None = None, seed: int = 5) -> Outcome:
    fake = FakeRuntime(seed=seed)
    if queued_for is not None:
        fake.add_background_jobs(BACKEND, 1, duration=queued_for)
    transport = CassetteTransport(path, "record", inner=InProcessTransport(fake.app))
    with QiskitRuntimeService(transport=transport, instance=fake.plan.instance) as service:
        return workload(service)


@pytest.fixture(scope="session")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """A Session recorded once from the fake; tests copy the file before changing it."""
    path = tmp_path_factory.mktemp("recorded") / "session.yaml"
    return Recording(path, record_workload(path))


@pytest.fixture(scope="session")
def queued_recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """The same Session, but the jobs waited an hour behind another user's job."""
    path = tmp_path_factory.mktemp("queued") / "queued.yaml"
    return Recording(path, record_workload(path, queued_for=3600))


@pytest.fixture
def copy_of(tmp_path: Path) -> Callable[[Path], Path]:
    def copy(source: Path) -> Path:
        target = tmp_path / source.name
        target.write_bytes(source.read_bytes())
        return target

    return copy


# --- a scripted service: answers by rules, on a virtual clock ---


@dataclass
class Script:
    """A tiny scripted runtime: job states change at given simulated times.

    ``handle`` answers GET /jobs/{id} with the state in force at the clock's time, POST /jobs with
    a new id, anything else with ``{"path": ..., "n": <count>}``. ``calls`` counts requests.
    """

    clock: VirtualClock = field(default_factory=VirtualClock)
    states: list[tuple[float, str]] = field(
        default_factory=lambda: [(0, "Queued"), (20, "Running"), (30, "Completed")]
    )
    calls: int = 0
    submitted: int = 0

    def state_at(self) -> str:
        elapsed = (self.clock.now() - self.start).total_seconds()
        return [state for at, state in self.states if at <= elapsed][-1]

    def __post_init__(self) -> None:
        self.start = self.clock.now()

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.calls += 1
        path = request.path.removeprefix("/api/v1")
        if request.method == "POST" and path == "/jobs":
            self.submitted += 1
            return HttpResponse.from_json(200, {"id": f"job{self.submitted}", "backend": BACKEND})
        if request.method == "GET" and path.startswith("/jobs/"):
            state = self.state_at()
            return HttpResponse.from_json(
                200,
                {
                    "id": path.split("/")[2],
                    "state": {"status": state},
                    "program": {"id": "sampler"},
                },
            )
        return HttpResponse.from_json(200, {"path": path, "n": self.calls})

    def transport(self) -> MockTransport:
        return MockTransport(self.handle, clock=self.clock, base_url=BASE)


@pytest.fixture
def script() -> Script:
    return Script()


def get(path: str, **headers: str) -> HttpRequest:
    from qiskit_runtime_double.wire.http import Headers

    return HttpRequest("GET", BASE + path, Headers(headers))


def post(path: str, body: Any, **headers: str) -> HttpRequest:
    from qiskit_runtime_double.wire.http import Headers

    merged = {"Content-Type": "application/json", **headers}
    return HttpRequest("POST", BASE + path, Headers(merged), json.dumps(body).encode())


@pytest.fixture
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if anything sleeps for real."""
    import time

    def refuse(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) was called during a replay")

    monkeypatch.setattr(time, "sleep", refuse)
    yield
