"""Pauli-Lindblad models of a layer's noise, derived from the device's noise model.

A sparse Pauli-Lindblad channel (van den Berg et al., Nature Physics 19, 1116 (2023)) is
``exp(sum_k rate_k (P_k rho P_k - rho))``; its Pauli fidelities are
``f_Q = exp(-2 * sum of the rates of the generators that anticommute with Q)``. The noise learners
of the service estimate the rates from learning circuits; the fake computes them from the errors
its simulator applies (``aer.device_errors``: each gate's depolarizing and relaxation error, each
qubit's readout error), so what it reports is what it simulates, without sampling noise:

- a two-qubit gate's error, Pauli-twirled, has 15 Pauli fidelities; the rates of the 15 one- and
  two-qubit Paulis on its qubits are their least-squares fit (``-log f / 2 = M rates`` with ``M``
  the anticommutation matrix, exact for a Pauli channel), clipped at 0 as learned rates are;
- a qubit in the layer but in no two-qubit gate gets its relaxation over the layer's duration;
- a measurement's readout error ``p`` is a bit flip: an ``X`` generator of rate
  ``-log(1 - 2p) / 2``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "LayerModel",
    "fitted_rates",
    "pauli_fidelities",
    "paulis_on",
    "readout_rate",
    "sparse_terms",
]


@dataclass(frozen=True)
class LayerModel:
    """A layer's model: ``terms`` are ``(paulis, qubits, rate)``, ``paulis[i]`` acting on
    ``qubits[i]`` (indices among the layer's ``num_qubits``), as qiskit's sparse lists."""

    num_qubits: int
    terms: list[tuple[str, list[int], float]]

    def dense_labels(self) -> list[str]:
        """Each term as a full Pauli label (qiskit's order: the last character is qubit 0)."""
        labels = []
        for paulis, qubits, _ in self.terms:
            chars = ["I"] * self.num_qubits
            for pauli, qubit in zip(paulis, qubits, strict=True):
                chars[self.num_qubits - 1 - qubit] = pauli
            labels.append("".join(chars))
        return labels

    @property
    def rates(self) -> np.ndarray:
        return np.array([rate for _, _, rate in self.terms], dtype=np.float64)


def paulis_on(num_qubits: int) -> list[str]:
    """Every non-identity Pauli label on ``num_qubits`` qubits (qiskit's order)."""
    return ["".join(p) for p in itertools.product("IXYZ", repeat=num_qubits) if set(p) != {"I"}]


def pauli_fidelities(error: Any, num_qubits: int) -> dict[str, float]:
    """The Pauli fidelities ``Tr(P E(P)) / d`` of a qiskit channel-like ``error`` (a
    ``QuantumError``, or anything ``SuperOp`` takes) on ``num_qubits`` qubits."""
    from qiskit.quantum_info import Pauli, SuperOp

    channel = error.to_quantumchannel() if hasattr(error, "to_quantumchannel") else error
    matrix = SuperOp(channel).data
    dimension = 2**num_qubits
    fidelities = {}
    for label in paulis_on(num_qubits):
        vector = Pauli(label).to_matrix().ravel(order="F")  # SuperOp stacks columns
        fidelities[label] = float(np.real(vector.conj() @ matrix @ vector)) / dimension
    return fidelities


def _anticommute(first: str, second: str) -> bool:
    return (
        sum(a != "I" and b != "I" and a != b for a, b in zip(first, second, strict=True)) % 2 == 1
    )


def fitted_rates(fidelities: dict[str, float]) -> dict[str, float]:
    """The rates of every non-identity Pauli (the keys of ``fidelities``) whose Pauli-Lindblad
    channel has these fidelities (least squares, clipped at 0)."""
    labels = list(fidelities)
    matrix = np.array([[_anticommute(q, g) for g in labels] for q in labels], dtype=float)
    target = np.array([-math.log(min(max(fidelities[q], 1e-12), 1.0)) / 2 for q in labels])
    rates, *_ = np.linalg.lstsq(matrix, target, rcond=None)
    return {label: max(float(rate), 0.0) for label, rate in zip(labels, rates, strict=True)}


def readout_rate(flip_probabilities: Sequence[float]) -> float:
    """The rate of the ``X`` generator of a readout error, from its flip probabilities
    (``P(1|0)``, ``P(0|1)``): their mean ``p`` gives ``-log(1 - 2p) / 2``."""
    p = min(max(float(np.mean(flip_probabilities)), 0.0), 0.499)
    return -math.log(1 - 2 * p) / 2


def sparse_terms(
    rates: dict[str, float], qubits: Sequence[int]
) -> Iterable[tuple[str, list[int], float]]:
    """``rates`` of full labels on ``qubits`` (label[-1] on ``qubits[0]``) as sparse terms."""
    for label, rate in rates.items():
        on = [(char, qubits[k]) for k, char in enumerate(reversed(label)) if char != "I"]
        yield "".join(c for c, _ in on), [q for _, q in on], rate
