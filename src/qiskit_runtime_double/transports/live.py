"""``LiveTransport``: the runtime REST API over HTTP(S), with IBM Cloud IAM authentication.

The only module that imports ``requests``, and only inside functions, so that importing the package
stays light. Every ``requests``/``urllib3`` failure is translated here into ``TransportError``
naming the request (its ``endpoint``) and the cause (never a token or an API key).

What it adds to each request the client builds: ``Authorization: Bearer <IAM token>`` (exchanged
from the API key and cached, see ``iam.py``) and ``User-Agent: qiskit-runtime-double/<version>``.
What it does not do: say what an answer's status means, retry, or make job submissions safe.
Every answer is returned as it came (a 401 too, after the one resend below); an exchange that
gives no token is ``TokenExchangeFailed`` (``iam.py`` says why, and where its meaning for the user
is decided). Retries of 429/5xx and dropped connections are the client's, with its back-off, and so
is the idempotency tag that keeps a lost job submission from being sent twice (``http_client/``):
every transport gets both. The one retry made here is one only the transport can make: a 401
forces one token refresh and one resend of that request (the token may have been revoked or
expired early). A failure that certainly happened before the request left (resolving,
connecting, a refused certificate) is ``RequestNotSent``, which
tells the client that even a job submission may be resent.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..clock import Clock, SystemClock
from ..errors import IBMInputValueError, RequestNotSent, TransportError
from ..probe import SimulationProbe
from ..wire.http import Headers, HttpRequest, HttpResponse
from .base import Closing
from .endpoints import iam_url_for, runtime_url_for
from .iam import TokenCache, iam_token_form, iam_token_url, token_answer

if TYPE_CHECKING:
    import requests

__all__ = ["LiveTransport", "iam_url_for", "runtime_url_for"]

Timeout = float | tuple[float, float | None]
_SECRET_QUERY = re.compile(
    r"(?i)\b(apikey|api_key|token|access_token|refresh_token|password|secret)=[^&\s'\"]+"
)
_TLS_HINT = (
    "The TLS connection failed: for a server with a private CA pass "
    "verify='/path/to/ca-bundle.pem' (or set REQUESTS_CA_BUNDLE), verify=False only for a test "
    "server you trust; an http:// server reached with https:// fails this way too."
)


def _version() -> str:
    try:
        return metadata.version("qiskit-runtime-double")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost error under requests' and urllib3's wrappers (``reason``, ``args[0]``)."""
    current = exc
    for _ in range(6):
        inner = getattr(current, "reason", None)
        if not isinstance(inner, BaseException):
            # e.g. ProtocolError("Connection aborted.", RemoteDisconnected(...))
            inner = next((a for a in current.args if isinstance(a, BaseException)), None)
        if inner is None:
            break
        current = inner
    return current


