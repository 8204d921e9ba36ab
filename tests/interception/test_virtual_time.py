"""``VirtualTime``: ``time.time``/``time.sleep`` on a clock, for the right threads and callers."""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from qiskit_runtime_double import ClockError, SimulationStalledError, VirtualClock
from qiskit_runtime_double.interception import VirtualTime
from qiskit_runtime_double.interception.virtual_time import client_wait

START = _dt.datetime(2025, 1, 1, 9, 0, tzinfo=_dt.timezone.utc)

#: The official client's wait loop, as every release since 0.2x writes it, compiled as if it were
#: a module of qiskit_ibm_runtime (the interception recognises the loop by its frame).
OFFICIAL_LOOP = """
import time

class Job:
    def __init__(self, job_id, statuses):
        self._job_id = job_id
        self._statuses = statuses
        self.polls = 0

    def job_id(self):
        return self._job_id

    def status(self):
        self.polls += 1
        return self._statuses()

    def wait_for_final_state(self, timeout=None):
        start_time = time.time()
        status = self.status()
        while status not in ("DONE", "ERROR", "CANCELLED"):
            elapsed_time = time.time() - start_time
            if timeout is not None and elapsed_time >= timeout:
                raise TimeoutError(f"Timed out waiting for job to complete after {timeout} secs.")
            time.sleep(0.1)
            status = self.status()
"""


def official_job_class(module: str = "qiskit_ibm_runtime.runtime_job_v2") -> Any:
    namespace: dict[str, Any] = {"__name__": module}
    exec(compile(OFFICIAL_LOOP, f"<{module}>", "exec"), namespace)
    return namespace["Job"]


class Events:
    """A simulation probe whose next events and stall reason the test sets, on ``clock``."""

    def __init__(
        self, clock: VirtualClock, events: list[_dt.datetime], stall: str | None = None
    ) -> None:
        self.clock, self.events, self.stall = clock, events, stall

    def next_event_time(self) -> _dt.datetime | None:
        return next((e for e in self.events if e > self.clock.now()), None)

    def stall_reason(self, job_id: str) -> str | None:
        return self.stall


def event_clock(
    events: list[_dt.datetime], stall: str | None = None
) -> tuple[VirtualClock, Events]:
    clock = VirtualClock(START)
    return clock, Events(clock, events, stall)


@pytest.fixture
def running() -> Iterator[Callable[..., VirtualTime]]:
    started: list[VirtualTime] = []

    def start(clock: Any, probe: Any = None) -> VirtualTime:
        virtual = VirtualTime(clock, probe)
        virtual.start()
        started.append(virtual)
        return virtual

    yield start
    for virtual in started:
        virtual.stop()


def at(seconds: float) -> _dt.datetime:
    return START + _dt.timedelta(seconds=seconds)


def test_time_reads_the_clock(running: Callable[..., VirtualTime]) -> None:
    clock = VirtualClock(START)
    running(clock)
    clock.shift(12.5)

    assert time.time() == at(12.5).timestamp()
    assert time.time_ns() == int(at(12.5).timestamp()) * 1_000_000_000 + 500_000_000


def test_sleep_moves_the_clock_by_exactly_the_time_asked(
    running: Callable[..., VirtualTime],
) -> None:
    clock, probe = event_clock([at(1)])  # an event sooner than the sleep does not cut it short
    running(clock, probe)

    time.sleep(61)

    assert clock.now() == at(61)


def test_sleep_refuses_what_time_sleep_refuses(running: Callable[..., VirtualTime]) -> None:
    running(VirtualClock(START))

    with pytest.raises(ValueError, match="non-negative"):
        time.sleep(-1)
    with pytest.raises(TypeError):
        time.sleep("1")  # type: ignore[arg-type]


def test_a_frozen_clock_refuses_to_sleep(running: Callable[..., VirtualTime]) -> None:
    running(VirtualClock(START, mode="frozen"))

    with pytest.raises(ClockError, match="frozen"):
        time.sleep(1)


def test_stop_puts_the_time_module_back() -> None:
    originals = (time.time, time.time_ns, time.sleep)
    virtual = VirtualTime(VirtualClock(START))
    virtual.start()
    assert time.sleep != originals[2]
    virtual.stop()

    assert (time.time, time.time_ns, time.sleep) == originals


def test_stop_says_when_other_code_replaced_time_meanwhile() -> None:
    originals = (time.time, time.time_ns, time.sleep)
    virtual = VirtualTime(VirtualClock(START))
    virtual.start()
    time.sleep = lambda seconds: None

    with pytest.raises(RuntimeError, match=r"time\.sleep was replaced"):
        virtual.stop()
    assert (time.time, time.time_ns, time.sleep) == originals


