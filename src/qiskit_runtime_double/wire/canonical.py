"""The structural fingerprint of a circuit that request matching compares.

QPY bytes of the same circuit differ between runs (API notes section 4.4), so recorded requests
are matched on ``canonical_circuit`` instead: a deterministic rendering of the circuit's
structure. Re-exported by ``wire.codec``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import numpy as np
from qiskit.circuit import (
    ClassicalRegister,
    Clbit,
    ControlFlowOp,
    ControlledGate,
    Instruction,
    ParameterExpression,
    QuantumCircuit,
)
from qiskit.circuit.classical import expr as cexpr
from qiskit.circuit.library import (
    get_standard_gate_name_mapping,
)

__all__ = ["canonical_circuit"]

_CANONICAL_FORMAT: Final = 1  # bump when the fingerprint changes, so stale matches fail loudly
_STRETCH: Final[Any] = getattr(cexpr, "Stretch", None)  # qiskit >= 2.0
# Names qiskit generates from global counters, so they differ between two identical builds.
_AUTO_REGISTER_NAME: Final = re.compile(r"[qca]\d+")
_AUTO_IN_TEXT: Final = re.compile(r"circuit-\d+|_loop_i_\d+")
# Float literals inside a printed parameter expression, not digits inside names like `v[0]`.
_FLOAT_LITERAL: Final = re.compile(
    r"(?<![\w.\[])(?:\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)(?![\w.\]])"
)


def canonical_circuit(circ: Any) -> str:
    """A deterministic structural fingerprint of ``circ``, for matching recorded requests.

    Kept: gate names, parameters (numbers to 12 significant digits, expressions by parameter
    names), qubit and clbit indices, register names and their bits, global phase, classical
    conditions and variables, control-flow bodies, and definitions of custom gates.
    Ignored: the circuit's name and metadata, parameter UUIDs, layout, labels.
    Names that qiskit numbers from global counters (``q3``/``c7`` registers, ``circuit-12``
    gates, ``_loop_i_4`` loop parameters) are renumbered in order of appearance.
    """
    if not isinstance(circ, QuantumCircuit):
        raise TypeError(
            f"canonical_circuit expects a qiskit QuantumCircuit, got {type(circ).__name__}; "
            "decode the payload first (for example with from_jsonable)."
        )
    fingerprint = {"format": _CANONICAL_FORMAT, **_Canonicalizer().circuit(circ)}
    return json.dumps(fingerprint, separators=(",", ":"), ensure_ascii=False)


class _Canonicalizer:
    """Renders a circuit as nested lists; holds the renumbering of generated names."""

    def __init__(self) -> None:
        self._aliases: dict[str, str] = {}
        self._standard = get_standard_gate_name_mapping()

    def circuit(self, circ: Any) -> dict[str, Any]:
        qidx = {bit: i for i, bit in enumerate(circ.qubits)}
        cidx = {bit: i for i, bit in enumerate(circ.clbits)}
        return {
            "qubits": circ.num_qubits,
            "clbits": circ.num_clbits,
            "qregs": [[self._register_name(r.name), [qidx[b] for b in r]] for r in circ.qregs],
            "cregs": [[self._register_name(r.name), [cidx[b] for b in r]] for r in circ.cregs],
            "phase": self.value(circ.global_phase, cidx),
            "vars": self._vars(circ),
            "ops": [self._instruction(item, qidx, cidx) for item in circ.data],
        }

    def _instruction(self, item: Any, qidx: dict[Any, int], cidx: dict[Any, int]) -> list[Any]:
        op = item.operation
        entry: list[Any] = [
            self._text(op.name),
            [self.value(p, cidx) for p in op.params],
            [qidx.get(q, -1) for q in item.qubits],
            [cidx.get(c, -1) for c in item.clbits],
        ]
        extra = self._op_extras(op, cidx)
        if extra:
            entry.append(extra)
        return entry

    def _op_extras(self, op: Any, cidx: dict[Any, int]) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        condition = getattr(op, "condition", None)
        if condition is not None:
            extra["condition"] = self.value(condition, cidx)
        if op.name == "switch_case":
            extra["target"] = self.value(op.target, cidx)
            extra["cases"] = [
                [self.value(v, cidx) for v in values] for values, _ in op.cases_specifier()
            ]
        elif op.name == "store":
            extra["store"] = [self.value(op.lvalue, cidx), self.value(op.rvalue, cidx)]
        elif op.name in ("delay", "box"):
            extra["unit"] = getattr(op, "unit", None)
            if op.name == "box":
                extra["duration"] = self.value(getattr(op, "duration", None), cidx)
        if isinstance(op, ControlledGate):
            extra["ctrl"] = [op.num_ctrl_qubits, op.ctrl_state]
            if not self._is_standard(op.base_gate):
                extra["base"] = self._definition_of(op.base_gate)
        elif self._needs_definition(op):
            extra["definition"] = self._definition_of(op)
        return extra

    def _needs_definition(self, op: Any) -> bool:
        # Custom and library gates are only partly described by name and params (a
        # PauliEvolutionGate keeps its operator elsewhere), so their definition counts too.
        # Control flow is covered by its blocks, a unitary by its matrix, and standard gates
        # by their name.
        if isinstance(op, ControlFlowOp) or op.name == "unitary":
            return False
        return isinstance(op, Instruction) and not self._is_standard(op)

    def _definition_of(self, op: Any) -> Any:
        definition = op.definition
        if definition is None:
            return [self._text(op.name), None]
        return [self._text(op.name), self.circuit(definition)]

    def _is_standard(self, op: Any) -> bool:
        known = self._standard.get(op.name)
        return known is not None and type(known) is type(op)

    def value(self, v: Any, cidx: dict[Any, int]) -> Any:
        """Render a parameter, condition or classical expression."""
        if v is None:
            return v
        if isinstance(v, (bool, np.bool_)):
            # QPY reads a one-bit condition value back as a bool; 1 and True must match.
            return str(int(v))
        if isinstance(v, str):
            return self._text(v)
        if isinstance(v, ParameterExpression):
            if v.parameters:
                return {"expr": self._text(_FLOAT_LITERAL.sub(_round_match, str(v)))}
            return self.value(complex(v), cidx)
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        if isinstance(v, (float, np.floating)):
            return _round(float(v))
        if isinstance(v, (complex, np.complexfloating)):
            if v.imag == 0:
                return _round(float(v.real))
            return {"complex": [_round(float(v.real)), _round(float(v.imag))]}
        if isinstance(v, np.ndarray):
            return {"array": list(v.shape), "values": [self.value(x, cidx) for x in v.ravel()]}
        if isinstance(v, QuantumCircuit):
            return {"circuit": self.circuit(v)}
        if isinstance(v, range):
            return {"range": [v.start, v.stop, v.step]}
        if isinstance(v, (list, tuple)):
            return [self.value(x, cidx) for x in v]
        if isinstance(v, Clbit):
            return {"clbit": cidx.get(v, -1)}
        if isinstance(v, ClassicalRegister):
            return {"creg": [self._register_name(v.name), [cidx.get(b, -1) for b in v]]}
        if isinstance(v, cexpr.Expr):
            return self._expr(v, cidx)
        # Anything else (a library gate's operator, a sentinel): type plus text, best effort.
        return {"other": [type(v).__qualname__, self._text(str(v))]}

    def _expr(self, node: Any, cidx: dict[Any, int]) -> Any:
        kind = type(node).__name__
        typ = str(node.type)
        if _STRETCH is not None and isinstance(node, _STRETCH):
            return {kind: self._text(node.name), "type": typ}
        if isinstance(node, cexpr.Var):
            target = node.var
            if isinstance(target, (Clbit, ClassicalRegister)):
                return {kind: self.value(target, cidx), "type": typ}
            return {kind: self._text(node.name), "type": typ}
        if isinstance(node, cexpr.Value):
            return {kind: self.value(node.value, cidx), "type": typ}
        if isinstance(node, cexpr.Unary):
            return {kind: node.op.name, "args": [self._expr(node.operand, cidx)], "type": typ}
        if isinstance(node, cexpr.Binary):
            args = [self._expr(node.left, cidx), self._expr(node.right, cidx)]
            return {kind: node.op.name, "args": args, "type": typ}
        if isinstance(node, cexpr.Cast):
            return {
                kind: bool(node.implicit),
                "args": [self._expr(node.operand, cidx)],
                "type": typ,
            }
        if isinstance(node, cexpr.Index):
            args = [self._expr(node.target, cidx), self._expr(node.index, cidx)]
            return {kind: None, "args": args, "type": typ}
        return {kind: self._text(str(node)), "type": typ}

    def _vars(self, circ: Any) -> list[list[str]]:
        out: list[list[str]] = []
        kinds = ("input_vars", "captured_vars", "declared_vars")
        for kind in (*kinds, "captured_stretches", "declared_stretches"):
            iterate = getattr(circ, f"iter_{kind}", None)
            if iterate is not None:
                out.extend([kind, self._text(v.name), str(v.type)] for v in iterate())
        return out

    def _register_name(self, name: str) -> str:
        if _AUTO_REGISTER_NAME.fullmatch(name):
            return self._alias(name)
        return name

    def _text(self, text: str) -> str:
        return _AUTO_IN_TEXT.sub(lambda m: self._alias(m.group()), text)

    def _alias(self, name: str) -> str:
        alias = self._aliases.get(name)
        if alias is None:
            prefix = name.rstrip("0123456789")
            alias = self._aliases[name] = f"{prefix}#{len(self._aliases)}"
        return alias


def _round(x: float) -> str:
    text = f"{x:.12g}"
    return "0" if text == "-0" else text


def _round_match(match: re.Match[str]) -> str:
    return _round(float(match.group()))
