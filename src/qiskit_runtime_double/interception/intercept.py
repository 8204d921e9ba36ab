"""``Interception``: the official client's requests to IBM's hosts, answered by a ``Transport``.

The seam is the one every other part of the package uses: ``Transport.handle(HttpRequest) ->
HttpResponse``. So the official client gets what our own client gets, per mode:

- a fake in process: ``FakeRoutes(fake)`` (``mock_runtime`` builds it);
- a cassette: ``CassetteTransport(path, "replay")``, with the same semantic matching of job
  payloads and poll-aware replay; or recording, ``CassetteTransport(path, mode, inner=...)`` around
  ``FakeRoutes(fake)`` or ``PassThrough`` (the live service), with our scrubbing and format;
- anything else that speaks the protocol (a ``MockTransport`` of your own).

While it runs, urllib3's per-attempt request is replaced for IBM's hosts only (``urllib3_hook``)
and, unless ``virtual_time=False``, ``time.time``/``time.sleep`` follow the transport's clock
(``virtual_time``). ``stop()`` (leaving the ``with`` block) puts both back. One interception at a
time per process: starting a second one while one runs is an ``InterceptionError``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import TransportError
from ..probe import probe_of
from ..wire.http import HttpRequest, HttpResponse
from . import urllib3_hook
from .hosts import family_of
from .virtual_time import VirtualTime

if TYPE_CHECKING:
    from ..transports.base import Transport

__all__ = ["USAGE_OPT_OUT", "Interception", "Reply"]

#: The official client's switch for its usage data (every release since 0.2x reads it).
USAGE_OPT_OUT = "USAGE_DATA_OPT_OUT"

#: A hook on each answer (for replayed IAM tokens, progress lines): given the request and the
#: transport's answer, returns the answer the client gets.
Reply = Callable[[HttpRequest, HttpResponse], HttpResponse]


class Interception:
    """Routes the official client's traffic to IBM's hosts to ``transport`` while started.

    ``virtual_time``: whether the client's ``time.time``/``time.sleep`` follow
    ``transport.clock`` (True for a fake or a cassette; False for the live service, where jobs
    take real time). ``usage_data``: whether the client keeps collecting its usage data (the
    ``X-Qx-Client-Application`` header, built by walking the call stack on every request: most of
    the client's own time per request); by default it is off while the interception runs (the
    client's ``USAGE_DATA_OPT_OUT`` variable) unless the transport is a ``PassThrough`` to the
    real service, where the user's choice stands (pass ``usage_data=True`` for a cassette that
    records from it). ``replies``: hooks applied to each
    answer, in order. ``hosts``: more hosts
    (``"name"`` or ``"name:port"``) to route besides IBM's, e.g. a fake served on loopback that
    stands in for IBM while recording. ``name`` says who started it, for the error a second
    interception gets.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        virtual_time: bool = True,
        replies: tuple[Reply, ...] = (),
        hosts: Iterable[str] = (),
        usage_data: bool | None = None,
        name: str = "an Interception",
    ) -> None:
        self.transport = transport
        self.usage_data = (
            isinstance(transport, urllib3_hook.PassThrough) if usage_data is None else usage_data
        )
        self._saved_opt_out: str | None = None
        self.hosts = frozenset(host.lower() for host in hosts)
        self.virtual_time = (
            VirtualTime(transport.clock, probe_of(transport)) if virtual_time else None
        )
        self._replies = replies
        self._name = name
        self._lock = threading.Lock()
        self._started = False
        #: How many requests were answered (every one without a socket, unless the transport
        #: sends them on, as ``PassThrough`` does).
        self.answered = 0

    # --- what urllib3_hook asks ----------------------------------------------------------------

    def routes(self, url: str) -> bool:
        if family_of(url) is not None:
            return True
        if not self.hosts:
            return False
        parts = urlsplit(url)
        return parts.netloc.lower() in self.hosts or (parts.hostname or "") in self.hosts

    def answer(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.transport.handle(request)
        except TransportError as exc:
            # Seen by urllib3 as a dropped connection: its retries and the client's handling of
            # a lost connection run as they would against IBM.
            raise ConnectionResetError(str(exc)) from exc
        for reply in self._replies:
            response = reply(request, response)
        with self._lock:
            self.answered += 1
        return response

    # --- on and off ----------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._started

    def start(self) -> Interception:
        if self._started:
            raise urllib3_hook.InterceptionError(f"{self._name} is already started")
        urllib3_hook.install(self, self._name)
        try:
            if self.virtual_time is not None:
                self.virtual_time.start()
        except BaseException:
            urllib3_hook.uninstall(self)
            raise
        if not self.usage_data:
            self._saved_opt_out = os.environ.get(USAGE_OPT_OUT)
            os.environ[USAGE_OPT_OUT] = "True"
        self._started = True
        return self

    def stop(self) -> None:
        """Put urllib3 and the ``time`` module back. Idempotent."""
        if not self._started:
            return
        self._started = False
        if not self.usage_data:
            if self._saved_opt_out is None:
                os.environ.pop(USAGE_OPT_OUT, None)
            else:
                os.environ[USAGE_OPT_OUT] = self._saved_opt_out
        try:
            if self.virtual_time is not None:
                self.virtual_time.stop()
        finally:
            urllib3_hook.uninstall(self)

    def __enter__(self) -> Interception:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "started" if self._started else "stopped"
        return f"<Interception {state} -> {self.transport!r}>"
