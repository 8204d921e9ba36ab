"""The pacer at a submission: a new job is not left queued behind a job whose hold is over.

In process, with the pacer's real time moved by hand (``ticks``), as in ``test_pacing.py``: a
submission at ``max_wait=0`` moves the running job ahead on as a poll of it would, but only a job
a served client submitted; with a hold, only a job's own polls move it.
"""

from __future__ import annotations

import pytest

from qiskit_runtime_double.fake import FakeRuntime

from ..helpers import Ticks
from .test_pacing import QPU, poll, submit


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def fake(ticks: Ticks) -> FakeRuntime:
    made = FakeRuntime([QPU], seed=2)
    made.pacer.timer = ticks
    return made


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
