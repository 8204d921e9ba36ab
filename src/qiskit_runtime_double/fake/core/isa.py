"""The ISA check: whether a circuit runs as it is on a backend of the fake's catalogue.

Used when a job is accepted for a device (simulators take any circuit that fits).
"""

from __future__ import annotations

from qiskit import circuit as qc
from qiskit.transpiler import Target

__all__ = ["check_isa"]

#: Loop exits are valid wherever their loop is (targets spell them variously); barriers always.
_ALWAYS_ALLOWED = frozenset({"barrier", "break_loop", "continue_loop"})
_MAX_PROBLEMS = 8


def check_isa(circuit: qc.QuantumCircuit, target: Target, backend_name: str) -> list[str]:
    """Why ``circuit`` is not an ISA circuit of ``target`` (the backend ``backend_name``'s); empty
    when it is one.

    Checks the qubit count, that every instruction is in the target on the qubits it acts on (so
    2-qubit gates only on coupling-map edges, in their direction), and control-flow support,
    recursing into control-flow blocks. Barriers are always allowed.
    """
    if circuit.num_qubits > target.num_qubits:
        return [
            f"the circuit has {circuit.num_qubits} qubits; {backend_name} has {target.num_qubits}"
        ]
    problems: dict[str, int] = {}
    _check_block(circuit, list(range(circuit.num_qubits)), target, backend_name, problems)
    found = [m if n == 1 else f"{m} ({n} times)" for m, n in list(problems.items())[:_MAX_PROBLEMS]]
    if len(problems) > _MAX_PROBLEMS:
        found.append(f"... and {len(problems) - _MAX_PROBLEMS} more problems")
    if any(" is not supported by " in m for m in found):  # say once what it does support
        known = (
            n for n in target.operation_names if not isinstance(target.operation_from_name(n), type)
        )
        found.append(f"the instructions of {backend_name} are {', '.join(sorted(known))}")
    return found


def _check_block(
    circuit: qc.QuantumCircuit,
    physical: list[int],
    target: Target,
    backend_name: str,
    problems: dict[str, int],
) -> None:
    index = {bit: physical[i] for i, bit in enumerate(circuit.qubits)}
    for instruction in circuit.data:
        operation = instruction.operation
        name = operation.name
        if name in _ALWAYS_ALLOWED:
            continue
        qargs = tuple(index[q] for q in instruction.qubits)
        if name not in target.operation_names:
            kind = "control flow" if isinstance(operation, qc.ControlFlowOp) else "instruction"
            message = f"{kind} '{name}' is not supported by {backend_name}"
        elif isinstance(operation, qc.ControlFlowOp):
            for block in operation.blocks:  # a block's qubits are the instruction's, in order
                _check_block(block, list(qargs), target, backend_name, problems)
            continue
        elif not target.instruction_supported(name, qargs):
            where = "not an edge of the coupling map" if len(qargs) == 2 else "not on these qubits"
            message = f"'{name}' on qubits {list(qargs)} is not supported ({where})"
        else:
            continue
        problems[message] = problems.get(message, 0) + 1
