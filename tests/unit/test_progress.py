"""The status line of a waiting job: what it shows, how often, and when it stays quiet."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2
from qiskit_runtime_double.progress import (
    JobWait,
    QuietReporter,
    StatusLine,
    current_reporter,
    in_ci,
    queue_details,
    show_progress,
)
from qiskit_runtime_double.transports.mock import MockTransport
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse
from tests.helpers import bell

SIMULATOR = "ibmq_qasm_simulator"


class Ticks:
    """A real-time source the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _line(ticks: Ticks, **options: object) -> tuple[StatusLine, list[str]]:
    written: list[str] = []
    line = StatusLine(written.append, monotonic=ticks, width=200, **options)  # type: ignore[arg-type]
    return line, written


def _wait(status: str = "QUEUED", waited: float = 0.0, **extra: object) -> JobWait:
    return JobWait("d0job", status, waited, "ibm_test", **extra)  # type: ignore[arg-type]


def test_a_quick_wait_shows_nothing() -> None:
    ticks = Ticks()
    line, written = _line(ticks, delay=2.0)
    line.update(_wait())
    ticks.now = 1.9
    line.update(_wait("RUNNING", 1.9))
    line.finish(_wait("DONE", 2.0))
    assert written == []


def test_a_long_wait_shows_one_line_rewritten_in_place_then_a_final_one() -> None:
    ticks = Ticks()
    line, written = _line(ticks, delay=2.0, min_interval=1.0)
    line.update(_wait())
    ticks.now = 2.0
    line.update(_wait("QUEUED", 3725.0, queue_position=3))
    ticks.now = 2.5  # within min_interval, same state: not redrawn
    line.update(_wait("QUEUED", 3725.5, queue_position=3))
    ticks.now = 2.6  # a new state is shown at once
    line.update(_wait("RUNNING", 3726.0))
    line.finish(_wait("DONE", 3800.0))
    queued = "qiskit-runtime-double: job d0job QUEUED on ibm_test, position 3, waiting 1h 02m 05s"
    running = "qiskit-runtime-double: job d0job RUNNING on ibm_test, waiting 1h 02m 06s"
    done = "qiskit-runtime-double: job d0job DONE on ibm_test, after 1h 03m 20s"
    # Spaces cover what is left of a longer line before.
    assert written == [
        f"\r{queued}",
        f"\r{running}" + " " * (len(queued) - len(running)),
        f"\r{done}" + " " * (len(running) - len(done)) + "\n",
    ]


def test_estimated_start_is_shown_in_utc_and_long_lines_are_cut() -> None:
    ticks = Ticks()
    written: list[str] = []
    line = StatusLine(written.append, delay=0, width=60, monotonic=ticks)
    start = dt.datetime(2026, 3, 1, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    line.update(_wait(waited=65, estimated_start=start))
    assert written == ["\rqiskit-runtime-double: job d0job QUEUED on ibm_test, estima…"]
    wide = StatusLine(written.append, delay=0, width=200, monotonic=ticks)
    wide.update(_wait(waited=65, estimated_start=start))
    assert written[-1].endswith("estimated start 2026-03-01 13:05 UTC, waiting 1m 05s")


def test_fresh_line_starts_below_the_terminal_line_and_close_ends_an_open_one() -> None:
    ticks = Ticks()
    line, written = _line(ticks, delay=0, fresh_line=True)
    line.update(_wait(waited=5))
    assert written[0].startswith("\nqiskit-runtime-double: job d0job QUEUED")
    line.close()  # the wait raised (a timeout): the line is ended, once
    line.close()
    assert written[1:] == ["\n"]
    line.finish(_wait("DONE"))  # nothing left to end
    assert len(written) == 2


@pytest.mark.parametrize("bad", [-1, "1", True])
def test_bad_intervals_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="must be a number >= 0"):
        StatusLine(print, delay=bad)  # type: ignore[arg-type]


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "environ", "quiet"),
    [
        (True, {}, False),
        (False, {}, True),  # a file, a pipe
        (True, {"CI": "true"}, True),
        (True, {"CI": "1"}, True),
        (True, {"CI": "false"}, False),
        (True, {"TERM": "dumb"}, True),
    ],
)
def test_for_stream_is_quiet_off_a_terminal_and_in_ci(
    tty: bool, environ: dict[str, str], quiet: bool
) -> None:
    stream = FakeTerminal(tty)
    reporter = StatusLine.for_stream(stream, environ=environ, delay=0, width=100)
    assert isinstance(reporter, QuietReporter) == quiet
    reporter.update(_wait(waited=1))
    reporter.finish(_wait("DONE", 2))
    assert (stream.getvalue() == "") == quiet
    if not quiet:
        assert "\rqiskit-runtime-double: job d0job DONE on ibm_test, after 2s" in stream.getvalue()
        assert stream.getvalue().endswith("\n")


