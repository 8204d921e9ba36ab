"""Transports: what answers the client. Each is imported when first used: the live one brings
``requests``, the cassette one YAML and the matching stack."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "CassetteTransport": ".cassette",
    "InProcessTransport": ".inprocess",
    "LiveTransport": ".live",
    "MockTransport": ".mock",
    "Transport": ".base",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


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
