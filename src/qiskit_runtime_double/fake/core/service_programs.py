"""The service's own programs beyond the primitives: ``executor`` and ``noise-learner``.

Unlike users' programs (``programs.py``, the 2023 ``main(backend, user_messenger, **inputs)``),
these are run by the fake as the service runs them: their params are JSON that IBM's models
describe (``program_schemas.py``), checked when the job is submitted (a 400 naming the field),
and their result is JSON those models describe.

A ``ServiceProgram`` has two steps:

- ``prepare(params, entry)``: validate the job's raw JSON params for the backend ``entry`` and
  return a ``ServiceJob``: what the job runs (its circuits and shots, for the duration model)
  and the program's own prepared data; raise ``InvalidWorkload`` (a 400) when they are bad;
- ``execute(job, entry, seed, simulate)``: run it (outside the fake's lock) and return the
  result's JSON text. ``simulate(circuits, options)`` is the fake's Aer for the backend (the
  device's noise; options ``shots``, ``seed_simulator``, ``parameter_binds``...) returning a
  qiskit ``Result``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from qiskit.circuit import QuantumCircuit

from .catalogue import BackendEntry

__all__ = ["ServiceJob", "ServiceProgram", "Simulate"]

#: ``(circuits, run options) -> qiskit Result``: the fake's simulator for one backend.
Simulate = Callable[[list[QuantumCircuit], dict[str, Any]], Any]


class ServiceProgram(Protocol):
    def prepare(self, params: Any, entry: BackendEntry) -> ServiceJob:
        """Validate a job's raw JSON params; raise ``InvalidWorkload`` if they are bad."""
        ...

    def execute(self, job: ServiceJob, entry: BackendEntry, seed: int, simulate: Simulate) -> str:
        """Run a prepared job; return its result as JSON text."""
        ...


@dataclass(frozen=True)
class ServiceJob:
    """A prepared job of a ``ServiceProgram``: the duration model reads ``num_circuits`` (bound
    circuits run) and ``total_shots``; ``payload`` is the program's own."""

    program: ServiceProgram
    program_id: str
    payload: Any
    num_circuits: int
    total_shots: int
    backend_name: str
    #: When the job held the backend, ``(start, stop)`` in UTC (set when its run ends).
    run_window: tuple[_dt.datetime, _dt.datetime] | None = None

    def ran_during(self, start: _dt.datetime | None, stop: _dt.datetime | None) -> ServiceJob:
        """This job with its run window (unchanged if either end is None)."""
        if start is None or stop is None:
            return self
        return replace(self, run_window=(start, stop))
