"""``qiskit-runtime-double cassette show`` and ``cassette check``."""

from __future__ import annotations

from pathlib import Path

import pytest

from qiskit_runtime_double.cli import main
from qiskit_runtime_double.transports.cassette import CassetteTransport

from .conftest import Recording, Script, get
from .test_cassette_scrubbing import JWT, Secretive, planted_requests


def test_show_lists_sessions_jobs_backends_and_durations(
    queued_recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "show", str(queued_recording.path)]) == 0
    out = capsys.readouterr().out
    outcome = queued_recording.outcome
    assert "sessions (1):" in out and str(outcome.session_id) in out
    assert "jobs (2):" in out
    for job_id in outcome.job_ids:
        line = next(line for line in out.splitlines() if job_id in line)
        assert "Completed" in line and "ibmq_qasm_simulator" in line
    assert "sampler" in out and "estimator" in out
    assert "backends: ibmq_qasm_simulator" in out
    assert "recorded time span: 1h" in out  # the hour the jobs waited in the queue
    assert "qiskit-runtime-double" in out


def expired_then_closed(path: Path) -> str:
    """A session that ran out of max_time: a job refused with 409, then closed by the client;
    no poll of the session after that."""
    from qiskit import QuantumCircuit

    from qiskit_runtime_double import (
        FakeRuntime,
        IBMRuntimeError,
        QiskitRuntimeService,
        SamplerV2,
        Session,
    )

    circuit = QuantumCircuit(1)
    circuit.measure_all()
    fake = FakeRuntime(["ibmq_qasm_simulator"], seed=2)
    with QiskitRuntimeService(fake=fake, cassette=path, record_mode="rewrite") as service:
        session = Session(backend=service.backend("ibmq_qasm_simulator"), max_time=60)
        SamplerV2(mode=session).run([circuit], shots=10).result()
        fake.clock.shift(120)
        with pytest.raises(IBMRuntimeError, match=r"max_ttl|closed"):
            SamplerV2(mode=session).run([circuit], shots=10)
        session.close()
        assert session.session_id is not None
        return session.session_id


def test_show_says_closed_for_a_session_refused_then_closed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session_id = expired_then_closed(tmp_path / "expired.yaml")

    assert main(["cassette", "show", str(tmp_path / "expired.yaml")]) == 0

    line = next(line for line in capsys.readouterr().out.splitlines() if session_id in line)
    assert "closed" in line.split() and "open" not in line.split()


def test_show_takes_several_files(
    recording: Recording, queued_recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "show", str(recording.path), str(queued_recording.path)]) == 0
    out = capsys.readouterr().out
    assert out.count("cassette: ") == 2
    assert main(["cassette", "show", str(recording.path), "nope.yaml"]) == 1


def test_show_of_a_missing_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cassette", "show", str(tmp_path / "nope.yaml")]) == 1
    assert "no cassette" in capsys.readouterr().err


def test_check_passes_clean_cassettes(
    recording: Recording, queued_recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "check", str(recording.path), str(queued_recording.path)]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok (") == 2


def test_check_finds_secrets_without_printing_them(
    tmp_path: Path, recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    leaky = tmp_path / "leaky.yaml"
    with CassetteTransport(leaky, "once", inner=Secretive(), scrub_rules=()) as transport:
        transport.handle(planted_requests()[1])

    assert main(["cassette", "check", str(recording.path), str(leaky)]) == 1
    out = capsys.readouterr().out
    assert f"{recording.path}: ok" in out
    assert f"{leaky}: possible secret at interaction 0: request header Authorization" in out
    assert "metadata base_url" in out
    assert JWT not in out and "pwSECRET" not in out


def test_check_reports_broken_and_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [")
    assert main(["cassette", "check", str(broken), str(tmp_path / "missing.yaml")]) == 1
    out = capsys.readouterr().out
    assert "not valid YAML" in out and "missing.yaml: no cassette" in out


def test_check_runs_on_a_tiny_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tiny.yaml"
    with CassetteTransport(path, "once", inner=Script().transport()) as transport:
        transport.handle(get("/backends"))
    assert main(["cassette", "check", str(path)]) == 0
    assert "ok (1 interactions" in capsys.readouterr().out
