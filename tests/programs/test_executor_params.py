"""The executor's params: every schema version IBM's models have, and a 400 naming the field at
fault for each malformed input (as the service answers, before the job is queued)."""

from __future__ import annotations

import base64
import copy
import json
import sys
import zlib
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import FakeRuntime
from qiskit_runtime_double.wire import codec

from .conftest import QPU, bell, error_message, finished_result, submit

pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (the compat extra)")
pytest.importorskip("ibm_quantum_schemas", reason="needs ibm-quantum-schemas (the programs extra)")
from qiskit_ibm_runtime import QuantumProgram
from qiskit_ibm_runtime.decoders.executor.decoder import ExecutorResultDecoder
from qiskit_ibm_runtime.options_models import ExecutorOptions
from qiskit_ibm_runtime.quantum_program.params_converters import (
    QUANTUM_PROGRAM_PARAMS_CONVERTERS,
)

pytestmark = [pytest.mark.compat]


def isa_bell(fake: FakeRuntime) -> QuantumCircuit:
    from qiskit.transpiler import generate_preset_pass_manager

    backend = fake.catalogue[QPU].backend
    isa: QuantumCircuit = generate_preset_pass_manager(
        backend=backend, optimization_level=1, seed_transpiler=1
    ).run(bell())
    return isa


def params_of(program: QuantumProgram, version: str = "v2.0") -> dict[str, Any]:
    """What the official client sends for ``program`` in ``version`` of the schema."""
    model = QUANTUM_PROGRAM_PARAMS_CONVERTERS[version].encoder(program, ExecutorOptions())
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped


@pytest.fixture(scope="module")
def fake() -> FakeRuntime:
    return FakeRuntime([QPU], seed=3)


@pytest.fixture(scope="module")
def valid(fake: FakeRuntime) -> dict[str, Any]:
    program = QuantumProgram(shots=16, passthrough_data={"kept": [1, 2]})
    program.append_circuit_item(isa_bell(fake))
    return params_of(program)


@pytest.mark.parametrize("version", list(QUANTUM_PROGRAM_PARAMS_CONVERTERS))
def test_every_schema_version_the_client_knows_runs(fake: FakeRuntime, version: str) -> None:
    program = QuantumProgram(shots=16)
    program.append_circuit_item(isa_bell(fake))
    text = finished_result(fake, submit(fake, "executor", params_of(program, version)))

    assert json.loads(text)["schema_version"] == version
    result = ExecutorResultDecoder.decode(text)  # validates with IBM's model of that version
    assert result[0]["meas"].shape == (16, 2)


def mutated(params: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(params)
    *parents, last = path.split(".")
    node: Any = changed
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("schema_version", "v9.9", "params.schema_version"),
        ("quantum_program.shots", 0, "params.quantum_program.shots"),
        ("quantum_program.meas_level", "raw", "params.quantum_program.meas_level"),
        ("quantum_program.items.0.chunk_size", 0, "params.quantum_program.items[0].chunk_size"),
        ("quantum_program.items.0.item_type", "pulse", "params.quantum_program.items[0]"),
        ("options.init_qubits", "sometimes", "params.options.init_qubits"),
        ("quantum_program.circuits.b64_data", "bm90IHFweQ==", "params"),
        ("quantum_program.items.0.circuit_arguments.shape", [3], "circuit_arguments"),
    ],
)
def test_a_malformed_field_is_a_400_naming_it(
    fake: FakeRuntime, valid: dict[str, Any], path: str, value: Any, named: str
) -> None:
    before = len(fake.jobs())
    response = submit(fake, "executor", mutated(valid, path, value))

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "1002"
    assert named in error_message(response)
    assert len(fake.jobs()) == before  # nothing was queued


def test_shots_beyond_the_backend_limit_are_refused(
    fake: FakeRuntime, valid: dict[str, Any]
) -> None:
    limit = fake.catalogue[QPU].configuration().max_shots
    response = submit(fake, "executor", mutated(valid, "quantum_program.shots", limit + 1))
    assert response.status_code == 400
    assert "params.quantum_program.shots" in error_message(response)
    assert str(limit) in error_message(response)


def test_arguments_must_fit_the_circuit(fake: FakeRuntime) -> None:
    from qiskit.circuit import Parameter

    circuit = QuantumCircuit(1, 1)
    circuit.rz(Parameter("a"), 0)
    circuit.measure(0, 0)
    program = QuantumProgram(shots=4)
    program.append_circuit_item(circuit, circuit_arguments=np.zeros((3, 1)))
    params = params_of(program)
    from ibm_quantum_schemas.common import F64CompressedTensorModel

    wrong = F64CompressedTensorModel.from_numpy(np.zeros((3, 2))).model_dump(mode="json")
    response = submit(
        fake, "executor", mutated(params, "quantum_program.items.0.circuit_arguments", wrong)
    )
    assert response.status_code == 400
    message = error_message(response)
    assert "params.quantum_program.items[0].circuit_arguments" in message
    assert "1 parameters" in message


def test_an_items_shape_must_broadcast_with_its_arguments(fake: FakeRuntime) -> None:
    from qiskit.circuit import Parameter

    circuit = QuantumCircuit(1, 1)
    circuit.rz(Parameter("a"), 0)
    circuit.measure(0, 0)
    program = QuantumProgram(shots=4)
    program.append_circuit_item(circuit, circuit_arguments=np.zeros((3, 1)))
    params = params_of(program)

    response = submit(fake, "executor", mutated(params, "quantum_program.items.0.shape", [2]))
    assert response.status_code == 400
    message = error_message(response)
    assert "items[0].shape [2] does not broadcast" in message
    assert "circuit_arguments, [3]" in message


def test_a_circuit_that_is_not_isa_is_refused_on_a_device(fake: FakeRuntime) -> None:
    program = QuantumProgram(shots=4)
    program.append_circuit_item(bell())  # h and cx: not generic_5q's basis
    response = submit(fake, "executor", params_of(program))
    assert response.status_code == 400
    message = error_message(response)
    assert "params.quantum_program.items[0]" in message and "ISA" in message


def test_a_tensor_that_inflates_past_its_shape_is_refused_without_inflating_it(
    fake: FakeRuntime, valid: dict[str, Any]
) -> None:
    bomb = base64.b64encode(zlib.compress(b"\0" * (80 * 2**20), 9)).decode()
    tensor = {"data": bomb, "shape": [1], "dtype": "f64"}
    params = mutated(valid, "quantum_program.passthrough_data", {"bomb": tensor})
    response = submit(fake, "executor", params)
    assert response.status_code == 400
    assert "params.quantum_program.passthrough_data.bomb.data" in error_message(response)
    assert "inflates" in error_message(response)


@pytest.mark.parametrize("missing", ["ibm_quantum_schemas", "samplomatic"])
def test_without_the_programs_extra_its_programs_are_refused_with_how_to_install(
    fake: FakeRuntime, valid: dict[str, Any], monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # import fails
    learner = {"schema_version": "v0.3", "instructions": {}, "options": {}}
    for program_id, params in (("executor", valid), ("noise-learner", learner)):
        response = submit(fake, program_id, params)
        assert response.status_code == 400
        assert f"the {program_id!r} program" in error_message(response)
        assert "pip install 'qiskit-runtime-double[programs]'" in error_message(response)
    # The primitives still run: their params are then checked by the fake's own rules only.
    sampler = {"pubs": [[isa_bell(fake), None, 8]], "version": 2, "options": {}}
    assert submit(fake, "sampler", codec.to_jsonable(sampler)).status_code == 200
