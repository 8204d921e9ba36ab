"""``FakeServer``: the fake on a loopback port, over real HTTP, for clients we do not control.

A werkzeug server (imported lazily: ``import qiskit_runtime_double`` stays light) runs in a thread
and hands every request, through the WSGI adapter of ``wsgi.py``, to the fake's ``app``: the
runtime API under ``/api/v1``, plus the IAM, Global Search and Catalog endpoints (``platform.py``),
and a live page at ``/`` (``dashboard.py``). Get one with ``FakeRuntime.serve()``;
``compat.official_service(server)`` points the official client at it. The server serves a fake's
HTTP edge (``edge.py``), never the ``FakeRuntime`` itself. How simulated time moves while served is
``pacing.py``'s business (where it starts: ``Simulation.start_on_the_wall_clock``); what the
server refuses before any route sees a request (web pages, DNS rebinding, the control API without
its token) is ``guard.py``'s; its options are ``serve_options.py``'s.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from typing_extensions import Unpack

from ...wire.http import HttpRequest, HttpResponse
from ...wire.redact import redact_query, redact_text
from ...wire.vocabulary import API_PREFIX
from .dashboard import dashboard_url, with_page
from .guard import CONTROL_HEADER, RequestGuard, is_loopback
from .legacy_platform import AUTH_PREFIX, EXPERIMENTAL_PREFIX
from .serve_options import Pace, ServeOptions, check_serve_options
from .stream import stream_upgrades
from .tls import Certificate
from .wsgi import wsgi_adapter

if TYPE_CHECKING:
    from ...wire.http import App
    from .edge import HttpEdge

__all__ = ["CONTROL_HEADER", "FakeServer", "Servable", "ServedRequest", "is_loopback"]

_log = logging.getLogger(__name__)

#: How many served requests the log keeps (oldest dropped first).
LOG_SIZE = 5_000


class Servable(Protocol):
    """What ``FakeServer`` serves: something with an HTTP edge (a ``FakeRuntime``)."""

    @property
    def edge(self) -> HttpEdge: ...


@dataclass(frozen=True)
class ServedRequest:
    """One request the server answered: no headers, no body, so no credentials."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int


