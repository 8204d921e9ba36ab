"""Execution spans, importable where the official client has them.

``from qiskit_runtime_double.execution_span import ExecutionSpans`` mirrors
``from qiskit_ibm_runtime.execution_span import ExecutionSpans``; the classes are in
``wire.spans`` (the codec builds them when it decodes a result).
"""

from __future__ import annotations

from .wire.spans import (
    DoubleSliceSpan,
    ExecutionSpan,
    ExecutionSpans,
    ShapeType,
    SliceSpan,
    TwirledSliceSpan,
    TwirledSliceSpanV2,
)

__all__ = [
    "DoubleSliceSpan",
    "ExecutionSpan",
    "ExecutionSpans",
    "ShapeType",
    "SliceSpan",
    "TwirledSliceSpan",
    "TwirledSliceSpanV2",
]
