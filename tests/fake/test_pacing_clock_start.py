"""Where simulated time starts: a fixed epoch in process, the wall clock when served (issue 10
point 1). ``VirtualClock(start="now")``, ``fake.reset(start=...)``, and ``serve()``'s rule."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator

import pytest
import requests

from qiskit_runtime_double import VirtualClock
from qiskit_runtime_double.cli import _start_option, main
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.core.clock import DEFAULT_START

QPU = "generic_5q"
FIXED = _dt.datetime(2030, 5, 6, 7, 8, tzinfo=_dt.timezone.utc)


class Wall:
    """A base clock the test sets by hand."""

    def __init__(self, at: _dt.datetime) -> None:
        self.at = at

    def now(self) -> _dt.datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        raise AssertionError("a VirtualClock never sleeps on its base")


def wall_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@pytest.fixture
def wall() -> Iterator[Wall]:
    yield Wall(FIXED)


def test_the_default_start_is_the_fixed_epoch() -> None:
    clock = VirtualClock()
    assert clock.start == clock.now() == DEFAULT_START
    assert clock.start_choice is None


def test_start_now_reads_the_base_clock_and_a_reset_reads_it_again(wall: Wall) -> None:
    clock = VirtualClock(start="now", base=wall)
    assert clock.start == clock.now() == FIXED
    assert clock.start_choice == "now"
    clock.shift(60)  # advance mode: it does not tick with its base
    wall.at = FIXED + _dt.timedelta(days=3)

    clock.reset()

    assert clock.start == clock.now() == FIXED + _dt.timedelta(days=3)


def test_start_now_with_the_system_clock_is_the_real_utc_time() -> None:
    before = wall_now()
    clock = VirtualClock(start="now")
    assert before <= clock.now() <= wall_now()


def test_restart_changes_where_time_starts(wall: Wall) -> None:
    clock = VirtualClock(base=wall)
    clock.restart("now")
    assert (clock.start_choice, clock.now()) == ("now", FIXED)
    clock.restart(DEFAULT_START)
    assert (clock.start_choice, clock.now()) == (DEFAULT_START, DEFAULT_START)
    clock.restart()
    assert (clock.start_choice, clock.now()) == (None, DEFAULT_START)


@pytest.mark.parametrize(
    ("start", "error"),
    [("yesterday", TypeError), ("NOW", TypeError), (3.5, TypeError), (b"now", TypeError)],
)
def test_a_start_that_is_neither_a_datetime_nor_now_is_refused(
    start: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match=r"'now'"):
        VirtualClock(start=start)  # type: ignore[arg-type]
    clock = VirtualClock()
    with pytest.raises(error, match=r"'now'"):
        clock.restart(start)  # type: ignore[arg-type]
    assert (clock.start_choice, clock.now()) == (None, DEFAULT_START)


def test_fake_reset_can_restart_at_a_new_start(wall: Wall) -> None:
    fake = FakeRuntime([QPU], seed=1, clock=VirtualClock(base=wall))
    fake.set_next_job_duration(5)
    fake.add_background_jobs(QPU, 1)

    fake.reset(start="now")

    assert fake.now() == FIXED and fake.state.jobs == {}
    wall.at = FIXED + _dt.timedelta(hours=1)
    fake.reset()  # keeps "now": reads the wall again
    assert fake.now() == FIXED + _dt.timedelta(hours=1)
    with pytest.raises(TypeError, match=r"'now'"):
        fake.reset(start="later")  # type: ignore[arg-type]


# --- serve() ----------------------------------------------------------------------------------


def test_serving_a_fresh_fake_starts_its_time_at_the_wall_clock_and_resets_go_back_there() -> None:
    fake = FakeRuntime([QPU], seed=1)
    before = wall_now()
    with fake.serve(pace="manual"):
        assert before <= fake.now() <= wall_now()
        assert fake.clock.start_choice == "now"
        fake.clock.shift(3600)
        before_reset = wall_now()
        fake.reset()
        assert before_reset <= fake.now() <= wall_now()


def test_serving_keeps_a_chosen_start() -> None:
    fake = FakeRuntime([QPU], seed=1, clock=VirtualClock(FIXED))
    with fake.serve(pace="manual"):
        assert fake.now() == FIXED and fake.clock.start == FIXED


def test_serving_a_fake_already_used_in_process_keeps_its_time() -> None:
    fake = FakeRuntime([QPU], seed=1)
    fake.add_background_jobs(QPU, 1, duration=10)
    with fake.serve(pace="manual"):
        assert fake.now() == DEFAULT_START and fake.clock.start_choice is None


def test_a_server_that_fails_to_start_leaves_the_clock_as_it_was() -> None:
    fake = FakeRuntime([QPU], seed=1)
    with fake.serve(pace="manual") as running, pytest.raises(OSError):
        fake.serve(port=running.port)
    other = FakeRuntime([QPU], seed=1)
    with pytest.raises(ValueError):
        other.serve(pace="poll", speed=-1)
    assert other.now() == DEFAULT_START and other.clock.start_choice is None


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--start", "tomorrow"], "--start"),
        (["--start", "2025-01-01T00:00:00"], "time zone"),
        (["--max-wait", "-1"], "--max-wait"),
        (["--start", "0001-01-01T00:00:00Z"], "calendar"),
    ],
)
def test_cli_serve_refuses_a_bad_start_or_max_wait(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", *argv]) == 2
    error = capsys.readouterr().err
    assert re.search(re.escape(says), error), error
    assert len(error.strip().splitlines()) == 1


def test_cli_start_takes_now_or_an_aware_iso_datetime() -> None:
    assert _start_option("now") == "now"
    assert _start_option("2025-01-01T09:00:00Z") == DEFAULT_START
    assert _start_option("2025-01-01T10:00:00+01:00") == DEFAULT_START


# --- served time is the wall clock: never behind it, never ahead ---------------------------------


class RealTime:
    """One real time, read as a wall clock (a ``VirtualClock``'s base) and as the pacer's
    monotonic source. Each reading takes a millisecond; ``stall_around_next_wall_reading`` makes
    the thread lose the processor for a while just before or just after its next reading of the
    wall clock, as a loaded machine may do at any moment."""

    def __init__(self) -> None:
        self.t = 0.0
        self._before = self._after = 0.0

    def stall_around_next_wall_reading(self, seconds: float, where: str) -> None:
        if where == "before":
            self._before = seconds
        else:
            self._after = seconds

    def monotonic(self) -> float:
        self.t += 0.001
        return self.t

    def now(self) -> _dt.datetime:
        self.t += 0.001 + self._before
        read = FIXED + _dt.timedelta(seconds=self.t)
        self.t += self._after
        self._before = self._after = 0.0
        return read

    def sleep(self, seconds: float) -> None:
        raise AssertionError("a VirtualClock never sleeps on its base")


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("stall", [0.0, 1.0, 30.0])
def test_served_time_started_at_the_wall_clock_neither_leads_nor_lags_it(
    stall: float, where: str
) -> None:
    """A job's creation date is never before the wall-clock instant it was submitted at (issue
    16: a stall between the clock's start and the pacer's reading of real time made simulated
    time lag the wall clock by the stall, and jobs were created "before" they were sent), nor is
    any served time after the wall clock (issue 19 point 6: the same stall the other way round
    dated jobs in the future)."""
    real = RealTime()
    fake = FakeRuntime([QPU], seed=1, clock=VirtualClock(base=real))
    fake.pacer.timer = real.monotonic
    real.stall_around_next_wall_reading(stall, where)  # as serve() starts the clock
    with fake.serve(require_auth=False) as server:
        before = real.now()
        requests.get(f"{server.runtime_url}/backends", timeout=30).raise_for_status()
        served = fake.now()
        assert before <= served <= real.now()

        real.stall_around_next_wall_reading(stall, where)  # as reset() starts it again
        fake.reset()
        before = real.now()
        requests.get(f"{server.runtime_url}/backends", timeout=30).raise_for_status()
        served = fake.now()
        assert before <= served <= real.now()
