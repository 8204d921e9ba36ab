"""``InProcessTransport``: calls an application object directly; no sockets, no threads."""

from __future__ import annotations

from ..clock import Clock, SystemClock
from ..probe import SimulationProbe, probe_of
from ..wire.http import App, HttpRequest, HttpResponse
from ..wire.vocabulary import API_PREFIX
from .base import Closing

__all__ = ["IN_PROCESS_BASE_URL", "IN_PROCESS_ROOT", "InProcessTransport"]

#: ``.invalid`` can never resolve: a request built against it can only go to the app.
IN_PROCESS_ROOT = "http://runtime-double.invalid"
IN_PROCESS_BASE_URL = IN_PROCESS_ROOT + API_PREFIX


class InProcessTransport(Closing):
    """Hands each request to ``app`` (for example ``FakeRuntime().app``) in the calling thread.

    ``clock`` defaults to ``app.clock`` when the app has one (the fake's ``VirtualClock``), so that
    waiting for a job moves simulated time instead of sleeping; ``probe`` to ``app.probe`` (the
    fake's simulation, a ``SimulationProbe``), so that a wait moves that clock straight to the
    simulation's next event and fails at once on a job nothing will ever move.

    ``instance``: the CRN requests act for when the caller names none. ``search_url`` and
    ``catalog_url``: where ``app`` also answers IBM Cloud Global Search and Catalog, if it does,
    so that a service over this transport resolves instance names through it
    (``InstanceDirectory``). ``fake.transport()`` sets all three; by default there are none.
    """

    def __init__(
        self,
        app: App,
        *,
        clock: Clock | None = None,
        probe: SimulationProbe | None = None,
        instance: str | None = None,
        search_url: str | None = None,
        catalog_url: str | None = None,
    ) -> None:
        self.app = app
        found = clock if clock is not None else getattr(app, "clock", None)
        self._clock: Clock = found if isinstance(found, Clock) else SystemClock()
        self._probe = probe if probe is not None else probe_of(app)
        self._instance = instance
        self._search_url = search_url
        self._catalog_url = catalog_url

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def probe(self) -> SimulationProbe | None:
        """What the simulation behind ``app`` tells waiting clients (None when it is not one)."""
        return self._probe

    @property
    def base_url(self) -> str:
        return IN_PROCESS_BASE_URL

    @property
    def instance(self) -> str | None:
        return self._instance

    @property
    def search_url(self) -> str | None:
        return self._search_url

    @property
    def catalog_url(self) -> str | None:
        return self._catalog_url

    def handle(self, request: HttpRequest) -> HttpResponse:
        return self.app(request)

    def close(self) -> None:
        """Nothing to release: the app belongs to whoever made it."""
