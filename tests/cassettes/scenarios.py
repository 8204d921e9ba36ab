"""The user code behind the committed cassettes (``cassettes/*.yaml``), shared by both sides.

``cassettes/record.py`` runs each scenario against the fake served over HTTP (standing in for IBM)
and records the traffic; ``test_committed_cassettes.py`` runs the same functions against the
recordings, with no server and no credentials, and checks what they observe. A scenario is two
functions: ``prepare`` sets the fake up before recording (faults, other users' jobs), and ``run``
is the user code, which only sees a ``QiskitRuntimeService``, so it runs unchanged on a replay.

The circuits are written directly in ``generic_5q``'s basis (``rz``, ``sx``, ``cz``) on physical
qubits 0 and 1, instead of coming out of the transpiler: the transpiler's output may change between
qiskit releases, and a replay matches job submissions on the circuits, so a committed cassette
must not depend on the qiskit version of whoever replays it.

This module is not a test module (pytest does not collect it) and does not import the official
client at import time: ``official_session`` imports it when called.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import (
    Batch,
    EstimatorV2,
    FakeRuntime,
    IBMRuntimeError,
    QiskitRuntimeService,
    RuntimeJob,
    RuntimeJobFailureError,
    SamplerV2,
    Session,
)

BACKEND = "generic_5q"
#: The fake's backends while recording (fewer backends, smaller catalogue answers).
BACKENDS = [BACKEND]
#: How long the job of ``expired_session`` runs: past the session's ``max_time`` of 10 minutes.
LONG_JOB_SECONDS = 700.0
#: Other users' jobs ahead of ``queued_for_hours``: four of a quarter of an hour each.
BACKGROUND_JOBS, BACKGROUND_SECONDS = 4, 900.0
ESTIMATOR_ANGLE = 0.7


# --- circuits in generic_5q's basis ---------------------------------------------------------------


def _hadamard(circuit: QuantumCircuit, qubit: int) -> None:
    # H is rz(pi/2) sx rz(pi/2) up to a global phase, as the transpiler writes it for this basis.
    circuit.rz(math.pi / 2, qubit)
    circuit.sx(qubit)
    circuit.rz(math.pi / 2, qubit)


def _bell_state(circuit: QuantumCircuit) -> None:
    """(|00> + |11>)/sqrt(2) on qubits 0 and 1: H(0), then CX(0, 1) as H(1) CZ(0, 1) H(1)."""
    _hadamard(circuit, 0)
    _hadamard(circuit, 1)
    circuit.cz(0, 1)
    _hadamard(circuit, 1)


def bell() -> QuantumCircuit:
    """A Bell pair measured into the classical register ``meas``; ISA for ``generic_5q``."""
    circuit = QuantumCircuit(QuantumRegister(5, "q"), ClassicalRegister(2, "meas"), name="bell")
    _bell_state(circuit)
    circuit.measure([0, 1], [0, 1])
    return circuit


def rotated_bell() -> QuantumCircuit:
    """(|00> + e^{i theta}|11>)/sqrt(2): <ZZ> = 1 and <XX> = cos(theta); ISA for ``generic_5q``."""
    circuit = QuantumCircuit(QuantumRegister(5, "q"), name="rotated_bell")
    _bell_state(circuit)
    circuit.rz(Parameter("theta"), 0)
    return circuit


#: The estimator's observables on the 5 qubits (qiskit's order: qubit 0 is the rightmost letter).
OBSERVABLES = [SparsePauliOp("IIIZZ"), SparsePauliOp("IIIXX")]


# --- what the user code observed --------------------------------------------------------------


@dataclass
class Outcome:
    """What a scenario's user code saw; equal between a recording and its replay.

    ``errors`` holds the exceptions the user code caught, by step name.
    """

    job_ids: list[str] = field(default_factory=list)
    session_id: str | None = None
    statuses: list[str] = field(default_factory=list)
    counts: list[dict[str, int]] = field(default_factory=list)
    evs: list[list[float]] = field(default_factory=list)
    session_status: str | None = None
    session_details: dict[str, Any] | None = None
    errors: dict[str, Exception] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def comparable(self) -> dict[str, Any]:
        """The outcome as plain values (exceptions by type and message), for ``==``."""
        plain = {name: getattr(self, name) for name in self.__dataclass_fields__}
        plain["errors"] = {k: (type(e).__name__, str(e)) for k, e in self.errors.items()}
        return plain


def _counts(job: RuntimeJob) -> dict[str, int]:
    counts: dict[str, int] = job.result()[0].data.meas.get_counts()
    return counts


# --- the scenarios ----------------------------------------------------------------------------


def nothing_to_prepare(fake: FakeRuntime) -> None:
    """The fake as it starts: an idle backend."""


def session_sampler_estimator(service: QiskitRuntimeService) -> Outcome:
    """A Session running a SamplerV2 Bell job and an EstimatorV2 job, then closed."""
    with Session(service=service, backend=BACKEND, max_time="1h") as session:
        sampled = SamplerV2(mode=session).run([bell()], shots=1000)
        estimated = EstimatorV2(mode=session).run(
            [(rotated_bell(), OBSERVABLES, [ESTIMATOR_ANGLE])], precision=0.05
        )
        counts = _counts(sampled)
        evs = np.asarray(estimated.result()[0].data.evs).tolist()
    return Outcome(
        job_ids=[sampled.job_id(), estimated.job_id()],
        session_id=session.session_id,
        statuses=[sampled.status(), estimated.status()],
        counts=[counts],
        evs=[evs],
        session_status=session.status(),
        session_details=session.details(),
    )


def batch(service: QiskitRuntimeService) -> Outcome:
    """A Batch of three sampler jobs, submitted together, then their results."""
    with Batch(service=service, backend=BACKEND) as group:
        sampler = SamplerV2(mode=group)
        jobs = [sampler.run([bell()], shots=shots) for shots in (100, 200, 300)]
        counts = [_counts(job) for job in jobs]
    return Outcome(
        job_ids=[job.job_id() for job in jobs],
        session_id=group.session_id,
        statuses=[job.status() for job in jobs],
        counts=counts,
        session_status=group.status(),
        session_details=group.details(),
        notes={"job_session_ids": [job.session_id for job in jobs]},
    )


def fail_next_job(fake: FakeRuntime) -> None:
    fake.fail_job(reason="Circuit too deep", code=1002)


def failed_job(service: QiskitRuntimeService) -> Outcome:
    """One job, outside any session, that the service fails."""
    job = SamplerV2(mode=service.backend(BACKEND)).run([bell()], shots=100)
    outcome = Outcome(job_ids=[job.job_id()])
    try:
        job.result()
    except RuntimeJobFailureError as exc:
        outcome.errors["result"] = exc
    outcome.statuses.append(job.status())
    outcome.notes["error_message"] = job.error_message()
    return outcome


def make_next_job_long(fake: FakeRuntime) -> None:
    fake.set_next_job_duration(LONG_JOB_SECONDS)


def expired_session(service: QiskitRuntimeService) -> Outcome:
    """A 10-minute session whose first job runs 700 s: the queued job and a later one fail.

    The running job finishes past the expiry; the job queued behind it fails with the expiry as
    its reason; the service refuses a submission after that (our client still thought the
    session open, so the refusal comes from the service).
    """
    session = Session(service=service, backend=BACKEND, max_time="10m")
    sampler = SamplerV2(mode=session)
    long_job = sampler.run([bell()], shots=100)
    queued = sampler.run([bell()], shots=100)
    outcome = Outcome(job_ids=[long_job.job_id(), queued.job_id()])
    outcome.counts.append(_counts(long_job))
    try:
        queued.result()
    except RuntimeJobFailureError as exc:
        outcome.errors["queued"] = exc
    try:
        sampler.run([bell()], shots=100)
    except IBMRuntimeError as exc:
        outcome.errors["refused"] = exc
    outcome.session_id = session.session_id
    outcome.statuses = [long_job.status(), queued.status()]
    outcome.session_status = session.status()
    outcome.session_details = session.details()
    return outcome


def queue_an_hour_ahead(fake: FakeRuntime) -> None:
    fake.add_background_jobs(BACKEND, BACKGROUND_JOBS, duration=BACKGROUND_SECONDS)


def queued_for_hours(service: QiskitRuntimeService) -> Outcome:
    """One job behind an hour of other users' jobs."""
    job = SamplerV2(mode=service.backend(BACKEND)).run([bell()], shots=100)
    first_status = job.status()
    counts = _counts(job)
    stamps = job.metrics()["timestamps"]
    return Outcome(
        job_ids=[job.job_id()],
        statuses=[job.status()],
        counts=[counts],
        notes={"first_status": first_status, "timestamps": stamps},
    )


