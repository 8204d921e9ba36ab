"""The status line while a live job waits, shown through pytest's terminal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_runtime_double import reporting

from qiskit_runtime_double import FakeRuntime
from qiskit_runtime_double.fake.http.server import FakeServer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USER_TEST = """
from qiskit import QuantumCircuit
from qiskit_runtime_double import SamplerV2


def test_waits(fake_session, runtime_service):
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    result = SamplerV2(mode=fake_session).run([circuit], shots=5).result()
    assert result[0].data.meas.num_shots == 5
"""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """IBM, played by a served fake: the plugin reaches it through QISKIT_RUNTIME_DOUBLE_URL."""
    with FakeRuntime(backends=["ibmq_qasm_simulator"], seed=2).serve() as running:
        monkeypatch.setenv("QISKIT_IBM_TOKEN", "a-key")
        monkeypatch.setenv("QISKIT_IBM_INSTANCE", running.instance)
        monkeypatch.setenv("QISKIT_RUNTIME_DOUBLE_URL", running.url)
        yield running


def test_live_waits_show_a_status_line_when_asked(
    pytester: pytest.Pytester, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture\ndef runtime_config():\n"
        "    return {'default_backend': 'ibmq_qasm_simulator'}\n"
    )
    pytester.makepyfile(test_live=USER_TEST)
    # pytester's output is not a terminal: by default (auto) nothing is shown.
    quiet = pytester.runpytest("--runtime-mode=live", "-p", "no:randomly")
    quiet.assert_outcomes(passed=1)
    assert "DONE on" not in quiet.stdout.str()
    monkeypatch.setattr(reporting, "PROGRESS_DELAY", 0.0)  # every wait shows, however short
    server.fake.add_background_jobs("ibmq_qasm_simulator", 3, duration=60)  # so the job queues
    monkeypatch.setenv("COLUMNS", "160")  # wide enough for the whole line
    shown = pytester.runpytest("--runtime-mode=live", "--runtime-progress=on", "-p", "no:randomly")
    shown.assert_outcomes(passed=1)
    shown.stdout.fnmatch_lines(
        [
            "test_live.py ",  # the status line starts below pytest's line of dots
            "qiskit-runtime-double: job * QUEUED on ibmq_qasm_simulator, waiting *s",
            "qiskit-runtime-double: job * DONE on ibmq_qasm_simulator, after *s*",  # after a \r
        ]
    )
    assert any(request.path == "/api/v1/jobs" for request in server.requests)
    # Off is off, whatever the delay.
    off = pytester.runpytest("--runtime-mode=live", "--runtime-progress=off", "-p", "no:randomly")
    assert "DONE on" not in off.stdout.str()
