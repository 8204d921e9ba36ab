"""The fake Qiskit Runtime service. Never imports the client side; the client reaches it through
``InProcessTransport(fake.app)`` or over HTTP (``fake.serve()``). Names load on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..wire.lazy import lazy_exports

_EXPORTS = {
    "FakeRuntime": ".runtime",
    "History": ".history",
    "Instance": ".plan",
    "PastJob": ".history",
    "Plan": ".plan",
    "VirtualClock": ".clock",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from .clock import VirtualClock
    from .history import History, PastJob
    from .plan import Instance, Plan
    from .runtime import FakeRuntime

__all__ = ["FakeRuntime", "History", "Instance", "PastJob", "Plan", "VirtualClock"]
