"""Throughput of the served fake: 16 clients at once over loopback HTTP, Aer included.

Each client thread runs its own ``QiskitRuntimeService`` on our live transport against one
``fake.serve()`` and submits small jobs (a Bell pair, 64 shots, on ``ibmq_qasm_simulator``) one
after another, waiting for each result. The server skips simulated waits at the first poll
(``max_wait=0``), so what is measured is the work of serving, not pacing. Prints jobs per second and
where the time went: wall time split into the server's request handling, Aer, and the rest.

    .venv/bin/python bench/bench_served.py [--clients 16] [--jobs 100]
"""

from __future__ import annotations

import argparse
import functools
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

from qiskit import QuantumCircuit

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2
from qiskit_runtime_double.transports.live import LiveTransport


class Timers:
    """Seconds spent in wrapped functions, summed over every thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                with self._lock:
                    self.seconds[label] = self.seconds.get(label, 0.0) + spent

        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=100, help="jobs per client")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    from qiskit_runtime_double.fake.core import aer, executor

    timers = Timers()
    timers.wrap(aer.AerRun, "run", "Aer")
    timers.wrap(executor.AerExecutor, "prepare", "decoding and checking circuits")

    fake = FakeRuntime(backends=["ibmq_qasm_simulator"], seed=1)
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    done: list[int] = []
    errors: list[BaseException] = []

    with fake.serve(max_wait=0) as server:
        application = server._server.app  # werkzeug's: the guard, the page, the fake's router
        handled = [0.0]
        lock = threading.Lock()

        def handle(environ: Any, start_response: Any) -> Any:
            started = time.perf_counter()
            try:
                return application(environ, start_response)
            finally:
                with lock:
                    handled[0] += time.perf_counter() - started

        server._server.app = handle

        def client() -> None:
            try:
                transport = LiveTransport(
                    runtime_url=server.runtime_url,
                    iam_url=server.iam_url,
                    api_key="throughput",
                    instance=server.instance,
                )
                service = QiskitRuntimeService(transport=transport, instance=server.instance)
                sampler = SamplerV2(mode=service.backend("ibmq_qasm_simulator"))
                for _ in range(args.jobs):
                    sampler.run([bell], shots=64).result()
                    with lock:
                        done.append(1)
                service.close()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        statuses: dict[int, int] = {}
        for entry in server.requests:
            statuses[entry.status // 100] = statuses.get(entry.status // 100, 0) + 1

    if errors:
        raise SystemExit(f"{len(errors)} client(s) failed; the first: {errors[0]!r}")
    jobs = len(done)
    print(f"{args.clients} clients x {args.jobs} jobs: {jobs} jobs in {wall:.1f} s")
    print(f"throughput: {jobs / wall:.1f} jobs/s (the issue's baseline: about 21 jobs/s)")
    print(f"status classes of the last {sum(statuses.values())} requests: {statuses}")
    busy = handled[0]
    print("where the server's time went (summed over its threads; 2 cores):")
    print(f"  handling requests         {busy:7.1f} s  ({busy / jobs * 1000:.1f} ms per job)")
    for label, seconds in sorted(timers.seconds.items(), key=lambda item: -item[1]):
        print(
            f"    of which {label:<28} {seconds:7.1f} s  ({seconds / jobs * 1000:.1f} ms per job)"
        )


if __name__ == "__main__":
    main()
