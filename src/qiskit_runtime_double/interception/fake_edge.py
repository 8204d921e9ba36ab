"""``FakeRoutes``: a transport from the official client's URLs (IBM's hosts) to a fake in process.

The interception hands over requests as the client sent them, to IBM's hosts; this transport moves
each to the fake's path for its family (``hosts.fake_url``) and calls ``fake.app``. Cassettes
therefore record the URLs the client really used, whether recorded from the fake or from IBM.

Three kinds of answers are made here, not by the fake's app: those for endpoints of older client
releases that the fake (today's API) does not serve (``older_clients``); Resource Controller's
instance lookup by name (``GET /v2/resource_instances?name=``, which the 0.2x-0.4x clients call
when ``instance`` is a name; answered from ``fake.instances``); and a 404 for an IBM host no
family serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..clock import Clock
from ..probe import SimulationProbe
from ..wire.http import HttpRequest, HttpResponse
from .hosts import Family, fake_url, family_of
from .older_clients import older_answer

if TYPE_CHECKING:
    from ..fake.runtime import FakeRuntime

__all__ = ["DEFAULT_RUNTIME_URL", "FakeRoutes", "not_served"]

#: The runtime API root of today's client in IBM's home region: what a cassette recorded through
#: the interception names as its base URL (request paths are matched relative to ``/api/v1``).
DEFAULT_RUNTIME_URL: Final = "https://quantum.cloud.ibm.com/api/v1"
_INSTANCES_PATH: Final = "/v2/resource_instances"


def not_served(request: HttpRequest) -> HttpResponse:
    """The answer for an IBM host the double does not serve (moto's ``NotYetImplemented``)."""
    message = (
        f"qiskit-runtime-double intercepts IBM's hosts, and does not serve {request.method} "
        f"{request.url.split('?')[0]}: only IAM, Global Search, Global Catalog, Resource "
        "Controller's instance lookup and the runtime API are served (docs/official-client.md)."
    )
    body = {"errors": [{"code": "not_served", "message": message}], "status_code": 404}
    return HttpResponse.from_json(404, body)


class FakeRoutes:
    """Answers the official client's requests to IBM's hosts from ``fake`` (module docs)."""

    def __init__(self, fake: FakeRuntime) -> None:
        self.fake = fake

    @property
    def clock(self) -> Clock:
        return self.fake.clock

    @property
    def probe(self) -> SimulationProbe:
        """The fake's simulation: when it next changes, and why a job may never move."""
        return self.fake.simulation

    @property
    def base_url(self) -> str:
        return DEFAULT_RUNTIME_URL

    def handle(self, request: HttpRequest) -> HttpResponse:
        family = family_of(request.url)
        if family is None or family is Family.UNSERVED:
            return not_served(request)
        if family is Family.RESOURCE_CONTROLLER:
            return self._resource_instances(request)
        moved = HttpRequest(
            request.method, fake_url(request.url, family), request.headers, request.content
        )
        return older_answer(moved) or self.fake.app(moved)

    def close(self) -> None:
        """Nothing to release: the fake belongs to whoever made it."""

    def _resource_instances(self, request: HttpRequest) -> HttpResponse:
        if request.method.upper() != "GET" or request.path.rstrip("/") != _INSTANCES_PATH:
            return not_served(request)
        names = request.query.get("name")
        chosen = [
            instance
            for instance in self.fake.instances
            if names is None or instance.name in names or instance.crn in names
        ]
        resources = [
            {
                "id": instance.crn,
                "guid": instance.crn.split(":")[7],
                "crn": instance.crn,
                "name": instance.name,
                "region_id": instance.crn.split(":")[5],
                "state": "active",
            }
            for instance in chosen
        ]
        body = {"rows_count": len(resources), "next_url": None, "resources": resources}
        return HttpResponse.from_json(200, body)

    def __repr__(self) -> str:
        return f"FakeRoutes({self.fake!r})"
