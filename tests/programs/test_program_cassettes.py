"""The executor era's jobs recorded into cassettes and replayed offline to the official client:
a replay matches each job on what its quantum program means (circuits, arrays, samplexes), not
on bytes that change from run to run (QPY's generated names, parameter UUIDs)."""

from __future__ import annotations

import socket
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qiskit.circuit import Parameter, QuantumCircuit

from qiskit_runtime_double import CassetteTransport, FakeRuntime
from qiskit_runtime_double.interception import (
    FakeRoutes,
    Interception,
    decodable_tokens,
    recorded_hosts,
)

from .conftest import QPU, isa_for, official_service

pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (the compat extra)")
pytest.importorskip("samplomatic", reason="needs samplomatic (the programs extra)")
from qiskit_ibm_runtime import Executor, QuantumProgram
from qiskit_ibm_runtime.executor_sampler import Sampler
from qiskit_ibm_runtime.noise_learner_v3 import NoiseLearnerV3

pytestmark = [pytest.mark.compat, pytest.mark.usefixtures("no_account")]


def workload() -> dict[str, Any]:
    """An executor job (a circuit item and passthrough data), a twirled executor-based sampler
    job (a samplex item) and a noise learner job: all built afresh, as a replaying run does."""
    service = official_service()
    backend = service.backend(QPU)
    theta = Parameter("theta")
    circuit = QuantumCircuit(2)
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    circuit.measure_all()
    program = QuantumProgram(shots=32, passthrough_data={"angles": np.array([0.0, np.pi])})
    program.append_circuit_item(isa_for(backend, circuit), circuit_arguments=[[0.0], [np.pi]])
    executed = Executor(backend).run(program).result()
    options = {"twirling": {"enable_gates": True, "enable_measure": True}}
    sampled = Sampler(backend, options=options).run([isa_for(backend)], shots=64).result()
    from qiskit_ibm_runtime.executor_estimator import Estimator

    estimator = Estimator(backend, options={"resilience": {"pec_mitigation": True}})
    ghz = QuantumCircuit(3)
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    from qiskit.quantum_info import SparsePauliOp

    isa = isa_for(backend, ghz)
    pubs = [(isa, SparsePauliOp("IZZ").apply_layout(isa.layout))]
    layers = estimator.find_unique_layers(pubs)
    learned = NoiseLearnerV3(backend).run(layers).result()
    estimated = Estimator(backend).run(pubs, precision=0.1).result()
    from qiskit_ibm_runtime.noise_learner import NoiseLearner

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The NoiseLearner class is deprecated")
        layer_errors = NoiseLearner(backend).run([isa]).result()
    return {
        "executed": executed[0]["meas"].tolist(),
        "passthrough": executed.passthrough_data["angles"].tolist(),
        "sampled": sampled[0].data.meas.get_counts(),
        "rates": [result.to_pauli_lindblad_map().rates.tolist() for result in learned],
        "estimated": float(estimated[0].data.evs),
        "layer_rates": [layer.error.rates.tolist() for layer in layer_errors.data],
    }


def test_executor_and_noise_learner_jobs_replay_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "executor.yaml"
    fake = FakeRuntime([QPU], seed=8)
    recorder = CassetteTransport(path, "rewrite", inner=FakeRoutes(fake), recorded_from="fake")
    with recorder, Interception(recorder):
        recorded = workload()

    def refuse(self: socket.socket, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("a socket was created")

    monkeypatch.setattr(socket.socket, "__init__", refuse)
    with (
        CassetteTransport(path, "replay") as cassette,
        Interception(cassette, replies=(decodable_tokens,), hosts=recorded_hosts(path)),
    ):
        replayed = workload()

    assert replayed == recorded


def test_secrets_inside_an_executor_jobs_payloads_never_reach_the_cassette(
    tmp_path: Path,
) -> None:
    """IBM's schema models carry QPY and arrays as base64 of their own (not the runtime
    encoder's tags): scrubbing opens them as it opens the runtime's payloads, masks a credential
    in a circuit's metadata in place, and ``cassette check`` reads inside them (no base64 blob
    taken for a token, a token in a circuit's name found)."""
    from qiskit_runtime_double.transports.cassette import check_cassette

    secret = "hunter2-is-my-password"
    token = "Zq8xK2mP9vL4nR7tW1yB3cF6hJ0dG5sA"
    path = tmp_path / "secrets.yaml"
    fake = FakeRuntime([QPU], seed=8)
    recorder = CassetteTransport(path, "rewrite", inner=FakeRoutes(fake), recorded_from="fake")
    with recorder, Interception(recorder):
        backend = official_service().backend(QPU)
        circuit = isa_for(backend)
        circuit.metadata = {"api_token": secret}
        program = QuantumProgram(shots=8, passthrough_data={"password": secret})
        program.append_circuit_item(circuit)
        Executor(backend).run(program).result()
    text = path.read_text()
    assert secret not in text
    # The metadata is inside zlib'd QPY: the check reads it there, and would name 'api_token'.
    assert check_cassette(path).ok, check_cassette(path).problems

    with (
        CassetteTransport(path, "replay") as cassette,
        Interception(cassette, replies=(decodable_tokens,), hosts=recorded_hosts(path)),
    ):
        replayed = Executor(official_service().backend(QPU)).run(program).result()
    assert replayed.passthrough_data["password"] != secret  # what was recorded: scrubbed
    assert replayed[0]["meas"].shape == (8, 2)

    circuit.name = token
    recorder = CassetteTransport(tmp_path / "named.yaml", "rewrite", inner=FakeRoutes(fake))
    with recorder, Interception(recorder):
        program = QuantumProgram(shots=8)
        program.append_circuit_item(circuit)
        Executor(official_service().backend(QPU)).run(program).result()
    problems = check_cassette(tmp_path / "named.yaml").problems
    assert problems and all("inside the encoded QuantumCircuit" in p for p in problems), problems
