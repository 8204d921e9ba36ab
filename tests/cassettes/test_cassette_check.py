"""``cassette check`` finds credential-shaped values: what the rules would scrub, values under
secret-looking names, and high-entropy tokens; and it leaves alone what cassettes legitimately
hold (ids, traces, CRNs, QPY and numpy payloads, hashes)."""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import io
import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from qiskit import QuantumCircuit, qpy

from qiskit_runtime_double import HttpRequest, HttpResponse
from qiskit_runtime_double.cli import main
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.cassettes import (
    DEFAULT_SCRUB_RULES,
    CassetteData,
    Interaction,
    Scrubber,
    read_cassette,
    write_cassette,
)
from qiskit_runtime_double.transports.cassettes.detect import credential_shape
from qiskit_runtime_double.transports.cassettes.summary import secret_findings
from qiskit_runtime_double.wire.http import Headers

from .planted import BASE, Plant, inner_for, plantings, random_token, requests_of

SCRUBBER = Scrubber(DEFAULT_SCRUB_RULES)


def record(planted: list[Plant], path: Path, *, scrub: bool) -> CassetteData:
    rules = None if scrub else ()
    with CassetteTransport(path, "once", inner=inner_for(planted), scrub_rules=rules) as t:
        for request in requests_of(planted):
            t.handle(request)
    data = read_cassette(path)
    assert data is not None
    return data


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(plantings())
def test_check_flags_every_planted_secret_in_an_unscrubbed_cassette(planted: list[Plant]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = record(planted, Path(tmp) / "raw.yaml", scrub=False)
    findings = secret_findings(data, SCRUBBER)
    missed = [
        (i, p.place)
        for i, p in enumerate(planted)
        if not any(f.startswith(f"interaction {i}: ") for f in findings)
    ]
    assert not missed, f"not flagged: {missed}\nfindings: {findings}"
    shown = "\n".join(findings)
    assert not [p.place for p in planted if p.secret in shown], "a finding shows a secret"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(plantings())
def test_check_on_a_scrubbed_cassette_flags_only_what_no_rule_knows(planted: list[Plant]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = record(planted, Path(tmp) / "scrubbed.yaml", scrub=True)
    findings = secret_findings(data, SCRUBBER)
    for i, plant in enumerate(planted):
        mine = [f for f in findings if f.startswith(f"interaction {i}: ")]
        if plant.labelled:
            assert not mine, (plant.place, mine)  # scrubbed, and scrubbing is idempotent
        else:
            assert mine and all("high-entropy" in f for f in mine), (plant.place, mine)


# --- what legitimately sits in a cassette is not a finding ---


def _qpy_value() -> str:
    circuit = QuantumCircuit(2, name="EstimatorV2PubResult2026")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    buffer = io.BytesIO()
    qpy.dump(circuit, buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def _ndarray_value() -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.random.default_rng(3).normal(size=(4, 7)), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode()


def legitimate_interactions() -> list[Interaction]:
    job, session = "d2tw69gsbnffwdfa3icw", "cfwgzvnwubtws50nie3y"
    tag = "qrd-submit-" + "9f2c41d07be3a5861c4d"
    trace = uuid.UUID(int=12345678901234567890).hex
    crn = (
        "crn:v1:bluemix:public:quantum-computing:us-east:a/"
        + "0" * 32
        + ":"
        + str(uuid.UUID(int=0))
    )
    digest = hashlib.sha256(b"counts").hexdigest()
    submit = {
        "program_id": "estimator",
        "backend": "ibm_brisbane",
        "session_id": session,
        "tags": ["experiment-7", tag],
        "params": {
            "pubs": [[{"__type__": "QuantumCircuit", "__value__": _qpy_value()}]],
            "options": {"default_shots": 4096, "seed_simulator": 1234567890},
            "values": {"__type__": "ndarray", "__value__": _ndarray_value()},
            "circuit_metadata": [{"name": "SamplerV2_Options_default", "layout": [0, 1]}],
        },
    }
    when = _dt.datetime(2025, 1, 1, tzinfo=_dt.timezone.utc)
    json_headers = {
        "Content-Type": "application/json",
        "Service-CRN": crn,
        "Authorization": "Bearer <SCRUBBED>",
        "User-Agent": "qiskit-version-2/qiskit_ibm_runtime-0.51.0,qiskit-2.6.2*,qiskit_aer-0.18.2*",
        "X-Request-Id": str(uuid.UUID(int=99)),
        "traceparent": f"00-{trace}-b7ad6b7169203331-01",
        "Date": "Wed, 01 Jan 2025 09:00:00 GMT",
    }
    return [
        Interaction(
            HttpRequest("POST", f"{BASE}/jobs", Headers(json_headers), json.dumps(submit).encode()),
            HttpResponse.from_json(200, {"id": job, "backend": "ibm_brisbane"}),
            when,
        ),
        Interaction(
            HttpRequest("GET", f"{BASE}/jobs?tags={tag}&limit=10&pending=true"),
            HttpResponse.from_json(200, {"jobs": [{"id": job, "tags": [tag]}], "count": 1}),
            when,
        ),
        Interaction(
            HttpRequest("GET", f"{BASE}/jobs/{job}/results"),
            HttpResponse.from_json(
                200,
                {
                    "results": [{"hash": digest, "sha1": hashlib.sha1(b"x").hexdigest()}],
                    "metadata": {"execution": {"execution_spans": [[job, "2025-01-01T09:00Z"]]}},
                },
            ),
            when,
        ),
        Interaction(
            HttpRequest("GET", f"{BASE}/sessions/{session}"),
            HttpResponse.from_json(
                409,
                {
                    "errors": [
                        {"code": "1352", "message": f"Session {session} is closed (trace {trace})."}
                    ],
                    "trace": trace,
                    "status_code": 409,
                },
            ),
            when,
        ),
    ]


def test_check_leaves_ids_traces_crns_payloads_and_hashes_alone() -> None:
    data = CassetteData(legitimate_interactions(), {"base_url": BASE})
    assert secret_findings(data, SCRUBBER) == []


def test_check_leaves_a_real_recording_alone(tmp_path: Path) -> None:
    from .conftest import record_workload

    path = tmp_path / "session.yaml"
    record_workload(path, seed=11)
    data = read_cassette(path)
    assert data is not None and secret_findings(data, SCRUBBER) == []


# --- beyond the rules: names and entropy ---


KEY = random_token(7, 40)  # not 44: that is an IBM Cloud API key, which a rule knows


def _one(response: HttpResponse, request: HttpRequest | None = None) -> CassetteData:
    request = request or HttpRequest("GET", f"{BASE}/backends")
    return CassetteData([Interaction(request, response)], {"base_url": BASE})


def test_a_high_entropy_token_in_free_text_is_flagged_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = random_token(11, 60)
    body = {"errors": [{"message": f"the value {token} is not a backend"}]}
    path = tmp_path / "leak.yaml"
    write_cassette(path, _one(HttpResponse.from_json(400, body)))

    assert main(["cassette", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert token not in out
    line = next(line for line in out.splitlines() if "high-entropy" in line)
    assert line.startswith(f"{path}: possible secret at interaction 0: ")
    assert "response body errors[0].message" in line
    assert f"'{token[:4]}…'" in line and "60 chars" in line and "bits/char" in line


def test_values_under_key_like_names_are_flagged() -> None:
    body = {"config": {"gateway_key": "s3cr3t-Value-9"}, "sig": "a8Fk2LmQ0xZ"}
    findings = secret_findings(_one(HttpResponse.from_json(200, body)), SCRUBBER)
    assert any("config.gateway_key" in f and "name" in f for f in findings), findings
    assert any("body sig" in f for f in findings), findings
    assert not [f for f in findings if "s3cr3t-Value-9" in f or "a8Fk2LmQ0xZ" in f]


@pytest.mark.parametrize(
    "where",
    ["request header X-Upstream", "request url query state", "response header X-Upstream"],
)
def test_entropy_is_checked_in_headers_and_query_values(where: str) -> None:
    request = HttpRequest("GET", f"{BASE}/backends")
    response = HttpResponse.from_json(200, {})
    if where == "request header X-Upstream":
        request = HttpRequest("GET", f"{BASE}/backends", Headers({"X-Upstream": KEY}))
    elif where == "request url query state":
        request = HttpRequest("GET", f"{BASE}/backends?state={KEY}&limit=1")
    else:
        response = HttpResponse(200, Headers({"X-Upstream": KEY}), b"")
    findings = secret_findings(_one(response, request), SCRUBBER)
    assert any(f.startswith(f"interaction 0: {where}") for f in findings), findings


@pytest.mark.parametrize(
    "token",
    [
        "d2tw69gsbnffwdfa3icw",  # a job id
        str(uuid.UUID(int=42)),
        "getBackendConfiguration2024",
        "ThisIsMyVeryLongClassName1",
        "qiskit_ibm_runtime-0.51.0",
        "EstimatorV2PubResult2026",
        "SamplerV2_Options_default",
        "Ultra-Enterprise-10000",
        "prob_meas0_prep1_Version2",
    ],
)
def test_ids_and_identifiers_are_not_credential_shaped(token: str) -> None:
    assert credential_shape(token) is None


@pytest.mark.parametrize(("length", "at_least"), [(24, 195), (32, 198), (44, 200), (64, 200)])
def test_random_keys_are_credential_shaped(length: int, at_least: int) -> None:
    flagged = sum(credential_shape(random_token(seed, length)) is not None for seed in range(200))
    # A short random key reads as words now and then (measured: 0.5 % at 24 characters, 0.2 %
    # at 32); an IBM Cloud API key (44) or longer, practically never (0.03 %, 0 %).
    assert flagged >= at_least


def _issue_cases() -> list[Any]:
    from .test_cassette_scrubbing import ERROR_TEXTS, ISSUE_CASES

    ok = HttpResponse.from_json(200, {"ok": True})
    cases = [pytest.param(request, ok, id=name) for name, request in ISSUE_CASES.items()]
    for name, message in ERROR_TEXTS.items():
        error = HttpResponse.from_json(400, {"errors": [{"code": "1234", "message": message}]})
        cases.append(pytest.param(HttpRequest("GET", f"{BASE}/jobs"), error, id=name))
    return cases


@pytest.mark.parametrize(("request_", "response"), _issue_cases())
def test_check_flags_issue_cases_without_any_rule(
    request_: HttpRequest, response: HttpResponse
) -> None:
    """Not only what the scrubber applies: with no rule at all, names and entropy find them."""
    assert secret_findings(_one(response, request_), Scrubber(()))


def test_plain_values_under_key_like_names_are_not_flagged() -> None:
    body = {"sort_key": "created_at", "partition_key": "2025-01-01", "schema_key": "v1.2.3"}
    assert secret_findings(_one(HttpResponse.from_json(200, body)), SCRUBBER) == []
