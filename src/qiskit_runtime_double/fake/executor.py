"""Runs the ``sampler`` and ``estimator`` programs, with V2 primitive semantics, on qiskit-aer.

``prepare`` validates a job's decoded params as the service does when it accepts the job (an
``InvalidWorkload`` is a 400 with code 1002) and coerces its pubs; ``execute`` runs them later.

Speed: a device's noise model is large (thousands of errors on 127 qubits) and Aer serialises it
on every run, which costs far more than simulating a Bell pair. So each job gets the device's
noise model restricted to the qubits its circuits touch: exactly the errors that can occur, a
few dozen of them. These restricted models are cached per backend and qubit set on the executor.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Protocol

import numpy as np
from qiskit import qasm2, qasm3  # type: ignore[import-untyped, unused-ignore]
from qiskit.circuit import QuantumCircuit  # type: ignore[import-untyped, unused-ignore]
from qiskit.primitives import (  # type: ignore[import-untyped, unused-ignore]
    BitArray,
    DataBin,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.estimator_pub import (  # type: ignore[import-untyped, unused-ignore]
    EstimatorPub,
)
from qiskit.primitives.containers.sampler_pub import (  # type: ignore[import-untyped, unused-ignore]
    SamplerPub,
)
from qiskit.transpiler import Target  # type: ignore[import-untyped, unused-ignore]

from .catalogue import BackendEntry, TargetBackend, check_isa

__all__ = [
    "DEFAULT_PRECISION",
    "DEFAULT_SHOTS",
    "AerExecutor",
    "Executor",
    "InvalidWorkload",
    "NoOpExecutor",
    "Workload",
]

#: The API's error code for a request that fails validation.
VALIDATION_CODE = "1002"
PROGRAMS = ("sampler", "estimator")
DEFAULT_SHOTS = 4096
DEFAULT_PRECISION = 0.015625
#: The estimator's measurement twirling ("auto" resolves to 32 randomizations on the service).
NUM_RANDOMIZATIONS = 32
_NOISE_MODELS_PER_BACKEND = 64
_TRANSPILE_HINT = (
    "Transpile it for the backend first: "
    "generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)."
)


class InvalidWorkload(Exception):
    """The job's params are not a valid workload for the program and backend."""

    def __init__(self, message: str, code: str = VALIDATION_CODE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


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


def _shots(what: str, value: Any, limit: int) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool) or not 1 <= int(value) <= limit:
        raise InvalidWorkload(f"{what} must be an integer from 1 to {limit}, got {value!r}.")
    return int(value)


def _precision(what: str, value: Any) -> float:
    if not isinstance(value, Real) or isinstance(value, bool) or not float(value) > 0:
        raise InvalidWorkload(f"{what} must be a positive number, got {value!r}.")
    return float(value)


def _default_shots(options: dict[str, Any], limit: int) -> int:
    value = options.get("default_shots")
    return DEFAULT_SHOTS if value is None else _shots("options.default_shots", value, limit)


def _default_precision(options: dict[str, Any], limit: int) -> float:
    """``default_precision``, else the precision ``default_shots`` buys, else the service's."""
    if options.get("default_precision") is not None:
        return _precision("options.default_precision", options["default_precision"])
    if options.get("default_shots") is not None:
        return 1 / math.sqrt(_default_shots(options, limit))
    return DEFAULT_PRECISION


def shots_for_precision(precision: float) -> int:
    """Shots that reach ``precision`` on a unit-norm observable: 1/precision², in whole
    randomizations."""
    shots = math.ceil(1 / precision**2 - 1e-9)
    return math.ceil(shots / NUM_RANDOMIZATIONS) * NUM_RANDOMIZATIONS


def _seed(options: dict[str, Any], seed: int) -> int:
    simulator = options.get("simulator") or {}
    found = simulator.get("seed_simulator") if isinstance(simulator, dict) else None
    return int(seed if found is None else found) % 2**32  # Aer takes unsigned seeds


# --- the no-op executor ---------------------------------------------------------------------


class NoOpExecutor:
    """Checks only the params' structure and returns empty results: for scheduler benchmarks."""

    def prepare(self, program_id: str, params: dict[str, Any], entry: BackendEntry) -> Workload:
        pubs, options = _structure(program_id, params, entry)
        limit = entry.configuration().max_shots
        total = 0
        for pub in pubs:
            parts = pub if isinstance(pub, (list, tuple)) else [pub]
            if program_id == "sampler":
                given = parts[2] if len(parts) > 2 and isinstance(parts[2], Integral) else None
                total += int(given) if given is not None else _default_shots(options, limit)
            else:
                given = parts[3] if len(parts) > 3 and isinstance(parts[3], Real) else None
                precision = float(given) if given else _default_precision(options, limit)
                total += shots_for_precision(precision)
        return Workload(program_id, tuple(pubs), options, len(pubs), total, entry.name)

    def execute(self, workload: Workload, entry: BackendEntry, seed: int) -> Any:
        return PrimitiveResult([], metadata={"version": 2})


