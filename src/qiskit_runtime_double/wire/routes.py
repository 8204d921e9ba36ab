"""The runtime API's routes: one table the client builds paths from and the fake dispatches on.

``RouteTable`` matches a method and path against templates such as ``/jobs/{job_id}``; the fake's
control API (``/_double``) has a table of its own, matched the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote

__all__ = ["ROUTES", "RUNTIME_ROUTES", "Route", "RouteTable", "match_route", "route"]


@dataclass(frozen=True)
class Route:
    """``name`` identifies the operation; ``template`` is relative to the base (``/api/v1``)."""

    name: str
    method: str
    template: str

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")

    def path(self, **params: str) -> str:
        return self.template.format(**{k: quote(str(v), safe="") for k, v in params.items()})


ROUTES: tuple[Route, ...] = (
    Route("list_backends", "GET", "/backends"),
    Route("backend_configuration", "GET", "/backends/{backend}/configuration"),
    Route("backend_properties", "GET", "/backends/{backend}/properties"),
    Route("backend_status", "GET", "/backends/{backend}/status"),
    Route("instance_usage", "GET", "/instances/usage"),
    Route("create_session", "POST", "/sessions"),
    Route("get_session", "GET", "/sessions/{session_id}"),
    Route("close_session", "PATCH", "/sessions/{session_id}"),
    Route("cancel_session", "DELETE", "/sessions/{session_id}/close"),
    Route("create_job", "POST", "/jobs"),
    Route("list_jobs", "GET", "/jobs"),
    Route("get_job", "GET", "/jobs/{job_id}"),
    Route("delete_job", "DELETE", "/jobs/{job_id}"),
    Route("job_results", "GET", "/jobs/{job_id}/results"),
    Route("cancel_job", "POST", "/jobs/{job_id}/cancel"),
    Route("job_metrics", "GET", "/jobs/{job_id}/metrics"),
    Route("job_logs", "GET", "/jobs/{job_id}/logs"),
    Route("job_tags", "PUT", "/jobs/{job_id}/tags"),
    # The 2023 API (0.11-0.15 clients): programs, interim results and the result stream, a
    # websocket (``fake/http/stream.py``; a plain GET there is answered 426).
    Route("list_programs", "GET", "/programs"),
    Route("get_program", "GET", "/programs/{program_id}"),
    Route("job_interim_results", "GET", "/jobs/{job_id}/interim_results"),
    Route("stream_job", "GET", "/stream/jobs/{job_id}"),
)


class RouteTable:
    """Routes matched by method and path (relative to the table's base)."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)
        self._by_name = {r.name: r for r in self.routes}

    def route(self, name: str) -> Route:
        """The route called ``name`` (a KeyError names the known ones)."""
        try:
            return self._by_name[name]
        except KeyError:
            known = sorted(self._by_name)
            raise KeyError(f"unknown route {name!r}; known routes: {known}") from None

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """Find the route for ``method`` and ``path``.

        Returns ``(route, path_params, allowed_methods)``. When the path exists but not for this
        method, the route is None and ``allowed_methods`` lists the methods it has (a 405, not a
        404).
        """
        allowed: list[str] = []
        for candidate in self.routes:
            found = candidate.pattern.match(path)
            if found is None:
                continue
            if candidate.method == method.upper():
                return candidate, found.groupdict(), []
            allowed.append(candidate.method)
        return None, {}, allowed


RUNTIME_ROUTES = RouteTable(ROUTES)


def route(name: str) -> Route:
    """The runtime API's route called ``name`` (a KeyError names the known ones)."""
    return RUNTIME_ROUTES.route(name)


def match_route(method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
    """``RUNTIME_ROUTES.match``: the runtime API's route for ``method`` and ``path`` (relative to
    ``/api/v1``)."""
    return RUNTIME_ROUTES.match(method, path)
