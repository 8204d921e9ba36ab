"""A backend's wire data: the ``configuration`` and ``properties`` documents the service serves.

An official fake backend has JSON snapshots of a real device, served as they are; for any other
backend they are generated from its ``Target``, in the shapes IBM's service writes.
"""

from __future__ import annotations

import json
import os
from typing import Any, Protocol

from qiskit import circuit as qc
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.providers import BackendV2

__all__ = [
    "CALIBRATION_DATE",
    "ONLINE_DATE",
    "configuration_from_target",
    "official_snapshot",
    "official_snapshot_of",
    "properties_from_target",
]

#: Fixed dates, so generated configurations and properties are reproducible byte for byte.
ONLINE_DATE = "2024-01-01T00:00:00Z"
CALIBRATION_DATE = "2025-01-01T00:00:00Z"
#: The non-gate instructions a configuration lists (the official client warns about others).
_WIRE_NON_GATES = ("delay", "measure", "reset", "if_else", "while_loop", "for_loop", "switch_case")
_TIMING = ("granularity", "min_length", "pulse_alignment", "acquire_alignment")


class Described(Protocol):
    """What a backend's documents are made from (a ``catalogue.BackendEntry`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def backend(self) -> BackendV2: ...

    @property
    def simulator(self) -> bool: ...

    @property
    def version(self) -> str: ...


def official_snapshot(backend: BackendV2, which: str) -> dict[str, Any] | None:
    """An official fake backend's JSON snapshot (``which``: conf_filename or props_filename)."""
    # Class attributes: FakeBackendV2.__getattr__ would ask its configuration.
    return official_snapshot_of(type(backend), which)


def official_snapshot_of(kind: object, which: str) -> dict[str, Any] | None:
    """``official_snapshot`` from the official fake's class (or an ``OfficialDevice``), without
    making one."""
    directory, filename = getattr(kind, "dirname", None), getattr(kind, which, None)
    if not isinstance(directory, str) or not isinstance(filename, str):
        return None
    with open(os.path.join(directory, filename), encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def configuration_from_target(entry: Described) -> dict[str, Any]:
    target = entry.backend.target
    basis: list[str] = []
    others: list[str] = []
    gates: list[dict[str, Any]] = []
    edges: set[tuple[int, int]] = set()
    all_to_all = False
    standard = get_standard_gate_name_mapping()
    for name in sorted(target.operation_names):
        operation = target.operation_from_name(name)
        if not isinstance(operation, qc.Gate):
            others += [name] if name in _WIRE_NON_GATES else []  # what IBM's clients can read
            continue
        if name not in standard:  # e.g. Aer's "unitary": IBM's clients drop it, with a warning
            continue
        basis.append(name)
        qargs = target.qargs_for_operation_name(name)
        params = [p.name for p in operation.params if isinstance(p, qc.Parameter)]
        # IBM's GateConfig shape, which the official client reads with GateConfig(**entry).
        config: dict[str, Any] = {"name": name, "parameters": params, "qasm_def": ""}
        if qargs is not None:  # None: a global gate, which clients read as "any qubits"
            config["coupling_map"] = [list(q) for q in sorted(qargs)]
        gates.append(config)
        if operation.num_qubits == 2:
            all_to_all = all_to_all or qargs is None
            edges.update((q[0], q[1]) for q in qargs or ())
    dt_ns = target.dt * 1e9 if target.dt else None  # the wire format counts dt in nanoseconds
    return {
        "backend_name": entry.name,
        "backend_version": entry.version,
        "n_qubits": target.num_qubits,
        "basis_gates": basis,
        "coupling_map": None if all_to_all or entry.simulator else [list(e) for e in sorted(edges)],
        "simulator": entry.simulator,
        "gates": gates,
        "supported_instructions": [*basis, *others, "barrier"],
        "dt": dt_ns,
        "dtm": dt_ns,
        "processor_type": None if entry.simulator else {"family": "Generic", "revision": 1},
        "online_date": ONLINE_DATE,
        "description": entry.backend.description or f"{target.num_qubits} qubit device",
        "supported_features": ["qasm3"] if "if_else" in others else [],
        "timing_constraints": {name: getattr(target, name) for name in _TIMING},
    }


#: Target ``QubitProperties`` as IBM properties: (name, attribute, unit, scale from SI).
_QUBIT_PROPERTIES = (
    ("T1", "t1", "us", 1e6),
    ("T2", "t2", "us", 1e6),
    ("frequency", "frequency", "GHz", 1e-9),
)


def _nduv(name: str, unit: str, value: float) -> dict[str, Any]:
    return {"date": CALIBRATION_DATE, "name": name, "unit": unit, "value": float(value)}


def properties_from_target(entry: Described) -> dict[str, Any] | None:
    """IBM-style calibration data from the target's qubit and instruction properties.

    Units as the service writes them (clients convert): T1/T2 in us, frequency in GHz, lengths in
    ns. Readout errors are symmetric, as the target (and so Aer's noise model) has them.
    """
    target = entry.backend.target
    measured = target["measure"] if "measure" in target.operation_names else {}
    qubit_props = target.qubit_properties or [None] * target.num_qubits
    qubits: list[list[dict[str, Any]]] = []
    for q, prop in enumerate(qubit_props):
        found = []
        for name, attr, unit, scale in _QUBIT_PROPERTIES:
            if (value := getattr(prop, attr, None)) is not None:
                found.append(_nduv(name, unit, value * scale))
        readout = measured.get((q,))
        if readout is not None and readout.error is not None:
            for name in ("readout_error", "prob_meas0_prep1", "prob_meas1_prep0"):
                found.append(_nduv(name, "", readout.error))
        if readout is not None and readout.duration is not None:
            found.append(_nduv("readout_length", "ns", readout.duration * 1e9))
        qubits.append(found)
    gates: list[dict[str, Any]] = []
    for name in sorted(set(target.operation_names) - {"measure", "delay"}):
        for qargs, inst in sorted((target[name] or {}).items(), key=lambda item: item[0] or ()):
            if qargs is None or inst is None:
                continue
            params = [] if inst.error is None else [_nduv("gate_error", "", inst.error)]
            if inst.duration is not None:
                params.append(_nduv("gate_length", "ns", inst.duration * 1e9))
            label = name + "_".join(str(q) for q in qargs)  # IBM's names: "sx0", "ecr1_0"
            if params:
                gates.append(
                    {"gate": name, "qubits": list(qargs), "parameters": params, "name": label}
                )
    if not gates and not any(qubits):
        return None  # no calibration data at all: nothing to serve
    return {
        "backend_name": entry.name,
        "backend_version": entry.version,
        "last_update_date": CALIBRATION_DATE,
        "qubits": qubits,
        "gates": gates,
        "general": [],
    }
