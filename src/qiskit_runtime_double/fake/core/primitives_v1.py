"""The 2023 interface of the ``sampler`` and ``estimator`` programs (the V1 primitives).

The seed era's client (``qiskit-ibm-runtime`` 0.11 to 0.15, ``Sampler``/``Estimator``) sends the
programs' inputs of that time, without ``version`` (``sampler.py``/``estimator.py`` ``_run``,
``options/options.py`` ``_get_program_inputs``)::

    {"circuits": [QuantumCircuit, ...], "parameters": [[Parameter, ...], ...],
     "parameter_values": [[float, ...], ...], "observables": [SparsePauliOp, ...] (estimator),
     "transpilation_settings": {"skip_transpilation", "optimization_settings": {"level"}, ...},
     "resilience_settings": {"level", ...}, "run_options": {"shots", "seed_simulator", ...}}

and reads results of that time (``utils/sampler_result_decoder.py``,
``utils/estimator_result_decoder.py``)::

    sampler:   {"quasi_dists": [{"00": 0.5, "11": 0.5}, ...],
                "metadata": [{"shots": 4000, "circuit_metadata": {...}}, ...]}
    estimator: {"values": [1.0, ...], "metadata": [{"variance": 0.0, "shots": 4000}, ...]}

The service transpiled the circuits then (at ``optimization_settings.level``, unless
``skip_transpilation``). ``to_pubs`` turns the inputs into the V2 pubs and options the executor
runs, transpiled for a device (a simulator runs any circuit); ``V1Job.result`` turns the V2
result back into the 2023 shape. Quasi-distribution keys are bit strings of all classical bits
(``QuasiDistribution`` reads them; JSON keys cannot be the integers the client then shows).
No readout mitigation is applied, so no ``readout_mitigation_*`` metadata is reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...wire.numbers import is_int
from .catalogue import BackendEntry
from .errors import InvalidWorkload

__all__ = ["DEFAULT_SHOTS_2023", "V1Job", "is_v1", "to_pubs"]

#: The 2023 ``Options.execution.shots`` default; the client always sends it in ``run_options``.
DEFAULT_SHOTS_2023 = 4000
#: Transpilation levels of the 2023 ``Options.optimization_level`` (and its default, 3).
OPTIMIZATION_LEVELS = (0, 1, 2, 3)
DEFAULT_OPTIMIZATION_LEVEL = 3


def is_v1(params: Any) -> bool:
    """Whether ``params`` are the 2023 inputs (no ``version``, no ``pubs``, ``circuits``)."""
    return (
        isinstance(params, dict)
        and params.get("version") is None
        and "pubs" not in params
        and "circuits" in params
    )


@dataclass(frozen=True)
class V1Job:
    """What the 2023 result of a job needs beyond its V2 result."""

    program_id: str
    shots: int
    circuit_metadata: tuple[dict[str, Any], ...]

    def result(self, result: Any) -> dict[str, Any]:
        """The 2023 result of a job whose V2 ``PrimitiveResult`` is ``result``."""
        if self.program_id == "sampler":
            quasi_dists = []
            for pub_result in result:
                counts = pub_result.join_data().get_counts()
                total = sum(counts.values()) or 1
                quasi_dists.append({key: count / total for key, count in sorted(counts.items())})
            metadata = [
                {"shots": self.shots, "circuit_metadata": dict(meta)}
                for meta in self.circuit_metadata
            ]
            return {"quasi_dists": quasi_dists, "metadata": metadata}
        values, metadata = [], []
        for pub_result in result:
            value = float(pub_result.data.evs)
            std = float(pub_result.data.stds)
            values.append(value)
            # The variance of one shot's outcome: what V1 reported; V2's std is of the mean.
            metadata.append({"variance": max(std * std * self.shots, 0.0), "shots": self.shots})
        return {"values": values, "metadata": metadata}


def _list(params: dict[str, Any], key: str, count: int | None = None) -> list[Any]:
    value = params.get(key)
    if value is None:
        return [] if count is None else [[] for _ in range(count)]
    if not isinstance(value, (list, tuple)):
        value = [value]
    return list(value)


def _settings(params: dict[str, Any], key: str) -> dict[str, Any]:
    value = params.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidWorkload(f"{key} must be an object, got {type(value).__name__}.")
    return value


def _shots(run_options: dict[str, Any], limit: int) -> int:
    shots = run_options.get("shots")
    if shots is None:
        return DEFAULT_SHOTS_2023
    if not is_int(shots) or not 1 <= int(shots) <= limit:
        raise InvalidWorkload(
            f"run_options.shots must be an integer from 1 to {limit}, got {shots!r:.40}."
        )
    return int(shots)


def _level(transpilation: dict[str, Any]) -> int:
    optimization = transpilation.get("optimization_settings") or {}
    level = optimization.get("level") if isinstance(optimization, dict) else None
    if level is None:
        return DEFAULT_OPTIMIZATION_LEVEL
    if isinstance(level, bool) or level not in OPTIMIZATION_LEVELS:
        raise InvalidWorkload(
            "transpilation_settings.optimization_settings.level must be one of "
            f"{list(OPTIMIZATION_LEVELS)}, got {level!r:.40}."
        )
    return int(level)


def _transpiled(circuits: Sequence[Any], entry: BackendEntry, level: int, skip: bool) -> list[Any]:
    """The circuits as the 2023 service ran them: transpiled for a device, at ``level``."""
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager

    for index, circuit in enumerate(circuits):
        if not isinstance(circuit, QuantumCircuit):
            raise InvalidWorkload(
                f"circuits[{index}] must be a QuantumCircuit, got {type(circuit).__name__}."
            )
    if skip or entry.simulator:  # a simulator runs any circuit that fits (executor.py)
        return list(circuits)
    manager = generate_preset_pass_manager(
        optimization_level=level, backend=entry.backend, seed_transpiler=0
    )
    try:
        return [manager.run(circuit) for circuit in circuits]
    except Exception as exc:  # the transpiler raises several types; all mean "cannot map"
        raise InvalidWorkload(f"The circuits cannot be transpiled for {entry.name}: {exc}") from exc


def _values(index: int, circuit: Any, names: Sequence[Any], values: Any) -> dict[Any, Any] | None:
    """``values`` (in the order of ``names``, the 2023 ``parameters``) bound by parameter: one
    binding, so the pub's shape is ``()`` as a V1 circuit's result is one value."""
    if hasattr(values, "tolist"):  # a numpy array (the ``ndarray`` tag)
        values = values.tolist()
    values = list(values) if isinstance(values, (list, tuple)) else values
    if not isinstance(values, list) or len(values) != circuit.num_parameters:
        raise InvalidWorkload(
            f"parameter_values[{index}] must be a list of {circuit.num_parameters} numbers, one "
            f"per parameter of circuits[{index}], got {values!r:.80}."
        )
    by_name = {parameter.name: parameter for parameter in circuit.parameters}
    order = [getattr(name, "name", name) for name in names] or list(by_name)
    if sorted(order) != sorted(by_name):
        raise InvalidWorkload(
            f"parameters[{index}] name {sorted(order)!r:.120} but circuits[{index}] has "
            f"{sorted(by_name)!r:.120}."
        )
    if not by_name:
        return None
    return {by_name[name]: value for name, value in zip(order, values, strict=True)}


def to_pubs(
    program_id: str, params: dict[str, Any], entry: BackendEntry
) -> tuple[dict[str, Any], V1Job]:
    """The V2 params (``pubs``, ``options``) that run the 2023 inputs ``params``, and the job's
    ``V1Job`` for its result. Bad inputs raise ``InvalidWorkload`` naming what was expected."""
    circuits = _list(params, "circuits")
    if not circuits:
        raise InvalidWorkload(
            f"The {program_id} needs at least one circuit in 'circuits' (2023 inputs)."
        )
    count = len(circuits)
    values = _list(params, "parameter_values", count) or [[] for _ in range(count)]
    names = _list(params, "parameters", count) or [[] for _ in range(count)]
    for key, given in (("parameter_values", values), ("parameters", names)):
        if len(given) != count:
            raise InvalidWorkload(
                f"'{key}' has {len(given)} entries for {count} circuits: give one per circuit."
            )
    transpilation = _settings(params, "transpilation_settings")
    resilience = _settings(params, "resilience_settings")
    run_options = _settings(params, "run_options")
    limit = entry.configuration().max_shots
    shots = _shots(run_options, limit)
    skip = bool(transpilation.get("skip_transpilation"))
    originals = list(circuits)
    transpiled = _transpiled(originals, entry, _level(transpilation), skip)
    options: dict[str, Any] = {}
    seed = run_options.get("seed_simulator")
    if seed is not None:
        options["simulator"] = {"seed_simulator": seed}
    pubs: list[Any] = []
    if program_id == "sampler":
        options["default_shots"] = shots
        for index, circuit in enumerate(transpiled):
            bound = _values(index, circuit, names[index], values[index])
            pubs.append([circuit, bound, shots])
    else:
        observables = _list(params, "observables")
        if len(observables) != count:
            raise InvalidWorkload(
                f"'observables' has {len(observables)} entries for {count} circuits: the "
                "estimator takes one observable per circuit."
            )
        precision = 1 / math.sqrt(shots)
        level = resilience.get("level")
        if level is not None:
            if isinstance(level, bool) or level not in (0, 1, 2, 3):
                raise InvalidWorkload(
                    f"resilience_settings.level must be 0 to 3, got {level!r:.40}."
                )
            # The V2 estimator has no PEC (2023's level 3): ZNE is the closest it runs.
            options["resilience_level"] = min(int(level), 2)
        for index, circuit in enumerate(transpiled):
            observable = observables[index]
            layout = getattr(circuit, "layout", None)
            if layout is not None and hasattr(observable, "apply_layout"):
                observable = observable.apply_layout(layout)
            bound = _values(index, circuit, names[index], values[index])
            pubs.append([circuit, observable, bound, precision])
    metadata = tuple(dict(getattr(circuit, "metadata", None) or {}) for circuit in originals)
    return {"pubs": pubs, "options": options, "version": 2}, V1Job(program_id, shots, metadata)
