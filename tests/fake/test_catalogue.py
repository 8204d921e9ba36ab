"""The fake's backend catalogue: wire data from targets, official snapshots, ISA checks."""

from __future__ import annotations

import json
import os

import pytest
from qiskit import QuantumCircuit
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit.transpiler import CouplingMap, generate_preset_pass_manager

from qiskit_runtime_double.fake.core import catalogue as catalogue_module
from qiskit_runtime_double.fake.core.catalogue import (
    CALIBRATION_DATE,
    DEFAULT_BACKENDS,
    BackendEntry,
    build_catalogue,
    default_backend_name,
)
from qiskit_runtime_double.wire.models import BackendConfiguration, BackendProperties

from .. import helpers


@pytest.fixture(scope="module")
def catalogue() -> dict[str, BackendEntry]:
    return build_catalogue()


def bell() -> QuantumCircuit:
    return helpers.bell(measure="c")


def isa_bell(entry: BackendEntry) -> QuantumCircuit:
    manager = generate_preset_pass_manager(
        backend=entry.backend, optimization_level=1, seed_transpiler=0
    )
    return manager.run(bell())


# --- the default catalogue ------------------------------------------------------------------------


def test_default_catalogue_lists_three_devices_and_a_simulator(
    catalogue: dict[str, BackendEntry],
) -> None:
    assert list(catalogue) == list(DEFAULT_BACKENDS)
    assert [entry.num_qubits for entry in catalogue.values()] == [5, 27, 127, 32]
    assert [entry.simulator for entry in catalogue.values()] == [False, False, False, True]
    assert default_backend_name(catalogue) == "generic_5q"


def test_default_devices_have_ibm_like_coupling_maps(catalogue: dict[str, BackendEntry]) -> None:
    sizes = {"generic_5q": 4, "generic_27q": 28, "generic_127q": 144}  # undirected edges
    for name, edges in sizes.items():
        config = catalogue[name].configuration()
        coupling = CouplingMap(config.coupling_map)
        assert coupling.is_connected(), name
        assert len({frozenset(edge) for edge in config.coupling_map}) == edges, name
    # Heron-like devices take cz both ways; the Eagle-like one has one ECR direction per edge.
    assert catalogue["generic_5q"].configuration().basis_gates == ["cz", "id", "rz", "sx", "x"]
    eagle = catalogue["generic_127q"].configuration()
    assert eagle.basis_gates == ["ecr", "id", "rz", "sx", "x"]
    assert len(eagle.coupling_map) == 144
    assert max(len(CouplingMap(eagle.coupling_map).neighbors(q)) for q in range(127)) <= 3


def test_configurations_and_properties_validate_and_are_deterministic(
    catalogue: dict[str, BackendEntry],
) -> None:
    again = build_catalogue()
    for name, entry in catalogue.items():
        config = entry.configuration()
        assert isinstance(config, BackendConfiguration)
        assert config.backend_name == name
        assert entry.configuration() is config  # cached
        assert again[name].configuration().model_dump_json() == config.model_dump_json()
        props = entry.properties()
        other = again[name].properties()
        if entry.simulator:
            assert props is None
            continue
        assert isinstance(props, BackendProperties)
        assert props.backend_name == name
        assert props.last_update_date == CALIBRATION_DATE
        assert other is not None and other.model_dump_json() == props.model_dump_json()
        assert len(props.qubits) == entry.num_qubits


def test_a_different_seed_gives_different_calibration() -> None:
    one = build_catalogue(["generic_5q"], seed=0)["generic_5q"].properties()
    two = build_catalogue(["generic_5q"], seed=1)["generic_5q"].properties()

    assert one is not None and two is not None
    assert one.qubits[0][0].value != two.qubits[0][0].value


def test_ideal_simulator_is_all_to_all_and_noiseless(catalogue: dict[str, BackendEntry]) -> None:
    entry = catalogue["ibmq_qasm_simulator"]
    config = entry.configuration()

    assert config.simulator is True
    assert config.coupling_map is None
    assert config.n_qubits == 32
    assert config.basis_gates == ["cz", "id", "rz", "sx", "x"]
    assert {"measure", "reset", "delay", "barrier"} <= set(config.supported_instructions or [])
    assert all("coupling_map" not in gate for gate in config.gates)
    assert entry.properties() is None


def test_generic_backend_configuration_reproduces_its_target() -> None:
    edges = [[0, 1], [2, 1], [2, 3]]
    backend = GenericBackendV2(4, ["ecr", "id", "rz", "sx", "x"], coupling_map=edges, seed=3)
    entry = build_catalogue({"my_device": backend})["my_device"]
    config = entry.configuration()

    assert config.backend_name == "my_device"
    assert entry.simulator is False
    assert config.n_qubits == 4
    assert config.basis_gates == ["ecr", "id", "rz", "sx", "x"]
    assert sorted(map(tuple, config.coupling_map or [])) == sorted(backend.coupling_map.get_edges())
    assert config.dt == pytest.approx(backend.target.dt * 1e9)  # the wire counts dt in ns
    ecr = next(gate for gate in config.gates if gate["name"] == "ecr")
    assert sorted(map(tuple, ecr["coupling_map"])) == [(0, 1), (2, 1), (2, 3)]
    assert next(gate for gate in config.gates if gate["name"] == "rz")["parameters"] == ["λ"]