class LiveTransport(Closing):
    """The live runtime REST API, authenticated with an IBM Cloud API key.

    ``runtime_url`` is the API root (``.../api/v1``, see ``runtime_url_for``); ``iam_url`` the IAM
    base (``iam_url_for``); ``instance`` the instance CRN (sent as ``Service-CRN`` if the client
    has not set it). ``timeout`` is ``(connect, read)`` seconds (a number sets both);
    ``submit_timeout`` replaces the read timeout for ``POST /jobs``, which can take minutes for
    large payloads (the official client waits 900 s). ``verify`` is passed to ``requests``: a bool
    or a CA bundle path. ``clock`` is what the client waits through (real time by default);
    ``probe``, for a fake served in this process, what its simulation tells a waiting client
    (``fake.simulation``; none by default, as for IBM).
    ``session`` is a ``requests.Session`` to use (it stays the caller's to close); by default one
    is created at the first request and closed by ``close()``.

    ``token_timer`` is the monotonic timer the IAM token's lifetime is measured on
    (``time.monotonic``; see ``iam.py`` for why not ``clock``).
    """

    def __init__(
        self,
        *,
        runtime_url: str,
        iam_url: str,
        api_key: str,
        instance: str | None,
        verify: bool | str = True,
        timeout: Timeout = (5.0, 60.0),
        submit_timeout: float = 900.0,
        clock: Clock | None = None,
        probe: SimulationProbe | None = None,
        session: requests.Session | None = None,
        token_timer: Callable[[], float] = time.monotonic,
    ) -> None:
        # Callers without type checking pass anything: check what the types promise.
        urls: tuple[tuple[str, object], ...] = (("runtime_url", runtime_url), ("iam_url", iam_url))
        for name, url in urls:
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise IBMInputValueError(f"{name} must be an http:// or https:// URL, got {url!r}.")
        key: object = api_key
        if not isinstance(key, str) or not key.strip():
            raise IBMInputValueError(
                "An API key is needed to reach the live service: pass token=, set "
                "QISKIT_IBM_TOKEN, or save an account."
            )
        self._runtime_url = runtime_url.rstrip("/")
        self._jobs_path = urlsplit(self._runtime_url).path + "/jobs"
        self._iam_url = iam_url.rstrip("/")
        self._api_key = api_key
        self._instance = instance
        self._verify = verify
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self._timeout: tuple[float, float | None] = (connect, read)
        self._submit_timeout: tuple[float, float | None] = (connect, submit_timeout)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self.probe = probe
        self._session = session
        self._owns_session = session is None
        self._session_lock = threading.Lock()
        self._user_agent = f"qiskit-runtime-double/{_version()}"
        self._tokens = TokenCache(
            self._fetch_token, token_timer, where=iam_token_url(self._iam_url)
        )

    # --- the Transport protocol ---------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def base_url(self) -> str:
        return self._runtime_url

    @property
    def iam_url(self) -> str:
        return self._iam_url

    @property
    def instance(self) -> str | None:
        return self._instance

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` with authentication; return the answer, whatever its status."""
        return self._authorized(request)

    def close(self) -> None:
        """Close the ``requests`` session this transport created (a given one is the caller's)."""
        if self._session is not None and self._owns_session:
            self._session.close()
            self._session = None

    def __repr__(self) -> str:
        return (
            f"LiveTransport(runtime_url={self._runtime_url!r}, iam_url={self._iam_url!r}, "
            f"verify={self._verify!r})"
        )

    # --- authentication -------------------------------------------------------------------------

    def _authorized(self, request: HttpRequest) -> HttpResponse:
        """Send with the cached token; on 401, refresh the token once and send once more."""
        token = self._tokens.get()
        response = self._send(request, token)
        if response.status_code == 401:
            response = self._send(request, self._tokens.force_refresh(token))
        return response

    def _fetch_token(self) -> Mapping[str, Any]:
        """IAM's answer to the API-key exchange, with a token; ``TokenExchangeFailed`` if it gave
        none, ``RequestNotSent`` if it gave no answer (``iam.py``)."""
        url = iam_token_url(self._iam_url)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": self._user_agent,
        }
        try:
            response = self._exchange("POST", url, headers, iam_token_form(self._api_key))
        except TransportError as exc:
            raise RequestNotSent(
                f"Could not get an IAM token, so the runtime request was not sent: {exc}"
            ) from exc
        return token_answer(response, url, self._scrub)

    # --- the wire ---------------------------------------------------------------------------

    def _send(self, request: HttpRequest, token: str) -> HttpResponse:
        headers = dict(request.headers)
        headers["Authorization"] = f"Bearer {token}"
        if "user-agent" not in {k.lower() for k in headers}:
            headers["User-Agent"] = self._user_agent
        if self._instance and "service-crn" not in {k.lower() for k in headers}:
            headers["Service-CRN"] = self._instance
        submit = request.method.upper() == "POST" and request.path.rstrip("/") == self._jobs_path
        timeout = self._submit_timeout if submit else self._timeout
        return self._exchange(request.method, request.url, headers, request.content, timeout)

    def _requests_session(self) -> requests.Session:
        with self._session_lock:
            if self._session is None:
                import requests
                from requests.adapters import HTTPAdapter

                session = requests.Session()
                # max_retries=0: urllib3 must never resend on its own (a POST /jobs least of
                # all): retries are the client's, which resends a submission only after checking.
                adapter = HTTPAdapter(max_retries=0)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                self._session = session
            return self._session

    def _exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes,
        timeout: tuple[float, float | None] | None = None,
    ) -> HttpResponse:
        """One HTTP exchange; every failure without a response becomes ``TransportError``."""
        import http.client

        import requests
        import urllib3

        session = self._requests_session()
        limits = timeout or self._timeout
        try:
            answer = session.request(
                method,
                url,
                headers=dict(headers),
                data=content or None,
                timeout=limits,
                verify=self._verify,
            )
            body = answer.content  # reading the body can fail too (dropped mid-answer)
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
        ) as exc:
            # ``from None``: the foreign chain repeats the URL and is noise; the cause is named.
            raise self._translate(method, url, exc, limits) from None
        return HttpResponse(answer.status_code, Headers(dict(answer.headers)), body)

    def _translate(
        self, method: str, url: str, exc: BaseException, limits: tuple[float, float | None]
    ) -> TransportError:
        """``TransportError("<METHOD> <url>: <cause>. <what to do>")``; ``RequestNotSent`` when
        the request certainly never left (resolving, connecting, TLS, a malformed URL)."""
        import ssl

        import requests
        from urllib3.exceptions import NewConnectionError

        errors = requests.exceptions
        root = _root_cause(exc)
        cause = self._scrub(f"{type(root).__name__}: {root}")[:400]
        kind: type[TransportError] = TransportError
        if isinstance(exc, errors.SSLError):
            # Only a refused certificate certainly stops the request before it leaves: other TLS
            # errors (an abrupt close, EOF) can also strike after a submission was sent.
            hint = _TLS_HINT
            kind = RequestNotSent if isinstance(root, ssl.SSLCertVerificationError) else kind
        elif isinstance(exc, errors.ConnectTimeout) or isinstance(root, NewConnectionError):
            hint, kind = (
                "Could not connect: check that the host is reachable (network, proxy, "
                "runtime_url=, iam_url=). Nothing was sent.",
                RequestNotSent,
            )
        elif isinstance(exc, errors.ReadTimeout):
            hint = (
                f"No answer within {limits[1]} s: raise timeout= (or submit_timeout= for job "
                "submissions)."
            )
        elif isinstance(
            exc,
            (
                errors.InvalidURL,
                errors.MissingSchema,
                errors.InvalidSchema,
                errors.InvalidHeader,
                errors.URLRequired,
            ),
        ):
            hint, kind = (
                "The request is malformed: check runtime_url= and iam_url=.",
                RequestNotSent,
            )
        elif isinstance(exc, errors.TooManyRedirects):
            hint = "The URL redirects in a loop: check runtime_url= and iam_url=."
        elif isinstance(exc, errors.ProxyError):
            hint = "The proxy failed: check HTTPS_PROXY, HTTP_PROXY and NO_PROXY."
        elif isinstance(exc, (errors.ChunkedEncodingError, errors.ContentDecodingError)):
            hint = "The connection dropped or garbled the answer midway."
        elif isinstance(exc, (errors.ConnectionError, ConnectionError)):
            hint = "The connection dropped before a complete answer came back."
        elif (
            isinstance(exc, OSError)
            and not isinstance(exc, errors.RequestException)
            and ("certificate" in str(exc).lower() or "CA" in str(exc))
        ):
            hint, kind = "Check verify=: a CA bundle path must exist.", RequestNotSent
        else:
            hint = "The request failed before a complete answer came back."
        endpoint = f"{method} {self._scrub(url)}"
        return kind(f"{endpoint}: {cause}. {hint}", endpoint=endpoint)

    def _scrub(self, text: str) -> str:
        """``text`` without the API key, the current token, or secret-looking query values."""
        text = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", text)
        current = self._tokens.current
        for secret in (self._api_key, current.value if current else None):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text
