"""Time as the official client sees it (issue 10 points 1 and 2).

1. Served, simulated time starts at the real current UTC time: ``job.creation_date`` falls between
   the wall-clock instants before the submission and after the result, and
   ``service.jobs(created_after=<a month ago>)`` finds the job.
2. Real-time waits: a job longer than the client's real-time timeout makes ``result(timeout=...)``
   and ``wait_for_final_state(timeout=...)`` raise ``RuntimeJobTimeoutError``, as against IBM,
   while a job behind hours of queue still ends after a few polls.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.compat import official_service_context
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.pacing import DEFAULT_MAX_WAIT

from ..helpers import hand_moved_real_time
from .conftest import QPU, Official, sampler_job

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit_ibm_runtime import Session  # noqa: E402
from qiskit_ibm_runtime.exceptions import RuntimeJobTimeoutError  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]

#: A job far longer than any timeout below: ten simulated minutes.
LONG = 600.0


def wall_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def to_millisecond(at: _dt.datetime) -> _dt.datetime:
    """``at`` truncated to the millisecond: the precision of the wire's timestamps."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


@pytest.fixture(scope="module")
def served() -> Iterator[Official]:
    """A fake served with the defaults, as a user serves it."""
    fake = FakeRuntime([QPU], seed=9)
    with fake.serve() as server, official_service_context(server) as service:
        yield Official(fake, server, service)


@pytest.fixture
def default(served: Official) -> Official:
    served.fake.reset()
    served.server.clear_log()
    return served


# --- 1. when time starts --------------------------------------------------------------------------


def test_creation_date_is_between_the_submission_and_the_result_by_the_wall_clock(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    before = wall_now()
    job = sampler_job(official.backend(), bell_isa)
    result = job.result(timeout=60)
    after = wall_now()

    assert sum(result[0].data.meas.get_counts().values()) == 100
    assert to_millisecond(before) <= job.creation_date <= after


def test_jobs_created_after_a_month_ago_are_found(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    month_ago = wall_now() - _dt.timedelta(days=30)
    job = sampler_job(official.backend(), bell_isa)

    found = official.service.jobs(created_after=month_ago)
    assert [j.job_id() for j in found] == [job.job_id()]
    assert official.service.jobs(created_before=month_ago) == []


# --- 2. real-time waits ---------------------------------------------------------------------------


# The client times out by the wall clock, the pacer holds a job by its own real-time source: the
# tests below stop the latter (hand_moved_real_time), so the job is still held when the client's
# timeout fires, however slowly a loaded machine polls. ``tests/fake/test_pacing.py`` checks the
# pacer's own arithmetic with the same hand-moved source.


def test_result_with_a_short_timeout_times_out_on_a_long_job(
    default: Official, bell_isa: QuantumCircuit
) -> None:
    default.fake.set_next_job_duration(LONG)
    job = sampler_job(default.backend(), bell_isa)

    with hand_moved_real_time(default.fake), pytest.raises(RuntimeJobTimeoutError):
        job.result(timeout=0.5)

    default.fake.clock.shift(LONG)  # the ten minutes pass in simulated time
    assert job.result(timeout=60)[0].data.meas.num_shots == 100


def test_wait_for_final_state_with_a_short_timeout_times_out_on_a_long_job(
    default: Official, bell_isa: QuantumCircuit
) -> None:
    default.fake.set_next_job_duration(LONG)
    job = sampler_job(default.backend(), bell_isa)

    with hand_moved_real_time(default.fake):
        with pytest.raises(RuntimeJobTimeoutError):
            job.wait_for_final_state(timeout=0.5)
        assert job.status() == "RUNNING"


def test_with_the_default_pacing_a_session_job_longer_than_the_timeout_times_out(
    default: Official, bell_isa: QuantumCircuit
) -> None:
    assert default.fake.pacer.max_wait == DEFAULT_MAX_WAIT
    default.fake.set_next_job_duration(LONG)
    with Session(default.backend()) as session:
        job = sampler_job(session, bell_isa)  # session jobs poll every 0.1 s
        with hand_moved_real_time(default.fake) as ticks:
            with pytest.raises(RuntimeJobTimeoutError):
                job.result(timeout=0.2)
            # Once DEFAULT_MAX_WAIT of real time has passed, polls skip to the job's end.
            ticks.t += DEFAULT_MAX_WAIT
            assert job.result(timeout=60)[0].data.meas.num_shots == 100


def test_a_job_behind_hours_of_queue_ends_after_a_few_polls(
    default: Official, bell_isa: QuantumCircuit
) -> None:
    fake = default.fake
    ahead = fake.add_background_jobs(QPU, 40, duration=3600)  # 40 hours of queue
    job = sampler_job(default.backend(), bell_isa)

    assert job.result(timeout=60)[0].data.meas.num_shots == 100

    polls = default.lines().count(f"GET /jobs/{job.job_id()}")
    # Held for DEFAULT_MAX_WAIT real seconds (a poll every 0.5 s), then one poll per status.
    assert polls <= 2 * DEFAULT_MAX_WAIT / 0.5 + 3
    last = fake.job(ahead[-1])
    assert last.finished_at is not None and last.running_at is not None
    # The forty hours were served: each job of the queue used its hour of the backend, and the
    # client's job ran after the last; all of it happened by the wall clock, not in its future.
    assert [fake.job(j).quantum_seconds for j in ahead] == [3600.0] * 40
    assert fake.job(job.job_id()).running_at == last.finished_at
    assert last.finished_at <= wall_now()
    assert job.creation_date <= wall_now()
