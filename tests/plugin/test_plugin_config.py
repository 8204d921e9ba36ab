"""``runtime_config`` overrides are merged over the defaults, and backends are checked by name."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USES_THE_DEFAULT_BACKEND = """
from qiskit import QuantumCircuit
from qiskit_runtime_double import SamplerV2


def test_default_backend(fake_session, runtime_config):
    print("CONFIG", sorted(runtime_config))
    assert fake_session.backend() == "ibmq_qasm_simulator"
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    counts = SamplerV2(mode=fake_session).run([circuit], shots=5).result()[0].data.meas.get_counts()
    assert counts == {"1": 5}
"""


def test_a_partial_override_is_merged_and_the_default_backend_follows_backends(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def runtime_config():
            return {"backends": ["ibmq_qasm_simulator", "generic_5q"]}
        """
    )
    pytester.makepyfile(test_partial=USES_THE_DEFAULT_BACKEND)
    result = pytester.runpytest("-s", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert "CONFIG ['backends']" in result.stdout.str()  # the test sees what the user returned


def test_the_marker_backend_wins_over_the_configured_default(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def runtime_config(runtime_config):
            return {**runtime_config, "backends": ["generic_5q", "ibmq_qasm_simulator"],
                    "default_backend": "generic_5q"}
        """
    )
    marked = '@pytest.mark.runtime(backend="ibmq_qasm_simulator")\ndef test_marked'
    pytester.makepyfile(
        test_marked="import pytest\n" + USES_THE_DEFAULT_BACKEND.replace("def test_default", marked)
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            '{"backend": ["generic_5q"]}',
            "runtime_config has unknown key(s) ['backend']; the keys are backends, seed, ",
        ),
        (
            '{"backends": ["generic_5q"], "default_backend": "generic_27q"}',
            "runtime_config['default_backend'] names backend 'generic_27q', which the fake does "
            "not have. Its backends: generic_5q.",
        ),
        ('["generic_5q"]', "the runtime_config fixture must return a dict, got list."),
        ('{"service_options": "x"}', "runtime_config['service_options'] must be a dict"),
        ('{"backends": 5}', "runtime_config['backends'] must be None (the default catalogue)"),
    ],
    ids=["unknown-key", "default-not-among-backends", "not-a-dict", "options", "backends"],
)
def test_a_wrong_runtime_config_fails_the_test_naming_the_key(
    pytester: pytest.Pytester, config: str, message: str
) -> None:
    pytester.makeconftest(
        f"import pytest\n\n@pytest.fixture\ndef runtime_config():\n    return {config}\n"
    )
    pytester.makepyfile("def test_x(fake_session):\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    node = "test_a_wrong_runtime_config_fails_the_test_naming_the_key.py::test_x"
    assert f"runtime_config of {node}: {message}" in output
    assert "During handling" not in output and "Traceback" not in output


def test_the_marker_backend_is_checked_at_collection_naming_the_choices(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_typo="""
        import pytest

        def test_fine():
            pass

        @pytest.mark.runtime(backend="generic_5")
        def test_typo(fake_session):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*@pytest.mark.runtime on test_typo.py::test_typo names backend 'generic_5', which the "
            "fake does not have. Its backends: generic_5q, generic_27q, generic_127q, "
            "ibmq_qasm_simulator.*"
        ]
    )
    # In replay the cassette decides, and live the service does: no check against the fake's.
    result = pytester.runpytest("--runtime-mode=replay")
    result.stderr.fnmatch_lines(["*replay, but 1 test(s) have no cassette*"])


def test_with_an_override_the_marker_backend_is_checked_when_the_test_sets_up(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def runtime_config():
            return {"backends": ["ibmq_qasm_simulator"]}
        """
    )
    pytester.makepyfile(
        test_typo="""
        import pytest

        @pytest.mark.runtime(backend="generic_27q")
        def test_typo(fake_session):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.runtime(backend=...) names backend 'generic_27q', which the fake does "
            "not have. Its backends: ibmq_qasm_simulator.*"
        ]
    )
