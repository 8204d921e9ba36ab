"""The served fake's OpenAPI document (fake/http/openapi.py, issue 19 point 7): a valid OpenAPI 3
document, generated from the two route tables and the wire models, listing every route, linked
from the live page, and describing what the fake really answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2
from qiskit_runtime_double.fake.http.control import ROUTES as CONTROL_ROUTES
from qiskit_runtime_double.fake.http.openapi import OPENAPI_PATH, OPERATIONS
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.wire.http import Headers, HttpRequest
from qiskit_runtime_double.wire.routes import ROUTES
from qiskit_runtime_double.wire.vocabulary import API_VERSION
from tests.helpers import bell, isa

TIMEOUT = 30
BASE = "http://runtime-double.invalid"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeRuntime(["generic_5q"], seed=3).serve(pace="manual") as running:
        yield running


@pytest.fixture(scope="module")
def document(server: FakeServer) -> dict[str, Any]:
    response = requests.get(server.url + OPENAPI_PATH, timeout=TIMEOUT)  # no token: no secret
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    found: dict[str, Any] = response.json()
    return found


def test_the_document_is_a_valid_openapi_3_document(document: dict[str, Any]) -> None:
    validate(document)  # raises on any problem
    assert document["openapi"].startswith("3.")


def test_every_route_of_both_tables_is_an_operation(document: dict[str, Any]) -> None:
    listed = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }
    expected = {(r.method, "/api/v1" + r.template) for r in ROUTES}
    expected |= {(r.method, "/_double" + r.template) for r in CONTROL_ROUTES.routes}
    assert listed == expected
    # ...and the descriptions name no route that does not exist.
    assert set(OPERATIONS["api"]) == {r.name for r in ROUTES}
    assert set(OPERATIONS["control"]) == {r.name for r in CONTROL_ROUTES.routes}


def test_bodies_and_answers_are_the_wire_models(document: dict[str, Any]) -> None:
    create = document["paths"]["/api/v1/jobs"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/JobCreateRequest"}
    schemas = document["components"]["schemas"]
    assert {"program_id", "params"} <= set(schemas["JobCreateRequest"]["properties"])
    job = document["paths"]["/api/v1/jobs/{job_id}"]["get"]
    assert [p["name"] for p in job["parameters"] if p["in"] == "path"] == ["job_id"]
    calibrated = document["paths"]["/api/v1/backends/{backend}/configuration"]["get"]
    assert "calibration_id" in [p["name"] for p in calibrated["parameters"]]


def answer_schema(document: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    success = document["paths"][path][method]["responses"]["200"]
    schema: dict[str, Any] = success["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def test_what_the_fake_answers_validates_against_the_document(document: dict[str, Any]) -> None:
    fake = FakeRuntime(["generic_5q"], seed=4)  # in process: no token needed
    service = QiskitRuntimeService(fake=fake)
    job = SamplerV2(mode=service.backend("generic_5q")).run([isa(service, bell(), "generic_5q")])
    answers = {
        "/api/v1/backends": "/backends",
        "/api/v1/instances/usage": "/instances/usage",
        "/api/v1/jobs": "/jobs",
        "/api/v1/jobs/{job_id}": f"/jobs/{job.job_id()}",
        "/api/v1/backends/{backend}/configuration": "/backends/generic_5q/configuration",
        "/api/v1/backends/{backend}/properties": "/backends/generic_5q/properties",
    }
    for template, path in answers.items():
        headers = Headers({"IBM-API-Version": API_VERSION})  # older versions answer older shapes
        request = HttpRequest("GET", BASE + "/api/v1" + path, headers, b"")
        response = fake.app(request)
        assert response.status_code == 200, (path, response.text)
        schema = answer_schema(document, template)
        OAS31Validator(schema).validate(response.json())  # raises naming the field


def test_the_live_page_links_to_the_document(server: FakeServer) -> None:
    page = requests.get(server.url + "/", timeout=TIMEOUT).text
    assert re.search(r'href="/openapi\.json"', page)


def test_only_get_reads_the_document(server: FakeServer) -> None:
    refused = requests.post(server.url + OPENAPI_PATH, timeout=TIMEOUT)
    assert refused.status_code == 405
    assert "GET /openapi.json" in refused.json()["errors"][0]["message"]
