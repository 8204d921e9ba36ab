"""The pacer: how simulated time moves while the fake is served (issue 10 point 2).

In process, with the pacer's real-time source replaced by a hand-moved one, so every step is
deterministic: ``ticks.t`` is "real" seconds. Over HTTP, our own client on the wall clock shows
the same waits the official one does (``tests/fidelity/test_time.py``).
"""

from __future__ import annotations

import datetime as _dt

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import QiskitRuntimeService, RuntimeJobTimeoutError, SamplerV2
from qiskit_runtime_double.clock import SystemClock
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.core.clock import LATEST
from qiskit_runtime_double.fake.http.pacing import DEFAULT_MAX_WAIT
from qiskit_runtime_double.transports.live import LiveTransport
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

from ..helpers import Ticks, bell, hand_moved_real_time, isa

QPU = "generic_5q"
BASE = "http://fake.invalid"


def send(fake: FakeRuntime, method: str, path: str, body: bytes = b"") -> HttpResponse:
    return fake.app(HttpRequest(method, BASE + path, Headers({}), body))


def submit(fake: FakeRuntime) -> str:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    params = codec.to_jsonable({"pubs": [[circuit, None, 10]], "version": 2})
    body = codec.encode({"program_id": "sampler", "backend": QPU, "params": params})
    response = send(fake, "POST", "/api/v1/jobs", body.encode())
    assert response.status_code in (200, 201), response.text
    job_id: str = response.json()["id"]
    return job_id


def poll(fake: FakeRuntime, job_id: str) -> str:
    status: str = send(fake, "GET", f"/api/v1/jobs/{job_id}").json()["status"]
    return status


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def fake(ticks: Ticks) -> FakeRuntime:
    made = FakeRuntime([QPU], seed=2)
    made.pacer.timer = ticks
    return made


def test_poll_pace_follows_real_time_on_every_runtime_request(
    fake: FakeRuntime, ticks: Ticks
) -> None:
    fake.pacer.set_pace("poll", max_wait=5)
    before = fake.now()
    ticks.t += 7.5

    send(fake, "GET", "/api/v1/backends")  # any runtime request, not only polls

    assert fake.now() - before == _dt.timedelta(seconds=7.5)


def test_a_job_is_held_at_real_pace_until_max_wait_then_polls_skip_to_its_next_status(
    fake: FakeRuntime, ticks: Ticks
) -> None:
    fake.pacer.set_pace("poll", max_wait=2)
    queue = fake.add_background_jobs(QPU, 3, duration=3600)  # three simulated hours of queue
    start = fake.now()
    job_id = submit(fake)

    ticks.t += 1.9
    assert poll(fake, job_id) == "Queued"  # held: only 1.9 real = 1.9 simulated seconds passed
    ticks.t += 0.2
    assert poll(fake, job_id) == "Running"  # the hold is over: the whole queue in one poll
    record = fake.job(job_id)
    # The clock followed real time only: the three hours happened now, not in the future.
    assert fake.now() - start == _dt.timedelta(seconds=2.1)
    assert record.running_at == fake.now()
    # Each job of the queue still used its hour of the backend.
    assert [fake.job(j).quantum_seconds for j in queue] == [3600.0] * 3
    assert poll(fake, job_id) == "Completed"  # and the next poll ends it
    assert fake.now() == fake.job(job_id).finished_at
    ended = fake.job(job_id)
    assert ended.quantum_seconds == pytest.approx(ended.duration)  # its whole modelled run


def test_a_short_job_ends_in_real_time_without_any_skip(fake: FakeRuntime, ticks: Ticks) -> None:
    fake.pacer.set_pace("poll", max_wait=10)
    fake.set_next_job_duration(3)
    job_id = submit(fake)
    start = fake.now()

    ticks.t += 2.9
    assert poll(fake, job_id) == "Running"
    ticks.t += 0.2
    assert poll(fake, job_id) == "Completed"
    assert fake.now() - start == _dt.timedelta(seconds=3.1)  # real time, nothing skipped


def test_speed_makes_a_held_job_progress_faster_than_real_time(
    fake: FakeRuntime, ticks: Ticks
) -> None:
    fake.pacer.set_pace("poll", speed=100, max_wait=60)
    fake.set_next_job_duration(600)
    job_id = submit(fake)

    ticks.t += 5.9
    assert poll(fake, job_id) == "Running"  # 590 simulated seconds
    ticks.t += 0.2
    assert poll(fake, job_id) == "Completed"


