"""Numbers as Python callers pass them: ``True`` is an ``int`` to Python, never to us.

The one place that says what counts as an integer or a real number among values a user passes
(arguments that no pydantic model checks). Text, bools and numpy's booleans are not numbers.
"""

from __future__ import annotations

import numbers

__all__ = ["is_int", "is_real"]


def is_int(value: object) -> bool:
    """Whether ``value`` is an integer (``int``, numpy's integers), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: object) -> bool:
    """Whether ``value`` is a real number (``int``, ``float``, numpy's), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
