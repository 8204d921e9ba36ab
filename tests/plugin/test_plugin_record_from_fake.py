"""``--runtime-record-from=fake``: cassettes recorded against an in-process fake, no account."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USER_TEST = """
import pytest
from qiskit import QuantumCircuit
from qiskit_runtime_double import SamplerV2


@pytest.mark.runtime(max_time="10m")
def test_bell(fake_session, runtime_clock):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    job = SamplerV2(mode=fake_session).run([circuit], shots=50)
    counts = job.result()[0].data.meas.get_counts()
    print("OUTCOME", job.job_id(), fake_session.session_id, sorted(counts.items()))
    print("CLOCK", type(runtime_clock).__name__)
"""

CONFTEST = """
import pytest

@pytest.fixture
def runtime_config():
    return {"backends": ["ibmq_qasm_simulator"], "seed": 11}
"""


@pytest.fixture(autouse=True)
def no_account(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_RUNTIME_DOUBLE_RECORD_FROM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(pytester.path))


def _outcome(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if "OUTCOME" in line).split("OUTCOME")[1]


def test_record_from_the_fake_needs_no_account_and_replays_the_same(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_user=USER_TEST)
    fake = pytester.runpytest("-s", "-p", "no:randomly")
    recorded = pytester.runpytest(
        "--runtime-mode=record", "--runtime-record-from=fake", "-s", "-p", "no:randomly"
    )
    recorded.assert_outcomes(passed=1)
    recorded.stdout.fnmatch_lines(["CLOCK VirtualClock"])  # the recording fake's clock
    # The fake configured by runtime_config answered: the same ids and counts as in fake mode.
    assert _outcome(recorded) == _outcome(fake)
    text = (pytester.path / "cassettes" / "test_user" / "test_bell.yaml").read_text("utf-8")
    assert "recorded_from: fake" in text and "source: InProcessTransport" in text
    replayed = pytester.runpytest("--runtime-mode=replay", "-s", "-p", "no:randomly")
    replayed.assert_outcomes(passed=1)
    replayed.stdout.fnmatch_lines(["CLOCK ReplayClock"])
    assert _outcome(replayed) == _outcome(recorded)


def test_the_ini_and_environment_forms(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    pytester.makeini("[pytest]\nruntime_mode = record\nruntime_record_from = fake\n")
    header = "*runtime mode record, seed 0, cassettes: *, record mode: once, recording from {}"
    pytester.runpytest().stdout.fnmatch_lines([header.format("fake")])  # no account needed
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "some-key")
    monkeypatch.setenv("QISKIT_RUNTIME_DOUBLE_RECORD_FROM", "live")  # the environment beats ini
    pytester.runpytest().stdout.fnmatch_lines([header.format("live")])
    result = pytester.runpytest("--runtime-record-from=fake")  # the command line beats both
    result.stdout.fnmatch_lines([header.format("fake")])
    monkeypatch.setenv("QISKIT_RUNTIME_DOUBLE_RECORD_FROM", "ibm")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*$QISKIT_RUNTIME_DOUBLE_RECORD_FROM sets what record mode records to 'ibm'; expected "
            "one of: live, fake.*"
        ]
    )


def test_recording_from_the_live_service_without_an_account_points_to_the_fake(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("--runtime-mode=record")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*--runtime-mode=record (from the live service) needs IBM Quantum credentials*"
            "Record against the fake with --runtime-record-from=fake, which needs none*"
        ]
    )
