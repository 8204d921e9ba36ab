"""RuntimeBackend: a BackendV2 whose Target the transpiler can compile ISA circuits for.

The oracle is the official client: its fake backends ship the IBM JSON snapshots
(``conf_*.json``, ``props_*.json``) that our wire models read, and its own target for them.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double.backend import IBMBackend, RuntimeBackend
from qiskit_runtime_double.errors import IBMRuntimeError
from qiskit_runtime_double.wire.models import BackendConfiguration, BackendProperties

# Brisbane: ecr (directed), Eagle. Torino: cz, Heron. Cairo: cx on some edges, ecr on others.
# Manila: small, cx.
OFFICIAL = ["FakeBrisbane", "FakeTorino", "FakeCairoV2", "FakeManilaV2"]


@functools.cache
def _official(class_name: str) -> Any:
    fake_provider = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    return getattr(fake_provider, class_name)()


@functools.cache
def _snapshot(class_name: str) -> tuple[BackendConfiguration, BackendProperties]:
    """The official fake backend's JSON files, validated into our wire models."""
    official = _official(class_name)
    folder = Path(official.dirname)
    conf = json.loads((folder / official.conf_filename).read_text(encoding="utf-8"))
    props = json.loads((folder / official.props_filename).read_text(encoding="utf-8"))
    return BackendConfiguration.model_validate(conf), BackendProperties.model_validate(props)


def _ours(class_name: str) -> RuntimeBackend:
    configuration, properties = _snapshot(class_name)
    return RuntimeBackend(configuration, properties)


def _bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def _ghz(n: int) -> QuantumCircuit:
    circuit = QuantumCircuit(n)
    circuit.h(0)
    for i in range(n - 1):
        circuit.cx(i, i + 1)
    circuit.measure_all()
    return circuit


def _unsupported(circuit: QuantumCircuit, target: Any) -> list[tuple[str, tuple[int, ...]]]:
    """Instructions of ``circuit`` that ``target`` does not support (directives excepted)."""
    missing = []
    for instruction in circuit.data:
        if getattr(instruction.operation, "_directive", False):
            continue  # barriers: not ISA instructions, every backend accepts them
        qargs = tuple(circuit.find_bit(q).index for q in instruction.qubits)
        if not target.instruction_supported(instruction.operation.name, qargs):
            missing.append((instruction.operation.name, qargs))
    return missing


def _qargs(target: Any, name: str) -> set[tuple[int, ...]] | None:
    """Where ``target`` places instruction ``name``; ``None`` for a global instruction."""
    qargs = target.qargs_for_operation_name(name)
    return None if qargs is None else set(qargs)


def _simulator_config(**overrides: Any) -> BackendConfiguration:
    data: dict[str, Any] = {
        "backend_name": "ideal_sim",
        "backend_version": "0.1.0",
        "n_qubits": 5,
        "basis_gates": ["cx", "id", "rz", "sx", "x", "measure", "reset", "delay"],
        "coupling_map": None,
        "simulator": True,
        "max_experiments": 50,
    }
    data.update(overrides)
    return BackendConfiguration.model_validate(data)


def _nduv(name: str, unit: str, value: float) -> dict[str, Any]:
    return {"date": "2025-01-01T00:00:00Z", "name": name, "unit": unit, "value": value}