def test_properties_carry_the_target_calibration_in_ibm_units() -> None:
    edges = [[0, 1], [1, 0], [1, 2], [2, 1]]
    backend = GenericBackendV2(3, ["cz", "id", "rz", "sx", "x"], coupling_map=edges, seed=5)
    props = build_catalogue({"dev": backend})["dev"].properties()
    assert props is not None
    target = backend.target

    qubit = {nduv.name: nduv for nduv in props.qubits[1]}
    assert qubit["T1"].unit == "us"
    assert qubit["T1"].value == pytest.approx(target.qubit_properties[1].t1 * 1e6)
    assert qubit["T2"].value == pytest.approx(target.qubit_properties[1].t2 * 1e6)
    assert qubit["frequency"].value == pytest.approx(target.qubit_properties[1].frequency * 1e-9)
    for name in ("readout_error", "prob_meas0_prep1", "prob_meas1_prep0"):
        assert qubit[name].value == pytest.approx(target["measure"][(1,)].error)
    assert qubit["readout_length"].value == pytest.approx(target["measure"][(1,)].duration * 1e9)
    cz = next(gate for gate in props.gates if gate.gate == "cz" and gate.qubits == [1, 0])
    assert cz.name == "cz1_0"
    values = {nduv.name: nduv.value for nduv in cz.parameters}
    assert values["gate_error"] == pytest.approx(target["cz"][(1, 0)].error)
    assert values["gate_length"] == pytest.approx(target["cz"][(1, 0)].duration * 1e9)


def test_user_backends_keep_their_chosen_names() -> None:
    from qiskit_aer import AerSimulator

    entries = build_catalogue({"device": GenericBackendV2(2, seed=1), "ideal": AerSimulator()})

    assert list(entries) == ["device", "ideal"]
    assert entries["device"].simulator is False
    assert entries["ideal"].simulator is True  # no coupling map, no errors
    assert entries["ideal"].configuration().backend_name == "ideal"
    assert entries["ideal"].properties() is None


def test_a_mapping_of_non_backends_is_refused() -> None:
    with pytest.raises(TypeError, match="BackendV2"):
        build_catalogue({"oops": "generic_5q"})


def test_a_selection_builds_only_the_named_backends() -> None:
    assert list(build_catalogue(["ibmq_qasm_simulator", "generic_5q"])) == [
        "ibmq_qasm_simulator",
        "generic_5q",
    ]
    assert list(build_catalogue("generic_5q")) == ["generic_5q"]


def test_an_unknown_name_lists_the_available_ones_and_how_to_add_one() -> None:
    with pytest.raises(ValueError, match="No backend named 'nope'") as caught:
        build_catalogue(["nope"])

    message = str(caught.value)
    assert "generic_5q" in message and "ibmq_qasm_simulator" in message
    assert "mapping" in message


def test_an_official_name_without_the_compat_extra_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(catalogue_module, "_official_fakes", lambda: None)

    with pytest.raises(ValueError, match=r"compat"):
        build_catalogue(["fake_brisbane"])


def test_default_backend_is_the_smallest_device() -> None:
    entries = build_catalogue(["ibmq_qasm_simulator", "generic_27q", "generic_5q"])
    assert default_backend_name(entries) == "generic_5q"
    assert default_backend_name(build_catalogue(["ibmq_qasm_simulator"])) == "ibmq_qasm_simulator"
    with pytest.raises(ValueError, match="empty"):
        default_backend_name({})


# --- official fake backends (the compat extra) ----------------------------------------------------


@pytest.mark.compat
def test_official_fake_backend_serves_its_snapshots() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    entry = build_catalogue(["fake_brisbane"])["fake_brisbane"]
    directory = type(entry.backend).dirname
    with open(os.path.join(directory, "conf_brisbane.json"), encoding="utf-8") as handle:
        conf = json.load(handle)
    with open(os.path.join(directory, "props_brisbane.json"), encoding="utf-8") as handle:
        props = json.load(handle)

    config = entry.configuration()
    assert config.backend_name == "fake_brisbane"
    assert entry.simulator is False
    assert config.n_qubits == conf["n_qubits"] == 127
    assert config.basis_gates == conf["basis_gates"]
    assert config.coupling_map == conf["coupling_map"]
    assert config.model_dump()["processor_type"] == conf["processor_type"]
    served = entry.properties()
    assert served is not None and served.backend_name == "fake_brisbane"
    assert served.qubits[0][0].value == props["qubits"][0][0]["value"]
    assert served.last_update_date == props["last_update_date"]
    assert entry.isa_problems(isa_bell(entry)) == []


