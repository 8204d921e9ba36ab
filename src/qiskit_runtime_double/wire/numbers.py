"""Numbers as Python callers pass them: ``True`` is an ``int`` to Python, never to us.

The one place that says what counts as an integer or a real number among values a user passes
(arguments that no pydantic model checks). Text, bools and numpy's booleans are not numbers.
"""

from __future__ import annotations

import numbers
from typing import TypeGuard

__all__ = ["is_int", "is_real"]


def is_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an integer (``int``, numpy's integers), not a bool (typed as an
    ``int``: numpy's integers work wherever one does)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a real number (``int``, ``float``, numpy's), not a bool (typed as a
    ``float``, which each of them stands in for)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
