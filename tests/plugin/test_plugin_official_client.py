"""A downstream project whose code imports only ``qiskit_ibm_runtime``, tested in all four modes.

The project (``myapp.py``) builds its service from the account in the environment, as deployed
code does, runs a Bell job, an official ``Session`` that runs out of ``max_time``, and a session
whose job goes before another user's queued job. Its tests ask for ``ibm_runtime`` and nothing
else of ours: fake mode answers from an in-process fake; record (from the fake) writes cassettes
that replay reproduces offline; live sends the traffic to a fake served on 127.0.0.1 standing in
for IBM, configured through the official client's own environment variables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qiskit_runtime_double import FakeRuntime, Instance
from qiskit_runtime_double.fake.http.server import FakeServer

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="needs the official client (the compat extra)"
)

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

#: The instance the project's account names (not the fake's default one).
CRN = (
    "crn:v1:bluemix:public:quantum-computing:us-east:a/5eed00000000000000000000000000aa:feed-0001::"
)
SEED = 17

APP = '''
"""The application: it knows qiskit_ibm_runtime, and nothing of qiskit-runtime-double."""
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2, Session
from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError


def connect():
    return QiskitRuntimeService()  # the account: QISKIT_IBM_* variables or the saved one


def bell_for(backend):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)
    return manager.run(circuit)


def bell_counts(service, name="generic_5q", shots=100):
    backend = service.backend(name)
    job = SamplerV2(mode=backend).run([bell_for(backend)], shots=shots)
    return job.job_id(), job.result()[0].data.meas.get_counts()


def expiring_session(service, name="generic_5q"):
    """Three 50-second jobs in a session of 60 seconds."""
    backend = service.backend(name)
    isa = bell_for(backend)
    outcomes = []
    with Session(backend=backend, max_time=60) as session:
        sampler = SamplerV2(mode=session)
        jobs = [sampler.run([isa], shots=10) for _ in range(3)]
        for job in jobs:
            try:
                job.result()
                outcomes.append("DONE")
            except RuntimeJobFailureError as exc:
                outcomes.append("FAILED: max_time" if "max_time" in str(exc) else str(exc))
    return outcomes


def started(job):
    return job.metrics()["timestamps"]["running"]


def session_goes_first(service, name="generic_5q"):
    """While a session is active, its next job runs before a job queued outside it."""
    backend = service.backend(name)
    isa = bell_for(backend)
    session = Session(backend=backend, max_time=3600)  # no `with`: jobs outside it stay outside
    sampler = SamplerV2(mode=session)
    sampler.run([isa], shots=10).result()
    other = SamplerV2(mode=backend).run([isa], shots=10)
    mine = sampler.run([isa], shots=10)
    mine.result()
    session.close()
    other.result()
    return started(mine) < started(other)
'''

CONFTEST = """
import pytest


@pytest.fixture
def runtime_config():
    return {"backends": ["generic_5q"], "seed": 17, "duration_model": lambda w, s: 50.0}
"""

TESTS = """
import myapp
from qiskit_ibm_runtime import SamplerV2, Session


def test_bell(ibm_runtime):
    job_id, counts = myapp.bell_counts(myapp.connect())
    assert sum(counts.values()) == 100
    print("OUTCOME bell", job_id, sorted(counts.items()))


def test_session_runs_out_of_max_time(ibm_runtime):
    outcomes = myapp.expiring_session(myapp.connect())
    assert outcomes == ["DONE", "DONE", "FAILED: max_time"]


def test_session_goes_before_the_queue(ibm_runtime):
    assert myapp.session_goes_first(myapp.connect())


def test_an_idle_session_turns_inactive(ibm_runtime, runtime_clock):
    backend = myapp.connect().backend("generic_5q")
    session = Session(backend=backend, max_time=3600)
    SamplerV2(mode=session).run([myapp.bell_for(backend)], shots=10).result()
    runtime_clock.shift(120)  # past the interactive timeout (60 s)
    assert session.details()["state"] == "inactive"
    session.close()
