"""Wire shapes: HTTP messages, REST body models, routes, and (in ``wire.codec``) the JSON codec.

Nothing here does I/O or imports anything else from the package.
"""

from __future__ import annotations

from .http import App, Headers, HttpRequest, HttpResponse, build_url
from .routes import ROUTES, Route, match_route, route

__all__ = [
    "ROUTES",
    "App",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "Route",
    "build_url",
    "match_route",
    "route",
]
