"""Cases that qiskit-ibm-runtime 0.15.1 and our seed-era types must answer alike.

``answers(Options, RuntimeOptions, set_default_error_levels)`` runs every case with the classes
given and returns JSON-able answers. ``test_seed_types_oracle.py`` compares ours with 0.15.1's,
which this file computes when run as a script by the 0.15.1 interpreter (``.venv-legacy``):
``python seed_types_cases.py`` prints them as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from types import SimpleNamespace
from typing import Any

OPTIONS = [
    {},
    {
        "optimization_level": 1,
        "resilience_level": 2,
        "transpilation": {"initial_layout": [1, 2], "skip_transpilation": True},
        "execution": {"shots": 100},
        "environment": {"log_level": "DEBUG"},
        "resilience": {"noise_factors": [1, 2, 4]},
    },
    {"simulator": {"seed_simulator": 42, "coupling_map": [[0, 1]], "basis_gates": ["cx"]}},
    {"max_execution_time": 60, "environment": {"job_tags": ["a"]}},
    {"resilience_level": 2, "resilience": {"extrapolator": "QuadraticExtrapolator"}},
]
MERGES = [
    {},
    {"resilience_level": 9},
    {"resilience_level": 8, "transpilation": {"initial_layout": [1, 2]}},
    {"shots": 99, "seed_simulator": 42},
    {"resilience_level": 99, "shots": 98, "initial_layout": [3, 4]},
    {"initial_layout": [1, 2], "transpilation": {"layout_method": "trivial"}, "log_level": "INFO"},
    {"shots": 5, "execution": {"shots": 7}, "foo": 1},
    {"image": "a:b", "job_tags": ["x"], "max_execution_time": 5},
]
#: Resolved options (levels set) that 0.15.1's ``validate_options`` accepts or refuses.
VALIDATIONS = [
    {},
    {"optimization_level": 4},
    {"max_execution_time": 8 * 3600 + 1},
    {"transpilation": {"layout_method": "best"}},
    {"transpilation": {"routing_method": "none", "approximation_degree": 0.5}},
    {"transpilation": {"approximation_degree": 1.5}},
    {"resilience": {"noise_amplifier": "GlobalFolding"}},
    {"resilience": {"extrapolator": "CubicExtrapolator", "noise_factors": [1, 3, 5]}},
    {"resilience": {"extrapolator": "QuarticExtrapolator", "noise_factors": [1, 2, 3, 4, 5]}},
    {"environment": {"log_level": "LOUD"}},
    {"environment": {"log_level": "CRITICAL"}},
]
RUNTIME = [
    ({}, "ibm_quantum"),
    ({}, "ibm_cloud"),
    ({"backend": "b"}, "ibm_quantum"),
    ({"backend": "b", "instance": "h/g/p"}, "ibm_quantum"),
    ({"instance": "h/g/p"}, "ibm_cloud"),
    ({"image": "a:b"}, "ibm_cloud"),
    ({"image": "ab"}, "ibm_cloud"),
    ({"image": "qiskit/runtime:1.0-rc"}, "ibm_cloud"),
    ({"log_level": "debug"}, "ibm_cloud"),
    ({"log_level": "WARN"}, "ibm_cloud"),
    ({"log_level": "LOUD"}, "ibm_cloud"),
    ({"job_tags": ["a"], "max_execution_time": 60, "session_time": 600}, "ibm_cloud"),
]


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _backend(simulator: bool) -> Any:
    return SimpleNamespace(configuration=lambda: SimpleNamespace(simulator=simulator))


def _outcome(call: Any, *args: Any) -> str:
    try:
        call(*args)
    except Exception as exc:  # any other exception is an answer to compare too
        # 0.15.1 raised ValueError or its IBMInputValueError (not a ValueError there).
        if isinstance(exc, ValueError) or type(exc).__name__ == "IBMInputValueError":
            return "refused"
        return f"failed with {type(exc).__name__}"
    return "accepted"


def answers(options_class: Any, runtime_options_class: Any, set_levels: Any) -> dict[str, Any]:
    Options = options_class
    found: dict[str, Any] = {}
    for index, given in enumerate(OPTIONS):
        plain = asdict(Options(**given))
        found[f"asdict {index}"] = _json(plain)
        found[f"inputs {index}"] = _json(Options._get_program_inputs(asdict(Options(**given))))
        for simulator in (True, False):
            resolved = set_levels(asdict(Options(**given)), _backend(simulator), 3, 1)
            resolved = Options._set_default_resilience_options(resolved)
            resolved = Options._remove_none_values(resolved)
            key = f"resolved {index} simulator={simulator}"
            found[key] = _json(resolved)
            found[f"{key} inputs"] = _json(Options._get_program_inputs(resolved))
            found[f"{key} runtime"] = _json(Options._get_runtime_options(resolved))
    for index, new in enumerate(MERGES):
        found[f"merge {index}"] = _json(Options._merge_options(asdict(Options()), new))
    for index, bad in enumerate(VALIDATIONS):
        resolved = Options._merge_options(
            asdict(Options(optimization_level=1, resilience_level=1)), bad
        )
        found[f"validate {index}"] = _outcome(Options.validate_options, resolved)
    for index, (given, channel) in enumerate(RUNTIME):
        found[f"runtime options {index}"] = _outcome(
            lambda kwargs, name: runtime_options_class(**kwargs).validate(name), given, channel
        )
    return found


if __name__ == "__main__":
    from qiskit_ibm_runtime import Options, RuntimeOptions  # 0.15.1's
    from qiskit_ibm_runtime.options.utils import set_default_error_levels

    print(json.dumps(answers(Options, RuntimeOptions, set_default_error_levels), sort_keys=True))