"""


def fifty_seconds(workload: object, simulator: bool) -> float:
    return 50.0


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The downstream project, with an account in its environment and nothing saved."""
    for name in ("QISKIT_IBM_URL", "IAM_URL", "GLOBAL_SEARCH_URL", "GLOBAL_CATALOG_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("QISKIT_RUNTIME_DOUBLE_RECORD_FROM", raising=False)
    monkeypatch.setenv("HOME", str(pytester.path))
    monkeypatch.setenv("QISKIT_IBM_CHANNEL", "ibm_quantum_platform")
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "project-api-key-0123456789")
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", CRN)
    pytester.makepyfile(myapp=APP)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_app=TESTS)
    return pytester


def run(project: pytest.Pytester, *options: str) -> pytest.RunResult:
    return project.runpytest("-s", "-p", "no:randomly", *options)


def bell_outcome(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if "OUTCOME bell" in line)


def test_fake_mode_then_record_from_the_fake_then_replay_offline(project: pytest.Pytester) -> None:
    faked = run(project)
    faked.assert_outcomes(passed=4)
    faked.stdout.fnmatch_lines(["qiskit-runtime-double: 4 test(s) used a fake: *"])

    recorded = run(project, "--runtime-mode=record", "--runtime-record-from=fake")
    recorded.assert_outcomes(passed=4)
    cassettes = sorted((project.path / "cassettes" / "test_app").glob("*.yaml"))
    assert [path.stem for path in cassettes] == [
        "test_an_idle_session_turns_inactive",
        "test_bell",
        "test_session_goes_before_the_queue",
        "test_session_runs_out_of_max_time",
    ]
    text = "".join(path.read_text("utf-8") for path in cassettes)
    assert "project-api-key-0123456789" not in text
    assert "5eed00000000000000000000000000aa" not in text  # the account part of the CRN

    replayed = run(project, "--runtime-mode=replay")

    replayed.assert_outcomes(passed=4)
    assert bell_outcome(replayed) == bell_outcome(recorded) == bell_outcome(faked)


def test_a_failure_shows_what_the_fake_did(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_failing="""
        import myapp

        def test_wrong_expectation(ibm_runtime):
            assert myapp.expiring_session(myapp.connect()) == ["DONE"] * 3
        """
    )
    result = run(project, "test_failing.py", f"--runtime-timeline={project.path / 'svg'}")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*qiskit-runtime-double: what the fake did*", "*session * closed: max_ttl reached"]
    )
    assert (project.path / "svg" / "test_failing.py_test_wrong_expectation.svg").exists()


def test_replay_without_a_cassette_says_how_to_record(project: pytest.Pytester) -> None:
    result = run(project, "--runtime-mode=replay")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*3 test(s) have no cassette*", "*--runtime-record-from=fake*"])


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """A fake on 127.0.0.1 standing in for IBM, found through the client's own variables."""
    fake = FakeRuntime(
        ["generic_5q"],
        seed=SEED,
        duration_model=fifty_seconds,
        instances=[Instance(name="project", crn=CRN)],
    )
    with fake.serve(max_wait=0.05) as server:
        monkeypatch.setenv("QISKIT_IBM_URL", f"{server.url}/experimental/api/v1")
        monkeypatch.setenv("IAM_URL", server.iam_url)
        monkeypatch.setenv("GLOBAL_SEARCH_URL", server.search_url)
        monkeypatch.setenv("GLOBAL_CATALOG_URL", server.catalog_url)
        yield server


def test_live_mode_leaves_the_traffic_to_the_service(
    project: pytest.Pytester, served: FakeServer
) -> None:
    result = run(project, "--runtime-mode=live")

    result.assert_outcomes(passed=3, skipped=1)  # runtime_clock: live time cannot be moved
    paths = {request.path for request in served.requests}
    assert "/experimental/api/v1/jobs" in paths and "/identity/token" in paths
    assert not Path(project.path / "cassettes").exists()
