"""Primitive options: V2 options that send only what was set, and the seed-era ``Options``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import IBMInputValueError
from .validation import (
    check_bool,
    check_int,
    check_positive_finite,
    check_positive_int,
    check_tags,
)

__all__ = [
    "EnvironmentOptions",
    "EstimatorOptions",
    "ExecutionOptions",
    "Options",
    "SamplerOptions",
    "SimulatorOptions",
]


def _level(name: str, value: Any) -> int:
    if check_int(name, value) not in (0, 1, 2):
        raise IBMInputValueError(f"{name} must be 0, 1 or 2, got {value!r}.")
    return int(value)


#: V2 options that are fields of the job, not of its ``params["options"]``.
_JOB_OPTIONS = ("max_execution_time", "job_tags", "private")


class _V2Options:
    """Options of a V2 primitive. Only options you set are sent, as the official client does."""

    _validators: ClassVar[dict[str, Any]] = {
        "default_shots": check_positive_int,
        "seed_simulator": check_int,
        "max_execution_time": check_positive_int,
        "job_tags": check_tags,
        # The official client's ``environment.private``: inputs never returned, result read once.
        "private": check_bool,
    }

    def __init__(self, **values: Any) -> None:
        object.__setattr__(self, "_values", {})
        for key, value in values.items():
            setattr(self, key, value)

    def __setattr__(self, name: str, value: Any) -> None:
        validator = self._validators.get(name)
        if validator is None:
            raise IBMInputValueError(
                f"Unknown option {name!r} for {type(self).__name__}; "
                f"known: {', '.join(sorted(self._validators))}."
            )
        self._values[name] = None if value is None else validator(name, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._validators:
            raise AttributeError(f"{type(self).__name__} has no option {name!r}")
        return self._values.get(name)

    def is_set(self, name: str) -> bool:
        return self._values.get(name) is not None

    def program_options(self) -> dict[str, Any]:
        """What goes in ``params["options"]`` of the job (only the options set)."""
        sent: dict[str, Any] = {}
        for name, value in self._values.items():
            if value is None or name in _JOB_OPTIONS:
                continue
            if name == "seed_simulator":
                sent.setdefault("simulator", {})["seed_simulator"] = value
            else:
                sent[name] = value
        return sent

    def job_options(self) -> dict[str, Any]:
        """What goes on the job itself (``cost``, ``tags``, ``private``)."""
        found = {name: self._values.get(name) for name in _JOB_OPTIONS}
        # ``private: false`` is the default, and the official client sends private only if true.
        return {k: v for k, v in found.items() if v is not None and v is not False}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._values.items() if v is not None)
        return f"{type(self).__name__}({shown})"


class SamplerOptions(_V2Options):
    """``default_shots``, ``seed_simulator``, ``max_execution_time``, ``job_tags``."""


class EstimatorOptions(_V2Options):
    """``default_precision``, ``default_shots``, ``resilience_level``, ``seed_simulator``, ..."""

    _validators: ClassVar[dict[str, Any]] = {
        **_V2Options._validators,
        "default_precision": check_positive_finite,
        "resilience_level": _level,
    }


# --- seed era (0.11-0.15) ----------------------------------------------------------------------


@dataclass
class ExecutionOptions:
    shots: int = 4000
    init_qubits: bool = True


@dataclass
class EnvironmentOptions:
    log_level: str = "WARNING"
    job_tags: list[str] | None = None


@dataclass
class SimulatorOptions:
    seed_simulator: int | None = None


@dataclass
class Options:
    """The seed-era options: ``Options(optimization_level=3)`` and friends.

    The seed-era ``Sampler``/``Estimator`` transpile for the backend at ``optimization_level``
    before submitting (as the service did in 2023) and run ``execution.shots`` shots.
    """

    optimization_level: int = 3
    resilience_level: int = 1
    max_execution_time: int | None = None
    execution: ExecutionOptions = field(default_factory=ExecutionOptions)
    environment: EnvironmentOptions = field(default_factory=EnvironmentOptions)
    simulator: SimulatorOptions = field(default_factory=SimulatorOptions)

    def __post_init__(self) -> None:
        if check_int("optimization_level", self.optimization_level) not in (0, 1, 2, 3):
            raise IBMInputValueError(
                f"optimization_level must be 0, 1, 2 or 3, got {self.optimization_level!r}."
            )
        if check_int("resilience_level", self.resilience_level) not in (0, 1, 2, 3):
            raise IBMInputValueError(
                f"resilience_level must be 0, 1, 2 or 3, got {self.resilience_level!r}."
            )
        if self.max_execution_time is not None:
            self.max_execution_time = check_positive_int(
                "max_execution_time", self.max_execution_time
            )
        if isinstance(self.execution, dict):
            self.execution = ExecutionOptions(**self.execution)
        if isinstance(self.environment, dict):
            self.environment = EnvironmentOptions(**self.environment)
        if isinstance(self.simulator, dict):
            self.simulator = SimulatorOptions(**self.simulator)
        self.execution.shots = check_positive_int("execution.shots", self.execution.shots)
        if self.environment.job_tags is not None:
            self.environment.job_tags = check_tags(
                "environment.job_tags", self.environment.job_tags
            )
        if self.simulator.seed_simulator is not None:
            self.simulator.seed_simulator = check_int(
                "simulator.seed_simulator", self.simulator.seed_simulator
            )
