"""``InProcessTransport``: calls an application object directly; no sockets, no threads."""

from __future__ import annotations

from ..clock import Clock, SystemClock
from ..wire.http import App, HttpRequest, HttpResponse
from .base import Closing

__all__ = ["IN_PROCESS_BASE_URL", "InProcessTransport"]

#: ``.invalid`` can never resolve: a request built against it can only go to the app.
IN_PROCESS_BASE_URL = "http://runtime-double.invalid/api/v1"


class InProcessTransport(Closing):
    """Hands each request to ``app`` (for example ``FakeRuntime().app``) in the calling thread.

    ``clock`` defaults to ``app.clock`` when the app has one (the fake's ``VirtualClock``), so that
    waiting for a job moves simulated time instead of sleeping.
    """

    def __init__(self, app: App, *, clock: Clock | None = None) -> None:
        self.app = app
        found = clock if clock is not None else getattr(app, "clock", None)
        self._clock: Clock = found if isinstance(found, Clock) else SystemClock()

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def base_url(self) -> str:
        return IN_PROCESS_BASE_URL

    def handle(self, request: HttpRequest) -> HttpResponse:
        return self.app(request)

    def close(self) -> None:
        """Nothing to release: the app belongs to whoever made it."""
