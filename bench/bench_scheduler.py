"""Scheduler benchmark: N jobs in N/100 sessions on 5 backends, no-op executor, run to completion.

Prints events per second and how the cost grows from 1,000 to 10,000 jobs against n log n.
Target (issue 3): the 10,000-job run in under 1 s; growth close to n log n.

    .venv/bin/python bench/bench_scheduler.py
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.core.executor import NoOpExecutor
from qiskit_runtime_double.wire.models import JobCreateRequest, SessionCreateRequest

BACKENDS = ["generic_5q", "generic_27q", "generic_127q", "ibmq_qasm_simulator", "fake_b5"]
JOBS_PER_SESSION = 100
PARAMS = {"pubs": [["OPENQASM 3.0;", None, 100]], "version": 2}


def build() -> FakeRuntime:
    from qiskit.providers.fake_provider import GenericBackendV2

    extra = {"fake_b5": GenericBackendV2(5, seed=1)}
    fake = FakeRuntime(backends=BACKENDS[:4], executor=NoOpExecutor(), seed=0)
    fake.catalogue.update(FakeRuntime(backends=extra, executor=NoOpExecutor()).catalogue)
    return fake


def run(jobs: int) -> tuple[float, int]:
    """Seconds to submit ``jobs`` jobs and simulate them all to completion; events processed."""
    fake = build()
    state = fake.state
    sessions = jobs // JOBS_PER_SESSION
    start = time.perf_counter()
    for index in range(sessions):
        backend = BACKENDS[index % len(BACKENDS)]
        mode = "batch" if index % 4 == 3 else "dedicated"
        session = state.create_session(SessionCreateRequest(mode=mode, backend=backend))
        for _ in range(JOBS_PER_SESSION):
            state.submit_job(
                JobCreateRequest(program_id="sampler", params=PARAMS, session_id=session.id)
            )
        fake.clock.shift(1)
    fake.clock.shift(dt.timedelta(days=365))
    state.next_event_time()  # catches the simulation up to now
    elapsed = time.perf_counter() - start
    assert all(job.final for job in state.jobs.values()), "every job must be final"
    return elapsed, state.scheduler.events_processed


def main() -> None:
    build()  # warm imports and catalogue construction outside the timings
    results = {}
    for jobs in (1_000, 10_000):
        times, events = [], 0
        for _ in range(3):
            seconds, events = run(jobs)
            times.append(seconds)
        results[jobs] = statistics.median(times)
        print(
            f"{jobs:>6} jobs: {results[jobs]:.3f} s median of 3, {events} events, "
            f"{events / results[jobs]:,.0f} events/s, {jobs / results[jobs]:,.0f} jobs/s"
        )
    growth = results[10_000] / results[1_000]
    nlogn = (10_000 * math.log(10_000)) / (1_000 * math.log(1_000))
    print(f"growth 1k -> 10k: {growth:.1f}x (n log n predicts {nlogn:.1f}x, linear 10.0x)")
    print(f"10,000-job run vs the 1 s target: {results[10_000]:.2f}x of the budget")


if __name__ == "__main__":
    main()
