"""The fake's backends: what each one is (a ``BackendV2``) and what it serves.

The default catalogue is three noisy ``GenericBackendV2`` devices (5, 27 and 127 qubits, on
IBM-like coupling maps and basis gates) and ``ibmq_qasm_simulator``, an ideal all-to-all simulator.
Official fake backends (``"fake_brisbane"``...) come from ``qiskit_ibm_runtime`` (the ``compat``
extra), imported only when one is asked for.

A backend's wire data is made in ``snapshots.py``; ``TargetBackend`` (re-exported here) is in
``target_backend.py``, and the ISA check in ``isa.py``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qiskit import circuit as qc
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.providers import BackendV2, Options
from qiskit.transpiler import Target

from ...errors import BackendNotFoundError
from ...wire.models import BackendConfiguration, BackendProperties
from .isa import check_isa
from .shared import SHARED, SharedCache, target_fingerprint
from .snapshots import CALIBRATION_DATE as CALIBRATION_DATE
from .snapshots import ONLINE_DATE as ONLINE_DATE
from .snapshots import configuration_from_target, official_snapshot, properties_from_target
from .target_backend import TargetBackend

__all__ = [
    "DEFAULT_BACKENDS",
    "BackendEntry",
    "DeviceBackend",
    "TargetBackend",
    "build_catalogue",
    "default_backend_name",
    "ideal_simulator",
]

#: The default catalogue, in the order the service lists it.
DEFAULT_BACKENDS = ("generic_5q", "generic_27q", "generic_127q", "ibmq_qasm_simulator")
HERON_BASIS = ("cz", "id", "rz", "sx", "x")
EAGLE_BASIS = ("ecr", "id", "rz", "sx", "x")


class DeviceBackend(TargetBackend):
    """A default device of the fake: a ``Target`` (shared by every fake of the process) that also
    runs circuits locally, on Aer with the noise its target describes, as ``GenericBackendV2``
    does. Jobs sent to the fake never go through ``run``: the fake executes them itself."""

    def __init__(self, name: str, target: Target, *, backend_version: str = "1.0.0") -> None:
        super().__init__(name, target, backend_version=backend_version)
        self._simulator: Any = None

    @classmethod
    def _default_options(cls) -> Options:
        return Options(shots=1024, seed_simulator=None)

    def run(self, run_input: Any, **options: Any) -> Any:
        if self._simulator is None:
            from .aer import local_simulator  # Aer is imported in aer.py only

            self._simulator = local_simulator(self)
        return self._simulator.run(run_input, **{**self.options.__dict__, **options})


def ideal_simulator(name: str = "ibmq_qasm_simulator", num_qubits: int = 32) -> TargetBackend:
    """An ideal simulator: IBM basis gates on every qubit (pair), no coupling map, no noise."""
    target = Target(description="ideal simulator", num_qubits=num_qubits)
    gates = get_standard_gate_name_mapping()
    # Properties None make an instruction global (any qubits): that is what "all-to-all" means.
    for gate_name in HERON_BASIS:
        target.add_instruction(gates[gate_name], None, name=gate_name)
    for instruction in (qc.Measure(), qc.Reset(), qc.Delay(qc.Parameter("t"))):
        target.add_instruction(instruction, None)
    flows = {"if_else": qc.IfElseOp, "while_loop": qc.WhileLoopOp, "for_loop": qc.ForLoopOp}
    for flow_name, flow in {**flows, "switch_case": qc.SwitchCaseOp}.items():
        target.add_instruction(flow, name=flow_name)
    return TargetBackend(name, target, backend_version="0.1.547")


# --- the default devices ----------------------------------------------------------------------


def _both_ways(edges: Sequence[tuple[int, int]]) -> list[list[int]]:
    return [list(pair) for a, b in edges for pair in ((a, b), (b, a))]


#: The 5-qubit T of the Falcon r4T devices (Belem, Quito, Lima).
_T_SHAPE = ((0, 1), (1, 2), (1, 3), (3, 4))
#: The 27-qubit heavy-hex lattice of the Falcon r5 devices.
_FALCON_27 = ((0, 1), (1, 2), (1, 4), (2, 3), (3, 5), (4, 7), (5, 8), (6, 7), (7, 10), (8, 9),
              (8, 11), (10, 12), (11, 14), (12, 13), (12, 15), (13, 14), (14, 16), (15, 18),
              (16, 19), (17, 18), (18, 21), (19, 20), (19, 22), (21, 23), (22, 25), (23, 24),
              (24, 25), (25, 26))  # fmt: skip


def _eagle_127() -> list[tuple[int, int]]:
    """The 127-qubit heavy-hex lattice of the Eagle devices, 144 directed edges.

    Seven rows of qubits (14, then 15 five times, then 14) joined by four bridge qubits between
    each pair of rows, on columns 0, 4, 8, 12 below even rows and 2, 6, 10, 14 below odd ones.
    """
    row = {c: c for c in range(14)}
    edges = [(row[c], row[c + 1]) for c in range(13)]
    index = 14
    for r in range(6):
        bridges = {c: index + k for k, c in enumerate(range(r % 2 * 2, 15, 4))}
        span = range(15) if r < 5 else range(1, 15)
        below = {c: index + 4 + k for k, c in enumerate(span)}
        index += 4 + len(span)
        edges += [(below[c], below[c + 1]) for c in span if c + 1 in below]
        # ECR is directed: bridges point down from even rows and up into odd ones, so a
        # transpiler must flip some gates, as on the real devices.
        edges += [(row[c], q) if r % 2 == 0 else (q, row[c]) for c, q in bridges.items()]
        edges += [(q, below[c]) for c, q in bridges.items()]
        row = below
    return edges


def _default_backend(name: str, seed: int, shared: SharedCache = SHARED) -> BackendV2:
    """A default device: its own ``BackendV2`` around the process's shared ``Target`` for it."""
    target = shared.get(("default target", name, seed), lambda: _build_default(name, seed).target)
    if name == "ibmq_qasm_simulator":
        return TargetBackend(name, target, backend_version="0.1.547")
    return DeviceBackend(name, target)


