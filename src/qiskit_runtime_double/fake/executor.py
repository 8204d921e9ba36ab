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
    EstimatorPub,
    PrimitiveResult,
    PubResult,
    SamplerPub,
    SamplerPubResult,
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
    if isinstance(value, bool) or not isinstance(value, Integral) or not 1 <= int(value) <= limit:
        raise InvalidWorkload(f"{what} must be an integer from 1 to {limit}, got {value!r}.")
    return int(value)


def _precision(what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not float(value) > 0:
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
            parts = [*(pub if isinstance(pub, (list, tuple)) else [pub]), None, None, None]
            if program_id == "sampler":
                shots = parts[2] if isinstance(parts[2], Integral) else None
                total += int(shots) if shots else _default_shots(options, limit)
            else:
                given = parts[3] if isinstance(parts[3], Real) else None
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
    return any(
        inst.operation.name == "measure"
        or any(_measures(block) for block in getattr(inst.operation, "blocks", ()))
        for inst in circuit.data
    )


def _parts(index: int, raw: Any, sizes: range, shape: str) -> list[Any]:
    """A pub's items, padded with None to the full length; a bare circuit is a pub of one."""
    parts = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    if len(parts) not in sizes:
        raise InvalidWorkload(f"Pub {index} has {len(parts)} items; a pub is {shape}.")
    return parts + [None] * (sizes.stop - 1 - len(parts))


def _coerce(index: int, coerce: Any, pub: tuple[Any, ...], default: Any, hint: str = "") -> Any:
    """qiskit's pub coercion (broadcasting, shapes, observables), its errors naming the pub."""
    try:
        coerced = coerce(pub, default)
    except (TypeError, ValueError) as exc:
        raise InvalidWorkload(f"Pub {index}: {str(exc).rstrip('.')}{hint}") from exc
    if coerced.circuit.num_parameters == 0 and coerced.parameter_values.shape != ():
        raise InvalidWorkload(f"Pub {index}: parameter values are given, but the circuit has none.")
    if coerced.size == 0:
        raise InvalidWorkload(f"Pub {index}: the pub is empty (shape {coerced.shape}).")
    return coerced


_OBSERVABLE_HINT = (
    ". Observables act on the circuit's qubits, with real coefficients: for an ISA circuit, "
    "map them with observable.apply_layout(isa_circuit.layout)."
)


class AerExecutor:
    """Runs sampler and estimator jobs on Aer, each backend with its own noise (see the module)."""

    def __init__(self) -> None:
        self._simulations: dict[str, _Simulation] = {}

    def prepare(self, program_id: str, params: dict[str, Any], entry: BackendEntry) -> Workload:
        raw_pubs, options = _structure(program_id, params, entry)
        limit = entry.configuration().max_shots
        _seed(options, 0)  # a bad seed fails now, not when the job runs
        if program_id == "sampler":
            shots = _default_shots(options, limit)
            pubs = [_sampler_pub(i, raw, shots, entry, limit) for i, raw in enumerate(raw_pubs)]
            total = sum(pub.shots * pub.size for pub in pubs)
        else:
            precision = _default_precision(options, limit)
            pubs = [_estimator_pub(i, raw, precision, entry) for i, raw in enumerate(raw_pubs)]
            total = sum(shots_for_precision(pub.precision) * pub.size for pub in pubs)
        return Workload(program_id, tuple(pubs), options, len(pubs), total, entry.name)

    def execute(self, workload: Workload, entry: BackendEntry, seed: int) -> Any:
        simulation = self._simulations.get(entry.name)
        if simulation is None or simulation.backend is not entry.backend:
            simulation = self._simulations[entry.name] = _Simulation(entry)
        run = _sample if workload.program_id == "sampler" else _estimate
        return run(list(workload.pubs), simulation, _seed(workload.options, seed))


def _sampler_pub(index: int, raw: Any, default: int, entry: BackendEntry, limit: int) -> Any:
    circuit, values, shots = _parts(index, raw, range(1, 4), "[circuit, values, shots]")
    circuit = _circuit(index, circuit)
    _check_circuit(index, circuit, entry)
    if circuit.num_clbits == 0 or not _measures(circuit):
        raise InvalidWorkload(
            f"Pub {index}: the circuit measures nothing, so the sampler has no bits to return. "
            "Add measurements (e.g. circuit.measure_all()) before transpiling."
        )
    shots = None if shots is None else _shots(f"Pub {index} shots", shots, limit)
    hint = ". Parameter values are an array of shape (*pub shape, circuit.num_parameters)."
    return _coerce(index, SamplerPub.coerce, (circuit, values, shots), default, hint)


def _estimator_pub(index: int, raw: Any, default: float, entry: BackendEntry) -> Any:
    shape = "[circuit, observables, values, precision]"
    circuit, observables, values, precision = _parts(index, raw, range(2, 5), shape)
    circuit = _circuit(index, circuit)
    _check_circuit(index, circuit, entry)
    if precision is not None:
        precision = _precision(f"Pub {index} precision", precision)
    pub = (circuit, observables, values, precision)
    return _coerce(index, EstimatorPub.coerce, pub, default, _OBSERVABLE_HINT)


class _Simulation:
    """Aer for one backend: a simulator, and the backend's noise restricted to qubit sets."""

    def __init__(self, entry: BackendEntry) -> None:
        from qiskit_aer import AerSimulator

        self.backend = entry.backend
        # A user's AerSimulator runs as given (with its own noise model); others get a fresh one.
        given = isinstance(entry.backend, AerSimulator)
        self.simulator = entry.backend if given else AerSimulator()
        self.noisy = not given and not entry.simulator
        self._noise: OrderedDict[frozenset[int], Any] = OrderedDict()

    def run(self, circuits: list[QuantumCircuit], **options: Any) -> Any:
        if self.noisy:
            active = frozenset().union(*(_active_qubits(circuit) for circuit in circuits))
            if active not in self._noise:
                self._noise[active] = _restricted_noise_model(self.backend, active)
                if len(self._noise) > _NOISE_MODELS_PER_BACKEND:
                    self._noise.popitem(last=False)  # least recently used
            self._noise.move_to_end(active)
            if self._noise[active] is not None:
                options["noise_model"] = self._noise[active]
        result = self.simulator.run(circuits, **options).result()
        if not result.success:
            failed = "; ".join(str(r.status) for r in result.results if not r.success)
            raise RuntimeError(f"The simulation failed: {failed or result.status}")
        return result


def _active_qubits(circuit: QuantumCircuit) -> set[int]:
    index = {bit: i for i, bit in enumerate(circuit.qubits)}
    return {
        index[q] for inst in circuit.data if inst.operation.name != "barrier" for q in inst.qubits
    }


def _restricted_noise_model(backend: Any, active: frozenset[int]) -> Any:
    """Aer's noise model of ``backend`` with only the errors of instructions on ``active`` qubits.

    On circuits that touch only those qubits it equals ``NoiseModel.from_backend(backend)``.
    """
    from qiskit_aer.noise import NoiseModel

    target = backend.target
    sub = Target(
        num_qubits=target.num_qubits, dt=target.dt, qubit_properties=target.qubit_properties
    )
    for name in target.operation_names:
        operation, props = target.operation_from_name(name), target[name] or {}
        kept = {qargs: p for qargs, p in props.items() if qargs and active.issuperset(qargs)}
        if kept and not isinstance(operation, type):  # a type: control flow, which has no noise
            sub.add_instruction(operation, kept, name=name)
    with warnings.catch_warnings():
        # Without qubit properties there is no relaxation noise; Aer warns, and that is fine.
        warnings.filterwarnings("ignore", message=".*has no QubitProperties", category=UserWarning)
        model = NoiseModel.from_backend(TargetBackend(backend.name, sub))
    return None if model.is_ideal() else model


def _bindings(pub: Any) -> dict[Any, Any]:
    """Aer's ``parameter_binds`` for a pub: each parameter's values, flattened in pub order."""
    array = pub.parameter_values.as_array(pub.circuit.parameters)
    return {p: array[..., i].ravel() for i, p in enumerate(pub.circuit.parameters)}


def _sample(pubs: list[Any], simulation: _Simulation, seed: int) -> PrimitiveResult:
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
        experiments = iter(result.results)  # one per circuit and parameter binding, in order
        for i, pub in zip(indices, group, strict=True):
            memory = [next(experiments).data.memory for _ in range(pub.size)]
            metadata = {"circuit_metadata": dict(pub.circuit.metadata or {})}
            data = DataBin(**_registers(pub, memory), shape=pub.shape)
            results[i] = SamplerPubResult(data, metadata=metadata)
    return PrimitiveResult(results, metadata={"version": 2})


def _registers(pub: Any, memory: list[list[str]]) -> dict[str, BitArray]:
    """A ``BitArray`` of shape ``pub.shape`` per classical register, from Aer's hex memory."""
    circuit = pub.circuit
    width = max(1, (circuit.num_clbits + 7) // 8)
    words = memory[0] if len(memory) == 1 else [word for shots in memory for word in shots]
    # Few distinct outcomes, many shots: decode each distinct word once, then index.
    codes = {word: i for i, word in enumerate(set(words))}
    table = np.frombuffer(b"".join(int(w, 16).to_bytes(width, "big") for w in codes), np.uint8)
    chosen = np.fromiter(map(codes.__getitem__, words), dtype=np.intp, count=len(words))
    packed = table.reshape(len(codes), width)[chosen].reshape(*pub.shape, pub.shots, width)
    index = {bit: i for i, bit in enumerate(circuit.clbits)}
    found = {}
    for creg in circuit.cregs:
        positions = [index[bit] for bit in creg]
        if positions == list(range(circuit.num_clbits)):  # all the clbits, in order: as packed
            found[creg.name] = BitArray(packed, creg.size)
            continue
        bits = np.unpackbits(packed, axis=-1)[..., ::-1]  # bits[..., k] is clbit k
        found[creg.name] = BitArray.from_bool_array(bits[..., positions], order="little")
    return found


def _estimate(pubs: list[Any], simulation: _Simulation, seed: int) -> PrimitiveResult:
    """Exact expectation values from Aer, then the shot noise of the shots the precision implies.

    Each Pauli term's estimate is the mean of +-1 outcomes over those shots, drawn from its
    binomial distribution; ``stds`` are the standard errors estimated from the drawn means.
    """
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
        for (paulis, qubits), key in terms.items():  # a Pauli label puts qubit 0 last
            circuit.append(SaveExpectationValue(Pauli(paulis[::-1]), label=key), list(qubits))
        binds = [_bindings(pub)] if circuit.num_parameters else None
        result = simulation.run([circuit], seed_simulator=seed, parameter_binds=binds)
        exact = [result.data(k) for k in range(pub.parameter_values.size)]
        shots = shots_for_precision(pub.precision)
        binding_at, observable_at = np.broadcast_arrays(
            np.arange(pub.parameter_values.size).reshape(pub.parameter_values.shape),
            np.arange(pub.observables.size).reshape(pub.observables.shape),
        )
        evs, variances = np.zeros(pub.shape), np.zeros(pub.shape)
        for at in np.ndindex(pub.shape):
            for key, coeff in observables[observable_at[at]]:
                if key is None:  # the identity: no shot noise
                    evs[at] += coeff
                    continue
                plus = np.clip((1 + exact[binding_at[at]][key]) / 2, 0, 1)
                mean = 2 * rng.binomial(shots, plus) / shots - 1
                evs[at] += coeff * mean
                variances[at] += coeff**2 * (1 - mean**2) / shots
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