def test_max_wait_zero_skips_at_the_first_poll_and_listing_never_skips(
    fake: FakeRuntime, ticks: Ticks
) -> None:
    fake.pacer.set_pace("poll", max_wait=0)
    fake.set_next_job_duration(600)
    job_id = submit(fake)
    before = fake.now()

    send(fake, "GET", "/api/v1/jobs")  # listing is not polling
    send(fake, "GET", f"/api/v1/jobs/{job_id}/metrics")
    assert fake.now() == before
    assert poll(fake, job_id) == "Completed"
    assert fake.now() == fake.job(job_id).finished_at
    poll(fake, job_id)
    assert fake.now() == fake.job(job_id).finished_at  # a final job's poll does not move time


def test_a_job_made_in_process_is_held_from_its_first_poll(fake: FakeRuntime, ticks: Ticks) -> None:
    fake.set_next_job_duration(600)
    job_id = submit(fake)  # pace "off": the pacer does not see it submitted
    fake.pacer.set_pace("poll", max_wait=2)
    ticks.t += 100

    assert poll(fake, job_id) == "Running"  # first seen now: held for 2 real seconds
    ticks.t += 2
    assert poll(fake, job_id) == "Completed"


def test_a_stalled_job_is_never_skipped(fake: FakeRuntime, ticks: Ticks) -> None:
    fake.pacer.set_pace("poll", max_wait=0)
    fake.set_backend_status(QPU, operational=False, status="maintenance")
    fake.add_background_load(QPU, jobs_per_hour=60)  # events keep coming, none frees the job
    job_id = submit(fake)
    before = fake.now()

    assert poll(fake, job_id) == "Queued"
    assert fake.now() == before  # waiting cannot help it: the client's own timeout decides


def test_after_a_reset_a_new_job_is_held_anew(fake: FakeRuntime, ticks: Ticks) -> None:
    fake.pacer.set_pace("poll", max_wait=5)
    fake.set_next_job_duration(600)
    first = submit(fake)
    ticks.t += 10
    fake.reset()

    fake.set_next_job_duration(600)
    again = submit(fake)
    assert again != first  # ids never repeat in a fake's life
    assert send(fake, "GET", f"/api/v1/jobs/{first}").status_code == 404
    assert poll(fake, again) == "Running"  # held: its hold started at its own submission


def test_after_a_reset_time_follows_real_time_from_the_reset(
    fake: FakeRuntime, ticks: Ticks
) -> None:
    fake.pacer.set_pace("poll")
    ticks.t += 5
    fake.reset()
    start = fake.now()
    ticks.t += 2

    send(fake, "GET", "/api/v1/backends")  # the first request since the reset

    assert fake.now() - start == _dt.timedelta(seconds=2)


