"""The committed cassettes (``cassettes/*.yaml``) replay, offline, what was recorded.

Each was recorded by ``cassettes/record.py`` from the user code in ``scenarios.py``, against a
seeded fake served over HTTP. Here the same user code runs against the file alone: no server, no
network (connecting a socket fails the test), no credentials, no real sleeping. The expected ids
and results below are what the recordings saw; the seeds make them stable. Re-recording prints
them, so update them here if a re-recording changes them on purpose (see ``docs/cassettes.md``).
"""

from __future__ import annotations

import datetime as _dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from qiskit_runtime_double import (
    IBMRuntimeError,
    QiskitRuntimeService,
    RuntimeJobFailureError,
    Session,
)
from qiskit_runtime_double.cli import main as cli_main
from qiskit_runtime_double.transports.cassettes import read_cassette

from .scenarios import OFFICIAL, SCENARIOS, Outcome, Scenario

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
ALL_NAMES = [*BY_NAME, OFFICIAL]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, no_real_sleep: None) -> Iterator[None]:
    """No network, no account, no sleeping: whatever a replay needs must come from the file."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"a replay tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_URL", "IAM_URL"):
        monkeypatch.delenv(name, raising=False)
    yield


def replay(scenario: Scenario) -> Outcome:
    """Run the scenario's user code against its committed cassette (which must stay unchanged)."""
    path = CASSETTES / f"{scenario.name}.yaml"
    before = path.read_bytes()
    with QiskitRuntimeService(cassette=path, record_mode="replay") as service:
        outcome = scenario.run(service)
    assert path.read_bytes() == before, "a replay must never write the cassette"
    return outcome


def created_ids(name: str, collection: str) -> list[str]:
    """The ids in the answers to ``POST /<collection>`` (``jobs``, ``sessions``), in order."""
    data = read_cassette(CASSETTES / f"{name}.yaml")
    assert data is not None
    return [
        json.loads(item.response.content)["id"]
        for item in data.interactions
        if item.request.method == "POST"
        and urlsplit(item.request.url).path.endswith(f"/api/v1/{collection}")
        and item.response.status_code == 200
    ]


def seconds_between(stamps: dict[str, str], start: str, end: str) -> float:
    parse = _dt.datetime.fromisoformat
    return (
        parse(stamps[end].replace("Z", "+00:00")) - parse(stamps[start].replace("Z", "+00:00"))
    ).total_seconds()


# --- every committed cassette -----------------------------------------------------------------


def test_every_scenario_has_its_cassette_and_nothing_else_is_committed() -> None:
    assert sorted(p.stem for p in CASSETTES.glob("*.yaml")) == sorted(ALL_NAMES)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_cassette_check_passes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = CASSETTES / f"{name}.yaml"
    assert cli_main(["cassette", "check", str(path)]) == 0, capsys.readouterr().out
    assert "no secrets found" in capsys.readouterr().out


# --- our client's recordings, replayed by the same user code -----------------------------------


@pytest.mark.usefixtures("offline")
def test_session_with_a_sampler_and_an_estimator_job() -> None:
    outcome = replay(BY_NAME["session_sampler_estimator"])
    assert outcome.job_ids == ["dwohpkd3yx5onpoyaqtm", "dnmj39pj1o936uf4s5gt"]
    assert outcome.job_ids == created_ids("session_sampler_estimator", "jobs")
    assert outcome.session_id == "cuh87qxhhkyh8cgd1nql"
    assert outcome.statuses == ["DONE", "DONE"]
    assert outcome.counts == [{"00": 493, "01": 4, "10": 8, "11": 495}]
    # <ZZ> = 1 and <XX> = cos(0.7) = 0.765 on a Bell pair, give or take noise and precision 0.05.
    assert outcome.evs == [pytest.approx([0.9951923076923077, 0.7740384615384615], abs=1e-12)]
    assert outcome.session_status == "Closed"
    details = outcome.session_details
    assert details is not None
    assert (details["mode"], details["state"], details["max_time"]) == ("dedicated", "closed", 3600)


@pytest.mark.usefixtures("offline")
def test_batch_of_three_sampler_jobs() -> None:
    outcome = replay(BY_NAME["batch"])
    assert outcome.job_ids == [
        "dvpshtfwwyidlys0po6g",
        "dcikew81jl0wt59shihv",
        "dt9so77gc45njy7hqxho",
    ]
    assert outcome.job_ids == created_ids("batch", "jobs")
    assert outcome.session_id == "cfwgzvnwubtws50nie3y"
    assert outcome.notes["job_session_ids"] == [outcome.session_id] * 3
    assert outcome.statuses == ["DONE"] * 3
    assert outcome.counts == [
        {"00": 54, "11": 46},
        {"00": 88, "01": 1, "11": 111},
        {"00": 141, "01": 2, "10": 2, "11": 155},
    ]
    assert [sum(counts.values()) for counts in outcome.counts] == [100, 200, 300]
    assert outcome.session_details is not None
    assert outcome.session_details["mode"] == "batch"
    assert outcome.session_status == "Closed"


