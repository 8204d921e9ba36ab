"""The ``executor`` program: runs a quantum program (``Executor.run``) on the fake's Aer.

A quantum program is a number of shots and a list of items, each one circuit and what to bind
to it (IBM's ``ibm-quantum-schemas``, every ``schema_version`` from v0.1 to v2.0):

- a **circuit item** binds ``circuit_arguments`` (shape ``(*shape, num_parameters)``) and runs
  each binding ``shots`` times;
- a **samplex item** first draws its bindings: ``samplomatic`` samples the item's samplex (its
  twirling gates, injected noise...) over the item's ``shape``, whose axes beyond the
  ``samplex_arguments``' own shape are independent randomizations (``samplex_draws.py``). The
  samplex's outputs other than ``parameter_values`` (``measurement_flips.meas``...) are returned
  beside the measured bits.

Each classical register comes back as ``(*shape, shots, size)`` booleans
(``meas_level="classified"``); ``"kerneled"`` gives made-up IQ points ``<register>_iq`` of the
same shape, ``"avg_kerneled"`` their average over shots ``<register>_avg_iq`` (``(*shape,
size)``), ``"both"`` the bits and ``<register>_iq`` (``bound_runs.py``). ``passthrough_data`` and
``semantic_role`` come back exactly as sent. ``metadata.chunk_timing`` has one chunk per item,
consecutive over the job's simulated run, each as long as its share of the shots. The result is
built with IBM's result model of the params' version, so it validates against it.

Checked when the job is submitted (a 400 naming the field): IBM's models, then what they
cannot know: circuits are ISA circuits of the backend (any circuit that fits on a simulator),
arguments fit their circuit, shapes broadcast, a samplex's arguments bind and its parameters are
the circuit's, shots and the job's size are within the backend's limits.

Simulated: the device's noise (Aer, as for the primitives). Not simulated: ``init_qubits=False``
and ``rep_delay`` are accepted and change nothing; ``scheduler_timing`` and ``stretch_values``
metadata are not computed (left out, as when not asked for); ``chunk_size`` is not used.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from qiskit.circuit import QuantumCircuit

from ...wire.npy import AST_READERS_LOCK
from ...wire.vocabulary import EXECUTOR_PROGRAM_ID
from . import program_schemas
from .bound_runs import kerneled, measure_bindings
from .catalogue import BackendEntry
from .errors import InvalidWorkload
from .samplex_draws import SamplexDraw, item_shape, prepare_samplex
from .service_programs import ServiceJob, Simulate

__all__ = ["MAX_EXECUTIONS", "MAX_SHOT_RESULTS", "ExecutorProgram", "PreparedProgram"]

#: The most bound circuits (the sum of the items' sizes) one job may run.
MAX_EXECUTIONS: Final = 100_000
#: The most shots over all bound circuits of one job (each shot's bits are kept in memory).
MAX_SHOT_RESULTS: Final = 10**8
_TRANSPILE_HINT: Final = (
    "Transpile it for the backend first: "
    "generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)."
)


@dataclass(frozen=True)
class CircuitRun:
    """A circuit item: its circuit and its arguments, ``(*shape, num_parameters)``."""

    circuit: QuantumCircuit
    arguments: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.arguments.shape[:-1])


@dataclass(frozen=True)
class PreparedProgram:
    """A validated quantum program, ready to run."""

    schema: program_schemas.Schema
    shots: int
    items: list[CircuitRun | SamplexDraw]
    meas_level: str
    #: ``passthrough_data`` and ``semantic_role`` as sent (JSON), returned unchanged.
    echoed: dict[str, Any] = field(default_factory=dict)

    @property
    def executions(self) -> int:
        return sum(math.prod(item.shape) for item in self.items)


class ExecutorProgram:
    """The ``executor`` program (a ``ServiceProgram``)."""

    def prepare(self, params: Any, entry: BackendEntry) -> ServiceJob:
        program_schemas.require(EXECUTOR_PROGRAM_ID)
        if not isinstance(params, dict):
            raise InvalidWorkload(
                f"params must be an object (the executor's inputs), got {type(params).__name__}."
            )
        schemas = program_schemas.executor_schemas()
        version = params.get("schema_version")
        schema = schemas.get(version) if isinstance(version, str) else None
        if schema is None:
            raise InvalidWorkload(
                f"Invalid params: params.schema_version {version!r:.40} is not one the executor "
                f"takes: {', '.join(schemas)}. Send the params as the official client writes them."
            )
        program_schemas.check_payload_sizes(params)
        model = program_schemas.validate(schema.params, params)
        prepared = _prepare_program(schema, model, params, entry)
        executions = prepared.executions
        return ServiceJob(
            program=self,
            program_id=EXECUTOR_PROGRAM_ID,
            payload=prepared,
            num_circuits=executions,
            total_shots=executions * prepared.shots,
            backend_name=entry.name,
        )

    def execute(self, job: ServiceJob, entry: BackendEntry, seed: int, simulate: Simulate) -> str:
        prepared: PreparedProgram = job.payload
        rng = np.random.default_rng(seed % 2**32)
        data = []
        for index, item in enumerate(prepared.items):
            results = _run_item(item, prepared, simulate, (seed + index) % 2**32, rng)
            data.append({"results": _tensors(results, prepared.schema), "metadata": {}})
        return _result_text(prepared, data, job.run_window)


# --- preparing --------------------------------------------------------------------------------


def _prepare_program(
    schema: program_schemas.Schema, model: Any, params: dict[str, Any], entry: BackendEntry
) -> PreparedProgram:
    program = model.quantum_program
    where = "params.quantum_program"
    limit = entry.configuration().max_shots
    if program.shots > limit:
        raise InvalidWorkload(
            f"Invalid params: {where}.shots is {program.shots}; {entry.name} runs at most "
            f"{limit} shots per circuit."
        )
    circuits = _circuits(program, where)
    items: list[CircuitRun | SamplexDraw] = []
    for index, (item, circuit) in enumerate(zip(program.items, circuits, strict=True)):
        at = f"{where}.items[{index}]"
        _check_circuit(at, circuit, entry)
        if item.item_type == "circuit":
            items.append(_circuit_run(at, item, circuit))
        else:
            items.append(prepare_samplex(at, item, circuit))
    prepared = PreparedProgram(
        schema=schema,
        shots=program.shots,
        items=items,
        meas_level=getattr(program, "meas_level", "classified"),
        echoed={
            key: params["quantum_program"][key]
            for key in ("passthrough_data", "semantic_role")
            if key in params["quantum_program"]
        },
    )
    if prepared.executions > MAX_EXECUTIONS:
        raise InvalidWorkload(
            f"Invalid params: the quantum program binds {prepared.executions} circuits; the fake "
            f"runs at most {MAX_EXECUTIONS} per job. Split it over several jobs."
        )
    if prepared.executions * prepared.shots > MAX_SHOT_RESULTS:
        raise InvalidWorkload(
            f"Invalid params: the quantum program asks for {prepared.executions} circuits of "
            f"{prepared.shots} shots; the fake runs at most {MAX_SHOT_RESULTS} shots per job. "
            "Split it over several jobs."
        )
    return prepared


def _circuits(program: Any, where: str) -> list[QuantumCircuit]:
    """The items' circuits: one QPY (or OpenQASM 3) blob for all (v1.0+), or one per item."""
    try:
        with AST_READERS_LOCK:
            if hasattr(program, "circuits"):
                circuits = list(program.circuits.to_python())
            else:
                circuits = [item.circuit.to_quantum_circuit() for item in program.items]
    except Exception as exc:  # QPY or OpenQASM that does not load: the caller's fault
        raise InvalidWorkload(
            f"Invalid params: {where}.circuits could not be loaded: {type(exc).__name__}: "
            f"{str(exc)[:200]}"
        ) from exc
    if len(circuits) != len(program.items) or not all(
        isinstance(c, QuantumCircuit) for c in circuits
    ):
        raise InvalidWorkload(
            f"Invalid params: {where} has {len(program.items)} items and {len(circuits)} "
            "circuits; it needs exactly one circuit per item."
        )
    return circuits


