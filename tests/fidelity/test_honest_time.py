"""Served on the wall clock, no timestamp the official client reads is ever later than the wall
clock (issue 19 point 6), however often the pacer skips ahead.

Jobs in a dedicated session and outside one, behind hours of other users' queue and longer than
the hold: every answer the server makes is watched (``TimestampWatch``: job created/running/
finished, metrics, logs, result metadata, session details and timestamps), and what the client
shows (``creation_date``, ``metrics()``, ``session.details()``) is checked too. Before issue 19 a
skip moved the clock, and ``creation_date`` ran minutes into the future.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.server import FakeServer

from ..helpers import TimestampWatch
from .conftest import QPU, Official, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit_ibm_runtime import Session  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


def wall_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@pytest.fixture
def watched() -> Iterator[tuple[Official, TimestampWatch]]:
    """A fake served behind a ``TimestampWatch``, holding jobs briefly (so it skips often)."""
    fake = FakeRuntime([QPU], seed=31)
    watch = TimestampWatch(fake.app)
    with (
        FakeServer(fake, app=watch, max_wait=0.05) as server,
        official_service_context(server) as service,
    ):
        yield Official(fake, server, service), watch


def parsed(value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
    return _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def test_no_timestamp_is_ever_after_the_wall_clock_over_many_polls_and_skips(
    watched: tuple[Official, TimestampWatch], bell_isa: QuantumCircuit
) -> None:
    official, watch = watched
    fake = official.fake
    started = wall_now()
    fake.add_background_jobs(QPU, 3, duration=1800)  # ninety minutes of other users' queue
    backend = official.backend()
    jobs = []
    with Session(backend) as session:
        for seconds in (5.0, 600.0, 30.0):
            fake.set_next_job_duration(seconds)
            job = sampler_job(session, bell_isa, shots=20)
            assert job.result(timeout=60)[0].data.meas.num_shots == 20
            jobs.append(job)
        details = session.details()
    fake.set_next_job_duration(1200)
    job = sampler_job(backend, bell_isa, shots=20)
    job.result(timeout=60)
    jobs.append(job)
    shown = [j.creation_date for j in jobs]
    for j in jobs:
        for value in j.metrics()["timestamps"].values():
            if value is not None:
                shown.append(parsed(value))
        j.logs()
    shown += [
        parsed(details[key])
        for key in ("created_at", "started_at", "activated_at", "closed_at")
        if details.get(key)
    ]
    shown += [parsed(entry["timestamp"]) for entry in details.get("timestamps", [])]
    official.service.usage()
    found = official.service.jobs(created_after=started - _dt.timedelta(seconds=1), limit=None)
    ended = wall_now()

    assert {j.job_id() for j in found} == {j.job_id() for j in jobs}
    assert all(started - _dt.timedelta(milliseconds=1) <= at <= ended for at in shown)
    assert any(fake.job(j.job_id()).skipped > 0 for j in jobs)  # the pacer did skip ahead
    assert watch.late == []
    assert watch.checked >= 40
