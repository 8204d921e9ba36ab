"""The served edge's cost (issue 17.9): 8 official clients over loopback HTTP against 8 threads of
our client in process, on the same fake and the same work, in one run.

Work: a Bell pair transpiled for ``ibmq_qasm_simulator``, 64 shots, submitted with ``SamplerV2``
and waited for, ``--jobs`` times per client, by ``--clients`` threads at once.

- **in process** (the anchor): each thread has our ``QiskitRuntimeService(fake=fake)``; requests
  go to the fake's app without a socket, and waits move the fake's clock to the next event.
- **served**: ``fake.serve(max_wait=0)`` (the pacer skips simulated waits at the first poll, so
  serving is measured, not pacing); each thread has its own official ``qiskit-ibm-runtime``
  ``QiskitRuntimeService`` (``compat.official_service_context``), IAM tokens and all.

The anchor runs before and after the served run, while the fake is not served, and counts as
their mean.

- **served, our client** (for reference): our client over loopback HTTP (``LiveTransport``,
  waiting on the fake's clock as the tests' transport does): the edge's cost without the official
  client's own.

Prints jobs per second of each and the ratios (target: official served at least 60% of in
process).
Absolute rates on shared machines vary 2x between runs; the ratio is what to compare.

    .venv/bin/python bench/bench_served.py [--clients 8] [--jobs 20]
"""

from __future__ import annotations

import argparse
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import ExitStack

from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2
from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.transports.live import LiveTransport

BACKEND = "ibmq_qasm_simulator"
SHOTS = 64
STATUS_POLL = re.compile(r"/api/v1/jobs/[^/]+")


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def loopback(server: FakeServer) -> LiveTransport:
    """Our live transport onto ``server``, waiting on the fake's clock as the tests' does."""
    return LiveTransport(
        runtime_url=server.runtime_url,
        iam_url=server.iam_url,
        api_key="bench-key",
        instance=server.instance,
        clock=server.fake.clock,
        probe=server.fake.simulation,
    )


def jobs_per_second(runners: list[Callable[[], None]], jobs: int) -> float:
    """Each runner runs one job; all run ``jobs`` times at once, one thread each."""
    errors: list[BaseException] = []

    def client(run: Callable[[], None]) -> None:
        try:
            for _ in range(jobs):
                run()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(run,)) for run in runners]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} client(s) failed; the first: {errors[0]!r}")
    return len(runners) * jobs / wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=20, help="jobs per client")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("qiskit_ibm_runtime").setLevel(logging.ERROR)
    from qiskit_ibm_runtime import SamplerV2 as OfficialSampler

    fake = FakeRuntime([BACKEND], seed=1)
    ours = [QiskitRuntimeService(fake=fake) for _ in range(args.clients)]
    isa = generate_preset_pass_manager(backend=ours[0].backend(BACKEND), optimization_level=1).run(
        bell()
    )

    def our_job(service: QiskitRuntimeService) -> Callable[[], None]:
        sampler = SamplerV2(mode=service.backend(BACKEND))

        def run() -> None:
            result = sampler.run([isa], shots=SHOTS).result()
            assert sum(result[0].data.meas.get_counts().values()) == SHOTS

        return run

    in_process = [our_job(service) for service in ours]
    jobs_per_second(in_process, 1)  # warm up imports and caches, untimed
    # Anchor, served, anchor again: the anchor is their mean, so drift shows in neither. The
    # anchor runs while the fake is not served (serving switches on its IAM check and pacer).
    first = jobs_per_second(in_process, args.jobs)
    with fake.serve(max_wait=0) as server, ExitStack() as stack:
        officials = [
            stack.enter_context(official_service_context(server)) for _ in range(args.clients)
        ]

        def official_job(service: object) -> Callable[[], None]:
            sampler = OfficialSampler(mode=service.backend(BACKEND))  # type: ignore[attr-defined]

            def run() -> None:
                result = sampler.run([isa], shots=SHOTS).result()
                assert sum(result[0].data.meas.get_counts().values()) == SHOTS

            return run

        served = [official_job(service) for service in officials]
        jobs_per_second(served, 1)
        server.clear_log()
        over_http = jobs_per_second(served, args.jobs)
        polls = sum(1 for entry in server.requests if STATUS_POLL.fullmatch(entry.path))
        ours_served = [
            our_job(QiskitRuntimeService(transport=loopback(server), instance=server.instance))
            for _ in range(args.clients)
        ]
        jobs_per_second(ours_served, 1)
        ours_over_http = jobs_per_second(ours_served, args.jobs)
    second = jobs_per_second(in_process, args.jobs)
    anchor = (first + second) / 2
    print(f"{args.clients} clients x {args.jobs} jobs each, {SHOTS} shots, {BACKEND}:")
    print(f"  in process, our client:          {anchor:6.1f} jobs/s ({first:.1f}, {second:.1f})")
    print(f"  served (max_wait=0), official:   {over_http:6.1f} jobs/s")
    print(f"  served (max_wait=0), our client: {ours_over_http:6.1f} jobs/s")
    print(
        f"  official status polls per job: {polls / (args.clients * args.jobs):.2f} (each one past "
        "the first costs that client its poll interval, 0.5 s outside a session)"
    )
    print(f"  served, official / in process = {over_http / anchor:.2f}   (target: at least 0.60)")
    print(f"  served, our client / in process = {ours_over_http / anchor:.2f}   (the edge alone)")


if __name__ == "__main__":
    main()
