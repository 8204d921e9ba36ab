"""``FakeServer``: the fake on a loopback port, over real HTTP, for clients we do not control.

Our own HTTP/1.1 server runs in threads: ``connections.py`` accepts connections (at most
``ServerLimits.max_connections``, evicting idle ones first) and ``http11.py`` parses each request
with h11, asks the request guard before reading any body, and hands the request to the fake's
``app``: the runtime API under ``/api/v1``, plus the IAM, Global Search and Catalog endpoints
(``platform.py``), and a live page at ``/`` (``dashboard.py``). Get one with
``FakeRuntime.serve()``; ``compat.official_service(server)`` points the official client at it.
The server serves a fake's HTTP edge (``edge.py``), never the ``FakeRuntime`` itself. How
simulated time moves while served is ``pacing.py``'s business (where it starts:
``Simulation.start_on_the_wall_clock``); what the server refuses before any route sees a request
(web pages, DNS rebinding, the control API without its token) is ``guard.py``'s; its options are
``serve_options.py``'s; what one client may cost it is ``limits.py``'s. The 2023 result stream (a
websocket) is ``stream.py``'s. Why our own server and not werkzeug's development server or another
library: ``docs/server-mode.md``, "The HTTP server".
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from typing_extensions import Unpack

from ...wire.http import HttpRequest, HttpResponse
from ...wire.vocabulary import API_PREFIX
from .dashboard import dashboard_url, with_page
from .guard import CONTROL_HEADER, RequestGuard, is_loopback
from .known_secrets import KnownSecrets
from .legacy_platform import AUTH_PREFIX, EXPERIMENTAL_PREFIX
from .limits import ServerLimits
from .serve_options import Pace, ServeOptions, check_serve_options
from .tls import Certificate

if TYPE_CHECKING:
    from ...wire.http import App
    from .connections import ConnectionServer
    from .edge import HttpEdge
    from .stream import ResultStreams

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
        self,
        fake: Servable,
        *,
        app: App | None = None,
        limits: ServerLimits | None = None,
        **options: Unpack[ServeOptions],
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
        #: What one client, or many, may cost the server (``limits.py``).
        self.limits = limits if limits is not None else ServerLimits()
        if not isinstance(self.limits, ServerLimits):
            raise TypeError(f"limits must be a ServerLimits, got {type(limits).__name__}")
        self._connections: ConnectionServer | None = None
        self._streams: ResultStreams | None = None
        self._port = 0
        self._restore: tuple[bool, Pace, float, float] | None = None
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()  # not ``_lock``: request threads log while stop() waits
        self._log: deque[ServedRequest] = deque(maxlen=LOG_SIZE)
        self._secrets = KnownSecrets(self._known_secrets)

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
        if self._connections is None:
            raise RuntimeError("the server is not running: call start() (or serve()) first")
        return self._port

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
        return self._connections is not None

    def __repr__(self) -> str:
        where = self.url if self._connections is not None else "stopped"
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

    def _known_secrets(self) -> list[str]:
        return [self._token, *(self.edge.platform.api_keys or ())]

    def _served(self, request: HttpRequest, response: HttpResponse) -> None:
        # No headers, no body; secret-named query values (``?token=``) and the secrets the
        # server knows by value (its control token, the accepted API keys) redacted anywhere.
        path = self._secrets.text(request.path)
        query = self._secrets.query(request.query)
        entry = ServedRequest(request.method, path, query, response.status_code)
        with self._log_lock:
            self._log.append(entry)
        if _log.isEnabledFor(logging.DEBUG):
            target = request.url.partition("://")[2].partition("/")[2]
            line = self._secrets.text(f"{request.method} /{target}")
            _log.debug("%s -> %d", line, response.status_code)

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> FakeServer:
        """Bind and serve in a background thread (no-op when already running).

        When it fails (a busy port, a pace the fake's clock cannot follow), nothing is left
        changed: no socket, no thread, the fake's ``require_auth`` and pace as they were.
        """
        with self._lock:
            if self._connections is not None:
                return self
            from .connections import ConnectionServer
            from .http11 import Http11
            from .stream import ResultStreams

            listener = _listen(self.host, self._requested_port)
            try:
                # The key is read into the context and deleted at once (tls.py).
                certificate = Certificate(self.host) if self._tls else None
            except BaseException:
                listener.close()
                raise
            address, port = listener.getsockname()[:2]
            guard = RequestGuard.for_address(
                with_page(self._app),
                host=self.host,
                address=address,
                port=port,
                control_token=self._token,
            )
            limits = self.limits
            streams = ResultStreams(
                self.edge.simulation,
                self.edge.pacer,
                max_streams=limits.max_streams,
                write_timeout=limits.write_timeout,
            )
            front = Http11(
                guard,
                scheme="https" if certificate is not None else "http",
                limits=limits,
                streams=streams,
                on_served=self._served,
                tls=None if certificate is None else certificate.context,
            )
            connections = ConnectionServer(
                listener,
                front,
                max_connections=limits.max_connections,
                name=f"qiskit-runtime-double:{port}",
            )
            platform, pacer = self.edge.platform, self.edge.pacer
            clock = self.edge.simulation.clock
            restore = (platform.require_auth, pacer.pace, pacer.speed, pacer.max_wait)
            start_choice = clock.start_choice
            try:
                pacer.set_pace(self._pace, self._speed, self._max_wait)  # may refuse
                self.edge.prepare_to_serve()  # time at the wall clock, every official device
                platform.require_auth = self._require_auth
                connections.start()
            except BaseException:
                platform.require_auth = restore[0]
                pacer.set_pace(restore[1], restore[2], restore[3])
                if clock.start_choice != start_choice:
                    clock.restart(start_choice)  # still nothing in the fake: safe to go back
                listener.close()
                if certificate is not None:
                    certificate.remove()
                raise
            self._restore = restore
            self._certificate = certificate
            self._port = int(port)
            self._connections, self._streams = connections, streams
            return self

    def stop(self) -> None:
        """Stop serving: close open streams (1001), the socket and every connection, join their
        threads; restore the fake's settings."""
        with self._lock:
            connections, streams = self._connections, self._streams
            self._connections, self._streams = None, None
            if connections is None:
                return
            if streams is not None:
                streams.close_all()
            connections.stop()
            if self._certificate is not None:
                self._certificate.remove()
                self._certificate = None
            if self._restore is not None:
                require_auth, pace, speed, max_wait = self._restore
                self.edge.platform.require_auth = require_auth
                self.edge.pacer.set_pace(pace, speed, max_wait)
                self._restore = None

    @property
    def open_connections(self) -> int:
        """Connections open now (0 when stopped): at most ``limits.max_connections``."""
        connections = self._connections
        return 0 if connections is None else connections.open_connections

    @property
    def open_streams(self) -> int:
        """Result streams open now (0 when stopped): at most ``limits.max_streams``."""
        streams = self._streams
        return 0 if streams is None else streams.open_streams

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
        listener.listen(1024)  # a flood waits here, not in refused connects
    except OSError as exc:
        listener.close()
        raise OSError(
            exc.errno,
            f"cannot serve the fake on {host}:{port}: {exc.strerror}. "
            "Pick another port, or port=0 for a free one.",
        ) from exc
    return listener
