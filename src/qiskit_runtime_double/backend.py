"""The client-side backend: a qiskit ``BackendV2`` built from the service's JSON documents.

A :class:`RuntimeBackend` is made from the two wire models the REST API serves,
``GET /backends/{name}/configuration`` (:class:`~.wire.models.BackendConfiguration`) and
``GET /backends/{name}/properties`` (:class:`~.wire.models.BackendProperties`). Its
:attr:`~RuntimeBackend.target` is what the transpiler needs to produce ISA circuits for it.

Which instructions the target has: the ``basis_gates`` (a name qiskit does not know is skipped
with a ``RuntimeWarning``); ``measure`` always; ``reset`` and ``delay`` when
``supported_instructions`` lists them or is absent; and the control flow it lists (global).

Where they go. A configuration with no ``coupling_map`` and no properties is an ideal simulator:
every instruction is global (``qargs=None``), as ``Target.from_configuration`` does. Otherwise
``measure``, ``reset`` and ``delay`` go on every qubit, and a gate goes on the first of:

1. the per-gate ``coupling_map`` of the configuration's ``gates`` entry for that gate;
2. the qubits the properties report for that gate;
3. everywhere (global), if the configuration has no ``coupling_map``;
4. every qubit for a 1-qubit gate, every ``coupling_map`` edge (directed as given) for a
   2-qubit gate; a gate of any other width is skipped with a ``RuntimeWarning``.

Rules 1 and 2 matter when a backend has two 2-qubit gates on different edges (``ibm_cairo`` has
``cx`` on some, ``ecr`` on others): the global map would claim both everywhere. Qubits and gates
the properties mark ``operational = 0`` are left out, so the transpiler never routes through them.

Units: the wire keeps the IBM JSON units (``dt`` and ``gate_length`` in ns, ``T1`` in us,
``frequency`` in GHz). The target is in SI units (seconds, Hz), as qiskit expects.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, Protocol

# qiskit ships no py.typed; ``unused-ignore`` keeps these ignores harmless once the mypy
# configuration gains a ``qiskit.*`` override.
from qiskit.circuit import (
    ForLoopOp,
    IfElseOp,
    SwitchCaseOp,
    WhileLoopOp,
)
from qiskit.circuit.library import (
    get_standard_gate_name_mapping,
)
from qiskit.providers import (
    BackendV2,
    Options,
    QubitProperties,
)
from qiskit.transpiler import (
    InstructionProperties,
    Target,
)

from .errors import IBMRuntimeError
from .wire.models import (
    BackendConfiguration,
    BackendProperties,
    Nduv,
    parse_timestamp,
)

__all__ = ["BackendStatusInfo", "IBMBackend", "RuntimeBackend"]

#: Non-unitary instructions that act on one qubit at a time and that a backend may list.
_NON_UNITARY = ("measure", "reset", "delay")

#: Control-flow names IBM lists in ``supported_instructions``, and their qiskit classes.
_CONTROL_FLOW: dict[str, type[Any]] = {
    "if_else": IfElseOp,
    "while_loop": WhileLoopOp,
    "for_loop": ForLoopOp,
    "switch_case": SwitchCaseOp,
}

#: Multipliers to SI units for the units IBM properties use.
_UNIT_SCALE: dict[str, float] = {
    "": 1.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "\u00b5s": 1e-6,  # MICRO SIGN, as some older snapshots write it
    "\u03bcs": 1e-6,  # GREEK SMALL LETTER MU
    "ns": 1e-9,
    "ps": 1e-12,
    "Hz": 1.0,
    "kHz": 1e3,
    "MHz": 1e6,
    "GHz": 1e9,
}

#: ``timing_constraints`` keys of an IBM configuration that ``Target`` accepts as keywords.
_TIMING_KEYS = ("granularity", "min_length", "pulse_alignment", "acquire_alignment")

_Qargs = tuple[int, ...]
#: One target entry: the qiskit operation (instance, or class for control flow) and its
#: per-qargs properties, or ``None`` for a global instruction.
_Entry = tuple[Any, dict[_Qargs, Any] | None]


@dataclass(frozen=True)
class BackendStatusInfo:
    """A backend's status as the official client reports it (``backend.status()``)."""

    backend_name: str
    backend_version: str
    operational: bool
    pending_jobs: int
    status_msg: str


class StatusSource(Protocol):
    """What a backend needs of its service: its status, asked by name
    (``QiskitRuntimeService.backend_status``)."""

    def backend_status(self, name: str) -> BackendStatusInfo: ...


