"""What a job of the ``sampler`` or ``estimator`` program asks for, and the checks it must pass.

``Workload`` is a validated job, ``Executor`` the protocol that prepares and runs one, and
``InvalidWorkload`` the error for bad params (a 400 with code 1002). The helpers below check the
params' structure and options, shared by every executor; ``NoOpExecutor`` uses only them.
``fake.executor`` (qiskit-aer) re-exports these names.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, replace
from numbers import Integral
from typing import TYPE_CHECKING, Any, Protocol

from qiskit.primitives import PrimitiveResult

from ...wire.numbers import is_int, is_real
from ...wire.vocabulary import PROGRAM_IDS, ErrorCode
from .catalogue import BackendEntry
from .errors import InvalidWorkload

if TYPE_CHECKING:
    from .primitives_v1 import V1Job

__all__ = [
    "DEFAULT_PRECISION",
    "DEFAULT_SHOTS",
    "MAX_EXECUTIONS",
    "NUM_RANDOMIZATIONS",
    "PROGRAMS",
    "VALIDATION_CODE",
    "Executor",
    "InvalidWorkload",
    "NoOpExecutor",
    "Workload",
    "shots_for_precision",
]

#: The API's error code for a request that fails validation.
VALIDATION_CODE = ErrorCode.VALIDATION
PROGRAMS = PROGRAM_IDS
DEFAULT_SHOTS = 4096
DEFAULT_PRECISION = 0.015625
#: The estimator's measurement twirling ("auto" resolves to 32 randomizations on the service).
NUM_RANDOMIZATIONS = 32
#: The estimator's resilience levels: none, readout mitigation, and ZNE on top.
RESILIENCE_LEVELS = (0, 1, 2)
#: The most executions a job may ask for: circuits (after broadcasting each pub's parameter
#: values and observables) times shots. IBM's job validation service enforces 10 million
#: (docs/guides/job-limits, "Maximum executions"; 5 million before 2025).
MAX_EXECUTIONS = 10_000_000


@dataclass(frozen=True)
class Workload:
    """A validated job: coerced pubs (``SamplerPub`` or ``EstimatorPub``) and program options.

    ``num_circuits`` and ``total_shots`` feed the duration model; for the estimator the shots are
    those its precision implies.
    """

    program_id: str
    pubs: tuple[Any, ...]
    options: dict[str, Any]
    num_circuits: int
    total_shots: int
    backend_name: str
    #: When the job held the backend, ``(start, stop)`` in UTC: the fake sets it when the run
    #: ends (``ran_during``), and the sampler's execution spans divide it among the pubs.
    run_window: tuple[_dt.datetime, _dt.datetime] | None = None
    #: For a job sent with the 2023 inputs (``primitives_v1.py``): what its result is made of;
    #: it is then in the 2023 shape.
    v1: V1Job | None = None

    def ran_during(self, start: _dt.datetime | None, stop: _dt.datetime | None) -> Workload:
        """This workload with its run window, ``start`` to ``stop`` (unchanged if either is None,
        for a job that never ran)."""
        if start is None or stop is None:
            return self
        return replace(self, run_window=(start, stop))


class Executor(Protocol):
    def prepare(self, program_id: str, params: dict[str, Any], entry: BackendEntry) -> Workload:
        """Validate and coerce a job's decoded params; raise ``InvalidWorkload`` if they are bad."""
        ...

    def execute(self, workload: Workload, entry: BackendEntry, seed: int) -> Any:
        """Run a prepared workload; returns a qiskit ``PrimitiveResult``."""
        ...


# --- validation shared by the executors -----------------------------------------------------------


def _structure(
    program_id: str, params: Any, entry: BackendEntry
) -> tuple[list[Any], dict[str, Any]]:
    """The raw pubs and options of well-formed params, or ``InvalidWorkload``."""
    if program_id not in PROGRAMS:
        raise InvalidWorkload(f"Unknown program {program_id!r}: the programs are {PROGRAMS}.")
    if not isinstance(params, dict):
        raise InvalidWorkload(f"params must be an object, got {type(params).__name__}.")
    version = params.get("version")
    if version is not None and version != 2:
        raise InvalidWorkload(
            f"params version {version!r} is not supported: this service runs V2 primitives only "
            "(version 2). Use SamplerV2 or EstimatorV2."
        )
    pubs = params.get("pubs")
    if not isinstance(pubs, (list, tuple)) or not pubs:
        raise InvalidWorkload(
            f"params must have a non-empty 'pubs' list: run the {program_id} with at least one pub."
        )
    options = params.get("options") or {}
    if not isinstance(options, dict):
        raise InvalidWorkload(f"params 'options' must be an object, got {type(options).__name__}.")
    limit = entry.configuration().max_experiments
    if len(pubs) > limit:
        raise InvalidWorkload(
            f"The job has {len(pubs)} pubs but {entry.name} runs at most {limit} circuits per "
            "job. Split the pubs over several jobs."
        )
    return list(pubs), options


def within_executions(total: int, per_pub: list[int]) -> int:
    """``total`` executions (circuits after broadcasting times shots), or ``InvalidWorkload``
    naming the limit and the count, as the service's job validation refuses it."""
    if total <= MAX_EXECUTIONS:
        return total
    largest = max(range(len(per_pub)), key=per_pub.__getitem__)
    raise InvalidWorkload(
        f"The job asks for {total:,} executions (circuits after broadcasting times shots, summed "
        f"over its {len(per_pub)} pubs; pub {largest} alone asks for {per_pub[largest]:,}); the "
        f"service runs at most {MAX_EXECUTIONS:,} per job. Use fewer shots or parameter "
        "bindings, or split the pubs over several jobs."
    )