class FakeServer:
    """A ``FakeRuntime`` served on ``host:port`` (loopback; port 0 picks a free one).

    ``serve()`` makes and starts one; use it as a context manager to stop it. While it runs, the
    fake requires IAM tokens on the runtime API (``require_auth``) and paces simulated time with
    ``pace``, ``speed`` and ``max_wait`` (see ``fake/http/pacing.py``); ``stop()`` restores both.
    Serving a fake that has done nothing yet, whose clock has no chosen start, starts its time at
    the real current UTC time (for good: ``reset()`` then restarts there too), so that clients
    reading the wall clock see jobs dated in their calendar; a chosen start is kept. ``app``
    replaces what is served (default ``fake.app``), e.g. to wrap it in test middleware.
    ``requests`` lists what was served. The options (``host``, ``port``, ``pace``...) are
    ``serve_options.ServeOptions``.

    Everything served is behind ``fake/http/guard.py``'s ``RequestGuard``: requests from web pages
    and foreign ``Host`` names are refused, and the control API (``/_double``) needs the header
    ``X-Runtime-Double-Control: <control_token>`` (``control_headers`` has it ready).
    ``control_token``: None (default) draws a random one; a string of at least 16 printable
    characters chooses it (e.g. for a harness starting the server in another process).
    """

    def __init__(
        self, fake: Servable, *, app: App | None = None, **options: Unpack[ServeOptions]
    ) -> None:
        checked = check_serve_options(dict(options))
        #: What is served (the ``FakeRuntime``), and its HTTP edge.
        self.fake = fake
        self.edge = fake.edge
        self.host = checked["host"].strip("[]")  # "[::1]" as in URLs; the socket wants "::1"
        self._requested_port: int = checked["port"]
        self._require_auth: bool = checked["require_auth"]
        self._pace: Pace = checked["pace"]
        self._speed = float(checked["speed"])
        self._max_wait = float(checked["max_wait"])
        self._app = app if app is not None else self.edge.app
        self._token: str = checked["control_token"] or secrets.token_urlsafe(32)
        self._tls: bool = checked["tls"]
        self._certificate: Certificate | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._restore: tuple[bool, Pace, float, float] | None = None
        #: Set when the server stops: open result streams (``fake/http/stream.py``) close.
        self._streams_stop = threading.Event()
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()  # not ``_lock``: request threads log while stop() waits
        self._log: deque[ServedRequest] = deque(maxlen=LOG_SIZE)

    # --- the control token -------------------------------------------------------------------

    @property
    def control_token(self) -> str:
        """The secret the control API (``/_double/...``) requires (``X-Runtime-Double-Control``)."""
        return self._token

    @property
    def control_headers(self) -> dict[str, str]:
        """Headers for a control API request: the token, and the JSON content type bodies need.

        ``requests.post(server.url + "/_double/reset", headers=server.control_headers)``
        """
        return {CONTROL_HEADER: self._token, "Content-Type": "application/json"}

    # --- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not running: call start() (or serve()) first")
        return int(self._server.port)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self._tls else 'http'}://{host}:{self.port}"

    @property
    def tls(self) -> bool:
        """Whether the server speaks ``https://`` (``serve(tls=True)``)."""
        return self._tls

    @property
    def ca_bundle(self) -> str | None:
        """With TLS, the server's self-signed certificate (PEM): clients' CA bundle. Else None."""
        if self._certificate is None:
            return None
        return str(self._certificate.path)

    @property
    def dashboard_url(self) -> str:
        """The page of this server (``/``) with the control token in its fragment: a secret.

        Open it in a browser to watch sessions, jobs, queues and the timeline, and to steer the
        fake. The browser never sends the fragment to the server; the page reads it.
        """
        return dashboard_url(self.url, self._token)

    @property
    def runtime_url(self) -> str:
        return self.url + API_PREFIX

    @property
    def iam_url(self) -> str:
        return self.url

    @property
    def search_url(self) -> str:
        return self.url

    @property
    def catalog_url(self) -> str:
        return self.url + "/catalog"

    @property
    def instance(self) -> str:
        return self.edge.simulation.plan.instance

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"FakeServer({where}, pace={self._pace!r}, require_auth={self._require_auth})"

    def _backends_line(self) -> str:
        """The fake's own backends, then how many official devices it offers by name."""
        catalogue = self.edge.simulation.catalogue
        own = [name for name, entry in catalogue.items() if not entry.offered]
        offered = [name for name, entry in catalogue.items() if entry.offered]
        if not offered:
            return ", ".join(own)
        return (
            f"{', '.join(own)}; and {len(offered)} official fake devices by name ({offered[0]}...)"
        )

    def describe(self) -> str:
        """Where the server answers and how to point our client and the official one at it."""
        url, runtime, crn = self.url, self.runtime_url, self.instance
        keys = "any non-empty key" if self.edge.platform.api_keys is None else "the given ones"
        pace = {
            "poll": f"follows real time x{self._speed:g}; polls skip a job to its next status "
            f"after {self._max_wait:g} s",
            "real": f"follows real time x{self._speed:g}",
            "manual": "moves only when told (POST /_double/clock)",
            "off": "moves only when told (POST /_double/clock)",
        }[self._pace]
        return "\n".join(
            [
                f"qiskit-runtime-double: a fake Qiskit Runtime on {url}",
                f"  runtime API     {runtime}",
                f"  IAM token       {url}/identity/token",
                f"  Global Search   {url}/v3/resources/search",
                f"  Global Catalog  {self.catalog_url}",
                f"  control API     {url}/_double/... (header {CONTROL_HEADER}: <control token>)",
                f"  page            {url}/ (live sessions, jobs, queues; needs the control token)",
                f"  OpenAPI         {url}/openapi.json (every route, its bodies and answers)",
                f"  instance (CRN)  {crn}",
                f"  backends        {self._backends_line()}",
                f"  API keys        {keys}",
                f"  simulated time  {pace}",
                *(
                    [f"  TLS certificate {self.ca_bundle} (trust it: REQUESTS_CA_BUNDLE)"]
                    if self.ca_bundle
                    else []
                ),
                f"  simulated now   {self.edge.simulation.clock.now().isoformat()}",
                "",
                "Our client:",
                '    QiskitRuntimeService(channel="ibm_quantum_platform", token="any",',
                f'        instance="{crn}",',
                f'        runtime_url="{runtime}", iam_url="{url}")',
                "The official client (qiskit-ibm-runtime):",
                f"    export IAM_URL={url} GLOBAL_SEARCH_URL={url} "
                f"GLOBAL_CATALOG_URL={self.catalog_url}",
                '    QiskitRuntimeService(channel="ibm_quantum_platform", token="any",',
                f'        instance="{crn}",',
                f'        url_resolver=lambda *args: "{runtime}")',
                "  or, in Python: qiskit_runtime_double.compat.official_service(server)",
                "The 2023 client (qiskit-ibm-runtime 0.11 to 0.15), account from the environment:",
                f"    export QISKIT_IBM_CHANNEL=ibm_quantum QISKIT_IBM_URL={url}{AUTH_PREFIX} "
                "QISKIT_IBM_TOKEN=any",
                f"    or QISKIT_IBM_CHANNEL=ibm_cloud QISKIT_IBM_URL={url}{EXPERIMENTAL_PREFIX}"
                f"{API_PREFIX} QISKIT_IBM_TOKEN=any QISKIT_IBM_INSTANCE={crn}",
                "  or, in Python: qiskit_runtime_double.compat.legacy_environment(server, channel)",
            ]
        )

    # --- the request log ---------------------------------------------------------------------

    @property
    def requests(self) -> list[ServedRequest]:
        """The requests served so far (the latest ``LOG_SIZE``), oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def _served(self, request: HttpRequest, response: HttpResponse) -> None:
        # No headers, no body; secret-named query values (``?token=``) redacted.
        query = redact_query(request.query)
        entry = ServedRequest(request.method, request.path, query, response.status_code)
        with self._log_lock:
            self._log.append(entry)

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> FakeServer:
        """Bind and serve in a background thread (no-op when already running).

        When it fails (a busy port, a pace the fake's clock cannot follow), nothing is left
        changed: no socket, no thread, the fake's ``require_auth`` and pace as they were.
        """
        with self._lock:
            if self._server is not None:
                return self
            from werkzeug.serving import make_server

            # We bind the socket ourselves: werkzeug answers a failed bind with sys.exit(1).
            listener = _listen(self.host, self._requested_port)
            certificate = Certificate(self.host) if self._tls else None
            try:
                address, port = listener.getsockname()[:2]
                guard = RequestGuard.for_address(
                    with_page(self._app),
                    host=self.host,
                    address=address,
                    port=port,
                    control_token=self._token,
                )
                self._streams_stop = threading.Event()
                server: Any = make_server(
                    self.host,
                    self._requested_port,
                    stream_upgrades(
                        wsgi_adapter(guard, self._served),
                        self.edge.simulation,
                        self.edge.pacer,
                        self._streams_stop,
                    ),
                    threaded=True,
                    request_handler=_quiet_handler(),
                    fd=listener.fileno(),
                    ssl_context=None if certificate is None else certificate.server_context(),
                )
            except BaseException:
                if certificate is not None:
                    certificate.remove()
                raise
            finally:
                listener.close()  # werkzeug serves on a duplicate of it
            server.log = _server_log  # werkzeug's default configures the root of its own logger
            platform, pacer = self.edge.platform, self.edge.pacer
            clock = self.edge.simulation.clock
            restore = (platform.require_auth, pacer.pace, pacer.speed, pacer.max_wait)
            start_choice = clock.start_choice
            try:
                pacer.set_pace(self._pace, self._speed, self._max_wait)  # may refuse
                self.edge.prepare_to_serve()  # time at the wall clock, every official device
                platform.require_auth = self._require_auth
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"qiskit-runtime-double:{server.port}",
                    daemon=True,
                )
                thread.start()
            except BaseException:
                platform.require_auth = restore[0]
                pacer.set_pace(restore[1], restore[2], restore[3])
                if clock.start_choice != start_choice:
                    clock.restart(start_choice)  # still nothing in the fake: safe to go back
                server.server_close()
                if certificate is not None:
                    certificate.remove()
                raise
            self._restore = restore
            self._certificate = certificate
            self._server, self._thread = server, thread
            return self

    def stop(self) -> None:
        """Stop serving, close the socket, join the thread; restore the fake's settings."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server, self._thread = None, None
            if server is None:
                return
            self._streams_stop.set()
            server.shutdown()  # ends serve_forever, which then closes the socket
            if thread is not None:
                thread.join(timeout=10)
            server.server_close()
            if self._certificate is not None:
                self._certificate.remove()
                self._certificate = None
            if self._restore is not None:
                require_auth, pace, speed, max_wait = self._restore
                self.edge.platform.require_auth = require_auth
                self.edge.pacer.set_pace(pace, speed, max_wait)
                self._restore = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)
    except OSError as exc:
        listener.close()
        raise OSError(
            exc.errno,
            f"cannot serve the fake on {host}:{port}: {exc.strerror}. "
            "Pick another port, or port=0 for a free one.",
        ) from exc
    return listener


def _server_log(type: str, message: str, *args: Any) -> None:
    _log.debug(message, *args)


def _quiet_handler() -> type[Any]:
    """werkzeug's request handler, logging to our logger at DEBUG instead of stderr."""
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        # Keep-alive: clients reuse one connection instead of a TCP handshake per request.
        protocol_version = "HTTP/1.1"

        def log(self, type: str, message: str, *args: Any) -> None:
            # Tokens travel in headers and keys in bodies, but a query can carry one (?token=).
            line = message % args if args else message
            _log.debug("%s %s", self.address_string(), redact_text(line))

    return QuietHandler
