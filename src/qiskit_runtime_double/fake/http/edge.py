"""``HttpEdge``: everything that answers HTTP for one ``Simulation``, assembled on one router.

::

    Router  /api/v1    -> AuthGate (bearer tokens, when required) -> Pacer -> RuntimeApp
            /_double   -> ControlApp (the control API)
            /identity, /v3/resources, /catalog -> Platform (IAM, Global Search, Global Catalog)
            the 2023 login, /experimental/api/v1 -> LegacyPlatform
            /openapi.json -> the OpenAPI document of /api/v1 and /_double (openapi.py)

The edge owns what only HTTP has: injected HTTP faults, the auth gate and the pacer. In process
(``InProcessTransport(edge.app)``) the gate and the pacer are mounted but do nothing until a
``FakeServer`` switches them on. The edge depends on the simulation core, never the other way.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...wire.vocabulary import API_PREFIX
from ..core.clock import Start
from ..core.simulation import Simulation
from .app import RuntimeApp
from .control import CONTROL_PREFIX, ControlApp
from .faults import HttpFaults
from .legacy_platform import LegacyPlatform
from .openapi import OPENAPI_PATH, openapi_app
from .pacing import Pacer
from .platform import Platform
from .router import Router

__all__ = ["HttpEdge"]


class HttpEdge:
    """The HTTP face of ``simulation``: ``app`` answers every endpoint family (module doc)."""

    def __init__(
        self,
        simulation: Simulation,
        *,
        require_auth: bool = False,
        api_keys: Iterable[str] | None = None,
    ) -> None:
        self.simulation = simulation
        self.faults = HttpFaults()
        self.runtime_app = RuntimeApp(simulation, self.faults)
        self.platform = Platform(
            simulation.plan,
            api_keys=api_keys,
            require_auth=require_auth,
            instances=simulation.instances,
        )
        self.pacer = Pacer(simulation, self.runtime_app)
        #: What answers HTTP requests: every endpoint family, by path prefix.
        self.app = Router(simulation.clock, probe=simulation)
        self.platform.mount(self.app)
        LegacyPlatform(self.platform).mount(self.app)
        self.app.mount(API_PREFIX, self.platform.guard(self.pacer))
        self.app.mount(CONTROL_PREFIX, ControlApp(simulation, self.faults, self.pacer, self.reset))
        self.app.mount(OPENAPI_PATH, openapi_app)

    def reset(self, start: Start = None) -> None:
        """Reset the simulation (``Simulation.reset``) and forget every fault and pacer hold."""
        wall, real = self.pacer.wall_and_real()  # one instant: see Pacer.restarted
        self.simulation.reset(start, base_now=wall)
        self.faults.clear()
        self.pacer.restarted(since=real)

    def prepare_to_serve(self) -> None:
        """What a server does before it serves (``FakeServer.start``).

        Start simulated time at the wall clock if nobody chose where it starts and the simulation
        has done nothing yet (``Simulation.start_on_the_wall_clock``), with the pacer counting
        real time from that very instant (``Pacer.restarted``); and offer every official fake
        device by name beside a default catalogue (``Simulation.offer_official_backends``).
        """
        wall, real = self.pacer.wall_and_real()
        if self.simulation.start_on_the_wall_clock(base_now=wall):
            self.pacer.restarted(since=real)
        self.simulation.offer_official_backends()
