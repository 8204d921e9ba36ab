"""Per-job cost of a Bell job over each way of reaching the fake, in one run, interleaved.

- ours over loopback HTTP: our client (live transport) against ``fake.serve()``;
- ours in process: our client on ``InProcessTransport`` (another fake with the same settings);
- official over loopback HTTP: qiskit-ibm-runtime 0.51 against the same server.
The server paces simulated time on polls (``pace="poll"``), so no client waits simulated seconds.
Targets (issue 4): ours over HTTP at most 1.3x the official client's per-job time against the same
server; in process at least 3x faster than over loopback HTTP.

    .venv/bin/python bench/bench_transports.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2
from qiskit_runtime_double.fake.core.executor import NoOpExecutor

#: A noisy device, where Aer's simulation dominates a job, and the ideal simulator, where the
#: transport's own cost shows.
BACKENDS = ("generic_5q", "ibmq_qasm_simulator")


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    warnings.simplefilter("ignore")
    for backend in BACKENDS:
        measure(backend, rounds, executor=None)
    # The transports alone: the same requests and simulation, with a no-op executor.
    measure("ibmq_qasm_simulator", rounds, executor=NoOpExecutor())


def measure(backend_name: str, rounds: int, executor: NoOpExecutor | None) -> None:
    """Run the three contenders on ``backend_name`` and print medians and ratios."""
    served = FakeRuntime(backends=[backend_name], seed=1, executor=executor)
    local = FakeRuntime(backends=[backend_name], seed=1, executor=executor)
    # max_wait=0: a poll skips straight to the job's next status, so what is measured is the
    # transports, not the real-time hold that lets client timeouts fire (docs/server-mode.md).
    with served.serve(pace="poll", max_wait=0) as server:
        ours_http = QiskitRuntimeService(
            token="bench-key",
            instance=server.instance,
            runtime_url=server.runtime_url,
            iam_url=server.iam_url,
        )
        ours_local = QiskitRuntimeService(fake=local)
        isa = generate_preset_pass_manager(
            backend=ours_local.backend(backend_name), optimization_level=1
        ).run(bell())
        http_backend, local_backend = (
            ours_http.backend(backend_name),
            ours_local.backend(backend_name),
        )
        contenders: dict[str, Callable[[], object]] = {
            "ours, loopback HTTP": lambda: (
                SamplerV2(mode=http_backend).run([isa], shots=1024).result()
            ),
            "ours, in process": lambda: (
                SamplerV2(mode=local_backend).run([isa], shots=1024).result()
            ),
        }
        try:
            from qiskit_ibm_runtime import SamplerV2 as OfficialSampler

            from qiskit_runtime_double.compat import official_service_context

            context = official_service_context(server)
            official = context.__enter__()
            official_backend = official.backend(backend_name)
            contenders["official 0.51, loopback HTTP"] = lambda: (
                OfficialSampler(mode=official_backend).run([isa], shots=1024).result()
            )
        except ImportError:
            context = None
            print("(qiskit-ibm-runtime not installed: the official client is skipped)")
        try:
            samples: dict[str, list[float]] = {name: [] for name in contenders}
            for action in contenders.values():
                action()  # warm caches, tokens and connections
            for _ in range(rounds):
                for name, action in contenders.items():
                    start = time.perf_counter()
                    action()
                    samples[name].append(time.perf_counter() - start)
        finally:
            if context is not None:
                context.__exit__(None, None, None)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    what = "no-op executor: transports only" if executor else "executed on Aer"
    print(f"median per Bell job (1024 shots) on {backend_name}, {what}, {rounds} rounds:")
    for name, value in medians.items():
        print(f"  {name:<30} {value * 1000:8.2f} ms")
    http, local_time = medians["ours, loopback HTTP"], medians["ours, in process"]
    print(f"in process vs loopback HTTP: {http / local_time:.1f}x faster (target >= 3x)")
    if "official 0.51, loopback HTTP" in medians:
        ratio = http / medians["official 0.51, loopback HTTP"]
        print(f"ours over HTTP / official over HTTP: {ratio:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
