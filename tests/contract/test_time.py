"""Where simulated time starts, over every transport (issue 10 point 1).

A fake asked to start at the real current time (``fake.reset(start="now")``, or
``VirtualClock(start="now")``) dates jobs by the wall clock, so the listing filters users write
against the real calendar find them. Timeouts on the fake's clock are in ``test_jobs.py``
(``test_a_wait_with_a_timeout_raises_when_the_job_needs_longer``).
"""

from __future__ import annotations

import datetime as dt

from qiskit import QuantumCircuit

from qiskit_runtime_double import SamplerV2

from .conftest import Runtime


def test_a_fake_started_now_dates_jobs_on_the_wall_clock(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    before = dt.datetime.now(dt.timezone.utc)
    runtime.fake.reset(start="now")
    job = SamplerV2(mode=runtime.backend()).run([runtime.isa(bell)], shots=64)
    assert job.result()[0].data.meas.num_shots == 64
    after = dt.datetime.now(dt.timezone.utc)

    created = job.creation_date
    assert created is not None
    # The wire carries milliseconds: compare at that precision.
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= created <= after
    month_ago = before - dt.timedelta(days=30)
    assert [j.job_id() for j in runtime.service.jobs(created_after=month_ago)] == [job.job_id()]
    assert runtime.service.jobs(created_before=month_ago) == []
