"""The official client's Bell job under ``mock_runtime``, against its two alternatives.

One official ``qiskit-ibm-runtime`` client, one workload: a Bell pair, transpiled once, sampled
with 1024 shots by ``SamplerV2`` on a 5-qubit device, submitted and waited for ``--jobs`` times
(the service is made once, outside the timing). Measured in one run, on the same machine:

- **local mode**: the client's own local testing mode (``SamplerV2(mode=FakeManilaV2())``): Aer
  in process with a noise model, no sessions, no queue, no service (the anchor);
- **mock_runtime**: the same code against ``FakeRuntime``'s ``generic_5q`` in process, through
  the client's HTTP stack (requests, urllib3), answered without a socket, in simulated time;
- **loopback HTTP**: the same client against ``fake.serve(max_wait=0)`` (the pacer skips
  simulated waits at the first poll, so only serving is measured);
- **loopback, paced**: the same, with the served fake's default pacing (``max_wait=1``: a job
  is held a real second before polls skip ahead, so that short timeouts fire), what a test
  suite pointed at ``fake.serve()`` gets.

Prints milliseconds per job and the ratios. Targets: mock_runtime at most 1.5x local mode, and at
least 3x faster than loopback HTTP. What the runs share dominates a Bell job: the client's own
work per request and Aer's noisy simulation (about 40 ms of it); a loopback request costs the
socket about 1 ms more than an intercepted one, and a paced one a real second per job.

    .venv/bin/python bench/bench_official.py [--jobs 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import FakeRuntime, mock_runtime
from qiskit_runtime_double.compat import official_service_context


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def per_job(backend_or_mode: Any, isa: QuantumCircuit, jobs: int) -> float:
    """Median seconds of submitting one job and waiting for its counts."""
    from qiskit_ibm_runtime import SamplerV2

    times = []
    for _ in range(jobs):
        start = time.perf_counter()
        result = SamplerV2(mode=backend_or_mode).run([isa], shots=1024).result()
        assert sum(result[0].data.meas.get_counts().values()) == 1024
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def local_mode(jobs: int) -> float:
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    backend = FakeManilaV2()
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(bell())
    return per_job(backend, isa, jobs)


def intercepted(jobs: int) -> float:
    from qiskit_ibm_runtime import QiskitRuntimeService

    with mock_runtime(backends=["generic_5q"], seed=1):
        service = QiskitRuntimeService(channel="ibm_quantum_platform", token="bench-key")
        backend = service.backend("generic_5q")
        isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(bell())
        return per_job(backend, isa, jobs)


def loopback(jobs: int, max_wait: float = 0.0) -> float:
    fake = FakeRuntime(["generic_5q"], seed=1)
    with fake.serve(max_wait=max_wait) as server, official_service_context(server) as service:
        backend = service.backend("generic_5q")
        isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(bell())
        return per_job(backend, isa, jobs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20, help="jobs per alternative")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import logging

    logging.getLogger("qiskit_ibm_runtime").setLevel(logging.ERROR)

    runs: dict[str, Callable[[int], float]] = {
        "local mode": local_mode,
        "mock_runtime": intercepted,
        "loopback HTTP": loopback,
        "loopback, paced": lambda jobs: loopback(jobs, max_wait=1.0),
    }
    for name, run in runs.items():  # warm up imports and caches, untimed
        if name != "loopback, paced":
            run(1)
    seconds = {name: run(args.jobs if "paced" not in name else 3) for name, run in runs.items()}
    for name, value in seconds.items():
        print(f"{name:>16}: {value * 1000:7.1f} ms per Bell job (median)")
    local, mocked, served = seconds["local mode"], seconds["mock_runtime"], seconds["loopback HTTP"]
    print(f"mock_runtime / local mode    = {mocked / local:5.2f}x   (target: at most 1.5x)")
    print(f"loopback HTTP / mock_runtime = {served / mocked:5.2f}x   (target: at least 3x)")
    paced = seconds["loopback, paced"]
    print(f"loopback, paced / mock_runtime = {paced / mocked:5.1f}x")


if __name__ == "__main__":
    main()
