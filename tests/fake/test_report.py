"""What the fake did, as short text: records print as one line, a text timeline, a summary."""

from __future__ import annotations

import datetime as dt

import pytest

from qiskit_runtime_double import (
    FakeRuntime,
    QiskitRuntimeService,
    RuntimeJobFailureError,
    SamplerV2,
    Session,
)
from qiskit_runtime_double.fake.core.report import format_offset, human_duration
from tests.helpers import bell

SIMULATOR = "ibmq_qasm_simulator"


@pytest.fixture
def fake() -> FakeRuntime:
    """A fake that ran one session: a completed job, a failed one, behind two other users' jobs."""
    fake = FakeRuntime(backends=[SIMULATOR])
    service = QiskitRuntimeService(fake=fake)
    fake.add_background_jobs(SIMULATOR, 2, duration=60)
    with Session(service=service, backend=SIMULATOR, max_time="10m") as session:
        SamplerV2(mode=session).run([bell(8)], shots=10).result()
        fake.fail_job(reason="Circuit too deep", code=1002)
        with pytest.raises(RuntimeJobFailureError):
            SamplerV2(mode=session).run([bell()]).result()
    return fake


def test_jobs_and_sessions_print_one_short_line_each(fake: FakeRuntime) -> None:
    jobs = fake.jobs()
    assert [job.status for job in jobs] == ["Completed", "Failed"]  # the instance's, in order
    text = repr(jobs)
    # The job holds its params (a QPY circuit in base64) and its result: neither is printed.
    assert len(text) < 500, text
    assert "__value__" not in text and "result" not in text
    first, second = (repr(job) for job in jobs)
    assert first.startswith(f"<JobRecord job {jobs[0].id} sampler on {SIMULATOR}, session ")
    assert "completed, queued 09:00:00, ran 09:02:00-09:02:00" in first
    assert "failed: Circuit too deep (code 1002)" in second
    (session,) = fake.sessions()
    assert repr(session) == (
        f"<SessionRecord session {session.id} dedicated on {SIMULATOR}: closed (closed by the "
        f"user), opened 09:00:00, closed {session.closed_at:%H:%M:%S.%f}"[:-3]
        + ", max_time 600 s>"
    )


def test_background_jobs_are_listed_only_when_asked(fake: FakeRuntime) -> None:
    everything = fake.jobs(background=True)
    assert len(everything) == 4
    assert [job.owner for job in everything[:2]] == ["background", "background"]
    assert "another user's" in repr(everything[0])
    with pytest.raises(TypeError, match="background: Input should be a valid boolean"):
        fake.jobs(background="yes")  # type: ignore[arg-type]


def test_text_timeline_lists_what_happened_in_order(fake: FakeRuntime) -> None:
    completed, failed = fake.jobs()
    (session,) = fake.sessions()
    lines = fake.timeline_text().splitlines()
    elapsed = (fake.now() - fake.clock.start).total_seconds()
    assert (
        lines[0] == f"fake timeline from 2025-01-01T09:00:00+00:00 (now {format_offset(elapsed)})"
    )
    events = [line.split("  ", 1)[1].strip() for line in lines[1:-1]]
    assert events == [
        f"session {session.id} opened on {SIMULATOR} (dedicated, max_time 600 s)",
        f"job {completed.id} (sampler) queued on {SIMULATOR} in session {session.id}",
        f"session {session.id} active",
        f"job {completed.id} (sampler) running",
        f"job {completed.id} (sampler) completed",  # ends, then the next one starts
        f"job {failed.id} (sampler) queued on {SIMULATOR} in session {session.id}",
        f"job {failed.id} (sampler) running",
        f"job {failed.id} (sampler) failed: Circuit too deep (code 1002)",
        f"session {session.id} closed: closed by the user",
    ]
    assert lines[2].startswith("+00:00:00 ")
    assert lines[-1] == "(2 job(s) of other users not shown)"
    with_others = fake.timeline_text(background=True)
    assert "(another user's)" in with_others and "not shown" not in with_others


def test_a_fresh_fake_says_it_saw_nothing() -> None:
    fake = FakeRuntime(backends=[SIMULATOR])
    assert fake.jobs() == [] and fake.sessions() == []
    assert fake.timeline_text().splitlines()[1] == "(no sessions, no jobs)"
    assert fake.summary().describe() == "0 session(s), 0 job(s), 0.0 s simulated"


def test_summary_counts_the_instance_and_simulated_time(fake: FakeRuntime) -> None:
    summary = fake.summary()
    assert (summary.sessions, summary.jobs) == (1, {"Completed": 1, "Failed": 1})
    assert summary.simulated_seconds == (fake.now() - fake.clock.start).total_seconds() > 120
    assert summary.describe() == "1 session(s), 2 job(s) (1 completed, 1 failed), 2m 00s simulated"


@pytest.mark.parametrize(
    ("seconds", "offset", "human"),
    [
        (0, "+00:00:00", "0.0 s"),
        (4.25, "+00:00:04.250", "4.2 s"),
        (3661, "+01:01:01", "1h 01m 01s"),
        (2 * 86400 + 5, "+2d 00:00:05", "48h 00m 05s"),
        (-1.5, "-00:00:01.500", "-1.5 s"),
    ],
)
def test_time_formats(seconds: float, offset: str, human: str) -> None:
    assert format_offset(seconds) == offset
    assert human_duration(seconds) == human


def test_the_timeline_follows_a_shifted_clock() -> None:
    fake = FakeRuntime(backends=[SIMULATOR])
    service = QiskitRuntimeService(fake=fake)
    session = Session(service=service, backend=SIMULATOR, max_time="1h")
    SamplerV2(mode=session).run([bell()]).result()
    fake.clock.shift(dt.timedelta(hours=1, seconds=1))
    text = fake.timeline_text()
    assert text.splitlines()[-1].endswith(f"session {session.session_id} closed: max_ttl reached")
    assert "(now +01:00:01" in text.splitlines()[0]
