"""Seeded identifiers shaped like the real service's (20 lowercase alphanumerics).

Ids never repeat within a fake's life, resets included (issue 17, point 7): a handle kept from
before a ``reset()`` must not resolve to another job. Each state after a reset is a new *life*:
its ids are its draws (the same draws in every life, so the simulator seeds drawn between them,
and so every result, are the same after a reset as on a fresh fake) passed through a shift of
its own (a bijection per life), and every id is claimed in the fake's ``IssuedIds``, which
outlives resets: one already handed out is replaced by a draw from a spare stream.
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Iterable

__all__ = ["IdGenerator", "IssuedIds"]

_ALPHABET = string.ascii_lowercase + string.digits
_LENGTH = 19  # after the one-letter prefix


class IssuedIds:
    """The job and session ids a fake has handed out in its whole life (thread-safe)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, candidate: str) -> bool:
        """Record ``candidate``; False if it was handed out before."""
        with self._lock:
            if candidate in self._ids:
                return False
            self._ids.add(candidate)
            return True

    def note(self, ids: Iterable[str]) -> None:
        """Record ids made elsewhere (a history's), so that no later id repeats them."""
        with self._lock:
            self._ids.update(ids)

    def __contains__(self, candidate: object) -> bool:
        with self._lock:
            return candidate in self._ids


class IdGenerator:
    """Job and session ids, and per-job simulator seeds, all drawn from one seeded generator.

    ``life``: how many resets came before (0: a fresh fake, whose ids are the plain draws);
    ``issued``: the fake's ids so far, shared by its lives (None: this generator's own).
    """

    def __init__(
        self, seed: int | None = 0, *, life: int = 0, issued: IssuedIds | None = None
    ) -> None:
        self._random = random.Random(seed)
        # A stream of its own: an error answer must not shift the ids of later jobs.
        self._traces = random.Random(f"traces-{seed}")
        shifts = random.Random(f"ids-{seed}-{life}")
        self._shift = [shifts.randrange(len(_ALPHABET)) for _ in range(_LENGTH)] if life else None
        self._spare = random.Random(f"spare-ids-{seed}-{life}")
        self.issued = issued if issued is not None else IssuedIds()

    def job_id(self) -> str:
        return self._new_id("d")

    def session_id(self) -> str:
        return self._new_id("c")

    def _new_id(self, prefix: str) -> str:
        drawn = self._random.choices(_ALPHABET, k=_LENGTH)  # drawn in every life alike
        if self._shift is not None:
            size = len(_ALPHABET)
            drawn = [
                _ALPHABET[(_ALPHABET.index(char) + shift) % size]
                for char, shift in zip(drawn, self._shift, strict=True)
            ]
        candidate = prefix + "".join(drawn)
        while not self.issued.claim(candidate):
            candidate = prefix + "".join(self._spare.choices(_ALPHABET, k=_LENGTH))
        return candidate

    def trace_id(self) -> str:
        """A trace id for an error answer (the real service's are 32 hex digits)."""
        return f"{self._traces.getrandbits(128):032x}"

    def simulator_seed(self) -> int:
        return self._random.randrange(2**31)
