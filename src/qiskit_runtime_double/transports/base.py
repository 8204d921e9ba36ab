"""The one seam between the client and whatever answers it."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, TypeVar, runtime_checkable

from ..clock import Clock
from ..wire.http import HttpRequest, HttpResponse

__all__ = ["Closing", "Transport"]

_C = TypeVar("_C", bound="Closing")


@runtime_checkable
class Transport(Protocol):
    """Something that answers HTTP requests.

    ``handle`` sends one request and returns the response, whatever its status; it raises
    ``TransportError`` only when no response came back at all (connection refused, timeout, TLS).
    Status codes are the client's business, never the transport's.

    ``clock`` is the time the answers live in: the client waits (polling, retry back-off) through
    it, so a transport onto a fake makes waiting simulated and a cassette makes it instant.
    ``base_url`` is the runtime API root (``.../api/v1``) requests are built against.
    """

    @property
    def clock(self) -> Clock: ...

    @property
    def base_url(self) -> str: ...

    def handle(self, request: HttpRequest) -> HttpResponse: ...

    def close(self) -> None: ...


class Closing:
    """``with thing as t:`` closes ``t`` on exit: for transports, services and the like."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