class RuntimeBackend(BackendV2):
    """A backend of the Qiskit Runtime service, for transpiling and for primitives' ``mode=``.

    Mirrors ``qiskit_ibm_runtime.IBMBackend`` (also exported under that name). It cannot run
    circuits itself: submit them with ``SamplerV2(mode=backend)`` or inside a session.

    Args:
        configuration: The backend's configuration document.
        properties: The backend's calibration document, if the service has one (simulators don't).
        service: The ``QiskitRuntimeService`` that made this backend, kept as :attr:`service`
            (anything with ``backend_status(name)`` will do: ``StatusSource``).
        calibration_id: The calibration its properties describe, when one was asked for
            (``service.backend(name, calibration_id=...)``); its jobs name it too.
    """

    def __init__(
        self,
        configuration: BackendConfiguration,
        properties: BackendProperties | None = None,
        *,
        service: StatusSource | None = None,
        calibration_id: str | None = None,
    ) -> None:
        super().__init__(
            provider=None,
            name=configuration.backend_name,
            description=configuration.description,
            online_date=_parse_online_date(configuration.online_date),
            backend_version=configuration.backend_version,
        )
        self._configuration = configuration
        self._properties = properties
        #: The service that made this backend: a ``QiskitRuntimeService``, typed loosely because
        #: that module imports this one (a backend needs only ``StatusSource`` of it).
        self.service: Any | None = service
        #: The calibration asked for (None: the backend's current one), as in the official client.
        self.calibration_id = calibration_id
        # Resolved now, not with the target, so an unknown gate warns when the backend is made
        # rather than at some later transpile.
        self._operations = _resolve_operations(configuration)
        self._target: Target | None = None
        self._target_lock = threading.Lock()

    # --- BackendV2 ------------------------------------------------------------------------------

    @property
    def target(self) -> Target:
        """The transpiler target, built on first access and cached."""
        if self._target is None:
            with self._target_lock:
                if self._target is None:
                    self._target = _build_target(
                        self._configuration, self._properties, self._operations
                    )
        return self._target

    @property
    def max_circuits(self) -> int:
        return self._configuration.max_experiments

    @property
    def num_qubits(self) -> int:
        # From the configuration, so that asking does not build the target.
        return self._configuration.n_qubits

    @classmethod
    def _default_options(cls) -> Options:
        return Options()

    def run(self, run_input: Any, **options: Any) -> NoReturn:
        """Not supported, as on the real service: use a primitive instead."""
        raise IBMRuntimeError(
            f"backend.run() is not supported by {self.name!r}: the Qiskit Runtime service only "
            "runs primitives. Use SamplerV2(mode=backend) (or mode=session / mode=batch) and "
            "call sampler.run([circuit])."
        )

    # --- IBMBackend ------------------------------------------------------------------------------

    def configuration(self) -> BackendConfiguration:
        """The configuration document this backend was built from."""
        return self._configuration

    def properties(self) -> BackendProperties | None:
        """The calibration document this backend was built from, or ``None`` if it has none."""
        return self._properties

    def status(self) -> BackendStatusInfo:
        """The backend's current status, fetched through :attr:`service` on every call."""
        if self.service is None:
            raise IBMRuntimeError(
                f"Backend {self.name!r} has no service, so its status cannot be fetched. Get the "
                "backend from QiskitRuntimeService.backend() instead of constructing it directly."
            )
        source: StatusSource = self.service
        return source.backend_status(self.name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({self.name!r})>"


#: The official client's name for the same class.
IBMBackend = RuntimeBackend


# --- target construction --------------------------------------------------------------------------


def _parse_online_date(text: str | None) -> datetime | None:
    """``online_date`` as a datetime; ``None`` when absent or not ISO-8601 (it is informative)."""
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        return None


def _resolve_operations(configuration: BackendConfiguration) -> dict[str, Any]:
    """Map each instruction name the backend supports to its qiskit operation.

    Unknown names in ``basis_gates`` are skipped with a ``RuntimeWarning``; names in
    ``supported_instructions`` that are neither gates, non-unitaries nor control flow (pulse
    commands such as ``play``, IBM-specific ``measure_2``) are not ISA instructions and are
    ignored without a warning.
    """
    standard = get_standard_gate_name_mapping()
    supported = configuration.supported_instructions
    operations: dict[str, Any] = {}
    for name in configuration.basis_gates:
        if name in standard:
            operations[name] = standard[name]
        else:
            warnings.warn(
                f"Backend {configuration.backend_name!r}: basis gate {name!r} is not a qiskit "
                "standard gate; it is left out of the backend's target.",
                RuntimeWarning,
                stacklevel=3,
            )
    # Every backend measures. One that does not list its instructions gets reset and delay too,
    # as the official client assumes.
    listed = _NON_UNITARY if supported is None else [n for n in supported if n in _NON_UNITARY]
    for name in ("measure", *listed):
        operations.setdefault(name, standard[name])
    for name in supported or ():
        if name in _CONTROL_FLOW:
            operations[name] = _CONTROL_FLOW[name]
    return operations


def _build_target(
    configuration: BackendConfiguration,
    properties: BackendProperties | None,
    operations: Mapping[str, Any],
) -> Target:
    n_qubits = configuration.n_qubits
    calibration = _Calibration(properties, n_qubits)
    gate_configs = {str(gate["name"]): gate for gate in configuration.gates if "name" in gate}
    # Not a declared field of the wire model: it rides along in the extras.
    timing = (configuration.model_extra or {}).get("timing_constraints")
    timing_kwargs: dict[str, int] = {}
    if isinstance(timing, dict):
        timing_kwargs = {key: int(timing[key]) for key in _TIMING_KEYS if key in timing}
    target = Target(
        description=configuration.description,
        num_qubits=n_qubits,
        # IBM configurations give dt in nanoseconds; Target wants seconds.
        dt=None if configuration.dt is None else configuration.dt * 1e-9,
        qubit_properties=calibration.qubit_properties(),
        **timing_kwargs,
    )
    for name, operation in operations.items():
        if name in _CONTROL_FLOW:
            # Control flow has no qubits of its own; qiskit adds it by class, globally.
            target.add_instruction(operation, name=name)
            continue
        entry = _place(name, operation, configuration, gate_configs, calibration)
        if entry is not None:
            target.add_instruction(entry[0], entry[1], name=name)
    return target


def _place(
    name: str,
    operation: Any,
    configuration: BackendConfiguration,
    gate_configs: Mapping[str, Mapping[str, Any]],
    calibration: _Calibration,
) -> _Entry | None:
    """The qargs and properties of one instruction (see the module docstring for the rules)."""
    if configuration.coupling_map is None and not calibration.present:
        # An ideal simulator: every instruction is global, as Target.from_configuration does.
        return operation, None
    width: int = operation.num_qubits
    n_qubits = configuration.n_qubits
    qargs: Iterable[_Qargs]
    gate_map = gate_configs.get(name, {}).get("coupling_map")
    if name in _NON_UNITARY:
        qargs = [(q,) for q in range(n_qubits)]
    elif gate_map:
        qargs = [tuple(edge) for edge in gate_map]
    elif calibration.has_gate(name):
        qargs = calibration.gate_qargs(name)
    elif configuration.coupling_map is None:
        return operation, None
    elif width == 1:
        qargs = [(q,) for q in range(n_qubits)]
    elif width == 2:
        qargs = [(edge[0], edge[1]) for edge in configuration.coupling_map]
    else:
        warnings.warn(
            f"Backend {configuration.backend_name!r}: basis gate {name!r} acts on {width} "
            "qubits but the configuration does not say on which; it is left out of the "
            "backend's target.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    placed = {
        q: calibration.instruction_properties(name, q) for q in qargs if calibration.usable(name, q)
    }
    return operation, placed


class _Calibration:
    """The properties document indexed for target construction, in SI units."""

    def __init__(self, properties: BackendProperties | None, n_qubits: int) -> None:
        self.present = properties is not None
        self._n_qubits = n_qubits
        self._qubits: list[dict[str, Nduv]] = []
        self._gates: dict[str, dict[_Qargs, dict[str, Nduv]]] = {}
        self._faulty_qubits: set[int] = set()
        if properties is None:
            return
        self._qubits = [{item.name: item for item in qubit} for qubit in properties.qubits]
        for index, values in enumerate(self._qubits):
            if _is_down(values):
                self._faulty_qubits.add(index)
        for gate in properties.gates:
            params = {item.name: item for item in gate.parameters}
            self._gates.setdefault(gate.gate, {})[tuple(gate.qubits)] = params

    def has_gate(self, name: str) -> bool:
        return bool(self._gates.get(name))

    def gate_qargs(self, name: str) -> list[_Qargs]:
        return list(self._gates.get(name, {}))

    def usable(self, name: str, qargs: _Qargs) -> bool:
        """False for qargs outside the device, on a faulty qubit, or of a gate marked down."""
        if any(not 0 <= q < self._n_qubits or q in self._faulty_qubits for q in qargs):
            return False
        return not _is_down(self._gates.get(name, {}).get(qargs, {}))

    def instruction_properties(self, name: str, qargs: _Qargs) -> InstructionProperties | None:
        if name == "measure":
            # Readout calibration lives with the qubit, not in the gate list.
            values = self._qubits[qargs[0]] if qargs[0] < len(self._qubits) else {}
            error, duration = values.get("readout_error"), values.get("readout_length")
        else:
            values = self._gates.get(name, {}).get(qargs, {})
            error, duration = values.get("gate_error"), values.get("gate_length")
        if error is None and duration is None:
            return None
        return InstructionProperties(error=_si(error), duration=_si(duration))

    def qubit_properties(self) -> list[QubitProperties] | None:
        if not self.present:
            return None
        result = []
        for index in range(self._n_qubits):
            values = self._qubits[index] if index < len(self._qubits) else {}
            result.append(
                QubitProperties(
                    t1=_si(values.get("T1")),
                    t2=_si(values.get("T2")),
                    frequency=_si(values.get("frequency")),
                )
            )
        return result


def _is_down(values: Mapping[str, Nduv]) -> bool:
    operational = values.get("operational")
    return operational is not None and operational.value == 0


def _si(item: Nduv | None) -> float | None:
    """The value in SI units, or ``None`` (with a warning) for a unit this module does not know."""
    if item is None:
        return None
    scale = _UNIT_SCALE.get(item.unit)
    if scale is None:
        warnings.warn(
            f"Backend property {item.name!r} has unknown unit {item.unit!r}; it is ignored.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return item.value * scale
