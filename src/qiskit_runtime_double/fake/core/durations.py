"""How long a job holds the backend, in simulated seconds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["DurationModel", "default_duration"]

#: ``(workload, simulator) -> seconds``; ``workload`` is the executor's prepared workload or None.
DurationModel = Callable[[Any, bool], float]


def default_duration(workload: Any, simulator: bool) -> float:
    """A rough model of an IBM device: a fixed overhead, plus per-circuit and per-shot costs.

    A QPU pays ~2 s of set-up, ~50 ms per circuit (loading) and ~250 us per shot (repetition
    delay): a 1024-shot Bell job takes ~2.3 s. A simulator pays 0.1 s plus 1 us per shot.
    """
    circuits = int(getattr(workload, "num_circuits", 1) or 1)
    shots = int(getattr(workload, "total_shots", 0) or 0)
    if simulator:
        return 0.1 + shots * 1e-6
    return 2.0 + 0.05 * circuits + 250e-6 * shots