def _build_default(name: str, seed: int) -> BackendV2:
    if name == "ibmq_qasm_simulator":
        return ideal_simulator(name)
    from qiskit.providers.fake_provider import GenericBackendV2

    if name == "generic_5q":
        basis, edges, n = HERON_BASIS, _both_ways(_T_SHAPE), 5
    elif name == "generic_27q":
        basis, edges, n = HERON_BASIS, _both_ways(_FALCON_27), 27
    else:
        basis, edges, n = EAGLE_BASIS, [list(e) for e in _eagle_127()], 127
    # seed + n: each device its own calibration, all of them fixed by ``seed``.
    backend = GenericBackendV2(n, list(basis), coupling_map=edges, control_flow=True, seed=seed + n)
    backend.name = name  # Aer's noise model and error messages name it too
    return backend


# --- official fake backends (the compat extra) -------------------------------------------------


def _official_fakes() -> dict[str, type[BackendV2]] | None:
    """Official fake backend classes by backend name; None without ``qiskit_ibm_runtime``."""
    try:
        from qiskit_ibm_runtime import fake_provider
        from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2
    except ImportError:
        return None
    found: dict[str, type[BackendV2]] = {}
    for attr in dir(fake_provider):
        cls = getattr(fake_provider, attr)
        name = getattr(cls, "backend_name", None)
        if isinstance(cls, type) and issubclass(cls, FakeBackendV2) and isinstance(name, str):
            found[name] = cls
    return found


# --- entries ----------------------------------------------------------------------------------


@dataclass(eq=False)
class BackendEntry:
    """A backend of the fake: its ``BackendV2`` (run on, ISA-checked against) and its wire data."""

    name: str
    backend: BackendV2
    simulator: bool = False
    backend_version: str = "1.0.0"
    #: What identifies the backend's contents (see ``content_key``); set for default devices.
    known_key: Hashable | None = field(default=None, repr=False)
    shared: SharedCache = field(default=SHARED, repr=False)
    _key: list[Hashable] = field(default_factory=list, init=False, repr=False)

    @property
    def num_qubits(self) -> int:
        return int(self.backend.num_qubits)

    @property
    def content_key(self) -> Hashable:
        """A key equal for backends with equal contents: what shared data is cached under."""
        if not self._key:
            if self.known_key is not None:
                key: Hashable = self.known_key
            elif official_snapshot(self.backend, "conf_filename") is not None:
                key = ("official", type(self.backend).__qualname__)
            else:
                key = ("target", target_fingerprint(self.backend.target))
            self._key.append(key)
        return self._key[0]

    def isa_problems(self, circuit: qc.QuantumCircuit) -> list[str]:
        """Why ``circuit`` does not run as it is on this backend (``isa.py``); empty if it does."""
        return check_isa(circuit, self.backend.target, self.name)

    def configuration(self) -> BackendConfiguration:
        """The ``QasmBackendConfiguration`` the service serves (shared by equal backends)."""
        key = ("configuration", self.content_key, self.name, self.simulator, self.backend_version)
        return self.shared.get(key, self._build_configuration)

    def _build_configuration(self) -> BackendConfiguration:
        raw = official_snapshot(self.backend, "conf_filename")
        raw = configuration_from_target(self) if raw is None else raw
        raw["backend_name"] = self.name  # a snapshot names the real device
        return BackendConfiguration.model_validate(raw)

    def properties(self) -> BackendProperties | None:
        """The ``BackendProperties`` the service serves (shared); None for an ideal simulator."""
        key = ("properties", self.content_key, self.name, self.simulator, self.backend_version)
        return self.shared.get(key, self._build_properties)

    def _build_properties(self) -> BackendProperties | None:
        raw = official_snapshot(self.backend, "props_filename")
        if raw is None and not self.simulator:
            raw = properties_from_target(self)
        if raw is not None:
            raw["backend_name"] = self.name
        return None if raw is None else BackendProperties.model_validate(raw)


