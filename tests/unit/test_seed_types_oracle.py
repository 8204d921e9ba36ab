"""Our seed-era ``Options`` and ``RuntimeOptions`` answer as qiskit-ibm-runtime 0.15.1's do.

The cases (``seed_types_cases.py``) run here with our classes and, in the 0.15.1 interpreter
(``.venv-legacy``, built by ``scripts/setup-legacy``), with 0.15.1's: the structure of the
options, merging, the program inputs and runtime options of resolved options, the default
levels, and which options ``validate_options``/``validate(channel)`` accept.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from qiskit_runtime_double import Options, RuntimeOptions
from qiskit_runtime_double.legacy.options import set_default_error_levels

from . import seed_types_cases

ROOT = Path(__file__).resolve().parents[2]
LEGACY_PYTHON = ROOT / ".venv-legacy" / "bin" / "python"


@pytest.mark.skipif(
    not LEGACY_PYTHON.exists(), reason="no 0.15.1 interpreter: run scripts/setup-legacy"
)
def test_options_and_runtime_options_answer_as_0_15_1() -> None:
    done = subprocess.run(
        [str(LEGACY_PYTHON), "-W", "ignore", seed_types_cases.__file__],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = json.loads(done.stdout)
    ours = seed_types_cases.answers(Options, RuntimeOptions, set_default_error_levels)
    assert sorted(ours) == sorted(theirs)
    differing = {key: (theirs[key], ours[key]) for key in ours if ours[key] != theirs[key]}
    assert not differing, "0.15.1 (first) and ours differ:\n" + "\n".join(
        f"{key}: {pair}" for key, pair in differing.items()
    )
