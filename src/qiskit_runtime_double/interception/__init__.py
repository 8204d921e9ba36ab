"""The official ``qiskit-ibm-runtime`` client, unchanged, answered in process (``mock_runtime``).

Each name is imported when first used (``import qiskit_runtime_double`` stays light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..wire.lazy import lazy_exports

_EXPORTS = {
    "DEFAULT_RUNTIME_URL": ".fake_edge",
    "FakeRoutes": ".fake_edge",
    "ProgressReported": ".replies",
    "Interception": ".intercept",
    "InterceptionError": ".urllib3_hook",
    "MockRuntime": ".mock",
    "PassThrough": ".urllib3_hook",
    "VirtualTime": ".virtual_time",
    "account_instance": ".mock",
    "decodable_tokens": ".replies",
    "environment_hosts": ".recording",
    "instance_restored": ".replies",
    "mock_runtime": ".mock",
    "recorded_hosts": ".recording",
    "served_instance": ".mock",
    "tokens_in_simulated_time": ".mock",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from .fake_edge import DEFAULT_RUNTIME_URL, FakeRoutes
    from .intercept import Interception
    from .mock import (
        MockRuntime,
        account_instance,
        mock_runtime,
        served_instance,
        tokens_in_simulated_time,
    )
    from .recording import environment_hosts, recorded_hosts
    from .replies import ProgressReported, decodable_tokens, instance_restored
    from .urllib3_hook import InterceptionError, PassThrough
    from .virtual_time import VirtualTime

__all__ = [
    "DEFAULT_RUNTIME_URL",
    "FakeRoutes",
    "Interception",
    "InterceptionError",
    "MockRuntime",
    "PassThrough",
    "ProgressReported",
    "VirtualTime",
    "account_instance",
    "decodable_tokens",
    "environment_hosts",
    "instance_restored",
    "mock_runtime",
    "recorded_hosts",
    "served_instance",
    "tokens_in_simulated_time",
]
