"""The fake Qiskit Runtime service. Never imports the client side; the client reaches it through
``InProcessTransport(fake.app)`` or over HTTP (``fake.serve()``). Names load on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..wire.lazy import lazy_exports

_EXPORTS = {
    "FakeRuntime": ".runtime",
    "History": ".core.history",
    "Instance": ".core.plan",
    "PastJob": ".core.history",
    "Plan": ".core.plan",
    "VirtualClock": ".core.clock",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from .core.clock import VirtualClock
    from .core.history import History, PastJob
    from .core.plan import Instance, Plan
    from .runtime import FakeRuntime

__all__ = ["FakeRuntime", "History", "Instance", "PastJob", "Plan", "VirtualClock"]
