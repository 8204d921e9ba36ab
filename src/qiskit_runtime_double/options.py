"""Primitive options: V2 options that send only what was set, and the seed-era ``Options``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import IBMInputValueError

__all__ = [
    "EnvironmentOptions",
    "EstimatorOptions",
    "ExecutionOptions",
    "Options",
    "SamplerOptions",
    "SimulatorOptions",
]


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise IBMInputValueError(f"{name} must be a positive int, got {value!r}.")
    return value


def _positive_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise IBMInputValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise IBMInputValueError(f"{name} must be an int, got {value!r}.")
    return value


def _tags(name: str, value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) and t for t in value):
        raise IBMInputValueError(f"{name} must be a list of non-empty strings, got {value!r}.")
    return list(value)


def _level(name: str, value: Any) -> int:
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise IBMInputValueError(f"{name} must be 0, 1 or 2, got {value!r}.")
    return int(value)


class _V2Options:
    """Options of a V2 primitive. Only options you set are sent, as the official client does."""

    _validators: ClassVar[dict[str, Any]] = {
        "default_shots": _positive_int,
        "seed_simulator": _int,
        "max_execution_time": _positive_int,
        "job_tags": _tags,
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
            if value is None or name in ("max_execution_time", "job_tags"):
                continue
            if name == "seed_simulator":
                sent.setdefault("simulator", {})["seed_simulator"] = value
            else:
                sent[name] = value
        return sent

    def job_options(self) -> dict[str, Any]:
        """What goes on the job itself (``cost``, ``tags``)."""
        found = {"max_execution_time": self.max_execution_time, "job_tags": self.job_tags}
        return {k: v for k, v in found.items() if v is not None}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._values.items() if v is not None)
        return f"{type(self).__name__}({shown})"


class SamplerOptions(_V2Options):
    """``default_shots``, ``seed_simulator``, ``max_execution_time``, ``job_tags``."""


class EstimatorOptions(_V2Options):
    """``default_precision``, ``default_shots``, ``resilience_level``, ``seed_simulator``, ..."""

    _validators: ClassVar[dict[str, Any]] = {
        **_V2Options._validators,
        "default_precision": _positive_float,
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
        if isinstance(self.optimization_level, bool) or self.optimization_level not in (0, 1, 2, 3):
            raise IBMInputValueError(
                f"optimization_level must be 0, 1, 2 or 3, got {self.optimization_level!r}."
            )
        if isinstance(self.execution, dict):
            self.execution = ExecutionOptions(**self.execution)
        if isinstance(self.environment, dict):
            self.environment = EnvironmentOptions(**self.environment)
        if isinstance(self.simulator, dict):
            self.simulator = SimulatorOptions(**self.simulator)
        _positive_int("execution.shots", self.execution.shots)
