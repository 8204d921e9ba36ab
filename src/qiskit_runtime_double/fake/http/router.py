"""One callable app in front of the fake's endpoint families, dispatching on the path prefix.

``/api/v1/...`` is the runtime API (``app.RuntimeApp``); other families (the control API under
``/_double/``, the IAM and IBM Cloud endpoints the official client calls at start-up) mount here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...wire.http import HttpRequest, HttpResponse
from ...wire.vocabulary import ErrorCode
from .app import error_response

if TYPE_CHECKING:
    from ..core.clock import VirtualClock
    from ..core.simulation import Simulation

__all__ = ["Router"]

Endpoint = Callable[[HttpRequest], HttpResponse]


class Router:
    """Routes a request to the first mounted app whose prefix starts its path (longest first)."""

    def __init__(self, clock: VirtualClock, *, probe: Simulation | None = None) -> None:
        #: The clock and the simulation behind the routes: ``InProcessTransport(router)`` waits
        #: on the one and asks the other when its next event is (a ``SimulationProbe``).
        self.clock = clock
        self.probe = probe
        self._mounts: list[tuple[str, Endpoint]] = []

    def mount(self, prefix: str, app: Endpoint) -> None:
        if not prefix.startswith("/"):
            raise ValueError(f"a mount prefix starts with '/', got {prefix!r}")
        self._mounts.append((prefix.rstrip("/"), app))
        self._mounts.sort(key=lambda mount: len(mount[0]), reverse=True)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        for prefix, app in self._mounts:
            if path == prefix or path.startswith(prefix + "/"):
                return app(request)
        known = ", ".join(prefix + "/..." for prefix, _ in self._mounts)
        return error_response(
            404, ErrorCode.NOT_FOUND, f"No such endpoint: {request.method} {path}. Served: {known}."
        )
