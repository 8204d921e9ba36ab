"""Secrets inside runtime-encoded payloads: QPY circuits, numpy arrays, parameters.

A circuit's name, metadata, parameter and register names and labels travel inside the job's
params as base64 of zlib of QPY. Scrubbing masks a secret there in place (same length, so the
payload still decodes); ``cassette check`` opens payloads (bounded) and looks inside; a secret
that cannot be masked stops the save with a message that says where and what to do.
"""

from __future__ import annotations

import base64
import io
import json
import random
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit import ClassicalRegister, Parameter, QuantumRegister
from qiskit.circuit.library import HGate

from qiskit_runtime_double import CassetteSecretError, HttpRequest, HttpResponse, MockTransport
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.cassettes import (
    DEFAULT_SCRUB_RULES,
    CassetteData,
    Interaction,
    Scrubber,
)
from qiskit_runtime_double.transports.cassettes.payloads import (
    MAX_DECODED_BYTES,
    MAX_RATIO,
    RATIO_FREE_BYTES,
    PayloadTooLarge,
    open_blob,
)
from qiskit_runtime_double.transports.cassettes.summary import secret_findings
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers

from .planted import BASE
from .planted_kinds import token_factories

SCRUBBER = Scrubber(DEFAULT_SCRUB_RULES)
#: Services whose tokens are recognised by their shape alone (not the random key).
SHAPED = sorted(name for name in token_factories() if name != "random key")
CIRCUIT_PLACES = (
    "circuit name",
    "metadata value",
    "metadata under a secret name",
    "parameter name",
    "non-ASCII parameter name",
    "register name",
    "instruction label",
)


def circuit_with(secret: str, place: str) -> QuantumCircuit:
    qreg = QuantumRegister(2, secret if place == "register name" else "q")
    circuit = QuantumCircuit(qreg, ClassicalRegister(2, "c"), name="bell")
    if place == "circuit name":
        circuit.name = secret
    if place == "metadata value":
        circuit.metadata = {"run": 3, "notes": ["first", {"by": secret}]}
    if place == "metadata under a secret name":
        circuit.metadata = {"run": 3, "client_secret": secret}
    theta = Parameter(
        secret if place == "parameter name" else f"θ_{secret}_φ" if "non-ASCII" in place else "θ"
    )
    circuit.append(HGate(label=secret if place == "instruction label" else None), [0])
    circuit.ry(theta, 1)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def submission(circuit: QuantumCircuit, tags: list[str]) -> HttpRequest:
    body = {
        "program_id": "sampler",
        "backend": "b",
        "tags": tags,
        "params": {"pubs": [[codec.to_jsonable(circuit), [0.4]]], "version": 2},
    }
    headers = Headers({"Content-Type": "application/json"})
    return HttpRequest("POST", f"{BASE}/jobs", headers, json.dumps(body).encode())


def decoded_blobs(content: bytes) -> bytes:
    """All payload bytes in a JSON body, decoded (base64, zlib), joined."""
    out = b""

    def walk(value: Any) -> None:
        nonlocal out
        if isinstance(value, dict):
            if isinstance(value.get("__value__"), str) and "__type__" in value:
                raw = base64.b64decode(value["__value__"])
                out += zlib.decompress(raw) if raw[:1] == b"\x78" else raw
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(content))
    return out


def _one(request: HttpRequest, response: HttpResponse | None = None) -> CassetteData:
    answer = response or HttpResponse.from_json(200, {"id": "d2tw69gsbnffwdfa3icw"})
    return CassetteData([Interaction(request, answer)], {"base_url": BASE})


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(
    service=st.sampled_from(SHAPED),
    place=st.sampled_from(CIRCUIT_PLACES),
    seed=st.integers(0, 2**32),
)
def test_a_token_inside_a_circuit_is_masked_and_the_circuit_still_decodes(
    service: str, place: str, seed: int
) -> None:
    token = token_factories()[service](random.Random(seed))
    circuit = circuit_with(token, place)
    request = submission(circuit, ["experiment-7"])
    assert token.encode() in decoded_blobs(request.content)  # it is there to begin with
    assert secret_findings(_one(request), SCRUBBER)  # and check sees it in the raw recording

    scrubbed = SCRUBBER.request(request)

    assert token.encode() not in decoded_blobs(scrubbed.content)
    assert SCRUBBER.request(scrubbed) == scrubbed  # idempotent
    assert secret_findings(_one(scrubbed), SCRUBBER) == []
    # The payload still decodes to the same circuit, with a placeholder where the token was.
    pubs = codec.from_jsonable(json.loads(scrubbed.content)["params"]["pubs"])
    decoded = pubs[0][0]
    assert isinstance(decoded, QuantumCircuit)
    assert [i.operation.name for i in decoded.data] == [i.operation.name for i in circuit.data]
    assert decoded.num_qubits == 2 and len(decoded.parameters) == 1


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(service=st.sampled_from(SHAPED), seed=st.integers(0, 2**32))
def test_a_token_in_a_job_tag_is_scrubbed_and_flagged(service: str, seed: int) -> None:
    token = token_factories()[service](random.Random(seed))
    request = submission(circuit_with("x", "none"), ["experiment-7", token])
    found = secret_findings(_one(request), SCRUBBER)
    assert any("request body tags[1]" in finding for finding in found)
    assert not any(token in finding for finding in found)

    scrubbed = SCRUBBER.request(request)
    assert token not in scrubbed.content.decode()
    assert json.loads(scrubbed.content)["tags"][0] == "experiment-7"
    assert secret_findings(_one(scrubbed), SCRUBBER) == []


