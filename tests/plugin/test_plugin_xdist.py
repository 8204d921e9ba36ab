"""Two hundred fake-mode tests under pytest-xdist: no shared state between tests or workers."""

from __future__ import annotations

import pytest

pytest.importorskip("xdist")

TEST_MODULE = """
import pytest
from qiskit import QuantumCircuit
from qiskit_runtime_double import SamplerV2


@pytest.fixture
def runtime_config(runtime_config):
    simulator = "ibmq_qasm_simulator"
    return {**runtime_config, "backends": [simulator], "default_backend": simulator}


@pytest.mark.parametrize("index", range(100))
def test_sessions_are_independent(index, fake_session, fake_runtime):
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    result = SamplerV2(mode=fake_session).run([circuit], shots=3).result()
    assert result[0].data.meas.get_counts() == {"1": 3}
    jobs = fake_runtime.state.jobs
    assert len(jobs) == 1  # this test's fake has seen this test's job only
"""


def test_two_hundred_tests_on_two_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_first=TEST_MODULE, test_second=TEST_MODULE)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly", "-q")
    result.assert_outcomes(passed=200)
    # The workers' reports reach the controller, which adds up what their fakes saw.
    result.stdout.fnmatch_lines(
        [
            "qiskit-runtime-double: 200 test(s) used a fake: 200 session(s), 200 job(s) "
            "(200 completed), * simulated in * of test time"
        ]
    )
