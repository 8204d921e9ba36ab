"""The ``noise-learner`` program: learned Pauli-Lindblad layer errors, as the service answers them.

Two clients send it, told apart by ``schema_version`` (IBM's ``ibm-quantum-schemas``):

- ``NoiseLearnerV3.run(instructions)`` (versions v0.1 to v0.3): boxed instructions, each learned
  by the Lindblad protocol (one layer of two-qubit gates, their dressing aside) or TREX
  (measurements only); the result has, per instruction, its generators (sparse, indexed among
  the box's qubits in ascending physical order), rates, their standard deviations and metadata.
- ``NoiseLearner.run(circuits)`` (no ``schema_version``): the circuits' unique layers of
  two-qubit gates, the most frequent first, at most ``max_layers_to_learn``, each twirled on the
  qubits its ``twirling_strategy`` says; the result is a list of ``LayerError`` (its circuit, its
  physical qubits, a ``PauliLindbladError``) and metadata.

**Simulated.** Nothing is learned: the rates are derived from the errors the fake's simulator
applies to those instructions (``layer_noise.py``), exactly, so the standard deviations are 0
and post-selection keeps every shot. The job's duration counts the learning circuits the service
would run (depths x 9 bases x randomizations x shots per layer; randomizations x shots for TREX).
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from qiskit.circuit import CircuitInstruction, QuantumCircuit, QuantumRegister

from ...wire import codec
from ...wire.npy import AST_READERS_LOCK
from ...wire.vocabulary import NOISE_LEARNER_PROGRAM_ID
from . import program_schemas
from .aer import device_errors, idle_error
from .catalogue import BackendEntry
from .errors import InvalidWorkload
from .layer_noise import (
    LayerModel,
    fitted_rates,
    pauli_fidelities,
    paulis_on,
    readout_rate,
    sparse_terms,
)
from .service_programs import ServiceJob, Simulate

__all__ = ["Layer", "NoiseLearnerProgram", "layer_model"]

#: Measurement bases of a Lindblad learning circuit (the service's 9 two-qubit Pauli bases).
_BASES: Final = 9
#: Where the 2023-era client's result classes live (the decoders find them there).
_RESULT_MODULE: Final = "qiskit_ibm_runtime.utils.noise_learner_result"


@dataclass(frozen=True)
class Layer:
    """What is learned: the twirled ``qubits`` (physical), their two-qubit ``gates`` (name,
    physical qubits) or, for TREX, the ``measured`` qubits."""

    qubits: tuple[int, ...]
    gates: tuple[tuple[str, tuple[int, int]], ...] = ()
    measured: tuple[int, ...] = ()


@dataclass(frozen=True)
class Learning:
    """A prepared noise learner job: its layers, and what makes its result."""

    version: str  # an NLV3 schema_version, or "v2" for NoiseLearner
    schema: program_schemas.Schema
    layers: list[Layer]
    options: dict[str, Any]
    #: NoiseLearner: each layer's circuit (on its qubits, in ascending order).
    circuits: list[QuantumCircuit] | None = None


class NoiseLearnerProgram:
    """The ``noise-learner`` program (a ``ServiceProgram``)."""

    def prepare(self, params: Any, entry: BackendEntry) -> ServiceJob:
        program_schemas.require(NOISE_LEARNER_PROGRAM_ID)
        if not isinstance(params, dict):
            raise InvalidWorkload(
                f"params must be an object (the noise learner's inputs), got "
                f"{type(params).__name__}."
            )
        program_schemas.check_payload_sizes(params)
        learning = (
            _prepare_v3(params, entry) if "schema_version" in params else _prepare_v2(params, entry)
        )
        depths = len(learning.options.get("layer_pair_depths") or [0])
        per_circuit = int(learning.options["shots_per_randomization"])
        randomizations = int(learning.options["num_randomizations"])
        circuits = sum(
            randomizations * (1 if layer.measured else depths * _BASES) for layer in learning.layers
        )
        return ServiceJob(
            program=self,
            program_id=NOISE_LEARNER_PROGRAM_ID,
            payload=learning,
            num_circuits=circuits,
            total_shots=circuits * per_circuit,
            backend_name=entry.name,
        )

    def execute(self, job: ServiceJob, entry: BackendEntry, seed: int, simulate: Simulate) -> str:
        learning: Learning = job.payload
        models = [layer_model(entry, layer) for layer in learning.layers]
        if learning.version == "v2":
            return _v2_result(learning, models, entry)
        return _v3_result(learning, models)


# --- NoiseLearnerV3 ---------------------------------------------------------------------------


def _prepare_v3(params: dict[str, Any], entry: BackendEntry) -> Learning:
    schemas = program_schemas.noise_learner_v3_schemas()
    version = params.get("schema_version")
    schema = schemas.get(version) if isinstance(version, str) else None
    if schema is None:
        raise InvalidWorkload(
            f"Invalid params: params.schema_version {version!r:.40} is not one the noise learner "
            f"takes: {', '.join(schemas)}. Send the params as the official client writes them."
        )
    model = program_schemas.validate(schema.params, params)
    try:
        with AST_READERS_LOCK:
            circuit = model.instructions.to_quantum_circuit()
    except Exception as exc:  # QPY that does not load: the caller's fault
        raise InvalidWorkload(
            f"Invalid params: params.instructions could not be loaded: {type(exc).__name__}: "
            f"{str(exc)[:200]}"
        ) from exc
    layers = [
        _instruction_layer(f"params.instructions[{index}]", instruction, entry)
        for index, instruction in enumerate(circuit.data)
    ]
    if not layers:
        raise InvalidWorkload("Invalid params: params.instructions has no instructions to learn.")
    return Learning(schema.version, schema, layers, model.options.model_dump())


def _instruction_layer(at: str, instruction: CircuitInstruction, entry: BackendEntry) -> Layer:
    """The layer a boxed instruction asks to learn, checked as the service checks it."""
    box = instruction.operation
    if box.name != "box":
        raise InvalidWorkload(f"Invalid params: {at} is a {box.name!r}; give boxed layers.")
    if not any(type(a).__name__ == "Twirl" for a in getattr(box, "annotations", ())):
        raise InvalidWorkload(f"Invalid params: {at} is a box without a Twirl annotation.")
    register = QuantumRegister(entry.num_qubits, "q")
    try:
        physical = [register.index(qubit) for qubit in instruction.qubits]
    except ValueError:
        raise InvalidWorkload(
            f"Invalid params: {at} acts on qubits that are not {entry.name}'s physical qubits "
            f"(QuantumRegister({entry.num_qubits}, 'q')): transpile the circuit for the backend."
        ) from None
    on = {bit: physical[k] for k, bit in enumerate(box.body.qubits)}
    target = entry.backend.target
    gates, measured, others = [], [], []
    for op in box.body.data:
        name, qargs = op.operation.name, tuple(on[q] for q in op.qubits)
        if name == "barrier":
            continue
        if not entry.simulator and not target.instruction_supported(name, qargs):
            raise InvalidWorkload(
                f"Invalid params: {at}: {name} on qubits {list(qargs)} is not an instruction of "
                f"{entry.name}."
            )
        if name == "measure":
            measured.append(qargs[0])
        elif len(qargs) == 2:
            gates.append((name, (qargs[0], qargs[1])))
        else:
            others.append(name)
    used = [q for _, pair in gates for q in pair]
    if measured and not gates and not others and len(set(measured)) == len(measured):
        return Layer(tuple(physical), measured=tuple(measured))
    if not measured and len(used) == len(set(used)):
        return Layer(tuple(physical), tuple(gates))
    raise InvalidWorkload(
        f"Invalid params: {at} cannot be learned by either protocol: Lindblad learns one layer "
        "of two-qubit gates (each qubit in at most one), TREX a box of measurements only."
    )


def _v3_result(learning: Learning, models: list[LayerModel]) -> str:
    depths = learning.options.get("layer_pair_depths") or []
    data = []
    for layer, model in zip(learning.layers, models, strict=True):
        local = sorted(layer.qubits)
        metadata: dict[str, Any]
        if layer.measured:
            kept = {"fraction_kept": 1.0, "success_rates": dict.fromkeys(local, 1.0)}
            metadata = {"learning_protocol": "trex", "post_selection": kept}
        else:
            kept = {
                "fraction_kept": dict.fromkeys(depths, 1.0),
                "success_rates": {depth: dict.fromkeys(local, 1.0) for depth in depths},
            }
            metadata = {"learning_protocol": "lindblad", "post_selection": kept}
        data.append(
            {
                "generators_sparse": [[[paulis, qubits]] for paulis, qubits, _ in model.terms],
                "num_qubits": model.num_qubits,
                "rates": _f64_tensor(model.rates),
                "rates_std": _f64_tensor(np.zeros(len(model.terms))),
                "metadata": metadata,
            }
        )
    result = {"schema_version": learning.version, "data": data}
    validated = learning.schema.result.model_validate(result)
    return json.dumps(validated.model_dump(mode="json"))


def _f64_tensor(array: np.ndarray) -> dict[str, Any]:
    """IBM's ``F64TensorModel`` as JSON: little-endian doubles, base64."""
    raw = np.ascontiguousarray(array, dtype="<f8").tobytes()
    return {"data": base64.b64encode(raw).decode(), "shape": list(array.shape), "dtype": "f64"}


