"""The fake Qiskit Runtime service. Never imports the client side; the client reaches it through
``InProcessTransport(fake.app)`` or over HTTP (``fake.serve()``)."""

from __future__ import annotations

from .clock import VirtualClock
from .history import History, PastJob
from .plan import Instance, Plan
from .runtime import FakeRuntime

__all__ = ["FakeRuntime", "History", "Instance", "PastJob", "Plan", "VirtualClock"]