def _line_device(
    qubit_extra: dict[int, list[dict[str, Any]]] | None = None,
) -> tuple[BackendConfiguration, BackendProperties]:
    """A 3-qubit line 0-1-2 (both directions), calibrated, with optional extra qubit values."""
    edges = [[0, 1], [1, 0], [1, 2], [2, 1]]
    configuration = BackendConfiguration.model_validate(
        {
            "backend_name": "line_3q",
            "n_qubits": 3,
            "basis_gates": ["cz", "rz", "sx", "x"],
            "coupling_map": edges,
            "supported_instructions": ["cz", "rz", "sx", "x", "measure", "delay"],
            "dt": 4.0,
        }
    )
    qubits = [
        [
            _nduv("T1", "\u00b5s", 100.0 + q),
            _nduv("T2", "us", 50.0 + q),
            _nduv("frequency", "GHz", 5.0),
            _nduv("readout_error", "", 0.01),
            _nduv("readout_length", "ns", 1000),
            *(qubit_extra or {}).get(q, []),
        ]
        for q in range(3)
    ]
    gates = [
        {"gate": name, "qubits": [q], "parameters": [_nduv("gate_error", "", 1e-4)]}
        for name in ("sx", "x", "rz")
        for q in range(3)
    ] + [
        {
            "gate": "cz",
            "qubits": edge,
            "parameters": [_nduv("gate_error", "", 3e-3), _nduv("gate_length", "ns", 68)],
        }
        for edge in edges
    ]
    properties = BackendProperties.model_validate(
        {
            "backend_name": "line_3q",
            "last_update_date": "2025-01-01T00:00:00Z",
            "qubits": qubits,
            "gates": gates,
        }
    )
    return configuration, properties


# --- against the official fake backends ----------------------------------------------------------


@pytest.mark.compat
@pytest.mark.parametrize("class_name", OFFICIAL)
def test_shape_matches_the_configuration_and_the_official_target(class_name: str) -> None:
    configuration, _ = _snapshot(class_name)
    backend = _ours(class_name)
    official = _official(class_name)

    assert backend.name == configuration.backend_name
    assert backend.num_qubits == configuration.n_qubits == backend.target.num_qubits
    assert backend.max_circuits == configuration.max_experiments
    assert backend.backend_version == configuration.backend_version
    assert configuration.coupling_map is not None
    edges = set(backend.coupling_map.get_edges())
    if class_name == "FakeCairoV2":
        # Its per-gate maps leave out two couplers of the global map; so does the official target.
        assert edges < {tuple(e) for e in configuration.coupling_map}
    else:
        assert edges == {tuple(e) for e in configuration.coupling_map}
    assert edges == set(official.target.build_coupling_map().get_edges())
    # The wire's dt is in nanoseconds, the target's in seconds.
    assert configuration.dt is not None
    assert backend.dt == pytest.approx(configuration.dt * 1e-9)
    assert backend.target.dt == pytest.approx(official.target.dt)
    # Same instruction placement as the official client (its IBM-only extras aside).
    for name in backend.target.operation_names:
        assert _qargs(backend.target, name) == _qargs(official.target, name), name


@pytest.mark.compat
@pytest.mark.parametrize("class_name", OFFICIAL)
def test_transpiled_bell_is_isa_for_the_official_target(class_name: str) -> None:
    backend = _ours(class_name)
    pass_manager = generate_preset_pass_manager(
        backend=backend, optimization_level=1, seed_transpiler=7
    )

    isa = pass_manager.run(_bell())

    assert _unsupported(isa, _official(class_name).target) == []
    assert isa.count_ops().get("measure") == 2


@pytest.mark.compat
@pytest.mark.parametrize("optimization_level", [2, 3])
@pytest.mark.parametrize("class_name", ["FakeBrisbane", "FakeTorino"])
def test_higher_optimization_levels_also_yield_isa_circuits(
    class_name: str, optimization_level: int
) -> None:
    # Not Cairo: qiskit cannot route a GHZ on its mixed directed cx/ecr couplers at any level,
    # with the official target just as with ours.
    backend = _ours(class_name)
    pass_manager = generate_preset_pass_manager(
        backend=backend, optimization_level=optimization_level, seed_transpiler=7
    )

    isa = pass_manager.run(_ghz(6))

    assert _unsupported(isa, _official(class_name).target) == []


