"""The served fake's HTTP edge under the attacks of issue 17, case by case, over raw sockets.

Starts ``qiskit-runtime-double``'s server in a child process (so that a crash is seen, with the
file-descriptor limit of a default shell: 1024) and sends each attack over loopback, printing what
the server answered, whether it survived, and, for the floods, whether a real client was still
answered and how fast. Each case is bounded in time and connections; nothing leaves this machine.

    .venv/bin/python bench/bench_edge_attacks.py [--flood 1100]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import textwrap
import time

import requests

from qiskit_runtime_double.fake.http.limits import ServerLimits

CHILD = textwrap.dedent(
    """
    import json, sys, threading, time
    from qiskit_runtime_double import FakeRuntime
    fake = FakeRuntime(["ibmq_qasm_simulator"], seed=1)
    server = fake.serve(require_auth=False)
    print(json.dumps({"port": server.port}), flush=True)
    for line in sys.stdin:
        if line.strip() == "threads":
            print(json.dumps({"threads": threading.active_count()}), flush=True)
    """
)


def start_server() -> tuple[subprocess.Popen[str], int]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=limit,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())["port"]


def threads(child: subprocess.Popen[str]) -> int:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("threads\n")
    child.stdin.flush()
    return int(json.loads(child.stdout.readline())["threads"])


def raw(port: int, data: bytes, *, half_close: bool = True, wait: float = 10.0) -> str:
    """Send ``data``; the status line answered (or what happened instead)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        try:
            answer = sock.recv(200)
        except TimeoutError:
            return f"no answer in {wait:g} s"
        except ConnectionResetError:
            return "connection reset"
    if answer.startswith(b"HTTP/"):
        return answer.split(b"\r\n", 1)[0].decode("latin-1")
    if answer.startswith(b"<!DOCTYPE"):  # http.server's HTML error page, without a status line
        return "HTML error page " + answer.split(b"Error code: ", 1)[-1][:3].decode()
    return repr(answer[:30]) if answer else "closed without an answer"


def real_client(port: int, wait: float = 20.0) -> str:
    start = time.perf_counter()
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/api/v1/backends", timeout=wait)
    except requests.RequestException as exc:
        return f"failed after {time.perf_counter() - start:.1f} s ({type(exc).__name__})"
    return f"{answer.status_code} in {time.perf_counter() - start:.2f} s"


def cases(port: int) -> dict[str, bytes]:
    """Each attack, with the right ``Host`` (else the guard refuses it before anything else)."""
    host = f"Host: 127.0.0.1:{port}\r\n".encode()
    head = b"POST /api/v1/jobs HTTP/1.1\r\n" + host
    return {
        "chunk size ffffffffffffffff, 3 bytes, SHUT_WR": head
        + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc",
        "chunk size zz": head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "chunk size -1": head + b"Transfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n",
        "chunked plus Content-Length": head
        + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "truncated body (Content-Length 100, 10 sent, SHUT_WR)": head
        + b"Content-Length: 100\r\n\r\n0123456789",
        "HTTP/0.9 request line": b"GET /\r\n\r\n",
        "HTTP/2.0 request line": b"GET /api/v1/backends HTTP/2.0\r\n" + host + b"\r\n",
        "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "a 1 MB header": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
        + b"a" * 1_000_000
        + b"\r\n\r\n",
        "10,000 headers": b"GET / HTTP/1.1\r\n" + host + b"X: y\r\n" * 10_000 + b"\r\n",
        "a body over 64 MiB announced": head + b"Content-Length: 70000000\r\n\r\n",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flood", type=int, default=1100, help="idle connections to open")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(args.flood + 200, 4096),) * 2)
    child, port = start_server()
    try:
        print(f"server pid {child.pid}, port {port}, threads at start {threads(child)}")
        for name, data in cases(port).items():
            try:
                outcome = raw(port, data)
            except OSError as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            after = real_client(port, wait=10.0)
            alive = child.poll() is None and not after.startswith("failed")
            print(f"  {name:<55} {outcome:<34} then a client: {after}")
            if not alive:
                status = child.poll()
                process = "alive" if status is None else f"exited {status}"
                print(f"    the server stopped serving (process {process}); restarting it")
                child.kill()
                child.wait()
                child, port = start_server()
        held = []
        for _ in range(20):  # incomplete bodies: do they hold threads?
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(cases(port)["truncated body (Content-Length 100, 10 sent, SHUT_WR)"])
            held.append(sock)
        time.sleep(1)
        print(f"  20 incomplete bodies held open: server threads {threads(child)}")
        print(f"  a real client meanwhile: {real_client(port)}")
        timeout = ServerLimits().request_timeout
        time.sleep(timeout + 2)
        answers = []
        for sock in held:
            sock.settimeout(1.0)
            try:
                answers.append(sock.recv(200).split(b"\r\n", 1)[0].decode("latin-1") or "closed")
            except OSError as exc:
                answers.append(type(exc).__name__)
            sock.close()
        summary = ", ".join(f"{answers.count(a)} x {a}" for a in sorted(set(answers)))
        print(f"  after request_timeout ({timeout:g} s): {summary}; threads {threads(child)}")
        flood = []
        start = time.perf_counter()
        for _ in range(args.flood):
            try:
                flood.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError as exc:
                print(f"  flood: connection {len(flood)} refused ({exc})")
                break
        print(f"  {len(flood)} idle connections opened in {time.perf_counter() - start:.1f} s")
        time.sleep(1)
        print(f"  a real client during the flood: {real_client(port)}")
        print(f"  server threads during the flood: {threads(child)}")
        for sock in flood:
            sock.close()
        time.sleep(1)
        print(f"  a real client after the flood: {real_client(port)}")
        print(f"  server {'alive' if child.poll() is None else 'DEAD'} at the end")
    finally:
        child.kill()
        child.wait()


if __name__ == "__main__":
    main()
