"""Transports: what answers the client. Each is imported when first used: the live one brings
``requests``, the cassette one YAML and the matching stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..wire.lazy import lazy_exports

_EXPORTS = {
    "CassetteTransport": ".cassette",
    "InProcessTransport": ".inprocess",
    "LiveTransport": ".live",
    "MockTransport": ".mock",
    "Transport": ".base",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from .base import Transport
    from .cassette import CassetteTransport
    from .inprocess import InProcessTransport
    from .live import LiveTransport
    from .mock import MockTransport

__all__ = [
    "CassetteTransport",
    "InProcessTransport",
    "LiveTransport",
    "MockTransport",
    "Transport",
]