@dataclass(frozen=True)
class Scenario:
    """A committed cassette: ``cassettes/<name>.yaml``, recorded from ``prepare`` then ``run``.

    ``seed`` seeds the recording's fake: ids and Aer's samples follow from it. Each scenario has
    its own, so that no two cassettes hold the same job or session id.
    """

    name: str
    seed: int
    prepare: Callable[[FakeRuntime], None]
    run: Callable[[QiskitRuntimeService], Outcome]


#: The cassettes recorded with our client (over its live HTTP transport).
SCENARIOS = [
    Scenario("session_sampler_estimator", 101, nothing_to_prepare, session_sampler_estimator),
    Scenario("batch", 102, nothing_to_prepare, batch),
    Scenario("failed_job", 103, fail_next_job, failed_job),
    Scenario("expired_session", 104, make_next_job_long, expired_session),
    Scenario("queued_for_hours", 105, queue_an_hour_ahead, queued_for_hours),
]

#: The cassette of the official client's traffic (recorded by a middleware in the server).
OFFICIAL = "official_client_session"
OFFICIAL_SEED = 106


def official_session(service: Any) -> dict[str, Any]:
    """The official client's user code: a Session with one SamplerV2 job (needs ``compat``).

    ``service`` is an official ``QiskitRuntimeService``. Returns the ids, counts and states it
    saw.
    """
    import warnings

    from qiskit_ibm_runtime import SamplerV2 as OfficialSampler
    from qiskit_ibm_runtime import Session as OfficialSession

    backend = service.backend(BACKEND)
    with OfficialSession(backend, max_time="1h") as session, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 0.50+ deprecates SamplerV2
        job = OfficialSampler(mode=session).run([bell()], shots=100)
        counts = job.result()[0].data.meas.get_counts()
    # After closing: the session as the service reports it (Session.from_id reads the same).
    return {
        "job_id": job.job_id(),
        "session_id": session.session_id,
        "counts": counts,
        "job_status": str(job.status()),
        "session_status": session.status(),
        "session_state": session.details()["state"],
    }
