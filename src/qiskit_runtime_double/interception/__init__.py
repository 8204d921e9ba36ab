"""The official ``qiskit-ibm-runtime`` client, unchanged, answered in process (``mock_runtime``).

Each name is imported when first used (``import qiskit_runtime_double`` stays light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..wire.lazy import lazy_exports

_EXPORTS = {
    "FakeRoutes": ".fake_edge",
    "Interception": ".intercept",
    "InterceptionError": ".urllib3_hook",
    "MockRuntime": ".mock",
    "PassThrough": ".urllib3_hook",
    "VirtualTime": ".virtual_time",
    "mock_runtime": ".mock",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from .fake_edge import FakeRoutes
    from .intercept import Interception
    from .mock import MockRuntime, mock_runtime
    from .urllib3_hook import InterceptionError, PassThrough
    from .virtual_time import VirtualTime

__all__ = [
    "FakeRoutes",
    "Interception",
    "InterceptionError",
    "MockRuntime",
    "PassThrough",
    "VirtualTime",
    "mock_runtime",
]
