"""The 2023 result stream of a served fake: the websocket ``{runtime}/stream/jobs/{job_id}``.

The 0.11-0.15 client opens it for every job it waits on (``RuntimeJob.wait_for_final_state``)
and for a job given a ``callback`` (``stream_results``), through qiskit-ibm-provider's
``RuntimeWebsocketClient`` (websocket-client). What it expects, and what this module does:

1. The client connects with its usual headers (``Authorization``/``Service-CRN`` or
   ``X-Access-Token``). The request goes through everything a REST request does (the request
   guard, the token check, the runtime app: an unknown job is a 404, an injected fault its
   status), and the runtime app accepts the upgrade with a 101 (``RuntimeApp._stream_job``).
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
Streams end when the server stops (close 1001).

The protocol itself (handshake, framing, ping/pong, close) is simple-websocket's, on werkzeug's
socket (``environ["werkzeug.socket"]``); it is imported here only, when a stream opens.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ...wire.routes import match_route
from ...wire.vocabulary import API_PREFIX, STREAM_ACK
from ..core.errors import ServiceError
from .legacy_platform import EXPERIMENTAL_PREFIX

if TYPE_CHECKING:
    from ..core.simulation import Simulation
    from .pacing import Pacer

__all__ = ["CLOSE_GOING_AWAY", "CLOSE_NORMAL", "stream_upgrades"]

_log = logging.getLogger(__name__)

#: Close codes (RFC 6455): the stream is over; the server is going away.
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
#: Real seconds a stream waits before looking again when simulated time did not move.
IDLE_WAIT = 0.05
#: Real seconds allowed for the client's reply to our close before the socket is shut.
CLOSE_WAIT = 2.0
#: The largest message a client may send (it has nothing to say; what it sends is discarded).
MAX_CLIENT_MESSAGE = 64 * 1024

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def stream_upgrades(
    app: Wsgi, simulation: Simulation, pacer: Pacer, stopping: threading.Event
) -> Wsgi:
    """``app`` (the served fake's WSGI application), plus the result streams.

    A websocket request is answered by ``app`` like any other; when the answer is the runtime
    app's 101, the stream is served on the request's socket until it ends. ``stopping`` set:
    open streams close.
    """

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_UPGRADE", "").lower() != "websocket":
            return app(environ, start_response)
        answer: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return lambda data: None

        body = app(environ, capture)
        if not answer or not answer[0].startswith("101"):
            start_response(*(answer or ["500 Internal Server Error", []]))
            return body
        job_id = _job_id(environ.get("PATH_INFO", ""))
        if job_id is None or "werkzeug.socket" not in environ:
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return [b""]
        crn = environ.get("HTTP_SERVICE_CRN")
        _serve(environ, simulation, pacer, job_id, crn, stopping)
        # The socket was the websocket's: werkzeug must write nothing more on it.
        raise ConnectionError(f"the result stream of job {job_id} is over")

    return application


def _job_id(path: str) -> str | None:
    # The 2023 client on ibm_cloud reaches the runtime API under /experimental (legacy_platform).
    path = path.removeprefix(EXPERIMENTAL_PREFIX)
    if not path.startswith(API_PREFIX + "/"):
        return None
    route, params, _ = match_route("GET", path[len(API_PREFIX) :].rstrip("/"))
    return params.get("job_id") if route is not None and route.name == "stream_job" else None


def _serve(
    environ: dict[str, Any],
    simulation: Simulation,
    pacer: Pacer,
    job_id: str,
    crn: str | None,
    stopping: threading.Event,
) -> None:
    """Perform the handshake, stream, close; then release the socket."""
    from simple_websocket import ConnectionClosed, Server

    connection: socket.socket = environ["werkzeug.socket"]
    try:
        ws = Server.accept(environ, max_message_size=MAX_CLIENT_MESSAGE)
    except Exception:  # a malformed handshake: nothing was written, drop the connection
        _log.debug("websocket handshake failed for job %s", job_id, exc_info=True)
        _shut(connection)
        return
    code = CLOSE_NORMAL
    try:
        code = _stream(ws, simulation, pacer, job_id, crn, stopping)
    except ConnectionClosed:
        pass  # the client went away
    except Exception:
        _log.exception("the result stream of job %s failed", job_id)
        code = 1011  # RFC 6455: the server met an unexpected condition
    finally:
        if ws.connected:
            with contextlib.suppress(ConnectionClosed):  # the client closed meanwhile
                ws.close(code)
        ws.thread.join(CLOSE_WAIT)  # the client's close reply, read by simple-websocket
        _shut(connection)


def _stream(
    ws: Any,
    simulation: Simulation,
    pacer: Pacer,
    job_id: str,
    crn: str | None,
    stopping: threading.Event,
) -> int:
    """Send the acknowledgement, then the job's messages until it is final; the close code."""
    state = simulation.state
    instance = state.instances.for_request(crn)
    opened_at = state.clock.now()
    already_final = state.job(job_id, instance).final
    ws.send(STREAM_ACK.format(job_id=job_id))
    if already_final:  # nothing more will happen to it
        return CLOSE_NORMAL
    sent = 0
    while ws.connected:
        if stopping.is_set() or simulation.state is not state:  # server stopping, or fake reset
            return CLOSE_GOING_AWAY
        while ws.receive(timeout=0) is not None:
            pass  # the client has nothing to say: what it sends is dropped, not kept
        try:
            job = state.job(job_id, instance)  # waits for the result of a run that just ended
            published = state.interim_results(job_id, instance, since=opened_at)
        except ServiceError:  # deleted meanwhile
            return CLOSE_NORMAL
        for text in published[sent:]:
            ws.send(text)
        sent = len(published)
        if job.final:
            # A private job's result is read once, from GET /results: not streamed.
            if job.status == "Completed" and job.result_text and not job.private:
                ws.send(job.result_text)
            return CLOSE_NORMAL
        if not pacer.advance_for(job_id):
            stopping.wait(IDLE_WAIT)  # time moves when someone moves it: look again soon
    return CLOSE_NORMAL


def _shut(connection: socket.socket) -> None:
    """End the connection both ways: werkzeug then reads no further request from it."""
    with contextlib.suppress(OSError):  # already closed by the client
        connection.shutdown(socket.SHUT_RDWR)
