"""IBM Cloud IAM: the API-key exchange's wire shape, a cache of the bearer token it returns, and
the failure reported when the exchange gives no token.

No I/O here: ``live.py`` sends the request this module describes and hands the answer back.

**Who says what a failed exchange means.** The exchange happens inside ``LiveTransport.handle``,
before the runtime request it authenticates is sent. When it gives no token, that runtime request
got no answer at all, so the transport keeps its contract (return every answer; raise only
``TransportError`` when none came) and raises ``TokenExchangeFailed``: a ``RequestNotSent`` (the
runtime request never left, so resending is safe) that carries IAM's answer, read into the one
error shape (``wire.error_body.ErrorBody``), with secrets scrubbed. It does not judge the status.
The client does, in its error table (``http_client/error_table.py``, ``token_error``), as for
every other answer: IAM throttled or failed (429, 5xx) is transient and retried like any request
that was not sent; a refused API key (400, 401, 403) is an ``IBMNotAuthorizedError`` naming the
IAM endpoint and what to check; any other answer an ``IBMNotAuthorizedError`` pointing at
``iam_url=``, and a success without a token an ``IBMApiError``. So a transport never turns a status
into a user-facing exception, and the translation from answers to exceptions stays in one table.

Token lifetime is measured on a real monotonic timer from the moment the token was requested, for
``exp - iat`` seconds (the JWT's own claims, as the IBM SDK reads them, without checking the
signature), refreshed at 80% of it like the SDK's ``JWTTokenManager``. Two things are deliberately
*not* used:

- the transport's ``clock``: it may be a fake's virtual clock that jumps hours ahead, while the
  token lives in the IAM server's time;
- a comparison of ``exp`` with the local wall clock: that breaks under client/server clock skew
  and against a fake that issues tokens in simulated time.

If the server's idea of expiry disagrees anyway (a fake whose virtual time jumped), its 401 makes
the transport force one refresh and retry, which covers the rest.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from ..errors import RequestNotSent
from ..wire.error_body import ErrorBody
from ..wire.http import HttpResponse
from ..wire.numbers import is_real

__all__ = [
    "IAM_TOKEN_PATH",
    "CachedToken",
    "TokenCache",
    "TokenExchangeFailed",
    "decode_jwt_claims",
    "iam_token_form",
    "iam_token_url",
    "token_answer",
]

IAM_TOKEN_PATH = "/identity/token"
_GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"
#: Refresh when this fraction of the lifetime has passed (the IBM SDK's 80%).
REFRESH_FRACTION = 0.8
#: After a failed refresh of a still-valid token, wait at most this long before the next try.
RETRY_AFTER_FAILED_REFRESH = 60.0


def iam_token_url(iam_url: str) -> str:
    """``{iam}/identity/token``; a URL already ending in the path is not doubled (as the SDK)."""
    base = iam_url.rstrip("/")
    if base.endswith(IAM_TOKEN_PATH):
        base = base[: -len(IAM_TOKEN_PATH)]
    return base + IAM_TOKEN_PATH


def iam_token_form(api_key: str) -> bytes:
    """The form-encoded body of the API-key exchange, fields in the SDK's order."""
    return urlencode(
        [("grant_type", _GRANT_TYPE), ("apikey", api_key), ("response_type", "cloud_iam")]
    ).encode("ascii")


class TokenExchangeFailed(RequestNotSent):
    """The API-key exchange at ``url`` gave no token, so the runtime request was not sent.

    ``status_code`` is IAM's status; ``body`` its answer, read (``ErrorBody``) and scrubbed;
    ``error_code`` IAM's code (``BXNIM0415E``...). What it means for the user is the client's to
    say (module docstring).
    """

    status_code: int

    def __init__(self, url: str, status: int, body: ErrorBody, problem: str) -> None:
        super().__init__(
            f"POST {url}: the IAM service answered {status} {problem}, so the runtime request "
            "was not sent."
        )
        self.url = url
        self.body = body
        #: What was wrong with the answer, in words: ``(message (code X))``, ``without an
        #: access_token (...)``.
        self.problem = problem
        self.status_code = status
        self.error_code = body.code


