"""The IBM Cloud endpoints the official client calls at start-up, and the runtime API's auth gate.

The official ``qiskit-ibm-runtime`` client (0.51) does three things before any runtime call:
it trades its API key for an IAM access token (``POST /identity/token``), lists its instances with
Global Search (``POST /v3/resources/search``, paged with a ``search_cursor``), and reads each
instance's plan from the Global Catalog (``GET {catalog}/{plan_id}``). ``Platform`` answers all
three for the fake's instances, and ``AuthGate`` checks the bearer tokens it issued on every
runtime call when auth is required.

Tokens are JWTs (HS256, made with the standard library) whose ``iat``/``exp`` are *wall-clock*
time, not the fake's simulated time: the IBM Cloud SDK decodes the token and compares ``exp`` with
``time.time()``, and a token stamped with simulated time (which starts in 2025 and jumps) would
look expired or immortal to it, making it fetch a new token before every call or never. Token
lifetime is therefore about credentials, and the simulation's clock stays about jobs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ...clock import Clock, SystemClock
from ...wire.http import HttpRequest, HttpResponse
from ...wire.jsonbody import JsonBodyError, parse_json_body
from ...wire.numbers import is_int
from ...wire.vocabulary import ErrorCode
from ..core.errors import INVALID_CREDENTIALS, NOT_AUTHORIZED
from ..core.instances import Instances
from ..core.plan import DEFAULT_INSTANCE_NAME, FREE_PLANS, Instance, plan_id_of
from .app import error_response

if TYPE_CHECKING:
    from ...wire.http import App
    from ..core.plan import Plan
    from .router import Router

__all__ = ["APIKEY_GRANT", "AuthGate", "Platform"]

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
IAM_PREFIX = "/identity"
SEARCH_PREFIX = "/v3/resources"
CATALOG_PREFIX = "/catalog"
#: IAM's code for an API key it does not know (seen in IBM's SDK tests and public fixtures).
KEY_NOT_FOUND = "BXNIM0415E"
#: The most results Global Search returns per page (its ``limit`` query parameter's maximum).
SEARCH_LIMIT = 1000
#: Global Search's page size when the request gives no ``limit``.
SEARCH_DEFAULT_LIMIT = 10
#: The query the official client sends: every instance of the Qiskit Runtime service.
SERVICE_NAME = "quantum-computing"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _accepted_keys(api_keys: object) -> frozenset[str] | None:
    """``api_keys`` checked (None: any key); errors name the argument, never a key."""
    if api_keys is None:
        return None
    if isinstance(api_keys, (str, bytes)):
        raise TypeError(
            "api_keys must be a list of API keys, not a single string (which would make each of "
            "its characters a key): pass api_keys=[key], or None to accept any non-empty key."
        )
    if not isinstance(api_keys, Iterable):
        raise TypeError(
            f"api_keys must be a list of API keys (or None for any), got {type(api_keys).__name__}"
        )
    keys = list(api_keys)
    if not keys:
        raise ValueError(
            "api_keys is empty, so IAM would accept no key at all: give at least one key, or "
            "None to accept any non-empty key."
        )
    for index, key in enumerate(keys):
        if not isinstance(key, str):
            raise TypeError(f"api_keys[{index}] is {type(key).__name__}; each API key is a str")
        if not key:
            raise ValueError(f"api_keys[{index}] is empty; each API key is a non-empty str")
    return frozenset(keys)


def _search_limit(text: str) -> int | None:
    """Global Search's ``limit`` as an int from 0 to ``SEARCH_LIMIT``, or None if it is not one."""
    digits = text.lstrip("0") or ("0" if text else "")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= len(str(SEARCH_LIMIT))):
        return None
    value = int(digits)
    return value if value <= SEARCH_LIMIT else None


def _cursor(query: str, offset: int) -> str:
    """An opaque search cursor: Global Search ignores the rest of a body that carries one, so it
    holds the query as well as the position."""
    return _b64(json.dumps({"q": query, "o": offset}, separators=(",", ":")).encode())


def _from_cursor(cursor: object) -> tuple[str, int] | None:
    """``(query, offset)`` of a cursor this fake issued, else None."""
    if not isinstance(cursor, str) or len(cursor) > 4096:
        return None
    try:
        data = json.loads(_unb64(cursor))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict):
        return None
    query, offset = data.get("q"), data.get("o")
    if not isinstance(query, str) or not is_int(offset):
        return None
    return (query, offset) if offset >= 0 else None