def _check_circuit(at: str, circuit: QuantumCircuit, entry: BackendEntry) -> None:
    if entry.simulator:  # as for the primitives: a simulator runs any circuit that fits
        if circuit.num_qubits > entry.num_qubits:
            raise InvalidWorkload(
                f"Invalid params: {at}: the circuit has {circuit.num_qubits} qubits; "
                f"{entry.name} has {entry.num_qubits}."
            )
    elif problems := entry.isa_problems(circuit):
        raise InvalidWorkload(
            f"Invalid params: {at}: the circuit is not an ISA circuit of {entry.name}: "
            f"{'; '.join(problems)}. {_TRANSPILE_HINT}"
        )


def _circuit_run(at: str, item: Any, circuit: QuantumCircuit) -> CircuitRun:
    arguments = np.asarray(item.circuit_arguments.to_numpy(), dtype=float)
    if arguments.ndim == 0 or arguments.shape[-1] != circuit.num_parameters:
        found = arguments.shape[-1] if arguments.ndim else "no"
        raise InvalidWorkload(
            f"Invalid params: {at}.circuit_arguments: its last axis has {found} values, but the "
            f"circuit has {circuit.num_parameters} parameters; give an array of shape (*shape, "
            f"{circuit.num_parameters})."
        )
    if not np.isfinite(arguments).all():
        raise InvalidWorkload(
            f"Invalid params: {at}.circuit_arguments has values that are NaN or infinite."
        )
    shape = item_shape(
        at, getattr(item, "shape", ()), tuple(arguments.shape[:-1]), "circuit_arguments"
    )
    arguments = np.broadcast_to(arguments, (*shape, circuit.num_parameters))
    return CircuitRun(circuit, arguments)


