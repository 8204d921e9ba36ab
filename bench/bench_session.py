"""Per-job cost of a Session on the fake, against raw Aer and the official client's local mode.

Interleaved in one process: a Bell sampler job (2 qubits, 1024 shots) and a 4-qubit estimator job,
on the same noisy backend (generic_5q, noise from its target), through
- ours: ``Session`` + ``SamplerV2``/``EstimatorV2`` on ``FakeRuntime`` (encode, HTTP shapes in
  process, scheduler, Aer, decode);
- raw Aer: ``qiskit_aer.primitives.SamplerV2``/``EstimatorV2`` built from the same backend;
- official local mode: ``qiskit_ibm_runtime.SamplerV2(mode=<the same BackendV2>)`` (if installed).
Targets (issue 2): ours at most 1.5x raw Aer per Bell job, and faster than the official local mode.

    .venv/bin/python bench/bench_session.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import EstimatorV2, FakeRuntime, QiskitRuntimeService, SamplerV2, Session

BACKEND = "generic_5q"


def circuits(backend: object) -> tuple[QuantumCircuit, QuantumCircuit, SparsePauliOp]:
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    ghz = QuantumCircuit(4)
    ghz.h(0)
    for q in range(3):
        ghz.cx(q, q + 1)
    manager = generate_preset_pass_manager(backend=backend, optimization_level=1, seed_transpiler=1)
    isa_bell, isa_ghz = manager.run([bell, ghz])
    observable = SparsePauliOp(["ZZII", "IZZI", "XXXX"]).apply_layout(isa_ghz.layout)
    return isa_bell, isa_ghz, observable


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds

    fake = FakeRuntime(backends=[BACKEND], seed=1)
    service = QiskitRuntimeService(fake=fake)
    served = fake.catalogue[BACKEND].backend  # the BackendV2 the fake executes on
    isa_bell, isa_ghz, observable = circuits(service.backend(BACKEND))
    session = Session(service=service, backend=BACKEND)
    ours_sampler, ours_estimator = SamplerV2(mode=session), EstimatorV2(mode=session)

    from qiskit_aer.primitives import EstimatorV2 as AerEstimator
    from qiskit_aer.primitives import SamplerV2 as AerSampler

    aer_sampler = AerSampler.from_backend(served, seed=1)
    aer_estimator = AerEstimator.from_backend(served, options={"run_options": {"seed": 1}})

    from qiskit_aer import AerSimulator

    simulator = AerSimulator.from_backend(served, seed_simulator=1)
    contenders: dict[str, dict[str, Callable[[], object]]] = {
        "ours (Session on FakeRuntime)": {
            "bell": lambda: ours_sampler.run([isa_bell], shots=1024).result(),
            "estimator": lambda: ours_estimator.run([(isa_ghz, observable)]).result(),
        },
        "raw Aer primitives": {
            "bell": lambda: aer_sampler.run([isa_bell], shots=1024).result(),
            "estimator": lambda: aer_estimator.run(
                [(isa_ghz, observable)], precision=0.015625
            ).result(),
        },
        "raw AerSimulator.run (counts)": {
            "bell": lambda: simulator.run(isa_bell, shots=1024).result().get_counts(),
        },
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from qiskit_ibm_runtime import EstimatorV2 as OfficialEstimator
            from qiskit_ibm_runtime import SamplerV2 as OfficialSampler

            official_sampler, official_estimator = (
                OfficialSampler(mode=served),
                OfficialEstimator(mode=served),
            )
        contenders["official local mode"] = {
            "bell": lambda: official_sampler.run([isa_bell], shots=1024).result(),
            "estimator": lambda: official_estimator.run([(isa_ghz, observable)]).result(),
        }
    except ImportError:
        print("(qiskit-ibm-runtime not installed: official local mode skipped)")

    samples: dict[tuple[str, str], list[float]] = {
        (n, k): [] for n, jobs in contenders.items() for k in jobs
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for jobs in contenders.values():  # warm-up: caches, imports, noise models
            for job in jobs.values():
                job()
        for _ in range(rounds):
            for kind in ("bell", "estimator"):
                for name, jobs in contenders.items():
                    if kind in jobs:
                        samples[(name, kind)].append(timed(jobs[kind]))

    ideal_bell(rounds)
    medians = {key: statistics.median(values) for key, values in samples.items()}
    print(f"median per-job time over {rounds} interleaved rounds on {BACKEND} (noisy):")
    for kind in ("bell", "estimator"):
        for name in contenders:
            if (name, kind) in medians:
                print(f"  {kind:<9} {name:<30} {medians[(name, kind)] * 1000:8.2f} ms")
    ours, raw = "ours (Session on FakeRuntime)", "raw Aer primitives"
    plain = medians[("raw AerSimulator.run (counts)", "bell")]
    print(f"ratio bell: ours / raw AerSimulator.run = {medians[(ours, 'bell')] / plain:.2f}x")
    for kind in ("bell", "estimator"):
        print(
            f"ratio {kind}: ours / raw Aer = {medians[(ours, kind)] / medians[(raw, kind)]:.2f}x"
            + (" (target <= 1.5x)" if kind == "bell" else "")
        )
        if "official local mode" in contenders:
            ratio = medians[(ours, kind)] / medians[("official local mode", kind)]
            print(f"ratio {kind}: ours / official local mode = {ratio:.2f}x (target < 1.0x)")


def ideal_bell(rounds: int) -> dict[str, float]:
    """Median seconds of an ideal Bell job (1,024 shots): ours on ``ibmq_qasm_simulator`` in a
    Session, Aer's own ``SamplerV2``, and plain ``AerSimulator.run`` (counts), interleaved."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import SamplerV2 as AerSampler

    fake = FakeRuntime(backends=["ibmq_qasm_simulator"], seed=1)
    session = Session(service=QiskitRuntimeService(fake=fake), backend="ibmq_qasm_simulator")
    ours = SamplerV2(mode=session)
    aer_sampler, simulator = AerSampler(seed=1), AerSimulator(seed_simulator=1)
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    contenders: dict[str, Callable[[], object]] = {
        "ours": lambda: ours.run([bell], shots=1024).result(),
        "Aer SamplerV2": lambda: aer_sampler.run([bell], shots=1024).result(),
        "AerSimulator.run": lambda: simulator.run(bell, shots=1024).result().get_counts(),
    }
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for action in contenders.values():
        action()
    for _ in range(rounds):
        for name, action in contenders.items():
            samples[name].append(timed(action))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"ideal Bell (1024 shots), median of {rounds} interleaved rounds:")
    for name, median in medians.items():
        print(f"  {name:<30} {median * 1000:8.2f} ms")
    plain = medians["AerSimulator.run"]
    ours_ratio, aer_ratio = medians["ours"] / plain, medians["Aer SamplerV2"] / plain
    print(f"ratio ideal bell: ours / AerSimulator.run = {ours_ratio:.2f}x (target <= 1.5x)")
    print(f"ratio ideal bell: Aer SamplerV2 / AerSimulator.run = {aer_ratio:.2f}x")
    return medians


if __name__ == "__main__":
    main()
