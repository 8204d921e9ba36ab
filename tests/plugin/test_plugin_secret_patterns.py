"""``runtime_secret_patterns``: the user's own secrets, scrubbed when the plugin records, matched
the same way when it replays, and refused before any test runs when a pattern is bad."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USER_TEST = """
from qiskit import QuantumCircuit
from qiskit_runtime_double import SamplerV2


def test_tagged(fake_session):
    circuit = QuantumCircuit(2, name="ACME-{account}")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    sampler = SamplerV2(mode=fake_session, options={{"job_tags": ["ACME-{account}"]}})
    counts = sampler.run([circuit], shots=20).result()[0].data.meas.get_counts()
    print("COUNTS", sorted(counts.items()))
"""

CONFTEST = """
import pytest

@pytest.fixture
def runtime_config():
    return {"backends": ["ibmq_qasm_simulator"], "seed": 11}
"""

INI = """
[pytest]
runtime_secret_patterns =
    (?#ACME account)ACME-\\d{10}
"""


@pytest.fixture(autouse=True)
def no_account(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_RUNTIME_DOUBLE_RECORD_FROM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(pytester.path))


def _counts(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if "COUNTS" in line)


def test_declared_patterns_are_scrubbed_when_recording_and_replay_still_matches(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_user=USER_TEST.format(account="0123456789"))
    recorded = pytester.runpytest("--runtime-mode=record", "--runtime-record-from=fake", "-s")
    recorded.assert_outcomes(passed=1)
    text = (pytester.path / "cassettes" / "test_user" / "test_tagged.yaml").read_text("utf-8")
    assert "0123456789" not in text  # the tag, and the circuit's name inside the QPY payload
    assert "<SCRUBBED>" in text

    # Another account number in the code under test still matches the scrubbed recording.
    pytester.makepyfile(test_user=USER_TEST.format(account="9876543210"))
    replayed = pytester.runpytest("--runtime-mode=replay", "-s")
    replayed.assert_outcomes(passed=1)
    assert _counts(replayed) == _counts(recorded)

    # cassette check, run where pytest runs, reads the same setting.
    from qiskit_runtime_double.cli import main

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(pytester.path)
        cassette = pytester.path / "cassettes" / "test_user" / "test_tagged.yaml"
        assert main(["cassette", "check", str(cassette)]) == 0


def test_a_bad_pattern_stops_the_run_before_any_test(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nruntime_secret_patterns =\n    ACME-\\d{10}\n    (?#broken)ACME-[\n"
    )
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*the runtime_secret_patterns ini option, pattern 2: The scrub pattern "
            "'(?#broken)ACME-[' is not a valid regular expression*"
        ]
    )
