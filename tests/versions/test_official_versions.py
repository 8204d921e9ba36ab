"""``mock_runtime`` with releases of the official client from the first on qiskit 1.x to today's.

Each release runs ``workload.py`` (sampler, estimator, session, listing, expiry, a timeout, its
other channel, an instance by name) in an interpreter of its own: the older ones in
``.venv-official`` (qiskit 1.4, built once by ``scripts/setup-official-versions``, which
``scripts/test`` calls) with the release's directory first on ``PYTHONPATH``; today's in the main
environment. This checkout's ``src`` comes next, so every run tests the code under review.

Without ``.venv-official`` the older releases skip with the command that builds it, except on CI
(``CI`` set), where they fail: a CI run must have run them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-official"
REQUIREMENTS = REPO / "scripts" / "official-requirements.txt"
CLIENTS = REPO / "scripts" / "official-clients.txt"
WORKLOAD = Path(__file__).with_name("workload.py")
#: A run takes about 8 s (importing qiskit and the client, then eight scenarios).
TIMEOUT = 300


def listed_releases() -> list[str]:
    lines = CLIENTS.read_text(encoding="utf-8").splitlines()
    return [line.split("==")[1].strip() for line in lines if line.strip().startswith("qiskit-")]


def official_venv() -> Path:
    """The interpreter of a complete ``.venv-official`` for the current requirement files."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes() + CLIENTS.read_bytes()).hexdigest()[:16]
    python = VENV / "bin" / "python"
    if python.exists() and (VENV / f".installed-{digest}").exists():
        return python
    message = (
        ".venv-official (older releases of qiskit-ibm-runtime on qiskit 1.4) is missing or older "
        f"than {REQUIREMENTS.relative_to(REPO)} and {CLIENTS.relative_to(REPO)}. Build it with "
        "scripts/setup-official-versions (once; it needs Python 3.10 to 3.12 and the package "
        "index)."
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the older official clients: {message}")
    pytest.skip(message)


def run_workload(python: Path, path: list[Path], home: Path) -> tuple[str, dict[str, Any]]:
    env = {
        # Nothing of the caller's: no saved account (HOME), no QISKIT_IBM_* or IAM_URL variables.
        "HOME": str(home),
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(str(p) for p in [*path, REPO / "src"]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    completed = subprocess.run(
        [str(python), str(WORKLOAD)],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    version, results, failures = "", {}, {}
    for line in completed.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "VERSION":
            version = json.loads(rest)[0]
            continue
        name, _, payload = rest.partition(" ")
        if kind == "RESULT":
            results[name] = json.loads(payload)
        elif kind == "FAILED":
            failures[name] = json.loads(payload)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert not failures, "\n\n".join(f"{name}:\n{detail}" for name, detail in failures.items())
    return version, results


def check(results: dict[str, Any], other_channel: str) -> None:
    assert results["sampler"] == {"shots": 100, "status": "DONE"}
    assert results["estimator"] == {"zz_above_0.8": True}
    assert results["session"] == {
        "statuses": ["DONE", "DONE"],
        "same_session": True,
        "fake_session": True,
    }
    assert results["listing"] == {"backends": ["generic_27q", "generic_5q"], "jobs": 3}
    assert results["expiry"] == {
        "outcomes": ["DONE", "DONE", "FAILED: max_time"],
        "simulated_s": 100,
    }
    assert results["timeout"] == {
        "timed_out": "RuntimeJobTimeoutError",
        "waited_s": 30.0,
        "status": "DONE",
    }
    assert results["other_channel"] == {"channel": other_channel, "shots": 20}
    assert results["instance_by_name"] == {"instance_is_the_named_one": True}


@pytest.mark.parametrize("release", listed_releases())
def test_an_older_release_runs_the_workload(release: str, tmp_path: Path) -> None:
    python = official_venv()

    version, results = run_workload(python, [VENV / "clients" / release], tmp_path)

    assert version == release
    major_minor = tuple(int(part) for part in release.split(".")[:2])
    check(results, "ibm_cloud" if major_minor >= (0, 40) else "ibm_quantum")


def test_todays_release_runs_the_workload(tmp_path: Path) -> None:
    pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (compat extra)")

    version, results = run_workload(Path(sys.executable), [], tmp_path)

    assert version  # whichever the main environment has (0.51.0 when this was written)
    check(results, "ibm_cloud")


def test_the_releases_span_the_range() -> None:
    releases = listed_releases()
    assert "0.43.1" in releases
    assert min(tuple(int(p) for p in r.split(".")) for r in releases) <= (0, 30, 0)
