"""Everything the fake asks of qiskit-aer, imported lazily: the one module that imports it.

``AerRun`` is Aer for one backend: a simulator, and the backend's noise restricted to the qubits a
job touches. A device's noise model is large (thousands of errors on 127 qubits) and Aer
serialises it on every run, which costs far more than simulating a Bell pair; the restricted
model has exactly the errors that can occur, a few dozen. Restricted models depend only on the
backend's contents and the qubits, so they live in the process's shared cache (``shared.py``): a
fresh fake reuses what earlier fakes built. ``local_simulator`` runs a default device's circuits
outside the fake (``DeviceBackend.run``).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.transpiler import Target

from .shared import SharedCache
from .target_backend import TargetBackend

__all__ = [
    "AerRun",
    "device_errors",
    "idle_error",
    "is_aer_simulator",
    "local_simulator",
    "save_expectation_value",
]


def local_simulator(backend: Any) -> Any:
    """An ``AerSimulator`` with ``backend``'s noise, to run circuits outside the fake (``run``)."""
    from qiskit_aer import AerSimulator

    return AerSimulator.from_backend(backend)


def is_aer_simulator(backend: object) -> bool:
    """Whether ``backend`` is a user's ``AerSimulator`` (run as given, with its own noise)."""
    from qiskit_aer import AerSimulator

    return isinstance(backend, AerSimulator)


def save_expectation_value(pauli: Any, label: str) -> Any:
    """Aer's instruction saving the expectation value of ``pauli`` under ``label``."""
    from qiskit_aer.library import SaveExpectationValue

    return SaveExpectationValue(pauli, label=label)


class AerRun:
    """Aer for one backend: a simulator, and the backend's noise restricted to qubit sets.

    ``backend`` is what runs (a user's ``AerSimulator`` as given; any other backend on a shared
    ideal simulator, with its noise unless ``ideal``); ``content_key`` names the backend's
    contents in ``shared``, where noise models are cached.
    """

    def __init__(
        self, backend: Any, *, ideal: bool, content_key: Hashable, shared: SharedCache
    ) -> None:
        from qiskit_aer import AerSimulator

        self.backend = backend
        self._content_key = content_key
        self._shared = shared
        # Run options are passed per run, so nothing of a shared simulator is ever changed.
        given = isinstance(backend, AerSimulator)
        self.simulator = backend if given else shared.get("aer", AerSimulator)
        self.noisy = not given and not ideal

    def run(self, circuits: list[QuantumCircuit], **options: Any) -> Any:
        if self.noisy:
            active = frozenset().union(*(_active_qubits(circuit) for circuit in circuits))
            noise = self._noise_model(active)
            if noise is not None:
                options["noise_model"] = noise
        result = self.simulator.run(circuits, **options).result()
        if not result.success:
            failed = "; ".join(str(r.status) for r in result.results if not r.success)
            raise RuntimeError(f"The simulation failed: {failed or result.status}")
        return result

    def _noise_model(self, active: frozenset[int]) -> Any:
        """The noise model restricted to ``active`` qubits (shared; None when ideal)."""
        key = ("noise", self._content_key, active)
        return self._shared.noise_model(key, lambda: _restricted_noise_model(self.backend, active))


def _active_qubits(circuit: QuantumCircuit) -> set[int]:
    index = {bit: i for i, bit in enumerate(circuit.qubits)}
    return {
        index[q] for inst in circuit.data if inst.operation.name != "barrier" for q in inst.qubits
    }


def device_errors(
    backend: Any, qubits: frozenset[int]
) -> tuple[list[tuple[str, tuple[int, ...], Any]], dict[int, Any]]:
    """The errors Aer's noise model of ``backend`` gives instructions on ``qubits``: each gate's
    ``(name, qubits, QuantumError)`` and each qubit's ``ReadoutError`` (what ``AerRun`` simulates,
    for the noise learners)."""
    from qiskit_aer.noise.device import basic_device_gate_errors, basic_device_readout_errors

    sub = _restricted_target(backend.target, qubits)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*has no QubitProperties", category=UserWarning)
        gates = [
            (name, tuple(on), error)
            for name, on, error in basic_device_gate_errors(target=sub)
            if name != "measure"
        ]
        readout = {on[0]: error for on, error in basic_device_readout_errors(target=sub)}
    return gates, readout


def idle_error(t1: float | None, t2: float | None, seconds: float) -> Any:
    """Aer's thermal relaxation of a qubit idle for ``seconds`` (None without T1 and T2)."""
    from qiskit_aer.noise import thermal_relaxation_error

    if not t1 or not t2 or seconds <= 0:
        return None
    return thermal_relaxation_error(t1, min(t2, 2 * t1), seconds)


def _restricted_target(target: Target, active: frozenset[int]) -> Target:
    """``target`` with only the instructions on ``active`` qubits (their properties kept)."""
    sub = Target(
        num_qubits=target.num_qubits, dt=target.dt, qubit_properties=target.qubit_properties
    )
    for name in target.operation_names:
        operation, props = target.operation_from_name(name), target[name] or {}
        kept = {qargs: p for qargs, p in props.items() if qargs and active.issuperset(qargs)}
        if kept and not isinstance(operation, type):  # a type: control flow, which has no noise
            sub.add_instruction(operation, kept, name=name)
    return sub


def _restricted_noise_model(backend: Any, active: frozenset[int]) -> Any:
    """Aer's noise model of ``backend`` with only the errors of instructions on ``active`` qubits.

    On circuits that touch only those qubits it equals ``NoiseModel.from_backend(backend)``.
    """
    from qiskit_aer.noise import NoiseModel

    sub = _restricted_target(backend.target, active)
    with warnings.catch_warnings():
        # Without qubit properties there is no relaxation noise; Aer warns, and that is fine.
        warnings.filterwarnings("ignore", message=".*has no QubitProperties", category=UserWarning)
        model = NoiseModel.from_backend(TargetBackend(backend.name, sub))
    return None if model.is_ideal() else model