# --- NoiseLearner (before V3) -----------------------------------------------------------------


def _prepare_v2(params: dict[str, Any], entry: BackendEntry) -> Learning:
    schema = program_schemas.noise_learner_v2_schema()
    model = program_schemas.validate(schema.params, params)
    circuits = [
        _circuit(f"params.circuits[{index}]", raw, entry)
        for index, raw in enumerate(params.get("circuits") or [])
    ]
    if not circuits:
        raise InvalidWorkload("Invalid params: params.circuits is empty: give circuits to learn.")
    options = model.options.model_dump()
    layers = _unique_layers(circuits, options["twirling_strategy"], options["max_layers_to_learn"])
    local_circuits = [_layer_circuit(layer) for layer in layers]
    return Learning("v2", schema, layers, options, local_circuits)


def _circuit(at: str, raw: Any, entry: BackendEntry) -> QuantumCircuit:
    try:
        if isinstance(raw, str):
            from qiskit import qasm2, qasm3

            circuit = qasm2.loads(raw) if "OPENQASM 2" in raw[:200] else qasm3.loads(raw)
        else:
            circuit = codec.from_jsonable(raw)
    except Exception as exc:  # source or QPY that does not load: the caller's fault
        raise InvalidWorkload(
            f"Invalid params: {at} could not be loaded: {type(exc).__name__}: {str(exc)[:200]}"
        ) from exc
    if not isinstance(circuit, QuantumCircuit):
        raise InvalidWorkload(f"Invalid params: {at} is not a circuit.")
    if not entry.simulator and (problems := entry.isa_problems(circuit)):
        raise InvalidWorkload(
            f"Invalid params: {at} is not an ISA circuit of {entry.name}: {'; '.join(problems)}."
        )
    return circuit


