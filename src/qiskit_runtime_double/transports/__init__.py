"""Transports: what answers the client. Heavy ones (live HTTP, cassettes) import lazily."""

from __future__ import annotations

from .base import Transport
from .inprocess import InProcessTransport
from .mock import MockTransport

__all__ = ["InProcessTransport", "MockTransport", "Transport"]
