from __future__ import annotations

import pytest

from qiskit_runtime_double import IBMInputValueError, parse_max_time


@pytest.mark.parametrize(
    ("given", "seconds"),
    [
        (42, 42),
        ("1h", 3600),
        ("2h 30m 40s", 9040),
        ("40s 1h", 3640),
        ("1d", 86400),
        ("25h", 90000),
        ("90m", 5400),
        ("1d 2h", 93600),
        (None, None),
    ],
)
def test_accepted_forms(given: int | str | None, seconds: int | None) -> None:
    assert parse_max_time(given) == seconds


@pytest.mark.parametrize(
    "given", ["abc", "90", "1.5h", "2h foo", "", "0s", 0, -5, 1.5, True, [1], "1h1h", "1h 30m 2h"]
)
def test_rejected_forms_name_the_value_and_the_accepted_forms(given: object) -> None:
    with pytest.raises(IBMInputValueError) as info:
        parse_max_time(given)  # type: ignore[arg-type]
    assert repr(given) in str(info.value) or "more than 0" in str(info.value)
    assert isinstance(info.value, ValueError)  # the seed promises ValueError
