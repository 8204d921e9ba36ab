"""What the fakes of one process share: immutable data, built once, keyed on content.

A test suite makes a fresh ``FakeRuntime`` for every test. Most of what one costs is the same every
time: the generic devices' ``Target``s, their wire snapshots (configuration and properties) and Aer
noise models restricted to the qubits a job touches. ``SharedCache`` builds each of these once per
process and hands the same object to every fake that asks with the same key:

- a default device's ``Target`` is keyed on its name and calibration seed (it is a pure function of
  them); each fake still gets its own ``BackendV2`` object around it;
- everything derived from a backend is keyed on its content key: for a default device, its name
  and seed; for a backend you give, a digest of its target's contents (``target_fingerprint``), so
  two equal ``GenericBackendV2(5, seed=1)`` share, and a changed one does not;
- noise models are kept least-recently-used, at most ``max_noise_models`` of them.

What it holds is never mutated after it is built, so two fakes still share no mutable state: their
jobs, sessions, clocks and faults stay their own. (Do not mutate a fake's backend targets: they are
shared with every other fake in the process.) Every method is thread-safe; values are built
outside the lock, and when two threads build the same one, the first to finish is kept.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from qiskit.transpiler import Target

__all__ = ["SHARED", "SharedCache", "target_fingerprint"]

T = TypeVar("T")


class SharedCache:
    """Immutable, content-keyed values shared by the fakes of a process (see the module)."""

    def __init__(self, *, max_noise_models: int = 512) -> None:
        self._lock = threading.Lock()
        self._values: dict[Hashable, Any] = {}
        self._noise: OrderedDict[Hashable, Any] = OrderedDict()
        self._max_noise = max_noise_models
        self.hits = 0
        self.builds = 0

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for ``key``, built by ``build()`` the first time (kept for the process)."""
        with self._lock:
            if key in self._values:
                self.hits += 1
                return self._values[key]  # type: ignore[no-any-return]
        value = build()
        with self._lock:
            self.builds += 1
            return self._values.setdefault(key, value)  # type: ignore[no-any-return]

    def noise_model(self, key: Hashable, build: Callable[[], T]) -> T:
        """A noise model (or None for an ideal one), least recently used out past the limit."""
        with self._lock:
            if key in self._noise:
                self.hits += 1
                self._noise.move_to_end(key)
                return self._noise[key]  # type: ignore[no-any-return]
        value = build()
        with self._lock:
            self.builds += 1
            kept = self._noise.setdefault(key, value)
            self._noise.move_to_end(key)
            while len(self._noise) > self._max_noise:
                self._noise.popitem(last=False)
            return kept  # type: ignore[no-any-return]

    def clear(self) -> None:
        """Forget everything (for measurements; fakes never need it)."""
        with self._lock:
            self._values.clear()
            self._noise.clear()
            self.hits = self.builds = 0


#: The process's cache. The pytest plugin and every ``FakeRuntime`` use it unless given another.
SHARED = SharedCache()


def target_fingerprint(target: Target) -> str:
    """A digest of what a target says: qubits, timing, instructions with their qubits, errors and
    durations, and qubit properties. Equal targets give equal fingerprints."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((target.num_qubits, target.dt, target.acquire_alignment)).encode())
    for name in sorted(target.operation_names):
        operation = target.operation_from_name(name)
        kind = operation.__name__ if isinstance(operation, type) else type(operation).__name__
        params = getattr(operation, "params", ())
        digest.update(repr((name, kind, len(params) if isinstance(params, list) else 0)).encode())
        for qargs, props in sorted((target[name] or {}).items(), key=lambda item: str(item[0])):
            error = None if props is None else props.error
            duration = None if props is None else props.duration
            digest.update(repr((qargs, error, duration)).encode())
    for qubit in target.qubit_properties or ():
        if qubit is not None:
            digest.update(repr((qubit.t1, qubit.t2, qubit.frequency)).encode())
    return digest.hexdigest()
