"""Seeded identifiers shaped like the real service's (20 lowercase alphanumerics)."""

from __future__ import annotations

import random
import string

__all__ = ["IdGenerator"]

_ALPHABET = string.ascii_lowercase + string.digits


class IdGenerator:
    """Job and session ids, and per-job simulator seeds, all drawn from one seeded generator."""

    def __init__(self, seed: int | None = 0) -> None:
        self._random = random.Random(seed)
        # A stream of its own: an error answer must not shift the ids of later jobs.
        self._traces = random.Random(f"traces-{seed}")

    def job_id(self) -> str:
        return "d" + "".join(self._random.choices(_ALPHABET, k=19))

    def session_id(self) -> str:
        return "c" + "".join(self._random.choices(_ALPHABET, k=19))

    def trace_id(self) -> str:
        """A trace id for an error answer (the real service's are 32 hex digits)."""
        return f"{self._traces.getrandbits(128):032x}"

    def simulator_seed(self) -> int:
        return self._random.randrange(2**31)