def _shots(what: str, value: Any, limit: int) -> int:
    if not is_int(value) or not 1 <= int(value) <= limit:
        raise InvalidWorkload(f"{what} must be an integer from 1 to {limit}, got {value!r}.")
    return int(value)


def _precision(what: str, value: Any, limit: int) -> float:
    """A finite positive precision whose shots (``shots_for_precision``) are at most ``limit``."""
    if not is_real(value):
        raise InvalidWorkload(f"{what} must be a finite positive number, got {value!r:.40}.")
    try:
        precision = float(value)
    except OverflowError:  # an int beyond a double's range
        precision = math.inf
    if not (math.isfinite(precision) and precision > 0):
        raise InvalidWorkload(f"{what} must be a finite positive number, got {precision:g}.")
    # The smallest precision the shot limit allows. Compared before computing the shots, which
    # overflow for a tiny precision (1/precision^2).
    smallest = 1 / math.sqrt(limit)
    if precision < smallest or shots_for_precision(precision) > limit:
        raise InvalidWorkload(
            f"{what} {precision:g} needs more than the {limit} shots per pub this backend runs "
            f"(1/precision² shots): use a precision of at least {_round_up(smallest):.3g}."
        )
    return precision


def _round_up(value: float) -> float:
    """``value`` rounded up to 3 significant digits: a bound an error message can suggest."""
    scale = 10.0 ** (math.floor(math.log10(value)) - 2)
    return math.ceil(value / scale) * scale


def _default_shots(options: dict[str, Any], limit: int) -> int:
    value = options.get("default_shots")
    return DEFAULT_SHOTS if value is None else _shots("options.default_shots", value, limit)


def _default_precision(options: dict[str, Any], limit: int) -> float:
    """``default_precision``, else the precision ``default_shots`` buys, else the service's."""
    if options.get("default_precision") is not None:
        return _precision("options.default_precision", options["default_precision"], limit)
    if options.get("default_shots") is not None:
        return 1 / math.sqrt(_default_shots(options, limit))
    return DEFAULT_PRECISION


def shots_for_precision(precision: float) -> int:
    """Shots that reach ``precision`` on a unit-norm observable: 1/precision², in whole
    randomizations (so at least one shot per randomization, even for a precision above 1)."""
    # 1/precision^2 is below one shot from precision 1 on, and overflows for a huge precision.
    shots = 1 if precision >= 1 else math.ceil(1 / precision**2 - 1e-9)
    return math.ceil(shots / NUM_RANDOMIZATIONS) * NUM_RANDOMIZATIONS


def _with_resilience_level(params: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """The estimator's options with its resilience level, checked: 0, 1 or 2, if given.

    The official client sends the level beside the options (``params["resilience_level"]``);
    one inside the options is read too. Unset, the service's default applies when results are
    made.
    """
    level = params.get("resilience_level")
    where = "resilience_level"
    if level is None:
        level, where = options.get("resilience_level"), "options.resilience_level"
    if level is None:
        return options
    if isinstance(level, bool) or level not in RESILIENCE_LEVELS:
        raise InvalidWorkload(
            f"{where} must be one of {list(RESILIENCE_LEVELS)}, got {level!r:.40}: 0 for no "
            "mitigation, 1 for readout mitigation (the default), 2 for ZNE as well."
        )
    return {**options, "resilience_level": int(level)}


def _seed(options: dict[str, Any], seed: int) -> int:
    """``options.simulator.seed_simulator`` if set, else the job's seed; unsigned, as Aer wants."""
    simulator = options.get("simulator") or {}
    found = simulator.get("seed_simulator") if isinstance(simulator, dict) else None
    if found is not None and (not is_int(found)):
        raise InvalidWorkload(
            f"options.simulator.seed_simulator must be an integer, got {found!r}."
        )
    return int(seed if found is None else found) % 2**32


# --- the no-op executor ---------------------------------------------------------------------


class NoOpExecutor:
    """Checks only the params' structure and returns empty results: for scheduler benchmarks."""

    def prepare(self, program_id: str, params: dict[str, Any], entry: BackendEntry) -> Workload:
        pubs, options = _structure(program_id, params, entry)
        limit = entry.configuration().max_shots
        per_pub = []
        for index, pub in enumerate(pubs):
            parts = [*(pub if isinstance(pub, (list, tuple)) else [pub]), None, None, None]
            if program_id == "sampler":
                shots = parts[2] if isinstance(parts[2], Integral) else None
                per_pub.append(int(shots) if shots else _default_shots(options, limit))
            else:
                given = parts[3]
                precision = (
                    _default_precision(options, limit)
                    if given is None
                    else _precision(f"Pub {index} precision", given, limit)
                )
                per_pub.append(shots_for_precision(precision))
        total = within_executions(sum(per_pub), per_pub)
        return Workload(program_id, tuple(pubs), options, len(pubs), total, entry.name)

    def execute(self, workload: Workload, entry: BackendEntry, seed: int) -> Any:
        return PrimitiveResult([], metadata={"version": 2})
