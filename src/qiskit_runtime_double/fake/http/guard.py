"""``RequestGuard``: what a served fake refuses before any route sees a request.

A fake on ``127.0.0.1`` is reachable by every web page the user's browser opens. Browsers send
some requests to any address without asking (a cross-site "simple request": a ``text/plain``
POST, an ``<img>`` GET), and a page can re-point its own domain name at ``127.0.0.1`` (DNS
rebinding) to talk to the fake as if it were same-origin. The guard stops both, on every route
(runtime API, IAM, Global Search, Catalog, control API), with four checks in this order:

1. ``Host`` (DNS rebinding): on a loopback server, exactly the bound ``address:port``, the
   ``host`` it was asked for, or ``localhost:port``; 400 otherwise. A rebinding page's requests
   name the attacker's domain. A server bound to a non-loopback address (``allow_remote``) is
   reached by names it cannot know (a LAN name, a container's service name): any ``Host`` passes.
   No ``Host`` at all passes too: every browser sends one.
2. ``Origin`` (cross-site requests): absent, or this server's own origin (its scheme + the
   ``Host`` it was reached by); 403 otherwise, ``null`` included. Browsers send ``Origin`` on
   every cross-origin request that is not a plain GET.
3. ``Sec-Fetch-Site`` (cross-site GETs, which carry no ``Origin``): absent, ``same-origin`` or
   ``none`` (typed in the address bar); 403 for ``cross-site`` and ``same-site`` (a page on
   ``localhost:3000`` is "same-site" with the fake, and just as foreign).
4. The control API (``/_double``) only: the header ``X-Runtime-Double-Control: <token>`` (401
   without, 403 wrong; a custom header also forces a browser's CORS preflight, which is refused
   by 2), and a body, or any ``Content-Type`` given, must be ``application/json`` (415).

The guard wraps what ``FakeServer`` serves; the in-process ``FakeRuntime.app`` is not behind it
(no browser reaches it). Refusals name what was expected, never the token they were sent.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import TYPE_CHECKING

from ...wire.http import HttpRequest, HttpResponse
from ...wire.vocabulary import CONTROL_PREFIX
from ..core.errors import NOT_AUTHORIZED, VALIDATION
from .app import error_response

if TYPE_CHECKING:
    from ...wire.http import App

__all__ = ["CONTROL_HEADER", "RequestGuard", "is_loopback"]

#: The header carrying a served fake's control token on ``/_double/...`` requests.
CONTROL_HEADER = "X-Runtime-Double-Control"
#: ``Sec-Fetch-Site`` values of requests a web page did not make on another site's behalf.
_OWN_SITE = frozenset({"same-origin", "none"})
_JSON = "application/json"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _authority(host: str, port: int) -> str:
    """``host:port`` as a client writes it in ``Host`` (IPv6 in brackets; no ``:80``)."""
    bare = host.strip("[]").lower()
    name = f"[{bare}]" if ":" in bare else bare
    return name if port == 80 else f"{name}:{port}"


def _is_control(path: str) -> bool:
    # The router's own rule (router.py): whatever it would hand the control app is guarded.
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


class RequestGuard:
    """Answers a refusal for requests a web page could have made; passes the rest to ``app``.

    ``hosts``: the accepted ``Host`` values, lower case (None: any). ``control_token``: the
    secret the control API requires. ``for_address`` derives ``hosts`` from where a server is
    bound; see the module doc for the policy.
    """

    def __init__(self, app: App, *, hosts: frozenset[str] | None, control_token: str) -> None:
        self.app = app
        self.hosts = hosts
        self._token = control_token

    @classmethod
    def for_address(
        cls, app: App, *, host: str, address: str, port: int, control_token: str
    ) -> RequestGuard:
        """The guard of a server asked to serve on ``host`` and bound to ``address:port``."""
        if not is_loopback(address):
            return cls(app, hosts=None, control_token=control_token)
        names = {host, address, "localhost"}
        return cls(
            app,
            hosts=frozenset(_authority(name, port) for name in names),
            control_token=control_token,
        )

    def __repr__(self) -> str:  # never the token
        hosts = "any" if self.hosts is None else ", ".join(sorted(self.hosts))
        return f"RequestGuard(hosts={hosts})"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.check(request)
        return refused if refused is not None else self.app(request)

    def check(self, request: HttpRequest, *, has_body: bool | None = None) -> HttpResponse | None:
        """None when ``request`` may pass; otherwise the refusal to answer it with.

        A server judges the head before reading the body: it passes the request without its
        content and ``has_body`` (whether one follows). Default: whether ``request`` has content.
        """
        headers = request.headers
        host = headers.get("Host")
        if host is not None and self.hosts is not None and not self._known(host):
            return error_response(
                400,
                VALIDATION,
                f"Host {host!r} is not this server. It answers only requests addressed to "
                f"{' or '.join(sorted(self.hosts))}: any other name is a web page's domain "
                "pointed at this machine (DNS rebinding). Use the URL the server printed.",
            )
        origin = headers.get("Origin")
        if origin is not None:
            scheme = request.url.partition("://")[0] or "http"  # https when served with TLS
            own = None if host is None else f"{scheme}://{host}"
            if own is None or not (origin.isascii() and origin.lower() == own.lower()):
                return error_response(
                    403,
                    NOT_AUTHORIZED,
                    f"Requests from web pages are refused: Origin {origin!r} is not this "
                    f"server's own origin ({own or 'unknown: no Host header'}). The fake "
                    "serves test clients, not browsers.",
                )
        site = headers.get("Sec-Fetch-Site")
        if site is not None and site.lower() not in _OWN_SITE:
            return error_response(
                403,
                NOT_AUTHORIZED,
                f"Requests from web pages are refused: the browser says Sec-Fetch-Site: {site}. "
                "The fake serves test clients, not browsers.",
            )
        if _is_control(request.path):
            body = bool(request.content) if has_body is None else has_body
            return self._check_control(request, body)
        return None

    def _known(self, host: str) -> bool:
        return self.hosts is not None and host.isascii() and host.lower() in self.hosts

    def _check_control(self, request: HttpRequest, has_body: bool) -> HttpResponse | None:
        given = request.headers.get(CONTROL_HEADER)
        if not given:
            return error_response(
                401,
                NOT_AUTHORIZED,
                f"The control API needs the header '{CONTROL_HEADER}: <control token>'. The "
                "token is printed by 'qiskit-runtime-double serve'; in Python it is "
                "server.control_token (server.control_headers has the header ready).",
            )
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self._token.encode()):
            return error_response(
                403,
                NOT_AUTHORIZED,
                f"The {CONTROL_HEADER} header does not match this server's control token. "
                "Each server has its own: use server.control_token, or the one "
                "'qiskit-runtime-double serve' printed at start-up.",
            )
        content_type = request.headers.get("Content-Type")
        if has_body or content_type is not None:
            media = (content_type or "").split(";", 1)[0].strip().lower()
            if media != _JSON:
                return error_response(
                    415,
                    VALIDATION,
                    f"Control API bodies must be JSON: expected 'Content-Type: {_JSON}', got "
                    f"{content_type or 'none'!r}.",
                )
        return None
