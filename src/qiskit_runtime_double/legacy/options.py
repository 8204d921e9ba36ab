"""The seed-era primitive options: ``Options`` and its groups, as qiskit-ibm-runtime 0.15.1 had.

``Options(optimization_level=3, transpilation={"skip_transpilation": True})``: the same fields,
defaults and nested groups as 0.15.1 (``TranspilationOptions``, ``ResilienceOptions``,
``ExecutionOptions``, ``EnvironmentOptions``, ``SimulatorOptions``), the same static helpers the
0.15 primitives run a job with (``validate_options``, ``_merge_options``, ``_get_program_inputs``,
``_get_runtime_options``...) and the same program inputs out of them.

Where this differs from 0.15.1, on purpose (also listed in ``docs/session-api.md``):

- values are checked when a group or ``Options`` is built, not only when a job is sent, and the
  error names the field (``transpilation.layout_method``); ``validate_options`` checks types too;
- errors are ``IBMInputValueError`` (a ``ValueError``, as 0.15 raised) or, for a wrong type or an
  unknown name, ``IBMInputTypeError`` (a ``TypeError`` and a ``ValueError`` at once);
- a cubic or quartic extrapolator without enough ``noise_factors`` is an error naming them, not a
  ``TypeError`` from ``len(None)``; ``_get_program_inputs`` does not modify its argument.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import IBMInputTypeError, IBMInputValueError
from ..validation import check_bool, check_int, check_positive_int, check_tags
from ..wire.numbers import is_real
from .runtime_options import RuntimeOptions

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

__all__ = [
    "EnvironmentOptions",
    "ExecutionOptions",
    "Options",
    "ResilienceOptions",
    "SimulatorOptions",
    "TranspilationOptions",
    "set_default_error_levels",
]

LAYOUT_METHODS = ("trivial", "dense", "noise_adaptive", "sabre")
ROUTING_METHODS = ("basic", "lookahead", "stochastic", "sabre", "none")
NOISE_AMPLIFIERS = ("LocalFoldingAmplifier",)
EXTRAPOLATORS = (
    "LinearExtrapolator",
    "QuadraticExtrapolator",
    "CubicExtrapolator",
    "QuarticExtrapolator",
)
#: The noise factors an extrapolator needs at least (0.15.1's rule).
MIN_NOISE_FACTORS = {"CubicExtrapolator": 4, "QuarticExtrapolator": 5}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# --- checks of one value ---------------------------------------------------------------------


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:50] + "..."


def _unknown(group: str, given: Mapping[str, Any], known: Sequence[str]) -> None:
    extra = [key for key in given if key not in known]
    if extra:
        raise IBMInputTypeError(
            f"Unsupported value {extra[0]!r} for {group}: its options are {', '.join(known)}."
        )


def _choice(name: str, value: Any, choices: Sequence[str]) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise IBMInputValueError(
            f"Unsupported value {_shown(value)} for {name}. Supported values are "
            f"{', '.join(repr(c) for c in choices)} and None."
        )
    return str(value)


def _level(name: str, value: Any, top: int) -> int | None:
    if value is None:
        return None
    if check_int(name, value) not in range(top + 1):
        raise IBMInputValueError(
            f"{name} can only take the values {list(range(top + 1))}, got {value!r}."
        )
    return int(value)


def _real(name: str, value: Any) -> float:
    if not is_real(value) or not math.isfinite(value):
        raise IBMInputTypeError(f"{name} must be a finite number, got {_shown(value)}.")
    return float(value)


def _sequence(name: str, value: Any, what: str) -> list[Any]:
    """A list, tuple or numpy array (not a string): ``what`` says what its items are."""
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise IBMInputTypeError(f"{name} must be a list of {what}, got {_shown(value)}.")
    return list(value)


# --- the groups --------------------------------------------------------------------------------


class _Group:
    """A group of options: checked (and normalised) when built, and as a dict by its validator."""

    _group: ClassVar[str]

    def __post_init__(self) -> None:
        checked = self._check(dict(self.__dict__))
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @classmethod
    def _check(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` (any subset of the group's fields), checked and normalised."""
        raise NotImplementedError

    @classmethod
    def _known(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))  # type: ignore[arg-type]


