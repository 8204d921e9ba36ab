"""Fuzz the served fake: hostile requests on every route get a 4xx with a JSON body, never a 5xx.

Hypothesis builds requests over real loopback HTTP (``FakeRuntime.serve()``, one client at a time)
for every route of ``wire.routes.ROUTES``, the control API (``/_double``), IAM, Global Search and
the Global Catalog: hostile bodies (deep nesting, huge numbers, NaN, wrong types, random JSON,
bytes that are not JSON, long strings, and job bodies whose pubs hold hostile values), hostile
query strings, path parameters, methods and credentials. No fault is injected: the control routes
that make later requests fail on purpose (``POST /_double/faults/http``, ``POST /_double/usage``,
``POST /_double/backends/{name}/status``) are left out, so any 5xx is a bug.

Below HTTP's semantics, raw connections carry what no HTTP library sends (malformed request lines
and HTTP versions, chunked bodies good and malformed, truncated and pipelined requests, absurd
header sizes), and idle connections past the server's limit must leave the API answering.

The run is deterministic (``derandomize``) and bounded: about 1,550 requests and 250 raw
connections. The module prints
how many requests each family made and the status classes they got (``pytest -s`` shows it).
"""

from __future__ import annotations

import json
import re
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.guard import CONTROL_HEADER
from qiskit_runtime_double.fake.http.platform import APIKEY_GRANT
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.routes import ROUTES

from ..helpers import iam_token

BACKENDS = ("ibmq_qasm_simulator", "generic_5q")
TIMEOUT = 30
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- the served fake, and what the fuzzer knows about it ------------------------------------------


@dataclass
class Target:
    """The served fake, a valid token, ids that exist, and a tally of what was sent."""

    fake: FakeRuntime
    server: FakeServer
    token: str
    circuits: dict[str, Any]
    ids: dict[str, list[str]] = field(default_factory=lambda: {"job": [], "session": []})
    tally: Counter[tuple[str, str]] = field(default_factory=Counter)
    http: requests.Session = field(default_factory=requests.Session)

    def send(self, family: str, request: Request) -> requests.Response:
        headers = dict(request.headers)
        if request.path.startswith("/_double"):
            headers.setdefault(CONTROL_HEADER, self.server.control_token)
        if request.auth == "token":
            headers["Authorization"] = f"Bearer {self.token}"
        elif request.auth is not None:
            headers["Authorization"] = request.auth
        body = request.body.encode() if isinstance(request.body, str) else request.body
        response = self.http.request(
            request.method,
            self.server.url + request.path,
            params=request.query,
            data=body,
            headers=headers,
            timeout=TIMEOUT,
        )
        self.tally[(family, f"{response.status_code // 100}xx")] += 1
        return response

    def seed(self) -> None:
        """A session and a job the fuzzer can name (again after a ``/_double/reset``)."""
        request = Request("POST", "/api/v1/sessions", body=json.dumps({"backend": BACKENDS[0]}))
        self.remember("session", self.send("seed", request))
        body = {"program_id": "sampler", "backend": BACKENDS[0], "params": self.sampler_params()}
        self.remember("job", self.send("seed", Request("POST", "/api/v1/jobs", json.dumps(body))))

    def sampler_params(self) -> Any:
        params = {"pubs": [[self.circuits["measured"], None, 8]], "version": 2}
        return codec.to_jsonable(params)

    def remember(self, kind: str, response: requests.Response) -> None:
        if response.status_code == 200 and "id" in (body := response.json()):
            self.ids[kind].append(body["id"])


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | str | None = None
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    #: "token": a valid IAM token; None: no Authorization header; else the header's value.
    auth: str | None = "token"


