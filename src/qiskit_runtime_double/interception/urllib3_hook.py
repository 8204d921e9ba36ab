"""The one patch that reaches the official client: urllib3's per-attempt request, for IBM's hosts.

The official client and the IBM Cloud SDKs it uses speak ``requests``, which sends through
``urllib3``. ``HTTPConnectionPool.urlopen`` runs the retry loop (the client mounts a ``Retry`` with
a status forcelist and back-off) and calls ``_make_request`` once per attempt, with a connection
taken from the pool. This module replaces ``_make_request``, and only decides per request: a
request whose host is IBM's (``hosts.family_of``) is answered by the active ``Router`` and the
connection is never used (it was created unconnected, so no socket is opened: no DNS lookup, no
TCP, no TLS); any other host gets urllib3's own ``_make_request``, untouched. Above the patch,
everything runs as in production: urllib3's retries and their back-off (through ``time.sleep``,
see ``virtual_time``), requests' adapters, hooks and auth, the client's own code.

Why here, and not where others intercept:

- ``responses`` (getsentry) replaces ``requests.adapters.HTTPAdapter.send``: above urllib3, so the
  client's retries would never run, and a 502 injected by the fake would reach the client's code
  where IBM's 502 is retried.
- vcrpy replaces the *connection classes* of urllib3, http.client and seven other libraries for
  every host, and passes other hosts through a stub that reads each response whole before the
  caller sees it (no streaming). Its patcher is internal (``vcr.patch``, no public API to answer
  from a callback). Here other hosts keep urllib3's own code path.

vcrpy is still what our cassettes are: the file format, and ``cassette check`` reads each file with
vcrpy's own loader.

With an HTTPS proxy configured, urllib3 opens the proxy tunnel before ``_make_request``;
``HTTPSConnectionPool._prepare_proxy`` is replaced too and does nothing for IBM's hosts.

Requires urllib3 2 (``_make_request`` took its present arguments in 2.0; requests has allowed
urllib3 2 since 2.30). One interception at a time, process-wide (threads share urllib3's pools):
``install`` refuses a second one.
"""

from __future__ import annotations

import contextvars
import functools
import http
import io
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from ..wire.http import Headers, HttpRequest, HttpResponse

if TYPE_CHECKING:
    from urllib3.connectionpool import HTTPConnectionPool

__all__ = ["InterceptionError", "PassThrough", "Router", "active", "install", "uninstall"]

#: Response headers that describe bytes as they travelled, not the body handed over here (the
#: body is always whole and decoded).
_TRAVEL_HEADERS: Final = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class InterceptionError(RuntimeError):
    """The interception cannot start or stop as asked (another one is active; urllib3 1.x)."""


class Router(Protocol):
    """What the patch asks: whether a URL is to be answered here, and the answer."""

    def routes(self, url: str) -> bool: ...

    def answer(self, request: HttpRequest) -> HttpResponse: ...


@dataclass(frozen=True)
class _Call:
    """The urllib3 call being answered, for ``PassThrough``."""

    pool: Any
    conn: Any
    method: str
    url: str
    kwargs: dict[str, Any]


_CALL: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("qrd_call", default=None)

# Process-wide by nature: urllib3's classes are shared by every thread. Guarded by _LOCK.
_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


def active() -> Router | None:
    """The router of the active interception, if any."""
    router: Router | None = _STATE.get("router")
    return router


def _target(pool: Any, url: str) -> str:
    """The absolute URL of a request made on ``pool`` (``url`` is a path, or absolute through an
    HTTP proxy)."""
    if url.startswith(("http://", "https://")):
        return url
    host = str(pool.host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = pool.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(pool.scheme)) else f"{host}:{port}"
    return f"{pool.scheme}://{netloc}{url}"


def _body_bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    read = getattr(body, "read", None)
    if callable(read):
        data = read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if isinstance(body, Iterable):
        return b"".join(
            part.encode("utf-8") if isinstance(part, str) else bytes(part) for part in body
        )
    raise TypeError(f"cannot send a request body of type {type(body).__name__}")


def _urllib3_response(
    answer: HttpResponse, pool: Any, method: str, url: str, kwargs: dict[str, Any]
) -> Any:
    """``answer`` as the ``urllib3.HTTPResponse`` a connection would have produced."""
    from urllib3 import HTTPResponse
    from urllib3._collections import HTTPHeaderDict

    headers = HTTPHeaderDict()
    for name, value in answer.headers.items():
        if name.lower() not in _TRAVEL_HEADERS:
            headers.add(name, value)
    headers["Content-Length"] = str(len(answer.content))
    try:
        reason = http.HTTPStatus(answer.status_code).phrase
    except ValueError:
        reason = ""
    return HTTPResponse(
        body=io.BytesIO(answer.content),
        headers=headers,
        status=answer.status_code,
        version=11,
        version_string="HTTP/1.1",
        reason=reason,
        preload_content=kwargs.get("preload_content", True),
        decode_content=kwargs.get("decode_content", True),
        original_response=None,
        pool=pool,
        connection=kwargs.get("response_conn"),
        retries=kwargs.get("retries"),
        enforce_content_length=kwargs.get("enforce_content_length", True),
        request_method=method,
        request_url=url,
    )