def test_in_ci() -> None:
    assert in_ci({"CI": "true"}) and in_ci({"CI": "yes"})
    assert not in_ci({}) and not in_ci({"CI": ""}) and not in_ci({"CI": "0"})


def test_queue_details_read_what_the_service_sends() -> None:
    assert queue_details(None) == (None, None)
    assert queue_details({"queue_info": {"position": 4}}) == (4, None)
    position, start = queue_details(
        {"queue_info": {"position_in_queue": 2, "estimated_start_time": "2026-03-01T14:05:00Z"}}
    )
    assert position == 2 and start == dt.datetime(2026, 3, 1, 14, 5, tzinfo=dt.timezone.utc)
    assert queue_details({"position": True, "estimated_start_time": "soon"}) == (None, None)


class Recorder:
    def __init__(self) -> None:
        self.updates: list[JobWait] = []
        self.finished: list[JobWait] = []

    def update(self, wait: JobWait) -> None:
        self.updates.append(wait)

    def finish(self, wait: JobWait) -> None:
        self.finished.append(wait)


def _service_with_queue_info(fake: FakeRuntime, sent: list[str]) -> QiskitRuntimeService:
    """Our client on the fake through a transport that adds queue_info to queued jobs, as IBM's
    older API did, and counts the requests."""

    def forward(request: HttpRequest) -> HttpResponse:
        sent.append(f"{request.method} {request.url}")
        response = fake.app(request)
        if request.method == "GET" and "/jobs/" in request.url and response.status_code == 200:
            body = json.loads(response.content)
            if isinstance(body, dict) and body.get("state", {}).get("status") == "Queued":
                body["queue_info"] = {"position": 2, "estimated_start_time": "2025-01-01T09:02:00Z"}
                return HttpResponse.from_json(200, body)
        return response

    transport = MockTransport(forward, clock=fake.clock, probe=fake.simulation)
    return QiskitRuntimeService(transport=transport, instance=fake.plan.instance)


def test_waiting_tells_the_reporter_what_each_poll_saw_without_extra_requests() -> None:
    def run(reporter: Recorder | None) -> list[str]:
        fake = FakeRuntime(backends=[SIMULATOR])
        fake.add_background_jobs(SIMULATOR, 2, duration=60)
        sent: list[str] = []
        service = _service_with_queue_info(fake, sent)
        job = SamplerV2(mode=service.backend(SIMULATOR)).run([bell()], shots=4)
        if reporter is None:
            job.result()
        else:
            with show_progress(reporter):
                job.result()
        return sent

    recorder = Recorder()
    assert run(recorder) == run(None)  # the status line costs no request: cassettes stay the same
    first = recorder.updates[0]
    assert (first.status, first.backend, first.queue_position) == ("QUEUED", SIMULATOR, 2)
    assert first.estimated_start == dt.datetime(2025, 1, 1, 9, 2, tzinfo=dt.timezone.utc)
    assert [w.waited for w in recorder.updates] == sorted(w.waited for w in recorder.updates)
    assert {w.status for w in recorder.updates} == {"QUEUED", "RUNNING"}
    (done,) = recorder.finished
    assert done.waited >= 120  # simulated seconds: behind two jobs of 60 s
    assert done.status == "DONE" and done.queue_position is None  # a running job has none


def test_no_reporter_outside_show_progress_and_a_bad_one_is_refused() -> None:
    assert current_reporter() is None
    recorder = Recorder()
    with show_progress(recorder):
        assert current_reporter() is recorder
    assert current_reporter() is None
    with (
        pytest.raises(TypeError, match="update\\(wait\\) and finish\\(wait\\)"),
        show_progress(object()),  # type: ignore[arg-type]
    ):
        pass
