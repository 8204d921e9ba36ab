"""The control API and the fake's control methods refuse what the simulation cannot represent.

The same limits apply in process (a ValueError or TypeError naming the argument) and over REST (a
400 with a JSON error), and a refused call changes nothing: the fake keeps answering.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import FakeRuntime, IBMRuntimeError, QiskitRuntimeService, SamplerV2
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

from ..helpers import bell, isa

BASE = "http://runtime-double.invalid"


def call(fake: FakeRuntime, method: str, path: str, body: Any = None) -> HttpResponse:
    if body is None:
        content = b""
    elif isinstance(body, bytes):
        content = body
    else:
        content = json.dumps(body).encode()
    headers = Headers({"Content-Type": "application/json"})
    return fake.app(HttpRequest(method, BASE + path, headers, content))


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime(backends=["generic_5q"], seed=2)


def _isa_bell(service: QiskitRuntimeService) -> QuantumCircuit:
    return isa(service, bell(), "generic_5q")


def _still_works(fake: FakeRuntime) -> None:
    """Every route still answers and a job still runs to completion."""
    assert call(fake, "GET", "/_double/clock").status_code == 200
    assert call(fake, "GET", "/api/v1/backends").status_code == 200
    service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=service.backend("generic_5q")).run([_isa_bell(service)], shots=8)
    assert job.result()[0].data.meas.num_shots == 8


BAD_BODIES = [
    ("/_double/clock", {"seconds": 1e20}, "seconds"),
    ("/_double/clock", b'{"seconds": Infinity}', "seconds"),
    ("/_double/clock", b'{"seconds": NaN}', "seconds"),
    ("/_double/clock", {"to": "9999-12-31T23:59:59Z"}, "9000"),
    ("/_double/clock", {"to": "2030-01-01T00:00:00"}, "timezone"),
    ("/_double/clock", {"seconds": "soon"}, "seconds"),
    ("/_double/jobs/next/duration", {"seconds": 1e12}, "seconds"),
    ("/_double/jobs/next/duration", b'{"seconds": Infinity}', "seconds"),
    ("/_double/jobs/next/duration", {"seconds": -1}, "seconds"),
    ("/_double/faults/http", {"route": "*", "status": 503, "times": 10**12}, "times"),
    ("/_double/faults/http", {"route": "*", "status": 503, "retry_after": -1}, "retry_after"),
    ("/_double/faults/http", b'{"route":"*","status":503,"retry_after":Infinity}', "retry_after"),
    ("/_double/faults/http", {"route": "*", "status": 503, "message": "x" * 20_000}, "message"),
    ("/_double/jobs/next/fault", {"reason": "x" * 20_000}, "reason"),
    ("/_double/jobs/next/fault", {"code": 2**40}, "code"),
    ("/_double/backends/generic_5q/load", {"count": 10**9}, "count"),
    ("/_double/backends/generic_5q/load", {"jobs_per_hour": 1e300}, "jobs_per_hour"),
    ("/_double/backends/generic_5q/load", {"jobs_per_hour": 5, "hours": 1e12}, "hours"),
    ("/_double/backends/generic_5q/load", {"count": 1, "duration": 1e12}, "duration"),
    ("/_double/backends/generic_5q/status", {"length_queue": 10**20}, "length_queue"),
    ("/_double/backends/generic_5q/status", {"message": "x" * 20_000}, "message"),
]


@pytest.mark.parametrize(("path", "body", "named"), BAD_BODIES)
def test_control_bodies_out_of_range_are_a_400_that_changes_nothing(
    fake: FakeRuntime, path: str, body: Any, named: str
) -> None:
    before = fake.now()
    response = call(fake, "POST", path, body)
    assert response.status_code == 400, response.text
    message = response.json()["errors"][0]["message"]
    assert named in message
    assert fake.now() == before
    assert fake.state.jobs == {}
    _still_works(fake)


IN_PROCESS = [
    (lambda f: f.set_next_job_duration(1e12), ValueError, "seconds"),
    (lambda f: f.set_next_job_duration(float("inf")), ValueError, "seconds"),
    (lambda f: f.set_next_job_duration("60"), TypeError, "seconds"),
    (lambda f: f.inject_http_error("*", 503, times=10**12), ValueError, "times"),
    (lambda f: f.inject_http_error("*", 503, retry_after=float("nan")), ValueError, "retry_after"),
    (lambda f: f.inject_http_error("*", "503"), TypeError, "status"),
    (lambda f: f.inject_http_error("*", 503, times=1.5), TypeError, "times"),
    (lambda f: f.add_background_jobs("generic_5q", 10**9), ValueError, "count"),
    (lambda f: f.add_background_jobs("generic_5q", 2, duration=-5), ValueError, "duration"),
    (lambda f: f.add_background_load("generic_5q", jobs_per_hour=0), ValueError, "jobs_per_hour"),
    (lambda f: f.set_backend_status("generic_5q", operational="no"), TypeError, "operational"),
    (lambda f: f.set_usage_limit_reached("yes"), TypeError, "reached"),
    (lambda f: f.fail_job(reason=None), TypeError, "reason"),
]


@pytest.mark.parametrize(("act", "error", "named"), IN_PROCESS)
def test_the_same_limits_apply_in_process(
    fake: FakeRuntime, act: Any, error: Any, named: str
) -> None:
    with pytest.raises(error, match=named):
        act(fake)
    _still_works(fake)


def test_a_huge_next_job_duration_never_creates_a_job_that_runs_forever(
    fake: FakeRuntime,
) -> None:
    assert call(fake, "POST", "/_double/jobs/next/duration", {"seconds": 1e12}).status_code == 400
    service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=service.backend("generic_5q")).run([_isa_bell(service)], shots=8)
    assert job.result()[0].data.meas.num_shots == 8  # the refused override was not applied
    assert len(service.jobs(limit=None)) == 1


def test_the_longest_allowed_duration_still_runs_to_its_end(fake: FakeRuntime) -> None:
    from qiskit_runtime_double.wire.control import MAX_JOB_SECONDS

    fake.set_next_job_duration(MAX_JOB_SECONDS)
    service = QiskitRuntimeService(fake=fake)
    start = fake.now()
    job = SamplerV2(mode=service.backend("generic_5q")).run([_isa_bell(service)], shots=8)
    fake.clock.shift(MAX_JOB_SECONDS)
    assert job.result()[0].data.meas.num_shots == 8
    record = fake.job(job.job_id())
    assert record.finished_at - start == dt.timedelta(seconds=MAX_JOB_SECONDS)


def test_at_the_end_of_simulated_time_the_fake_still_answers(fake: FakeRuntime) -> None:
    """A job whose end would lie past the calendar's end is refused saying so (its clock could
    never reach its end); everything else still answers, and nothing overflows."""
    from qiskit_runtime_double.fake.core.clock import LATEST

    assert call(fake, "POST", "/_double/clock", {"to": LATEST.isoformat()}).status_code == 200
    service = QiskitRuntimeService(fake=fake)
    with pytest.raises(IBMRuntimeError, match="past the end of simulated time"):
        SamplerV2(mode=service.backend("generic_5q")).run([_isa_bell(service)], shots=8)
    assert call(fake, "GET", "/api/v1/jobs?limit=5").status_code == 200
    assert (
        call(fake, "POST", "/_double/backends/generic_5q/load", {"jobs_per_hour": 1e-3}).status_code
        == 200
    )


def test_reset_forgets_everything_and_takes_the_clock_back(fake: FakeRuntime) -> None:
    start = fake.now()
    assert call(fake, "POST", "/_double/clock", {"seconds": 7200}).status_code == 200
    fake.add_background_jobs("generic_5q", 2)
    fake.inject_http_error("list_backends", 503, times=None)
    assert call(fake, "POST", "/_double/reset").status_code == 200
    assert fake.now() == start
    assert fake.state.jobs == {}
    _still_works(fake)


def test_reset_while_clients_are_busy_never_answers_500() -> None:
    fake = FakeRuntime(backends=["generic_5q"], seed=4)
    stop = threading.Event()
    statuses: list[int] = []

    def hammer() -> None:
        while not stop.is_set():
            for path in ("/api/v1/jobs?limit=3", "/api/v1/backends/generic_5q/status"):
                statuses.append(call(fake, "GET", path).status_code)
            fake.add_background_jobs("generic_5q", 1, duration=1)
            fake.clock.shift(0.5)

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(30):
        fake.reset()
    stop.set()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    assert statuses and set(statuses) == {200}


def test_control_reads_of_unknown_ids_are_404(fake: FakeRuntime) -> None:
    assert call(fake, "GET", "/_double/jobs/nope").status_code == 404
    assert call(fake, "POST", "/_double/jobs/nope/fault", {}).status_code == 404
    assert call(fake, "POST", "/_double/backends/nope/load", {"count": 1}).status_code == 404
