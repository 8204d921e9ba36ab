"""Record a real Session from the fake, replay it with no fake at all, and get the same results."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import HttpRequest, HttpResponse, QiskitRuntimeService
from qiskit_runtime_double.errors import CassetteMismatchError
from qiskit_runtime_double.transports.cassette import CassetteTransport

from .conftest import Recording, estimator_circuit, sampler_circuit, workload


class Counting:
    """Wraps a transport and counts requests per (method, path without ids)."""

    def __init__(self, inner: CassetteTransport) -> None:
        self.inner = inner
        self.seen: list[str] = []

    @property
    def clock(self):  # type: ignore[no-untyped-def]
        return self.inner.clock

    @property
    def base_url(self) -> str:
        return self.inner.base_url

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.seen.append(f"{request.method} {request.path}")
        return self.inner.handle(request)

    def close(self) -> None:
        self.inner.close()

    def polls(self) -> int:
        return sum(1 for s in self.seen if re.fullmatch(r"GET /api/v1/jobs/[^/]+", s))


def test_replay_without_a_fake_gives_identical_results(
    recording: Recording, no_real_sleep: None
) -> None:
    transport = CassetteTransport(recording.path)  # mode="replay", no inner at all
    with QiskitRuntimeService(transport=transport) as service:
        replayed = workload(service)

    assert replayed == recording.outcome  # counts, evs, ids, timestamps, session details
    assert replayed.statuses == ["DONE", "DONE"]
    assert transport.replaying and transport.new_interactions == 0


def test_replay_matches_freshly_built_structurally_identical_circuits(
    recording: Recording,
) -> None:
    # New Parameter objects (new UUIDs) and other circuit names: different QPY bytes, same meaning.
    sampler, estimator = sampler_circuit("renamed"), estimator_circuit("other-name")
    with QiskitRuntimeService(transport=CassetteTransport(recording.path)) as service:
        replayed = workload(service, sampler=sampler, estimator=estimator)

    assert replayed.job_ids == recording.outcome.job_ids
    assert replayed.counts == recording.outcome.counts


def test_a_different_circuit_misses_naming_the_instruction(recording: Recording) -> None:
    changed = QuantumCircuit(2)
    changed.ry(sampler_circuit().parameters[0], 0)
    changed.cz(0, 1)  # cx in the recording
    changed.measure_all()

    with (
        QiskitRuntimeService(transport=CassetteTransport(recording.path)) as service,
        pytest.raises(CassetteMismatchError) as caught,
    ):
        workload(service, sampler=changed)

    message = str(caught.value)
    assert str(recording.path) in message
    assert "POST /jobs (create_job)" in message
    assert "Nearest recorded requests:" in message
    assert re.search(
        r"body\.params\.pubs\[0\]\[0\]: circuit differs: instruction 1 is cz on qubits \[0, 1\] "
        r"here, cx on qubits \[0, 1\] in the recording",
        message,
    ), message
    assert "mode='rewrite'" in message


def test_different_shots_miss_naming_the_value(recording: Recording) -> None:
    with (
        QiskitRuntimeService(transport=CassetteTransport(recording.path)) as service,
        pytest.raises(CassetteMismatchError, match=r"pubs\[0\]\[2\]: 51 here, 50 in the recording"),
    ):
        workload(service, shots=51)


def test_jobs_that_queued_for_an_hour_replay_in_a_few_polls(
    queued_recording: Recording, no_real_sleep: None
) -> None:
    transport = Counting(CassetteTransport(queued_recording.path))
    start = transport.clock.now()
    with QiskitRuntimeService(transport=transport) as service:  # type: ignore[arg-type]
        replayed = workload(service)

    assert replayed == queued_recording.outcome
    # The replay clock went through the recorded hour, without sleeping...
    assert (transport.clock.now() - start).total_seconds() >= 3600
    # ...and the client saw each recorded change once instead of the hundreds of recorded polls.
    assert transport.polls() <= 10, transport.seen


def test_a_queued_recording_is_stored_compactly(queued_recording: Recording) -> None:
    text = queued_recording.path.read_text()
    # The recording polled ~700 times; runs of identical answers keep their first and last.
    assert text.count("recorded_at:") < 40


def test_replay_needs_no_credentials_and_no_inner(
    recording: Recording, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    transport = CassetteTransport(recording.path, inner=None)
    assert transport.base_url == "http://runtime-double.invalid/api/v1"
    with QiskitRuntimeService(transport=transport) as service:
        assert workload(service).job_ids == recording.outcome.job_ids


def test_a_second_replay_in_the_same_process_starts_over(
    recording: Recording, copy_of: Callable[[Path], Path]
) -> None:
    path = copy_of(recording.path)
    for _ in range(2):
        with QiskitRuntimeService(transport=CassetteTransport(path)) as service:
            assert workload(service) == recording.outcome
    assert path.read_bytes() == recording.path.read_bytes()  # replay never writes
