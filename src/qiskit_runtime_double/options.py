"""Primitive options: V2 options that send only what was set, and the seed-era ``Options``.

The seed-era ``Options`` and its groups live in ``legacy/options.py`` and are re-exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from .errors import IBMInputValueError
from .validation import (
    check_bool,
    check_int,
    check_positive_finite,
    check_positive_int,
    check_tags,
)
from .wire.lazy import lazy_exports

if TYPE_CHECKING:
    from .legacy.options import (
        EnvironmentOptions,
        ExecutionOptions,
        Options,
        ResilienceOptions,
        SimulatorOptions,
        TranspilationOptions,
    )

#: The seed-era names, loaded from ``legacy.options`` when first used (V2 code never needs them).
_SEED_ERA = (
    "EnvironmentOptions",
    "ExecutionOptions",
    "Options",
    "ResilienceOptions",
    "SimulatorOptions",
    "TranspilationOptions",
)

__getattr__, __dir__ = lazy_exports(
    __name__, dict.fromkeys(_SEED_ERA, ".legacy.options"), relative_to=__package__
)


__all__ = [
    "EnvironmentOptions",
    "EstimatorOptions",
    "ExecutionOptions",
    "Options",
    "ResilienceOptions",
    "SamplerOptions",
    "SimulatorOptions",
    "TranspilationOptions",
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