@pytest.mark.compat
def test_calibration_values_are_carried_over_in_si_units() -> None:
    configuration, properties = _snapshot("FakeBrisbane")
    target = _ours("FakeBrisbane").target
    official = _official("FakeBrisbane").target

    sx = next(g for g in properties.gates if g.gate == "sx" and g.qubits == [0])
    raw = {p.name: p for p in sx.parameters}
    assert raw["gate_length"].unit == "ns"
    assert target["sx"][(0,)].error == raw["gate_error"].value
    assert target["sx"][(0,)].duration == pytest.approx(raw["gate_length"].value * 1e-9)

    assert configuration.coupling_map is not None
    edge = tuple(configuration.coupling_map[0])
    ecr = next(g for g in properties.gates if g.gate == "ecr" and tuple(g.qubits) == edge)
    assert target["ecr"][edge].error == {p.name: p.value for p in ecr.parameters}["gate_error"]
    assert target["ecr"][edge].duration == pytest.approx(official["ecr"][edge].duration)

    qubit0 = {p.name: p for p in properties.qubits[0]}
    assert target["measure"][(0,)].error == qubit0["readout_error"].value
    assert target["measure"][(0,)].duration == pytest.approx(official["measure"][(0,)].duration)
    ours_q0, theirs_q0 = target.qubit_properties[0], official.qubit_properties[0]
    assert qubit0["T1"].unit == "us"
    assert ours_q0.t1 == pytest.approx(qubit0["T1"].value * 1e-6)
    assert ours_q0.t2 == pytest.approx(theirs_q0.t2)
    assert ours_q0.frequency == pytest.approx(theirs_q0.frequency)


@pytest.mark.compat
def test_per_gate_coupling_maps_win_over_the_global_one() -> None:
    configuration, _ = _snapshot("FakeCairoV2")
    target = _ours("FakeCairoV2").target
    assert configuration.coupling_map is not None
    cx_edges = set(target.qargs_for_operation_name("cx"))
    ecr_edges = set(target.qargs_for_operation_name("ecr"))

    # Cairo runs cx on some couplers and ecr on the others; neither covers the whole map.
    assert cx_edges and ecr_edges
    assert cx_edges.isdisjoint(ecr_edges)
    assert cx_edges | ecr_edges <= {tuple(e) for e in configuration.coupling_map}
    official = _official("FakeCairoV2").target
    assert cx_edges == set(official.qargs_for_operation_name("cx"))
    assert ecr_edges == set(official.qargs_for_operation_name("ecr"))


@pytest.mark.compat
def test_control_flow_listed_by_the_backend_is_in_the_target() -> None:
    target = _ours("FakeBrisbane").target

    assert {"if_else", "for_loop", "switch_case"} <= set(target.operation_names)
    assert target.instruction_supported("if_else")


# --- synthetic configurations ---------------------------------------------------------------------


def test_ideal_simulator_accepts_a_cx_on_any_pair() -> None:
    backend = RuntimeBackend(_simulator_config())
    target = backend.target

    assert backend.num_qubits == 5
    assert backend.properties() is None
    assert backend.coupling_map is None
    for qargs in [(0, 1), (4, 0), (2, 3), (3, 1)]:
        assert target.instruction_supported("cx", qargs)
    assert target.instruction_supported("measure", (4,))
    # No routing needed: a 5-qubit GHZ keeps its 4 CNOTs on their original pairs.
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(_ghz(5))
    assert isa.count_ops()["cx"] == 4
    assert _unsupported(isa, target) == []


def test_simulator_measures_even_when_it_does_not_list_measure() -> None:
    target = RuntimeBackend(_simulator_config(basis_gates=["cx", "rz", "sx", "x"])).target

    assert target.instruction_supported("measure", (3,))
    # supported_instructions is absent: reset and delay are assumed, as the official client does.
    assert {"reset", "delay"} <= set(target.operation_names)


def test_run_is_refused_with_a_pointer_to_the_primitives() -> None:
    backend = RuntimeBackend(_simulator_config())

    with pytest.raises(IBMRuntimeError, match=r"backend\.run\(\) is not supported.*SamplerV2"):
        backend.run(_bell())


