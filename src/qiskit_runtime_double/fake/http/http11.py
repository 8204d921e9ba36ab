"""HTTP/1.1 on one connection of a served fake: h11's parser, the guard first, bounded bodies.

``Http11`` serves the requests of one accepted connection, one after another (keep-alive and
pipelining included), in the connection's thread (``connections.py`` owns threads and sockets):

1. It reads a request's head (request line and headers) through h11, which parses HTTP/1.x
   strictly: a malformed request line (HTTP/0.9's included), header or chunk size is a 400, and
   the connection is closed. HTTP versions other than 1.0 and 1.1 (``HTTP/2.0``, the HTTP/2
   preface) get a 400 that says so; a head over ``max_header_bytes`` a 431; ``Content-Length``
   with ``Transfer-Encoding`` (request smuggling) a 400.
2. The request guard (``guard.py``: Host, Origin, control token) judges the head **before any
   body is read**; a refusal is answered at once and the connection closed, its body unread.
3. A body announced over ``max_body_bytes`` gets 413 before a byte of it is read; a chunked one
   that grows past it gets 413 when it does. Bodies being received at once share
   ``max_buffered_bytes`` (503 with ``Retry-After`` past it).
4. The whole request must arrive within ``request_timeout`` of its first byte (else 408), and
   a keep-alive connection may wait ``idle_timeout`` for its next request.
5. The app answers; a websocket upgrade it accepts (101) is handed to the result streams
   (``stream.py``) with the socket.

Nothing a client sends escapes as an exception: every refusal is a 4xx in the IBM Cloud error
shape, and a failure of the app itself a 500 naming only the exception's type.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING, Protocol

import h11

from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.vocabulary import ErrorCode
from .app import error_response
from .head import BadHost, request_url

if TYPE_CHECKING:
    from .connections import Connection
    from .guard import RequestGuard
    from .limits import ServerLimits

__all__ = ["ByteBudget", "Http11", "StreamHandoff"]

_log = logging.getLogger(__name__)

#: Bytes read from a socket at once.
_READ_SIZE = 64 * 1024
#: After a refusal, what the server still reads and drops (at most) before it closes, so that
#: closing with unread bytes (which makes the kernel reset the connection) does not destroy the
#: answer before the client has read it.
_LINGER_BYTES = 4 * 1024 * 1024
_LINGER_SECONDS = 1.0


class StreamHandoff(Protocol):
    """What takes over a connection the app upgraded to a websocket (``stream.ResultStreams``)."""

    def accept(self, request: HttpRequest, response: HttpResponse) -> HttpResponse: ...

    def serve(
        self, connection: Connection, request: HttpRequest, response: HttpResponse, data: bytes
    ) -> None: ...


class ByteBudget:
    """Bytes of request bodies held at once, over every connection (``max_buffered_bytes``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()

    def take(self, size: int) -> bool:
        with self._lock:
            if self._used + size > self.limit:
                return False
            self._used += size
            return True

    def give_back(self, size: int) -> None:
        with self._lock:
            self._used -= size


class _Refusal(Exception):
    """A request answered before the app sees it; the connection is closed after it."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class _Gone(Exception):
    """The connection ended (closed, reset, evicted, or silent past its idle timeout)."""


class Http11:
    """Serves HTTP/1.1 on connections, for one server (module doc).

    ``guard`` judges each head and then answers each whole request (``RequestGuard.app`` behind
    it); ``on_served`` is told of every request answered (the server's log); ``streams`` takes
    over accepted websocket upgrades.
    """

    def __init__(
        self,
        guard: RequestGuard,
        *,
        scheme: str,
        limits: ServerLimits,
        streams: StreamHandoff | None = None,
        on_served: Callable[[HttpRequest, HttpResponse], None] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.guard = guard
        self.scheme = scheme
        self.limits = limits
        self.streams = streams
        self.on_served = on_served
        self.tls = tls
        self.budget = ByteBudget(limits.max_buffered_bytes)

    # --- one connection ----------------------------------------------------------------------

    def __call__(self, connection: Connection) -> None:
        """Serve ``connection`` until it closes (the caller closes the socket)."""
        try:
            if self.tls is not None:
                self._handshake(connection, self.tls)
            parser = h11.Connection(
                h11.SERVER, max_incomplete_event_size=self.limits.max_header_bytes
            )
            served = 1
            while self._one_request(
                connection, parser, last=served >= self.limits.max_requests_per_connection
            ):
                parser.start_next_cycle()
                served += 1
        except _Gone:
            pass
        except (OSError, ssl.SSLError) as exc:  # reset, broken pipe, a TLS alert: the client left
            _log.debug("connection from %s ended: %s", connection.peer, exc)

    def _handshake(self, connection: Connection, context: ssl.SSLContext) -> None:
        connection.sock.settimeout(self.limits.request_timeout)
        try:
            secure = context.wrap_socket(
                connection.sock, server_side=True, do_handshake_on_connect=False
            )
        except OSError as exc:
            raise _Gone from exc
        connection.replace_socket(secure)
        try:
            secure.do_handshake()
        except (OSError, ssl.SSLError) as exc:  # not TLS, too slow, or a closed socket
            raise _Gone from exc

    def _one_request(self, connection: Connection, parser: h11.Connection, *, last: bool) -> bool:
        """Read, judge and answer one request; whether the connection may carry another (never
        after the ``last`` one: its answer says ``Connection: close``)."""
        connection.waiting()
        head: HttpRequest | None = None
        reserved = 0
        try:
            event = self._next(connection, parser, deadline=None)
            if isinstance(event, h11.ConnectionClosed):
                return False
            assert isinstance(event, h11.Request)
            head = self._head(event, parser)
            refused = self.guard.check(head, has_body=_has_body(event))
            if refused is not None:
                self._answer(connection, parser, head, refused, close=True)
                return False
            body, reserved = self._body(connection, parser, event)
        except _Refusal as refusal:
            response = error_response(refusal.status, ErrorCode.VALIDATION, refusal.message)
            if refusal.retry_after is not None:
                response = HttpResponse(
                    response.status_code,
                    response.headers.with_(Retry_After=str(refusal.retry_after)),
                    response.content,
                )
            self._answer(connection, parser, head, response, close=True)
            return False
        request = HttpRequest(head.method, head.url, head.headers, body)
        try:
            if not connection.busy():  # evicted meanwhile: the socket is already shut
                return False
            response = self._respond(request)
        finally:
            if reserved:
                self.budget.give_back(reserved)
        if response.status_code == 101 and self.streams is not None:
            return self._upgrade(connection, parser, request, response)
        self._answer(connection, parser, request, response, close=last)
        return not last and parser.our_state is h11.DONE and parser.their_state is h11.DONE

    def _respond(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.guard(request)  # the head passed; the body may still be refused
            if response.status_code == 101 and self.streams is not None:
                response = self.streams.accept(request, response)
            return response
        except Exception as exc:
            _log.exception("the fake server failed on %s %s", request.method, request.path)
            return error_response(
                500,
                ErrorCode.INTERNAL,
                f"Internal error in the fake server ({type(exc).__name__}).",
            )

    # --- reading -----------------------------------------------------------------------------

    def _next(
        self, connection: Connection, parser: h11.Connection, deadline: float | None
    ) -> h11.Event | type[h11.PAUSED]:
        """The parser's next event, reading as needed. ``deadline`` (monotonic) None: waiting
        for a new request (``idle_timeout`` for its first byte, then ``request_timeout``)."""
        limits = self.limits
        while True:
            try:
                event = parser.next_event()
            except h11.RemoteProtocolError as exc:
                raise _protocol_refusal(exc) from None
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]
            if deadline is None and not _buffered(parser):
                wait = limits.idle_timeout  # between requests: waiting for a first byte
            else:
                if deadline is None:
                    deadline = time.monotonic() + limits.request_timeout
                wait = deadline - time.monotonic()
                if wait <= 0:
                    raise _late(limits.request_timeout)
            data = self._read(connection, wait, mid_request=deadline is not None)
            if data and deadline is None:
                deadline = time.monotonic() + limits.request_timeout
            parser.receive_data(data)

    def _read(self, connection: Connection, wait: float, *, mid_request: bool) -> bytes:
        sock = connection.sock
        try:
            sock.settimeout(max(wait, 0.001))
            return sock.recv(_READ_SIZE)
        except TimeoutError:
            if mid_request:
                raise _late(self.limits.request_timeout) from None
            raise _Gone from None  # an idle keep-alive connection: closed quietly
        except (OSError, ssl.SSLError) as exc:
            raise _Gone from exc

    def _head(self, event: h11.Request, parser: h11.Connection) -> HttpRequest:
        """The request without its body, for the guard; refusals for what HTTP/1.1 forbids."""
        if event.http_version not in (b"1.0", b"1.1"):
            raise _Refusal(
                400,
                f"HTTP/{event.http_version.decode('latin-1')} is not spoken here: the fake serves "
                "HTTP/1.1 (and 1.0). Send HTTP/1.1 requests.",
            )
        size = len(event.target) + sum(len(k) + len(v) + 4 for k, v in event.headers.raw_items())
        if size > self.limits.max_header_bytes:
            raise _Refusal(
                431,
                f"The request's target and headers take {size} bytes; at most "
                f"{self.limits.max_header_bytes} are accepted.",
            )
        if len(event.headers) > self.limits.max_headers:
            raise _Refusal(
                431,
                f"The request has {len(event.headers)} header fields; at most "
                f"{self.limits.max_headers} are accepted.",
            )
        names = {name for name, _ in event.headers}
        if b"transfer-encoding" in names and b"content-length" in names:
            raise _Refusal(
                400,
                "A request may not carry both Transfer-Encoding and Content-Length (RFC 9112 "
                "6.1): send one.",
            )
        merged: dict[str, str] = {}
        for name, value in event.headers:
            key = name.decode("latin-1").title()
            text = value.decode("latin-1")
            merged[key] = f"{merged[key]}, {text}" if key in merged else text
        target = event.target.decode("utf-8", errors="replace")
        if not target.startswith("/"):
            raise _Refusal(
                400,
                f"The request target {target[:80]!r} is not a path: send origin-form targets "
                "(/api/v1/...).",
            )
        host = merged.get("Host", "")
        try:
            url = request_url(self.scheme, host or "localhost", target)
        except BadHost as exc:
            raise _Refusal(400, str(exc)) from None
        headers = Headers(merged)
        return HttpRequest(event.method.decode("latin-1"), url, headers, b"")

    def _body(
        self, connection: Connection, parser: h11.Connection, event: h11.Request
    ) -> tuple[bytes, int]:
        """The body, within the limits; and the bytes taken from the shared budget."""
        limit = self.limits.max_body_bytes
        declared = _declared_length(event)
        if declared is not None and declared > limit:
            raise _Refusal(
                413,
                f"The request body has {declared} bytes; at most {limit} (64 MiB by default) "
                "are accepted. Send fewer or smaller circuits per job.",
            )
        reserved = declared if declared is not None else 0
        if reserved and not self.budget.take(reserved):
            raise _busy()
        if parser.they_are_waiting_for_100_continue:
            go_on = h11.InformationalResponse(status_code=100, headers=[])
            self._send(connection, parser.send(go_on))
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.limits.request_timeout
        try:
            while True:
                part = self._next(connection, parser, deadline)
                if isinstance(part, h11.EndOfMessage):
                    return b"".join(chunks), reserved
                if isinstance(part, h11.ConnectionClosed):
                    raise _Gone
                assert isinstance(part, h11.Data)
                size += len(part.data)
                if size > limit:
                    raise _Refusal(
                        413,
                        f"The request body exceeds {limit} bytes (64 MiB by default). Send "
                        "fewer or smaller circuits per job.",
                    )
                if declared is None:  # chunked: take from the budget as it grows
                    if not self.budget.take(len(part.data)):
                        raise _busy()
                    reserved += len(part.data)
                chunks.append(bytes(part.data))
        except BaseException:
            if reserved:
                self.budget.give_back(reserved)
            raise

    # --- writing -----------------------------------------------------------------------------

    def _answer(
        self,
        connection: Connection,
        parser: h11.Connection,
        request: HttpRequest | None,
        response: HttpResponse,
        *,
        close: bool,
    ) -> None:
        if request is not None and self.on_served is not None:
            self.on_served(request, response)
        if parser.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            raise _Gone  # the parser gave up on this connection (h11 raised); nothing to send
        status = response.status_code
        no_body = status in (204, 304) or (request is not None and request.method == "HEAD")
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "connection", "transfer-encoding")
        ]
        headers.append(("Date", formatdate(usegmt=True)))
        if status not in (204, 304):
            headers.append(("Content-Length", str(len(response.content))))
        if close:
            headers.append(("Connection", "close"))
        try:
            head = h11.Response(status_code=status, headers=headers, reason=_reason(status))
            data = parser.send(head)
            if not no_body and response.content:
                data += parser.send(h11.Data(data=response.content))
            data += parser.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:  # e.g. a response to a request h11 refused to read
            _log.debug("cannot answer on this connection: %s", exc)
            raise _Gone from exc
        self._send(connection, data)
        if close:
            _linger(connection)

    def _send(self, connection: Connection, data: bytes | None) -> None:
        if not data:
            return
        try:
            connection.sock.settimeout(self.limits.write_timeout)
            connection.sock.sendall(data)
        except (OSError, ssl.SSLError) as exc:
            raise _Gone from exc

    def _upgrade(
        self,
        connection: Connection,
        parser: h11.Connection,
        request: HttpRequest,
        response: HttpResponse,
    ) -> bool:
        assert self.streams is not None
        if self.on_served is not None:
            self.on_served(request, response)
        try:
            data = parser.send(
                h11.InformationalResponse(
                    status_code=101, headers=list(response.headers.items()), reason=_reason(101)
                )
            )
        except h11.LocalProtocolError as exc:  # the request did not ask to switch protocols
            _log.debug("cannot upgrade this connection: %s", exc)
            return False
        self._send(connection, data)
        leftover, _ = parser.trailing_data
        self.streams.serve(connection, request, response, bytes(leftover))
        return False


def _linger(connection: Connection) -> None:
    """Half-close, then drop what the client still sends, briefly (``_LINGER_BYTES``)."""
    sock = connection.sock
    try:
        if not isinstance(sock, ssl.SSLSocket):  # TLS ends with its own close_notify
            sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + _LINGER_SECONDS
        dropped = 0
        while dropped < _LINGER_BYTES:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            sock.settimeout(left)
            data = sock.recv(_READ_SIZE)
            if not data:
                return
            dropped += len(data)
    except (OSError, ssl.SSLError):
        return


def _late(timeout: float) -> _Refusal:
    return _Refusal(
        408,
        f"The request did not arrive whole within {timeout:g} s of its first byte. Send it "
        "at once.",
    )


def _busy() -> _Refusal:
    return _Refusal(
        503,
        "The server holds too many request bodies at once; retry in a second.",
        retry_after=1,
    )


def _protocol_refusal(exc: h11.RemoteProtocolError) -> _Refusal:
    status = exc.error_status_hint
    if status == 431 or "too long" in str(exc).lower():
        return _Refusal(431, f"The request's head is too large ({exc}).")
    if status >= 500:  # h11's 501 for an unknown Transfer-Encoding: a client error all the same
        status = 400
    return _Refusal(
        status if 400 <= status < 500 else 400,
        f"Malformed HTTP/1.1 request: {exc}. Send HTTP/1.1 (RFC 9112).",
    )


def _declared_length(event: h11.Request) -> int | None:
    for name, value in event.headers:
        if name == b"content-length":
            return int(value)  # h11 checked it is one number
    return None


def _has_body(event: h11.Request) -> bool:
    for name, value in event.headers:
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            return int(value) > 0
    return False


def _buffered(parser: h11.Connection) -> bool:
    """Whether the parser holds bytes of a next request already (pipelining)."""
    return bool(parser.trailing_data[0])


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:  # 520-524 and other non-standard codes
        return b"Unknown"
