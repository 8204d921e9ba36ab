"""The seed example, run against the in-process fake (``qiskit-runtime-double demo``)."""

from __future__ import annotations

from qiskit import QuantumCircuit

from .fake import FakeRuntime
from .legacy.primitives import Sampler
from .options import Options
from .service import QiskitRuntimeService, default_service
from .session import Session

__all__ = ["run_demo"]


def bell() -> QuantumCircuit:
    """The Bell circuit of the seed example's since-removed ``ReferenceCircuits.bell()``."""
    circuit = QuantumCircuit(2, 2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def run_demo(*, seed: int = 1, backend: str = "ibmq_qasm_simulator") -> dict[str, object]:
    """Run the seed example on a fresh fake and return what it printed, for tests to check."""
    fake = FakeRuntime(seed=seed)
    seen: dict[str, object] = {}
    with default_service(QiskitRuntimeService(fake=fake)):
        # --- the seed example, unchanged but for the Bell circuit ---
        options = Options(optimization_level=3)

        with Session(backend=backend) as session:
            sampler = Sampler(session=session, options=options)
            job = sampler.run(bell())
            print(f"Sampler job ID: {job.job_id()}")
            print(f"Sampler job result: {job.result()}")
            # Close the session only if all jobs are finished and
            # you don't need to run more in the session.
            session.close()
        # --- end of the seed example ---
        result = job.result()
        counts = {
            format(k, "02b"): round(v * result.metadata[0]["shots"])
            for k, v in result.quasi_dists[0].items()
        }
        print(f"Session ID: {session.session_id}")
        print(f"Session status: {session.status()}")
        print(f"Counts: {counts}")
        seen.update(
            job_id=job.job_id(),
            session_id=session.session_id,
            counts=counts,
            status=session.status(),
        )
    return seen
