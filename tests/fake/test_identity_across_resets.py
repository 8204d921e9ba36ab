"""Ids never repeat within a fake's life, resets included (issue 17, point 7): a handle kept
from before ``reset()`` gets a 404, never another job's status or counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    FakeRuntime,
    QiskitRuntimeService,
    RuntimeJobNotFound,
    SamplerV2,
    Session,
)
from qiskit_runtime_double.fake import History, PastJob

BACKEND = "ibmq_qasm_simulator"
DAY = dt.timedelta(days=1)


def flip(bit: int) -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    if bit:
        circuit.x(0)
    circuit.measure_all()
    return circuit


def coin() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.h(0)
    circuit.measure_all()
    return circuit


def test_a_stale_handle_after_a_reset_is_not_found_instead_of_another_jobs_counts() -> None:
    fake = FakeRuntime([BACKEND], seed=3)
    service = QiskitRuntimeService(fake=fake)
    sampler = SamplerV2(mode=service.backend(BACKEND))
    stale = sampler.run([flip(0)], shots=10)

    fake.reset()
    fresh = sampler.run([flip(1)], shots=10)

    assert fresh.job_id() != stale.job_id()
    assert fresh.result()[0].data.meas.get_counts() == {"1": 10}
    with pytest.raises(RuntimeJobNotFound):
        stale.result()
    with pytest.raises(RuntimeJobNotFound):
        service.job(stale.job_id())


def test_ids_never_repeat_over_many_resets_and_seeded_results_still_do() -> None:
    fake = FakeRuntime([BACKEND], seed=3)
    service = QiskitRuntimeService(fake=fake)
    sampler = SamplerV2(mode=service.backend(BACKEND))
    seen: set[str] = set()
    counts = []
    for _ in range(5):
        jobs = [sampler.run([coin()], shots=20) for _ in range(3)]
        sessions = []
        for _ in range(2):
            with Session(service=service, backend=BACKEND) as session:
                SamplerV2(mode=session).run([flip(0)], shots=1).result()
                sessions.append(session.session_id)
        ids = [job.job_id() for job in jobs] + sessions
        assert seen.isdisjoint(ids)
        seen.update(ids)
        counts.append(
            [np.asarray(job.result()[0].data.meas.get_bitstrings()).tolist() for job in jobs]
        )
        fake.reset()
    assert len(seen) == 25 and None not in seen
    # Simulator seeds are drawn as on a fresh fake in every life: the same work, the same counts.
    assert all(run == counts[0] for run in counts)


def test_a_history_added_after_a_reset_gets_new_ids_and_the_constructors_is_restored() -> None:
    fake = FakeRuntime([BACKEND], seed=3, history=History(weeks=1, jobs_per_day=2))
    restored = sorted(fake.state.jobs)
    added = fake.add_history([PastJob(created=DAY)])
    fake.reset()
    assert sorted(fake.state.jobs) == restored  # the same past jobs, as the fake started
    again = fake.add_history([PastJob(created=DAY)])
    assert set(again).isdisjoint(added)
