"""``fake.fast_forward(seconds)``: the simulation's next seconds happen now, the clock stays.

What a served fake does instead of moving its clock past the wall clock (issue 19 point 6): the
same things happen as after ``clock.shift(seconds)`` (same jobs, same order, same usage), only
dated now instead of in the future.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.core.records import JobRecord, SessionRecord
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

QPU = "generic_5q"
BASE = "http://fake.invalid"


def send(fake: FakeRuntime, method: str, path: str, body: Any = None) -> HttpResponse:
    content = b"" if body is None else json.dumps(body).encode()
    return fake.app(HttpRequest(method, BASE + path, Headers({}), content))


def submit(fake: FakeRuntime, seconds: float, session_id: str | None = None) -> str:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    fake.set_next_job_duration(seconds)
    params = codec.to_jsonable({"pubs": [[circuit, None, 10]], "version": 2})
    body: dict[str, Any] = {"program_id": "sampler", "backend": QPU, "params": params}
    if session_id is not None:
        body["session_id"] = session_id
    response = fake.app(
        HttpRequest("POST", BASE + "/api/v1/jobs", Headers({}), codec.encode(body).encode())
    )
    assert response.status_code == 200, response.text
    job_id: str = response.json()["id"]
    return job_id


def scenario(fake: FakeRuntime) -> None:
    """Other users' queue and a stream of arrivals, a dedicated session and jobs in and out."""
    fake.add_background_jobs(QPU, 2, duration=300)
    fake.add_background_load(QPU, jobs_per_hour=30, duration=60, hours=1)
    session = send(
        fake, "POST", "/api/v1/sessions", {"mode": "dedicated", "backend": QPU, "max_ttl": 1500}
    ).json()["id"]
    submit(fake, 120, session)
    submit(fake, 90)
    submit(fake, 45, session)
    send(fake, "PATCH", f"/api/v1/sessions/{session}", {"accepting_jobs": False})


def outcome(fake: FakeRuntime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What happened, whatever the dates: each job's status, usage and reason; each session's."""
    jobs = [
        (j.id, j.owner, j.status, round(j.quantum_seconds, 6), j.reason_code)
        for j in fake.simulation.jobs(background=True)
    ]
    now = fake.now()
    sessions = [
        (s.id, s.state, s.state_reason, round(s.elapsed_at(now), 6))
        for s in fake.simulation.sessions()
    ]
    return jobs, sessions


def timestamps(job: JobRecord | SessionRecord) -> list[_dt.datetime]:
    if isinstance(job, JobRecord):
        return [t for t in (job.created, job.running_at, job.finished_at) if t is not None]
    found = [
        job.created_at,
        *(t for t in (job.started_at, job.activated_at, job.closed_at) if t is not None),
        *(t for t in (job.last_job_started, job.last_job_completed) if t is not None),
    ]
    return found + [at for _, at in job.timestamps]


@pytest.mark.parametrize("seconds", [30.0, 400.0, 1800.0, 5400.0])
def test_the_same_happens_as_after_a_shift_of_the_clock_only_dated_now(seconds: float) -> None:
    shifted, forwarded = FakeRuntime([QPU], seed=4), FakeRuntime([QPU], seed=4)
    scenario(shifted)
    scenario(forwarded)
    start = forwarded.now()

    shifted.clock.shift(seconds)
    moved = forwarded.fast_forward(seconds)

    assert outcome(forwarded) == outcome(shifted)
    assert forwarded.now() == start  # the clock did not move
    assert moved <= seconds
    records = [*forwarded.simulation.jobs(background=True), *forwarded.simulation.sessions()]
    assert max(t for record in records for t in timestamps(record)) <= start


def test_a_running_job_ends_now_and_keeps_its_whole_run_as_usage() -> None:
    fake = FakeRuntime([QPU], seed=1)
    job_id = submit(fake, 600)
    fake.clock.shift(10)

    assert fake.fast_forward(3600) == pytest.approx(590)  # nothing is scheduled after its end

    job = fake.job(job_id)
    assert job.status == "Completed"
    assert job.finished_at == fake.now()
    assert job.quantum_seconds == pytest.approx(600)
    assert (job.finished_at - job.running_at) == _dt.timedelta(seconds=10)


def test_what_comes_later_comes_that_much_sooner() -> None:
    fake = FakeRuntime([QPU], seed=1)
    first, second = submit(fake, 100), submit(fake, 100)
    start = fake.now()

    fake.fast_forward(150)  # the first ends now; the second started now, 50 s of it done

    assert fake.job(first).finished_at == start
    assert fake.job(second).running_at == start
    fake.clock.shift(49.9)
    assert fake.job(second).status == "Running"
    fake.clock.shift(0.1)
    assert fake.job(second).status == "Completed"
    assert fake.job(second).quantum_seconds == pytest.approx(100)


def test_over_the_control_api() -> None:
    fake = FakeRuntime([QPU], seed=1)
    job_id = submit(fake, 60)
    start = fake.now()

    answer = send(fake, "POST", "/_double/fast-forward", {"seconds": 600})

    assert answer.json() == {"seconds": 60.0}
    assert fake.job(job_id).status == "Completed" and fake.now() == start
    refused = send(fake, "POST", "/_double/fast-forward", {"seconds": -1})
    assert refused.status_code == 400 and "seconds" in refused.text


@pytest.mark.parametrize("seconds", [-1, float("inf"), float("nan"), "60", True])
def test_bad_seconds_are_refused_before_anything_moves(seconds: object) -> None:
    fake = FakeRuntime([QPU], seed=1)
    job_id = submit(fake, 60)
    with pytest.raises((TypeError, ValueError), match="seconds"):
        fake.fast_forward(seconds)  # type: ignore[arg-type]
    assert fake.job(job_id).status == "Running"