@pytest.mark.compat
@pytest.mark.parametrize(
    ("name", "official"),
    [
        ("generic_5q", "FakeQuitoV2"),
        ("generic_27q", "FakeKolkataV2"),
        ("generic_127q", "FakeBrisbane"),
    ],
)
def test_default_devices_have_the_connectivity_of_real_ones(
    catalogue: dict[str, BackendEntry], name: str, official: str
) -> None:
    fake_provider = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    cls = getattr(fake_provider, official)
    with open(os.path.join(cls.dirname, cls.conf_filename), encoding="utf-8") as handle:
        real = {frozenset(edge) for edge in json.load(handle)["coupling_map"]}

    assert {frozenset(edge) for edge in catalogue[name].configuration().coupling_map or []} == real


@pytest.mark.compat
def test_the_official_client_reads_generated_wire_data_back_into_the_same_target(
    catalogue: dict[str, BackendEntry],
) -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    from qiskit_ibm_runtime.utils.backend_converter import convert_to_target
    from qiskit_ibm_runtime.utils.backend_decoder import (
        configuration_from_server_data,
        properties_from_server_data,
    )

    for name in ("generic_5q", "ibmq_qasm_simulator"):
        entry = catalogue[name]
        config = configuration_from_server_data(json.loads(entry.configuration().model_dump_json()))
        props = entry.properties()
        decoded = (
            properties_from_server_data(json.loads(props.model_dump_json())) if props else None
        )
        target = convert_to_target(config, decoded)
        original = entry.backend.target

        assert target.num_qubits == original.num_qubits
        assert set(target.operation_names) <= set(original.operation_names)
        if entry.simulator:
            assert target.build_coupling_map() is None
            continue
        assert sorted(target.build_coupling_map().get_edges()) == sorted(
            original.build_coupling_map().get_edges()
        )
        assert target["cz"][(0, 1)].error == pytest.approx(original["cz"][(0, 1)].error)
        assert target["measure"][(2,)].duration == pytest.approx(original["measure"][(2,)].duration)
        assert target.qubit_properties[3].t1 == pytest.approx(original.qubit_properties[3].t1)


# --- ISA checks -----------------------------------------------------------------------------------


def test_a_transpiled_circuit_is_isa_on_every_default_backend(
    catalogue: dict[str, BackendEntry],
) -> None:
    for entry in catalogue.values():
        assert entry.isa_problems(isa_bell(entry)) == [], entry.name


def test_an_untranspiled_circuit_is_rejected_naming_its_gates(
    catalogue: dict[str, BackendEntry],
) -> None:
    problems = catalogue["generic_5q"].isa_problems(bell())

    assert any("'h'" in p and "generic_5q" in p for p in problems)
    assert any("'cx'" in p for p in problems)
    assert any("cz" in p for p in problems)  # the message lists what the backend does support


def test_a_gate_off_the_coupling_map_is_rejected(catalogue: dict[str, BackendEntry]) -> None:
    circuit = QuantumCircuit(5)
    circuit.cz(0, 2)
    circuit.cz(0, 2)
    circuit.barrier()

    (problem,) = catalogue["generic_5q"].isa_problems(circuit)
    assert "[0, 2]" in problem and "coupling map" in problem and "2 times" in problem


def test_ecr_is_directed_on_the_eagle_like_device(catalogue: dict[str, BackendEntry]) -> None:
    entry = catalogue["generic_127q"]
    a, b = entry.configuration().coupling_map[0]  # type: ignore[index]
    forward, backward = QuantumCircuit(127), QuantumCircuit(127)
    forward.ecr(a, b)
    backward.ecr(b, a)

    assert entry.isa_problems(forward) == []
    assert entry.isa_problems(backward) != []


def test_too_many_qubits_is_rejected(catalogue: dict[str, BackendEntry]) -> None:
    (problem,) = catalogue["generic_5q"].isa_problems(QuantumCircuit(6))
    assert "6 qubits" in problem and "5" in problem


def test_control_flow_is_checked_against_the_target(catalogue: dict[str, BackendEntry]) -> None:
    circuit = QuantumCircuit(2, 1)
    circuit.measure(0, 0)
    with circuit.if_test((circuit.clbits[0], 1)):
        circuit.x(1)
    no_flow = build_catalogue({"plain": GenericBackendV2(2, ["cz", "id", "rz", "sx", "x"], seed=1)})

    assert catalogue["generic_5q"].isa_problems(circuit) == []
    problems = no_flow["plain"].isa_problems(circuit)
    assert problems[0] == "control flow 'if_else' is not supported by plain"
    assert problems[1].startswith("the instructions of plain are cz, delay, id, measure")

    inner = QuantumCircuit(2, 1)
    inner.measure(0, 0)
    with inner.if_test((inner.clbits[0], 1)):
        inner.h(1)  # not a basis gate, inside the block
    assert any("'h'" in p for p in catalogue["generic_5q"].isa_problems(inner))
