"""Bad input to the served fake is a 4xx with a JSON error body, never a 500, and creates nothing.

Each case here was a 500 once (issue 9, point 4): deep JSON, a 5,000-digit query integer, an
estimator precision of 1e-12, a next-job duration of 1e12 s, a timestamp beyond year 9999.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import requests
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.core.executor import InvalidWorkload, NoOpExecutor
from qiskit_runtime_double.fake.http.guard import CONTROL_HEADER
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.jsonbody import MAX_DEPTH

from .. import helpers
from ..helpers import iam_token

BACKEND = "ibmq_qasm_simulator"
TIMEOUT = 30
DEEP_ARRAY = b"[" * 5_000 + b"]" * 5_000
DEEP_OBJECT = b'{"a":' * 5_000 + b"1" + b"}" * 5_000


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeRuntime, FakeServer, str]]:
    fake = FakeRuntime([BACKEND], seed=9)
    with fake.serve() as server:
        yield fake, server, iam_token(server)


@pytest.fixture
def api(served: tuple[FakeRuntime, FakeServer, str]) -> Api:
    fake, server, token = served
    fake.reset()
    return Api(fake, server, token)


class Api:
    """Requests to the served fake with a valid token."""

    def __init__(self, fake: FakeRuntime, server: FakeServer, token: str) -> None:
        self.fake, self.server, self.token = fake, server, token

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any:
        content = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        if path.startswith("/_double"):
            headers[CONTROL_HEADER] = self.server.control_token
        return requests.request(
            method, self.server.url + path, data=content, headers=headers, timeout=TIMEOUT
        )

    def job_count(self) -> int:
        listed = self.call("GET", "/api/v1/jobs")
        assert listed.status_code == 200, listed.text
        count: int = listed.json()["count"]
        return count


def error_message(response: Any, status: int) -> str:
    """The message of an IBM-shaped JSON error answer with ``status``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    message: str = body["errors"][0]["message"]
    assert message and "Traceback" not in response.text
    return message


def estimator_job(pub: list[Any], options: dict[str, Any] | None = None) -> dict[str, Any]:
    params = {"pubs": [pub], "options": options or {}, "version": 2}
    return {"program_id": "estimator", "backend": BACKEND, "params": codec.to_jsonable(params)}


def rotation() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.rx(Parameter("theta"), 0)
    return circuit


def bell() -> QuantumCircuit:
    return helpers.bell(measure=None)


# --- JSON nested 1,000+ levels --------------------------------------------------------------------


BODY_ROUTES = [
    ("POST", "/api/v1/jobs"),
    ("POST", "/api/v1/sessions"),
    ("PATCH", "/api/v1/sessions/{session}"),
    ("PUT", "/api/v1/jobs/{job}/tags"),
    ("POST", "/_double/clock"),
    ("POST", "/_double/jobs/next/duration"),
    ("POST", "/_double/jobs/next/fault"),
    ("POST", f"/_double/backends/{BACKEND}/load"),
    ("POST", "/v3/resources/search"),
]


@pytest.mark.parametrize("raw", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
def test_json_nested_thousands_deep_is_a_400_naming_the_limit(
    api: Api, method: str, template: str, raw: bytes
) -> None:
    session = api.call("POST", "/api/v1/sessions", {"backend": BACKEND}).json()["id"]
    path = template.format(session=session, job="no-such-job")

    response = api.call(method, path, raw=raw)

    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"] == "application/json"
    text = response.json()["errors"][0]["message"]
    assert f"more than {MAX_DEPTH} levels deep" in text
    assert api.job_count() == 0


def test_nesting_within_the_limit_reaches_validation(api: Api) -> None:
    params = json.loads(b'{"pubs": ' + b"[" * (MAX_DEPTH - 3) + b"]" * (MAX_DEPTH - 3) + b"}")
    body = {"program_id": "sampler", "backend": BACKEND, "params": params}

    message = error_message(api.call("POST", "/api/v1/jobs", body), 400)

    assert "levels deep" not in message and "Pub 0" in message


# --- query integers and timestamps ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/jobs?limit=%C2%B2", "limit"),  # "²": str.isdigit() says yes, int() says no
        ("/api/v1/jobs?offset=1_000", "offset"),
        ("/api/v1/jobs?limit=ten", "limit"),
        ("/api/v1/jobs?offset=1.5", "offset"),
        ("/api/v1/jobs?limit=", "limit"),
        ("/api/v1/jobs?offset=" + "9" * 4_000 + "x", "offset"),
    ],
)
def test_a_bad_query_integer_is_a_short_400_naming_the_parameter(
    api: Api, path: str, name: str
) -> None:
    message = error_message(api.call("GET", path), 400)

    assert f"Query parameter {name}=" in message
    assert len(message) < 300


