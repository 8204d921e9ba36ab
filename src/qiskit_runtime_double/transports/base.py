"""The one seam between the client and whatever answers it."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, TypeVar, runtime_checkable

from ..clock import Clock
from ..wire.http import HttpRequest, HttpResponse

__all__ = ["Closing", "InstanceDirectory", "Transport"]

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


@runtime_checkable
class InstanceDirectory(Protocol):
    """What a transport may also know about the instances its requests can act for (optional).

    ``instance`` is the CRN requests act for when the caller names none (None: none in
    particular). ``search_url`` and ``catalog_url``, when not None, are where the transport's
    answerer also serves IBM Cloud Global Search and Global Catalog, so a service over it resolves
    an instance name, or picks an instance, the way the official client does, through ``handle``.
    ``fake.transport()`` gives one.
    """

    @property
    def instance(self) -> str | None: ...

    @property
    def search_url(self) -> str | None: ...

    @property
    def catalog_url(self) -> str | None: ...


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
