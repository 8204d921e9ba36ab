"""Runs the ``sampler`` and ``estimator`` programs, with V2 primitive semantics, on qiskit-aer.

``prepare`` validates a job's decoded params as the service does when it accepts the job (an
``InvalidWorkload`` is a 400 with code 1002) and coerces its pubs; ``execute`` runs them later.

Aer itself is driven through ``aer.py`` (the one module that imports it): each job runs with the
device's noise model restricted to the qubits its circuits touch (see there why).

The workload types, the ``Executor`` protocol, the checks every executor shares and
``NoOpExecutor`` live in ``workloads.py`` (no Aer there) and are re-exported here.
"""

from __future__ import annotations

import cmath
import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from qiskit import qasm2, qasm3
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import (
    BitArray,
    DataBin,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub

from .aer import AerRun, save_expectation_value
from .catalogue import BackendEntry
from .primitives_v1 import is_v1, to_pubs
from .result_metadata import estimator_metadata, execution_spans
from .workloads import (
    DEFAULT_PRECISION,
    DEFAULT_SHOTS,
    Executor,
    InvalidWorkload,
    NoOpExecutor,
    Workload,
    _default_precision,
    _default_shots,
    _precision,
    _seed,
    _shots,
    _structure,
    _with_resilience_level,
    shots_for_precision,
    within_executions,
)
from .workloads import NUM_RANDOMIZATIONS as NUM_RANDOMIZATIONS
from .workloads import PROGRAMS as PROGRAMS
from .workloads import VALIDATION_CODE as VALIDATION_CODE

__all__ = [
    "DEFAULT_PRECISION",
    "DEFAULT_SHOTS",
    "AerExecutor",
    "Executor",
    "InvalidWorkload",
    "NoOpExecutor",
    "Workload",
    "shots_for_precision",
]

_VALUES_HINT = "Parameter values are an array of shape (*pub shape, circuit.num_parameters)."
_NO_PARAMETERS_HINT = (
    "The circuit has no parameters: leave its values out, or give an empty array of shape "
    "(*pub shape, 0)."
)
_OBSERVABLES_HINT = (
    "Observables act on the circuit's qubits, with real coefficients: for an ISA circuit, "
    "map them with observable.apply_layout(isa_circuit.layout)."
)
_TRANSPILE_HINT = (
    "Transpile it for the backend first: "
    "generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)."
)


# --- the Aer executor ---------------------------------------------------------------------------


def _circuit(index: int, raw: Any, entry: BackendEntry) -> QuantumCircuit:
    """A pub's circuit (a ``QuantumCircuit``, or OpenQASM 3 or 2 source), ISA for a device."""
    if isinstance(raw, str):
        try:
            if re.search(r"OPENQASM\s+2", raw[:1000]):
                raw = qasm2.loads(raw, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
            else:
                raw = qasm3.loads(raw)
        except Exception as exc:  # the parsers raise several types; all mean "bad source"
            raise InvalidWorkload(f"Pub {index}: the OpenQASM does not parse: {exc}") from exc
    if not isinstance(raw, QuantumCircuit):
        raise InvalidWorkload(
            f"Pub {index}: the circuit must be a QuantumCircuit or OpenQASM source, "
            f"got {type(raw).__name__}."
        )
    if entry.simulator:  # as on the service, simulators run any circuit that fits: no ISA rule
        if raw.num_qubits > entry.num_qubits:
            raise InvalidWorkload(
                f"Pub {index}: the circuit has {raw.num_qubits} qubits; {entry.name} has "
                f"{entry.num_qubits}."
            )
    elif problems := entry.isa_problems(raw):
        raise InvalidWorkload(
            f"Pub {index}: the circuit is not an ISA circuit of {entry.name}: "
            f"{'; '.join(problems)}. {_TRANSPILE_HINT}"
        )
    return raw


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


def _coerce(index: int, coerce: Any, pub: tuple[Any, ...], default: Any) -> Any:
    """qiskit's pub coercion (broadcasting, shapes, observables), its errors naming the pub.

    As in qiskit, a circuit without parameters takes empty values in any shape (``()``, ``[[]]``,
    ``zeros((2, 0))``...): all but their last axis is the pub's shape, each binding run on its own.
    """
    try:
        coerced = coerce(pub, default)
    except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: an int beyond a float
        text = str(exc).rstrip(".")
        if "observable" in text.lower():
            hint = _OBSERVABLES_HINT
        elif pub[0].num_parameters == 0:
            hint = _NO_PARAMETERS_HINT
        else:
            hint = _VALUES_HINT
        raise InvalidWorkload(f"Pub {index}: {text}. {hint}") from exc
    if not all(np.isfinite(values).all() for values in coerced.parameter_values.data.values()):
        raise InvalidWorkload(
            f"Pub {index}: parameter values must be finite numbers; some are NaN or infinite "
            f"(a missing value, None, reads as NaN). {_VALUES_HINT}"
        )
    if coerced.size == 0:
        raise InvalidWorkload(f"Pub {index}: the pub is empty (shape {coerced.shape}).")
    return coerced


def _clipped(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class AerExecutor:
    """Runs sampler and estimator jobs on Aer, each backend with its own noise (see the module).

    Device circuits must be ISA circuits of the backend; simulators take any circuit that fits.
    Thread-safe: the fake runs jobs outside its lock, so several threads may execute at once;
    only the caches are guarded, and Aer itself runs unlocked.
    """

    def __init__(self) -> None:
        self._simulations: dict[str, AerRun] = {}
        self._lock = threading.Lock()

    def prepare(self, program_id: str, params: dict[str, Any], entry: BackendEntry) -> Workload:
        v1 = None
        if program_id in PROGRAMS and is_v1(params):
            params, v1 = to_pubs(program_id, params, entry)  # the 2023 inputs, as V2 pubs
        raw_pubs, options = _structure(program_id, params, entry)
        limit = entry.configuration().max_shots
        _seed(options, 0)  # a bad seed fails now, not when the job runs
        if program_id == "sampler":
            shots = _default_shots(options, limit)
            pubs = [_sampler_pub(i, raw, shots, entry, limit) for i, raw in enumerate(raw_pubs)]
            per_pub = [pub.shots * pub.size for pub in pubs]
        else:
            options = _with_resilience_level(params, options)
            precision = _default_precision(options, limit)
            pubs = [
                _estimator_pub(i, raw, precision, entry, limit) for i, raw in enumerate(raw_pubs)
            ]
            per_pub = [shots_for_precision(pub.precision) * pub.size for pub in pubs]
        total = within_executions(sum(per_pub), per_pub)
        return Workload(program_id, tuple(pubs), options, len(pubs), total, entry.name, v1=v1)

    def _simulation(self, entry: BackendEntry) -> AerRun:
        with self._lock:
            simulation = self._simulations.get(entry.name)
            if simulation is None or simulation.backend is not entry.backend:
                simulation = self._simulations[entry.name] = AerRun(
                    entry.backend,
                    ideal=entry.simulator,
                    content_key=entry.content_key,
                    shared=entry.shared,
                )
            return simulation

    def execute(self, workload: Workload, entry: BackendEntry, seed: int) -> Any:
        result = self._execute(workload, entry, seed)
        return result if workload.v1 is None else workload.v1.result(result)

    def _execute(self, workload: Workload, entry: BackendEntry, seed: int) -> Any:
        simulation = self._simulation(entry)
        seed = _seed(workload.options, seed)
        if workload.program_id == "sampler":
            metadata: dict[str, Any] = {}
            if workload.run_window is not None:
                spans = execution_spans(workload.pubs, workload.run_window)
                metadata["execution"] = {"execution_spans": spans}
            metadata["version"] = 2
            return PrimitiveResult(_sample(list(workload.pubs), simulation, seed), metadata)
        results = _estimate(list(workload.pubs), simulation, seed)
        return PrimitiveResult(results, estimator_metadata(workload.options))

    def program_runner(
        self, entry: BackendEntry
    ) -> Callable[[list[QuantumCircuit], dict[str, Any]], Any]:
        """How a program's ``backend.run`` simulates on ``entry`` (``programs.py``): Aer with
        the device's noise restricted to the qubits used, as for the primitives; a qiskit
        ``Result``. A failed simulation raises, failing the program."""
        simulation = self._simulation(entry)

        def run(circuits: list[QuantumCircuit], options: dict[str, Any]) -> Any:
            return simulation.run(circuits, **options)

        return run


def _sampler_pub(index: int, raw: Any, default: int, entry: BackendEntry, limit: int) -> Any:
    circuit, values, shots = _parts(index, raw, range(1, 4), "[circuit, values, shots]")
    circuit = _circuit(index, circuit, entry)
    if circuit.num_clbits == 0 or not _measures(circuit):
        raise InvalidWorkload(
            f"Pub {index}: the circuit measures nothing, so the sampler has no bits to return. "
            "Add measurements (e.g. circuit.measure_all()) before transpiling."
        )
    shots = None if shots is None else _shots(f"Pub {index} shots", shots, limit)
    return _coerce(index, SamplerPub.coerce, (circuit, values, shots), default)


def _estimator_pub(index: int, raw: Any, default: float, entry: BackendEntry, limit: int) -> Any:
    shape = "[circuit, observables, values, precision]"
    circuit, observables, values, precision = _parts(index, raw, range(2, 5), shape)
    circuit = _circuit(index, circuit, entry)
    if precision is not None:
        precision = _precision(f"Pub {index} precision", precision, limit)
    pub = (circuit, observables, values, precision)
    coerced = _coerce(index, EstimatorPub.coerce, pub, default)
    for observable in coerced.observables.ravel().tolist():
        if not all(cmath.isfinite(coefficient) for coefficient in observable.values()):
            raise InvalidWorkload(
                f"Pub {index}: an observable has a coefficient that is not finite (NaN or "
                f"infinite): {_clipped(observable)}. {_OBSERVABLES_HINT}"
            )
    return coerced


def _bindings(pub: Any) -> dict[Any, Any]:
    """Aer's ``parameter_binds`` for a pub: each parameter's values, flattened in pub order."""
    array = pub.parameter_values.as_array(pub.circuit.parameters)
    return {p: array[..., i].ravel() for i, p in enumerate(pub.circuit.parameters)}


def _sample(pubs: list[Any], simulation: AerRun, seed: int) -> list[SamplerPubResult]:
    """Each pub's shots, per binding, as ``BitArray``s.

    Aer is asked for counts, not for each shot's memory (which costs as much again as the
    simulation for small circuits): shots are independent and identically distributed, so the
    counts hold everything about them, and a seeded random order of the counted outcomes has the
    same distribution as the shots' own order.
    """
    results: list[Any] = [None] * len(pubs)
    groups: dict[int, list[int]] = {}
    for i, pub in enumerate(pubs):  # one Aer run per distinct shot count
        groups.setdefault(pub.shots, []).append(i)
    for offset, (shots, indices) in enumerate(groups.items()):
        group = [pubs[i] for i in indices]
        # A circuit with parameters runs once per binding (Aer's parameter_binds); one without
        # is given once per binding of its (empty) values, so each binding has its own shots.
        circuits, binds = [], []
        for pub in group:
            copies = 1 if pub.circuit.num_parameters else pub.size
            circuits += [pub.circuit] * copies
            binds += [_bindings(pub)] * copies
        run_seed = (seed + offset) % 2**32
        result = simulation.run(
            circuits, shots=shots, seed_simulator=run_seed, parameter_binds=binds
        )
        order = np.random.default_rng(run_seed)
        experiments = iter(result.results)  # one per binding, in order
        for i, pub in zip(indices, group, strict=True):
            # No counts when nothing was measured (e.g. every measurement in an untaken branch).
            counts = [
                getattr(next(experiments).data, "counts", None) or {"0x0": shots}
                for _ in range(pub.size)
            ]
            metadata = {"circuit_metadata": dict(pub.circuit.metadata or {})}
            data = DataBin(**_registers(pub, counts, order), shape=pub.shape)
            results[i] = SamplerPubResult(data, metadata=metadata)
    return results


def _registers(
    pub: Any, counts: list[dict[str, int]], order: np.random.Generator
) -> dict[str, BitArray]:
    """A ``BitArray`` of shape ``pub.shape`` per classical register, from Aer's hex counts (one
    dict per binding), each binding's shots in a random order drawn from ``order``."""
    circuit = pub.circuit
    width = max(1, (circuit.num_clbits + 7) // 8)
    words = sorted({word for binding in counts for word in binding})
    table = np.frombuffer(b"".join(int(w, 16).to_bytes(width, "big") for w in words), np.uint8)
    chosen = np.empty((len(counts), pub.shots), dtype=np.intp)
    for row, binding in enumerate(counts):
        chosen[row] = np.repeat(np.arange(len(words)), [binding.get(w, 0) for w in words])
        order.shuffle(chosen[row])
    packed = table.reshape(len(words), width)[chosen].reshape(*pub.shape, pub.shots, width)
    index = {bit: i for i, bit in enumerate(circuit.clbits)}
    found, bits = {}, None
    for creg in circuit.cregs:
        positions = [index[bit] for bit in creg]
        if positions == list(range(circuit.num_clbits)):  # all the clbits, in order: as packed
            found[creg.name] = BitArray(packed, creg.size)
            continue
        if bits is None:
            bits = np.unpackbits(packed, axis=-1)[..., ::-1]  # bits[..., k] is clbit k
        found[creg.name] = BitArray.from_bool_array(bits[..., positions], order="little")
    return found


def _pauli_terms(observable: dict[str, Any]) -> list[tuple[str, list[int], complex]]:
    """An observable's terms, ``(paulis, qubits, coefficient)``: ``paulis[i]`` on ``qubits[i]``."""
    terms = []
    for label, coeff in observable.items():
        if set(label) <= set("IXYZ"):  # label[-1] is qubit 0
            qubits = [q for q, char in enumerate(reversed(label)) if char != "I"]
            terms.append(("".join(label[-1 - q] for q in qubits), qubits, coeff))
        else:  # projectors such as "0" or "+" (qiskit >= 2.1): expand them in Paulis
            from qiskit.quantum_info import SparseObservable

            terms += (SparseObservable.from_label(label) * coeff).as_paulis().to_sparse_list()
    return terms


def _estimate(pubs: list[Any], simulation: AerRun, seed: int) -> list[PubResult]:
    """Exact expectation values from Aer, then the shot noise of the shots the precision implies.

    The shots are split over the twirling randomizations. For each Pauli term and randomization,
    the estimate is the mean of +-1 outcomes, drawn from its binomial distribution. ``evs`` are
    the means over all shots; ``stds`` the standard errors estimated from them; and
    ``ensemble_standard_error`` the standard error of the randomizations' estimates, as the
    service computes it from its twirled executions. All three have the pub's shape.
    """
    from qiskit.quantum_info import Pauli

    rng = np.random.default_rng(seed)
    results = []
    for pub in pubs:
        circuit = pub.circuit.remove_final_measurements(inplace=False)
        terms: dict[tuple[str, tuple[int, ...]], str] = {}
        observables = []  # per observable: [(term label, or None for the identity, coefficient)]
        for observable in pub.observables.ravel().tolist():
            found = []
            for paulis, qubits, coeff in _pauli_terms(observable):
                term = (paulis, tuple(qubits))
                key = terms.setdefault(term, f"t{len(terms)}") if paulis else None
                found.append((key, float(np.real(coeff))))
            observables.append(found)
        for (label, support), key in terms.items():  # a Pauli label puts qubit 0 last
            circuit.append(save_expectation_value(Pauli(label[::-1]), key), list(support))
        # With parameters, one Aer experiment per binding; without, one for all the bindings.
        parametrised = circuit.num_parameters > 0
        binds = [_bindings(pub)] if parametrised else None
        result = simulation.run([circuit], seed_simulator=seed, parameter_binds=binds)
        bindings = pub.parameter_values.size if parametrised else 1
        exact = [result.data(k) for k in range(bindings)]
        binding_index = np.arange(pub.parameter_values.size) % bindings
        binding_at, observable_at = np.broadcast_arrays(
            binding_index.reshape(pub.parameter_values.shape),
            np.arange(pub.observables.size).reshape(pub.observables.shape),
        )
        shots = shots_for_precision(pub.precision)
        per_randomization = shots // NUM_RANDOMIZATIONS
        evs, variances = np.zeros(pub.shape), np.zeros(pub.shape)
        ensemble = np.zeros(pub.shape)
        for at in np.ndindex(pub.shape):
            estimates = np.zeros(NUM_RANDOMIZATIONS)  # the observable, per randomization
            for key, coeff in observables[observable_at[at]]:
                if key is None:  # the identity: no shot noise
                    evs[at] += coeff
                    estimates += coeff
                    continue
                plus = np.clip((1 + exact[binding_at[at]][key]) / 2, 0, 1)
                counts = rng.binomial(per_randomization, plus, size=NUM_RANDOMIZATIONS)
                means = 2 * counts / per_randomization - 1
                mean = float(means.mean())
                evs[at] += coeff * mean
                variances[at] += coeff**2 * (1 - mean**2) / shots
                estimates += coeff * means
            ensemble[at] = estimates.std(ddof=1) / np.sqrt(NUM_RANDOMIZATIONS)
        # np.sqrt of a 0-d array is a numpy scalar: keep arrays, of shape () for a scalar pub.
        stds = np.sqrt(variances, out=np.zeros(pub.shape))
        metadata = {
            "shots": shots,
            "target_precision": pub.precision,
            "circuit_metadata": dict(pub.circuit.metadata or {}),
            "resilience": {},
            "num_randomizations": NUM_RANDOMIZATIONS,
        }
        data = DataBin(evs=evs, stds=stds, ensemble_standard_error=ensemble, shape=pub.shape)
        results.append(PubResult(data, metadata=metadata))
    return results
