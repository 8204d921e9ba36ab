"""The ``executor`` program with the official client's ``Executor``: circuit and samplex items."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pytest
from qiskit.circuit import Parameter, QuantumCircuit

from qiskit_runtime_double import mock_runtime

from .conftest import QPU, SIMULATOR, bell, isa_for, official_service

pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (the compat extra)")
pytest.importorskip("samplomatic", reason="needs samplomatic (the programs extra)")
from qiskit_ibm_runtime import Executor, QuantumProgram
from qiskit_ibm_runtime.results import QuantumProgramResult
from samplomatic import build
from samplomatic.transpiler import generate_boxing_pass_manager

pytestmark = [pytest.mark.compat, pytest.mark.usefixtures("no_account")]


def rotation(backend: Any) -> QuantumCircuit:
    """``ry(theta)`` then a CNOT: ``P(11) = sin^2(theta / 2)``, ``P(00)`` the rest."""
    theta = Parameter("theta")
    circuit = QuantumCircuit(2)
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return isa_for(backend, circuit)


def test_circuit_items_return_each_register_per_binding_and_shot() -> None:
    passthrough = {"weights": np.arange(6.0).reshape(2, 3), "tags": ["a", 1, {"b": None}]}
    with mock_runtime(seed=5) as fake:
        backend = official_service().backend(QPU)
        program = QuantumProgram(shots=300, passthrough_data=passthrough)
        program.append_circuit_item(isa_for(backend))
        angles = np.array([0.0, np.pi / 2, np.pi, np.pi]).reshape(2, 2, 1)
        program.append_circuit_item(rotation(backend), circuit_arguments=angles)
        job = Executor(backend).run(program)
        result = job.result()
        (record,) = fake.jobs()

    assert isinstance(result, QuantumProgramResult) and len(result) == 2
    bell_bits, rotated = result[0]["meas"], result[1]["meas"]
    assert bell_bits.shape == (300, 2) and bell_bits.dtype == bool
    assert rotated.shape == (2, 2, 300, 2)
    assert (bell_bits[:, 0] == bell_bits[:, 1]).mean() > 0.9  # a noisy Bell pair
    ones = rotated.all(axis=-1).mean(axis=-1)  # P(11) per binding
    np.testing.assert_allclose(ones, [[0.0, 0.5], [1.0, 1.0]], atol=0.12)
    # passthrough_data comes back as sent, arrays included
    np.testing.assert_array_equal(result.passthrough_data["weights"], passthrough["weights"])
    assert result.passthrough_data["tags"] == passthrough["tags"]
    # one chunk per item, within the job's simulated run
    chunks = result.metadata.chunk_timing
    assert [[p.idx_item for p in c.parts] for c in chunks] == [[0], [1]]
    assert [p.size for c in chunks for p in c.parts] == [1, 4]
    assert chunks[0].start == record.running_at and chunks[-1].stop == record.finished_at
    assert record.program_id == "executor"


def test_job_inputs_read_back_as_the_quantum_program_sent() -> None:
    with mock_runtime(seed=5):
        backend = official_service().backend(QPU)
        program = QuantumProgram(shots=10, passthrough_data={"x": 1})
        circuit = rotation(backend)
        program.append_circuit_item(circuit, circuit_arguments=np.array([[0.1], [0.2]]))
        job = Executor(backend, options={"execution": {"init_qubits": False}}).run(program)
        job.result()
        inputs = job.inputs

    sent = inputs["quantum_program"]
    assert isinstance(sent, QuantumProgram)
    assert sent.shots == 10 and sent.passthrough_data == {"x": 1}
    np.testing.assert_array_equal(sent.items[0].circuit_arguments, [[0.1], [0.2]])
    assert sent.items[0].circuit == circuit
    assert inputs["options"].execution.init_qubits is False


def twirled(backend: Any) -> tuple[QuantumCircuit, Any]:
    """A parametrised circuit with twirled gates and measurements: template and samplex."""
    boxing = generate_boxing_pass_manager(enable_gates=True, enable_measures=True)
    template, samplex = build(boxing.run(rotation(backend)))
    return template, samplex


def test_samplex_items_draw_randomizations_over_the_sweep() -> None:
    with mock_runtime(seed=6) as fake:
        backend = official_service().backend(QPU)
        template, samplex = twirled(backend)
        program = QuantumProgram(shots=50)
        angles = np.array([[0.0], [np.pi], [np.pi / 2]])  # a sweep of 3
        program.append_samplex_item(
            template, samplex, samplex_arguments={"parameter_values": angles}, shape=(4, 3)
        )
        result = Executor(backend).run(program).result()
        assert fake.jobs()[0].status == "Completed"

    item = result[0]
    assert set(item) == {"meas", "measurement_flips.meas"}
    assert item["meas"].shape == (4, 3, 50, 2)
    assert item["measurement_flips.meas"].shape == (4, 3, 1, 2)
    flips = item["measurement_flips.meas"]
    assert flips.any() and not flips.all()  # measurements were twirled
    bits = item["meas"] ^ flips
    ones = bits.all(axis=-1).mean(axis=(0, 2))  # P(11) per angle, over randomizations
    np.testing.assert_allclose(ones, [0.0, 1.0, 0.5], atol=0.15)
    assert (bits[..., 0] == bits[..., 1]).mean() > 0.9


def test_samplex_items_each_randomization_is_drawn_afresh() -> None:
    with mock_runtime(seed=6):
        backend = official_service().backend(QPU)
        template, samplex = twirled(backend)
        program = QuantumProgram(shots=4)
        program.append_samplex_item(
            template, samplex, samplex_arguments={"parameter_values": [0.3]}, shape=(16,)
        )
        first = Executor(backend).run(program).result()[0]["measurement_flips.meas"]
        again = Executor(backend).run(program).result()[0]["measurement_flips.meas"]

    assert len({row.tobytes() for row in first}) > 1  # randomizations differ
    assert not np.array_equal(first, again)  # and so do jobs (each its own seed)


def test_an_executor_job_runs_on_the_ideal_simulator_without_isa_circuits() -> None:
    with mock_runtime(seed=2):
        backend = official_service().backend(SIMULATOR)
        program = QuantumProgram(shots=100)
        program.append_circuit_item(bell())
        bits = Executor(backend).run(program).result()[0]["meas"]

    assert bits.shape == (100, 2)
    assert (bits[:, 0] == bits[:, 1]).all()  # ideal: perfectly correlated


@pytest.mark.parametrize("level", ["kerneled", "avg_kerneled", "both"])
def test_kerneled_measurements_are_made_up_iq_points(level: str) -> None:
    with mock_runtime(seed=2):
        backend = official_service().backend(QPU)
        program = QuantumProgram(shots=64, meas_level=level)
        program.append_circuit_item(isa_for(backend))
        item = Executor(backend).run(program).result()[0]

    if level == "avg_kerneled":
        assert set(item) == {"meas_avg_iq"} and item["meas_avg_iq"].shape == (2,)
        assert np.iscomplexobj(item["meas_avg_iq"])
        return
    points = item["meas_iq"]
    assert points.shape == (64, 2) and np.iscomplexobj(points)
    if level == "both":
        bits = item["meas"]
        assert np.array_equal(points.real < 0, bits)  # each point on its bit's side


def test_the_served_fake_runs_executor_jobs_over_http() -> None:
    """An ``Executor`` circuit item, and the executor-based Sampler's samplex item (twirled)."""
    from qiskit_ibm_runtime.executor_sampler import Sampler

    from qiskit_runtime_double.compat import official_service_context
    from qiskit_runtime_double.fake import FakeRuntime

    fake = FakeRuntime([QPU], seed=4)
    with fake.serve(max_wait=0.05) as server, official_service_context(server) as service:
        backend = service.backend(QPU)
        program = QuantumProgram(shots=20, passthrough_data={"n": np.arange(3)})
        program.append_circuit_item(isa_for(backend))
        job = Executor(backend).run(program)
        result = job.result(timeout=60)
        twirled = {"twirling": {"enable_gates": True, "enable_measure": True}}
        sampler = Sampler(backend, options=twirled)
        sampled = sampler.run([isa_for(backend)], shots=64).result(timeout=60)
        records = fake.jobs()

    assert result[0]["meas"].shape == (20, 2)
    np.testing.assert_array_equal(result.passthrough_data["n"], np.arange(3))
    assert [record.program_id for record in records] == ["executor"] * 2
    for record in records:
        assert record.created <= record.finished_at <= record.created + _dt.timedelta(hours=1)
    counts = sampled[0].data.meas.get_counts()
    assert counts.get("00", 0) + counts.get("11", 0) > 0.9 * sum(counts.values())
