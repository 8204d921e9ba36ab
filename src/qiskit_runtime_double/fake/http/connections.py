"""The served fake's connections: one accept loop, a thread per connection, a hard limit.

``ConnectionServer`` accepts connections on a listening socket and serves each in a thread of its
own with a handler (``http11.Http11``). It never holds more than ``max_connections`` at once:

- A connection is *waiting* while the server waits for its next request (idle keep-alive, or a
  request still arriving), *busy* while the app answers it, *streaming* while it carries a result
  stream. At the limit, a new connection takes the place of the connection that has been waiting
  longest: an idle or slowloris flood is evicted oldest first, so a client that connects and sends
  its request at once is always served. Busy and streaming connections are never evicted; when
  every connection is one, new ones wait in the listen backlog until one ends.
- An ``accept`` that fails for want of file descriptors (``EMFILE``) evicts the oldest waiting
  connection and pauses briefly instead of spinning.

``stop()`` stops accepting, shuts every connection (their threads then end) and joins them.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from typing import Literal

__all__ = ["Connection", "ConnectionServer"]

_log = logging.getLogger(__name__)

State = Literal["waiting", "busy", "streaming", "closed"]
#: Real seconds the accept loop pauses when the process is out of file descriptors.
_OUT_OF_FILES_PAUSE = 0.05
_OUT_OF_FILES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class Connection:
    """One accepted connection: its socket, peer, and what the server is doing with it."""

    def __init__(self, sock: socket.socket, peer: str, changed: threading.Condition) -> None:
        self.sock = sock
        self.peer = peer
        self.state: State = "waiting"
        #: When the current wait started (monotonic): eviction takes the oldest first.
        self.since = time.monotonic()
        self._changed = changed  # the server's condition: its lock guards ``state``

    def waiting(self) -> None:
        """The server now waits for this connection's next request: it may be evicted."""
        with self._changed:
            if self.state != "closed":
                self.state, self.since = "waiting", time.monotonic()
            self._changed.notify_all()

    def busy(self) -> bool:
        """The app answers a request of this connection; False if it was evicted already."""
        return self._become("busy")

    def streaming(self) -> bool:
        """This connection now carries a result stream; False if it was evicted already."""
        return self._become("streaming")

    def _become(self, state: State) -> bool:
        with self._changed:
            if self.state == "closed":
                return False
            self.state = state
            return True

    def replace_socket(self, sock: socket.socket) -> None:
        """``sock`` (the TLS socket wrapping the accepted one) is this connection's socket now."""
        with self._changed:
            self.sock = sock

    def shut(self) -> None:
        """End the connection both ways from any thread: its own thread's reads return at once.

        The plain ``socket.shutdown`` even on a TLS socket: it acts on the descriptor, without
        touching the TLS state that the connection's own thread is using.
        """
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)

    def __repr__(self) -> str:
        return f"Connection({self.peer}, {self.state})"


class ConnectionServer:
    """Accepts on ``listener`` and runs ``handle(connection)`` in a thread per connection.

    ``handle`` returns when it is done with the connection; the server then closes the socket.
    """

    def __init__(
        self,
        listener: socket.socket,
        handle: Callable[[Connection], None],
        *,
        max_connections: int,
        name: str,
    ) -> None:
        self.listener = listener
        self.handle = handle
        self.max_connections = max_connections
        self.name = name
        self._changed = threading.Condition()
        self._open: dict[Connection, threading.Thread] = {}
        self._stopping = threading.Event()
        self._wake: tuple[socket.socket, socket.socket] | None = None  # made by start()
        self._thread: threading.Thread | None = None
        #: Connections evicted to make room for new ones (for tests and the bench).
        self.evicted = 0

    @property
    def open_connections(self) -> int:
        with self._changed:
            return len(self._open)

    def start(self) -> None:
        self.listener.setblocking(False)
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._accept_loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, close the listener, shut every connection, join every thread."""
        self._stopping.set()
        if self._wake is not None:
            with contextlib.suppress(OSError):
                self._wake[1].send(b"x")
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        self.listener.close()
        with self._changed:
            connections = dict(self._open)
        for connection in connections:
            connection.shut()
        deadline = time.monotonic() + timeout
        for thread in connections.values():
            thread.join(max(deadline - time.monotonic(), 0.0))
        if self._wake is not None:
            for end in self._wake:
                end.close()

    # --- accepting ---------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._wake is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.listener, selectors.EVENT_READ)
            selector.register(self._wake[0], selectors.EVENT_READ)
            while not self._stopping.is_set():
                if not selector.select(timeout=None):
                    continue
                if self._stopping.is_set():
                    return
                if not self._make_room():
                    continue
                self._accept_one()

    def _make_room(self) -> bool:
        """Below the limit, evicting the longest-waiting connection if need be; False: stopping."""
        with self._changed:
            while len(self._open) >= self.max_connections:
                if self._evict_locked():
                    # Its thread removes it when it sees the shut socket: wait for the slot.
                    self._changed.wait(0.5)
                    continue
                self._changed.wait(0.5)  # all busy or streaming: let the backlog hold new ones
                if self._stopping.is_set():
                    return False
            return not self._stopping.is_set()

    def _evict_locked(self) -> bool:
        waiting = [c for c in self._open if c.state == "waiting"]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda connection: connection.since)
        oldest.state = "closed"
        oldest.shut()
        self.evicted += 1
        _log.debug("evicted %s: %d connections open", oldest, len(self._open))
        return True

    def _accept_one(self) -> None:
        try:
            sock, address = self.listener.accept()
        except BlockingIOError:
            return  # another wake-up, or the client gave up before we got to it
        except OSError as exc:
            if exc.errno in _OUT_OF_FILES:
                open_now = self.open_connections
                _log.warning("out of file descriptors with %d connections open", open_now)
                with self._changed:
                    self._evict_locked()
                self._stopping.wait(_OUT_OF_FILES_PAUSE)
            elif not self._stopping.is_set():
                _log.debug("accept failed: %s", exc)
            return
        sock.setblocking(True)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
        connection = Connection(sock, peer, self._changed)
        thread = threading.Thread(
            target=self._serve, args=(connection,), name=f"{self.name}:{peer}", daemon=True
        )
        with self._changed:
            self._open[connection] = thread
        try:
            thread.start()
        except RuntimeError:  # no thread can be started (resource limits): drop the connection
            with self._changed:
                del self._open[connection]
            sock.close()

    def _serve(self, connection: Connection) -> None:
        try:
            self.handle(connection)
        except Exception:  # the handler answers everything itself: this is a bug, not a client
            _log.exception("the connection from %s failed", connection.peer)
        finally:
            connection.shut()
            with contextlib.suppress(OSError):
                connection.sock.close()
            with self._changed:
                connection.state = "closed"
                self._open.pop(connection, None)
                self._changed.notify_all()
