"""``calibration_id`` as the official client 0.51 sends it (issue 19 point 5).

``service.backend(name, calibration_id=...)`` asks ``GET /backends/{name}/configuration?
calibration_id=...`` (and ``/properties`` with it when the target is built); its jobs carry the id.
The fake keeps one calibration per backend (``fake.catalogue[name].calibration_id``): any other
id is a 404, which the client turns into ``QiskitBackendNotFoundError``, as the client's own
integration test expects of IBM ("invalid_id").
"""

from __future__ import annotations

import logging

import pytest
from qiskit import QuantumCircuit

from .conftest import QPU, Official, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit.providers.exceptions import QiskitBackendNotFoundError  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


def test_the_backends_calibration_is_served_by_its_id(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    known = official.fake.catalogue[QPU].calibration_id

    backend = official.service.backend(QPU, calibration_id=known)
    assert backend.calibration_id == known
    assert backend.target.num_qubits == 5  # properties fetched with the id too
    job = sampler_job(backend, bell_isa, shots=10)  # its job carries the id
    assert job.result()[0].data.meas.num_shots == 10

    asked = {
        r.path.rsplit("/", 1)[-1]: r.query.get("calibration_id")
        for r in official.calls()
        if r.path.startswith(f"/api/v1/backends/{QPU}/") and r.status == 200
    }
    assert asked["configuration"] == [known] and asked["properties"] == [known]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_an_unknown_calibration_id_is_a_backend_not_found(official: Official) -> None:
    records = Records()  # the client's logger does not propagate: listen to it directly
    client_logger = logging.getLogger("qiskit_ibm_runtime")
    client_logger.addHandler(records)
    try:
        with pytest.raises(QiskitBackendNotFoundError, match="No backend matches"):
            official.service.backend(QPU, calibration_id="invalid_id")
    finally:
        client_logger.removeHandler(records)

    refused = [r for r in official.calls() if r.path.endswith(f"/{QPU}/configuration")]
    assert [(r.query.get("calibration_id"), r.status) for r in refused] == [(["invalid_id"], 404)]
    # The client's warning carries the fake's answer: the id it did not find, and the one it has.
    known = official.fake.catalogue[QPU].calibration_id
    assert any("invalid_id" in m and known in m for m in records.messages)
    assert official.service.backend(QPU).calibration_id is None  # without one: as before


def test_our_client_asks_for_a_calibration_as_the_official_one_does(
    bell_isa: QuantumCircuit,
) -> None:
    from qiskit_runtime_double import BackendNotFoundError, FakeRuntime, QiskitRuntimeService
    from qiskit_runtime_double import SamplerV2 as OurSampler

    fake = FakeRuntime([QPU], seed=3)
    service = QiskitRuntimeService(fake=fake)
    known = fake.catalogue[QPU].calibration_id

    backend = service.backend(QPU, calibration_id=known)
    assert backend.calibration_id == known and service.backend(QPU).calibration_id is None
    job = OurSampler(mode=backend).run([bell_isa], shots=10)
    assert job.result()[0].data.meas.num_shots == 10

    with pytest.raises(BackendNotFoundError, match="invalid_id"):
        service.backend(QPU, calibration_id="invalid_id")
