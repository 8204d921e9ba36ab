"""The public surface: `__all__` is sorted, importable, complete, and uses the official names."""

from __future__ import annotations

import importlib

import qiskit_runtime_double

USER_FACING = ["errors", "service", "session", "job", "primitives", "options", "backend", "clock"]


def test_all_is_sorted_and_every_name_imports() -> None:
    names = qiskit_runtime_double.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(qiskit_runtime_double, name) is not None


def test_every_public_name_of_the_user_facing_modules_is_exported() -> None:
    missing = []
    for module_name in USER_FACING:
        module = importlib.import_module(f"qiskit_runtime_double.{module_name}")
        for name in getattr(module, "__all__", []):
            if name not in qiskit_runtime_double.__all__:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"export these from qiskit_runtime_double: {missing}"


def test_names_mirror_the_official_client() -> None:
    official = {
        "QiskitRuntimeService",
        "Session",
        "Batch",
        "SamplerV2",
        "EstimatorV2",
        "RuntimeJob",
        "RuntimeJobV2",
        "Sampler",
        "Estimator",
        "Options",
        "IBMBackend",
        "IBMRuntimeError",
        "IBMInputValueError",
        "IBMNotAuthorizedError",
        "RuntimeJobFailureError",
        "RuntimeJobMaxTimeoutError",
        "RuntimeInvalidStateError",
        "RuntimeJobNotFound",
        "RuntimeProgramNotFound",
        "RuntimeJobTimeoutError",
    }
    assert official <= set(qiskit_runtime_double.__all__)
    assert issubclass(qiskit_runtime_double.IBMInputValueError, ValueError)