def circuits(fake: FakeRuntime) -> dict[str, Any]:
    """Encoded circuits the job bodies use: valid on ``BACKENDS``, so pubs reach the executor."""
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    measured = bell.copy()
    measured.measure_all()
    device = fake.catalogue["generic_5q"].backend
    isa = generate_preset_pass_manager(backend=device, optimization_level=1, seed_transpiler=1).run(
        measured
    )
    rotation = QuantumCircuit(1)
    rotation.rx(Parameter("theta"), 0)
    return {
        name: codec.to_jsonable(circuit)
        for name, circuit in {
            "bell": bell,
            "measured": measured,
            "isa": isa,
            "rotation": rotation,
        }.items()
    } | {"qasm": 'OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; bit[1] c; h q; c = measure q;'}


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    fake = FakeRuntime(list(BACKENDS), seed=4)
    with fake.serve() as server:
        found = Target(fake, server, iam_token(server), circuits(fake))
        found.seed()
        yield found
        found.http.close()
    counts = ", ".join(
        f"{family} {status}: {n}" for (family, status), n in sorted(found.tally.items())
    )
    print(f"\nfuzzed the served fake with {found.tally.total()} requests ({counts})")


def check(response: requests.Response) -> None:
    """No 5xx; every 4xx has a JSON error body with a message; JSON answers parse."""
    assert response.status_code < 500, (response.status_code, response.text[:2000])
    content_type = response.headers.get("Content-Type", "")
    if response.status_code >= 400:
        assert content_type.startswith("application/json"), response.text[:500]
        body = response.json()
        message = body.get("errorMessage") or body["errors"][0]["message"]  # IAM's shape, or IBM's
        assert isinstance(message, str) and message, body
        assert "Traceback" not in response.text
    elif content_type.startswith("application/json"):
        response.json()


# --- hostile values -------------------------------------------------------------------------------


def mostly(
    usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any], percent: int = 85
) -> st.SearchStrategy[Any]:
    """``usual`` about ``percent`` % of the time, else ``other`` (``|`` would split 50/50)."""
    return st.integers(0, 99).flatmap(lambda n: usual if n < percent else other)


#: Any text, lone surrogates included (JSON carries them as "\ud800" escapes).
TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
#: Text a URL or header can carry (no lone surrogates, which requests cannot encode).
URL_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
HUGE_INTS = st.sampled_from([10**30, -(10**30), 2**63, 2**64 + 1, 10**400, -(10**4000)])
NUMBERS = (
    st.integers(-5, 5)
    | st.integers()
    | HUGE_INTS
    | st.floats()  # NaN and infinities: json.dumps writes them as NaN and Infinity
    | st.sampled_from([1e-12, 1e-200, 5e-324, 1e308, -0.0, 0.5, 0.003, 0.1])
)
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def dumps(value: Any) -> str:
    return json.dumps(value)  # ASCII only: non-ASCII text and lone surrogates go out escaped


def deep(depth: int, kind: str, closed: bool) -> bytes:
    opening, closing = (b"[", b"]") if kind == "array" else (b'{"a":', b"}")
    return (
        opening * depth + (b"1" if kind == "object" else b"") + (closing * depth if closed else b"")
    )


RAW_BODIES = st.one_of(
    st.builds(
        deep,
        st.sampled_from([99, 100, 101, 150, 201, 1_000, 5_000, 100_000]),
        st.sampled_from(["array", "object"]),
        st.booleans(),
    ),
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"",
            b"null",
            b"NaN",
            b"[Infinity]",
            b"1e400",
            b'"\\ud800"',
            b"\xff\xfe{}",
            b"1" * 5_000,
            b"0." + b"0" * 5_000 + b"1",
            b'{"a": 1, "a": 2}',
        ]
    ),
    st.builds(lambda n: dumps({"x": "y" * n}), st.sampled_from([10_000, 1_000_000])),
    JSON.map(dumps),
)


