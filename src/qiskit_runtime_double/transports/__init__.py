"""Transports: what answers the client. Heavy ones (live HTTP, cassettes) import lazily."""

from __future__ import annotations

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
