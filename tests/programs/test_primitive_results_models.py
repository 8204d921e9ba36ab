"""The sampler's and estimator's results, as the fake stores and serves them, validate against
IBM's own result models (``ibm-quantum-schemas``, version 0.1 of each primitive)."""

from __future__ import annotations

import json

import pytest
from qiskit import ClassicalRegister, QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import mock_runtime

from .conftest import QPU, bell, isa_for, official_service

pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (the compat extra)")
pytest.importorskip("ibm_quantum_schemas", reason="needs ibm-quantum-schemas (the programs extra)")
from ibm_quantum_schemas.estimator.version_0_1 import (
    PrimitiveResultWrapperModel as EstimatorResultModel,
)
from ibm_quantum_schemas.sampler.version_0_1 import (
    PrimitiveResultWrapperModel as SamplerResultModel,
)
from qiskit_ibm_runtime import EstimatorV2, SamplerV2

pytestmark = [
    pytest.mark.compat,
    pytest.mark.usefixtures("no_account"),
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


def test_sampler_and_estimator_results_validate_against_ibms_models() -> None:
    two_registers = QuantumCircuit(2)
    two_registers.add_register(ClassicalRegister(1, "a"), ClassicalRegister(1, "b"))
    two_registers.h(0)
    two_registers.cx(0, 1)
    two_registers.measure([0, 1], [0, 1])
    with mock_runtime(seed=3) as fake:
        backend = official_service().backend(QPU)
        isa = isa_for(backend, bell(measure=False))
        zz = SparsePauliOp("ZZ").apply_layout(isa.layout)
        for level in (0, 1, 2):
            estimator = EstimatorV2(backend, options={"resilience_level": level})
            estimator.run([(isa, [zz, zz]), (isa, zz)]).result()
        twirled = {"twirling": {"enable_gates": True, "enable_measure": True}}
        sampler = SamplerV2(backend, options=twirled)
        sampler.run([isa_for(backend), isa_for(backend, two_registers)], shots=64).result()
        records = fake.jobs()

    models = {"estimator": EstimatorResultModel, "sampler": SamplerResultModel}
    assert sorted(record.program_id for record in records) == ["estimator"] * 3 + ["sampler"]
    for record in records:
        assert record.result_text is not None
        models[record.program_id].model_validate(json.loads(record.result_text))