def test_a_query_integer_of_thousands_of_digits_is_out_of_range_not_a_500(api: Api) -> None:
    """Out of range, as IBM's OpenAPI document says: the default is used instead, no error."""
    for name, default in (("limit", 200), ("offset", 0)):
        answer = api.call("GET", f"/api/v1/jobs?{name}=" + "9" * 5_000)
        assert answer.status_code == 200 and answer.json()[name] == default


@pytest.mark.parametrize("limit", ["9" * 5_000, "%C2%B2", "1001", "ten", ""])
def test_a_bad_global_search_limit_is_a_400_naming_it(api: Api, limit: str) -> None:
    response = api.call("POST", f"/v3/resources/search?limit={limit}", {})

    assert "limit=" in error_message(response, 400)


def test_a_good_global_search_limit_still_lists_the_instance(api: Api) -> None:
    for limit in ("1", "0010", "1000"):
        response = api.call("POST", f"/v3/resources/search?limit={limit}", {})
        assert response.status_code == 200 and len(response.json()["items"]) == 1


@pytest.mark.parametrize(
    "stamp", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00%2B23:59", "not-a-time"]
)
def test_a_timestamp_outside_utc_years_1_to_9999_is_a_400(api: Api, stamp: str) -> None:
    message = error_message(api.call("GET", f"/api/v1/jobs?created_after={stamp}"), 400)

    assert "created_after" in message and "ISO-8601" in message


# --- estimator precision and other numbers of a pub ----------------------------------------------


@pytest.mark.parametrize(
    ("pub", "options", "expected"),
    [
        ([bell(), {"ZZ": 1.0}, None, 1e-12], None, "Pub 0 precision 1e-12 needs more than"),
        ([bell(), {"ZZ": 1.0}, None, 1e-200], None, "Pub 0 precision 1e-200 needs more than"),
        ([bell(), {"ZZ": 1.0}], {"default_precision": 1e-12}, "options.default_precision"),
        ([bell(), {"ZZ": 1.0}, None, 0.0], None, "finite positive number, got 0"),
        ([bell(), {"ZZ": 1.0}, None, 10**400], None, "finite positive number, got inf"),
        ([bell(), {"ZZ": 1.0}, None, "0.1"], None, "finite positive number, got '0.1'"),
        ([rotation(), {"Z": 1.0}, np.array([[np.nan]])], None, "parameter values must be finite"),
        ([rotation(), {"Z": 1.0}, [[None]]], None, "parameter values must be finite"),
        ([rotation(), {"Z": 1.0}, [[10**400]]], None, "Pub 0: int too large"),
        ([bell(), {"ZZ": np.array(np.inf)}], None, "coefficient that is not finite"),
    ],
    ids=[
        "precision-1e-12",
        "precision-1e-200",
        "default-precision-1e-12",
        "precision-zero",
        "precision-huge-int",
        "precision-string",
        "values-nan",
        "values-none",
        "values-huge-int",
        "coefficient-inf",
    ],
)
def test_a_pub_number_that_cannot_run_is_a_400_and_creates_no_job(
    api: Api, pub: list[Any], options: dict[str, Any] | None, expected: str
) -> None:
    response = api.call("POST", "/api/v1/jobs", estimator_job(pub, options))

    assert expected in error_message(response, 400)
    assert api.job_count() == 0


@pytest.mark.parametrize(
    "literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400"], ids=["nan", "inf", "-inf", "1e400"]
)
def test_a_non_finite_number_anywhere_in_a_body_is_a_400(api: Api, literal: bytes) -> None:
    body = json.dumps(estimator_job([bell(), {"ZZ": 1.0}, None, 0.1])).encode()
    raw = body.replace(b"0.1]", literal + b"]")
    assert raw != body

    assert "not finite" in error_message(api.call("POST", "/api/v1/jobs", raw=raw), 400)
    assert api.job_count() == 0


