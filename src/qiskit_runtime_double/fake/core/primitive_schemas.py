"""The sampler's and estimator's params checked against IBM's models (``ibm-quantum-schemas``).

IBM's models of the primitives' params (version 0.1) are narrower than what the service takes
from the official client, so a few forms are brought to the models' shape before they check:

- a sampler pub's ``null`` shots: the official client sends it for a pub without shots
  (``SamplerV2.run(pubs)``), and the service uses ``options.default_shots``; IBM's model wants a
  positive integer, so ``default_shots`` (or the service's 4096) stands in;
- an estimator pub's observables as nested lists: the client sends ``ObservablesArray.tolist()``,
  which nests for observables of two or more dimensions; IBM's model takes one observable or a
  flat list, so they are flattened;
- observables with projectors (``"0"``, ``"1"``, ``"+"``, ``"-"``, ``"r"``, ``"l"``: qiskit 2.1's
  ``SparseObservable``): IBM's model takes Pauli labels; the fake evaluates projectors, so their
  labels are checked as Pauli labels of the same length;
- pubs shorter than the full tuple, a bare circuit as a pub, and parameter values as plain lists:
  no client sends them, but the fake took them before these models (qiskit's pub coercion) and
  the service's answer to them is unknown; they are completed with empty values;
- the 2023 parameters of these programs (``circuits``, ``parameters``...) beside ``pubs``: the
  seed-era ``ParameterNamespace`` sends every parameter the program lists; they are left out.

IBM's model then checks the rest: each circuit (QPY of versions 13 to 17, or OpenQASM), shots and
precisions, every option (its name and type: a misspelled option is a 400 naming it), ``version``
and ``resilience_level``. The executor's own checks follow (ISA circuits, limits...). Params in
the 2023 form (``circuits``, ``parameters``...) have no IBM model: the executor checks them.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from ...wire import codec
from ...wire.vocabulary import PROGRAM_IDS
from . import program_schemas

__all__ = ["check_primitive_params"]

#: The service's default shots for a sampler pub without any.
DEFAULT_SHOTS: Final = 4096
_PAULIS: Final = frozenset("IXYZ")
#: The primitives' parameters of the 2023 service (``builtin_programs.py``).
_PARAMETERS_2023: Final = frozenset(
    {
        "circuits",
        "parameters",
        "parameter_values",
        "observables",
        "run_options",
        "transpilation_settings",
        "resilience_settings",
    }
)


def check_primitive_params(program_id: str, params: Any) -> None:
    """The V2 params of the ``sampler`` or ``estimator`` against IBM's models (if installed);
    ``InvalidWorkload`` naming each field at fault."""
    if program_id not in PROGRAM_IDS or not isinstance(params, dict) or "pubs" not in params:
        return
    if not program_schemas.installed():
        return
    program_schemas.check_payload_sizes(params)
    model = program_schemas.primitive_schema(program_id).params
    program_schemas.validate(model, _in_ibm_form(program_id, params))


def _in_ibm_form(program_id: str, params: dict[str, Any]) -> dict[str, Any]:
    params = {key: value for key, value in params.items() if key not in _PARAMETERS_2023}
    pubs = params.get("pubs")
    if not isinstance(pubs, list):
        return params
    if program_id == "sampler":
        options = params.get("options")
        shots = options.get("default_shots") if isinstance(options, dict) else None
        default = DEFAULT_SHOTS if shots is None else shots
        return {**params, "pubs": [_sampler_pub(pub, default) for pub in pubs]}
    return {**params, "pubs": [_estimator_pub(pub) for pub in pubs]}


def _items(pub: Any, size: int) -> list[Any] | None:
    """A pub's items padded with None to ``size``; None if it has more (IBM's model says why)."""
    items = list(pub) if isinstance(pub, list) else [pub]
    return items + [None] * (size - len(items)) if len(items) <= size else None


def _sampler_pub(pub: Any, default_shots: Any) -> Any:
    items = _items(pub, 3)
    if items is None:
        return pub
    circuit, values, shots = items
    return [circuit, _values(values), default_shots if shots is None else shots]


def _estimator_pub(pub: Any) -> Any:
    items = _items(pub, 4)
    if items is None:
        return pub
    circuit, observables, values, precision = items
    return [circuit, _observables(observables), _values(values), precision]


def _values(values: Any) -> Any:
    """Values as IBM's model wants them (an encoded ndarray); plain lists and None stand in as
    an empty one (the executor checks them against the circuit)."""
    if isinstance(values, dict) and values.get("__type__") == "ndarray":
        return values
    return codec.to_jsonable(np.zeros(0))


def _observables(observables: Any) -> Any:
    if isinstance(observables, list):
        flat: list[Any] = []
        _flatten(observables, flat)
        return [_observable(leaf) for leaf in flat]
    return _observable(observables)


def _flatten(value: list[Any], out: list[Any]) -> None:
    for item in value:
        if isinstance(item, list):
            _flatten(item, out)
        else:
            out.append(item)


def _observable(observable: Any) -> Any:
    """One observable as IBM's model wants it: a dict of Pauli labels (a label alone: 1.0)."""
    if isinstance(observable, str):
        observable = {observable: 1.0}
    if not isinstance(observable, dict) or observable.get("__type__") is not None:
        return observable
    return {
        "".join(c if c in _PAULIS else "Z" for c in label) if isinstance(label, str) else label: c
        for label, c in observable.items()
    }