def _unique_layers(circuits: list[QuantumCircuit], strategy: str, limit: int | None) -> list[Layer]:
    """The circuits' layers of two-qubit gates, most frequent first (then in order of first
    appearance), at most ``limit``, each twirled on the qubits ``strategy`` says."""
    counts: Counter[tuple[tuple[str, tuple[int, int]], ...]] = Counter()
    twirled: dict[tuple[tuple[str, tuple[int, int]], ...], tuple[int, ...]] = {}
    for circuit in circuits:
        layers = _gate_layers(circuit)
        everything = tuple(range(circuit.num_qubits))
        in_circuit = sorted({q for layer in layers for _, pair in layer for q in pair})
        accumulated: set[int] = set()
        for gates in layers:
            accumulated |= {q for _, pair in gates for q in pair}
            counts[gates] += 1
            if gates not in twirled:
                twirled[gates] = {
                    "active": tuple(sorted({q for _, pair in gates for q in pair})),
                    "active-accum": tuple(sorted(accumulated)),
                    "active-circuit": tuple(in_circuit),
                    "all": everything,
                }[strategy]
    ranked = sorted(counts, key=lambda gates: -counts[gates])  # stable: first seen first
    chosen = ranked if limit is None else ranked[:limit]
    return [Layer(twirled[gates], gates) for gates in chosen]


def _gate_layers(circuit: QuantumCircuit) -> list[tuple[tuple[str, tuple[int, int]], ...]]:
    """The circuit's layers of two-qubit gates: gates that run side by side until a gate, a
    measurement or a barrier on one of their qubits starts the next layer."""
    index = {bit: k for k, bit in enumerate(circuit.qubits)}
    Gates = tuple[tuple[str, tuple[int, int]], ...]
    layers: list[Gates] = []
    current: list[tuple[str, tuple[int, int]]] = []
    busy: set[int] = set()

    def close() -> None:
        if current:
            layers.append(tuple(sorted(current)))
            current.clear()
            busy.clear()

    for instruction in circuit.data:
        qubits = [index[q] for q in instruction.qubits]
        name = instruction.operation.name
        if len(qubits) == 2 and name not in ("barrier", "measure"):
            if busy.intersection(qubits):
                close()
            current.append((name, (qubits[0], qubits[1])))
            busy.update(qubits)
        elif busy.intersection(qubits) or name == "barrier":
            close()
    close()
    return layers


