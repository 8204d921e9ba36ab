"""The seed era's own client, ``qiskit-ibm-runtime`` 0.15.1, unchanged, against ``fake.serve()``.

The client needs qiskit 0.45, so it runs in its own interpreter (``.venv-legacy``, built once by
``scripts/setup-legacy``, which ``scripts/test`` calls): each test serves a fake, runs
``client_2023.py`` there with the account of ``compat.legacy_environment`` (the only thing that
points the client at the fake), and checks what the client printed, what went over the wire
(the server's request log) and what the fake recorded. One test per channel: ``ibm_quantum``
(the login and user endpoints of 2023) and ``ibm_cloud`` (``apikey`` and ``Service-CRN``).

Without ``.venv-legacy`` the tests skip with the command that builds it, except on CI (``CI``
set), where they fail: a CI run must have run the 2023 client.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qiskit_runtime_double.compat import LEGACY_CHANNELS, legacy_environment
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.core.durations import default_duration
from qiskit_runtime_double.fake.http.server import FakeServer

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-legacy"
REQUIREMENTS = REPO / "scripts" / "legacy-requirements.txt"
SCRIPT = Path(__file__).with_name("client_2023.py")
#: A cached run takes a few seconds per channel (most of it importing qiskit 0.45).
TIMEOUT = 180
BACKEND = "ibmq_qasm_simulator"
SCENARIOS = (
    "seed_example",
    "estimator",
    "session_run",
    "from_id",
    "no_backend",
    "retrieval",
    "interim_results",
)


def legacy_python() -> Path:
    """The interpreter of a complete ``.venv-legacy`` for the current requirements."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    python = VENV / "bin" / "python"
    if python.exists() and (VENV / f".installed-{digest}").exists():
        return python
    message = (
        ".venv-legacy (the 2023 client: qiskit-ibm-runtime 0.15.1, qiskit 0.45) is missing or "
        f"older than {REQUIREMENTS.relative_to(REPO)}. Build it with scripts/setup-legacy "
        "(once; it needs Python 3.8 to 3.12 and the package index)."
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the legacy-client tests: {message}")
    pytest.skip(message)


@dataclass
class Run:
    """One run of ``client_2023.py`` against a served fake."""

    fake: FakeRuntime
    server: FakeServer
    results: dict[str, Any]
    failures: dict[str, str]
    stderr: str

    def calls(self) -> list[str]:
        return [f"{r.method} {r.path} {r.status}" for r in self.server.requests]


@pytest.fixture
def python() -> Path:
    """``.venv-legacy``'s interpreter (asked for first: a skip starts no server)."""
    return legacy_python()


def streamed_program_runs_a_minute(workload: Any, simulator: bool) -> float:
    """The fake's durations, except hello-world's job: a simulated minute.

    Served, simulated time follows real time, and a stream carries only what a job publishes
    while it is open. The 2023 client opens it just after submitting (a thread, a TLS handshake):
    on a loaded machine that took longer than the default 0.1 s run, and the interim results were
    gone. A minute of run leaves the stream all the room it needs.
    """
    if getattr(getattr(workload, "program", None), "program_id", None) == "hello-world":
        return 60.0
    return default_duration(workload, simulator)


@pytest.fixture
def served() -> Iterator[tuple[FakeRuntime, FakeServer]]:
    fake = FakeRuntime(seed=11, duration_model=streamed_program_runs_a_minute)
    # Over TLS: the 2023 client opens its result stream only from an https runtime URL.
    with fake.serve(tls=True) as server:
        yield fake, server


def run_client(
    fake: FakeRuntime, server: FakeServer, channel: str, home: Path, python: Path
) -> Run:
    env = {
        # Nothing of the caller's: no saved accounts (HOME), no proxy between it and loopback.
        "HOME": str(home),
        "PATH": os.environ.get("PATH", ""),
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONDONTWRITEBYTECODE": "1",
        **legacy_environment(server, channel),
    }
    completed = subprocess.run(
        [str(python), str(SCRIPT), *SCENARIOS],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    results, failures = {}, {}
    for line in completed.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        name, _, payload = rest.partition(" ")
        if kind == "RESULT":
            results[name] = json.loads(payload)
        elif kind == "FAILED":
            failures[name] = json.loads(payload)
    return Run(fake, server, results, failures, completed.stderr)


@pytest.mark.parametrize("channel", LEGACY_CHANNELS)
def test_the_2023_client_runs_the_seed_era_unchanged(
    channel: str, python: Path, served: tuple[FakeRuntime, FakeServer], tmp_path: Path
) -> None:
    fake, server = served
    run = run_client(fake, server, channel, tmp_path, python)
    assert not run.failures, "\n\n".join(f"{n}:\n{tb}" for n, tb in run.failures.items())
    assert set(run.results) == set(SCENARIOS), run.stderr[-3000:]

    # Each channel reaches the fake its own way; both read backend names (2023's GET /backends).
    calls = run.calls()
    if channel == "ibm_quantum":  # logs in, reads its user and hubs, then the runtime API
        assert calls[:4] == [
            "GET /api/version 200",
            "POST /api/users/loginWithToken 200",
            "GET /api/users/me 200",
            "GET /api/Network 200",
        ]
        assert "GET /api/v1/backends 200" in calls
    else:  # straight to the runtime API with its API key and CRN
        assert calls[0] == "GET /experimental/api/v1/backends 200"
        assert not any("/api/users" in call for call in calls)

    # The seed's example, exactly as printed: one sampler job, its session named after it.
    seed = run.results["seed_example"]
    job_id = seed["job_id"]
    assert seed["printed"][0] == f"Sampler job ID: {job_id}"
    result_line = seed["printed"][1]
    assert result_line.startswith("Sampler job result: SamplerResult(quasi_dists=[{0: 0.")
    assert ", 3: 0." in result_line and "'shots': 4000" in result_line
    job = fake.state.job(job_id)
    assert (job.program_id, job.backend, job.session_id) == (
        "sampler",
        "ibmq_qasm_simulator",
        job_id,
    )
    assert job.status == "Completed"
    session = fake.state.session(job_id)
    assert session.accepting_jobs is False  # session.close(): PATCH /sessions/{id}
    assert f"PATCH /api/v1/sessions/{job_id} 204" in "\n".join(
        call.replace("/experimental", "") for call in run.calls()
    )

    # The seed-era Estimator, in a session whose max_time was "1h 30m".
    estimator = run.results["estimator"]
    bell_zz, cos_third = estimator["values"]
    assert bell_zz == pytest.approx(1.0, abs=0.05)
    assert cos_third == pytest.approx(0.5, abs=0.1)
    assert [meta["shots"] for meta in estimator["metadata"]] == [4000, 4000]
    assert fake.state.session(estimator["session_id"]).max_ttl == 5400
    assert fake.state.job(estimator["job_id"]).program_id == "estimator"

    # Session.run with a program id and its inputs.
    direct = run.results["session_run"]
    assert direct["program_id"] == "sampler" and direct["shots"] == [100]
    assert set(direct["quasi_dists"][0]) == {"0", "3"}
    assert sum(direct["quasi_dists"][0].values()) == pytest.approx(1.0)
    assert fake.state.session(direct["session_id"]).max_ttl == 600

    # Session.from_id: its jobs join the session; after close() it runs nothing.
    picked = run.results["from_id"]
    assert picked["session_id"] == picked["first_job"] == picked["second_session"]
    assert fake.state.job(picked["second_job"]).session_id == picked["first_job"]
    assert picked["after_close"] == "The session is closed."
    details = picked["details"]  # Session.details(), read while it was open
    assert (details["id"], details["backend_name"]) == (picked["session_id"], BACKEND)
    assert details["accepting_jobs"] is True and details["state"] in ("active", "inactive")
    assert picked["status_after_close"] == "Closed"  # nothing left to run: closed at once
    assert fake.state.session(picked["session_id"]).accepting_jobs is False

    # A session without a backend: the service's choice on ibm_cloud, refused on ibm_quantum.
    unnamed = run.results["no_backend"]
    if channel == "ibm_quantum":
        assert unnamed == {"refused": '"backend" is required for ``ibm_quantum`` channel.'}
    else:
        assert unnamed["session_backend"] == unnamed["job_backend"] in fake.backend_names

    # Job retrieval: by id (with its result) and by listing, filtered.
    found = run.results["retrieval"]
    expected = found["expected"]
    assert (found["job_id"], found["status"], found["program_id"]) == (job_id, "DONE", "sampler")
    assert (found["backend"], found["session_id"]) == (BACKEND, job_id)
    assert set(found["quasi_dists"][0]) == {"0", "3"}
    assert set(expected.values()) <= set(found["listed"])
    assert found["estimators"] == [expected["estimator_job"]]
    assert found["in_session"] == [expected["run_job"]]

    # A program's interim results reach the callback in order, then the final result, through
    # the 2023 client's websocket stream (the only way it had to get them).
    streamed = run.results["interim_results"]
    received = streamed["received"]
    assert [message["iteration"] for message in received[:2]] == [0, 1], received
    assert received[2:] == ["Hello, World!"] and streamed["final"] == "Hello, World!"
    stream_path = f"/api/v1/stream/jobs/{streamed['job_id']}"
    assert any(stream_path in call for call in run.calls()), run.calls()


def test_the_docs_show_the_seed_example_this_test_runs() -> None:
    """``docs/running-2023-code.md`` shows the 2023 client running the block it runs here."""
    from .client_2023 import SEED_EXAMPLE

    page = (REPO / "docs" / "running-2023-code.md").read_text(encoding="utf-8")
    assert f"<!-- not run -->\n```python\n{SEED_EXAMPLE}```" in page