def one_of_or_any(*choices: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(choices) | JSON


def without_none(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some of ``fields``; a field drawn as None is left out."""
    return st.fixed_dictionaries({}, optional=fields).map(
        lambda found: {key: value for key, value in found.items() if value is not None}
    )


#: Parameter values as the codec sends them (npy in base64): NaN, infinity, right and empty shapes.
ENCODED_ARRAYS = [
    codec.to_jsonable(np.array([[np.nan]])),
    codec.to_jsonable(np.array([[np.inf], [0.3]])),
    codec.to_jsonable(np.zeros((2, 1))),
    codec.to_jsonable(np.zeros((0,))),
]
#: A coefficient JSON cannot spell as a number: an infinite 0-d array.
INFINITE_COEFFICIENT = codec.to_jsonable(np.array(np.inf))


@st.composite
def pub_params(draw: st.DrawFn, target: Target) -> Any:
    """Job params whose structure is right and whose values are hostile."""
    program = draw(st.sampled_from(["sampler", "estimator"]))
    names = ["measured", "isa", "qasm"] if program == "sampler" else ["bell", "rotation", "isa"]
    circuit = target.circuits[draw(st.sampled_from(names))]
    values = draw(
        st.none()
        | st.lists(st.lists(NUMBERS | st.none(), max_size=2), max_size=3)
        | st.sampled_from(ENCODED_ARRAYS)
    )
    if program == "sampler":
        pub = [circuit, values, draw(mostly(st.integers(1, 100), NUMBERS | st.none() | TEXT, 50))]
    else:
        observables = draw(
            mostly(
                st.just({"ZZ": 1.0})
                if circuit is not target.circuits["rotation"]
                else st.just("Z"),
                st.dictionaries(st.sampled_from(["Z", "ZZ", "XI", "Q", "", "0+"]), NUMBERS)
                | st.lists(st.dictionaries(st.sampled_from(["ZZ", "IZ"]), NUMBERS, max_size=2))
                | st.just({"ZZ": INFINITE_COEFFICIENT})
                | JSON,
                50,
            )
        )
        pub = [circuit, observables, values, draw(mostly(st.just(0.1), NUMBERS | st.none(), 50))]
    pub = pub[: draw(st.integers(1, len(pub) + 1))]
    options = draw(
        mostly(
            st.just({}),
            without_none(
                default_shots=NUMBERS | st.none(),
                default_precision=NUMBERS | st.none(),
                simulator=st.none() | JSON | without_none(seed_simulator=NUMBERS | TEXT),
            ),
            60,
        )
    )
    params = {
        "pubs": draw(st.sampled_from([[pub], [pub], [pub, pub], pub, []])),
        "options": options,
    }
    params["version"] = draw(mostly(st.just(2), st.sampled_from([1, "2", None, 10**30])))
    return program, params


@st.composite
def job_bodies(draw: st.DrawFn, target: Target) -> str:
    program, params = draw(pub_params(target))
    body = draw(
        mostly(
            st.just({}),
            without_none(
                backend=st.sampled_from([*BACKENDS, "ibm_nowhere", None]) | TEXT,
                session_id=st.none() | known(target, "session") | TEXT,
                tags=st.none() | st.lists(TEXT, max_size=3) | JSON,
                cost=st.none() | NUMBERS,
                private=st.none() | st.booleans() | JSON,
                log_level=st.none() | TEXT,
                start_session=st.none() | st.booleans(),
                session_time=st.none() | NUMBERS,
            ),
            50,
        )
    )
    body.setdefault("backend", draw(st.sampled_from(BACKENDS)))
    body["program_id"] = draw(
        mostly(st.just(program), st.sampled_from(["", "circuit-runner"]) | TEXT)
    )
    body["params"] = params
    return dumps(body)


def field_bodies(route: str, target: Target) -> st.SearchStrategy[str] | None:
    """Bodies with the right fields and hostile values, for the runtime routes that take one."""
    if route == "create_job":
        return job_bodies(target)
    if route == "create_session":
        return without_none(
            mode=one_of_or_any("dedicated", "batch"),
            backend=one_of_or_any(*BACKENDS),
            instance=st.none() | TEXT,
            max_ttl=st.none() | NUMBERS,
        ).map(dumps)
    if route == "close_session":
        return without_none(accepting_jobs=one_of_or_any(False, True)).map(dumps)
    if route == "job_tags":
        return without_none(tags=st.lists(TEXT, max_size=4) | JSON).map(dumps)
    return None


def known(target: Target, kind: str) -> st.SearchStrategy[str]:
    """An id of ``kind`` the fake has handed out (or a backend name).

    Drawn as an index, not with ``sampled_from``: the pool grows during the run, and a strategy
    whose choices change between examples is one Hypothesis refuses as flaky.
    """

    def pick(index: int) -> str:
        pool = list(BACKENDS) if kind == "backend" else target.ids[kind]
        return pool[index % len(pool)] if pool else f"no-{kind}-yet"

    return st.integers(0, 1_000).map(pick)


def segment(target: Target, kind: str) -> st.SearchStrategy[str]:
    """A path parameter: an id that exists, or hostile text (percent-encoded)."""
    hostile = URL_TEXT.map(lambda text: quote(text, safe="")) | st.sampled_from(
        ["..", "%2e%2e", "%00", "%ff", "a%2Fb", "x" * 2_000, "%C2%B2"]
    )
    return mostly(known(target, kind), hostile, 70)


def path_of(template: str, draw: st.DrawFn, target: Target) -> str:
    kinds = {"{job_id}": "job", "{session_id}": "session", "{backend}": "backend"}
    for placeholder, kind in kinds.items():
        if placeholder in template:
            template = template.replace(placeholder, draw(segment(target, kind)))
    return template


QUERY_NAMES = (
    "limit",
    "offset",
    "sort",
    "pending",
    "exclude_params",
    "created_after",
    "created_before",
    "tags",
    "backend",
    "session_id",
    "program",
)
QUERY_VALUES = mostly(
    URL_TEXT,
    st.sampled_from(
        [
            "9" * 5_000,
            "-1",
            "²",
            "1_000",
            " 7",
            "10001",
            "true",
            "FALSE",
            "asc",
            "9999-12-31T23:59:59-23:59",
            "0001-01-01T00:00:00+23:59",
            "2025-01-01T09:00:00Z",
            "2025-13-45",
        ]
    ),
    30,
)
QUERIES = st.lists(
    st.tuples(mostly(st.sampled_from(QUERY_NAMES), URL_TEXT, 80), QUERY_VALUES), max_size=4
)
#: Header values requests sends: printable ASCII without leading or trailing blanks.
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40).map(
    str.strip
)


#: Mostly a valid token, so that requests get past the auth gate to the code under test.
AUTH = mostly(
    st.just("token"),
    st.sampled_from([None, "Bearer", "Bearer a.b.c", "apikey fuzz-key"]) | HEADER_TEXT,
)
#: Job submissions reach the most code (params decoding, the executor's checks): weighted up.
WEIGHTED_ROUTES = [
    route
    for route in ROUTES
    for _ in range({"create_job": 12, "create_session": 2, "get_job": 2}.get(route.name, 1))
]


@st.composite
def runtime_requests(draw: st.DrawFn, target: Target) -> Request:
    route = draw(st.sampled_from(WEIGHTED_ROUTES))
    method = draw(mostly(st.just(route.method), st.sampled_from(METHODS)))
    fielded = field_bodies(route.name, target)
    body = draw(mostly(fielded, RAW_BODIES) if fielded is not None else RAW_BODIES | st.none())
    return Request(
        method,
        "/api/v1" + path_of(route.template, draw, target),
        body,
        query=draw(QUERIES),
        auth=draw(AUTH),
    )


#: The control API minus the routes that make later requests fail on purpose (see the module).
CONTROL_ROUTES = (
    ("POST", "/reset"),
    ("GET", "/clock"),
    ("POST", "/clock"),
    ("DELETE", "/faults"),
    ("POST", "/jobs/{job_id}/fault"),
    ("POST", "/jobs/next/duration"),
    ("GET", "/jobs/{job_id}"),
    ("GET", "/sessions/{session_id}"),
    ("POST", "/backends/{backend}/load"),
)


@st.composite
def control_requests(draw: st.DrawFn, target: Target) -> Request:
    # A reset forgets every id the fuzzer knows (it seeds new ones): rarer than the other routes.
    method, template = draw(
        mostly(st.sampled_from(CONTROL_ROUTES[1:]), st.just(CONTROL_ROUTES[0]), 97)
    )
    method = draw(mostly(st.just(method), st.sampled_from(METHODS)))
    path = "/_double" + path_of(template, draw, target)
    return Request(method, path, draw(RAW_BODIES | st.none()), query=draw(QUERIES))


FORM_BODIES = st.one_of(
    st.lists(
        st.tuples(
            st.sampled_from(["grant_type", "apikey"]) | URL_TEXT,
            st.sampled_from([APIKEY_GRANT, "fuzz-key", ""]) | URL_TEXT,
        ),
        max_size=3,
    ).map(lambda pairs: "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)),
    st.binary(max_size=200),
)


@st.composite
def platform_requests(draw: st.DrawFn, target: Target) -> Request:
    which = draw(st.sampled_from(["token", "search", "catalog"]))
    method = draw(st.sampled_from(METHODS))
    if which == "token":
        content_type = draw(
            st.sampled_from(["application/x-www-form-urlencoded", "application/json"]) | HEADER_TEXT
        )
        return Request(
            draw(mostly(st.just("POST"), st.sampled_from(METHODS))),
            "/identity/token",
            draw(FORM_BODIES | RAW_BODIES),
            headers={"Content-Type": content_type},
            auth=None,
        )
    if which == "search":
        search = without_none(query=JSON, fields=JSON, search_cursor=JSON).map(dumps)
        limits = st.lists(st.tuples(st.just("limit"), QUERY_VALUES), max_size=2)
        return Request(
            draw(mostly(st.just("POST"), st.sampled_from(METHODS))),
            "/v3/resources/search",
            draw(search | RAW_BODIES),
            query=draw(limits | QUERIES),
            auth=draw(AUTH),
        )
    plan = target.fake.platform.plan_id
    entry = draw(st.sampled_from([plan]) | URL_TEXT.map(lambda text: quote(text, safe="")))
    return Request(method, f"/catalog/{entry}", None, auth=draw(AUTH))


# --- the properties -------------------------------------------------------------------------------


def fuzz(target: Target, family: str, requests_of: Any, examples: int) -> None:
    """Send ``examples`` requests drawn from ``requests_of(target)``; then check the fuzzer itself:
    it made its requests, and some got past validation (2xx) while others were refused (4xx)."""
    before = Counter({status: n for (name, status), n in target.tally.items() if name == family})

    @fuzz_settings(examples)
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        request = data.draw(requests_of(target))
        response = target.send(family, request)
        check(response)
        if request.method == "POST" and response.status_code == 200:
            if request.path == "/api/v1/jobs":
                target.remember("job", response)
            elif request.path == "/api/v1/sessions":
                target.remember("session", response)
            elif request.path == "/_double/reset":
                target.ids = {"job": [], "session": []}
                target.seed()

    one_request()
    sent = Counter({status: n for (name, status), n in target.tally.items() if name == family})
    sent.subtract(before)
    assert sent.total() >= examples * 0.9, sent  # Hypothesis may stop early on duplicates only
    assert sent["2xx"] > 0 and sent["4xx"] > 0, sent


def test_runtime_routes_answer_hostile_requests_with_a_4xx_never_a_5xx(target: Target) -> None:
    fuzz(target, "runtime", runtime_requests, 900)


def test_control_routes_answer_hostile_requests_with_a_4xx_never_a_5xx(target: Target) -> None:
    fuzz(target, "control", control_requests, 325)


def test_iam_search_and_catalog_answer_hostile_requests_with_a_4xx_never_a_5xx(
    target: Target,
) -> None:
    fuzz(target, "platform", platform_requests, 325)


# --- the raw protocol -----------------------------------------------------------------------------
#
# Below HTTP's semantics: what a socket can carry that no HTTP library would send. Each example is
# one connection's bytes (request lines, headers, chunked bodies good and malformed, truncated
# bodies, pipelined requests), sent whole and half-closed; every answer on it must be a 4xx or
# 2xx, and the server must go on answering the next client.

RAW_LINES = st.sampled_from(
    [
        b"GET /api/v1/backends HTTP/1.1",
        b"POST /api/v1/jobs HTTP/1.1",
        b"POST /_double/clock HTTP/1.1",
        b"GET /api/v1/backends HTTP/1.0",
        b"GET /",  # HTTP/0.9
        b"GET /api/v1/backends HTTP/2.0",
        b"PRI * HTTP/2.0",
        b"GET http://evil.example/ HTTP/1.1",
        b"GET * HTTP/1.1",
        b"GET /api/v1/backends HTTP/1.1 extra",
        b"G\x00T / HTTP/1.1",
        b"GET /\xff\xfe HTTP/1.1",
        b"",
    ]
)
CHUNKED = st.one_of(
    st.lists(st.binary(min_size=1, max_size=40), max_size=4).map(
        lambda parts: b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    ),
    st.sampled_from(
        [
            b"ffffffffffffffff\r\nabc",
            b"zz\r\nabc\r\n0\r\n\r\n",
            b"-1\r\nabc\r\n0\r\n\r\n",
            b"3\r\nabcdef\r\n0\r\n\r\n",
            b"3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n",
            b"3\r\nab",
            b"0\r\n",
            b"1" * 100 + b"\r\n",
        ]
    ),
)


@st.composite
def raw_messages(draw: st.DrawFn, host: bytes, token: bytes) -> bytes:
    line = draw(mostly(st.just(b"GET /api/v1/backends HTTP/1.1"), RAW_LINES, 30))
    hosts = st.sampled_from([b"evil.example", b"[::1", b""])
    headers = [b"Host: " + draw(mostly(st.just(host), hosts))]
    headers.append(b"Authorization: Bearer " + token)
    headers += draw(
        st.lists(
            st.sampled_from(
                [
                    b"Content-Type: application/json",
                    b"Connection: close",
                    b"Connection: keep-alive",
                    b"Expect: 100-continue",
                    b"Upgrade: websocket",
                    b"Transfer-Encoding: chunked",
                    b"Transfer-Encoding: gzip",
                    b"Content-Length: 5",
                    b"Content-Length: 99999999999999999999",
                    b"Content-Length: -3",
                    b"Content-Length: 5, 6",
                    b"X-Runtime-Double-Control: wrong",
                    b"Origin: null",
                    b" folded: continuation",
                    b"No-Colon",
                    b"X-Big: " + b"a" * 70_000,
                ]
            ),
            max_size=draw(st.sampled_from([0, 4])),
        )
    )
    headers += [b"X-Many: 1"] * draw(st.sampled_from([0, 0, 150]))
    body = draw(
        st.sampled_from([b"", b"{}", b"12345", b'{"seconds": 1}'])
        | CHUNKED
        | st.binary(max_size=60)
    )
    return line + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


def raw_statuses(port: int, data: bytes) -> list[int]:
    """Every status the server answers ``data`` with (until it closes the connection)."""
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass  # the server refused and closed while we still sent: its answer may be lost
    return [int(line.split()[1]) for line in re.findall(rb"HTTP/1\.[01] \d{3}", received)]


def test_the_raw_protocol_gets_a_4xx_never_a_5xx_nor_a_crash(target: Target) -> None:
    server = target.server
    host = f"127.0.0.1:{server.port}".encode()
    seen: Counter[str] = Counter()

    messages_of = raw_messages(host, target.token.encode())

    @fuzz_settings(250)
    @given(messages=st.lists(messages_of, min_size=1, max_size=3))
    def one_connection(messages: list[bytes]) -> None:
        statuses = raw_statuses(server.port, b"".join(messages))  # pipelined when several
        assert all(status < 500 for status in statuses), (statuses, messages)
        seen.update(f"{status // 100}xx" for status in statuses)
        target.tally[("raw", f"{statuses[-1] // 100}xx" if statuses else "closed")] += 1

    one_connection()
    assert seen["2xx"] > 0 and seen["4xx"] > 0, seen
    assert target.http.get(f"{server.runtime_url}/backends", timeout=TIMEOUT).status_code in (
        200,
        401,
    )


def test_idle_connections_past_the_limit_leave_the_api_answering(target: Target) -> None:
    server = target.server
    idle = []
    try:
        for number in range(server.limits.max_connections + 20):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
            if number % 3 == 0:
                sock.sendall(b"POST /api/v1/jobs HTTP/1.1\r\nContent-Length: 10\r\n\r\n12")
            idle.append(sock)
        response = target.send("raw", Request("GET", "/api/v1/backends"))
        check(response)
        assert response.status_code == 200
        assert server.open_connections <= server.limits.max_connections
    finally:
        for sock in idle:
            sock.close()
