"""Matching on meaning: what must match, what must not, and what a miss says."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qiskit_runtime_double import HttpRequest, HttpResponse, MockTransport
from qiskit_runtime_double.errors import CassetteMismatchError
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.cassettes.matching import normalize_query
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers

from .conftest import BASE, get, post

Replayer = Callable[..., CassetteTransport]


@pytest.fixture
def cassette(tmp_path: Path) -> Replayer:
    """cassette(*requests, tolerance=...) records the requests (each answered with its index)
    and returns a replaying transport."""

    def make(*requests: HttpRequest, tolerance: float = 1e-9) -> CassetteTransport:
        path = tmp_path / "c.yaml"
        path.unlink(missing_ok=True)
        seen: list[int] = []

        def answer(request: HttpRequest) -> HttpResponse:
            seen.append(len(seen))
            return HttpResponse.from_json(200, {"index": seen[-1]})

        with CassetteTransport(path, "once", inner=MockTransport(answer, base_url=BASE)) as rec:
            for request in requests:
                rec.handle(request)
        return CassetteTransport(path, match_tolerance=tolerance)

    return make


def index(transport: CassetteTransport, request: HttpRequest) -> int:
    return int(transport.handle(request).json()["index"])


def test_query_order_and_boolean_spelling_do_not_matter(cassette: Replayer) -> None:
    transport = cassette(get("/jobs?limit=10&tags=b&tags=a&pending=True"))
    assert index(transport, get("/jobs?pending=true&tags=a&tags=b&limit=10")) == 0
    assert normalize_query("b=2&a=1&a=0") == (("a", ("0", "1")), ("b", ("2",)))


def test_a_query_parameter_is_kept_and_a_difference_is_named(cassette: Replayer) -> None:
    transport = cassette(get("/jobs/j1?exclude_params=true"))
    with pytest.raises(CassetteMismatchError) as caught:
        transport.handle(get("/jobs/j1"))
    message = str(caught.value)
    assert "has no recorded answer for GET /jobs/j1 (get_job)" in message
    assert "query: 'exclude_params' is in the recording, not in this request" in message


def test_headers_never_take_part(cassette: Replayer) -> None:
    transport = cassette(get("/backends", **{"User-Agent": "a/1", "X-Qx-Client-Application": "x"}))
    request = get("/backends", **{"User-Agent": "b/2", "Authorization": "Bearer other", "X": "y"})
    assert index(transport, request) == 0


def test_json_bodies_compare_structurally(cassette: Replayer) -> None:
    recorded = {"a": 1, "b": [1.0, 2.5], "when": "2025-01-01T09:00:00Z", "instance": "crn:1"}
    transport = cassette(post("/sessions", recorded))
    same = {"when": "2025-01-01T10:00:00+01:00", "b": [1, 2.5 + 1e-12], "a": 1}
    assert index(transport, post("/sessions", same)) == 0  # order, time zone, tolerance, account


def test_json_differences_are_named(cassette: Replayer) -> None:
    transport = cassette(post("/sessions", {"mode": "batch", "max_ttl": 60}))
    with pytest.raises(CassetteMismatchError) as caught:
        transport.handle(post("/sessions", {"mode": "dedicated", "max_ttl": 60, "x": 1}))
    message = str(caught.value)
    assert "body.mode: 'dedicated' here, 'batch' in the recording" in message
    assert "body: key 'x' is in this request, not in the recording" in message


def job_body(circuit: QuantumCircuit, values: Any, shots: int = 100) -> dict[str, Any]:
    params = {"pubs": [(circuit, values, shots)], "options": {}, "version": 2}
    return {"program_id": "sampler", "backend": "b", "params": codec.to_jsonable(params)}


def rotated_pair(name: str, gate: str = "cx") -> QuantumCircuit:
    circuit = QuantumCircuit(2, name=name)
    circuit.ry(Parameter("θ"), 0)
    getattr(circuit, gate)(0, 1)
    circuit.measure_all()
    return circuit


def test_job_params_match_on_meaning(cassette: Replayer) -> None:
    values = np.array([[0.1], [0.2]])
    transport = cassette(post("/jobs", job_body(rotated_pair("first"), values)))
    fresh = job_body(rotated_pair("second"), values + 1e-12)  # new parameter UUID, name, rounding
    assert json.dumps(fresh) != json.dumps(job_body(rotated_pair("first"), values))
    assert index(transport, post("/jobs", fresh)) == 0


def test_job_params_beyond_the_tolerance_miss(cassette: Replayer) -> None:
    transport = cassette(
        post("/jobs", job_body(rotated_pair("a"), np.array([[0.1]]))), tolerance=1e-6
    )
    with pytest.raises(CassetteMismatchError, match=r"array value at \[0, 0\] is 0\.2 here, 0\.1"):
        transport.handle(post("/jobs", job_body(rotated_pair("a"), np.array([[0.2]]))))


def test_identical_submissions_answer_in_recorded_order(cassette: Replayer) -> None:
    body = job_body(rotated_pair("x"), np.array([[0.1]]))
    transport = cassette(post("/jobs", body), post("/jobs", body))
    # Replayed with other bytes (a new parameter UUID) but the same meaning: order is kept.
    assert [
        index(transport, post("/jobs", job_body(rotated_pair(n), np.array([[0.1]])))) for n in "yz"
    ] == [
        0,
        1,
    ]


def test_an_unknown_path_lists_the_nearest_requests(cassette: Replayer) -> None:
    transport = cassette(get("/jobs/j1"), get("/backends"), post("/jobs", {"a": 1}))
    with pytest.raises(CassetteMismatchError) as caught:
        transport.handle(get("/jobs/j2"))
    message = str(caught.value)
    first = message.split("  1. ")[1].split("  2. ")[0]
    assert "GET /jobs/j1 (get_job)" in first and "path: /jobs/j2 here, /jobs/j1" in first


def test_a_miss_never_shows_a_secret(cassette: Replayer) -> None:
    transport = cassette(get("/jobs?token=recorded-secret"))
    with pytest.raises(CassetteMismatchError) as caught:
        transport.handle(get("/jobs?token=live-secret&limit=1"))
    assert "secret" not in str(caught.value)
    assert "query: 'limit' is in this request" in str(caught.value)


def test_lookup_does_not_depend_on_cassette_size(cassette: Replayer) -> None:
    transport = cassette(*(get(f"/jobs/j{i}") for i in range(300)))
    index_of = transport._index
    assert index_of is not None
    assert index(transport, get("/jobs/j299")) == 299
    # The request went straight to its bucket: no body was decoded or compared.
    from qiskit_runtime_double.transports.cassettes.replay import _UNSET

    assert all(g.meaning is _UNSET for g in index_of._order)


def test_an_undecodable_job_body_still_matches_as_json(cassette: Replayer) -> None:
    body = {
        "program_id": "sampler",
        "params": {"pubs": [{"__type__": "QuantumCircuit", "__value__": "!!"}]},
    }
    transport = cassette(post("/jobs", body))
    assert index(transport, post("/jobs", body)) == 0
    other = json.loads(json.dumps(body))
    other["params"]["pubs"][0]["__value__"] = "??"
    with pytest.raises(
        CassetteMismatchError, match=r"__value__: '\?\?' here, '!!' in the recording"
    ):
        transport.handle(post("/jobs", other))


def test_a_form_body_with_another_api_key_matches(tmp_path: Path) -> None:
    path = tmp_path / "iam.yaml"
    form = Headers({"Content-Type": "application/x-www-form-urlencoded"})
    inner = MockTransport(lambda r: HttpResponse.from_json(200, {"access_token": "t"}))
    with CassetteTransport(path, "once", inner=inner) as rec:
        rec.handle(
            HttpRequest(
                "POST", "https://iam.invalid/identity/token", form, b"grant_type=g&apikey=" + b"one"
            )
        )
    replay = CassetteTransport(path)
    answer = replay.handle(
        HttpRequest(
            "POST", "https://iam.invalid/identity/token", form, b"grant_type=g&apikey=" + b"two"
        )
    )
    assert answer.json() == {"access_token": "<SCRUBBED>"}


KEY_A, KEY_B = "qrd-submit-" + "a" * 20, "qrd-submit-" + "b" * 20


def test_idempotency_keys_in_a_submission_do_not_take_part(cassette: Replayer) -> None:
    tagged = {"program_id": "sampler", "params": {}, "tags": ["mine", KEY_A]}
    untagged = {"program_id": "sampler", "params": {}}  # recorded before the client tagged
    transport = cassette(post("/jobs", tagged), post("/jobs", untagged))

    assert index(transport, post("/jobs", {**tagged, "tags": ["mine", KEY_B]})) == 0
    assert index(transport, post("/jobs", {**untagged, "tags": [KEY_B]})) == 1
    with pytest.raises(CassetteMismatchError, match=r"body.tags\[0\]: 'theirs' here"):
        transport.handle(post("/jobs", {**tagged, "tags": ["theirs", KEY_B]}))


def test_a_replayed_lookup_answers_with_the_key_it_is_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "lookup.yaml"
    found = {"jobs": [{"id": "j1", "tags": ["mine", KEY_A]}], "count": 1}
    inner = MockTransport(lambda r: HttpResponse.from_json(200, found), base_url=BASE)
    with CassetteTransport(path, "once", inner=inner) as rec:
        rec.handle(get(f"/jobs?tags={KEY_A}&limit=10"))

    answer = CassetteTransport(path).handle(get(f"/jobs?limit=10&tags={KEY_B}"))

    assert answer.json()["jobs"][0]["tags"] == ["mine", KEY_B]
    assert normalize_query(f"tags={KEY_A}") == normalize_query(f"tags={KEY_B}")
    assert normalize_query("tags=mine") != normalize_query("tags=theirs")
