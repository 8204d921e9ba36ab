"""Several instances in one fake: Global Search and the Catalog list them, and every runtime
request sees only the backends, usage, jobs and sessions of its ``Service-CRN`` instance."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit

from qiskit_runtime_double.fake import FakeRuntime, Instance, Plan
from qiskit_runtime_double.fake.core.plan import DEFAULT_INSTANCE, instance_crn, plan_id_of
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse
from qiskit_runtime_double.wire.vocabulary import API_VERSION

BASE = "http://fake.invalid"
OPEN = Instance("my-open", plan="open", backends=["generic_5q"], usage_allocation_seconds=600)
PREMIUM = Instance("my-premium", plan="premium", region="eu-de", tags=["team-a"])


def send(
    fake: FakeRuntime, method: str, path: str, body: Any = None, crn: str | None = None
) -> HttpResponse:
    headers = {"Content-Type": "application/json", "IBM-API-Version": API_VERSION}
    if crn is not None:
        headers["Service-CRN"] = crn
    content = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body))
    data = content.encode() if isinstance(content, str) else content
    return fake.app(HttpRequest(method, BASE + path, Headers(headers), data))


def submit(fake: FakeRuntime, crn: str, backend: str | None, **extra: Any) -> HttpResponse:
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    params = codec.to_jsonable({"pubs": [[circuit, None, 10]], "version": 2})
    body = {"program_id": "sampler", "params": params, **extra}
    if backend is not None:
        body["backend"] = backend
    return send(fake, "POST", "/api/v1/jobs", codec.encode(body).encode(), crn)


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime(
        ["generic_5q", "ibmq_qasm_simulator"],
        seed=3,
        instances=[OPEN, PREMIUM],
        duration_model=lambda workload, simulator: 5.0,
    )


# --- the Instance model ---------------------------------------------------------------------------


def test_an_instance_crn_is_made_from_its_name_and_region_or_read_from_a_given_crn() -> None:
    assert PREMIUM.crn == instance_crn("my-premium", "eu-de")
    assert PREMIUM.crn.split(":")[5] == "eu-de" and PREMIUM.crn.endswith("::")
    assert Instance("my-premium", region="eu-de").crn == PREMIUM.crn  # stable across runs
    assert Instance("x").region == "us-east"
    assert Instance("x", crn=PREMIUM.crn).region == "eu-de"


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"name": ""}, TypeError, "name"),
        ({"name": "a\nb"}, ValueError, "printable"),
        ({"plan": "no/slash"}, ValueError, "plan name"),
        ({"region": "EU DE"}, ValueError, "region"),
        ({"crn": "crn:v1:nope"}, ValueError, "not an instance CRN"),
        ({"crn": DEFAULT_INSTANCE, "region": "eu-de"}, ValueError, "contradicts"),
        ({"backends": "generic_5q"}, TypeError, "not a single string"),
        ({"tags": [3]}, TypeError, "tags"),
        ({"usage_allocation_seconds": -1}, ValueError, "usage_allocation_seconds"),
        ({"usage_allocation_seconds": float("nan")}, ValueError, "usage_allocation_seconds"),
    ],
)
def test_an_instance_refuses_bad_fields_naming_them(
    kwargs: dict[str, Any], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        Instance(**{"name": "x", **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"instances": []}, ValueError, "empty"),
        ({"instances": OPEN}, TypeError, "list of Instance"),
        ({"instances": ["my-open"]}, TypeError, r"instances\[0\]"),
        ({"instances": [OPEN, Instance("my-open", crn=OPEN.crn)]}, ValueError, "unique"),
        ({"instances": [Instance("x", backends=["nope"])]}, ValueError, "nope"),
        ({"instances": [OPEN], "plan": Plan(name="open")}, ValueError, "session limits"),
    ],
)
def test_the_fake_refuses_inconsistent_instances(
    kwargs: dict[str, Any], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        FakeRuntime(["generic_5q"], **kwargs)


def test_the_plan_describes_the_first_instance_and_still_sets_session_limits() -> None:
    fake = FakeRuntime(["generic_5q"], instances=[OPEN, PREMIUM], plan=Plan(interactive_ttl=5))

    assert (fake.plan.instance, fake.plan.name, fake.plan.interactive_ttl) == (OPEN.crn, "open", 5)
    assert fake.instance("my-premium") is PREMIUM and fake.instance(OPEN.crn) is OPEN
    with pytest.raises(ValueError, match="my-open"):
        fake.instance("nope")


# --- Global Search and the Catalog ----------------------------------------------------------------

QUERY = {"query": "service_name:quantum-computing", "fields": ["crn", "name"]}


def test_search_lists_every_instance_with_its_plan_entry_and_tags(fake: FakeRuntime) -> None:
    items = send(fake, "POST", "/v3/resources/search?limit=100", QUERY).json()["items"]

    assert [(i["name"], i["crn"], i["tags"]) for i in items] == [
        ("my-open", OPEN.crn, []),
        ("my-premium", PREMIUM.crn, ["team-a"]),
    ]
    entries = [send(fake, "GET", f"/catalog/{i['service_plan_unique_id']}").json() for i in items]
    assert [e["overview_ui"]["en"]["display_name"].lower() for e in entries] == ["open", "premium"]
    assert [e["metadata"]["pricing"]["type"] for e in entries] == ["free", "paid"]
    assert send(fake, "GET", "/catalog/nope").status_code == 404


@settings(max_examples=25, deadline=None)
@given(count=st.integers(1, 7), limit=st.integers(1, 4))
def test_search_pages_give_every_instance_once_in_order(count: int, limit: int) -> None:
    instances = [Instance(f"i{n}", plan="open" if n % 2 else "premium") for n in range(count)]
    fake = FakeRuntime(["generic_5q"], instances=instances)
    seen: list[str] = []
    body: dict[str, Any] = QUERY
    for _ in range(count + 1):
        page = send(fake, "POST", f"/v3/resources/search?limit={limit}", body).json()
        seen += [item["name"] for item in page["items"]]
        if "search_cursor" not in page:
            break
        # A cursor carries the query: Global Search ignores the rest of such a body.
        body = {"search_cursor": page["search_cursor"], "query": "service_name:other"}
    assert seen == [i.name for i in instances]


# --- the runtime API, scoped by Service-CRN -------------------------------------------------------


def test_backends_are_those_of_the_request_instance(fake: FakeRuntime) -> None:
    def names(crn: str | None) -> list[str]:
        return [d["name"] for d in send(fake, "GET", "/api/v1/backends", crn=crn).json()["devices"]]

    assert names(OPEN.crn) == ["generic_5q"]
    assert names(PREMIUM.crn) == ["generic_5q", "ibmq_qasm_simulator"]
    assert names(None) == names(OPEN.crn)  # no header: the first instance
    refused = send(fake, "GET", "/api/v1/backends/ibmq_qasm_simulator/configuration", crn=OPEN.crn)
    assert refused.status_code == 404 and refused.json()["errors"][0]["code"] == "1007"
    assert "generic_5q" in refused.json()["errors"][0]["message"]
    assert submit(fake, OPEN.crn, "ibmq_qasm_simulator").status_code == 400


def test_an_unknown_service_crn_is_refused_with_403_on_every_route(fake: FakeRuntime) -> None:
    other = instance_crn("someone-else")
    for path in ("/api/v1/backends", "/api/v1/instances/usage", "/api/v1/jobs"):
        response = send(fake, "GET", path, crn=other)
        assert response.status_code == 403
        error = response.json()["errors"][0]
        assert error["code"] == "1200" and "my-open" in error["message"]


def test_jobs_belong_to_the_instance_that_submitted_them(fake: FakeRuntime) -> None:
    mine = submit(fake, PREMIUM.crn, None).json()
    theirs = submit(fake, OPEN.crn, None).json()["id"]

    assert mine["backend"] == "generic_5q"  # the default among the instance's backends
    assert fake.job(mine["id"]).instance == PREMIUM.crn
    listed = send(fake, "GET", "/api/v1/jobs", crn=PREMIUM.crn).json()
    assert [job["id"] for job in listed["jobs"]] == [mine["id"]] and listed["count"] == 1
    for method, path in (
        ("GET", f"/api/v1/jobs/{theirs}"),
        ("GET", f"/api/v1/jobs/{theirs}/results"),
        ("POST", f"/api/v1/jobs/{theirs}/cancel"),
        ("DELETE", f"/api/v1/jobs/{theirs}"),
    ):
        assert send(fake, method, path, crn=PREMIUM.crn).status_code == 404, path
    assert send(fake, "GET", f"/api/v1/jobs/{theirs}", crn=OPEN.crn).status_code == 200


def test_sessions_belong_to_the_instance_that_created_them(fake: FakeRuntime) -> None:
    body = {"mode": "dedicated", "backend": "generic_5q", "instance": OPEN.crn}
    session = send(fake, "POST", "/api/v1/sessions", body, crn=OPEN.crn).json()["id"]

    assert fake.session(session).instance == OPEN.crn
    assert send(fake, "GET", f"/api/v1/sessions/{session}", crn=PREMIUM.crn).status_code == 404
    refused = submit(fake, PREMIUM.crn, "generic_5q", session_id=session)
    assert refused.status_code == 400 and "does not exist" in refused.text
    assert submit(fake, OPEN.crn, "generic_5q", session_id=session).status_code == 200
    mismatch = send(fake, "POST", "/api/v1/sessions", body, crn=PREMIUM.crn)
    assert mismatch.status_code == 400 and "Service-CRN" in mismatch.text


def test_usage_is_counted_and_allocated_per_instance(fake: FakeRuntime) -> None:
    job_id = submit(fake, OPEN.crn, "generic_5q").json()["id"]
    fake.clock.shift(60)
    assert fake.job(job_id).status == "Completed"

    usage = {
        instance.name: send(fake, "GET", "/api/v1/instances/usage", crn=instance.crn).json()
        for instance in (OPEN, PREMIUM)
    }
    assert usage["my-open"]["instance_id"] == OPEN.crn
    assert usage["my-open"]["plan_id"] == plan_id_of("open")  # the Catalog's id, not the name
    assert usage["my-open"]["usage_consumed_seconds"] == 5
    assert usage["my-open"]["usage_allocation_seconds"] == 600
    assert "usage_remaining_seconds" not in usage["my-open"]  # clients compute it
    assert usage["my-premium"]["usage_consumed_seconds"] == 0
    assert "usage_allocation_seconds" not in usage["my-premium"]  # unlimited
