from __future__ import annotations

from qiskit_runtime_double import RuntimeBackend

from .conftest import Runtime


def test_backends_are_listed_and_filterable(runtime: Runtime) -> None:
    names = {b.name for b in runtime.service.backends()}
    assert {"generic_5q", "generic_27q", "generic_127q", "ibmq_qasm_simulator"} <= names
    assert [b.name for b in runtime.service.backends(simulator=True)] == ["ibmq_qasm_simulator"]
    assert all(b.num_qubits >= 27 for b in runtime.service.backends(min_num_qubits=27))


def test_backend_target_comes_from_the_served_configuration(runtime: Runtime) -> None:
    backend = runtime.backend("generic_27q")
    assert isinstance(backend, RuntimeBackend)
    served = runtime.fake.catalogue["generic_27q"].backend
    assert backend.num_qubits == served.num_qubits == 27
    assert set(backend.coupling_map.get_edges()) == set(served.coupling_map.get_edges())


def test_status_reports_the_queue_and_offline_backends(runtime: Runtime) -> None:
    runtime.fake.add_background_jobs("generic_5q", 4, duration=10)
    status = runtime.service.backend_status("generic_5q")
    assert status.operational and status.status_msg == "active" and status.pending_jobs == 3
    runtime.fake.set_backend_status("generic_5q", operational=False, status="maintenance")
    assert runtime.backend().status().operational is False
    assert runtime.service.least_busy().name != "generic_5q"