# --- the catalogue ----------------------------------------------------------------------------


def _looks_ideal(backend: BackendV2) -> bool:
    """No coupling map and no errors: an ideal simulator such as a plain ``AerSimulator()``."""
    target = backend.target
    if target.build_coupling_map() is not None:
        return False
    return not any(
        props is not None and props.error
        for name in target.operation_names
        for props in (target[name] or {}).values()
    )


def build_catalogue(
    backends: Mapping[str, BackendV2] | Sequence[str] | None = None,
    *,
    seed: int = 0,
    shared: SharedCache = SHARED,
) -> dict[str, BackendEntry]:
    """The fake's backends by name.

    ``None``: the default catalogue (:data:`DEFAULT_BACKENDS`). A sequence of names: from the
    default catalogue, or official fake backends (``"fake_brisbane"``, with the compat extra). A
    mapping: your names for your ``BackendV2`` objects; their wire data is generated from their
    targets (or, for official fake backends, is their snapshots). ``seed`` fixes the calibration
    data of the generic devices. ``shared`` caches immutable data (``core/shared.py``).
    """
    if backends is None:
        backends = DEFAULT_BACKENDS
    if isinstance(backends, str):
        backends = [backends]  # a lone name is a common slip for a list of one
    if not isinstance(backends, Mapping):
        backends = list(backends)
    if len(backends) == 0:
        # A fake without backends can run nothing, and every job would be a puzzling 404.
        raise ValueError(
            f"FakeRuntime: backends is empty ({backends!r}); give at least one name "
            f"(from {', '.join(DEFAULT_BACKENDS)}, or an official fake such as 'fake_brisbane'), "
            "a mapping of names to BackendV2 objects, or None for the default catalogue"
        )
    catalogue: dict[str, BackendEntry] = {}
    if isinstance(backends, Mapping):
        for name, backend in backends.items():
            if not isinstance(backend, BackendV2):
                raise TypeError(
                    f"Backend {name!r} is a {type(backend).__name__}; give BackendV2 objects "
                    "(GenericBackendV2, AerSimulator.from_backend(...), a fake backend)."
                )
            catalogue[name] = _entry(name, backend, _looks_ideal(backend), shared=shared)
        return catalogue
    official: dict[str, type[BackendV2]] | None = None
    for name in backends:
        if name in DEFAULT_BACKENDS:
            backend = _default_backend(name, seed, shared)
            simulator = name == DEFAULT_BACKENDS[-1]
            key = ("default", name, seed)
            catalogue[name] = _entry(name, backend, simulator, key=key, shared=shared)
            continue
        official = _official_fakes() if official is None else official
        if official is None or name not in official:
            raise BackendNotFoundError(_unknown_backend_message(name, official))
        catalogue[name] = _entry(name, official[name](), False, shared=shared)
    return catalogue


def _entry(
    name: str,
    backend: BackendV2,
    simulator: bool,
    *,
    key: Hashable | None = None,
    shared: SharedCache,
) -> BackendEntry:
    version = backend.backend_version or "1.0.0"
    return BackendEntry(
        name=name,
        backend=backend,
        simulator=simulator,
        backend_version=version,
        known_key=key,
        shared=shared,
    )


def _unknown_backend_message(name: str, official: Mapping[str, object] | None) -> str:
    message = f"No backend named {name!r}. Available: {', '.join(DEFAULT_BACKENDS)}"
    if official is None:
        message += (
            "; official fake backends (e.g. 'fake_brisbane') need qiskit-ibm-runtime: "
            "pip install 'qiskit-runtime-double[compat]'"
        )
    else:
        message += f"; official fake backends: {', '.join(sorted(official))}"
    return message + (
        ". To add your own, pass a mapping of names to BackendV2 objects, e.g. "
        "backends={'my_device': GenericBackendV2(5)}."
    )


def default_backend_name(catalogue: Mapping[str, BackendEntry]) -> str:
    """The backend of a job that names none: the smallest device (a simulator if there are none)."""
    if not catalogue:
        raise ValueError("The catalogue is empty: there is no backend to default to.")
    devices = [entry for entry in catalogue.values() if not entry.simulator]
    return min(devices or catalogue.values(), key=lambda entry: entry.num_qubits).name
