"""``TargetBackend``: a ``BackendV2`` that is only a ``Target`` (the fake executes its jobs)."""

from __future__ import annotations

from typing import Any

from qiskit.providers import BackendV2, Options
from qiskit.transpiler import Target

__all__ = ["TargetBackend"]


class TargetBackend(BackendV2):
    """A ``BackendV2`` that is only a ``Target``. It does not ``run()``: the fake executes jobs."""

    def __init__(self, name: str, target: Target, *, backend_version: str = "1.0.0") -> None:
        super().__init__(name=name, description=target.description, backend_version=backend_version)
        self._target = target

    @property
    def target(self) -> Target:
        return self._target

    @property
    def max_circuits(self) -> None:
        return None

    @classmethod
    def _default_options(cls) -> Options:
        return Options()

    def run(self, run_input: Any, **options: Any) -> Any:
        raise NotImplementedError(f"{self.name} belongs to the fake service: submit jobs to it.")