# --- the Aer executor ---------------------------------------------------------------------------


def _circuit(index: int, raw: Any) -> QuantumCircuit:
    """A pub's circuit: a ``QuantumCircuit``, or OpenQASM 3 or 2 source."""
    if isinstance(raw, QuantumCircuit):
        return raw
    if not isinstance(raw, str):
        raise InvalidWorkload(
            f"Pub {index}: the circuit must be a QuantumCircuit or OpenQASM source, "
            f"got {type(raw).__name__}."
        )
    try:
        if re.search(r"OPENQASM\s+2", raw[:1000]):
            return qasm2.loads(raw, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        return qasm3.loads(raw)
    except Exception as exc:  # the parsers raise several types; all mean "bad source"
        raise InvalidWorkload(f"Pub {index}: the OpenQASM circuit does not parse: {exc}") from exc


def _check_circuit(index: int, circuit: QuantumCircuit, entry: BackendEntry) -> None:
    problems = check_isa(circuit, entry)
    if problems:
        raise InvalidWorkload(
            f"Pub {index}: the circuit is not an ISA circuit of {entry.name}: "
            f"{'; '.join(problems)}. {_TRANSPILE_HINT}"
        )


def _measures(circuit: QuantumCircuit) -> bool:
    for instruction in circuit.data:
        operation = instruction.operation
        if operation.name == "measure":
            return True
        if any(_measures(block) for block in getattr(operation, "blocks", ())):
            return True
    return False


def _parts(index: int, raw: Any, sizes: range, shape: str) -> list[Any]:
    parts = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    if len(parts) not in sizes:
        raise InvalidWorkload(f"Pub {index} has {len(parts)} items; a pub is {shape}.")
    return parts + [None] * (sizes.stop - 1 - len(parts))


def _coerce(index: int, coerce: Any, pub: tuple[Any, ...], default: Any, hint: str = "") -> Any:
    try:
        coerced = coerce(pub, default)
    except (TypeError, ValueError) as exc:
        raise InvalidWorkload(f"Pub {index}: {exc}{hint}") from exc
    if coerced.circuit.num_parameters == 0 and coerced.parameter_values.shape != ():
        raise InvalidWorkload(f"Pub {index}: parameter values are given, but the circuit has none.")
    if coerced.size == 0:
        raise InvalidWorkload(
            f"Pub {index}: the parameter values are empty (shape {coerced.shape})."
        )
    return coerced


class AerExecutor:
    """Runs sampler and estimator jobs on Aer, each backend with its own noise (see the module)."""

    def __init__(self) -> None:
        self._simulations: dict[str, _Simulation] = {}

    def prepare(self, program_id: str, params: dict[str, Any], entry: BackendEntry) -> Workload:
        raw_pubs, options = _structure(program_id, params, entry)
        limit = entry.configuration().max_shots
        if program_id == "sampler":
            default_shots = _default_shots(options, limit)
            pubs = [
                self._sampler_pub(i, raw, default_shots, entry) for i, raw in enumerate(raw_pubs)
            ]
            total = sum(pub.shots * pub.size for pub in pubs)
        else:
            precision = _default_precision(options, limit)
            pubs = [self._estimator_pub(i, raw, precision, entry) for i, raw in enumerate(raw_pubs)]
            total = sum(shots_for_precision(pub.precision) * pub.size for pub in pubs)
        _seed(options, 0)  # a bad seed fails now, not when the job runs
        return Workload(program_id, tuple(pubs), options, len(pubs), total, entry.name)

    @staticmethod
    def _sampler_pub(index: int, raw: Any, default_shots: int, entry: BackendEntry) -> SamplerPub:
        circuit, values, shots = _parts(index, raw, range(1, 4), "[circuit, values, shots]")
        circuit = _circuit(index, circuit)
        _check_circuit(index, circuit, entry)
        if circuit.num_clbits == 0 or not _measures(circuit):
            raise InvalidWorkload(
                f"Pub {index}: the circuit measures nothing, so the sampler has no bits to return. "
                "Add measurements, e.g. circuit.measure_all(), before transpiling."
            )
        if shots is not None:
            shots = _shots(f"Pub {index} shots", shots, entry.configuration().max_shots)
        return _coerce(index, SamplerPub.coerce, (circuit, values, shots), default_shots)  # type: ignore[no-any-return]

    @staticmethod
    def _estimator_pub(index: int, raw: Any, default: float, entry: BackendEntry) -> EstimatorPub:
        shape = "[circuit, observables, values, precision]"
        circuit, observables, values, precision = _parts(index, raw, range(2, 5), shape)
        circuit = _circuit(index, circuit)
        _check_circuit(index, circuit, entry)
        if precision is not None:
            precision = _precision(f"Pub {index} precision", precision)
        hint = (
            ". Observables act on the circuit's qubits, with real coefficients: for an ISA "
            "circuit, map them with observable.apply_layout(isa_circuit.layout)."
        )
        pub = (circuit, observables, values, precision)
        return _coerce(index, EstimatorPub.coerce, pub, default, hint)  # type: ignore[no-any-return]

    def execute(self, workload: Workload, entry: BackendEntry, seed: int) -> Any:
        simulation = self._simulations.get(entry.name)
        if simulation is None or simulation.backend is not entry.backend:
            simulation = self._simulations[entry.name] = _Simulation(entry)
        seed = _seed(workload.options, seed)
        if workload.program_id == "sampler":
            return _sample(list(workload.pubs), simulation, seed)
        return _estimate(list(workload.pubs), simulation, seed)


class _Simulation:
    """Aer for one backend: a simulator, and the backend's noise restricted to qubit sets."""

    def __init__(self, entry: BackendEntry) -> None:
        from qiskit_aer import AerSimulator

        self.backend = entry.backend
        # A user's AerSimulator runs as given (its own noise model); others get a fresh one.
        mine = isinstance(entry.backend, AerSimulator)
        self.simulator = entry.backend if mine else AerSimulator()
        self.noisy = not mine and not entry.simulator
        self._noise: OrderedDict[frozenset[int], Any] = OrderedDict()

    def run(self, circuits: list[QuantumCircuit], **options: Any) -> Any:
        if self.noisy:
            active = frozenset(q for circuit in circuits for q in _active_qubits(circuit))
            model = self._noise_model(active)
            if model is not None:
                options["noise_model"] = model
        return self.simulator.run(circuits, **options).result()

    def _noise_model(self, active: frozenset[int]) -> Any:
        if active in self._noise:
            self._noise.move_to_end(active)
            return self._noise[active]
        model = _restricted_noise_model(self.backend, active)
        self._noise[active] = model
        if len(self._noise) > _NOISE_MODELS_PER_BACKEND:
            self._noise.popitem(last=False)
        return model


def _active_qubits(circuit: QuantumCircuit) -> set[int]:
    index = {bit: i for i, bit in enumerate(circuit.qubits)}
    return {
        index[q] for inst in circuit.data if inst.operation.name != "barrier" for q in inst.qubits
    }


def _restricted_noise_model(backend: Any, active: frozenset[int]) -> Any:
    """Aer's noise model of ``backend`` with only the errors of instructions on ``active`` qubits.

    Equal, on circuits that touch only those qubits, to ``NoiseModel.from_backend(backend)``.
    """
    from qiskit_aer.noise import NoiseModel

    target = backend.target
    sub = Target(
        num_qubits=target.num_qubits, dt=target.dt, qubit_properties=target.qubit_properties
    )
    for name in target.operation_names:
        operation, props = target.operation_from_name(name), target[name]
        if isinstance(operation, type) or not props:  # control flow; global instructions
            continue
        kept = {qargs: p for qargs, p in props.items() if qargs and active.issuperset(qargs)}
        if kept:
            sub.add_instruction(operation, kept, name=name)
    with warnings.catch_warnings():
        # Without qubit properties there is no relaxation noise; Aer says so, and that is fine.
        warnings.filterwarnings("ignore", message=".*has no QubitProperties", category=UserWarning)
        model = NoiseModel.from_backend(TargetBackend(backend.name, sub))
    return None if model.is_ideal() else model


def _bindings(pub: Any) -> dict[Any, Any]:
    """Aer's ``parameter_binds`` for a pub: each parameter's values, flattened in pub order."""
    array = pub.parameter_values.as_array(pub.circuit.parameters)
    return {p: array[..., i].ravel() for i, p in enumerate(pub.circuit.parameters)}


def _sample(pubs: list[SamplerPub], simulation: _Simulation, seed: int) -> PrimitiveResult:
    results: list[Any] = [None] * len(pubs)
    groups: dict[int, list[int]] = {}
    for i, pub in enumerate(pubs):  # one Aer run per distinct shot count
        groups.setdefault(pub.shots, []).append(i)
    for offset, (shots, indices) in enumerate(groups.items()):
        group = [pubs[i] for i in indices]
        result = simulation.run(
            [pub.circuit for pub in group],
            shots=shots,
            seed_simulator=(seed + offset) % 2**32,
            parameter_binds=[_bindings(pub) for pub in group],
            memory=True,
        )
        start = 0
        for i, pub in zip(indices, group, strict=True):
            memory = [result.results[start + k].data.memory for k in range(pub.size)]
            start += pub.size
            results[i] = SamplerPubResult(
                DataBin(**_registers(pub, memory), shape=pub.shape),
                metadata={"circuit_metadata": dict(pub.circuit.metadata or {})},
            )
    return PrimitiveResult(results, metadata={"version": 2})


def _registers(pub: SamplerPub, memory: list[list[str]]) -> dict[str, BitArray]:
    """A ``BitArray`` of shape ``pub.shape`` per classical register, from Aer's hex memory."""
    circuit = pub.circuit
    width = max(1, (circuit.num_clbits + 7) // 8)
    words = [word for experiment in memory for word in experiment]
    # Few distinct outcomes, many shots: decode each distinct word once, then index.
    codes = {word: i for i, word in enumerate(set(words))}
    rows = b"".join(int(word, 16).to_bytes(width, "big") for word in codes)
    table = np.frombuffer(rows, dtype=np.uint8).reshape(len(codes), width)
    chosen = np.fromiter(map(codes.__getitem__, words), dtype=np.intp, count=len(words))
    packed = table[chosen].reshape(*pub.shape, pub.shots, width)
    bits = np.unpackbits(packed, axis=-1)[..., ::-1]  # bits[..., k] is clbit k
    index = {bit: i for i, bit in enumerate(circuit.clbits)}
    return {
        creg.name: BitArray.from_bool_array(bits[..., [index[b] for b in creg]], order="little")
        for creg in circuit.cregs
    }


def _estimate(pubs: list[EstimatorPub], simulation: _Simulation, seed: int) -> PrimitiveResult:
    from qiskit.quantum_info import Pauli  # type: ignore[import-untyped, unused-ignore]
    from qiskit_aer.library import SaveExpectationValue

    rng = np.random.default_rng(seed)
    results = []
    for pub in pubs:
        circuit = pub.circuit.remove_final_measurements(inplace=False)
        terms: dict[tuple[str, tuple[int, ...]], str] = {}
        observables = []  # per observable: [(term label, or None for the identity, coefficient)]
        for observable in pub.observables.sparse_observables_array().ravel():
            found = []
            for paulis, qubits, coeff in observable.as_paulis().to_sparse_list():
                key = (
                    terms.setdefault((paulis, tuple(qubits)), f"t{len(terms)}") if paulis else None
                )
                found.append((key, float(np.real(coeff))))
            observables.append(found)
        for (paulis, qubits), key in terms.items():  # Pauli labels put qubit 0 last
            circuit.append(SaveExpectationValue(Pauli(paulis[::-1]), label=key), list(qubits))
        binds = [_bindings(pub)] if circuit.num_parameters else None
        result = simulation.run([circuit], seed_simulator=seed, parameter_binds=binds)
        exact = [result.data(k) for k in range(pub.parameter_values.size)]
        shots = shots_for_precision(pub.precision)
        values_at = np.arange(pub.parameter_values.size).reshape(pub.parameter_values.shape)
        observable_at = np.arange(pub.observables.size).reshape(pub.observables.shape)
        values_at, observable_at = np.broadcast_arrays(values_at, observable_at)
        evs, variances = np.zeros(pub.shape), np.zeros(pub.shape)
        for position in np.ndindex(pub.shape):
            for key, coeff in observables[observable_at[position]]:
                if key is None:  # the identity: no shot noise
                    evs[position] += coeff
                    continue
                # Each term is the mean of +-1 outcomes over the shots: sample that mean.
                plus = np.clip((1 + exact[values_at[position]][key]) / 2, 0, 1)
                mean = 2 * rng.binomial(shots, plus) / shots - 1
                evs[position] += coeff * mean
                variances[position] += coeff**2 * (1 - mean**2) / shots
        stds = np.sqrt(variances)
        metadata = {
            "target_precision": pub.precision,
            "shots": shots,
            "circuit_metadata": dict(pub.circuit.metadata or {}),
            "num_randomizations": NUM_RANDOMIZATIONS,
        }
        data = DataBin(evs=evs, stds=stds, ensemble_standard_error=stds.copy(), shape=pub.shape)
        results.append(PubResult(data, metadata=metadata))
    return PrimitiveResult(results, metadata={"version": 2})
