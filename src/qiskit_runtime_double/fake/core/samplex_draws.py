"""A samplex item of a quantum program: its arguments checked, and its randomizations drawn.

``prepare_samplex(at, item, circuit)`` reads a samplex item of IBM's models (its samplex, its
``samplex_arguments`` and ``shape``) into a ``SamplexDraw``, or raises ``InvalidWorkload``
naming what is wrong (``at`` is the item's path in the params).

``SamplexDraw.draw(rng)`` samples it as the executor does: the item's ``shape`` is the
broadcast of the declared shape and the arguments' own shape; axes where the arguments have more
than one entry sweep them (a parameter sweep), the other axes enumerate independent
randomizations. For each point of the sweep, ``samplomatic`` draws all the randomizations at
once; the outputs have shape ``(*shape, *intrinsic)``, ``parameter_values`` among them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from .errors import InvalidWorkload

__all__ = ["SamplexDraw", "item_shape", "prepare_samplex"]


@dataclass(frozen=True)
class SamplexDraw:
    """A samplex item, checked: its template circuit, samplex, bound inputs and full shape."""

    circuit: QuantumCircuit
    samplex: Any
    inputs: Any
    shape: tuple[int, ...]

    def draw(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The samplex's outputs over the item's shape, drawn with ``rng``."""
        own = tuple(self.inputs.shape)
        padded = (1,) * (len(self.shape) - len(own)) + own
        sweep = [i for i, n in enumerate(padded) if n > 1]
        randomized = [i for i, n in enumerate(padded) if n <= 1]
        draws = math.prod(self.shape[i] for i in randomized)
        drawn_shape = tuple(self.shape[i] for i in randomized)
        outputs: dict[str, np.ndarray] = {}
        for point in np.ndindex(*(self.shape[i] for i in sweep)):
            at = iter(point)
            index = tuple(next(at) if n > 1 else 0 for n in own)
            inputs = self.inputs[index] if own else self.inputs
            sample = self.samplex.sample(inputs, num_randomizations=draws, rng=rng, max_workers=1)
            at = iter(point)
            target = tuple(next(at) if n > 1 else slice(None) for n in padded)
            for name in sample:
                value = np.asarray(sample[name])
                if name not in outputs:
                    outputs[name] = np.empty((*self.shape, *value.shape[1:]), dtype=value.dtype)
                outputs[name][target] = value.reshape(*drawn_shape, *value.shape[1:])
        return outputs


def prepare_samplex(at: str, item: Any, circuit: QuantumCircuit) -> SamplexDraw:
    """A samplex item of IBM's models, checked (``at``: its path, for error messages)."""
    try:
        samplex = item.samplex.to_samplex().finalize()  # loaded samplexes are not yet finalized
    except Exception as exc:  # a samplex that does not load: the caller's fault
        raise InvalidWorkload(
            f"Invalid params: {at}.samplex could not be loaded: {type(exc).__name__}: "
            f"{str(exc)[:200]}"
        ) from exc
    inputs = samplex.inputs().make_broadcastable()
    for name, value in item.samplex_arguments.items():
        try:
            inputs[name] = _argument(value)
        except (ValueError, TypeError) as exc:
            raise InvalidWorkload(
                f"Invalid params: {at}.samplex_arguments.{name}: {str(exc)[:300]}"
            ) from exc
    if not inputs.fully_bound:
        missing = inputs.describe(prefix="", include_bound=False).replace("\n", "; ")
        raise InvalidWorkload(
            f"Invalid params: {at}.samplex_arguments lacks arguments the samplex needs: "
            f"{missing[:400]}"
        )
    shape = item_shape(at, item.shape, tuple(inputs.shape), "samplex_arguments")
    specs = samplex.outputs().get_specs("parameter_values")
    produced = int(specs[0].shape[-1]) if specs else 0
    if produced != circuit.num_parameters:
        raise InvalidWorkload(
            f"Invalid params: {at}: the samplex draws {produced} parameter values, but its "
            f"circuit has {circuit.num_parameters} parameters; build both with samplomatic's "
            "build() from one boxed circuit."
        )
    return SamplexDraw(circuit, samplex, inputs, shape)


def item_shape(at: str, declared: Any, arguments: tuple[int, ...], what: str) -> tuple[int, ...]:
    """An executor item's shape: its declared ``shape`` broadcast with that of its ``what``
    (``circuit_arguments``, ``samplex_arguments``); a 400 naming ``at`` if they do not broadcast
    or the result is empty."""
    declared = tuple(declared or ())
    try:
        shape = tuple(int(n) for n in np.broadcast_shapes(declared, arguments))
    except ValueError:
        raise InvalidWorkload(
            f"Invalid params: {at}.shape {list(declared)} does not broadcast with the shape of "
            f"its {what}, {list(arguments)}."
        ) from None
    if math.prod(shape) == 0:
        raise InvalidWorkload(f"Invalid params: {at} is empty (shape {list(shape)}).")
    return shape


def _argument(value: Any) -> Any:
    """A samplex argument of IBM's models as samplomatic takes it."""
    if hasattr(value, "to_pauli_lindblad_map"):
        return value.to_pauli_lindblad_map()
    if hasattr(value, "to_numpy"):
        return value.to_numpy()
    return value
