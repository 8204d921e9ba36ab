"""The pytest plugin, tested the way pytest-recording tests itself: with pytester."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USER_TESTS = """
import datetime as dt
import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_runtime_double import IBMRuntimeError, RuntimeJobFailureError, SamplerV2, Session


def bell(service, backend="generic_5q"):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    manager = generate_preset_pass_manager(backend=service.backend(backend), optimization_level=1)
    return manager.run(circuit)


@pytest.mark.runtime(max_time="1h")
def test_variational_loop_survives_session_expiry(fake_session, runtime_service, runtime_clock):
    sampler = SamplerV2(mode=fake_session)
    circuit = bell(runtime_service)
    sampler.run([circuit]).result()
    runtime_clock.shift(dt.timedelta(hours=1, seconds=1))
    with pytest.raises(IBMRuntimeError, match="does not accept new jobs"):
        sampler.run([circuit])
    assert fake_session.status() == "Closed"


def test_session_jobs_jump_the_queue(fake_runtime, fake_session, runtime_service):
    fake_runtime.add_background_jobs("generic_5q", 5, duration=60)
    sampler = SamplerV2(mode=fake_session)
    circuit = bell(runtime_service)
    assert sampler.run([circuit]).status() == "QUEUED"
    sampler.run([circuit]).result()
    assert sampler.run([circuit]).status() == "RUNNING"


def test_session_without_a_service_uses_the_fixture(runtime_service):
    with Session(backend="generic_5q") as session:
        assert session.service is runtime_service


def test_factory_makes_batches(fake_session_factory):
    batch = fake_session_factory(mode="batch", max_time=600)
    assert type(batch).__name__ == "Batch"


def test_factory_refuses_an_unknown_backend_at_once(fake_session_factory):
    from qiskit_runtime_double import BackendNotFoundError

    with pytest.raises(BackendNotFoundError, match="'ibm_nope'.*Its backends: generic_5q"):
        fake_session_factory(backend="ibm_nope")


def test_a_failing_job(fake_runtime, fake_session, runtime_service):
    fake_runtime.fail_job(reason="boom", code=7)
    with pytest.raises(RuntimeJobFailureError, match="boom"):
        SamplerV2(mode=fake_session).run([bell(runtime_service)]).result()
"""


def test_fake_mode_runs_user_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["qiskit-runtime-double: runtime mode fake, seed 0"])


def test_help_lists_every_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "*runtime-double*",
            "*--runtime-mode={fake,replay,record,live}*",
            "*--runtime-cassette-dir*",
            "*--runtime-record-mode={once,new_episodes,rewrite,record}*",
            "*--runtime-seed*",
        ]
    )


def test_markers_are_registered_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.runtime(backend=None, max_time=None, seed=None, cassette=None, modes=None)*"]
    )


def test_unknown_mode_on_the_command_line_is_refused(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--runtime-mode=offline")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid choice: 'offline'*"])


def test_mode_precedence_command_line_then_environment_then_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\nruntime_mode = replay\nruntime_seed = 9\n")
    pytester.makepyfile("def test_mode(runtime_mode):\n    print('MODE', runtime_mode)\n")
    result = pytester.runpytest("-s")
    result.stdout.fnmatch_lines(["*runtime mode replay, seed 9*", "*MODE replay*"])
    monkeypatch.setenv("QISKIT_RUNTIME_DOUBLE_MODE", "fake")
    pytester.runpytest("-s").stdout.fnmatch_lines(["*MODE fake*"])
    monkeypatch.setenv("QISKIT_RUNTIME_DOUBLE_MODE", "nonsense")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*QISKIT_RUNTIME_DOUBLE_MODE*'nonsense'*fake, replay, record, live*"]
    )
    pytester.runpytest("-s", "--runtime-mode=fake").stdout.fnmatch_lines(["*MODE fake*"])


def test_seed_option_and_marker_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_default(runtime_config):
            assert runtime_config["seed"] == 5

        @pytest.mark.runtime(seed=8, backend="generic_27q")
        def test_marker(runtime_config, fake_session):
            assert runtime_config["seed"] == 8
            assert fake_session.backend() == "generic_27q"
        """
    )
    pytester.runpytest("--runtime-seed=5").assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ('"generic_5q"', "keyword arguments only"),
        ("backend=3", "backend must be a non-empty string"),
        ('max_time="soon"', "Invalid max_time value 'soon'"),
        ("colour='red'", "unknown argument(s) ['colour']"),
        ("seed='x'", "seed must be an int"),
    ],
)
def test_marker_with_wrong_arguments_is_a_usage_error_before_tests_run(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(
        f"import pytest\n\n@pytest.mark.runtime({marker})\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_fake_only_fixtures_skip_in_other_modes_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_needs_fake(fake_runtime):\n    pass\n")
    result = pytester.runpytest("--runtime-mode=replay", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*needs the in-process fake (--runtime-mode=fake); this run is replay*"]
    )


def test_replay_without_a_cassette_says_how_to_record_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mod="def test_uses_service(runtime_service):\n    pass\n")
    result = pytester.runpytest("--runtime-mode=replay")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*replay, but 1 test(s) have no cassette*",
            "*test_mod.py::test_uses_service: *cassettes/test_mod/test_uses_service.yaml",
            "*pytest --runtime-mode=record*",
        ]
    )


@pytest.mark.parametrize("mode", ["live", "record"])
def test_live_and_record_without_credentials_stop_at_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    monkeypatch.setenv("HOME", str(pytester.path))
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest(f"--runtime-mode={mode}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*needs IBM Quantum credentials*QISKIT_IBM_TOKEN*qiskit-ibm.json*"]
    )


def test_unwritable_cassette_directory_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "not-a-real-key")
    blocker = pytester.path / "blocked"
    blocker.write_text("a file, not a directory")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("--runtime-mode=record", f"--runtime-cassette-dir={blocker}/sub")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cannot write cassettes to*--runtime-cassette-dir*"])


def test_cassette_names_are_per_test_and_sanitized(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_names="""
        import pytest
        from pytest_runtime_double.plugin import cassette_path, SETTINGS

        @pytest.mark.parametrize("x", ["a b", "c/d"])
        def test_param(request, x):
            path = cassette_path(request.config.stash[SETTINGS], request.node)
            print("PATH", path.relative_to(request.config.rootpath))

        class TestGroup:
            @pytest.mark.runtime(cassette="shared name")
            def test_named(self, request):
                print("PATH", cassette_path(request.config.stash[SETTINGS], request.node).name)
        """
    )
    result = pytester.runpytest("-s")
    result.stdout.fnmatch_lines(
        [
            "*PATH cassettes/test_names/test_param_a_b.yaml",
            "*PATH cassettes/test_names/test_param_c_d.yaml",
            "*PATH shared_name.yaml",
        ]
    )
