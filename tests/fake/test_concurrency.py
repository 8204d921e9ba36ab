"""Many threads on one fake: no deadlock, nothing lost, and Aer never blocks other requests.

Each test runs its threads under a watchdog: if they do not finish within a generous bound, the
test fails with every thread's stack (a hang is a bug here, never a slow machine: the work itself
takes well under a second).
"""

from __future__ import annotations

import contextlib
import itertools
import random
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    FakeRuntime,
    IBMRuntimeError,
    QiskitRuntimeService,
    RuntimeInvalidStateError,
    SamplerV2,
    Session,
)
from qiskit_runtime_double.fake.core.workloads import NoOpExecutor

from ..helpers import bell, isa, live_transport

#: Generous: the work of each test takes a fraction of this on a loaded 2-core machine.
DEADLINE = 120.0


def run_threads(targets: list[Callable[[], None]], deadline: float = DEADLINE) -> None:
    """Run each target in its own thread; fail with every stack if any is still running late."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    done = threading.Event()

    def watch() -> None:
        for thread in threads:
            thread.join()
        done.set()

    threading.Thread(target=watch, daemon=True).start()
    if not done.wait(deadline):
        frames = sys._current_frames()
        stacks = "\n".join(
            f"--- {thread.name}\n" + "".join(traceback.format_stack(frames[thread.ident]))
            for thread in threads
            if thread.is_alive() and thread.ident in frames
        )
        pytest.fail(f"threads still running after {deadline} s (deadlock?):\n{stacks}")
    if errors:
        raise errors[0]


def test_threads_submitting_and_waiting_on_one_fake_never_deadlock() -> None:
    """The reported hang: 2-3 threads each submit jobs to one in-process fake and wait on them."""
    fake = FakeRuntime(backends=["ibmq_qasm_simulator", "generic_5q"], seed=3)
    counts: dict[int, list[dict[str, int]]] = {}

    def worker(index: int) -> Callable[[], None]:
        def run() -> None:
            service = QiskitRuntimeService(fake=fake)
            backend = service.backend("ibmq_qasm_simulator")
            results = counts.setdefault(index, [])
            with Session(backend=backend) as session:
                sampler = SamplerV2(mode=session)
                for _ in range(6):
                    job = sampler.run([bell()], shots=64)
                    results.append(job.result()[0].data.meas.get_counts())

        return run

    run_threads([worker(i) for i in range(3)])
    assert sorted(len(results) for results in counts.values()) == [6, 6, 6]
    for results in counts.values():
        for found in results:
            assert sum(found.values()) == 64 and set(found) <= {"00", "11"}


def test_stress_many_threads_sessions_cancels_and_clock_moves() -> None:
    """8 client threads x 40 jobs, a chaos thread moving time and reading everything."""
    fake = FakeRuntime(backends=["generic_5q", "generic_27q"], seed=5, executor=NoOpExecutor())
    isa = {name: transpiled(fake, name) for name in fake.backend_names}
    submitted: list[str] = []
    submitted_lock = threading.Lock()
    stop = threading.Event()

    def client(index: int) -> Callable[[], None]:
        def run() -> None:
            draws = random.Random(index)
            service = QiskitRuntimeService(fake=fake)
            backend = service.backend(draws.choice(["generic_5q", "generic_27q"]))
            circuit = isa[backend.name]
            mode = Session if index % 2 else _batch
            done = 0
            while done < 40:
                # Time moves under our feet (the chaos thread), so a session may expire: then,
                # as a user would, open the next one.
                with mode(backend=backend, max_time=3600) as session:
                    sampler = SamplerV2(mode=session)
                    while done < 40:
                        try:
                            job = sampler.run([circuit], shots=16)
                        except IBMRuntimeError as exc:
                            assert "does not accept new jobs" in str(exc)
                            break
                        done += 1
                        with submitted_lock:
                            submitted.append(job.job_id())
                        if draws.random() < 0.2:
                            with contextlib.suppress(RuntimeInvalidStateError):
                                job.cancel()  # it may have finished first: fine
                        job.wait_for_final_state()
                        assert job.status() in ("DONE", "CANCELLED", "ERROR")

        return run

    def chaos() -> None:
        draws = random.Random(99)
        rounds = 0
        while not stop.wait(0.002):  # contend for the lock, without starving the clients
            fake.clock.shift(draws.random())
            fake.state.list_jobs(_all_jobs())
            fake.state.next_event_time()
            rounds += 1
            if rounds % 20 == 0:
                fake.timeline_svg()

    clients = [client(i) for i in range(8)]
    chaos_thread = threading.Thread(target=chaos, daemon=True)
    chaos_thread.start()
    try:
        run_threads(clients)
    finally:
        stop.set()
        chaos_thread.join(timeout=DEADLINE)
    records = [fake.job(job_id) for job_id in submitted]
    assert len(set(submitted)) == len(submitted) == 8 * 40  # nothing lost, nothing doubled
    assert all(record.final for record in records)
    _assert_one_job_at_a_time(records)


def test_served_fake_with_concurrent_http_clients() -> None:
    """Loopback HTTP, 8 clients at once, the server pacing time on polls."""
    fake = FakeRuntime(backends=["generic_5q"], seed=8, executor=NoOpExecutor())
    circuit = transpiled(fake, "generic_5q")
    ids: list[str] = []
    lock = threading.Lock()
    with fake.serve() as server:

        def client() -> None:
            transport = live_transport(server, "stress-key")
            with QiskitRuntimeService(transport=transport, instance=server.instance) as service:
                backend = service.backend("generic_5q")
                with Session(backend=backend) as session:
                    sampler = SamplerV2(mode=session)
                    for _ in range(15):
                        job = sampler.run([circuit], shots=16)
                        job.wait_for_final_state()
                        assert job.status() == "DONE"
                        with lock:
                            ids.append(job.job_id())

        run_threads([client for _ in range(8)])
        statuses = {entry.status for entry in server.requests}
    assert len(set(ids)) == 8 * 15
    assert all(status < 500 for status in statuses), statuses


def test_aer_runs_outside_the_lock_so_other_requests_are_answered_meanwhile() -> None:
    """While one job's result is being computed, other clients are served (no global stall)."""
    started, release = threading.Event(), threading.Event()

    class SlowExecutor(NoOpExecutor):
        def execute(self, workload: Any, entry: Any, seed: int) -> Any:
            started.set()
            assert release.wait(DEADLINE), "the test never released the executor"
            return super().execute(workload, entry, seed)

    fake = FakeRuntime(backends=["generic_5q"], seed=1, executor=SlowExecutor())
    service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=service.backend("generic_5q")).run([transpiled(fake, "generic_5q")])
    waiter = threading.Thread(target=job.wait_for_final_state, daemon=True)
    waiter.start()
    assert started.wait(DEADLINE), "the job never started executing"
    answered = threading.Event()

    def other_client() -> None:
        other = QiskitRuntimeService(fake=fake)
        other.backend("generic_5q").status()
        other.jobs(limit=5, pending=True)
        answered.set()

    threading.Thread(target=other_client, daemon=True).start()
    try:
        assert answered.wait(DEADLINE / 4), "requests were blocked while a job executed"
        assert not release.is_set() and waiter.is_alive()  # the job is still being computed
    finally:
        release.set()
    waiter.join(DEADLINE)
    assert not waiter.is_alive()
    assert job.status() == "DONE"


