"""Injected HTTP failures: a status answered on chosen routes, once, N times, or until cleared."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from ...wire.control import HttpFaultRequest

__all__ = ["HttpFault", "HttpFaults"]


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

    def add(self, request: HttpFaultRequest) -> HttpFault:
        """Answer ``request.route`` with ``request.status`` (validated by its model), ``times``
        times (None: until cleared)."""
        message = request.message or f"Injected HTTP {request.status} on {request.route}"
        fault = HttpFault(
            request.route, request.status, request.times, message, request.retry_after
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