def _iam_error(status: int, code: str, message: str) -> HttpResponse:
    """IAM's own error shape, which differs from the rest of IBM Cloud's."""
    body = {
        "errorCode": code,
        "errorMessage": message,
        "context": {"requestId": uuid.uuid4().hex, "requestType": "incoming.Identity_Token"},
    }
    return HttpResponse.from_json(status, body)


class Platform:
    """IAM token, Global Search and Global Catalog endpoints serving the fake's instances.

    ``api_keys``: None accepts any non-empty API key; a collection of non-empty strings (not a bare
    string) accepts only those keys (a wrong key gets IAM's 400 ``BXNIM0415E``).
    ``require_auth``: whether the runtime API (through ``guard``), Global Search and the Catalog
    insist on a token this IAM issued (``serve()`` turns it on; in-process use leaves it off).
    ``token_lifetime``: seconds an access token is valid.
    ``wall_clock``: the clock stamping and checking tokens (default: real time, see the module doc).
    ``instances``: what Global Search lists (default: one instance, ``instance_name``, described by
    ``plan``).

    Controls for tests: ``listed`` (False: Global Search lists no instance, as for a key of
    another account), ``revoke_tokens()`` (every token issued so far becomes invalid).
    """

    def __init__(
        self,
        plan: Plan,
        *,
        api_keys: Iterable[str] | None = None,
        require_auth: bool = False,
        token_lifetime: float = 3600.0,
        wall_clock: Clock | None = None,
        instance_name: str = DEFAULT_INSTANCE_NAME,
        instances: Instances | None = None,
    ) -> None:
        if token_lifetime <= 0:
            raise ValueError(
                f"token_lifetime must be a positive number of seconds, got {token_lifetime}"
            )
        self.plan = plan
        self.api_keys: frozenset[str] | None = _accepted_keys(api_keys)
        self.require_auth = require_auth
        self.token_lifetime = float(token_lifetime)
        self.wall_clock: Clock = wall_clock or SystemClock()
        if instances is None:
            single = Instance(
                name=instance_name,
                plan=plan.name,
                crn=plan.instance,
                usage_allocation_seconds=plan.usage_allocation_seconds,
            )
            instances = Instances([single], ())
        self.instances = instances
        self.listed = True
        # A per-platform signing key: tokens of one fake mean nothing to another.
        self._secret = secrets.token_bytes(32)
        self._generation = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # no secret, no keys: only what is configured
        keys = "any" if self.api_keys is None else f"{len(self.api_keys)} accepted"
        return (
            f"Platform(instances={[i.crn for i in self.instances.all]!r}, api_keys={keys}, "
            f"require_auth={self.require_auth})"
        )

    # --- wiring ------------------------------------------------------------------------------

    def mount(self, router: Router) -> None:
        """Serve IAM, Global Search and the Global Catalog on ``router``."""
        for prefix in (IAM_PREFIX, SEARCH_PREFIX, CATALOG_PREFIX):
            router.mount(prefix, self)

    def guard(self, app: App) -> AuthGate:
        """``app`` behind a check of this platform's tokens (active while ``require_auth``)."""
        return AuthGate(app, self)

    @property
    def instance_name(self) -> str:
        """The name Global Search gives the default instance."""
        return self.instances.default.name

    @property
    def plan_id(self) -> str:
        """The Global Catalog id of the default instance's plan (see ``plan_id_of``)."""
        return plan_id_of(self.instances.default.plan)

    # --- credentials -------------------------------------------------------------------------

    def accepts_key(self, api_key: str) -> bool:
        if not api_key:
            return False
        if self.api_keys is None:
            return True
        return any(hmac.compare_digest(api_key, known) for known in self.api_keys)

    def issue_token(self) -> dict[str, Any]:
        """A token response as IAM sends it (the caller has checked the API key)."""
        now = int(self.wall_clock.now().timestamp())
        expires = now + max(1, round(self.token_lifetime))
        account = self._account()
        claims = {
            "iam_id": "iam-ServiceId-qiskit-runtime-double",
            "id": "iam-ServiceId-qiskit-runtime-double",
            "realmid": "iam",
            "sub": "ServiceId-qiskit-runtime-double",
            "sub_type": "ServiceId",
            "account": {"valid": True, "bss": account},
            "iat": now,
            "exp": expires,
            "iss": "qiskit-runtime-double/identity",
            "grant_type": APIKEY_GRANT,
            "scope": "ibm openid",
            "client_id": "default",
            "jti": secrets.token_hex(8),
            "gen": self._generation,
        }
        return {
            "access_token": self._sign(claims),
            # IAM has no refresh token for the API-key grant and says so with this literal.
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": expires - now,
            "expiration": expires,
            "scope": "ibm openid",
        }

    def token_valid(self, token: str) -> bool:
        """Whether ``token`` was issued here, is unexpired (wall clock) and not revoked."""
        claims = self._verify(token)
        if claims is None:
            return False
        now = self.wall_clock.now().timestamp()
        return claims.get("gen") == self._generation and float(claims.get("exp", 0)) > now

    def revoke_tokens(self) -> None:
        """Invalidate every token issued so far (clients then get 401 until they fetch anew)."""
        with self._lock:
            self._generation += 1

    def check(self, request: HttpRequest) -> HttpResponse | None:
        """None when ``request`` may pass; otherwise the 401 to answer it with."""
        if not self.require_auth:
            return None
        header = request.headers.get("Authorization", "").strip()
        access = request.headers.get("X-Access-Token", "").strip()
        if access and not header:  # the 2023 client's ibm_quantum channel (legacy_platform.py)
            if self.token_valid(access):
                return None
            return error_response(
                401,
                INVALID_CREDENTIALS,
                "The access token in 'X-Access-Token' is not valid: it was not issued by this "
                "fake, or it expired or was revoked. Log in again with POST "
                "/api/users/loginWithToken.",
            )
        scheme, _, credential = header.partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential:
            if self.token_valid(credential):
                return None
            return error_response(
                401,
                INVALID_CREDENTIALS,
                "The access token in 'Authorization: Bearer ...' is not valid: it was not issued "
                "by this fake's IAM endpoint, or it expired or was revoked. Get a new one with "
                "POST /identity/token (grant_type=" + APIKEY_GRANT + ", apikey=<your key>).",
            )
        if scheme.lower() == "apikey" and credential:
            if self.accepts_key(credential):
                return None
            return error_response(
                401,
                INVALID_CREDENTIALS,
                "The API key in 'Authorization: apikey ...' is not accepted by this fake. Use "
                "one of the keys it was configured with.",
            )
        what = f"an Authorization header with scheme {scheme!r}" if header else "no Authorization"
        return error_response(
            401,
            NOT_AUTHORIZED,
            f"Expected 'Authorization: Bearer <IAM access token>' (or 'apikey <key>'), got {what}. "
            "Get a token with POST /identity/token on this server.",
        )

    def _account(self) -> str:
        fields = self.instances.default.crn.split(":")
        scope = fields[6] if len(fields) > 6 else ""
        return scope.removeprefix("a/")

    def _sign(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = hmac.new(self._secret, signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def _verify(self, token: str) -> dict[str, Any] | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
            expected = hmac.new(self._secret, signing_input, hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(parts[2])):
                return None
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, UnicodeError):
            return None
        return claims if isinstance(claims, dict) else None

    # --- the endpoints -----------------------------------------------------------------------

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path.rstrip("/")
        try:
            if path == IAM_PREFIX + "/token":
                return self._only("POST", request) or self._token(request)
            if path == SEARCH_PREFIX + "/search":
                return self._only("POST", request) or self.check(request) or self._search(request)
            if path.startswith(CATALOG_PREFIX + "/") and path.count("/") == 2:
                return self._only("GET", request) or self.check(request) or self._catalog(path)
        except Exception as exc:  # never a traceback to the client; the message names the type
            return error_response(
                500,
                ErrorCode.INTERNAL,
                f"Internal error in the fake platform ({type(exc).__name__}).",
            )
        return error_response(
            404,
            "not_found",
            f"No such endpoint: {request.method} {request.path}. This fake serves POST "
            f"{IAM_PREFIX}/token, POST {SEARCH_PREFIX}/search and GET {CATALOG_PREFIX}/<plan id>.",
        )

    @staticmethod
    def _only(method: str, request: HttpRequest) -> HttpResponse | None:
        if request.method.upper() == method:
            return None
        response = error_response(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.path}; use {method}.",
        )
        return HttpResponse(
            response.status_code, response.headers.with_(Allow=method), response.content
        )

    def _token(self, request: HttpRequest) -> HttpResponse:
        content_type = request.headers.get("Content-Type", "")
        if "application/x-www-form-urlencoded" not in content_type.lower():
            return _iam_error(
                400,
                "invalid_request",
                "Expected a form body (Content-Type: application/x-www-form-urlencoded), got "
                f"Content-Type {content_type or 'none'!r}. "
                f"Send grant_type={APIKEY_GRANT}&apikey=<key>.",
            )
        try:
            form = parse_qs(request.content.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return _iam_error(400, "invalid_request", "The form body is not UTF-8 text.")
        grant = (form.get("grant_type") or [""])[-1]
        if grant != APIKEY_GRANT:
            return _iam_error(
                400,
                "unsupported_grant_type",
                f"Expected grant_type={APIKEY_GRANT}, got {grant or 'none'!r}: this fake issues "
                "tokens for API keys only.",
            )
        api_key = (form.get("apikey") or [""])[-1]
        if not api_key:
            return _iam_error(
                400, "invalid_request", "The form has no apikey. Send apikey=<your API key>."
            )
        if not self.accepts_key(api_key):
            # The key itself is never echoed: it is a secret even when it is wrong.
            return _iam_error(400, KEY_NOT_FOUND, "Provided API key could not be found.")
        return HttpResponse.from_json(200, self.issue_token())

    def _search(self, request: HttpRequest) -> HttpResponse:
        try:
            body = parse_json_body(request.content, empty={})
        except JsonBodyError as exc:
            return error_response(
                400,
                "bad_request",
                f'{exc.message} The search body is {{"query": ..., "fields": [...]}}.',
            )
        if not isinstance(body, dict):
            return error_response(
                400,
                "bad_request",
                f"The search body must be a JSON object, got {type(body).__name__}.",
            )
        limit_text = (request.query.get("limit") or [str(SEARCH_DEFAULT_LIMIT)])[-1]
        limit = _search_limit(limit_text)
        if limit is None:
            return error_response(
                400,
                "bad_request",
                f"Query parameter limit={limit_text[:40]!r} must be an integer from 0 to "
                f"{SEARCH_LIMIT}.",
            )
        cursor = body.get("search_cursor")
        if cursor is None:
            query, offset = str(body.get("query") or ""), 0
        else:
            # With a cursor, Global Search ignores every other property of the body.
            position = _from_cursor(cursor)
            if position is None:
                return error_response(
                    400,
                    "bad_request",
                    "The search_cursor is not one this service returned: send the cursor of the "
                    "previous page as it came, or no cursor for the first page.",
                )
            query, offset = position
        matching = self._listed(query)
        page = matching[offset : offset + limit]
        answer: dict[str, Any] = {"limit": limit, "items": [self._item(i) for i in page]}
        if page and offset + len(page) < len(matching):
            # A cursor only while more remain: the official client pages until there is none.
            answer["search_cursor"] = _cursor(query, offset + len(page))
        return HttpResponse.from_json(200, answer)

    def _listed(self, query: str) -> list[Instance]:
        """The instances a search for ``query`` finds: all of them for an empty query or one
        naming the service (``service_name:quantum-computing``), none for other services."""
        if not self.listed or (query and SERVICE_NAME not in query):
            return []
        return list(self.instances.all)

    def _item(self, instance: Instance) -> dict[str, Any]:
        return {
            "crn": instance.crn,
            "name": instance.name,
            "service_plan_unique_id": plan_id_of(instance.plan),
            "tags": list(instance.tags),
            "type": "resource-instance",
            "family": "resource_controller",
            # The client skips instances without ``doc.extensions`` (no backend allocation); only
            # its presence matters to it, so the content is the fake's own.
            "doc": {"extensions": {"qiskit_runtime_double": {"plan": instance.plan}}},
        }

    def _catalog(self, path: str) -> HttpResponse:
        entry_id = path.rsplit("/", 1)[1]
        plans = {plan_id_of(i.plan): i.plan for i in self.instances.all}
        name = plans.get(entry_id)
        if name is None:
            known = ", ".join(f"{plan!r} ({entry})" for entry, plan in plans.items())
            return error_response(
                404,
                "not_found",
                f"No catalog entry {entry_id[:80]!r}. This fake's plans: {known}.",
            )
        body = {
            "id": entry_id,
            "name": name,
            "kind": "plan",
            "active": True,
            "disabled": False,
            "overview_ui": {
                "en": {"display_name": name.capitalize(), "description": f"{name} plan"}
            },
            "metadata": {"pricing": {"type": "free" if name.lower() in FREE_PLANS else "paid"}},
        }
        return HttpResponse.from_json(200, body)


class AuthGate:
    """Passes requests to ``app`` when the platform's ``check`` allows them; else answers 401."""

    def __init__(self, app: App, platform: Platform) -> None:
        self.app = app
        self.platform = platform

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.platform.check(request)
        return refused if refused is not None else self.app(request)
