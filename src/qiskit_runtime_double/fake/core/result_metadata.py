"""What the service puts around a primitive result besides the data: its metadata.

- The sampler's ``metadata["execution"]["execution_spans"]``: when each pub's shots were taken.
  The fake runs the pubs one after another over the job's simulated run, each for its share of
  the shots, so each pub gets one ``DoubleSliceSpan`` covering all its data.
- The estimator's result metadata: the dynamical decoupling, twirling and resilience settings the
  service resolved from the job's options (an unset option takes its default, some of which
  depend on ``resilience_level``), as the service reports them.

The fake reports these settings but does not apply them: it simulates the backend's noise and
no mitigation. Each estimator pub's own metadata says how many shots and randomizations it ran
(``twirling.py``: the service's arithmetic of ``num_randomizations`` and
``shots_per_randomization``).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import Any

from ...wire.spans import DoubleSliceSpan, ExecutionSpans

__all__ = ["estimator_metadata", "execution_spans"]

#: The service's default resilience level for the estimator.
DEFAULT_RESILIENCE_LEVEL = 1


def execution_spans(
    pubs: Sequence[Any], window: tuple[_dt.datetime, _dt.datetime]
) -> ExecutionSpans:
    """One span per sampler pub, consecutive over ``window``, each as long as its share of shots.

    A pub's data has shape ``(*pub.shape, shots)``; its span covers all of it.
    """
    start, stop = window
    weights = [pub.size * pub.shots for pub in pubs]
    total = sum(weights) or 1
    # Whole microseconds (what a datetime holds), so the last span ends exactly at ``stop``.
    length = (stop - start) // _dt.timedelta(microseconds=1)
    spans, done = [], 0
    begin = start
    for index, (pub, weight) in enumerate(zip(pubs, weights, strict=True)):
        done += weight
        end = start + _dt.timedelta(microseconds=length * done // total)
        shape = (*pub.shape, pub.shots)
        part = (shape, slice(0, math.prod(pub.shape)), slice(0, pub.shots))
        spans.append(DoubleSliceSpan(begin, end, {index: part}))
        begin = end
    return ExecutionSpans(spans)


def estimator_metadata(options: dict[str, Any]) -> dict[str, Any]:
    """The result metadata of an estimator job with these program options (keys in the
    service's order)."""
    level = options.get("resilience_level")
    level = DEFAULT_RESILIENCE_LEVEL if level is None else level
    decoupling = _section(options, "dynamical_decoupling")
    twirling = _section(options, "twirling")
    resilience = _section(options, "resilience")
    return {
        "dynamical_decoupling": {
            "enable": _set_or(decoupling, "enable", False),
            "sequence_type": _set_or(decoupling, "sequence_type", "XX"),
            "extra_slack_distribution": _set_or(decoupling, "extra_slack_distribution", "middle"),
            "scheduling_method": _set_or(decoupling, "scheduling_method", "alap"),
        },
        "twirling": {
            "enable_gates": _set_or(twirling, "enable_gates", level >= 2),
            "enable_measure": _set_or(twirling, "enable_measure", level >= 1),
            "num_randomizations": _set_or(twirling, "num_randomizations", "auto"),
            "shots_per_randomization": _set_or(twirling, "shots_per_randomization", "auto"),
            "interleave_randomizations": True,
            "strategy": _set_or(twirling, "strategy", "active-accum"),
        },
        "resilience": {
            "measure_mitigation": _set_or(resilience, "measure_mitigation", level >= 1),
            "zne_mitigation": _set_or(resilience, "zne_mitigation", level >= 2),
            "pec_mitigation": _set_or(resilience, "pec_mitigation", False),
        },
        "version": 2,
    }


def _section(options: dict[str, Any], name: str) -> dict[str, Any]:
    found = options.get(name)
    return found if isinstance(found, dict) else {}


def _set_or(section: dict[str, Any], name: str, default: Any) -> Any:
    value = section.get(name)
    return default if value is None else value
