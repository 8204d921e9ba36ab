"""The official ``qiskit-ibm-runtime`` client (0.51 in the main environment) under ``mock_runtime``.

Without the ``compat`` extra the modules that need the client skip themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from .. import helpers

#: Any non-empty key: the fake's IAM accepts it, and it never leaves the process.
TOKEN = "fake-api-key"


def bell() -> QuantumCircuit:
    return helpers.bell()


def isa_for(backend: Any, circuit: QuantumCircuit | None = None) -> QuantumCircuit:
    """``circuit`` (default: a Bell pair) transpiled for ``backend``."""
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1)
    transpiled: QuantumCircuit = manager.run(circuit if circuit is not None else bell())
    return transpiled


@pytest.fixture
def no_account(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """No saved account and no QISKIT_IBM_* variables: what a CI machine has."""
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL", "QISKIT_IBM_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    yield