def test_a_reader_waits_for_a_result_computed_by_another_thread() -> None:
    """A job whose run ended is never seen half-finished: readers wait for its result."""
    started, release = threading.Event(), threading.Event()

    class SlowExecutor(NoOpExecutor):
        def execute(self, workload: Any, entry: Any, seed: int) -> Any:
            started.set()
            assert release.wait(DEADLINE)
            return super().execute(workload, entry, seed)

    fake = FakeRuntime(backends=["generic_5q"], seed=1, executor=SlowExecutor())
    service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=service.backend("generic_5q")).run([transpiled(fake, "generic_5q")])
    threading.Thread(target=lambda: fake.clock.shift(3600) or fake.state.next_event_time()).start()
    assert started.wait(DEADLINE)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.append(fake.job(job.job_id()).status))
    reader.daemon = True
    reader.start()
    reader.join(0.2)
    assert reader.is_alive(), "the reader returned before the result was computed"
    release.set()
    reader.join(DEADLINE)
    assert seen == ["Completed"]


def test_an_interrupted_execution_fails_the_job_and_frees_its_readers() -> None:
    class Interrupting(NoOpExecutor):
        def execute(self, workload: Any, entry: Any, seed: int) -> Any:
            raise KeyboardInterrupt

    fake = FakeRuntime(backends=["generic_5q"], seed=1, executor=Interrupting())
    service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=service.backend("generic_5q")).run([transpiled(fake, "generic_5q")])
    with pytest.raises(KeyboardInterrupt):
        job.wait_for_final_state()
    record = fake.job(job.job_id())
    assert record.status == "Failed" and "interrupted" in (record.reason or "")


# --- helpers -------------------------------------------------------------------------------------


def transpiled(fake: FakeRuntime, name: str) -> QuantumCircuit:
    return isa(QiskitRuntimeService(fake=fake), bell(), name)


def _batch(**kwargs: Any) -> Any:
    from qiskit_runtime_double import Batch

    return Batch(**kwargs)


def _all_jobs() -> Any:
    from qiskit_runtime_double.fake.core.job_filter import JobFilter

    return JobFilter(limit=10_000)


def _assert_one_job_at_a_time(records: list[Any]) -> None:
    by_backend: dict[str, list[Any]] = {}
    for record in records:
        if record.running_at is not None:
            by_backend.setdefault(record.backend, []).append(record)
    for runs in by_backend.values():
        runs.sort(key=lambda r: (r.running_at, r.finished_at))
        for before, after in itertools.pairwise(runs):
            assert before.finished_at <= after.running_at, (before.id, after.id)
