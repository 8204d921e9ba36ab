"""What the plugin shows: the fake's timeline in a failure, SVG timelines, a summary of the run."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TESTS = """
import pytest
from qiskit import QuantumCircuit
from qiskit_runtime_double import RuntimeJobFailureError, SamplerV2


def one_qubit():
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    return circuit


def test_passes(fake_session):
    SamplerV2(mode=fake_session).run([one_qubit()], shots=3).result()


def test_fails(fake_runtime, fake_session):
    fake_runtime.fail_job(reason="Circuit too deep", code=1002)
    SamplerV2(mode=fake_session).run([one_qubit()]).result()  # raises: the test fails


def test_no_fake():
    pass
"""

CONFTEST = """
import pytest

@pytest.fixture
def runtime_config():
    return {"backends": ["ibmq_qasm_simulator"]}
"""


def test_a_failure_shows_the_fake_timeline_and_the_run_is_summed_up(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_report=TESTS)
    timelines = pytester.path / "timelines"
    result = pytester.runpytest("-p", "no:randomly", "--runtime-timeline=timelines")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*runtime mode fake, seed 0, timelines: *timelines",
            "*RuntimeJobFailureError*Circuit too deep*",
            "*- qiskit-runtime-double: what the fake did -*",
            "fake timeline from 2025-01-01T09:00:00+00:00 (now +*)",
            "+00:00:00* session * opened on ibmq_qasm_simulator (dedicated, max_time *",
            "+00:00:00* job * (sampler) queued on ibmq_qasm_simulator in session *",
            "+00:00:00* job * (sampler) failed: Circuit too deep (code 1002)",
            "qiskit-runtime-double: 2 test(s) used a fake: 2 session(s), 2 job(s) (1 completed, "
            "1 failed), * simulated in * of test time",
        ]
    )
    assert result.stdout.str().count("what the fake did") == 1  # only the failed test's report
    written = sorted(path.name for path in timelines.iterdir())
    assert written == ["test_report.py_test_fails.svg", "test_report.py_test_passes.svg"]
    svg = (timelines / "test_report.py_test_fails.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "test_report.py::test_fails" in svg


def test_no_summary_when_no_test_used_a_fake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "used a fake" not in result.stdout.str()


def test_an_unwritable_timeline_directory_is_a_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "blocked").write_text("a file, not a directory", encoding="utf-8")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("--runtime-timeline=blocked/sub")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--runtime-timeline cannot write timelines to *blocked/sub*"])
