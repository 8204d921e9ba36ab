from __future__ import annotations

import datetime as dt

import pytest

from qiskit_runtime_double import ClockError, SystemClock, VirtualClock

START = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


def test_advance_mode_sleep_moves_time_without_waiting() -> None:
    clock = VirtualClock(START)
    clock.sleep(3600)
    assert clock.now() == START + dt.timedelta(hours=1)


def test_sleep_moves_exactly_the_time_waited() -> None:
    """The clock knows nothing of jobs: a sleep is that much time (waiters ask the probe)."""
    clock = VirtualClock(START)
    clock.sleep(10)
    clock.sleep(0.25)
    assert clock.now() == START + dt.timedelta(seconds=10.25)


def test_shift_and_move_to_accept_timedelta_seconds_and_datetimes() -> None:
    clock = VirtualClock(START)
    clock.shift(dt.timedelta(minutes=1))
    clock.shift(30)
    clock.move_to(START + dt.timedelta(hours=2))
    assert clock.now() == START + dt.timedelta(hours=2)


@pytest.mark.parametrize(
    "move", [lambda c: c.shift(-1), lambda c: c.move_to(START - dt.timedelta(seconds=1))]
)
def test_moving_backwards_is_refused_and_time_is_unchanged(move) -> None:
    clock = VirtualClock(START)
    with pytest.raises(ClockError, match=r"backwards|back from"):
        move(clock)
    assert clock.now() == START


def test_frozen_clock_refuses_to_wait_and_says_how_to_move_it() -> None:
    clock = VirtualClock(START, mode="frozen")
    clock.sleep(0)  # waiting no time needs no time
    with pytest.raises(ClockError) as info:
        clock.sleep(1)
    message = str(info.value)
    assert "frozen" in message and "shift" in message and "2025-03-01T12:00:00" in message
    clock.shift(5)
    assert clock.now() == START + dt.timedelta(seconds=5)


def test_ticking_clock_follows_its_base_plus_sleeps() -> None:
    class Manual:
        def __init__(self) -> None:
            self.t = START

        def now(self) -> dt.datetime:
            return self.t

        def sleep(self, seconds: float) -> None:
            raise AssertionError("a ticking VirtualClock must never sleep on its base")

    base = Manual()
    clock = VirtualClock(mode="ticking", base=base)
    assert clock.now() == START
    base.t += dt.timedelta(seconds=7)
    clock.sleep(3)
    assert clock.now() == START + dt.timedelta(seconds=10)


def test_naive_datetimes_and_bad_modes_are_rejected_with_the_fix() -> None:
    with pytest.raises(ClockError, match="time zone"):
        VirtualClock(dt.datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="advance, ticking, frozen"):
        VirtualClock(mode="fast")  # type: ignore[arg-type]


def test_system_clock_follows_freezegun_and_time_machine() -> None:
    freezegun = pytest.importorskip("freezegun")
    time_machine = pytest.importorskip("time_machine")
    clock = SystemClock()
    with freezegun.freeze_time("2030-01-01 00:00:00"):
        assert clock.now() == dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    with time_machine.travel(dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc), tick=False):
        assert clock.now() == dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)


# --- bounds: every move is checked before the clock changes ------------------------------------


@pytest.mark.parametrize(
    ("move", "error"),
    [
        (lambda c: c.shift(float("inf")), ValueError),
        (lambda c: c.shift(float("nan")), ValueError),
        (lambda c: c.shift(1e20), ClockError),
        (lambda c: c.shift(dt.timedelta.max), ClockError),
        (lambda c: c.shift("60"), TypeError),
        (lambda c: c.shift(True), TypeError),
        (lambda c: c.move_to(dt.datetime.max.replace(tzinfo=dt.timezone.utc)), ClockError),
        (
            lambda c: c.move_to(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)),
            ClockError,
        ),
        (lambda c: c.move_to("2030-01-01T00:00:00Z"), TypeError),
        (lambda c: c.sleep(float("inf")), ValueError),
        (lambda c: c.sleep(1e20), ClockError),
        (lambda c: c.sleep("1"), TypeError),
    ],
)
def test_moves_the_clock_cannot_represent_are_refused_and_change_nothing(move, error) -> None:
    clock = VirtualClock(START)
    with pytest.raises(error):
        move(clock)
    assert clock.now() == START
    clock.shift(1)  # and the clock still works
    assert clock.now() == START + dt.timedelta(seconds=1)


def test_time_can_go_right_up_to_the_end_of_the_calendar_but_not_past_it() -> None:
    from qiskit_runtime_double.fake.core.clock import LATEST

    clock = VirtualClock(START)
    clock.move_to(LATEST)
    assert clock.now() == LATEST
    with pytest.raises(ClockError, match="9000-01-01"):
        clock.shift(1)
    clock.sleep(0)
    assert repr(clock).startswith("VirtualClock(9000-01-01")


def test_advance_by_stops_at_the_end_of_the_calendar_and_says_so() -> None:
    from qiskit_runtime_double.fake.core.clock import LATEST

    clock = VirtualClock(LATEST - dt.timedelta(seconds=60))
    assert clock.advance_by(30) is False
    assert clock.now() == LATEST - dt.timedelta(seconds=30)
    assert clock.advance_by(600) is True  # where shift(600) would refuse
    assert LATEST - clock.now() < dt.timedelta(milliseconds=1)
    with pytest.raises(ClockError, match="negative"):
        clock.advance_by(-1)


@pytest.mark.parametrize(
    ("start", "error", "named"),
    [
        ("2025-01-01", TypeError, "start"),
        (1735689600, TypeError, "start"),
        (dt.datetime(2025, 1, 1), ClockError, "time zone"),
        (dt.datetime(9500, 1, 1, tzinfo=dt.timezone.utc), ClockError, "calendar"),
        (dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc), ClockError, "calendar"),
    ],
)
def test_a_start_that_is_not_an_aware_datetime_in_range_is_refused(start, error, named) -> None:
    with pytest.raises(error, match=named):
        VirtualClock(start)


def test_a_base_that_is_not_a_clock_is_refused() -> None:
    with pytest.raises(TypeError, match="base must be a Clock"):
        VirtualClock(mode="ticking", base="system")  # type: ignore[arg-type]


def test_reset_takes_the_clock_back_to_its_start() -> None:
    clock = VirtualClock(START)
    clock.shift(3600)
    clock.reset()
    assert clock.now() == START == clock.start