def test_real_pace_follows_real_time_times_speed_and_never_skips(
    fake: FakeRuntime, ticks: Ticks
) -> None:
    fake.pacer.set_pace("real", speed=1000)
    fake.set_next_job_duration(600)
    job_id = submit(fake)
    before = fake.now()
    ticks.t += 0.5

    assert poll(fake, job_id) == "Running"
    # 500 simulated seconds of the job's run in half a real second (499.5 brought forward);
    # the clock moved half a second.
    assert fake.job(job_id).skipped == pytest.approx(499.5)
    assert fake.now() - before == _dt.timedelta(seconds=0.5)


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"max_wait": -1}, ValueError, "max_wait"),
        ({"max_wait": float("inf")}, ValueError, "max_wait"),
        ({"max_wait": float("nan")}, ValueError, "max_wait"),
        ({"max_wait": "1"}, TypeError, "max_wait"),
        ({"max_wait": True}, TypeError, "max_wait"),
        ({"speed": 0}, ValueError, "positive"),
    ],
)
def test_pace_arguments_are_checked_and_nothing_changes(
    fake: FakeRuntime, kwargs: dict[str, object], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        fake.pacer.set_pace("poll", **kwargs)  # type: ignore[arg-type]
    assert (fake.pacer.pace, fake.pacer.speed, fake.pacer.max_wait) == (
        "off",
        1.0,
        DEFAULT_MAX_WAIT,
    )


def test_a_ticking_clock_cannot_be_paced_slower_than_real_time() -> None:
    ticking = FakeRuntime([QPU], seed=2, clock=SystemClock())
    for pace in ("poll", "real"):
        with pytest.raises(ValueError, match="cannot run slower"):
            ticking.pacer.set_pace(pace, speed=0.5)  # type: ignore[arg-type]


def test_serve_checks_max_wait_before_anything_changes() -> None:
    fake = FakeRuntime([QPU], seed=2)
    with pytest.raises(ValueError, match="max_wait"):
        fake.serve(max_wait=-0.5)
    assert (fake.pacer.pace, fake.platform.require_auth) == ("off", False)


# --- our own client on the wall clock, over real HTTP ------------------------------------------


def test_our_client_on_the_wall_clock_times_out_on_a_long_job_as_the_official_one_does() -> None:
    fake = FakeRuntime([QPU], seed=3)
    with fake.serve() as server:  # the defaults: poll pace, DEFAULT_MAX_WAIT
        transport = LiveTransport(
            runtime_url=server.runtime_url,
            iam_url=server.iam_url,
            api_key="pacing-test-key",
            instance=server.instance,
        )  # no clock given: it sleeps for real, as a user's client does
        service = QiskitRuntimeService(transport=transport, instance=server.instance)
        try:
            circuit = isa(service, bell(), QPU)
            fake.set_next_job_duration(600)
            before = _dt.datetime.now(_dt.timezone.utc)
            job = SamplerV2(mode=service.backend(QPU)).run([circuit], shots=50)
            # Held however slowly this machine polls: DEFAULT_MAX_WAIT never passes for the pacer.
            with hand_moved_real_time(fake), pytest.raises(RuntimeJobTimeoutError):
                job.result(timeout=0.2)
            fake.clock.shift(600)  # let the simulated ten minutes pass, without waiting them
            counts = job.result(timeout=60)[0].data.meas.get_counts()
            after = _dt.datetime.now(_dt.timezone.utc)

            assert sum(counts.values()) == 50
            created = job.creation_date
            assert created is not None
            # The wire carries milliseconds: compare at that precision.
            assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= created
            assert created <= after
            month_ago = before - _dt.timedelta(days=30)
            assert [j.job_id() for j in service.jobs(created_after=month_ago)] == [job.job_id()]
        finally:
            service.close()


def test_at_the_end_of_simulated_time_the_pacer_stops_and_long_jobs_are_refused(
    fake: FakeRuntime, ticks: Ticks
) -> None:
    fake.pacer.set_pace("poll", max_wait=5)
    fake.clock.move_to(LATEST - _dt.timedelta(minutes=1))  # 8999-12-31T23:59
    fake.set_next_job_duration(600)
    circuit = QuantumCircuit(1)
    circuit.measure_all()
    params = codec.to_jsonable({"pubs": [[circuit, None, 10]], "version": 2})
    body = codec.encode({"program_id": "sampler", "backend": QPU, "params": params})

    refused = send(fake, "POST", "/api/v1/jobs", body.encode())
    ticks.t += 120  # real time passes beyond the end of simulated time
    listed = send(fake, "GET", "/api/v1/jobs")

    assert refused.status_code == 400, refused.text
    assert "past the end of simulated time" in refused.json()["errors"][0]["message"]
    assert listed.status_code == 200 and listed.json()["jobs"] == []
    assert _dt.timedelta(0) <= LATEST - fake.now() < _dt.timedelta(seconds=1)


# --- at a submission: at max_wait=0 a new job is not left behind a job a poll would skip ---


def test_at_max_wait_zero_a_job_behind_another_clients_job_ends_at_its_first_poll(
    fake: FakeRuntime,
) -> None:
    fake.pacer.set_pace("poll", max_wait=0)
    fake.set_next_job_duration(600)
    first = submit(fake)
    assert fake.job(first).status == "Running"
    before = fake.now()

    second = submit(fake)  # would queue behind ten simulated minutes

    assert fake.job(first).status == "Completed"  # moved on as its own poll would have
    assert fake.job(second).status == "Running"
    assert fake.now() == before  # skipped, not waited: the clock stays with real time
    assert poll(fake, second) == "Completed"  # so its client polls once, as on an idle backend
    assert poll(fake, first) == "Completed"


def test_with_a_hold_only_a_jobs_own_polls_move_it(fake: FakeRuntime, ticks: Ticks) -> None:
    # A test that submits a long job, then another, then cancels the session must see the first
    # still running however slowly the machine submitted the second (fidelity scenario 20).
    fake.pacer.set_pace("poll", max_wait=5)
    fake.set_next_job_duration(600)
    first = submit(fake)
    ticks.t += 4

    second = submit(fake)

    assert fake.job(first).status == "Running"  # still held: 4 of its 5 real seconds
    assert fake.job(second).status == "Queued"
    ticks.t += 60  # the hold is long over
    third = submit(fake)
    assert fake.job(first).status == "Running"  # a submission does not move it
    assert fake.job(third).status == "Queued"
    assert poll(fake, first) == "Completed"  # its own poll does


def test_jobs_not_submitted_over_http_are_never_moved_by_a_submission(
    fake: FakeRuntime,
) -> None:
    (background,) = fake.add_background_jobs(QPU, 1, duration=3600)
    fake.pacer.set_pace("poll", max_wait=0)

    job = submit(fake)

    assert fake.job(background).status == "Running"  # its hold starts at its own first poll
    assert fake.job(job).status == "Queued"
    assert poll(fake, job) == "Running"  # the poll skips the job to its next status only
