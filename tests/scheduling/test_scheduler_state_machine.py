"""A Hypothesis state machine over sessions, jobs, faults and clock moves, checking that:

- every job reaches exactly one final state, and keeps it;
- no job of a closed session starts after the session closed;
- a backend never runs two jobs at once;
- time never goes backwards in any record.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    Batch,
    FakeRuntime,
    IBMRuntimeError,
    QiskitRuntimeService,
    RuntimeInvalidStateError,
    Session,
    SessionClosedError,
)
from qiskit_runtime_double.fake.core.executor import NoOpExecutor

BACKENDS = ["generic_5q", "generic_27q"]
FINAL = {"Completed", "Failed", "Cancelled"}


def _circuit() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.measure_all()
    return circuit


CIRCUIT = _circuit()


class SchedulerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fake = FakeRuntime(backends=BACKENDS, seed=0, executor=NoOpExecutor())
        self.service = QiskitRuntimeService(fake=self.fake)
        self.sessions: list[Session] = []
        self.job_ids: list[str] = []
        self.finals: dict[str, str] = {}

    def _submit(self, session: Session | None, backend: str, duration: float) -> None:
        self.fake.set_next_job_duration(duration)
        inputs = {"pubs": [[CIRCUIT, np.zeros((0,)), 10]], "options": {}, "version": 2}
        try:
            if session is None:
                job = self.service.run("sampler", inputs, backend_name=backend)
            else:
                job = session.run("sampler", inputs)
        except (SessionClosedError, IBMRuntimeError):
            self.fake.state.next_job_durations.clear()  # refused: the override must not leak
            return
        self.job_ids.append(job.job_id())

    @rule(backend=st.sampled_from(BACKENDS), batch=st.booleans(), max_time=st.integers(30, 7200))
    def open_session(self, backend: str, batch: bool, max_time: int) -> None:
        kind = Batch if batch else Session
        self.sessions.append(kind(service=self.service, backend=backend, max_time=max_time))

    @precondition(lambda self: self.sessions)
    @rule(data=st.data(), duration=st.floats(0, 600))
    def submit_in_session(self, data: st.DataObject, duration: float) -> None:
        session = data.draw(st.sampled_from(self.sessions))
        self._submit(session, session.backend() or BACKENDS[0], duration)

    @rule(backend=st.sampled_from(BACKENDS), duration=st.floats(0, 600))
    def submit_alone(self, backend: str, duration: float) -> None:
        self._submit(None, backend, duration)

    @precondition(lambda self: self.sessions)
    @rule(data=st.data(), cancel=st.booleans())
    def end_session(self, data: st.DataObject, cancel: bool) -> None:
        session = data.draw(st.sampled_from(self.sessions))
        session.cancel() if cancel else session.close()

    @precondition(lambda self: self.job_ids)
    @rule(data=st.data())
    def cancel_job(self, data: st.DataObject) -> None:
        job = self.service.job(data.draw(st.sampled_from(self.job_ids)))
        try:
            job.cancel()
        except RuntimeInvalidStateError:
            assert self.fake.job(job.job_id()).status in FINAL

    @rule(fail=st.booleans())
    def fault_next_job(self, fail: bool) -> None:
        if fail:
            self.fake.fail_job(reason="injected", code=1)
        else:
            self.fake.make_job_run_too_long()

    @rule(backend=st.sampled_from(BACKENDS), count=st.integers(0, 3), duration=st.floats(0, 300))
    def background(self, backend: str, count: int, duration: float) -> None:
        self.fake.add_background_jobs(backend, count, duration=duration)

    @rule(seconds=st.floats(0, 4000))
    def move_clock(self, seconds: float) -> None:
        self.fake.clock.shift(seconds)

    @invariant()
    def jobs_keep_their_final_state(self) -> None:
        for job in self.fake.state.jobs.values():
            if job.id in self.finals:
                assert job.status == self.finals[job.id], f"{job.id} left final state"
            elif job.status in FINAL:
                self.finals[job.id] = job.status

    @invariant()
    def records_never_go_back_in_time(self) -> None:
        now = self.fake.now()
        for job in self.fake.state.jobs.values():
            times = [t for t in (job.created, job.running_at, job.finished_at) if t is not None]
            assert times == sorted(times) and times[-1] <= now
            assert (job.status in FINAL) == (job.finished_at is not None)
        for session in self.fake.state.scheduler.sessions.values():
            stamps = [t for _, t in session.timestamps]
            assert stamps == sorted(stamps)

    @invariant()
    def one_job_at_a_time_per_backend(self) -> None:
        for backend in BACKENDS:
            spans = sorted(
                (job.running_at, job.finished_at or self.fake.now())
                for job in self.fake.state.jobs.values()
                if job.backend == backend and job.running_at is not None
            )
            for (_, end), (start, _) in itertools.pairwise(spans):
                assert start >= end, f"two jobs overlap on {backend}"

    @invariant()
    def nothing_starts_after_its_session_closed(self) -> None:
        sessions = self.fake.state.scheduler.sessions
        for job in self.fake.state.jobs.values():
            session = sessions.get(job.session_id) if job.session_id else None
            if session is not None and session.closed_at is not None and job.running_at is not None:
                assert job.running_at <= session.closed_at

    def teardown(self) -> None:
        # Drain: with enough simulated time every job ends, exactly once.
        self.fake.clock.shift(dt.timedelta(days=30))
        statuses = [self.fake.job(job_id).status for job_id in list(self.fake.state.jobs)]
        assert all(status in FINAL for status in statuses), statuses


SchedulerMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestScheduler = SchedulerMachine.TestCase
