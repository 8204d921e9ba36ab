"""The 2023 result stream of a served fake: the websocket ``{runtime}/stream/jobs/{job_id}``.

The 0.11-0.15 client opens it for every job it waits on (``RuntimeJob.wait_for_final_state``)
and for a job given a ``callback`` (``stream_results``), through qiskit-ibm-provider's
``RuntimeWebsocketClient`` (websocket-client). What it expects, and what this module does:

1. The client connects with its usual headers (``Authorization``/``Service-CRN`` or
   ``X-Access-Token``). The request goes through everything a REST request does (the request
   guard, the token check, the runtime app: an unknown job is a 404, an injected fault its
   status), and the runtime app accepts the upgrade with a 101 (``RuntimeApp._stream_job``);
   ``ResultStreams.accept`` completes the handshake (``Sec-WebSocket-Accept``), or refuses it
   with 429 when ``max_streams`` are open.
2. The first message is an acknowledgement, which the client skips:
   ``Listening to results for job: <id>`` (``STREAM_ACK``).
3. Then each interim result the job's program publishes from then on, as the JSON text it
   published, in order; then, when the job completes, its result (the text of ``GET
   /jobs/{id}/results``). The client hands each to the callback, decoded.
4. Then the server closes with 1000 (normal): the client stops streaming and polls the job's
   status. A job that fails or is cancelled gets the close after its interim results; a job
   already final when the stream opens gets the acknowledgement and the close (a stream carries
   what happens while it is open, as the service's pub/sub did).

While a stream waits on a job, simulated time moves as a poll of that job would move it
(``Pacer.advance_for``): under ``pace="poll"`` one event at a time, so the stream never waits
for simulated seconds in real time; under ``"manual"`` only when the test moves the clock.
Streams end when the server stops, or the fake is reset (close 1001).

**An idle stream costs no CPU.** It waits on an event, not a timer: the fake's clock tells its
watchers (``VirtualClock.watch``) whenever time moves or a state transaction ends, and a stream
wakes only when what it waits for may have changed (its job's status, the state replaced, or,
under ``"manual"``, the clock), when the pacer would move its job (``Pacer.wake_after``), or
every ``PING_CHECK`` seconds to answer the client's pings. Each stream is served in its
connection's thread (one thread, no reader thread), and at most ``max_streams`` are open.

The protocol (framing, ping/pong, close) is wsproto's, on the connection's socket.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING

from wsproto.connection import Connection as WebSocket
from wsproto.connection import ConnectionState, ConnectionType
from wsproto.events import CloseConnection, Ping, TextMessage
from wsproto.utilities import RemoteProtocolError

from ...wire.http import HttpRequest, HttpResponse
from ...wire.routes import match_route
from ...wire.vocabulary import API_PREFIX, STREAM_ACK, ErrorCode
from ..core.errors import ServiceError
from .app import error_response
from .legacy_platform import EXPERIMENTAL_PREFIX

if TYPE_CHECKING:
    from ..core.simulation import Simulation
    from ..core.state import RuntimeState
    from .connections import Connection
    from .pacing import Pacer

__all__ = ["CLOSE_GOING_AWAY", "CLOSE_NORMAL", "ResultStreams"]

_log = logging.getLogger(__name__)

#: Close codes (RFC 6455): the stream is over; the server is going away; an unexpected failure.
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_INTERNAL_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013
#: Real seconds between looks at the client's frames while nothing happens (its pings: the 2023
#: client pings every 60 s and gives up after 10 s without a pong).
PING_CHECK = 5.0
#: Real seconds allowed for the client's reply to our close before the socket is shut.
CLOSE_WAIT = 2.0
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3


class _ClientLeft(Exception):
    """The client closed the stream or the connection."""


class ResultStreams:
    """The result streams of one server: their handshakes, their count, their end."""

    def __init__(
        self, simulation: Simulation, pacer: Pacer, *, max_streams: int, write_timeout: float
    ) -> None:
        self.simulation = simulation
        self.pacer = pacer
        self.max_streams = max_streams
        self.write_timeout = write_timeout
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: set[_Stream] = set()

    @property
    def open_streams(self) -> int:
        with self._lock:
            return len(self._open)

    def accept(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """The app's 101, completed with the handshake's accept key; or a refusal."""
        key = request.headers.get("Sec-WebSocket-Key", "")
        if _job_id(request.path) is None or not key:
            return error_response(
                400, ErrorCode.VALIDATION, "Only result streams (/stream/jobs/{id}) are websockets."
            )
        if self.open_streams >= self.max_streams:
            return error_response(
                429,
                ErrorCode.VALIDATION,
                f"{self.max_streams} result streams are open, the most this server serves at "
                "once; close one, or poll the job instead.",
            )
        accept = base64.b64encode(hashlib.sha1(key.encode("latin-1") + _GUID).digest()).decode()
        return HttpResponse(101, response.headers.with_(Sec_WebSocket_Accept=accept))

    def serve(
        self, connection: Connection, request: HttpRequest, response: HttpResponse, data: bytes
    ) -> None:
        """Serve an accepted stream on ``connection`` until it ends (the caller closes it)."""
        job_id = _job_id(request.path)
        assert job_id is not None  # accept() refused the others
        stream = _Stream(self, connection, job_id, request.headers.get("Service-CRN"), data)
        with self._lock:
            over = len(self._open) >= self.max_streams
            if not over:
                self._open.add(stream)
        if over or not connection.streaming():
            stream.close(CLOSE_TRY_AGAIN_LATER)
            return
        try:
            stream.run()
        finally:
            with self._lock:
                self._open.discard(stream)

    def close_all(self, timeout: float = CLOSE_WAIT + 1.0) -> None:
        """The server stops: every open stream closes (1001); waits up to ``timeout`` for them."""
        self._stopping.set()
        with self._lock:
            streams = list(self._open)
        for stream in streams:
            stream.wake.set()
        deadline = time.monotonic() + timeout
        while self.open_streams and time.monotonic() < deadline:
            time.sleep(0.01)  # only while stopping, for at most a few seconds


class _Stream:
    """One open stream, served in its connection's thread."""

    def __init__(
        self,
        streams: ResultStreams,
        connection: Connection,
        job_id: str,
        crn: str | None,
        data: bytes,
    ) -> None:
        self.streams = streams
        self.connection = connection
        self.job_id = job_id
        self.crn = crn
        self.ws = WebSocket(ConnectionType.SERVER)
        if data:  # frames the client sent right after its handshake
            self.ws.receive_data(data)
        self.wake = threading.Event()
        simulation = streams.simulation
        self.simulation = simulation
        self.state: RuntimeState = simulation.state
        #: What the stream last acted on (see ``_signature``): a change wakes it.
        self.seen: tuple[object, ...] = ()

    # --- waking ------------------------------------------------------------------------------

    def _signature(self) -> tuple[object, ...]:
        """What, when it changes, may change what the stream sends. Read without the state's
        lock (the watcher runs inside transactions and clock moves): a stale read only wakes the
        stream once more."""
        job = self.state.jobs.get(self.job_id)
        manual = self.streams.pacer.pace not in ("poll", "real")
        return (
            self.simulation.state is self.state,
            None if job is None else job.status,
            self.simulation.clock.now() if manual else None,  # manual: every move may end a run
        )

    def _changed(self) -> None:
        if self._signature() != self.seen:
            self.wake.set()

    # --- serving -----------------------------------------------------------------------------

    def run(self) -> None:
        unwatch = self.simulation.clock.watch(self._changed)
        code = CLOSE_NORMAL
        try:
            code = self._stream()
        except _ClientLeft:
            return
        except Exception:
            _log.exception("the result stream of job %s failed", self.job_id)
            code = CLOSE_INTERNAL_ERROR
        finally:
            unwatch()
        self.close(code)

    def _stream(self) -> int:
        """Send the acknowledgement, then the job's messages until it is final; the close code."""
        state, job_id, pacer = self.state, self.job_id, self.streams.pacer
        instance = state.instances.for_request(self.crn)
        opened_at = state.clock.now()
        already_final = state.job(job_id, instance).final
        self._send(TextMessage(STREAM_ACK.format(job_id=job_id)))
        if already_final:  # nothing more will happen to it
            return CLOSE_NORMAL
        sent = 0
        while True:
            self.wake.clear()
            self.seen = self._signature()
            if self.streams._stopping.is_set() or self.simulation.state is not state:
                return CLOSE_GOING_AWAY  # the server stops, or the fake was reset
            try:
                job = state.job(job_id, instance)  # waits for the result of a run that ended
                published = state.interim_results(job_id, instance, since=opened_at)
            except ServiceError:  # deleted meanwhile
                return CLOSE_NORMAL
            for text in published[sent:]:
                self._send(TextMessage(text))
            sent = len(published)
            if job.final:
                # A private job's result is read once, from GET /results: not streamed.
                if job.status == "Completed" and job.result_text and not job.private:
                    self._send(TextMessage(job.result_text))
                return CLOSE_NORMAL
            if pacer.advance_for(job_id):
                continue  # time moved for this job: look at it again now
            wait = pacer.wake_after(job_id)
            self.wake.wait(PING_CHECK if wait is None else min(wait, PING_CHECK))
            self._read_client()

    # --- the socket --------------------------------------------------------------------------

    def _read_client(self) -> None:
        """Take what the client sent without waiting: answer pings, drop messages, see a close."""
        sock = self.connection.sock
        try:
            sock.settimeout(0.0)
            while True:
                try:
                    data = sock.recv(65536)
                except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    return
                if not data:
                    raise _ClientLeft
                self.ws.receive_data(data)
                self._answer_events()
        except RemoteProtocolError:
            raise _ClientLeft from None  # not a websocket client: drop it
        except (OSError, ssl.SSLError) as exc:
            raise _ClientLeft from exc

    def _answer_events(self) -> None:
        for event in self.ws.events():
            if isinstance(event, Ping):
                self._send(event.response())
            elif isinstance(event, CloseConnection):
                with contextlib.suppress(_ClientLeft):
                    self._send(event.response())
                raise _ClientLeft
            # Messages: the client has nothing to say; what it sends is dropped, not kept.

    def _send(self, event: TextMessage | CloseConnection | Ping | object) -> None:
        data = self.ws.send(event)  # type: ignore[arg-type]
        try:
            self.connection.sock.settimeout(self.streams.write_timeout)
            self.connection.sock.sendall(data)
        except (OSError, ssl.SSLError) as exc:
            raise _ClientLeft from exc

    def _closed(self) -> bool:
        return self.ws.state is ConnectionState.CLOSED

    def close(self, code: int) -> None:
        """Send a close, wait briefly for the client's, and end the connection."""
        if self.ws.state is ConnectionState.OPEN:
            with contextlib.suppress(_ClientLeft, OSError, RemoteProtocolError):
                self._send(CloseConnection(code=code))
                deadline = time.monotonic() + CLOSE_WAIT
                while not self._closed():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self.connection.sock.settimeout(left)
                    data = self.connection.sock.recv(65536)
                    if not data:
                        break
                    self.ws.receive_data(data)
                    for _ in self.ws.events():
                        pass
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self.connection.sock, socket.SHUT_RDWR)


def _job_id(path: str) -> str | None:
    # The 2023 client on ibm_cloud reaches the runtime API under /experimental (legacy_platform).
    path = path.removeprefix(EXPERIMENTAL_PREFIX)
    if not path.startswith(API_PREFIX + "/"):
        return None
    route, params, _ = match_route("GET", path[len(API_PREFIX) :].rstrip("/"))
    return params.get("job_id") if route is not None and route.name == "stream_job" else None
