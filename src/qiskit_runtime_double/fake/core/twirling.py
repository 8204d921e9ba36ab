"""How the service splits a V2 primitive's shots over twirling randomizations.

The rules are those of the official client's ``TwirlingOptions`` (``num_randomizations``,
``shots_per_randomization``), for a pub run ``shots`` times:

- both set, and the pub (or ``run()``) gives no shots or precision of its own: the pub runs
  their product, ``num_randomizations`` randomizations of ``shots_per_randomization`` shots each
  (the product takes precedence over ``default_shots`` and ``default_precision``);
- otherwise the pub's shots are obeyed: ``shots_per_randomization`` "auto" is
  ``ceil(shots / num_randomizations)`` when that is set, else 64 for PEC and
  ``max(64, ceil(shots / 32))`` otherwise; ``num_randomizations`` "auto" is
  ``ceil(shots / shots_per_randomization)``. The randomizations then run at least ``shots``.

The estimator always runs its shots this way (the fake twirls its measurements whatever the
options say); the sampler only when its twirling is enabled (``enable_gates`` or
``enable_measure``; both default to off), and it returns exactly the shots it was asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from ...wire.numbers import is_int
from .errors import InvalidWorkload

__all__ = [
    "AUTO_RANDOMIZATIONS",
    "MIN_SHOTS_PER_RANDOMIZATION",
    "Randomizations",
    "fixed_randomizations",
    "randomizations",
    "sampler_twirls",
]

#: ``num_randomizations`` "auto" when ``shots_per_randomization`` is "auto" too.
AUTO_RANDOMIZATIONS: Final = 32
#: The fewest shots per randomization "auto" gives (and what it gives for PEC).
MIN_SHOTS_PER_RANDOMIZATION: Final = 64


@dataclass(frozen=True)
class Randomizations:
    """``count`` randomizations of ``shots_each`` shots."""

    count: int
    shots_each: int

    @property
    def shots(self) -> int:
        return self.count * self.shots_each


def _twirling(options: dict[str, Any]) -> dict[str, Any]:
    found = options.get("twirling")
    return found if isinstance(found, dict) else {}


def _setting(options: dict[str, Any], name: str, limit: int) -> int | None:
    """``options.twirling.<name>``: an integer from 1 to ``limit``, or None for unset/"auto"."""
    value = _twirling(options).get(name)
    if value is None or value == "auto":
        return None
    if not is_int(value) or not 1 <= int(value) <= limit:
        raise InvalidWorkload(
            f"options.twirling.{name} must be 'auto' or an integer from 1 to {limit}, "
            f"got {value!r:.40}."
        )
    return int(value)


def fixed_randomizations(options: dict[str, Any], limit: int) -> Randomizations | None:
    """The randomizations both options set, for pubs without shots of their own; None unless
    both are set. A product over ``limit`` (the backend's shots per pub) is refused."""
    count = _setting(options, "num_randomizations", limit)
    each = _setting(options, "shots_per_randomization", limit)
    if count is None or each is None:
        return None
    if count * each > limit:
        raise InvalidWorkload(
            f"options.twirling.num_randomizations x shots_per_randomization is {count} x {each} "
            f"= {count * each} shots, more than the {limit} per pub this backend runs: lower "
            "one of them."
        )
    return Randomizations(count, each)


def randomizations(shots: int, options: dict[str, Any], limit: int) -> Randomizations:
    """How a pub whose shots are given (``shots``) splits them over randomizations."""
    count = _setting(options, "num_randomizations", limit)
    each = _setting(options, "shots_per_randomization", limit)
    if count is not None:
        return Randomizations(count, math.ceil(shots / count))
    if each is None:
        resilience = options.get("resilience")
        pec = isinstance(resilience, dict) and bool(resilience.get("pec_mitigation"))
        each = MIN_SHOTS_PER_RANDOMIZATION
        if not pec:
            each = max(each, math.ceil(shots / AUTO_RANDOMIZATIONS))
    return Randomizations(math.ceil(shots / each), each)


def sampler_twirls(options: dict[str, Any]) -> bool:
    """Whether a sampler job twirls (its options enable gate or measurement twirling)."""
    twirling = _twirling(options)
    return bool(twirling.get("enable_gates")) or bool(twirling.get("enable_measure"))
