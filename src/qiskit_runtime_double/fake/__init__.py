"""The fake Qiskit Runtime service. Never imports the client side; the client reaches it through
``InProcessTransport(fake.app)`` or over HTTP (``fake.serve()``). Names load on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "FakeRuntime": ".runtime",
    "History": ".history",
    "Instance": ".plan",
    "PastJob": ".history",
    "Plan": ".plan",
    "VirtualClock": ".clock",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:
    from .clock import VirtualClock
    from .history import History, PastJob
    from .plan import Instance, Plan
    from .runtime import FakeRuntime

__all__ = ["FakeRuntime", "History", "Instance", "PastJob", "Plan", "VirtualClock"]
