"""The scenarios users asked for, written the way they would write them."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    FakeRuntime,
    IBMRuntimeError,
    QiskitRuntimeService,
    RuntimeJobFailureError,
    SamplerV2,
    Session,
    SessionClosedError,
)


def test_max_time_expiry_fails_queued_jobs_and_rejects_new_ones(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    session = Session(service=service, backend="generic_5q", max_time="1h")
    sampler = SamplerV2(mode=session)
    sampler.run([isa_bell]).result()  # activates the session
    fake.set_next_job_duration(4000)
    long_job = sampler.run([isa_bell])  # runs past the hour
    queued = sampler.run([isa_bell])  # waits behind it
    fake.clock.shift(dt.timedelta(hours=1))
    assert long_job.result()[0].data.meas.num_shots == 4096  # the running job finishes
    with pytest.raises(RuntimeJobFailureError, match=r"expired.*max_time of 3600 s"):
        queued.result()
    assert session.status() == "Closed"
    with pytest.raises(IBMRuntimeError, match=r"has been closed.*max_ttl"):
        sampler.run([isa_bell])  # the service refuses: our client still thought it open


def test_eight_hour_expiry_takes_no_wall_time(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    session = Session(service=service, backend="generic_5q", max_time="8h")
    SamplerV2(mode=session).run([isa_bell]).result()
    fake.clock.shift(dt.timedelta(hours=8, seconds=1))
    assert session.details()["state"] == "closed"
    assert session.details()["closed_at"] == session.details()["started_at"] + dt.timedelta(hours=8)


def test_session_jobs_wait_once_then_run_before_the_background_queue(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    background = fake.add_background_jobs("generic_5q", 10, duration=60)
    session = Session(service=service, backend="generic_5q")
    sampler = SamplerV2(mode=session)
    first = sampler.run([isa_bell])
    assert first.status() == "QUEUED"
    first.result()
    started = dt.datetime.fromisoformat(
        first.metrics()["timestamps"]["running"].replace("Z", "+00:00")
    )
    assert started - fake.job(background[0]).created == dt.timedelta(minutes=10)  # behind all ten
    following = [sampler.run([isa_bell]) for _ in range(3)]
    for job in following:
        job.result()
    waiting = [fake.job(job_id) for job_id in background]
    assert all(job.status == "Completed" for job in waiting)  # ten finished before the session
    assert service.backend_status("generic_5q").pending_jobs == 0
    times = [fake.job(j.job_id()) for j in [first, *following]]
    for before, after in itertools.pairwise(times):
        assert after.running_at == before.finished_at  # back to back: the backend was held


def test_an_idle_gap_beyond_the_interactive_timeout_makes_the_session_wait_again(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    session = Session(service=service, backend="generic_5q")
    sampler = SamplerV2(mode=session)
    sampler.run([isa_bell]).result()
    ttl = session.details()["interactive_timeout"]
    fake.add_background_jobs("generic_5q", 2, duration=30)  # arrive during the hold: they wait
    assert service.backend_status("generic_5q").pending_jobs == 2
    fake.clock.shift(ttl + 1)
    assert session.details()["state"] == "inactive"
    job = sampler.run([isa_bell])
    assert job.status() == "QUEUED"  # behind the background jobs now
    job.result()
    assert session.details()["state"] in ("active", "pending_inactive")


def test_a_job_arriving_within_the_interactive_timeout_jumps_the_queue(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    session = Session(service=service, backend="generic_5q")
    sampler = SamplerV2(mode=session)
    sampler.run([isa_bell]).result()
    fake.add_background_jobs("generic_5q", 5, duration=30)
    fake.clock.shift(session.details()["interactive_timeout"] - 1)
    assert sampler.run([isa_bell]).status() == "RUNNING"


def test_frozen_clock_tells_when_the_job_would_finish(
    service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    from qiskit_runtime_double import ClockError, VirtualClock

    fake = FakeRuntime(backends=["generic_5q"], clock=VirtualClock(mode="frozen"))
    frozen_service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=frozen_service.backend("generic_5q")).run([isa_bell])
    with pytest.raises(
        ClockError, match=r"frozen.*next simulated event is at 2025-01-01T09:00:03.074"
    ):
        job.result()
    fake.clock.shift(5)
    assert job.result()[0].data.meas.num_shots == 4096


def test_freezegun_and_time_machine_drive_a_fake_on_the_system_clock(
    isa_bell: QuantumCircuit,
) -> None:
    freezegun = pytest.importorskip("freezegun")
    time_machine = pytest.importorskip("time_machine")
    from qiskit_runtime_double import SystemClock

    with freezegun.freeze_time("2030-01-01 12:00:00") as frozen:
        fake = FakeRuntime(backends=["generic_5q"], clock=SystemClock())
        service = QiskitRuntimeService(fake=fake)
        session = Session(service=service, backend="generic_5q", max_time="1h")
        job = SamplerV2(mode=session).run([isa_bell])
        job.result()  # waits in simulated time: no real sleep even though time is frozen
        assert fake.job(job.job_id()).created == dt.datetime(2030, 1, 1, 12, tzinfo=dt.timezone.utc)
        frozen.tick(dt.timedelta(hours=2))
        assert session.status() == "Closed"
    with time_machine.travel(
        dt.datetime(2031, 6, 1, tzinfo=dt.timezone.utc), tick=False
    ) as traveller:
        fake = FakeRuntime(backends=["generic_5q"], clock=SystemClock())
        service = QiskitRuntimeService(fake=fake)
        session = Session(service=service, backend="generic_5q", max_time="30m")
        SamplerV2(mode=session).run([isa_bell]).result()
        traveller.shift(dt.timedelta(minutes=31))
        assert session.details()["state"] == "closed"


def test_closed_session_refuses_jobs_locally_and_on_the_service(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    session = Session(service=service, backend="generic_5q")
    SamplerV2(mode=session).run([isa_bell]).result()
    other_client_view = Session.from_id(session.session_id, service=service)
    session.close()
    with pytest.raises(SessionClosedError):
        SamplerV2(mode=session).run([isa_bell])
    with pytest.raises(
        IBMRuntimeError, match=r"Failed to run program: 409.*does not accept new jobs"
    ):
        SamplerV2(mode=other_client_view).run([isa_bell])


def test_background_load_stream_is_reproducible_from_the_seed(isa_bell: QuantumCircuit) -> None:
    def queue_after_an_hour() -> int:
        fake = FakeRuntime(backends=["generic_5q"], seed=42)
        fake.add_background_load("generic_5q", jobs_per_hour=120, duration=40)
        fake.clock.shift(3600)
        return QiskitRuntimeService(fake=fake).backend_status("generic_5q").pending_jobs

    first, second = queue_after_an_hour(), queue_after_an_hour()
    assert first == second and first > 0


def test_a_job_running_at_expiry_is_the_sessions_last_completed_job(
    fake: FakeRuntime, service: QiskitRuntimeService, isa_bell: QuantumCircuit
) -> None:
    session = Session(service=service, backend="generic_5q", max_time="10m")
    fake.set_next_job_duration(900)  # runs past the 10 minutes
    job = SamplerV2(mode=session).run([isa_bell])
    job.result()
    details = session.details()
    assert details["closed_at"] < details["last_job_completed"]
    assert details["last_job_completed"] == details["started_at"] + dt.timedelta(seconds=900)