@dataclass
class TranspilationOptions(_Group):
    """How circuits are transpiled before they run (0.15.1's fields and values).

    ``layout_method``: ``trivial``, ``dense``, ``noise_adaptive`` or ``sabre``; ``routing_method``:
    ``basic``, ``lookahead``, ``stochastic``, ``sabre`` or ``none``; ``approximation_degree``
    from 0.0 (maximal approximation) to 1.0 (none); ``initial_layout``: a list of physical qubits
    (one per circuit qubit) or a dict.
    """

    _group: ClassVar[str] = "transpilation"

    skip_transpilation: bool = False
    initial_layout: dict[Any, Any] | list[int] | None = None
    layout_method: str | None = None
    routing_method: str | None = None
    approximation_degree: float | None = None

    @classmethod
    def _check(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        _unknown(cls._group, options, cls._known())
        found = dict(options)
        if "skip_transpilation" in found:
            found["skip_transpilation"] = check_bool(
                "transpilation.skip_transpilation", found["skip_transpilation"]
            )
        layout = found.get("initial_layout")
        if layout is not None and not isinstance(layout, dict):
            qubits = _sequence("transpilation.initial_layout", layout, "physical qubits (ints)")
            found["initial_layout"] = [
                check_int(f"transpilation.initial_layout[{i}]", q) for i, q in enumerate(qubits)
            ]
        for name, choices in (
            ("layout_method", LAYOUT_METHODS),
            ("routing_method", ROUTING_METHODS),
        ):
            if name in found:
                found[name] = _choice(f"transpilation.{name}", found[name], choices)
        degree = found.get("approximation_degree")
        if degree is not None:
            degree = _real("transpilation.approximation_degree", degree)
            if not 0.0 <= degree <= 1.0:
                raise IBMInputValueError(
                    "transpilation.approximation_degree must be between 0.0 (maximal "
                    f"approximation) and 1.0 (no approximation), got {degree}."
                )
            found["approximation_degree"] = degree
        return found

    @staticmethod
    def validate_transpilation_options(transpilation_options: Mapping[str, Any]) -> None:
        """Raise ``IBMInputValueError`` naming the first bad transpilation option."""
        TranspilationOptions._check(transpilation_options)


@dataclass
class ResilienceOptions(_Group):
    """Zero-noise extrapolation settings, used at ``resilience_level=2`` (0.15.1's fields).

    ``noise_factors`` default to (1, 3, 5) and ``extrapolator`` to ``LinearExtrapolator`` at
    level 2; a cubic (quartic) extrapolator needs at least 4 (5) noise factors.
    """

    _group: ClassVar[str] = "resilience"

    noise_amplifier: str | None = None
    noise_factors: Sequence[float] | None = None
    extrapolator: str | None = None

    @classmethod
    def _check(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        _unknown(cls._group, options, cls._known())
        found = dict(options)
        if "noise_amplifier" in found:
            found["noise_amplifier"] = _choice(
                "resilience.noise_amplifier", found["noise_amplifier"], NOISE_AMPLIFIERS
            )
        factors = found.get("noise_factors")
        if factors is not None:
            items = _sequence("resilience.noise_factors", factors, "numbers")
            for index, item in enumerate(items):
                _real(f"resilience.noise_factors[{index}]", item)
            if not isinstance(factors, (list, tuple)):
                found["noise_factors"] = items  # a numpy array: a list, which JSON encodes
        extrapolator = _choice("resilience.extrapolator", found.get("extrapolator"), EXTRAPOLATORS)
        needed = MIN_NOISE_FACTORS.get(extrapolator or "", 0)
        if needed and len(found.get("noise_factors") or ()) < needed:
            raise IBMInputValueError(
                f"{extrapolator} requires at least {needed} noise_factors; got "
                f"{found.get('noise_factors')!r}: set resilience.noise_factors."
            )
        return found

    @staticmethod
    def validate_resilience_options(resilience_options: Mapping[str, Any]) -> None:
        """Raise ``IBMInputValueError`` naming the first bad resilience option."""
        ResilienceOptions._check(resilience_options)


@dataclass
class ExecutionOptions(_Group):
    """``shots`` per circuit (default 4000) and ``init_qubits`` (reset before each shot)."""

    _group: ClassVar[str] = "execution"

    shots: int = 4000
    init_qubits: bool = True

    @classmethod
    def _check(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        _unknown(cls._group, options, cls._known())
        found = dict(options)
        if "shots" in found:
            found["shots"] = check_positive_int("execution.shots", found["shots"])
        if "init_qubits" in found:
            found["init_qubits"] = check_bool("execution.init_qubits", found["init_qubits"])
        return found

    @staticmethod
    def validate_execution_options(execution_options: Mapping[str, Any]) -> None:
        """Raise ``IBMInputValueError`` naming the first bad execution option."""
        ExecutionOptions._check(execution_options)


@dataclass
class EnvironmentOptions(_Group):
    """``log_level`` of the job, the ``callback(job_id, result)`` and the ``job_tags``."""

    _group: ClassVar[str] = "environment"

    log_level: str = "WARNING"
    callback: Callable[..., Any] | None = None
    job_tags: list[str] | None = field(default_factory=list)

    @classmethod
    def _check(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        _unknown(cls._group, options, cls._known())
        found = dict(options)
        if "log_level" in found:
            level = found["log_level"]
            if level not in LOG_LEVELS:
                raise IBMInputValueError(
                    f"Unsupported value {_shown(level)} for environment.log_level. Supported "
                    f"values are {', '.join(LOG_LEVELS)}."
                )
        callback = found.get("callback")
        if callback is not None and not callable(callback):
            raise IBMInputTypeError(
                "environment.callback must be a function of (job_id, result), got "
                f"{_shown(callback)}."
            )
        if found.get("job_tags") is not None:
            found["job_tags"] = check_tags("environment.job_tags", found["job_tags"])
        return found

    @staticmethod
    def validate_environment_options(environment_options: Mapping[str, Any]) -> None:
        """Raise ``IBMInputValueError`` naming the first bad environment option."""
        EnvironmentOptions._check(environment_options)


@dataclass
class SimulatorOptions(_Group):
    """Simulator settings: ``noise_model``, ``seed_simulator``, ``coupling_map`` and
    ``basis_gates``."""

    _group: ClassVar[str] = "simulator"

    noise_model: Any = None
    seed_simulator: int | None = None
    coupling_map: Any = None
    basis_gates: list[str] | None = None

    @classmethod
    def _check(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        _unknown(cls._group, options, cls._known())
        found = dict(options)
        model = found.get("noise_model")
        if model is not None and not isinstance(model, dict) and not hasattr(model, "to_dict"):
            raise IBMInputTypeError(
                "simulator.noise_model must be a qiskit_aer NoiseModel or its dict, got "
                f"{_shown(model)}."
            )
        if found.get("seed_simulator") is not None:
            found["seed_simulator"] = check_int("simulator.seed_simulator", found["seed_simulator"])
        edges = found.get("coupling_map")
        if edges is not None and not hasattr(edges, "get_edges"):  # else a CouplingMap
            pairs = _sequence("simulator.coupling_map", edges, "[control, target] pairs")
            for index, pair in enumerate(pairs):
                items = _sequence(f"simulator.coupling_map[{index}]", pair, "two qubits")
                if len(items) != 2:
                    raise IBMInputValueError(
                        f"simulator.coupling_map[{index}] must be a pair of qubits, got "
                        f"{_shown(pair)}."
                    )
                for qubit in items:
                    check_int(f"simulator.coupling_map[{index}]", qubit)
        gates = found.get("basis_gates")
        if gates is not None:
            names = _sequence("simulator.basis_gates", gates, "gate names")
            if not all(isinstance(name, str) for name in names):
                raise IBMInputTypeError(
                    f"simulator.basis_gates must be a list of gate names, got {_shown(gates)}."
                )
            found["basis_gates"] = names
        return found

    @staticmethod
    def validate_simulator_options(simulator_options: Mapping[str, Any]) -> None:
        """Raise ``IBMInputValueError`` naming the first bad simulator option."""
        SimulatorOptions._check(simulator_options)

    def set_backend(self, backend: BackendV2) -> None:
        """Simulate ``backend``: its noise model (qiskit-aer), coupling map and basis gates."""
        from qiskit_aer.noise import NoiseModel

        self.noise_model = NoiseModel.from_backend(backend)
        self.coupling_map = backend.coupling_map
        self.basis_gates = list(backend.operation_names)


_GROUPS: dict[str, type[_Group]] = {
    "transpilation": TranspilationOptions,
    "execution": ExecutionOptions,
    "environment": EnvironmentOptions,
    "simulator": SimulatorOptions,
    "resilience": ResilienceOptions,
}


def _as_group(kind: type[_Group], value: Any) -> Any:
    """A group from a group, a dict of its fields or None (0.15.1's ``_to_obj``)."""
    if value is None:
        return kind()
    if isinstance(value, kind):
        return value
    if isinstance(value, Mapping):
        _unknown(kind._group, value, kind._known())
        return kind(**value)
    raise IBMInputTypeError(
        f"{kind._group} must be a {kind.__name__} or a dict of its fields, got "
        f"{type(value).__name__}."
    )


def _plain(value: Any, name: str = "an option group") -> dict[str, Any]:
    """A group as a dict (a group object, a dict, or None: empty)."""
    if value is None:
        return {}
    if isinstance(value, _Group):
        return asdict(value)  # type: ignore[call-overload, no-any-return]
    if isinstance(value, Mapping):
        return dict(value)
    raise IBMInputTypeError(f"{name} must be a dict of options, got {_shown(value)}.")


@dataclass
class Options:
    """The seed-era primitive options (qiskit-ibm-runtime 0.15.1), for ``Sampler``/``Estimator``.

    ``optimization_level`` (0-3) and ``resilience_level`` (0-3; at most 1 for the sampler) left
    at None get the 0.15.1 defaults when a job runs: 1 and 0 on a simulator without a noise
    model, else 3 and 1. ``max_execution_time`` is at most 8 hours. The groups take their class
    or a dict of its fields: ``Options(transpilation={"initial_layout": [0, 1]})``.
    """

    _DEFAULT_OPTIMIZATION_LEVEL: ClassVar[int] = 3
    _DEFAULT_RESILIENCE_LEVEL: ClassVar[int] = 1
    _MAX_OPTIMIZATION_LEVEL: ClassVar[int] = 3
    _MAX_RESILIENCE_LEVEL_ESTIMATOR: ClassVar[int] = 3
    _MAX_RESILIENCE_LEVEL_SAMPLER: ClassVar[int] = 1
    _MAX_EXECUTION_TIME: ClassVar[int] = 8 * 60 * 60

    optimization_level: int | None = None
    resilience_level: int | None = None
    max_execution_time: int | None = None
    transpilation: TranspilationOptions | dict[str, Any] = field(
        default_factory=TranspilationOptions
    )
    resilience: ResilienceOptions | dict[str, Any] = field(default_factory=ResilienceOptions)
    execution: ExecutionOptions | dict[str, Any] = field(default_factory=ExecutionOptions)
    environment: EnvironmentOptions | dict[str, Any] = field(default_factory=EnvironmentOptions)
    simulator: SimulatorOptions | dict[str, Any] = field(default_factory=SimulatorOptions)

    _obj_fields: ClassVar[dict[str, type[_Group]]] = _GROUPS

    def __post_init__(self) -> None:
        for name, kind in _GROUPS.items():
            setattr(self, name, _as_group(kind, getattr(self, name)))
        top = _check_top_level(
            {
                "optimization_level": self.optimization_level,
                "resilience_level": self.resilience_level,
                "max_execution_time": self.max_execution_time,
            }
        )
        self.optimization_level = top["optimization_level"]
        self.resilience_level = top["resilience_level"]
        self.max_execution_time = top["max_execution_time"]

    @staticmethod
    def validate_options(options: Mapping[str, Any]) -> None:
        """Check a job's resolved options (a dict, as ``asdict(Options(...))`` after merging).

        As 0.15.1: ``optimization_level`` must be set (0-3); each group is checked; unknown
        keys inside a group are refused. Raises ``IBMInputValueError`` naming the option.
        """
        if options.get("optimization_level") is None:
            raise IBMInputValueError(
                "optimization_level can only take the values [0, 1, 2, 3], got None."
            )
        _check_top_level(options)
        for name, kind in _GROUPS.items():
            kind._check(_plain(options.get(name), name))

    @staticmethod
    def _merge_options(
        old_options: Mapping[str, Any], new_options: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """``old_options`` updated by ``new_options``, as 0.15.1 merges them.

        A key of a group may be given flat (``shots=100``) or in its group
        (``execution={"shots": 100}``); given both ways, the group's value wins, as in 0.15.1.
        Unknown keys are kept, at the top level. Neither argument is modified.
        """
        combined = {
            key: _plain(value, key) if key in _GROUPS or isinstance(value, _Group) else value
            for key, value in copy.deepcopy(dict(old_options)).items()
        }
        if not new_options:
            return combined
        new = copy.deepcopy(dict(new_options))
        for key, value in combined.items():
            if isinstance(value, dict):
                given = _plain(new.pop(key, None), key)
                for name in list(value):
                    if name in new:
                        value[name] = new.pop(name)
                    elif name in given:
                        value[name] = given.pop(name)
                value.update(given)
            elif key in new:
                combined[key] = new.pop(key)
        combined.update(new)
        return combined

    @staticmethod
    def _get_program_inputs(options: Mapping[str, Any]) -> dict[str, Any]:
        """The program inputs 0.15.1's primitives send for these resolved options.

        ``transpilation_settings`` (the transpilation group, the optimization level, the
        simulator's coupling map and basis gates), ``resilience_settings`` (the resilience group
        and level) and ``run_options`` (the execution group, the simulator's noise model and
        seed); unknown keys are passed on, with a warning.
        """
        simulator = _plain(options.get("simulator"))
        coupling_map: Any = simulator.get("coupling_map")
        if coupling_map is not None and hasattr(coupling_map, "get_edges"):
            coupling_map = [list(edge) for edge in coupling_map.get_edges()]  # a CouplingMap
        inputs: dict[str, Any] = {
            "transpilation_settings": {
                **copy.deepcopy(_plain(options.get("transpilation"))),
                "optimization_settings": {"level": options.get("optimization_level")},
                "coupling_map": coupling_map,
                "basis_gates": simulator.get("basis_gates"),
            },
            "resilience_settings": {
                **copy.deepcopy(_plain(options.get("resilience"))),
                "level": options.get("resilience_level"),
            },
            "run_options": {
                **copy.deepcopy(_plain(options.get("execution"))),
                "noise_model": simulator.get("noise_model"),
                "seed_simulator": simulator.get("seed_simulator"),
            },
        }
        known = {f.name for f in fields(Options)} | {"image"}
        for key, value in options.items():
            if key not in known:
                warnings.warn(
                    f"Key '{key}' is an unrecognized option. It may be ignored.", stacklevel=2
                )
                inputs[key] = value
        return inputs

    @staticmethod
    def _get_runtime_options(options: Mapping[str, Any]) -> dict[str, Any]:
        """The job's runtime options: ``max_execution_time``, the environment's ``log_level`` and
        ``job_tags`` (and any other ``RuntimeOptions`` field it holds), and ``image``."""
        environment = _plain(options.get("environment"))
        found: dict[str, Any] = {"max_execution_time": options.get("max_execution_time")}
        for name in (f.name for f in fields(RuntimeOptions)):
            if name in environment:
                found[name] = environment[name]
        if "image" in options:
            found["image"] = options["image"]
        return found

    @staticmethod
    def _remove_none_values(options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` without None values, at the top level and inside the groups."""
        cleaned: dict[str, Any] = {}
        for key, value in options.items():
            if value is None:
                continue
            if isinstance(value, dict):
                value = {k: v for k, v in value.items() if v is not None}
            cleaned[key] = value
        return cleaned

    @staticmethod
    def _set_default_resilience_options(options: dict[str, Any]) -> dict[str, Any]:
        """At ``resilience_level=2``: noise factors (1, 3, 5) and a linear extrapolator unless
        set."""
        if options.get("resilience_level") == 2:
            resilience = options.setdefault("resilience", {})
            if not resilience.get("noise_factors"):
                resilience["noise_factors"] = (1, 3, 5)
            if not resilience.get("extrapolator"):
                resilience["extrapolator"] = "LinearExtrapolator"
        return options


def _check_top_level(options: Mapping[str, Any]) -> dict[str, Any]:
    top = Options._MAX_EXECUTION_TIME
    found = {
        "optimization_level": _level(
            "optimization_level", options.get("optimization_level"), Options._MAX_OPTIMIZATION_LEVEL
        ),
        "resilience_level": _level(
            "resilience_level",
            options.get("resilience_level"),
            Options._MAX_RESILIENCE_LEVEL_ESTIMATOR,
        ),
        "max_execution_time": None,
    }
    seconds = options.get("max_execution_time")
    if seconds is not None:
        seconds = check_positive_int("max_execution_time", seconds)
        if seconds > top:
            raise IBMInputValueError(
                f"max_execution_time must be below {top} seconds (8 hours), got {seconds}."
            )
        found["max_execution_time"] = seconds
    return found


def set_default_error_levels(
    options: dict[str, Any],
    backend: BackendV2,
    default_optimization_level: int,
    default_resilience_level: int,
) -> dict[str, Any]:
    """Fill the levels left at None, as 0.15.1 does: on a simulator without a noise model,
    optimization level 1 and resilience level 0; elsewhere the defaults given."""
    configuration = getattr(backend, "configuration", None)
    simulator = bool(configuration().simulator) if callable(configuration) else False
    noiseless = simulator and _plain(options.get("simulator")).get("noise_model") is None
    if options.get("optimization_level") is None:
        options["optimization_level"] = 1 if noiseless else default_optimization_level
    if options.get("resilience_level") is None:
        options["resilience_level"] = 0 if noiseless else default_resilience_level
    return options