def _patched_make_request(original: Callable[..., Any]) -> Callable[..., Any]:
    def _make_request(self: Any, conn: Any, method: str, url: str, **kwargs: Any) -> Any:
        router = active()
        target = _target(self, url)
        if router is None or not router.routes(target):
            return original(self, conn, method, url, **kwargs)
        self.num_requests += 1
        request = HttpRequest(
            method.upper(),
            target,
            Headers(dict(kwargs.get("headers") or {})),
            _body_bytes(kwargs.get("body")),
        )
        token = _CALL.set(_Call(self, conn, method, url, kwargs))
        try:
            answer = router.answer(request)
        finally:
            _CALL.reset(token)
        return _urllib3_response(answer, self, method, url, kwargs)

    _make_request.__wrapped__ = original  # type: ignore[attr-defined]
    return _make_request


def _patched_prepare_proxy(original: Callable[..., Any]) -> Callable[..., Any]:
    def _prepare_proxy(self: Any, conn: Any) -> Any:
        router = active()
        if router is not None and router.routes(_target(self, "/")):
            return None  # no tunnel to open: the request will never leave
        return original(self, conn)

    _prepare_proxy.__wrapped__ = original  # type: ignore[attr-defined]
    return _prepare_proxy


@functools.cache
def _check_urllib3() -> None:
    from importlib.metadata import version

    found = version("urllib3")
    if int(found.split(".")[0]) < 2:
        raise InterceptionError(
            f"mock_runtime needs urllib3 2 (the official client's HTTP stack), found {found}. "
            "Upgrade it: pip install 'urllib3>=2'."
        )


def _pool_classes() -> tuple[type[HTTPConnectionPool], type[HTTPConnectionPool]]:
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    return HTTPConnectionPool, HTTPSConnectionPool


def install(router: Router, owner: str) -> None:
    """Route IBM's hosts to ``router`` until ``uninstall``; ``owner`` names who did (for the
    error a second ``install`` gets)."""
    _check_urllib3()
    plain, secure = _pool_classes()
    with _LOCK:
        if "router" in _STATE:
            raise InterceptionError(
                f"The official client's traffic is already intercepted ({_STATE['owner']}), and "
                "interceptions do not nest: use the fake (or cassette) of the active one, or end "
                "it before starting another."
            )
        _STATE.update(
            router=router,
            owner=owner,
            make_request=plain.__dict__["_make_request"],
            prepare_proxy=secure.__dict__.get("_prepare_proxy"),
        )
        plain._make_request = _patched_make_request(_STATE["make_request"])  # type: ignore[method-assign]
        if _STATE["prepare_proxy"] is not None:
            secure._prepare_proxy = _patched_prepare_proxy(_STATE["prepare_proxy"])  # type: ignore[method-assign]


def uninstall(router: Router) -> None:
    """Put urllib3 back as it was (only the interception that installed ``router`` may)."""
    plain, secure = _pool_classes()
    with _LOCK:
        if _STATE.get("router") is not router:
            raise InterceptionError("This interception is not the active one; nothing was undone.")
        plain._make_request = _STATE["make_request"]  # type: ignore[method-assign]
        if _STATE["prepare_proxy"] is not None:
            secure._prepare_proxy = _STATE["prepare_proxy"]  # type: ignore[method-assign]
        _STATE.clear()


class PassThrough:
    """A transport that sends the intercepted request on to its real host, as urllib3 would have.

    For recording from the live service (and observing live traffic): the request leaves through
    the client's own pool and connection (its TLS settings, proxies, timeouts), and the answer is
    read whole. Only usable while the interception is answering a request in this thread.
    """

    def __init__(self, base_url: str, clock: Any) -> None:
        self._base_url = base_url
        self._clock = clock

    @property
    def clock(self) -> Any:
        return self._clock

    @property
    def base_url(self) -> str:
        return self._base_url

    def handle(self, request: HttpRequest) -> HttpResponse:
        call = _CALL.get()
        original = _STATE.get("make_request")
        if call is None or original is None:
            raise InterceptionError(
                "PassThrough sends only requests the interception is answering (it has no "
                "connection of its own)."
            )
        kwargs = {**call.kwargs, "preload_content": True, "decode_content": True}
        kwargs["response_conn"] = None  # released here: the body is read whole
        raw = original(call.pool, call.conn, call.method, call.url, **kwargs)
        headers = {
            name: value
            for name, value in raw.headers.items()
            if name.lower() not in _TRAVEL_HEADERS
        }
        content = bytes(raw.data)
        raw.release_conn()
        return HttpResponse(raw.status, Headers(headers), content)

    def close(self) -> None:
        """Nothing to release: connections belong to the client's pools."""
