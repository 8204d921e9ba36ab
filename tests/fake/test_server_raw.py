"""The served fake's HTTP edge, over raw sockets: what hostile or broken clients send.

Each case is what a real socket carries, byte for byte (malformed chunked bodies, truncated
bodies, floods of idle connections, bodies past the limits), and each checks what a client relies
on: a 4xx that says what was wrong, and a server that goes on answering the next client. Waits
are hang guards, never assertions on speed; the limits that make a case quick (a handful of
connections, a second of patience) are set per test through ``ServerLimits``.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from qiskit_runtime_double import FakeRuntime
from qiskit_runtime_double.fake.http.guard import CONTROL_HEADER
from qiskit_runtime_double.fake.http.limits import ServerLimits
from qiskit_runtime_double.fake.http.server import FakeServer

#: Real seconds a socket may wait: a guard against a hang, not a limit on speed.
HANG_GUARD = 60


def serve(**limits: float) -> FakeServer:
    fake = FakeRuntime(["ibmq_qasm_simulator"], seed=3)
    return FakeServer(fake, require_auth=False, limits=ServerLimits(**limits)).start()  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[FakeServer]:
    running = serve()
    try:
        yield running
    finally:
        running.stop()


def connect(server: FakeServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=HANG_GUARD)


def host(server: FakeServer) -> bytes:
    return f"Host: 127.0.0.1:{server.port}\r\n".encode()


def post(server: FakeServer, path: str = "/api/v1/jobs") -> bytes:
    return f"POST {path} HTTP/1.1\r\n".encode() + host(server)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response: status, headers (lower-case names), body (by Content-Length). Reads no
    byte past it: the next pipelined response stays in the socket."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            raise ConnectionError(f"closed after {head!r}")
        head += byte
    lines = head.decode("latin-1").strip().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = 0 if status < 200 else int(headers.get("content-length", "0"))
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            break
        body += chunk
    return status, headers, body


def exchange(server: FakeServer, data: bytes, *, half_close: bool = True) -> tuple[int, str]:
    """Send ``data`` on a new connection; the status answered and the error message."""
    with connect(server) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        status, _, body = read_response(sock)
    return status, error_message(body)


def error_message(body: bytes) -> str:
    try:
        return str(json.loads(body)["errors"][0]["message"])
    except (ValueError, KeyError, IndexError, TypeError):
        return body.decode("latin-1")


def still_serves(server: FakeServer) -> None:
    answer = requests.get(f"{server.runtime_url}/backends", timeout=HANG_GUARD)
    assert answer.status_code == 200


# --- malformed requests ---------------------------------------------------------------------------


def test_a_huge_chunk_size_cut_short_is_a_400_not_a_crash(server: FakeServer) -> None:
    # The request that killed werkzeug's server (a segfault): a 2**64-1 chunk, 3 bytes, EOF.
    chunked = post(server, "/x") + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc"
    status, message = exchange(server, chunked)
    assert status == 400 and "chunk" in message.lower()
    still_serves(server)


@pytest.mark.parametrize(
    "body",
    [
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"Transfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n",
        b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
        b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"Content-Length: -1\r\n\r\n",
    ],
    ids=["size zz", "size -1", "chunk longer than its size", "gzip", "two lengths", "length -1"],
)
def test_malformed_bodies_are_a_400_and_the_server_goes_on(server: FakeServer, body: bytes) -> None:
    status, message = exchange(server, post(server) + body)
    assert status == 400 and "HTTP/1.1" in message
    still_serves(server)


def test_chunked_with_content_length_is_refused_as_smuggling(server: FakeServer) -> None:
    both = b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    status, message = exchange(server, post(server) + both)
    assert status == 400 and "both Transfer-Encoding and Content-Length" in message


def test_a_good_chunked_body_is_read(server: FakeServer) -> None:
    body = b'{"backend": "ibmq_qasm_simulator"}'
    chunked = b"".join(
        [
            post(server, "/api/v1/sessions"),
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"%x\r\n%s\r\n" % (10, body[:10]),
            b"%x\r\n%s\r\n" % (len(body) - 10, body[10:]),
            b"0\r\n\r\n",
        ]
    )
    with connect(server) as sock:
        sock.sendall(chunked)
        status, _, answer = read_response(sock)
    assert status == 200 and json.loads(answer)["id"]


def test_a_truncated_body_is_a_400(server: FakeServer) -> None:
    status, message = exchange(server, post(server) + b"Content-Length: 100\r\n\r\n0123456789")
    assert status == 400 and "closed" in message


@pytest.mark.parametrize(
    "request_line",
    [b"GET /\r\n\r\n", b"GET /api/v1/backends HTTP/2.0\r\n", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
    ids=["HTTP/0.9", "HTTP/2.0", "HTTP/2 preface"],
)
def test_other_http_versions_get_a_400_that_says_so(
    server: FakeServer, request_line: bytes
) -> None:
    data = request_line if b"HTTP/2.0\r\n\r\n" in request_line else request_line + host(server)
    status, message = exchange(server, data + (b"" if data.endswith(b"\r\n\r\n") else b"\r\n"))
    assert status == 400
    assert "HTTP/1.1" in message
    still_serves(server)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (b"X-Big: " + b"a" * 70_000 + b"\r\n", "bytes"),
        (b"X: y\r\n" * 101, "header fields"),
    ],
    ids=["a 70 KB header", "101 headers"],
)
def test_an_oversized_head_is_a_431(server: FakeServer, extra: bytes, expected: str) -> None:
    head = b"GET /api/v1/backends HTTP/1.1\r\n" + host(server) + extra + b"\r\n"
    status, message = exchange(server, head)
    assert status == 431 and expected in message
    still_serves(server)


def test_a_megabyte_of_header_is_a_431(server: FakeServer) -> None:
    head = b"GET / HTTP/1.1\r\n" + host(server) + b"X-Big: " + b"a" * 1_000_000 + b"\r\n\r\n"
    assert exchange(server, head)[0] == 431
    still_serves(server)


# --- the guard before the body, bodies past the limits -------------------------------------------


def test_the_guard_answers_before_any_body_is_read(server: FakeServer) -> None:
    # A gigabyte announced, none sent: the refusal comes from the head alone.
    refused = [
        (post(server, "/_double/reset") + b"Content-Length: 1000000000\r\n\r\n", 401),
        (
            post(server, "/_double/reset")
            + f"{CONTROL_HEADER}: {server.control_token}\r\n".encode()
            + b"Content-Type: text/plain\r\nContent-Length: 1000000000\r\n\r\n",
            415,
        ),
        (
            b"POST /api/v1/jobs HTTP/1.1\r\nHost: evil.example\r\n"
            b"Content-Length: 1000000000\r\n\r\n",
            400,
        ),
        (
            post(server) + b"Origin: https://evil.example\r\nTransfer-Encoding: chunked\r\n\r\n",
            403,
        ),
    ]
    for data, expected in refused:
        assert exchange(server, data, half_close=False)[0] == expected, data[:60]


def test_a_body_announced_past_the_limit_is_a_413_before_it_is_sent() -> None:
    server = serve(max_body_bytes=1_000, max_buffered_bytes=1_000)
    try:
        status, message = exchange(
            server, post(server) + b"Content-Length: 1001\r\n\r\n", half_close=False
        )
        assert status == 413 and "1001" in message
    finally:
        server.stop()


def test_a_chunked_body_growing_past_the_limit_is_a_413() -> None:
    server = serve(max_body_bytes=1_000, max_buffered_bytes=1_000)
    try:
        chunks = b"".join(b"100\r\n" + b"a" * 256 + b"\r\n" for _ in range(4)) + b"0\r\n\r\n"
        status, message = exchange(
            server, post(server) + b"Transfer-Encoding: chunked\r\n\r\n" + chunks
        )
        assert status == 413 and "exceeds 1000 bytes" in message
    finally:
        server.stop()


def test_bodies_held_at_once_share_a_budget_and_the_rest_get_503() -> None:
    server = serve(max_body_bytes=1_000, max_buffered_bytes=1_500)
    try:
        with connect(server) as holder:
            # Expect: 100-continue: the server says "go on" once the body's bytes are reserved.
            holder.sendall(post(server) + b"Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n")
            assert read_response(holder)[0] == 100
            status, message = exchange(
                server, post(server) + b"Content-Length: 600\r\n\r\n", half_close=False
            )
            assert status == 503 and "retry" in message
    finally:
        server.stop()


# --- connections: pipelining, keep-alive, floods, timeouts ----------------------------------------


@pytest.fixture
def reusable() -> Iterator[FakeServer]:
    """A server whose connections carry many requests (keep-alive, pipelining)."""
    running = serve(max_requests_per_connection=100)
    try:
        yield running
    finally:
        running.stop()


def test_by_default_each_answer_closes_its_connection(server: FakeServer) -> None:
    # A client that never closes its pools (the official client) then holds no open socket for
    # the garbage collector to warn about; a second pipelined request is not read.
    get = b"GET /api/v1/backends HTTP/1.1\r\n" + host(server) + b"\r\n"
    with connect(server) as sock:
        sock.sendall(get + get)
        status, headers, _ = read_response(sock)
        assert status == 200 and headers["connection"] == "close"
        assert sock.recv(1) == b""


def test_pipelined_requests_are_answered_in_order(reusable: FakeServer) -> None:
    server = reusable
    get = b"GET /api/v1/%s HTTP/1.1\r\n" + host(server) + b"\r\n"
    with connect(server) as sock:
        sock.sendall(get % b"backends" + get % b"no_such_route" + get % b"backends")
        statuses = [read_response(sock)[0] for _ in range(3)]
    assert statuses == [200, 404, 200]


def test_head_requests_get_headers_only(reusable: FakeServer) -> None:
    server = reusable
    with connect(server) as sock:
        sock.sendall(b"HEAD /api/v1/backends HTTP/1.1\r\n" + host(server) + b"\r\n")
        sock.sendall(b"GET /api/v1/backends HTTP/1.1\r\n" + host(server) + b"\r\n")
        sock.shutdown(socket.SHUT_WR)
        first, headers, nothing = read_head_response(sock)
        status, _, body = read_response(sock)
    # The runtime API has no HEAD routes (405), but the answer to a HEAD never has a body: the
    # GET's answer follows its headers at once.
    assert first == 405 and "content-length" in headers and nothing == b""
    assert status == 200 and json.loads(body)


def read_head_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """A response to HEAD: its Content-Length is the GET's, and no body follows."""
    status, headers, _ = read_response_of_length(sock, 0)
    return status, headers, b""