def token_answer(
    response: HttpResponse, url: str, scrub: Callable[[str], str] = str
) -> Mapping[str, Any]:
    """The JSON object of a successful exchange at ``url``, with a non-empty ``access_token``.

    Anything else raises ``TokenExchangeFailed`` with IAM's answer, its texts passed through
    ``scrub`` (the transport's: no API key or token in a message).
    """
    body: dict[str, Any] | None = None
    if response.is_success:
        try:
            parsed = response.json()
        except (ValueError, RecursionError):
            parsed = None
        body = parsed if isinstance(parsed, dict) else None
        token = body.get("access_token") if body is not None else None
        if body is not None and isinstance(token, str) and token:
            return body
    read = ErrorBody.read(response.status_code, scrub(response.text).encode())
    if not response.is_success:
        problem = f"({read.detail})"
    elif body is not None:
        problem = f"without an access_token (fields: {sorted(body)[:20]})"
    else:
        problem = f"with a body that is not a JSON object ({read.message[:200]!r})"
    raise TokenExchangeFailed(url, response.status_code, read, problem)


def decode_jwt_claims(token: str) -> dict[str, Any]:
    """The claims (payload) of a JWT, without verifying its signature; ``{}`` if it is not one.

    The signature is the IAM server's business: we only need ``exp`` and ``iat`` to schedule the
    refresh, as the IBM SDK does.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _number(value: Any) -> float | None:
    if not is_real(value):
        return None
    return float(value) if math.isfinite(value) else None


def token_lifetime(body: Mapping[str, Any], token: str) -> float | None:
    """Seconds the token lives: ``exp - iat`` from the JWT, else ``expires_in``, else unknown."""
    claims = decode_jwt_claims(token)
    exp, iat = _number(claims.get("exp")), _number(claims.get("iat"))
    if exp is not None and iat is not None and exp > iat:
        return exp - iat
    expires_in = _number(body.get("expires_in"))
    if expires_in is not None and expires_in > 0:
        return expires_in
    return None


@dataclass(frozen=True)
class CachedToken:
    """A bearer token and when (on the cache's timer) to refresh it and to stop using it."""

    value: str
    refresh_at: float
    expires_at: float

    def __repr__(self) -> str:  # the token itself never goes into a repr
        return f"CachedToken(refresh_at={self.refresh_at:.1f}, expires_at={self.expires_at:.1f})"


class TokenCache:
    """Fetches a token through ``fetch()`` when there is none, when it is due, or when forced.

    ``fetch`` returns the IAM answer's JSON object, read by ``token_answer`` (so it has an
    ``access_token``; it raises ``TokenExchangeFailed`` or ``TransportError`` on failure);
    ``timer`` is a monotonic seconds counter (``time.monotonic`` in production). A refresh that
    fails while the current token is still valid keeps the current one, as the SDK's background
    refresh does; once it has expired, the failure propagates. Thread-safe: one fetch at a time.
    """

    def __init__(
        self, fetch: Callable[[], Mapping[str, Any]], timer: Callable[[], float], *, where: str
    ) -> None:
        self._fetch = fetch
        self._timer = timer
        self._where = where
        self._lock = threading.Lock()
        self._token: CachedToken | None = None

    @property
    def current(self) -> CachedToken | None:
        return self._token

    def get(self) -> str:
        """A token valid now, fetching one only if needed."""
        with self._lock:
            token, now = self._token, self._timer()
            if token is not None and now < token.refresh_at:
                return token.value
            if token is not None and now < token.expires_at:
                try:
                    return self._refresh().value
                except Exception:
                    # Still valid: keep it, and try again later rather than at every call (the
                    # SDK waits 60 s), but early enough to have another go before it expires.
                    retry_at = now + min(RETRY_AFTER_FAILED_REFRESH, (token.expires_at - now) / 2)
                    self._token = replace(token, refresh_at=retry_at)
                    return token.value
            return self._refresh().value

    def force_refresh(self, rejected: str) -> str:
        """A new token after the service refused ``rejected`` (unless a thread replaced it)."""
        with self._lock:
            if self._token is not None and self._token.value != rejected:
                return self._token.value
            self._token = None
            return self._refresh().value

    def _refresh(self) -> CachedToken:
        started = self._timer()
        body = self._fetch()
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            # fetch() promises an answer read by ``token_answer``: this is a bug, not IAM's.
            raise TypeError(
                f"TokenCache: fetch() for {self._where} returned no access_token; read IAM's "
                "answer with token_answer(), which raises TokenExchangeFailed instead."
            )
        lifetime = token_lifetime(body, value)
        if lifetime is None:
            # No expiry stated: use it until the service refuses it (then a 401 forces a refresh).
            token = CachedToken(value, math.inf, math.inf)
        else:
            token = CachedToken(value, started + REFRESH_FRACTION * lifetime, started + lifetime)
        self._token = token
        return token