def _layer_circuit(layer: Layer) -> QuantumCircuit:
    """A layer's gates on its qubits (in ascending physical order), as ``LayerError`` holds it."""
    from qiskit.circuit.library import get_standard_gate_name_mapping

    gates = get_standard_gate_name_mapping()
    local = {q: k for k, q in enumerate(sorted(layer.qubits))}
    circuit = QuantumCircuit(len(local))
    for name, (a, b) in layer.gates:
        circuit.append(gates[name], [local[a], local[b]])
    return circuit


def _v2_result(learning: Learning, models: list[LayerModel], entry: BackendEntry) -> str:
    from qiskit.quantum_info import PauliList

    assert learning.circuits is not None
    data = []
    for layer, model, circuit in zip(learning.layers, models, learning.circuits, strict=True):
        error = {
            "generators": codec.to_jsonable(PauliList(model.dense_labels())),
            "rates": codec.to_jsonable(model.rates),
        }
        value = {
            "circuit": codec.to_jsonable(circuit),
            "qubits": sorted(layer.qubits),
            "error": _json_object("PauliLindbladError", error),
        }
        data.append(_json_object("LayerError", value))
    options = learning.options
    inputs = {
        name: options[name]
        for name in (
            "max_layers_to_learn",
            "shots_per_randomization",
            "num_randomizations",
            "layer_pair_depths",
            "twirling_strategy",
        )
    }
    result = {"data": data, "metadata": {"backend": entry.name, "input_options": inputs}}
    validated = learning.schema.result.model_validate(result)
    return json.dumps(validated.model_dump(mode="json", by_alias=True))


def _json_object(name: str, value: dict[str, Any]) -> dict[str, Any]:
    """One of the client's result classes as its encoder writes it (``_json``)."""
    return {
        "__type__": "_json",
        "__module__": _RESULT_MODULE,
        "__class__": name,
        "__value__": value,
    }


# --- the models -------------------------------------------------------------------------------


def layer_model(entry: BackendEntry, layer: Layer) -> LayerModel:
    """The Pauli-Lindblad model of ``layer`` on ``entry``'s device, indexed among the layer's
    qubits in ascending physical order (``layer_noise.py`` says how). Every generator the
    protocol learns is listed, with rate 0 where the device has no such error (an ideal
    simulator has none)."""
    local = {q: k for k, q in enumerate(sorted(layer.qubits))}
    noisy = not entry.simulator
    gate_errors, readout = (
        device_errors(entry.backend, frozenset(layer.qubits)) if noisy else ([], {})
    )
    terms: list[tuple[str, list[int], float]] = []
    if layer.measured:
        for qubit in sorted(layer.measured):
            error = readout.get(qubit)
            flips = (
                [0.0, 0.0]
                if error is None
                else [error.probabilities[0][1], error.probabilities[1][0]]
            )
            terms.append(("X", [local[qubit]], readout_rate(flips)))
        return LayerModel(len(local), terms)
    errors = {(name, on): error for name, on, error in gate_errors}
    target, busy, duration = entry.backend.target, set(), 0.0
    for name, (a, b) in layer.gates:
        error = errors.get((name, (a, b)))
        fidelities = (
            pauli_fidelities(error, 2) if error is not None else dict.fromkeys(paulis_on(2), 1.0)
        )
        terms += sparse_terms(fitted_rates(fidelities), [local[a], local[b]])
        busy |= {a, b}
        props = (target[name] or {}).get((a, b)) if name in target else None
        duration = max(duration, float(getattr(props, "duration", 0.0) or 0.0))
    properties = target.qubit_properties if noisy else None
    for qubit in sorted(set(layer.qubits) - busy):
        own = properties[qubit] if properties else None
        error = idle_error(getattr(own, "t1", None), getattr(own, "t2", None), duration)
        fidelities = (
            pauli_fidelities(error, 1) if error is not None else dict.fromkeys(paulis_on(1), 1.0)
        )
        terms += sparse_terms(fitted_rates(fidelities), [local[qubit]])
    return LayerModel(len(local), terms)