def test_unknown_basis_gate_is_skipped_with_a_warning_naming_it() -> None:
    config = _simulator_config(basis_gates=["cx", "rz", "sx", "x", "fancy_gate", "measure"])

    with pytest.warns(RuntimeWarning, match=r"'ideal_sim'.*'fancy_gate'"):
        backend = RuntimeBackend(config)

    assert "fancy_gate" not in backend.target.operation_names
    assert {"cx", "rz", "sx", "x", "measure"} <= set(backend.target.operation_names)


def test_gate_wider_than_two_qubits_without_placement_is_skipped_with_a_warning() -> None:
    configuration, properties = _line_device()
    configuration = configuration.model_copy(update={"basis_gates": ["cz", "rz", "sx", "ccx"]})
    backend = RuntimeBackend(configuration, properties)

    with pytest.warns(RuntimeWarning, match=r"'ccx' acts on 3 qubits"):
        target = backend.target

    assert "ccx" not in target.operation_names


def test_calibration_units_and_dt_are_converted_to_si() -> None:
    backend = RuntimeBackend(*_line_device())
    target = backend.target

    assert target.dt == pytest.approx(4e-9)
    assert target["cz"][(1, 2)].duration == pytest.approx(68e-9)
    assert target["cz"][(1, 2)].error == 3e-3
    assert target["sx"][(2,)].duration is None  # not reported: unknown, not zero
    assert target["measure"][(1,)].duration == pytest.approx(1e-6)
    # "µs" (MICRO SIGN) and "us" are both microseconds; GHz becomes Hz.
    assert target.qubit_properties[1].t1 == pytest.approx(101e-6)
    assert target.qubit_properties[1].t2 == pytest.approx(51e-6)
    assert target.qubit_properties[1].frequency == pytest.approx(5e9)
    assert target.instruction_supported("delay", (2,))
    assert not target.instruction_supported("reset", (0,))  # not listed by this backend


def test_faulty_qubit_is_left_out_of_the_target() -> None:
    down = {1: [_nduv("operational", "", 0)]}
    target = RuntimeBackend(*_line_device(qubit_extra=down)).target

    assert not target.instruction_supported("sx", (1,))
    assert not target.instruction_supported("measure", (1,))
    assert not target.instruction_supported("cz", (0, 1))
    assert target.instruction_supported("sx", (0,))
    assert target.instruction_supported("measure", (2,))


def test_target_is_built_once() -> None:
    backend = RuntimeBackend(*_line_device())

    assert backend.target is backend.target


def test_wire_documents_are_returned_as_given() -> None:
    configuration, properties = _line_device()
    backend = RuntimeBackend(configuration, properties)

    assert backend.configuration() is configuration
    assert backend.properties() is properties
    assert len(backend.options) == 0
    assert repr(backend) == "<RuntimeBackend('line_3q')>"
    assert IBMBackend is RuntimeBackend


def test_status_asks_the_service() -> None:
    calls: list[str] = []
    answer = object()

    class StubService:
        def backend_status(self, name: str) -> object:
            calls.append(name)
            return answer

    service = StubService()
    backend = RuntimeBackend(_simulator_config(), service=service)

    assert backend.service is service
    assert backend.status() is answer
    assert calls == ["ideal_sim"]


def test_status_without_a_service_says_why() -> None:
    backend = RuntimeBackend(_simulator_config())

    with pytest.raises(IBMRuntimeError, match="has no service"):
        backend.status()


def test_online_date_is_parsed_and_bad_dates_are_tolerated() -> None:
    dated = RuntimeBackend(_simulator_config(online_date="2023-01-23T05:00:00+00:00"))
    undated = RuntimeBackend(_simulator_config(online_date="sometime in 2023"))

    assert dated.online_date is not None
    assert (dated.online_date.year, dated.online_date.tzinfo is not None) == (2023, True)
    assert undated.online_date is None
    assert math.isclose(dated.online_date.timestamp(), 1674450000.0)
