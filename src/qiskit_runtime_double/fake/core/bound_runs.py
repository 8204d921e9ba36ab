"""One circuit run for many bindings of its parameters: each classical register's bits per shot.

``measure_bindings(simulate, circuit, values, shots, seed)`` runs ``circuit`` once per row of
``values`` (columns in ``circuit.parameters`` order), ``shots`` shots each, on the fake's
simulator (``simulate``: the device's noise), and returns, for each classical register, a boolean
array of shape ``(bindings, shots, register size)`` whose ``[..., j]`` is the register's bit
``j`` (qiskit's little-endian ``BitArray.to_bool_array(order="little")``), the shape the
executor program's ``meas`` results have.

Aer is asked for counts, not each shot's memory (which costs as much again for small circuits):
shots are independent and identically distributed, so a seeded random order of the counted
outcomes has the distribution of the shots' own order.

``kerneled(bits, rng)`` makes the IQ points the executor returns for ``meas_level="kerneled"``:
each bit's point is ``+1`` (0) or ``-1`` (1) plus Gaussian noise, in arbitrary units. The fake
has no measurement electronics; these points are made up from the simulated bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

from .service_programs import Simulate

__all__ = ["IQ_NOISE", "kerneled", "measure_bindings"]

#: The standard deviation of made-up IQ points around their bit's centre (+1 or -1).
IQ_NOISE = 0.25


def measure_bindings(
    simulate: Simulate, circuit: QuantumCircuit, values: np.ndarray, shots: int, seed: int
) -> dict[str, np.ndarray]:
    """Each classical register's bits, ``(bindings, shots, size)``; ``values`` is
    ``(bindings, circuit.num_parameters)``."""
    bindings = int(values.shape[0])
    if circuit.num_parameters:
        parameters = list(circuit.parameters)
        binds = [{p: values[:, i].astype(float).tolist() for i, p in enumerate(parameters)}]
        circuits = [circuit]
    else:  # one experiment per binding, each with its own shots
        binds, circuits = None, [circuit] * bindings
    options: dict[str, Any] = {"shots": shots, "seed_simulator": seed % 2**32}
    if binds is not None:
        options["parameter_binds"] = binds
    result = simulate(circuits, options)
    counts = [
        getattr(experiment.data, "counts", None) or {"0x0": shots} for experiment in result.results
    ]
    if len(counts) != bindings:
        raise RuntimeError(
            f"the simulator ran {len(counts)} experiments for {bindings} bindings of the circuit"
        )
    return _registers(circuit, counts, shots, np.random.default_rng(seed % 2**32))


def _registers(
    circuit: QuantumCircuit, counts: list[dict[str, int]], shots: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Each register's bits from Aer's hex counts (one dict per binding), shots shuffled."""
    words = sorted({word for binding in counts for word in binding})
    width = circuit.num_clbits
    table = np.zeros((len(words), max(width, 1)), dtype=bool)  # table[w, k]: clbit k of word w
    for row, word in enumerate(words):
        value = int(word, 16)
        for k in range(width):
            table[row, k] = bool(value >> k & 1)
    chosen = np.empty((len(counts), shots), dtype=np.intp)
    for row, binding in enumerate(counts):
        chosen[row] = np.repeat(np.arange(len(words)), [binding.get(w, 0) for w in words])
        rng.shuffle(chosen[row])
    index = {bit: k for k, bit in enumerate(circuit.clbits)}
    bits = table[chosen]  # (bindings, shots, clbits)
    return {creg.name: bits[..., [index[bit] for bit in creg]] for creg in circuit.cregs}


def kerneled(bits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Made-up IQ points of measured ``bits`` (complex, same shape): ``1 - 2 * bit`` plus noise."""
    noise = rng.normal(0.0, IQ_NOISE, size=(*bits.shape, 2))
    return (1.0 - 2.0 * bits) + noise[..., 0] + 1j * noise[..., 1]
