"""The 2023 endpoints the seed era's own client calls before any runtime call, for ``fake.serve()``.

``qiskit-ibm-runtime`` 0.11 to 0.15 (with ``qiskit-ibm-provider`` 0.7) has two channels, and
neither starts with IAM and Global Search as today's client does (``platform.py``):

``ibm_quantum`` (the default then): its URL is IBM Quantum's auth API,
``https://auth.quantum-computing.ibm.com/api``, here ``{server.url}/api``. The client calls
(``QiskitRuntimeService._authenticate_ibm_quantum_account``, ``qiskit_ibm_provider``'s
``AuthClient`` and ``api/rest/root.py``):

1. ``GET /api/version``: any JSON object with an ``api-auth`` key, else the URL is refused.
2. ``POST /api/users/loginWithToken`` ``{"apiToken": <token>}``: ``{"id": <access token>, ...}``.
3. ``GET /api/users/me`` (``X-Access-Token``): ``urls.http`` (where ``/Network`` is),
   ``urls.services.runtime`` (the runtime API; here ``{server.url}/api/v1``, served in the 2023
   shapes to a request without ``IBM-API-Version``: ``wire/versions.py``).
4. ``GET {urls.http}/Network``: the hubs, each with its groups and their projects; the project
   marked ``isDefault`` comes first. Runtime calls then carry ``X-Access-Token`` and the
   hub/group/project (``GET /backends?provider=h/g/p``, ``hub``/``group``/``project`` in jobs).

``ibm_cloud``: every runtime call carries ``Authorization: apikey <key>`` and ``Service-CRN``
(``api/auth.py``, ``CloudAuth``); ``AuthGate`` accepts both. The client derives the runtime's
host from the CRN's region and the URL's host name, dropping its port
(``utils.get_runtime_api_base_url``), except for a URL containing ``experimental`` (IBM's own
test clusters), which it uses as given: the fake therefore serves its runtime API at
``/experimental/api/v1`` too, so ``{server.url}/experimental/api/v1`` reaches it.

The fake's default instance is the one hub/group/project ``ibm-q/open/main``; tokens are the
platform's (``Platform.issue_token``), so they expire and are revoked with IAM's.
Answers the client does not read are kept small, and their fields are the 2023 service's as far
as its clients show them (``id``, ``ttl``, ``created``, ``userId`` of a login are LoopBack's
access token, which that API was built on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...wire.http import HttpRequest, HttpResponse
from ...wire.jsonbody import JsonBodyError, parse_json_body
from ...wire.vocabulary import API_PREFIX

if TYPE_CHECKING:
    from .platform import Platform
    from .router import Router

__all__ = [
    "AUTH_PREFIX",
    "DEFAULT_HGP",
    "EXPERIMENTAL_PREFIX",
    "ExperimentalAlias",
    "LegacyPlatform",
]

#: Where IBM Quantum's 2023 auth API is served (``https://auth.quantum-computing.ibm.com/api``).
AUTH_PREFIX = "/api"
#: The prefix the ``ibm_cloud`` channel's URL needs so that the 0.15 client uses it as given.
EXPERIMENTAL_PREFIX = "/experimental"
#: The hub/group/project the fake's default instance is on the ``ibm_quantum`` channel.
DEFAULT_HGP = ("ibm-q", "open", "main")
#: The header carrying an ``ibm_quantum`` access token (``QuantumAuth``).
ACCESS_TOKEN_HEADER = "X-Access-Token"
#: The auth API's error codes (its ``error.code``), as its LoopBack framework named them.
LOGIN_FAILED = "LOGIN_FAILED"
AUTHORIZATION_REQUIRED = "AUTHORIZATION_REQUIRED"
INVALID_TOKEN = "INVALID_TOKEN"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
BAD_REQUEST = "BAD_REQUEST"
#: The fake's user on the auth API (a LoopBack user id is an opaque string).
USER_ID = "qiskit-runtime-double-user"
#: The auth API's endpoints (below ``AUTH_PREFIX``) and the method each answers.
_ROUTES = {
    "/version": "GET",
    "/users/loginWithToken": "POST",
    "/users/me": "GET",
    "/Network": "GET",
}


def auth_error(status: int, code: str, message: str) -> HttpResponse:
    """The auth API's error shape, which the 2023 client reads as ``error.message``/``error.code``
    (``qiskit_ibm_provider.api.session.RetrySession.request``)."""
    name = "Error" if status != 401 else "AuthorizationError"
    body = {"error": {"statusCode": status, "name": name, "message": message, "code": code}}
    return HttpResponse.from_json(status, body)


def _base_url(request: HttpRequest) -> str:
    """``scheme://host:port`` the client reached this server by (the guard vetted the Host)."""
    scheme, _, rest = request.url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class LegacyPlatform:
    """IBM Quantum's 2023 auth API (``/api/version``, ``/api/users/...``, ``/api/Network``).

    Tokens come from ``platform`` (the IAM of ``platform.py``): the same keys are accepted
    (``api_keys``), and while ``platform.require_auth`` the user endpoints, like the runtime API,
    want a valid one in ``X-Access-Token``.
    """

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def __repr__(self) -> str:
        return f"LegacyPlatform(hgp={'/'.join(DEFAULT_HGP)!r})"

    def mount(self, router: Router) -> None:
        """Serve the auth API, and the runtime API under ``/experimental`` too, on ``router``."""
        for family in ("/version", "/users", "/Network"):
            router.mount(AUTH_PREFIX + family, self)
        router.mount(EXPERIMENTAL_PREFIX + API_PREFIX, ExperimentalAlias(router))

    # --- the endpoints -----------------------------------------------------------------------

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path.rstrip("/").removeprefix(AUTH_PREFIX)
        method = request.method.upper()
        expected = _ROUTES.get(path)
        if expected is None:
            return auth_error(
                404,
                NOT_FOUND,
                f"No such endpoint: {request.method} {request.path}. The 2023 auth API serves "
                + ", ".join(f"{AUTH_PREFIX}{route}" for route in _ROUTES)
                + ".",
            )
        if method != expected:
            refused = auth_error(
                405,
                METHOD_NOT_ALLOWED,
                f"{request.method} is not allowed on {request.path}; use {expected}.",
            )
            return HttpResponse(
                refused.status_code, refused.headers.with_(Allow=expected), refused.content
            )
        if path == "/version":
            return self._version()
        if path == "/users/loginWithToken":
            return self._login(request)
        unauthorized = self._check_token(request)
        if unauthorized is not None:
            return unauthorized
        if path == "/users/me":
            return self._me(request)
        return self._network()

    def _version(self) -> HttpResponse:
        # The client only checks that the answer is JSON with an ``api-auth`` key.
        return HttpResponse.from_json(200, {"api-auth": "qiskit-runtime-double"})

    def _login(self, request: HttpRequest) -> HttpResponse:
        try:
            body = parse_json_body(request.content, empty={})
        except JsonBodyError as exc:
            return auth_error(400, BAD_REQUEST, f'{exc.message} Send {{"apiToken": "<token>"}}.')
        token = body.get("apiToken") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            return auth_error(
                400,
                BAD_REQUEST,
                'The body must be {"apiToken": "<your IBM Quantum API token>"}: a non-empty '
                "string.",
            )
        if not self.platform.accepts_key(token):
            # The token itself is never echoed: it is a secret even when it is wrong.
            return auth_error(
                401,
                LOGIN_FAILED,
                "Login failed: this fake does not accept that API token. Use one of the keys "
                "it was configured with (FakeRuntime(api_keys=...)).",
            )
        issued = self.platform.issue_token()
        now = self.platform.wall_clock.now()
        answer = {
            "id": issued["access_token"],
            "ttl": issued["expires_in"],
            "created": now.isoformat().replace("+00:00", "Z"),
            "userId": USER_ID,
        }
        return HttpResponse.from_json(200, answer)

    def _check_token(self, request: HttpRequest) -> HttpResponse | None:
        if not self.platform.require_auth:
            return None
        token = request.headers.get(ACCESS_TOKEN_HEADER, "").strip()
        if not token:
            return auth_error(
                401,
                AUTHORIZATION_REQUIRED,
                f"Authorization required: send the access token from POST {AUTH_PREFIX}"
                f"/users/loginWithToken in the {ACCESS_TOKEN_HEADER} header.",
            )
        if not self.platform.token_valid(token):
            return auth_error(
                401,
                INVALID_TOKEN,
                f"The {ACCESS_TOKEN_HEADER} is not valid: it was not issued by this fake, or it "
                f"expired or was revoked. Log in again (POST {AUTH_PREFIX}/users/loginWithToken).",
            )
        return None

    def _me(self, request: HttpRequest) -> HttpResponse:
        base = _base_url(request)
        answer: dict[str, Any] = {
            "id": USER_ID,
            "urls": {
                "http": base + AUTH_PREFIX,
                "services": {"runtime": base + API_PREFIX},
            },
        }
        return HttpResponse.from_json(200, answer)

    def _network(self) -> HttpResponse:
        hub, group, project = DEFAULT_HGP
        answer = [
            {
                "name": hub,
                "groups": {
                    group: {
                        "name": group,
                        "projects": {project: {"name": project, "isDefault": True}},
                    }
                },
            }
        ]
        return HttpResponse.from_json(200, answer)


class ExperimentalAlias:
    """Answers ``/experimental/api/v1/<path>`` as the router answers ``/api/v1/<path>``.

    Only the runtime API has this alias (the 0.15 client's ``ibm_cloud`` URL needs it, see the
    module doc): the control API, the dashboard and the platform stay at one path each, so the
    request guard, which tells the control API by its path, sees every control request as one.
    """

    def __init__(self, router: Router) -> None:
        self.router = router

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scheme, _, rest = request.url.partition("://")
        authority, _, path = rest.partition("/")
        inner = "/" + path.removeprefix(EXPERIMENTAL_PREFIX.strip("/")).lstrip("/")
        moved = HttpRequest(
            request.method, f"{scheme}://{authority}{inner}", request.headers, request.content
        )
        return self.router(moved)
