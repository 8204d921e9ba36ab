"""The seed-era types over every transport: a ``ParameterNamespace`` and ``RuntimeOptions`` in
``Session.run``, and what the seed-era ``Sampler``/``Estimator`` send for their ``Options``.

The fake runs the V2 primitives, so the namespace here is built from the sampler's parameters
as the fake runs them (``pubs``, ``options``, ``version``). Once the fake lists its programs
(``GET /programs``, the PROGRAMS part of issue 11), the last test fills the namespace the fake's
own ``sampler`` program declares.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import PrimitiveResult, SamplerResult
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import (
    Estimator,
    IBMInputValueError,
    IBMRuntimeError,
    Options,
    ParameterNamespace,
    RuntimeOptions,
    Sampler,
    Session,
)

from .conftest import Runtime

#: The sampler's inputs that the fake runs (the V2 part of its program's parameters).
SAMPLER_V2_PARAMETERS = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "properties": {
        "pubs": {"description": "The primitive unified blocs.", "type": "array"},
        "options": {"description": "The V2 primitive's options.", "type": "object"},
        "version": {"description": "The primitive's version (2 for V2).", "type": "integer"},
    },
    "required": ["pubs"],
}


def _job_count(runtime: Runtime) -> int:
    return len(runtime.service.jobs(limit=None))


def test_session_run_with_a_namespace_and_runtime_options(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    inputs = ParameterNamespace(SAMPLER_V2_PARAMETERS)
    inputs.pubs = [[runtime.isa(bell), None, 64]]
    inputs.version = 2
    options = RuntimeOptions(
        backend="generic_5q",
        log_level="INFO",
        job_tags=["seed-types"],
        max_execution_time=300,
        session_time=1200,
    )
    with Session(service=runtime.service, backend="generic_5q") as session:
        job = session.run("sampler", inputs, options)
        result = job.result()
        assert session.details()["max_time"] == 1200  # type: ignore[index]
    assert isinstance(result, PrimitiveResult) and result[0].data.meas.num_shots == 64
    assert job.session_id == session.session_id and job.tags == ["seed-types"]
    record = runtime.fake.job(job.job_id())
    assert (record.log_level, record.cost) == ("INFO", 300)
    assert sorted(job.inputs) == ["pubs", "version"]  # no metadata, no None values


def test_a_namespace_that_fails_validation_sends_nothing(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    before = _job_count(runtime)
    session = Session(service=runtime.service, backend="generic_5q")
    inputs = ParameterNamespace(SAMPLER_V2_PARAMETERS)
    with pytest.raises(IBMInputValueError, match=r"Param \(pubs\) missing required value"):
        session.run("sampler", inputs)
    inputs.pubs, inputs.version = [[runtime.isa(bell)]], "2"
    with pytest.raises(IBMInputValueError, match=r"Param \(version\) must be an integer"):
        session.run("sampler", inputs, RuntimeOptions(job_tags=["never"]))
    assert session.session_id is None and _job_count(runtime) == before


def test_seed_sampler_options_reach_the_job(runtime: Runtime, bell: QuantumCircuit) -> None:
    called: list[tuple[str, Any]] = []
    options = Options(
        max_execution_time=120,
        execution={"shots": 123},
        simulator={"seed_simulator": 5},
        environment={"log_level": "ERROR", "job_tags": ["t"], "callback": _record(called)},
    )
    with Session(service=runtime.service, backend="generic_5q") as session:
        sampler = Sampler(session=session, options=options)
        job = sampler.run(bell)
        result = job.result()
        again = sampler.run(bell, shots=50, job_tags=["u"])
        sampler.set_options(execution={"shots": 7})
        third = sampler.run(bell)
    assert isinstance(result, SamplerResult) and result.metadata[0]["shots"] == 123
    pubs, sent = job.inputs["pubs"], job.inputs["options"]
    assert pubs[0][2] == 123 and sent == {"simulator": {"seed_simulator": 5}}
    record = runtime.fake.job(job.job_id())
    assert (record.log_level, record.cost, job.tags) == ("ERROR", 120, ["t"])
    assert called == [(job.job_id(), result)]  # the environment's callback got the result
    assert again.inputs["pubs"][0][2] == 50 and again.tags == ["u"]
    assert third.inputs["pubs"][0][2] == 7


def _record(into: list[tuple[str, Any]]) -> Any:
    def callback(job_id: str, result: Any) -> None:
        into.append((job_id, result))

    return callback


def test_seed_transpilation_options_shape_the_circuits(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    with Session(service=runtime.service, backend="generic_5q") as session:
        placed = Sampler(session=session, options={"initial_layout": [3, 4], "shots": 10})
        job = placed.run(bell)
        isa = runtime.isa(bell)
        as_given = Sampler(session=session, options={"skip_transpilation": True}).run(isa)
        with pytest.raises(IBMRuntimeError, match="ISA"):
            Sampler(session=session, options={"skip_transpilation": True}).run(bell)
    circuit = job.inputs["pubs"][0][0]
    used = {circuit.find_bit(q).index for inst in circuit.data for q in inst.qubits}
    assert used == {3, 4}
    assert as_given.inputs["pubs"][0][0] == isa  # sent as it was given
    assert job.result().quasi_dists[0].shots == 10


def test_seed_estimator_levels_and_zne_settings(runtime: Runtime) -> None:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    with Session(service=runtime.service, backend="generic_5q") as session:
        default = Estimator(session=session).run(circuit, SparsePauliOp("ZZ"))
        zne = Estimator(session=session, options=Options(resilience_level=2)).run(circuit, "ZZ")
        with pytest.raises(IBMInputValueError, match="resilience_level 3"):
            Estimator(session=session, options={"resilience_level": 3}).run(circuit, "ZZ")
        with pytest.raises(IBMInputValueError, match=r"\[0, 1\] in Sampler"):
            Sampler(session=session, options={"resilience_level": 2}).run(circuit)
    with Session(service=runtime.service, backend="ibmq_qasm_simulator") as session:
        simulated = Estimator(session=session).run(circuit, "ZZ")
    assert default.inputs["resilience_level"] == 1  # a device: 0.15.1's default level
    assert simulated.inputs["resilience_level"] == 0  # a noiseless simulator: level 0
    assert zne.inputs["resilience_level"] == 2
    assert zne.inputs["options"]["resilience"] == {
        "zne": {"noise_factors": [1.0, 3.0, 5.0], "extrapolator": "linear"}
    }
    assert zne.result().values[0] == pytest.approx(1, abs=0.2)


def test_the_fakes_sampler_program_parameters_validate_and_run(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    program = runtime.service.program("sampler")
    assert "sampler" in [p.program_id for p in runtime.service.programs(limit=None)]
    inputs = program.parameters()
    with pytest.raises(IBMInputValueError, match="missing required value"):
        runtime.service.run("sampler", inputs, RuntimeOptions(backend="generic_5q"))
    isa = runtime.isa(bell)
    values = {"pubs": [[isa, np.zeros(0), 32]], "version": 2, "circuits": [isa]}
    for name in inputs.to_dict():
        setattr(inputs, name, values.get(name))
    with Session(service=runtime.service, backend="generic_5q") as session:
        result = session.run("sampler", inputs, RuntimeOptions(job_tags=["ns"])).result()
    assert result[0].data.meas.num_shots == 32


def test_a_private_jobs_result_reaches_both_the_callback_and_the_caller(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    """A private job's result can be read once: the callback's read must serve the caller too."""
    got: list[Any] = []
    inputs = {"pubs": [[runtime.isa(bell), None, 8]], "version": 2}
    with Session(service=runtime.service, backend="generic_5q") as session:
        job = session.run(
            "sampler", inputs, {"private": True}, callback=lambda _, result: got.append(result)
        )
        result = job.result()
    assert isinstance(result, PrimitiveResult) and got == [result]
