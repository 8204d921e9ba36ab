"""Fixtures of the live transport's tests: a loopback stub server, and no ambient account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .http_stub import Stub, isolate, serve


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """No saved account, IAM_URL or QISKIT_IBM_* variable of the machine leaks into a test."""
    isolate(monkeypatch)


@pytest.fixture
def stub() -> Iterator[Stub]:
    """The stdlib stub playing IAM and the runtime API on 127.0.0.1."""
    with serve() as running:
        yield running
