"""A fake that starts with a history (issue 10, point 8): seeded, past, final, and inert."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.fake import FakeRuntime, History, PastJob
from qiskit_runtime_double.fake.core.executor import NoOpExecutor
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse
from qiskit_runtime_double.wire.vocabulary import API_VERSION

BASE = "http://runtime-double.invalid"
DAY = dt.timedelta(days=1)


def call(fake: FakeRuntime, method: str, path: str, body: Any = None) -> HttpResponse:
    content = b"" if body is None else json.dumps(body).encode()
    headers = Headers({"Content-Type": "application/json", "IBM-API-Version": API_VERSION})
    return fake.app(HttpRequest(method, BASE + path, headers, content))


def small(**changes: Any) -> History:
    values: dict[str, Any] = {"weeks": 1, "jobs_per_day": 3, "tags": ["t"], "sessions": 2}
    return History(**{**values, **changes})


def summary(fake: FakeRuntime) -> list[tuple[Any, ...]]:
    return [
        (j.id, j.backend, j.program_id, j.status, j.created, j.running_at, j.finished_at, j.tags)
        for j in sorted(fake.state.jobs.values(), key=lambda j: j.seq)
    ]


def one_pub() -> Any:
    """Sampler params of one ISA pub for ``ibmq_qasm_simulator``."""
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    return codec.to_jsonable({"pubs": [(circuit,)], "version": 2})


# --- what a seeded history is ---------------------------------------------------------------------


def test_a_seeded_history_is_past_final_and_as_large_as_asked() -> None:
    fake = FakeRuntime(seed=1, history=small(), executor=NoOpExecutor())
    now = fake.now()
    jobs = list(fake.state.jobs.values())

    assert len(jobs) == 7 * 3 + 2 * 3
    assert {job.status for job in jobs} <= {"Completed", "Failed", "Cancelled"}
    assert all(now - dt.timedelta(weeks=1) <= job.created < now for job in jobs)
    assert all(job.finished_at is not None and job.finished_at < now for job in jobs)
    assert {job.backend for job in jobs} <= set(fake.catalogue)
    assert {job.program_id for job in jobs} <= {"sampler", "estimator"}
    in_sessions = [job for job in jobs if job.session_id]
    assert len(in_sessions) == 6 and len({job.session_id for job in in_sessions}) == 2
    for session_id in {job.session_id for job in in_sessions}:
        assert session_id is not None
        session = fake.session(session_id)
        members = [job for job in in_sessions if job.session_id == session_id]
        assert session.state == "closed" and not session.accepting_jobs
        assert {job.backend for job in members} == {session.backend}
        assert session.closed_at is not None and session.closed_at < now


def test_the_same_seed_gives_the_same_history_and_reset_restores_it() -> None:
    first = FakeRuntime(seed=5, history=small(), executor=NoOpExecutor())
    second = FakeRuntime(seed=5, history=small(), executor=NoOpExecutor())
    other = FakeRuntime(seed=6, history=small(), executor=NoOpExecutor())
    own_seed = FakeRuntime(seed=6, history=small(seed=5), executor=NoOpExecutor())

    assert summary(first) == summary(second) == summary(own_seed)
    assert summary(first) != summary(other)
    before = summary(first)
    first.add_history(small())  # a second call draws from a stream of its own
    assert len(first.state.jobs) == 2 * len(before)
    first.reset()
    assert summary(first) == before


def test_states_backends_programs_and_tags_are_honoured() -> None:
    history = History(
        weeks=2,
        jobs_per_day=4,
        backends=["generic_27q"],
        programs=["estimator"],
        tags=["a", "b"],
        states={"Failed": 1},
    )
    fake = FakeRuntime(seed=2, history=history, executor=NoOpExecutor())
    jobs = list(fake.state.jobs.values())

    assert {(j.backend, j.program_id, j.status) for j in jobs} == {
        ("generic_27q", "estimator", "Failed")
    }
    assert all(set(job.tags) <= {"a", "b"} for job in jobs)
    assert {tuple(job.tags) for job in jobs} == {(), ("a",), ("b",), ("a", "b")}
    assert all(job.reason and job.reason_code for job in jobs)


def test_a_history_does_not_disturb_the_scheduler() -> None:
    """Jobs submitted after a history run exactly as on a fake without one, with the same ids."""
    seen = []
    for history in (None, History(weeks=1, jobs_per_day=50, sessions=5)):
        fake = FakeRuntime(
            ["ibmq_qasm_simulator"], seed=3, history=history, executor=NoOpExecutor()
        )
        assert fake.state.scheduler.next_event_time() is None
        assert all(not lane.queue for lane in fake.state.scheduler.lanes.values())
        assert call(fake, "GET", "/api/v1/backends").json()["devices"][0]["queue_length"] == 0
        body = {"program_id": "sampler", "params": one_pub()}
        ids = [call(fake, "POST", "/api/v1/jobs", body).json()["id"] for _ in range(3)]
        fake.clock.shift(3600)
        records = [fake.job(job_id) for job_id in ids]
        seen.append([(r.id, r.status, r.created, r.running_at, r.finished_at) for r in records])
    assert seen[0] == seen[1]


def test_a_very_short_history_still_ends_before_now() -> None:
    fake = FakeRuntime(seed=4, history=History(weeks=0.001, jobs_per_day=2000, sessions=1))
    assert all(job.finished_at < fake.now() for job in fake.state.jobs.values())  # type: ignore[operator]


# --- explicit past jobs ---------------------------------------------------------------------------


def test_explicit_past_jobs_are_kept_exactly() -> None:
    fake = FakeRuntime(seed=1, executor=NoOpExecutor())
    now = fake.now()
    when = now - 3 * DAY
    ids = fake.add_history(
        [
            PastJob(created=when, backend="generic_27q", tags=["x"], queued=60, duration=10),
            PastJob(created=2 * DAY, program="estimator", status="Failed", reason="boom"),
            PastJob(created=DAY, status="Cancelled", duration=0, session="s"),
            PastJob(created=DAY - dt.timedelta(minutes=5), session="s", private=True),
        ]
    )

    first, failed, cancelled, private = (fake.job(job_id) for job_id in ids)
    assert (first.created, first.running_at, first.finished_at) == (
        when,
        when + dt.timedelta(seconds=60),
        when + dt.timedelta(seconds=70),
    )
    assert first.backend == "generic_27q" and first.tags == ["x"]
    assert (failed.status, failed.reason, failed.program_id) == ("Failed", "boom", "estimator")
    assert failed.backend == "generic_5q"  # the default backend: the smallest device
    assert cancelled.status == "Cancelled" and cancelled.running_at is None
    assert private.private and cancelled.session_id == private.session_id is not None
    session = fake.session(private.session_id)  # type: ignore[arg-type]
    assert session.closed and session.created_at == now - DAY


@pytest.mark.parametrize(
    ("history", "match"),
    [
        (lambda: [PastJob(created=DAY, duration=2 * 86_400.0)], "must lie between"),
        (lambda: [PastJob(created=DAY, backend="nope")], "generic_5q"),
        (lambda: [PastJob(created=DAY, session="s"),
                  PastJob(created=DAY, session="s", backend="generic_27q")], "share its backend"),
        # Once an OverflowError (issue 17, point 3): dates beyond what datetime holds.
        (lambda: [PastJob(created=dt.timedelta(seconds=2.5e11))], "reaches before 1970"),
        (lambda: [PastJob(created=dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone.utc),
                          duration=2_592_000.0)], "not in the past"),
    ],
)  # fmt: skip
def test_impossible_past_jobs_are_refused_naming_why(history: Any, match: str) -> None:
    fake = FakeRuntime(seed=1, executor=NoOpExecutor())
    with pytest.raises(ValueError, match=match):
        fake.add_history(history())
    assert fake.state.jobs == {}  # nothing was added


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: History(weeks=0), ValueError, "weeks"),
        (lambda: History(weeks="4"), TypeError, "weeks"),
        (lambda: History(jobs_per_day=True), TypeError, "jobs_per_day"),
        (lambda: History(weeks=520, jobs_per_day=10_000), ValueError, "at most 100000"),
        (lambda: History(states={"Done": 1}), ValueError, "states"),
        (lambda: History(states={"Completed": 0}), ValueError, "above 0"),
        (lambda: History(programs=["qaoa"]), ValueError, "programs"),
        (lambda: History(tags=["x"] * 9), ValueError, "at most 8 tags"),
        (lambda: History(tags="abc"), TypeError, "tags"),
        (lambda: History(sessions=-1), ValueError, "sessions"),
        (lambda: PastJob(created=dt.datetime(2024, 1, 1)), ValueError, "aware"),
        (lambda: PastJob(created=-DAY), ValueError, "after now"),
        (lambda: PastJob(created="yesterday"), TypeError, "created"),
        (lambda: PastJob(created=DAY, status="Running"), ValueError, "status"),
        (lambda: PastJob(created=DAY, shots=0), ValueError, "shots"),
        (lambda: PastJob(created=DAY, duration=float("nan")), ValueError, "duration"),
    ],
)
def test_a_bad_history_is_refused_when_written(
    make: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        make()


def test_history_arguments_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(TypeError, match="History"):
        FakeRuntime(history={"weeks": 4})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="PastJob"):
        FakeRuntime().add_history([History()])  # type: ignore[list-item]


def test_a_history_before_1970_is_refused() -> None:
    from qiskit_runtime_double.fake import VirtualClock

    clock = VirtualClock(start=dt.datetime(1970, 1, 10, tzinfo=dt.timezone.utc))
    with pytest.raises(ValueError, match="1970"):
        FakeRuntime(clock=clock, history=History(weeks=4))


# --- past jobs over the REST API ------------------------------------------------------------------


def test_past_jobs_are_served_like_any_other() -> None:
    fake = FakeRuntime(seed=7, executor=NoOpExecutor())
    done, private, failed = fake.add_history(
        [
            PastJob(created=3 * DAY, program="sampler", shots=100, num_circuits=2),
            PastJob(created=2 * DAY, program="estimator", private=True),
            PastJob(created=DAY, status="Failed"),
        ]
    )

    job = call(fake, "GET", f"/api/v1/jobs/{done}").json()
    assert job["state"]["status"] == "Completed" and job["params"] == {}
    metrics = call(fake, "GET", f"/api/v1/jobs/{done}/metrics").json()
    assert metrics["usage"]["status"] == "complete" and metrics["num_circuits"] == 2
    assert "job completed" in call(fake, "GET", f"/api/v1/jobs/{done}/logs").text
    result = call(fake, "GET", f"/api/v1/jobs/{done}/results")
    assert result.status_code == 200 and '"synthetic":true' in result.text
    assert call(fake, "GET", f"/api/v1/jobs/{done}/results").text == result.text  # stable

    assert "params" not in call(fake, "GET", f"/api/v1/jobs/{private}").json()
    assert call(fake, "GET", f"/api/v1/jobs/{private}/results").status_code == 200
    assert call(fake, "GET", f"/api/v1/jobs/{private}/results").status_code == 204
    assert call(fake, "GET", f"/api/v1/jobs/{failed}/results").status_code == 200
    assert call(fake, "POST", f"/api/v1/jobs/{failed}/cancel").status_code == 409

    session_id = fake.job(done).session_id
    assert session_id is None


def test_a_past_session_refuses_new_jobs() -> None:
    fake = FakeRuntime(["ibmq_qasm_simulator"], seed=7, executor=NoOpExecutor())
    (past,) = fake.add_history([PastJob(created=DAY, session="old")])
    session_id = fake.job(past).session_id

    details = call(fake, "GET", f"/api/v1/sessions/{session_id}").json()
    body = {"program_id": "sampler", "params": one_pub(), "session_id": session_id}
    refused = call(fake, "POST", "/api/v1/jobs", body)

    assert details["state"] == "closed" and details["accepting_jobs"] is False
    assert refused.status_code == 409


def test_the_control_api_adds_a_history() -> None:
    fake = FakeRuntime(seed=8, executor=NoOpExecutor())

    seeded = call(fake, "POST", "/_double/history", {"weeks": 1, "jobs_per_day": 2, "seed": 4})
    explicit = call(
        fake,
        "POST",
        "/_double/history/jobs",
        {"jobs": [{"ago": 3600, "tags": ["c"]}, {"created": "2024-12-01T00:00:00Z"}]},
    )

    assert seeded.status_code == 200 and len(seeded.json()["job_ids"]) == 14
    assert explicit.status_code == 200
    first, second = explicit.json()["job_ids"]
    assert fake.job(first).created == dt.datetime(2024, 12, 1, tzinfo=dt.timezone.utc)
    assert fake.job(second).tags == ["c"]
    for body, path, match in [
        ({"weeks": -1}, "/_double/history", "weeks"),
        ({"weeks": 1, "colour": "red"}, "/_double/history", "colour"),
        ({"jobs": [{}]}, "/_double/history/jobs", "exactly one"),
        ({"jobs": [{"ago": 60, "backend": "nope"}]}, "/_double/history/jobs", "nope"),
        ({"jobs": [{"ago": 2.5e11}]}, "/_double/history/jobs", "reaches before 1970"),
        (
            {"jobs": [{"created": "9999-12-31T23:00:00Z", "duration": 2_592_000}]},
            "/_double/history/jobs",
            "not in the past",
        ),
    ]:
        answer = call(fake, "POST", path, body)
        assert answer.status_code == 400, (body, answer.text)
        assert match in answer.json()["errors"][0]["message"]


def test_a_history_belongs_to_the_first_instance() -> None:
    from qiskit_runtime_double import Instance, QiskitRuntimeService

    fake = FakeRuntime(
        ["generic_5q"],
        instances=[Instance("first", plan="open"), Instance("second")],
        history=History(weeks=1),
    )
    first = QiskitRuntimeService(fake=fake, instance="first").jobs(limit=None)
    assert first and all(job.job_id() for job in first)
    assert QiskitRuntimeService(fake=fake, instance="second").jobs(limit=None) == []
