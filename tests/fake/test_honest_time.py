"""Served on the wall clock, no timestamp is ever later than the wall clock (issue 19 point 6).

Our own client over real HTTP, sleeping for real: jobs in a session and out of one, behind hours
of other users' queue and longer than the hold, so the pacer skips ahead many times. Every answer
is watched (``TimestampWatch``): job created/running/finished, metrics, logs, result metadata,
session details and their timestamps. The official client's run is in
``tests/fidelity/test_honest_time.py``.
"""

from __future__ import annotations

import datetime as _dt

from qiskit_runtime_double import QiskitRuntimeService, SamplerV2, Session
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.transports.live import LiveTransport

from ..helpers import TimestampWatch, bell, isa

QPU = "generic_5q"


def wall_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def test_no_served_timestamp_is_ever_after_the_wall_clock_with_our_client() -> None:
    fake = FakeRuntime([QPU], seed=17)
    watch = TimestampWatch(fake.app)
    with FakeServer(fake, app=watch, max_wait=0.05) as server:
        transport = LiveTransport(
            runtime_url=server.runtime_url,
            iam_url=server.iam_url,
            api_key="honest-time-key",
            instance=server.instance,
        )  # no clock: it sleeps for real, as a user's client does
        service = QiskitRuntimeService(transport=transport, instance=server.instance)
        try:
            started = wall_now()
            fake.add_background_jobs(QPU, 3, duration=1800)  # ninety minutes of queue
            circuit = isa(service, bell(), QPU)
            jobs = []
            with Session(service, backend=QPU) as session:
                for seconds in (5.0, 600.0, 30.0):
                    fake.set_next_job_duration(seconds)
                    job = SamplerV2(mode=session).run([circuit], shots=20)
                    assert job.result(timeout=60)[0].data.meas.num_shots == 20
                    jobs.append(job)
                assert session.details() is not None
            fake.set_next_job_duration(1200)
            job = SamplerV2(mode=service.backend(QPU)).run([circuit], shots=20)
            job.result(timeout=60)
            jobs.append(job)
            for job in jobs:
                job.metrics()
                job.logs()
            service.usage()
            found = service.jobs(created_after=started - _dt.timedelta(seconds=1), limit=None)
        finally:
            service.close()

    assert {j.job_id() for j in found} == {j.job_id() for j in jobs}
    assert all(started <= j.creation_date <= wall_now() for j in jobs)  # type: ignore[operator]
    assert any(fake.job(j.job_id()).skipped > 0 for j in jobs)  # the pacer did skip ahead
    assert watch.late == []
    assert watch.checked >= 40
