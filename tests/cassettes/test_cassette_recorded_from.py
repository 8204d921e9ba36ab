"""A cassette says in its metadata what it was recorded from, and `cassette show` prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from qiskit_runtime_double import FakeRuntime, IBMInputValueError, InProcessTransport
from qiskit_runtime_double.cli import main
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.cassettes.fileformat import read_cassette
from qiskit_runtime_double.wire.http import Headers, HttpRequest

COMMITTED = Path(__file__).resolve().parents[2] / "cassettes" / "batch.yaml"


def _record(path: Path, **options: object) -> dict[str, object]:
    fake = FakeRuntime(backends=["ibmq_qasm_simulator"])
    with CassetteTransport(path, "record", InProcessTransport(fake.app), **options) as cassette:  # type: ignore[arg-type]
        cassette.handle(HttpRequest("GET", cassette.base_url + "/backends", Headers(), b""))
    data = read_cassette(path)
    assert data is not None
    return data.metadata


def test_a_recording_from_the_in_process_fake_says_fake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    metadata = _record(tmp_path / "c.yaml")
    assert (metadata["recorded_from"], metadata["source"]) == ("fake", "InProcessTransport")
    assert main(["cassette", "show", str(tmp_path / "c.yaml")]) == 0
    assert "from fake (InProcessTransport)" in capsys.readouterr().out


def test_the_recorder_may_say_more(tmp_path: Path) -> None:
    metadata = _record(tmp_path / "c.yaml", recorded_from="fake served on 127.0.0.1")
    assert metadata["recorded_from"] == "fake served on 127.0.0.1"
    with pytest.raises(IBMInputValueError, match="recorded_from must be a non-empty string"):
        _record(tmp_path / "d.yaml", recorded_from="")


def test_older_cassettes_name_only_the_transport(capsys: pytest.CaptureFixture[str]) -> None:
    data = read_cassette(COMMITTED)
    assert data is not None and "recorded_from" not in data.metadata
    assert main(["cassette", "show", str(COMMITTED)]) == 0
    assert "from LiveTransport\n" in capsys.readouterr().out