@pytest.mark.usefixtures("offline")
def test_failed_job_raises_the_recorded_failure() -> None:
    outcome = replay(BY_NAME["failed_job"])
    assert outcome.job_ids == ["d9qz0hcven65eci3aide"]
    error = outcome.errors["result"]
    assert isinstance(error, RuntimeJobFailureError)
    assert "Circuit too deep" in str(error) and "1002" in str(error)
    assert outcome.statuses == ["ERROR"]
    assert outcome.notes["error_message"] == "Error code 1002; Circuit too deep"


@pytest.mark.usefixtures("offline")
def test_expired_session_fails_the_queued_job_and_refuses_a_later_one() -> None:
    outcome = replay(BY_NAME["expired_session"])
    assert outcome.job_ids == ["dwoqtjgudv23jo7m9h4b", "d2tw69gsbnffwdfa3icw"]
    assert outcome.session_id == "c850ilz3ag6exlx5uolw"
    # The running job finished past the expiry; the one queued behind it failed.
    assert outcome.statuses == ["DONE", "ERROR"]
    assert outcome.counts == [{"00": 54, "01": 2, "11": 44}]
    queued = outcome.errors["queued"]
    assert isinstance(queued, RuntimeJobFailureError)
    assert "expired" in str(queued) and "max_time of 600 s" in str(queued)
    # The service refused the next submission (a 409): not a job failure, no job was created.
    refused = outcome.errors["refused"]
    assert isinstance(refused, IBMRuntimeError)
    assert not isinstance(refused, RuntimeJobFailureError)
    assert "has been closed" in str(refused)
    assert created_ids("expired_session", "jobs") == outcome.job_ids
    assert outcome.session_status == "Closed"
    assert outcome.session_details is not None
    assert outcome.session_details["closed_at"] == _dt.datetime(
        2025, 1, 1, 9, 10, tzinfo=_dt.timezone.utc
    )


@pytest.mark.usefixtures("offline")  # which fails the test if anything sleeps for real
def test_an_hour_in_the_queue_replays_without_waiting() -> None:
    # The client waits only through its clock: replaying, a clock that jumps to the next
    # recorded change instead of sleeping. (Its speed: bench/bench_cassette.py, part 4.)
    outcome = replay(BY_NAME["queued_for_hours"])
    assert outcome.job_ids == ["doc27rg5mib5ienz9hwj"]
    assert outcome.notes["first_status"] == "QUEUED"
    assert outcome.statuses == ["DONE"]
    assert outcome.counts == [{"00": 52, "10": 1, "11": 47}]
    # The recorded job waited an hour (simulated) behind other users' jobs.
    assert seconds_between(outcome.notes["timestamps"], "created", "running") == 3600


# --- the official client's recording, read back through our client -----------------------------

OFFICIAL_JOB = "drcm3gpb0dg0ptvrpffh"
OFFICIAL_SESSION = "cz6a73c32g8nqxy0krej"


def test_official_cassette_holds_the_ids_expected_here() -> None:
    assert created_ids(OFFICIAL, "jobs") == [OFFICIAL_JOB]
    assert created_ids(OFFICIAL, "sessions") == [OFFICIAL_SESSION]


@pytest.mark.usefixtures("offline")
def test_official_clients_job_and_session_read_through_our_client() -> None:
    path = CASSETTES / f"{OFFICIAL}.yaml"
    with QiskitRuntimeService(cassette=path, record_mode="replay") as service:
        job = service.job(OFFICIAL_JOB)
        assert job.status() == "DONE"
        assert job.session_id == OFFICIAL_SESSION
        assert job.result()[0].data.meas.get_counts() == {"00": 56, "10": 1, "11": 43}

        session = Session.from_id(OFFICIAL_SESSION, service=service)
        assert session.session_id == OFFICIAL_SESSION
        details = session.details()
        assert details is not None
        assert details["mode"] == "dedicated"
        assert details["backend_name"] == "generic_5q"
        assert details["max_time"] == 3600
        assert details["state"] == "closed"
        assert session.status() == "Closed"
