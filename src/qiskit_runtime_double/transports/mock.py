"""``MockTransport``: answers every request with a function of your own."""

from __future__ import annotations

from collections.abc import Callable

from ..clock import Clock, SystemClock
from ..probe import SimulationProbe, probe_of
from ..wire.http import HttpRequest, HttpResponse
from .base import Closing

__all__ = ["MockTransport"]

#: Requests are built against this base; ``.invalid`` can never resolve, so nothing leaves the host.
MOCK_BASE_URL = "http://mock.invalid/api/v1"


class MockTransport(Closing):
    """A transport whose answers come from ``handler(request) -> response``.

    For unit tests of client code:
    ``MockTransport(lambda req: HttpResponse.from_json(200, {...}))``. ``clock`` is what the client
    waits through (real time by default); ``probe`` what a simulation behind ``handler`` tells a
    waiting client (default: the handler's own ``probe``, as ``fake.app`` has).
    """

    def __init__(
        self,
        handler: Callable[[HttpRequest], HttpResponse],
        *,
        clock: Clock | None = None,
        probe: SimulationProbe | None = None,
        base_url: str = MOCK_BASE_URL,
    ) -> None:
        self.handler = handler
        self._clock = clock or SystemClock()
        self._probe = probe if probe is not None else probe_of(handler)
        self._base_url = base_url

    @property
    def probe(self) -> SimulationProbe | None:
        return self._probe

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def base_url(self) -> str:
        return self._base_url

    def handle(self, request: HttpRequest) -> HttpResponse:
        return self.handler(request)

    def close(self) -> None:
        """Nothing to release."""