def test_findings_say_what_inside_the_circuit_holds_the_secret() -> None:
    make = token_factories()
    rng = random.Random(3)
    expected = {
        "circuit name": "the circuit's name",
        "metadata value": "the circuit's metadata notes[1].by",
        "parameter name": "a parameter name",
        "register name": "a register name",
        "instruction label": "the label of an instruction (h)",
    }
    for place, label in expected.items():
        token = make["GitHub classic token"](rng)
        found = secret_findings(_one(submission(circuit_with(token, place), [])), SCRUBBER)
        text = "\n".join(found)
        assert "(job d2tw69gsbnffwdfa3icw)" in text
        assert f"params.pubs[0][0] (inside the encoded QuantumCircuit: {label})" in text, text
        assert "GitHub token" in text and token not in text and token[4:12] not in text


def test_a_secret_named_metadata_value_is_masked_whatever_its_shape() -> None:
    circuit = circuit_with("hunter2-but-longer", "metadata under a secret name")
    scrubbed = SCRUBBER.request(submission(circuit, []))
    decoded = codec.from_jsonable(json.loads(scrubbed.content)["params"]["pubs"])[0][0]
    assert decoded.metadata == {"run": 3, "client_secret": "<SCRUBBED>********"}


def test_strings_in_numpy_arrays_and_parameters_are_masked() -> None:
    token = token_factories()["Slack bot token"](random.Random(5))
    array = np.array([["plain", token], ["words", "here"]])
    body = {
        "values": codec.to_jsonable(array),
        "parameter": codec.to_jsonable(Parameter(token)),
    }
    request = HttpRequest("POST", f"{BASE}/jobs", Headers(), json.dumps(body).encode())

    scrubbed = SCRUBBER.request(request)

    decoded = codec.from_jsonable(json.loads(scrubbed.content))
    assert decoded["values"].shape == (2, 2) and decoded["values"].dtype == array.dtype
    assert decoded["values"][0, 0] == "plain" and token not in decoded["values"].tolist()[0]
    assert decoded["values"][0, 1].startswith("<SCRUBBED>")
    assert decoded["parameter"].name.startswith("<SCRUBBED>")


def test_a_secret_in_a_value_encoded_inside_metadata_stops_the_save(tmp_path: Path) -> None:
    token = token_factories()["GitHub classic token"](random.Random(9))
    inner_array = np.array([token, "x"])
    circuit = circuit_with("fine", "none")
    circuit.metadata = {"calibration": inner_array}  # encoded, inside the QPY, as an ndarray
    request = submission(circuit, [])
    assert token.encode() not in decoded_blobs(request.content)  # nested: not even in one layer
    path = tmp_path / "c.yaml"
    inner = MockTransport(lambda r: HttpResponse.from_json(200, {"id": "d2tw69gsbnffwdfa3icw"}))

    transport = CassetteTransport(path, "record", inner=inner)
    transport.handle(request)
    with pytest.raises(CassetteSecretError) as caught:
        transport.close()

    message = str(caught.value)
    assert "was not saved" in message and str(path) in message
    assert "interaction 0 (job d2tw69gsbnffwdfa3icw): request body params.pubs[0][0]" in message
    assert "a value encoded in the circuit's metadata): GitHub token" in message
    assert "Take the secret out of the circuit" in message
    assert token not in message
    assert not path.exists()


def _zlib_zeros(size: int) -> str:
    compressor = zlib.compressobj(9)
    chunk = bytes(2**20)
    data = b"".join(compressor.compress(chunk) for _ in range(size // 2**20))
    return base64.standard_b64encode(data + compressor.flush()).decode()


@pytest.mark.parametrize("megabytes", [16, 2 * MAX_DECODED_BYTES // 2**20])
def test_a_zip_bomb_is_refused_without_decompressing_it(megabytes: int) -> None:
    bomb = _zlib_zeros(megabytes * 2**20)
    compressed = len(base64.b64decode(bomb))
    # Decompression stops once the output passes the ratio limit: at most one step more.
    bound = max(RATIO_FREE_BYTES, MAX_RATIO * compressed) + 2**20
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge, match=f"more than {MAX_RATIO} times its size"):
            open_blob("ndarray", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * bound < megabytes * 2**20


def test_a_payload_past_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from qiskit_runtime_double.transports.cassettes import payloads

    monkeypatch.setattr(payloads, "MAX_RATIO", 10**6)  # only the size limit can stop it now
    monkeypatch.setattr(payloads, "MAX_DECODED_BYTES", 4 * 2**20)
    with pytest.raises(PayloadTooLarge, match="past 4 MiB"):
        open_blob("ndarray", _zlib_zeros(8 * 2**20))


def test_check_flags_a_payload_it_cannot_open_and_scrubbing_leaves_it() -> None:
    body = {"params": {"values": {"__type__": "ndarray", "__value__": _zlib_zeros(64 * 2**20)}}}
    request = HttpRequest("POST", f"{BASE}/jobs", Headers(), json.dumps(body).encode())
    found = secret_findings(_one(request), SCRUBBER)
    assert len(found) == 1
    assert found[0].startswith(
        "interaction 0 (job d2tw69gsbnffwdfa3icw): request body params.values: encoded ndarray "
        f"payload too large to scan: it decompresses more than {MAX_RATIO} times its size"
    )
    assert SCRUBBER.request(request) == request


def test_plain_numeric_payloads_are_left_as_they_are() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.random.default_rng(1).normal(size=(50, 50)), allow_pickle=False)
    value = base64.standard_b64encode(zlib.compress(buffer.getvalue())).decode()
    body = {"evs": {"__type__": "ndarray", "__value__": value}}
    request = HttpRequest("POST", f"{BASE}/jobs", Headers(), json.dumps(body).encode())
    assert SCRUBBER.request(request) == request
    assert secret_findings(_one(request), SCRUBBER) == []
