"""Issue 10, point 8: the official client lists and reads a fake's seeded history as it would a
real account's: ``service.jobs()`` filters, paging and order, then each past job and session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake import FakeRuntime, History, PastJob
from qiskit_runtime_double.fake.core.executor import NoOpExecutor

from .conftest import QPU, SIMULATOR, Official

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit_ibm_runtime import Session  # noqa: E402
from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError  # noqa: E402

pytestmark = [pytest.mark.compat]

HISTORY = History(weeks=2, jobs_per_day=3, tags=["calib", "vqe"], sessions=2, seed=31)
#: 2 weeks of 3 jobs a day, and 2 sessions of 3 jobs.
SIZE = 2 * 7 * 3 + 2 * 3
#: And two explicit past jobs.
TOTAL = SIZE + 2


@pytest.fixture(scope="module")
def past() -> Iterator[Official]:
    fake = FakeRuntime([QPU, SIMULATOR], seed=31, history=HISTORY, executor=NoOpExecutor())
    fake.add_history(
        [
            PastJob(created=dt.timedelta(days=1), status="Failed", reason="Boom."),
            PastJob(created=dt.timedelta(days=3), session="mine", tags=["mine"]),
        ]
    )
    with fake.serve() as server, official_service_context(server) as service:
        yield Official(fake, server, service)


def ids(jobs: list[object]) -> list[str]:
    return [job.job_id() for job in jobs]  # type: ignore[attr-defined]


def test_the_whole_history_pages_in_order(past: Official) -> None:
    everything = past.service.jobs(limit=None)

    assert len(everything) == TOTAL
    created = [job.creation_date for job in everything]
    assert created == sorted(created, reverse=True)
    assert all(date.tzinfo is not None and date < past.fake.now() for date in created)
    assert ids(past.service.jobs(limit=7, skip=5)) == ids(everything[5:12])
    assert ids(past.service.jobs(limit=4, descending=False)) == ids(everything[::-1][:4])
    assert ids(past.service.jobs(limit=10, skip=TOTAL - 4)) == ids(everything[-4:])


def test_an_offset_past_the_end_answers_no_jobs_and_the_full_count(past: Official) -> None:
    """``service.jobs(skip=...)`` past the end never returns in 0.51: its loop stops only when it
    has ``count - skip`` jobs. The answer it keeps getting is this one."""
    answer = past.service._active_api_client.jobs_get(limit=10, skip=TOTAL + 50)

    assert answer["jobs"] == [] and answer["count"] == TOTAL
    assert (answer["limit"], answer["offset"]) == (10, TOTAL + 50)


def test_filters_compose_as_on_the_service(past: Official) -> None:
    records = list(past.fake.state.jobs.values())
    week_ago = past.fake.now() - dt.timedelta(days=7)
    local = week_ago.astimezone()  # the official client takes local times

    recent = past.service.jobs(limit=None, created_after=local)
    older = past.service.jobs(limit=None, created_before=local)
    assert {*ids(recent), *ids(older)} == {job.id for job in records}
    assert all(job.creation_date >= week_ago for job in recent)

    both = past.service.jobs(limit=None, job_tags=["calib", "vqe"], backend_name=QPU)
    assert ids(both) and set(ids(both)) == {
        job.id for job in records if {"calib", "vqe"} <= set(job.tags) and job.backend == QPU
    }
    estimators = past.service.jobs(limit=None, program_id="estimator", pending=False)
    assert len(estimators) == sum(job.program_id == "estimator" for job in records)
    assert past.service.jobs(pending=True) == []

    session_id = next(job.session_id for job in records if job.session_id and job.tags != ["mine"])
    in_session = past.service.jobs(session_id=session_id)
    assert len(in_session) == sum(job.session_id == session_id for job in records) == 3 and {
        job.session_id for job in in_session
    } == {session_id}


def test_past_jobs_and_sessions_read_like_real_ones(past: Official) -> None:
    records = sorted(past.fake.state.jobs.values(), key=lambda job: job.created)
    done = next(job for job in records if job.status == "Completed" and job.program_id == "sampler")
    failed = next(job for job in records if job.reason == "Boom.")

    job = past.service.job(done.id)
    assert job.status() == "DONE" and job.backend().name == done.backend
    result = job.result()
    assert result.metadata["synthetic"] is True and result[0].data.meas.num_bits == 2
    assert job.metrics()["usage"]["status"] == "complete" and job.usage() > 0

    with pytest.raises(RuntimeJobFailureError, match="Boom"):
        past.service.job(failed.id).result()

    session_id = next(job.session_id for job in records if job.tags == ["mine"])
    details = Session.from_id(session_id, service=past.service).details()
    assert details is not None and details["state"] == "closed"
    assert details["accepting_jobs"] is False
