"""Load everything heavy before pytester snapshots ``sys.modules``: its in-process runs drop the
modules imported inside them, and compiled extensions (qiskit's, Aer's) cannot be loaded twice.
Running one sampler and one estimator job imports all that the fake loads lazily."""

from __future__ import annotations

from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

import qiskit_runtime_double.accounts  # noqa: F401
from qiskit_runtime_double import EstimatorV2, FakeRuntime, QiskitRuntimeService, SamplerV2


def _warm() -> None:
    service = QiskitRuntimeService(fake=FakeRuntime(backends=["ibmq_qasm_simulator", "generic_5q"]))
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    for name in ("ibmq_qasm_simulator", "generic_5q"):
        backend = service.backend(name)
        from qiskit.transpiler import generate_preset_pass_manager

        isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)
        EstimatorV2(mode=backend).run(
            [(isa, SparsePauliOp("ZZ").apply_layout(isa.layout))]
        ).result()
        measured = isa.copy()
        measured.measure_all()
        SamplerV2(mode=backend).run([measured], shots=8).result()


_warm()


def _warm_cassettes() -> None:
    """Write and read one cassette: loads PyYAML's C extension and the cassette modules."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "warm.yaml"
        fake = FakeRuntime(backends=["ibmq_qasm_simulator"])
        recorder = QiskitRuntimeService(fake=fake, cassette=path, record_mode="record")
        recorder.backends()
        recorder.close()
        player = QiskitRuntimeService(cassette=path, record_mode="replay")
        player.backends()
        player.close()


_warm_cassettes()
