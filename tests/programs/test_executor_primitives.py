"""The official client's executor-based ``Sampler`` and ``Estimator`` on the fake: they build
their quantum programs on the client (twirling, TREX, ZNE, PEA, PEC) and the fake runs them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from qiskit.circuit import Parameter, QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import mock_runtime

from .conftest import QPU, isa_for, official_service

pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (the compat extra)")
pytest.importorskip("samplomatic", reason="needs samplomatic (the programs extra)")
from qiskit_ibm_runtime.executor_estimator import Estimator
from qiskit_ibm_runtime.executor_sampler import Sampler
from qiskit_ibm_runtime.noise_learner_v3 import NoiseLearnerV3

pytestmark = [pytest.mark.compat, pytest.mark.usefixtures("no_account")]


def counts_of(result: Any) -> dict[str, int]:
    counts: dict[str, int] = result[0].data.meas.get_counts()
    return counts


@pytest.mark.parametrize(
    ("options", "shots", "randomizations"),
    [
        ({}, 200, None),
        ({"twirling": {"enable_gates": True, "enable_measure": True}}, 256, 4),
        (
            {
                "twirling": {
                    "enable_measure": True,
                    "num_randomizations": 16,
                    "shots_per_randomization": 10,
                }
            },
            160,
            16,
        ),
    ],
    ids=["plain", "twirled-auto", "twirled-16x10"],
)
def test_the_sampler_returns_the_shots_its_options_ask_for(
    options: dict[str, Any], shots: int, randomizations: int | None
) -> None:
    with mock_runtime(seed=3) as fake:
        backend = official_service().backend(QPU)
        result = Sampler(backend, options=options).run([isa_for(backend)], shots=200).result()
        (record,) = fake.jobs()

    assert record.program_id == "executor"
    meas = result[0].data.meas
    assert meas.num_shots == shots and meas.num_bits == 2
    counts = counts_of(result)
    assert counts.get("00", 0) + counts.get("11", 0) > 0.9 * shots  # twirling undone: a Bell pair
    assert result[0].metadata.get("num_randomizations") == randomizations


def test_the_sampler_runs_dynamical_decoupling_with_its_execution_options() -> None:
    """Dynamical decoupling pads the circuit on the client (delays and X pulses); the execution
    options travel to the executor and are read back; the metadata reports them resolved."""
    options = {
        "dynamical_decoupling": {"enable": True, "sequence_type": "XY4"},
        "execution": {"init_qubits": False, "rep_delay": 0.0002},
    }
    with mock_runtime(seed=3):
        backend = official_service().backend(QPU)
        job = Sampler(backend, options=options).run([isa_for(backend)], shots=100)
        result = job.result()
        inputs = job.inputs

    sent = inputs["quantum_program"].items[0].circuit.count_ops()
    assert sent.get("delay", 0) > 0 and sent.get("x", 0) > 0  # the decoupling sequences
    assert inputs["options"].execution.init_qubits is False
    assert inputs["options"].execution.rep_delay == 0.0002
    reported = result.metadata["options"]
    assert reported["dynamical_decoupling"]["sequence_type"] == "XY4"
    assert reported["dynamical_decoupling"]["scheduling_method"] == "alap"  # the default
    counts = counts_of(result)
    assert counts.get("00", 0) + counts.get("11", 0) > 0.9 * sum(counts.values())


def test_the_sampler_sweeps_parameters_into_the_pub_shape() -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1)
    circuit.rx(theta, 0)
    circuit.measure_all()
    with mock_runtime(seed=3):
        backend = official_service().backend(QPU)
        isa = isa_for(backend, circuit)
        angles = np.array([[0.0], [np.pi]] * 3).reshape(3, 2, 1)
        options = {"twirling": {"enable_gates": True, "enable_measure": True}}
        result = Sampler(backend, options=options).run([(isa, angles)], shots=128).result()

    meas = result[0].data.meas
    assert meas.shape == (3, 2) and meas.num_shots == 128
    ones = meas.bitcount().mean(axis=-1)
    np.testing.assert_allclose(ones, [[0, 1]] * 3, atol=0.1)


@pytest.mark.parametrize("meas_type", ["kerneled", "avg_kerneled"])
def test_the_sampler_returns_iq_points_for_kerneled_measurements(meas_type: str) -> None:
    with mock_runtime(seed=3):
        backend = official_service().backend(QPU)
        options = {"execution": {"meas_type": meas_type}}
        result = Sampler(backend, options=options).run([isa_for(backend)], shots=50).result()

    points = result[0].data.meas
    assert np.iscomplexobj(points)
    assert points.shape == ((50, 2) if meas_type == "kerneled" else (2,))


def zz_pub(backend: Any) -> tuple[QuantumCircuit, SparsePauliOp]:
    """A GHZ state on three qubits and ``Z0 Z1``, whose ideal value is 1."""
    circuit = QuantumCircuit(3)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    isa = isa_for(backend, circuit)
    return isa, SparsePauliOp("IZZ").apply_layout(isa.layout)


@pytest.mark.parametrize("level", [0, 1, 2])
def test_the_estimator_at_each_resilience_level_estimates_near_the_ideal_value(
    level: int,
) -> None:
    with mock_runtime(seed=4) as fake:
        backend = official_service().backend(QPU)
        estimator = Estimator(backend, options={"resilience_level": level})
        result = estimator.run([zz_pub(backend)], precision=0.05).result()
        programs = {job.program_id for job in fake.jobs()}

    assert programs == {"executor"}
    data = result[0].data
    assert data.evs.shape == () and abs(float(data.evs) - 1.0) < 0.1
    assert float(data.stds) > 0
    assert result.metadata["shots"] == 400  # 1 / precision^2
    if level == 2:  # ZNE: the values at each noise factor, and the extrapolated ones
        assert data.evs_noise_factors.shape == (3,)


def test_pec_and_pea_run_with_the_noise_learned_by_noise_learner_v3() -> None:
    with mock_runtime(seed=5) as fake:
        backend = official_service().backend(QPU)
        pubs = [zz_pub(backend)]
        pec = Estimator(backend, options={"resilience": {"pec_mitigation": True}})
        layers = pec.find_unique_layers(pubs)
        learned = NoiseLearnerV3(backend).run(layers).result()
        maps = learned.to_pauli_lindblad_maps()
        pec.options.resilience.layer_noise_model = list(zip(layers, maps, strict=True))
        pec_value = float(pec.run(pubs, precision=0.05).result()[0].data.evs)

        pea = Estimator(
            backend, options={"resilience": {"zne_mitigation": True, "zne": {"amplifier": "pea"}}}
        )
        pea.options.resilience.layer_noise_model = list(zip(layers, maps, strict=True))
        pea_result = pea.run(pubs, precision=0.05).result()
        programs = [job.program_id for job in fake.jobs()]

    assert programs == ["noise-learner", "executor", "executor"]
    assert len(maps) == len(layers) == 2
    assert abs(pec_value - 1.0) < 0.15
    assert abs(float(pea_result[0].data.evs) - 1.0) < 0.15
