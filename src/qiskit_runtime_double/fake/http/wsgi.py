"""A WSGI adapter for an ``App``: WSGI environ -> ``HttpRequest`` -> app -> WSGI response.

``FakeServer`` does not use it (it speaks HTTP itself: ``http11.py``): it is for serving a fake
with a WSGI server of your own. Bodies over ``MAX_BODY_BYTES`` are refused with 413 before they
are buffered, a Host header that is not ``host[:port]`` with 400 (the rule of ``head.py``, which
the served fake applies too), and nothing escapes as a traceback. A WSGI server reads the request
before the application runs, so the protections of ``http11.py`` (the guard before the body,
connection limits, timeouts) are that server's to provide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.vocabulary import ErrorCode
from .app import MAX_BODY_BYTES, error_response
from .head import BadHost, request_url

if TYPE_CHECKING:
    from ...wire.http import App

__all__ = ["StartResponse", "wsgi_adapter"]

_log = logging.getLogger(__name__)

#: WSGI's ``start_response``, loosely typed: the adapter only calls it with a status and headers.
StartResponse = Callable[..., Any]
_CHUNK = 1 << 20


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:  # 520-524 and other non-standard codes
        return f"{code} Unknown"


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, or None when it exceeds ``MAX_BODY_BYTES`` (the server drains the rest)."""
    stream = environ["wsgi.input"]
    length_text = environ.get("CONTENT_LENGTH") or ""
    if length_text.strip().isdigit():
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            return None
        return bytes(stream.read(length)) if length else b""
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length, not chunked: HTTP says there is no body
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)


def _to_request(environ: dict[str, Any], body: bytes) -> HttpRequest:
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        # The request target as sent (still percent-encoded), in WSGI's latin-1 transport form.
        target = raw.encode("latin-1").decode("utf-8", errors="replace")
    else:
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", errors="replace")
        target = quote(path, safe="/:@!$&'()*+,;=-._~")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").title()] = environ[key]
    url = request_url(scheme, host, target)  # BadHost for a Host that is not host[:port]
    return HttpRequest(environ["REQUEST_METHOD"], url, Headers(headers), body)


def wsgi_adapter(
    app: App, on_served: Callable[[HttpRequest, HttpResponse], None] | None = None
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI application answering with ``app``: environ -> ``HttpRequest`` -> ``HttpResponse``.

    Nothing escapes as a traceback: an exception anywhere becomes a 500 in the runtime's error
    shape naming only the exception's type (the traceback goes to this module's logger).
    """

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request: HttpRequest | None = None
        try:
            body = _read_body(environ)
            if body is None:
                request = _to_request(environ, b"")  # for the log: what was refused
                response = error_response(
                    413,
                    ErrorCode.VALIDATION,
                    f"The request body exceeds {MAX_BODY_BYTES} bytes (64 MiB). Send fewer or "
                    "smaller circuits per job.",
                )
            else:
                request = _to_request(environ, body)
                response = app(request)
        except BadHost as exc:
            response = error_response(400, ErrorCode.VALIDATION, str(exc))
        except Exception as exc:
            _log.exception(
                "the fake server failed on %s %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
            )
            response = error_response(
                500,
                ErrorCode.INTERNAL,
                f"Internal error in the fake server ({type(exc).__name__}).",
            )
        if on_served is not None and request is not None:
            on_served(request, response)
        content = b"" if response.status_code in (204, 304) else response.content
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        if response.status_code not in (204, 304):
            headers.append(("Content-Length", str(len(content))))
        start_response(_status_line(response.status_code), headers)
        return [content]

    return application