def test_the_smallest_precision_the_message_suggests_runs(api: Api) -> None:
    refused = api.call("POST", "/api/v1/jobs", estimator_job([bell(), {"ZZ": 1.0}, None, 0.003]))
    suggested = float(error_message(refused, 400).rsplit(" ", 1)[1].rstrip("."))

    accepted = api.call(
        "POST", "/api/v1/jobs", estimator_job([bell(), {"ZZ": 1.0}, None, suggested])
    )

    assert accepted.status_code == 200, accepted.text
    assert api.job_count() == 1


# --- the Host header ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["[x", "[1.2.3.4]", "a/b", "x?y", "a b"])
def test_a_malformed_host_header_is_a_400(api: Api, host: str) -> None:
    with socket.create_connection(("127.0.0.1", api.server.port), timeout=TIMEOUT) as sock:
        sock.sendall(
            f"GET /api/v1/backends HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")

    assert head.startswith(b"HTTP/1.1 400"), head
    assert "Host header" in json.loads(body)["errors"][0]["message"]
    assert api.call("GET", "/api/v1/backends").status_code == 200


# --- control values and durations the simulation cannot represent (the lead's part of point 4) ----


@pytest.fixture
def fresh() -> Iterator[Api]:
    """A fake of its own: these cases can break the clock, which ``reset()`` keeps."""
    fake = FakeRuntime([BACKEND], seed=3)
    with fake.serve() as server:
        yield Api(fake, server, iam_token(server))


def sampler_job() -> dict[str, Any]:
    circuit = bell()
    circuit.measure_all()
    params = {"pubs": [[circuit, None, 10]], "options": {}, "version": 2}
    return {"program_id": "sampler", "backend": BACKEND, "params": codec.to_jsonable(params)}


def test_a_next_job_duration_of_1e12_seconds_is_refused_or_runs_never_a_500(fresh: Api) -> None:
    duration = fresh.call("POST", "/_double/jobs/next/duration", {"seconds": 1e12})
    assert duration.status_code < 500, duration.text

    submitted = fresh.call("POST", "/api/v1/jobs", sampler_job())

    assert submitted.status_code < 500, submitted.text
    assert fresh.job_count() == (1 if submitted.ok else 0)


def test_a_job_is_created_only_when_its_submission_succeeds() -> None:
    # A duration model answering 1e12 s: the end of the job's run is past year 9999.
    fake = FakeRuntime([BACKEND], seed=3, duration_model=lambda workload, simulator: 1e12)
    with fake.serve() as server:
        api = Api(fake, server, iam_token(server))

        submitted = api.call("POST", "/api/v1/jobs", sampler_job())

        assert api.job_count() == (1 if submitted.ok else 0), submitted.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_double/clock", {"seconds": 1e12}),
        ("/_double/clock", {"seconds": 1e300}),
        ("/_double/clock", {"to": "9999-12-31T23:59:59Z"}),
        ("/_double/jobs/next/duration", {"seconds": 1e300}),
        (f"/_double/backends/{BACKEND}/load", {"count": 1, "duration": 1e12}),
        (f"/_double/backends/{BACKEND}/load", {"jobs_per_hour": 1e-300}),
        (f"/_double/backends/{BACKEND}/load", {"jobs_per_hour": 1, "hours": 1e300}),
    ],
)
def test_control_values_beyond_the_simulation_are_a_4xx_and_the_fake_keeps_serving(
    fresh: Api, path: str, body: dict[str, Any]
) -> None:
    answers = [
        fresh.call("POST", path, body),
        fresh.call("POST", "/api/v1/jobs", sampler_job()),
        fresh.call("GET", "/api/v1/jobs"),
        fresh.call("POST", "/_double/clock", {"seconds": 60}),
    ]

    assert [answer.status_code < 500 for answer in answers] == [True] * 4, [
        (answer.status_code, answer.text[:200]) for answer in answers
    ]


# --- the no-op executor (benchmarks) counts shots for the same precisions -------------------------


@pytest.mark.parametrize(
    ("precision", "outcome"), [(1e-200, "needs more than"), (1e154, 32), (0.1, 128)]
)
def test_the_noop_executor_counts_any_precision_the_service_accepts(
    precision: float, outcome: str | int
) -> None:
    entry = FakeRuntime([BACKEND]).catalogue[BACKEND]
    params = {"pubs": [[bell(), {"ZZ": 1.0}, None, precision]]}
    if isinstance(outcome, str):
        with pytest.raises(InvalidWorkload, match=f"Pub 0 precision .* {outcome}"):
            NoOpExecutor().prepare("estimator", params, entry)
    else:
        assert NoOpExecutor().prepare("estimator", params, entry).total_shots == outcome