def read_response_of_length(sock: socket.socket, length: int) -> tuple[int, dict[str, str], bytes]:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += sock.recv(1)
    lines = head.decode("latin-1").strip().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, sock.recv(length) if length else b""


def test_an_idle_flood_past_the_limit_does_not_starve_a_real_client() -> None:
    server = serve(max_connections=8)
    idle: list[socket.socket] = []
    try:
        for number in range(30):  # idle, and slowloris: half a request line each
            sock = connect(server)
            if number % 2:
                sock.sendall(b"GET /api/v1/backe")
            idle.append(sock)
        still_serves(server)  # a real client is answered: the oldest idle ones made room
        assert server.open_connections <= 8
        evicted = [sock for sock in idle[:20] if sock.recv(1) == b""]
        assert len(evicted) == 20  # the first ones were closed by the server, oldest first
    finally:
        for sock in idle:
            sock.close()
        server.stop()


def test_connections_busy_with_a_request_are_never_evicted() -> None:
    server = serve(max_connections=2)
    try:
        slow = connect(server)
        slow.sendall(post(server) + b"Expect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        assert read_response(slow)[0] == 100
        still_serves(server)  # takes the other slot, then evicts the waiting one, not the slow
        slow.sendall(b"12345")  # its body, late: still answered
        status, _, body = read_response(slow)
        # The app read and judged that body (5 bytes, not a job): the connection survived.
        assert status == 400 and error_message(body).startswith("Invalid request body")
        slow.close()
    finally:
        server.stop()


def test_an_incomplete_request_is_a_408_and_frees_its_thread() -> None:
    server = serve(request_timeout=0.5)
    before = threading.active_count()
    try:
        with connect(server) as sock:
            sock.sendall(post(server) + b"Content-Length: 100\r\n\r\n0123456789")
            status, _, body = read_response(sock)
            assert status == 408 and "0.5 s" in error_message(body)
            assert sock.recv(1) == b""  # and closed
        with connect(server) as sock:
            sock.sendall(b"GET /api/v1/backe")  # a head that never ends
            assert read_response(sock)[0] == 408
    finally:
        server.stop()
    assert threading.active_count() <= before


def test_an_idle_keep_alive_connection_is_closed_quietly() -> None:
    server = serve(idle_timeout=0.3, max_requests_per_connection=100)
    try:
        with connect(server) as sock:
            sock.sendall(b"GET /api/v1/backends HTTP/1.1\r\n" + host(server) + b"\r\n")
            status, headers, _ = read_response(sock)
            assert status == 200 and "connection" not in headers  # kept alive
            assert sock.recv(1) == b""  # closed by the server, with nothing sent
    finally:
        server.stop()


def test_stop_ends_every_connection_and_thread() -> None:
    before = threading.active_count()
    server = serve()
    sockets = [connect(server) for _ in range(5)]
    sockets[0].sendall(b"GET /api/v1/backe")
    still_serves(server)
    server.stop()
    try:
        assert all(sock.recv(1) == b"" for sock in sockets)
        assert threading.active_count() <= before
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.parametrize(
    "limits",
    [
        {"max_connections": 0},
        {"idle_timeout": -1},
        {"max_body_bytes": True},
        {"max_buffered_bytes": 10},
    ],
)
def test_limits_must_be_positive(limits: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="ServerLimits"):
        ServerLimits(**limits)  # type: ignore[arg-type]
