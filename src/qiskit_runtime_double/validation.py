"""Checks of Python API arguments, made where they enter, before anything is sent.

Each check names the argument, says what was expected and what came. A value of the wrong type
raises ``IBMInputTypeError`` (a ``TypeError``, as qiskit and the official client raise for these,
and an ``IBMInputValueError``); a value of the right type but out of range raises
``IBMInputValueError`` (a ``ValueError``). ``bool`` is refused where a number is expected, even
though Python counts it as an int: ``shots=True`` is a mistake, not one shot. numpy integers and
floats are accepted and returned as plain ``int``/``float``, so they serialise as JSON numbers.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import Any

from .errors import IBMInputTypeError, IBMInputValueError
from .wire.models import tag_limit_problem
from .wire.numbers import is_int, is_real

__all__ = [
    "check_bool",
    "check_datetime",
    "check_int",
    "check_job_id",
    "check_non_negative_int",
    "check_positive_finite",
    "check_positive_int",
    "check_str",
    "check_tags",
    "check_timeout",
]


def _shown(value: Any) -> str:
    """``repr(value)``, cut short: a 10 MiB argument must not make a 10 MiB message."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({type(value).__name__})"


def _is_int(value: Any) -> bool:
    return is_int(value)


def check_int(name: str, value: Any) -> int:
    """An int (a numpy integer too; not a bool)."""
    if not _is_int(value):
        raise IBMInputTypeError(f"{name} must be an int, got {_shown(value)}.")
    return int(value)


def check_positive_int(name: str, value: Any) -> int:
    """An int > 0, e.g. ``shots``: ``1.5`` and ``"100"`` are type errors, ``0`` a value error."""
    if not _is_int(value):
        raise IBMInputTypeError(f"{name} must be a positive int, got {_shown(value)}.")
    if value <= 0:
        raise IBMInputValueError(f"{name} must be a positive int, got {value}.")
    return int(value)


def check_non_negative_int(name: str, value: Any) -> int:
    if not _is_int(value):
        raise IBMInputTypeError(f"{name} must be an int >= 0, got {_shown(value)}.")
    if value < 0:
        raise IBMInputValueError(f"{name} must be an int >= 0, got {value}.")
    return int(value)


def check_positive_finite(name: str, value: Any) -> float:
    """A real number > 0 and finite, e.g. ``precision``: NaN, infinities and 0 are refused."""
    if not is_real(value):
        raise IBMInputTypeError(f"{name} must be a positive number, got {_shown(value)}.")
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise IBMInputValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return number


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise IBMInputTypeError(f"{name} must be True or False, got {_shown(value)}.")
    return value


def check_str(name: str, value: Any, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str):
        raise IBMInputTypeError(f"{name} must be a string, got {_shown(value)}.")
    if not value and not empty_ok:
        raise IBMInputValueError(f"{name} must not be empty.")
    return value


def check_job_id(value: Any, name: str = "job_id") -> str:
    """A job id as ``job.job_id()`` returns it: a non-empty string."""
    if not isinstance(value, str):
        raise IBMInputTypeError(
            f"{name} must be a job id string (as job.job_id() returns), got {_shown(value)}."
        )
    if not value.strip():
        raise IBMInputValueError(
            f"{name} is empty: pass the id of a job, as job.job_id() returns it."
        )
    return value


def check_datetime(name: str, value: Any) -> _dt.datetime:
    """A ``datetime`` (naive means local time, as in the official client); strings are refused."""
    if not isinstance(value, _dt.datetime):
        hint = (
            " Strings are not parsed: pass a datetime, e.g. "
            "datetime.datetime.now() - datetime.timedelta(days=1)."
        )
        raise IBMInputTypeError(f"{name} must be a datetime.datetime, got {_shown(value)}.{hint}")
    return value


def check_tags(name: str, value: Any, *, limits: bool = True) -> list[str]:
    """A list (or tuple) of non-empty strings; with ``limits``, within the service's limits.

    A bare string is refused: ``list("abc")`` would quietly tag the job ``a``, ``b`` and ``c``.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise IBMInputTypeError(
            f"{name} must be a list of strings, e.g. [{'tag'!r}], got {_shown(value)}."
        )
    tags = list(value)
    for index, tag in enumerate(tags):
        if not isinstance(tag, str):
            raise IBMInputTypeError(
                f"{name} must be a list of strings; item {index} is {_shown(tag)}."
            )
        if not tag:
            raise IBMInputValueError(f"{name} must not contain empty strings (item {index}).")
    problem = tag_limit_problem(tags) if limits else None
    if problem is not None:
        code, message = problem
        raise IBMInputValueError(
            f"Invalid {name}: {message}; the service refuses it with error {code}. "
            "Use fewer or shorter tags."
        )
    return tags


def check_timeout(value: Any, name: str = "timeout") -> float | None:
    """None (wait as long as it takes) or a finite number of seconds >= 0: ``"5"`` and ``True``
    are type errors, ``-1`` and ``nan`` value errors."""
    if value is None:
        return None
    if not is_real(value):
        raise IBMInputTypeError(
            f"{name} must be None or a number of seconds >= 0, got {_shown(value)}."
        )
    if not (math.isfinite(value) and value >= 0):
        raise IBMInputValueError(f"{name} must be None or a finite number >= 0, got {value}.")
    return float(value)
