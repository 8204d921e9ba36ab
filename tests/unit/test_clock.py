from __future__ import annotations

import datetime as dt

import pytest

from qiskit_runtime_double import ClockError, SystemClock, VirtualClock

START = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


def test_advance_mode_sleep_moves_time_without_waiting() -> None:
    clock = VirtualClock(START)
    clock.sleep(3600)
    assert clock.now() == START + dt.timedelta(hours=1)


def test_sleep_wakes_early_at_the_next_event() -> None:
    clock = VirtualClock(START)
    clock.set_wakeup(lambda: START + dt.timedelta(seconds=2))
    clock.sleep(10)
    assert clock.now() == START + dt.timedelta(seconds=2)


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
    clock.set_wakeup(lambda: START + dt.timedelta(seconds=5))
    with pytest.raises(ClockError) as info:
        clock.sleep(1)
    message = str(info.value)
    assert "frozen" in message and "shift" in message and "2025-03-01T12:00:05" in message
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
