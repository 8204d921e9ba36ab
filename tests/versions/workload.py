"""A workload of the official client, run by each cached client version under ``mock_runtime``.

Run by ``test_official_versions.py`` with the interpreter of a ``.venv-official-*`` (built by
``scripts/setup-official-versions``) and ``PYTHONPATH`` pointing at this checkout; also runs in the
main environment. Prints one line per scenario: ``RESULT <name> <json>`` or
``FAILED <name> <json of the error>``. Each scenario opens its own ``mock_runtime`` block with
socket creation refused: nothing may leave the process.

The code is what a user of each release wrote: its channel (``ibm_quantum_platform`` from 0.40,
``ibm_cloud`` before), its imports, no knowledge of the fake beyond ``mock_runtime``'s handle.
"""

from __future__ import annotations

import json
import socket
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import qiskit_ibm_runtime
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager
from qiskit_ibm_runtime import EstimatorV2, QiskitRuntimeService, SamplerV2, Session

from qiskit_runtime_double import mock_runtime

warnings.simplefilter("ignore")  # each release deprecates something of the one before
VERSION = tuple(int(part) for part in qiskit_ibm_runtime.__version__.split(".")[:2])
CHANNEL = "ibm_quantum_platform" if VERSION >= (0, 40) else "ibm_cloud"
QPU = "generic_5q"
TOKEN = "any-api-key"


def refuse(self: socket.socket, *args: Any, **kwargs: Any) -> None:
    raise AssertionError("a socket was created")


def service_for(fake: Any) -> Any:
    return QiskitRuntimeService(channel=CHANNEL, token=TOKEN, instance=fake.plan.instance)


def bell_for(backend: Any) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    manager = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=1)
    return manager.run(circuit)


def sampler() -> Any:
    with mock_runtime(backends=[QPU], seed=1) as fake:
        backend = service_for(fake).backend(QPU)
        job = SamplerV2(mode=backend).run([bell_for(backend)], shots=100)
        counts = job.result()[0].data.meas.get_counts()
        return {"shots": sum(counts.values()), "status": job.status()}


def estimator() -> Any:
    with mock_runtime(backends=[QPU], seed=2) as fake:
        backend = service_for(fake).backend(QPU)
        circuit = QuantumCircuit(2)
        circuit.h(0)
        circuit.cx(0, 1)
        manager = generate_preset_pass_manager(optimization_level=1, backend=backend)
        isa = manager.run(circuit)
        observable = SparsePauliOp("ZZ").apply_layout(isa.layout)
        value = float(EstimatorV2(mode=backend).run([(isa, observable)]).result()[0].data.evs)
        return {"zz_above_0.8": value > 0.8}


def session() -> Any:
    with mock_runtime(backends=[QPU], seed=3) as fake:
        backend = service_for(fake).backend(QPU)
        isa = bell_for(backend)
        with Session(backend=backend, max_time=600) as opened:
            runner = SamplerV2(mode=opened)
            jobs = [runner.run([isa], shots=10) for _ in range(2)]
            statuses = [job.result() and job.status() for job in jobs]
            same = {job.session_id for job in jobs} == {opened.session_id}
        (record,) = fake.sessions()
        return {
            "statuses": statuses,
            "same_session": same,
            "fake_session": record.id == opened.session_id,
        }


def listing() -> Any:
    with mock_runtime(backends=[QPU, "generic_27q"], seed=4) as fake:
        service = service_for(fake)
        backend = service.backend(QPU)
        for _ in range(3):
            SamplerV2(mode=backend).run([bell_for(backend)], shots=10)
        return {
            "backends": sorted(b.name for b in service.backends()),
            "jobs": len(service.jobs(limit=10)),
        }


def expiry() -> Any:
    with mock_runtime(backends=[QPU], seed=5, duration_model=lambda w, s: 50.0) as fake:
        backend = service_for(fake).backend(QPU)
        isa = bell_for(backend)
        outcomes = []
        with Session(backend=backend, max_time=60) as opened:
            runner = SamplerV2(mode=opened)
            jobs = [runner.run([isa], shots=10) for _ in range(3)]
            for job in jobs:
                try:
                    job.result()
                    outcomes.append("DONE")
                except Exception as exc:  # the release's RuntimeJobFailureError
                    outcomes.append("FAILED: max_time" if "max_time" in str(exc) else repr(exc))
        return {"outcomes": outcomes, "simulated_s": (fake.clock.now() - fake.clock.start).seconds}


def timeout() -> Any:
    with mock_runtime(backends=[QPU], seed=6) as fake:
        backend = service_for(fake).backend(QPU)
        fake.add_background_jobs(QPU, 1, duration=3600)
        start = fake.clock.now()
        job = SamplerV2(mode=backend).run([bell_for(backend)], shots=10)
        try:
            job.result(timeout=30)
            timed_out = None
        except Exception as exc:
            timed_out = type(exc).__name__
        waited = (fake.clock.now() - start).total_seconds()
        job.result()
        return {"timed_out": timed_out, "waited_s": round(waited, 3), "status": job.status()}


#: The release's other channel: 0.30's ``ibm_quantum`` (IBM Quantum's own login, retired in
#: 2025), ``ibm_cloud`` after it (accepted by 0.51 as another name of the platform).
OTHER_CHANNEL = "ibm_cloud" if VERSION >= (0, 40) else "ibm_quantum"


def other_channel() -> Any:
    with mock_runtime(backends=[QPU], seed=7) as fake:
        if OTHER_CHANNEL == "ibm_quantum":
            service = QiskitRuntimeService(channel="ibm_quantum", token=TOKEN)
        else:
            service = QiskitRuntimeService(
                channel="ibm_cloud", token=TOKEN, instance=fake.plan.instance
            )
        backend = service.backend(QPU)
        job = SamplerV2(mode=backend).run([bell_for(backend)], shots=20)
        counts = job.result()[0].data.meas.get_counts()
        return {"channel": OTHER_CHANNEL, "shots": sum(counts.values())}


def instance_by_name() -> Any:
    with mock_runtime(backends=[QPU], seed=8) as fake:
        name = fake.instances.default.name
        service = QiskitRuntimeService(channel=CHANNEL, token=TOKEN, instance=name)
        backend = service.backend(QPU)
        SamplerV2(mode=backend).run([bell_for(backend)], shots=10).result()
        (job,) = fake.jobs()
        return {"instance_is_the_named_one": job.instance == fake.instances.default.crn}


SCENARIOS: dict[str, Callable[[], Any]] = {
    "sampler": sampler,
    "estimator": estimator,
    "session": session,
    "listing": listing,
    "expiry": expiry,
    "timeout": timeout,
    "other_channel": other_channel,
    "instance_by_name": instance_by_name,
}


def main(names: list[str]) -> int:
    socket.socket.__init__ = refuse  # type: ignore[method-assign]
    print("VERSION", json.dumps([qiskit_ibm_runtime.__version__, CHANNEL]), flush=True)
    for name in names or list(SCENARIOS):
        try:
            print("RESULT", name, json.dumps(SCENARIOS[name]()), flush=True)
        except Exception as exc:
            detail = "".join(traceback.format_exception(exc))[-3000:]
            print("FAILED", name, json.dumps(detail), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
