"""Record, replay and live modes, with the fake served on 127.0.0.1 standing in for IBM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qiskit_runtime_double import FakeRuntime
from qiskit_runtime_double.fake.http.server import FakeServer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USER_TEST = """
import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_runtime_double import SamplerV2


@pytest.mark.runtime(backend="generic_5q")
def test_bell_in_a_session(fake_session, runtime_service):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    backend = runtime_service.backend("generic_5q")
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)
    isa = manager.run(circuit)
    job = SamplerV2(mode=fake_session).run([isa], shots=200)
    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 200
    print("OUTCOME", job.job_id(), fake_session.session_id, sorted(counts.items()))
"""

CONFTEST = """
import pytest

@pytest.fixture
def runtime_config(runtime_config):
    options = {{"runtime_url": "{runtime_url}", "iam_url": "{iam_url}"}}
    return {{**runtime_config, "service_options": options}}
"""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    fake = FakeRuntime(backends=["generic_5q"], seed=5)
    with fake.serve() as running:
        monkeypatch.setenv("QISKIT_IBM_TOKEN", "recording-api-key-0123456789")
        monkeypatch.setenv("QISKIT_IBM_INSTANCE", running.instance)
        yield running


def _outcome(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if "OUTCOME" in line)


def test_record_then_replay_gives_the_same_results(
    pytester: pytest.Pytester, server: FakeServer
) -> None:
    pytester.makeconftest(CONFTEST.format(runtime_url=server.runtime_url, iam_url=server.iam_url))
    pytester.makepyfile(test_user=USER_TEST)
    recorded = pytester.runpytest("--runtime-mode=record", "-s", "-p", "no:randomly")
    recorded.assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_user" / "test_bell_in_a_session.yaml"
    text = cassette.read_text(encoding="utf-8")
    assert "recording-api-key-0123456789" not in text and "Bearer ey" not in text
    server.stop()  # replay must not need the service
    replayed = pytester.runpytest("--runtime-mode=replay", "-s", "-p", "no:randomly")
    replayed.assert_outcomes(passed=1)
    assert _outcome(replayed).split("OUTCOME")[1] == _outcome(recorded).split("OUTCOME")[1]


def test_a_failed_test_leaves_no_cassette(pytester: pytest.Pytester, server: FakeServer) -> None:
    pytester.makeconftest(CONFTEST.format(runtime_url=server.runtime_url, iam_url=server.iam_url))
    pytester.makepyfile(
        test_failing="""
        def test_fails_after_a_request(runtime_service):
            runtime_service.backend("generic_5q")
            assert False, "the code under test is wrong"
        """
    )
    pytester.runpytest("--runtime-mode=record", "-p", "no:randomly").assert_outcomes(failed=1)
    assert not (pytester.path / "cassettes" / "test_failing").exists() or not any(
        (pytester.path / "cassettes" / "test_failing").iterdir()
    )


def test_live_mode_talks_to_the_service(pytester: pytest.Pytester, server: FakeServer) -> None:
    pytester.makeconftest(CONFTEST.format(runtime_url=server.runtime_url, iam_url=server.iam_url))
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest("--runtime-mode=live", "-s", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "cassettes").exists()
    assert any(entry[1] == "/api/v1/jobs" for entry in map(_route, server.requests))


def _route(entry: object) -> tuple[str, str]:
    method = getattr(entry, "method", None) or entry[0]  # type: ignore[index]
    path = getattr(entry, "path", None) or entry[1]  # type: ignore[index]
    return str(method), str(path)


def test_replay_of_a_committed_cassette_with_the_replay_clock(
    pytester: pytest.Pytester, server: FakeServer
) -> None:
    pytester.makeconftest(CONFTEST.format(runtime_url=server.runtime_url, iam_url=server.iam_url))
    pytester.makepyfile(
        test_clock="""
        def test_clock(runtime_service, runtime_mode, request):
            if runtime_mode == "replay":  # the cassette's clock: recorded times, no waiting
                clock = request.getfixturevalue("runtime_clock")
                before = clock.now()
                runtime_service.backends()
                assert clock.now() >= before
            else:
                runtime_service.backends()
        """
    )
    pytester.runpytest("--runtime-mode=record", "-p", "no:randomly").assert_outcomes(passed=1)
    pytester.runpytest("--runtime-mode=replay", "-p", "no:randomly").assert_outcomes(passed=1)
