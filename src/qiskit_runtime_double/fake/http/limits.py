"""``ServerLimits``: what one client, or a crowd of them, may cost a served fake.

The served fake is reachable by every program on the machine (and, with ``allow_remote``, the
network). These bounds keep a hostile or broken client from crashing it, exhausting its memory,
threads or file descriptors, or starving the clients it is there for; ``docs/guarantees.md``
states them for users. ``FakeServer(fake, limits=ServerLimits(...))`` changes them (tests use
small ones); the defaults suit a test suite and a developer's machine.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .app import MAX_BODY_BYTES

__all__ = ["ServerLimits"]


@dataclass(frozen=True)
class ServerLimits:
    """Bounds on connections, sizes and waits (module doc). Every field is positive.

    - ``max_connections``: open connections at once. At the limit, a new connection takes the
      place of the one that has waited longest for its request to arrive (an idle keep-alive
      connection, or one sending its request slowly); connections whose request is being answered
      or that carry a result stream are never dropped: when all are, new ones wait in the listen
      backlog.
    - ``max_streams``: open websocket result streams at once (each holds a thread); one more is
      refused with 429.
    - ``max_header_bytes``: a request line plus its headers; more is refused with 431.
    - ``max_headers``: header fields in one request; more is refused with 431.
    - ``max_body_bytes``: one request's body; more is refused with 413 before it is read.
    - ``max_buffered_bytes``: bodies being received at once, over every connection; a request
      that would pass it is refused with 503 and ``Retry-After``.
    - ``idle_timeout``: real seconds a keep-alive connection may wait for its next request's
      first byte before the server closes it (quietly).
    - ``request_timeout``: real seconds from a request's first byte (or the TLS handshake's) to
      its last; past it the server answers 408 and closes.
    - ``write_timeout``: real seconds the server waits for a client to take an answer or a
      stream message before it drops the connection.
    - ``max_requests_per_connection``: requests one connection may carry; the answer to the last
      says ``Connection: close`` and the server closes it. 1 by default, as werkzeug's server did:
      a client that never closes its connection pools (the official client's ``requests``
      sessions) then leaves no open socket behind to be collected later with a
      ``ResourceWarning`` (an error in a test suite that turns warnings into errors). Raise it to
      let clients reuse connections (keep-alive, pipelining), as IBM's service does.
    """

    max_connections: int = 256
    max_streams: int = 128
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    max_body_bytes: int = MAX_BODY_BYTES
    max_buffered_bytes: int = 4 * MAX_BODY_BYTES
    idle_timeout: float = 60.0
    request_timeout: float = 30.0
    write_timeout: float = 30.0
    max_requests_per_connection: int = 1

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(
                    f"ServerLimits.{item.name} must be a positive number, got {value!r}"
                )
        if self.max_body_bytes > self.max_buffered_bytes:
            raise ValueError(
                f"ServerLimits.max_buffered_bytes ({self.max_buffered_bytes}) must be at least "
                f"max_body_bytes ({self.max_body_bytes}): one whole body must fit"
            )