# --- running ----------------------------------------------------------------------------------


def _run_item(
    item: CircuitRun | SamplexDraw,
    prepared: PreparedProgram,
    simulate: Simulate,
    seed: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """One item's results: each register's data, and a samplex's other outputs."""
    shape = item.shape
    if isinstance(item, CircuitRun):
        values, extra = item.arguments, {}
    else:
        outputs = item.draw(rng)
        values = outputs.pop("parameter_values", np.zeros((*shape, 0)))
        extra = outputs
    flat = np.asarray(values, dtype=float).reshape(math.prod(shape), -1)
    bits = measure_bindings(simulate, item.circuit, flat, prepared.shots, seed)
    results: dict[str, np.ndarray] = {}
    for name, array in bits.items():
        array = array.reshape(*shape, prepared.shots, array.shape[-1])
        if prepared.meas_level in ("classified", "both"):
            results[name] = array
        if prepared.meas_level in ("kerneled", "both"):
            results[f"{name}_iq"] = kerneled(array, rng)
        if prepared.meas_level == "avg_kerneled":
            results[f"{name}_avg_iq"] = kerneled(array, rng).mean(axis=-2)
    return {**extra, **results}


def _tensors(results: dict[str, np.ndarray], schema: program_schemas.Schema) -> dict[str, Any]:
    """The results as the version's tensor models (as JSON); dtypes it lacks are widened."""
    encoded = {}
    for name, array in results.items():
        try:
            model = schema.tensor.from_numpy(np.ascontiguousarray(array))
        except ValueError:  # an older TensorModel: f64, bool, u8 and c128 only
            kind = "c" if np.iscomplexobj(array) else "f"
            wide = np.ascontiguousarray(array, dtype=np.complex128 if kind == "c" else np.float64)
            model = schema.tensor.from_numpy(wide)
        encoded[name] = model.model_dump(mode="json")
    return encoded


def _result_text(
    prepared: PreparedProgram,
    data: list[dict[str, Any]],
    window: tuple[_dt.datetime, _dt.datetime] | None,
) -> str:
    """The result as JSON, validated by IBM's result model of the params' version."""
    import json

    if not prepared.schema.item_metadata:
        data = [{**item, "metadata": None} for item in data]
    result = {
        "schema_version": prepared.schema.version,
        "data": data,
        "metadata": {"chunk_timing": _chunk_timing(prepared, window)},
        **prepared.echoed,
    }
    model = prepared.schema.result.model_validate(result)
    dumped = model.model_dump(mode="json")
    for key, value in prepared.echoed.items():  # exactly as sent
        if key in dumped:
            dumped[key] = value
    return json.dumps(dumped)


def _chunk_timing(
    prepared: PreparedProgram, window: tuple[_dt.datetime, _dt.datetime] | None
) -> list[dict[str, Any]]:
    """One chunk per item, consecutive over the run, each as long as its share of the shots."""
    if window is None:
        return []
    start, stop = window
    sizes = [math.prod(item.shape) for item in prepared.items]
    total = sum(sizes) or 1
    length = (stop - start) // _dt.timedelta(microseconds=1)
    chunks, done, begin = [], 0, start
    for index, (item, size) in enumerate(zip(prepared.items, sizes, strict=True)):
        done += size
        end = start + _dt.timedelta(microseconds=length * done // total)
        part = {
            "idx_item": index,
            "size": size,
            "permutation": list(range(len(item.shape))),
            "element_range": [0, size, 1],
        }
        chunks.append({"start": begin.isoformat(), "stop": end.isoformat(), "parts": [part]})
        begin = end
    return chunks
