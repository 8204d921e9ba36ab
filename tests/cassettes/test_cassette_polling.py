"""Polling and time: recorded order, hold the final state, skip ahead, never sleep."""

from __future__ import annotations

from pathlib import Path

import pytest

from qiskit_runtime_double.errors import CassetteMismatchError, ClockError
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.cassettes import CassetteClock

from .conftest import Script, get, post


def status(transport: CassetteTransport, job: str = "job1") -> str:
    answer = transport.handle(get(f"/jobs/{job}?exclude_params=true")).json()
    return str(answer["state"]["status"])


@pytest.fixture
def polled(tmp_path: Path, script: Script) -> Path:
    """Recorded: submit at t=0; polls at 0, 10 (Queued), 20 (Running), 30 (Completed); then a
    session read at 30. The scripted job is Queued until 20 s, Running until 30 s."""
    path = tmp_path / "polled.yaml"
    with CassetteTransport(path, "rewrite", inner=script.transport()) as recording:
        recording.handle(post("/jobs", {"program_id": "sampler", "params": {}}))
        for poll in range(4):
            if poll:
                script.clock.shift(10)
            status(recording)
        recording.handle(get("/sessions/s1"))
    return path


def seconds(transport: CassetteTransport, start: object) -> float:
    return (transport.clock.now() - start).total_seconds()  # type: ignore[operator]


def test_same_polls_replay_the_recorded_sequence(polled: Path, no_real_sleep: None) -> None:
    transport = CassetteTransport(polled)
    start = transport.clock.now()
    transport.handle(post("/jobs", {"program_id": "sampler", "params": {}}))
    seen = []
    for _ in range(4):
        seen.append(status(transport))
        transport.clock.sleep(10)
    assert seen[0] == "Queued" and seen[-1] == "Completed" and "Running" in seen
    assert seconds(transport, start) >= 30


def test_more_polls_than_recorded_hold_the_final_state(polled: Path) -> None:
    transport = CassetteTransport(polled)
    seen = [status(transport) for _ in range(12)]  # a tight loop, no sleeping
    assert seen[:4] == ["Queued", "Queued", "Running", "Completed"]
    assert set(seen[4:]) == {"Completed"}


def test_fewer_polls_skip_ahead_with_the_clock(polled: Path, no_real_sleep: None) -> None:
    transport = CassetteTransport(polled)
    start = transport.clock.now()
    assert status(transport) == "Queued"
    transport.clock.sleep(0.1)  # wakes at the next recorded change: Running at 20 s
    assert seconds(transport, start) == 20
    assert status(transport) == "Running"
    transport.clock.sleep(600)  # wakes early, at the next change: Completed at 30 s
    assert status(transport) == "Completed"
    assert seconds(transport, start) == 30


def test_another_request_moves_time_and_polls_skip_to_what_was_true_then(polled: Path) -> None:
    transport = CassetteTransport(polled)
    transport.handle(get("/sessions/s1"))  # recorded at 30 s
    assert status(transport) == "Completed"  # the first poll of the job, 3 answers skipped


def test_a_poll_for_a_state_never_recorded_stops_with_an_error(
    tmp_path: Path, script: Script
) -> None:
    path = tmp_path / "unfinished.yaml"
    with CassetteTransport(path, "rewrite", inner=script.transport()) as recording:
        status(recording)  # recording stopped while the job was queued

    transport = CassetteTransport(path, hold_limit=50)
    with pytest.raises(CassetteMismatchError, match=r"never reached.*hold_limit \(now 50\)"):
        while status(transport) != "Completed":
            transport.clock.sleep(5)


def test_each_post_answer_plays_once(polled: Path) -> None:
    transport = CassetteTransport(polled)
    body = {"program_id": "sampler", "params": {}}
    assert transport.handle(post("/jobs", body)).json()["id"] == "job1"
    with pytest.raises(CassetteMismatchError, match=r"recorded 1 answer\(s\).*played already"):
        transport.handle(post("/jobs", body))


def test_the_clock_starts_at_the_first_recorded_time(polled: Path, script: Script) -> None:
    transport = CassetteTransport(polled)
    assert isinstance(transport.clock, CassetteClock)
    assert transport.clock.now() == script.start


def test_cassette_clock_sleeps_to_the_next_change_then_by_the_amount() -> None:
    import datetime as dt

    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    clock = CassetteClock(t0, [t0, t0 + dt.timedelta(seconds=100)])
    clock.sleep(0)
    assert clock.now() == t0
    clock.sleep(1)
    assert clock.now() == t0 + dt.timedelta(seconds=100)
    clock.sleep(2.5)  # no recorded change left: time moves by the amount
    assert clock.now() == t0 + dt.timedelta(seconds=102.5)
    clock.advance_to(t0)  # never backwards
    assert clock.now() == t0 + dt.timedelta(seconds=102.5)
    with pytest.raises(ClockError, match="negative"):
        clock.sleep(-1)


def test_an_appended_episode_whose_clock_started_over_replays_in_order(
    tmp_path: Path, script: Script
) -> None:
    path = tmp_path / "episodes.yaml"
    with CassetteTransport(path, "rewrite", inner=script.transport()) as recording:
        recording.handle(get("/sessions/a"))
        script.clock.shift(50)
        recording.handle(get("/sessions/a"))
    later = Script()  # a new clock, starting at the same instant as the first
    with CassetteTransport(path, "new_episodes", inner=later.transport()) as recording:
        recording.handle(get("/sessions/b"))
        later.clock.shift(5)
        recording.handle(get("/sessions/b"))

    transport = CassetteTransport(path)
    start = transport.clock.now()
    assert [transport.handle(get("/sessions/a")).json()["n"] for _ in range(2)] == [1, 2]
    assert [transport.handle(get("/sessions/b")).json()["n"] for _ in range(2)] == [1, 2]
    assert seconds(transport, start) == 55  # episode b continues after episode a