def test_threads_started_inside_get_simulated_time(
    running: Callable[..., VirtualTime],
) -> None:
    clock = VirtualClock(START)
    running(clock)
    seen: list[float] = []

    worker = threading.Thread(target=lambda: (time.sleep(30), seen.append(time.time())))
    worker.start()
    worker.join()

    assert seen == [at(30).timestamp()]


def test_threads_running_before_keep_real_time(running: Callable[..., VirtualTime]) -> None:
    go, done = threading.Event(), threading.Event()
    seen: list[float] = []

    def outsider() -> None:
        go.wait()
        before = time.perf_counter()
        time.sleep(0.001)  # real: perf_counter moves
        seen.extend([time.time(), time.perf_counter() - before])
        done.set()

    thread = threading.Thread(target=outsider)
    thread.start()
    clock = VirtualClock(START)
    real_before = time.time()
    running(clock)
    go.set()
    done.wait()
    thread.join()

    real_time, slept = seen
    assert real_time >= real_before  # the wall clock, not the fake's 2025
    assert slept >= 0.001
    assert clock.now() == START


def test_the_official_loop_in_a_thread_running_before_is_simulated(
    running: Callable[..., VirtualTime],
) -> None:
    clock, probe = event_clock([at(5)])
    job = official_job_class()("job1", lambda: "DONE" if clock.now() >= at(5) else "RUNNING")
    go, done = threading.Event(), threading.Event()

    def outsider() -> None:
        go.wait()
        job.wait_for_final_state()
        done.set()

    thread = threading.Thread(target=outsider)
    thread.start()
    running(clock, probe)
    go.set()
    done.wait()
    thread.join()

    assert clock.now() == at(5)


# --- the official client's wait loop --------------------------------------------------------------


def test_the_wait_loop_jumps_from_event_to_event(running: Callable[..., VirtualTime]) -> None:
    clock, probe = event_clock([at(600), at(3600)])
    job = official_job_class()("job1", lambda: "DONE" if clock.now() >= at(3600) else "QUEUED")
    running(clock, probe)

    job.wait_for_final_state()

    assert clock.now() == at(3600)
    assert job.polls == 3  # before waiting, at the first event, at the second


def test_a_timeout_fires_at_its_simulated_moment(running: Callable[..., VirtualTime]) -> None:
    clock, probe = event_clock([at(3600)])
    job = official_job_class()("job1", lambda: "DONE" if clock.now() >= at(3600) else "QUEUED")
    running(clock, probe)

    with pytest.raises(TimeoutError):
        job.wait_for_final_state(timeout=30)

    assert at(30) <= clock.now() <= at(30) + _dt.timedelta(microseconds=2)
    assert job.polls == 2


def test_a_wait_that_can_never_end_says_why(running: Callable[..., VirtualTime]) -> None:
    clock, probe = event_clock([], stall="backend generic_5q is offline")
    job = official_job_class()("job1", lambda: "QUEUED")
    running(clock, probe)

    with pytest.raises(SimulationStalledError, match=r"job1.*generic_5q is offline"):
        job.wait_for_final_state()
    with pytest.raises(TimeoutError):
        job.wait_for_final_state(timeout=10)


def test_only_the_official_loop_is_recognised() -> None:
    def wait_for_final_state() -> Any:
        start_time, timeout = 0.0, 5.0  # noqa: F841 (read through the frame)
        return client_wait(__import__("sys")._getframe())

    assert wait_for_final_state() is None  # a test module, not qiskit_ibm_runtime


def test_the_loops_locals_give_the_job_and_the_deadline() -> None:
    job = official_job_class()("abc", lambda: "DONE")
    namespace: dict[str, Any] = {"__name__": "qiskit_ibm_runtime.x", "client_wait": client_wait}
    exec(
        "import sys\n"
        "def wait_for_final_state(self, timeout=None):\n"
        "    start_time = 100.0\n"
        "    return client_wait(sys._getframe())\n",
        namespace,
    )
    loop = namespace["wait_for_final_state"]

    untimed, timed = loop(job), loop(job, timeout=2.5)

    assert untimed.job_id == "abc" and untimed.deadline is None
    assert timed.deadline is not None
    assert timed.deadline.timestamp() >= 102.5
    assert timed.deadline - _dt.datetime.fromtimestamp(102.5, _dt.timezone.utc) < _dt.timedelta(
        microseconds=3
    )
