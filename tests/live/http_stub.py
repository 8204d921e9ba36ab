"""A tiny loopback HTTP server for the live transport's tests (stdlib only, 127.0.0.1, bounded),
and the helpers those tests share.

It plays IAM (``POST /identity/token``) and a sliver of the runtime API (``/api/v1/backends``,
``/api/v1/jobs``, ``/api/v1/jobs/{id}``), records every request, and misbehaves on demand:
``stub.faults["POST /jobs"] = ["drop-after", 502]`` applies one action per request, in order;
``stub.storms["POST /jobs"] = 502`` applies one to every request. Actions:

- an int: answer that status with an error body, without processing the request;
- ``"drop"``: close the connection without answering, without processing;
- ``"drop-after"``: process the request (create the job), then close without answering;
- ``"after:<status>"``: process, then answer that status instead of the real answer;
- ``"garbage"``: answer 200 with a body that is not JSON;
- ``"delay:<seconds>"``: wait, then answer normally.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from qiskit_runtime_double import QiskitRuntimeService
from qiskit_runtime_double.http_client.client import RetryPolicy
from qiskit_runtime_double.transports.live import LiveTransport
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse
from qiskit_runtime_double.wire.submit_keys import KEY_PREFIX

API_KEY = "stub-api-key-0123456789"
CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/acct0123:inst4567::"
#: After this many requests the stub answers 503 to everything: a runaway loop cannot spin forever.
MAX_REQUESTS = 300


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@dataclass(frozen=True)
class Seen:
    method: str
    route: str  # "POST /jobs", "GET /jobs/{id}", "POST /identity/token", ...
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class Stub:
    token_lifetime: int = 3600
    require_auth: bool = True
    faults: dict[str, list[int | str]] = field(default_factory=dict)
    storms: dict[str, int | str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def runtime_url(self) -> str:
        return f"{self.origin}/api/v1"

    @property
    def iam_url(self) -> str:
        return self.origin

    def count(self, route: str) -> int:
        return sum(1 for s in self.seen if s.route == route)

    def issue_token(self) -> str:
        now = int(time.time())
        claims = {"iat": now, "exp": now + self.token_lifetime, "n": len(self.valid_tokens)}
        token = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.c2lnbmF0dXJl"
        self.valid_tokens.add(token)
        return token

    # --- dispatch: returns (status, body) or an action string for the handler ---------------

    def action_for(self, route: str) -> int | str | None:
        queue = self.faults.get(route)
        if queue:
            return queue.pop(0)
        return self.storms.get(route)

    def answer(self, seen: Seen) -> tuple[int, Any]:
        if seen.route == "POST /identity/token":
            form = parse_qs(seen.body.decode())
            if form.get("apikey") != [API_KEY]:
                return 400, {"errorCode": "BXNIM0415E", "errorMessage": "API key not found."}
            token = self.issue_token()
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if self.require_auth and token not in self.valid_tokens:
            return 401, {"errors": [{"code": "1201", "message": "Invalid credentials."}]}
        if seen.route == "GET /backends":
            return 200, {"devices": [{"name": "stub_5q"}]}
        if seen.route == "POST /jobs":
            request = json.loads(seen.body)
            job = {
                "id": f"job{len(self.jobs):04d}",
                "backend": request.get("backend") or "stub_5q",
                "state": {"status": "Queued"},
                "program": {"id": request["program_id"]},
                "created": f"2026-01-01T00:00:{len(self.jobs):02d}Z",
                "session_id": request.get("session_id"),
                "tags": request.get("tags") or [],
            }
            self.jobs.append(job)
            return 200, {"id": job["id"], "backend": job["backend"]}
        if seen.route == "GET /jobs":
            wanted = seen.query.get("tags", [])
            found = [j for j in self.jobs if all(t in j["tags"] for t in wanted)]
            return 200, {"jobs": found, "count": len(found)}
        if seen.route == "GET /jobs/{id}":
            job_id = seen.path.rsplit("/", 1)[1]
            for job in self.jobs:
                if job["id"] == job_id:
                    return 200, job
            return 404, {"errors": [{"code": "1291", "message": "Job not found."}]}
        return 404, {"errors": [{"code": "404", "message": f"No route {seen.route}."}]}


def _route(method: str, path: str) -> str:
    relative = path.removeprefix("/api/v1")
    parts = relative.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "jobs":
        relative = "/jobs/{id}"
    return f"{method} {relative}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a stuck client cannot hold a server thread for longer
    stub: Stub

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        stub = self.stub
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        seen = Seen(
            self.command,
            _route(self.command, parts.path),
            parts.path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        with stub.lock:
            stub.seen.append(seen)
            action = stub.action_for(seen.route) if len(stub.seen) <= MAX_REQUESTS else 503
            if isinstance(action, str) and action.startswith("delay:"):
                delay, action = float(action.split(":")[1]), None
            else:
                delay = 0.0
            if isinstance(action, int):
                status, payload = action, {"errors": [{"code": "x", "message": f"{action}!"}]}
            elif action == "drop":
                self.close_connection = True
                return
            elif action == "garbage":
                status, payload = 200, None
            else:
                status, payload = stub.answer(seen)
                if action == "drop-after":
                    self.close_connection = True
                    return
                if isinstance(action, str) and action.startswith("after:"):
                    status = int(action.split(":")[1])
                    payload = {"errors": [{"code": "x", "message": "after the fact"}]}
        time.sleep(delay)
        content = b"not json{" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or spoke TLS to plain HTTP leaves a broken socket behind:
        # expected in these tests, and not worth a traceback on stderr.
        pass


@contextmanager
def serve(stub: Stub | None = None) -> Iterator[Stub]:
    """Run ``stub`` on 127.0.0.1 (a free port) in a thread for the duration of the block."""
    stub = stub or Stub()
    handler = type("Handler", (_Handler,), {"stub": stub})
    server = _QuietServer(("127.0.0.1", 0), handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- helpers for the tests ------------------------------------------------------------------------


class InstantClock:
    """Real ``now``; ``sleep`` only records, so retries and recovery pauses cost nothing."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def now(self) -> _dt.datetime:
        return _dt.datetime.now(_dt.timezone.utc)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def isolate(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy may carry requests off the host; no account may leak in from the environment."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    for name in (
        "QISKIT_IBM_TOKEN",
        "QISKIT_IBM_INSTANCE",
        "QISKIT_IBM_URL",
        "IAM_URL",
        "GLOBAL_SEARCH_URL",
        "GLOBAL_CATALOG_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def live(stub: Stub, **kwargs: Any) -> LiveTransport:
    """A transport onto ``stub`` that never sleeps for real."""
    kwargs.setdefault("clock", InstantClock())
    kwargs.setdefault("timeout", (2.0, 5.0))
    return LiveTransport(
        runtime_url=stub.runtime_url, iam_url=stub.iam_url, api_key=API_KEY, instance=CRN, **kwargs
    )


def over(
    transport: LiveTransport, retries: int = 2, lookup_delay: float = 0.0
) -> QiskitRuntimeService:
    policy = RetryPolicy(retries=retries, backoff=0.0, lookup_delay=lookup_delay)
    return QiskitRuntimeService(transport=transport, instance=CRN, retry=policy)


def get(transport: LiveTransport, path: str = "/backends") -> HttpResponse:
    return transport.handle(HttpRequest("GET", transport.base_url + path, Headers()))


def submit(service: QiskitRuntimeService, tags: list[str] | None = None) -> str:
    options: dict[str, Any] = {"backend": "stub_5q", "job_tags": tags or ["mine"]}
    return service.run("sampler", {"pubs": []}, options=options).job_id()


def keys(stub: Stub) -> list[str]:
    """The idempotency keys of every ``POST /jobs`` the stub received, in order."""
    bodies = [json.loads(s.body) for s in stub.seen if s.route == "POST /jobs"]
    return [tag for body in bodies for tag in body.get("tags", []) if tag.startswith(KEY_PREFIX)]
