"""Injected HTTP failures: a status answered on chosen routes, once, N times, or until cleared."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from ...wire.routes import ROUTES

__all__ = ["HttpFault", "HttpFaults"]

_ROUTE_NAMES = frozenset(r.name for r in ROUTES)


@dataclass
class HttpFault:
    route: str
    status: int
    remaining: int | None
    message: str
    retry_after: float | None = None


class HttpFaults:
    """The pending HTTP faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[HttpFault] = []
        self._lock = threading.Lock()

    def add(
        self,
        route: str,
        status: int,
        *,
        times: int | None = 1,
        message: str | None = None,
        retry_after: float | None = None,
    ) -> HttpFault:
        if route != "*" and route not in _ROUTE_NAMES:
            raise ValueError(
                f"no route named {route!r}; use '*' for every route, or one of: "
                f"{', '.join(sorted(_ROUTE_NAMES))}"
            )
        if not 400 <= status <= 599:
            raise ValueError(f"an injected HTTP error needs a 4xx or 5xx status, got {status}")
        if times is not None and times < 1:
            raise ValueError(f"times must be a positive count or None (always), got {times}")
        fault = HttpFault(
            route, status, times, message or f"Injected HTTP {status} on {route}", retry_after
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, route: str) -> HttpFault | None:
        """The fault to answer ``route`` with now, if any (and count it as used)."""
        with self._lock:
            for fault in self._faults:
                if fault.route in ("*", route):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[HttpFault]:
        """Copies of the faults still to answer, in the order they apply."""
        with self._lock:
            return [replace(fault) for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
