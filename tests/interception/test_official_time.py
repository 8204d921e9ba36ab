"""The official client's waits in simulated time: timeouts at their moment, sessions that expire,
queues that favour a session, all in a handful of polls.

The official client sleeps 0.1 s (0.5 s outside a session) between polls; under ``mock_runtime``
those sleeps move the fake's clock to its next event, or to the wait's deadline when sooner.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from qiskit_runtime_double import FakeRuntime, SimulationStalledError, mock_runtime
from qiskit_runtime_double.interception import FakeRoutes, Interception
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse

from .conftest import TOKEN, isa_for

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="needs the official client (the compat extra)"
)
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2, Session  # noqa: E402
from qiskit_ibm_runtime.exceptions import (  # noqa: E402
    RuntimeJobFailureError,
    RuntimeJobTimeoutError,
)

pytestmark = [
    pytest.mark.compat,
    pytest.mark.usefixtures("no_account"),
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]

QPU = "generic_5q"


class Counting:
    """The fake's routes, counting the job polls the official client makes."""

    def __init__(self, fake: FakeRuntime) -> None:
        self.inner = FakeRoutes(fake)
        self.polls = 0

    @property
    def clock(self) -> Any:
        return self.inner.clock

    @property
    def probe(self) -> Any:
        return self.inner.probe

    @property
    def base_url(self) -> str:
        return self.inner.base_url

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and "/jobs/" in request.path and request.path.count("/") == 4:
            self.polls += 1
        return self.inner.handle(request)

    def close(self) -> None:
        pass


def seconds_since(fake: FakeRuntime, start: _dt.datetime) -> float:
    return (fake.clock.now() - start).total_seconds()


def test_an_hour_in_the_queue_costs_a_few_polls_and_a_timeout_fires_on_time() -> None:
    fake = FakeRuntime([QPU], seed=1)
    counting = Counting(fake)
    with Interception(counting):
        backend = QiskitRuntimeService(channel="ibm_quantum_platform", token=TOKEN).backend(QPU)
        fake.add_background_jobs(QPU, 1, duration=3600)
        start = fake.clock.now()
        job = SamplerV2(mode=backend).run([isa_for(backend)], shots=10)

        with pytest.raises(RuntimeJobTimeoutError):
            job.result(timeout=30)
        timed_out_after = seconds_since(fake, start)
        job.result()

    assert 30 <= timed_out_after < 30.001
    assert job.status() == "DONE"
    assert fake.job(job.job_id()).running_at == start + _dt.timedelta(seconds=3600)
    assert counting.polls < 12


def test_a_session_that_runs_out_of_max_time_fails_its_queued_jobs() -> None:
    with mock_runtime(backends=[QPU], seed=2) as fake:
        backend = QiskitRuntimeService(channel="ibm_quantum_platform", token=TOKEN).backend(QPU)
        isa = isa_for(backend)
        with Session(backend=backend, max_time=60) as session:
            sampler = SamplerV2(mode=session)
            fake.set_next_job_duration(50)
            first = sampler.run([isa], shots=10)
            fake.set_next_job_duration(50)
            second = sampler.run([isa], shots=10)
            third = sampler.run([isa], shots=10)

            first.result()
            second.result()  # it was running when max_time ran out: it finishes
            with pytest.raises(RuntimeJobFailureError, match="max_time"):
                third.result()
            state = session.details()["state"]

    assert (first.status(), second.status(), third.status()) == ("DONE", "DONE", "ERROR")
    assert state == "closed"
    assert "expired" in fake.timeline_text() or "max_time" in fake.timeline_text()


def test_an_active_session_goes_before_the_queue() -> None:
    with mock_runtime(backends=[QPU], seed=4) as fake:
        backend = QiskitRuntimeService(channel="ibm_quantum_platform", token=TOKEN).backend(QPU)
        isa = isa_for(backend)
        with Session(backend=backend, max_time=7200) as session:
            sampler = SamplerV2(mode=session)
            sampler.run([isa], shots=10).result()  # activates the session
            others = fake.add_background_jobs(QPU, 3, duration=600)
            mine = sampler.run([isa], shots=10)
            mine.result()

    ours = fake.job(mine.job_id())
    theirs = [fake.job(job_id) for job_id in others]
    assert ours.running_at is not None
    assert all(job.running_at is None or job.running_at >= ours.finished_at for job in theirs)


def test_a_wait_for_a_job_that_can_never_run_says_why() -> None:
    with mock_runtime(backends=[QPU], seed=6) as fake:
        backend = QiskitRuntimeService(channel="ibm_quantum_platform", token=TOKEN).backend(QPU)
        isa = isa_for(backend)
        fake.set_backend_status(QPU, operational=False)  # jobs queue, and never start
        job = SamplerV2(mode=backend).run([isa], shots=10)

        with pytest.raises(RuntimeJobTimeoutError):
            job.result(timeout=120)
        with pytest.raises(SimulationStalledError, match="not operational"):
            job.result()
