"""The file: vcrpy reads it, people read it, broken files fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from qiskit_runtime_double import HttpRequest, HttpResponse, MockTransport
from qiskit_runtime_double.errors import CassetteFormatError, CassetteNotFoundError
from qiskit_runtime_double.transports.cassette import CassetteTransport, vcrpy_reads
from qiskit_runtime_double.transports.cassettes import FORMAT_VERSION, read_cassette
from qiskit_runtime_double.wire.http import Headers

from .conftest import Recording, get, post


def test_vcrpy_loads_our_cassette(recording: Recording) -> None:
    from vcr.cassette import Cassette
    from vcr.record_mode import RecordMode
    from vcr.serialize import deserialize
    from vcr.serializers import yamlserializer

    ours = read_cassette(recording.path)
    assert ours is not None
    requests, responses, *_ = deserialize(recording.path.read_text(), yamlserializer)
    assert len(requests) == len(responses) == len(ours.interactions)
    assert [r.method for r in requests] == [i.request.method for i in ours.interactions]
    assert [r.uri for r in requests] == [i.request.url for i in ours.interactions]
    # vcrpy replays the pretty JSON text: the same JSON as what we replay byte for byte.
    for theirs, mine in zip(responses, ours.interactions, strict=True):
        assert theirs["status"]["code"] == mine.response.status_code
        if mine.response.content:
            assert json.loads(theirs["body"]["string"]) == mine.response.json()

    cassette = Cassette.load(path=str(recording.path), record_mode=RecordMode.NONE)
    assert len(cassette) == len(ours.interactions) == vcrpy_reads(recording.path)


def test_the_file_is_readable(recording: Recording) -> None:
    text = recording.path.read_text()
    assert "!!binary" not in text and "!!python" not in text
    assert '"program_id": "sampler"' in text  # a job request body, as indented JSON
    assert '"status": "Completed"' in text
    document = yaml.safe_load(text)
    meta = document["qiskit_runtime_double"]
    assert meta["format"] == FORMAT_VERSION
    assert meta["base_url"] == "http://runtime-double.invalid/api/v1"
    assert meta["backends"] == ["ibmq_qasm_simulator"]
    assert {"python", "qiskit", "qiskit-runtime-double"} <= set(meta["package_versions"])
    assert all("recorded_at" in item for item in document["interactions"])
    assert document["version"] == 1


def record_one(path: Path, response: HttpResponse, request: HttpRequest | None = None) -> None:
    inner = MockTransport(lambda r: response)
    with CassetteTransport(path, "once", inner=inner) as transport:
        transport.handle(request or get("/backends"))


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"b": 1, "a": "é", "n": [1.5, None]}, separators=(",", ":")).encode(),
        json.dumps({"b": 1, "a": "é"}, separators=(",", ":"), ensure_ascii=False).encode(),
        json.dumps({"spaced": [1, 2]}).encode(),
        b'{"odd"  :  1}',
        b"plain text\nwith lines\n",
        b"\x89PNG\x00\xff binary",
        b"",
    ],
    ids=["compact", "compact-utf8", "python", "other-json", "text", "binary", "empty"],
)
def test_replayed_bodies_are_the_recorded_bytes(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "c.yaml"
    record_one(path, HttpResponse(200, Headers({"Content-Type": "x"}), content))
    assert CassetteTransport(path).handle(get("/backends")).content == content


def test_wire_encoding_headers_are_dropped_with_the_bytes_they_described(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    headers = Headers({"Content-Encoding": "gzip", "Content-Length": "999", "X-Kept": "1"})
    record_one(path, HttpResponse(200, headers, b"{}"))
    replayed = CassetteTransport(path).handle(get("/backends"))
    assert dict(replayed.headers) == {"X-Kept": "1"}


def test_a_plain_vcrpy_cassette_replays(tmp_path: Path) -> None:
    path = tmp_path / "vcr.yaml"
    document = {
        "interactions": [
            {
                "request": {
                    "method": "GET",
                    "uri": "https://example.invalid/api/v1/jobs/j1?exclude_params=true",
                    "body": None,
                    "headers": {},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {},
                    "body": {"string": '{"id": "j1"}'},
                },
            }
        ],
        "version": 1,
    }
    path.write_text(yaml.safe_dump(document))
    transport = CassetteTransport(path)
    assert transport.base_url == "https://example.invalid/api/v1"
    assert transport.handle(get("/jobs/j1?exclude_params=true")).json() == {"id": "j1"}


def test_unknown_top_level_keys_survive_a_resave(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    record_one(path, HttpResponse.from_json(200, {}))
    document = yaml.safe_load(path.read_text())
    document["metadata"] = {"vcrpy": "keeps this"}
    path.write_text(yaml.safe_dump(document))
    inner = MockTransport(lambda r: HttpResponse.from_json(200, {}))
    with CassetteTransport(path, "new_episodes", inner=inner) as transport:
        transport.handle(post("/jobs", {"new": True}))
    assert yaml.safe_load(path.read_text())["metadata"] == {"vcrpy": "keeps this"}


# --- broken files ---

BROKEN = {
    "corrupt-yaml": ("interactions: [\n  - request: {method: GET\n", r"not valid YAML at line \d+"),
    "top-level-list": ("- 1\n- 2\n", "the top level is a list"),
    "no-interactions": ("version: 1\n", "no 'interactions' list"),
    "wrong-vcr-version": ("interactions: []\nversion: 2\n", "vcrpy 'version' is 2"),
    "interactions-not-a-list": ("interactions: {}\nversion: 1\n", "'interactions' is not a list"),
    "no-response": (
        "interactions:\n- request: {method: GET, uri: 'http://x/y', body: null, headers: {}}\n"
        "version: 1\n",
        "interaction 0 needs a 'request' and a 'response'",
    ),
    "status-not-int": (
        "interactions:\n- request: {method: GET, uri: 'http://x/y', body: null, headers: {}}\n"
        "  response: {status: {code: OK}, headers: {}, body: {string: ''}}\nversion: 1\n",
        r"interaction 0: the response needs 'status: \{code: <int>\}'",
    ),
    "bad-time": (
        "interactions:\n- request: {method: GET, uri: 'http://x/y', body: null, headers: {}}\n"
        "  response: {status: {code: 200}, headers: {}, body: {string: ''}}\n"
        "  recorded_at: yesterday\nversion: 1\n",
        "recorded_at 'yesterday' is not an ISO 8601 time",
    ),
    "python-tag": ("interactions: !!python/object:os.system {}\nversion: 1\n", "not valid YAML"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_fail_naming_the_file_and_the_problem(tmp_path: Path, name: str) -> None:
    text, problem = BROKEN[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    with pytest.raises(CassetteFormatError, match=problem) as caught:
        CassetteTransport(path)
    assert str(path) in str(caught.value)


def test_a_newer_format_says_to_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "future.yaml"
    path.write_text(
        f"qiskit_runtime_double: {{format: {FORMAT_VERSION + 1}}}\ninteractions: []\nversion: 1\n"
    )
    with pytest.raises(CassetteFormatError, match=r"newer than format 1.*pip install -U"):
        CassetteTransport(path)


def test_a_file_that_is_not_utf8_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"interactions: []\nversion: 1\n# caf\xe9\n")
    with pytest.raises(CassetteFormatError, match="not UTF-8"):
        CassetteTransport(path)


def test_a_directory_is_not_a_cassette(tmp_path: Path) -> None:
    with pytest.raises(CassetteFormatError, match="Cannot read cassette"):
        CassetteTransport(tmp_path)
    with pytest.raises(CassetteNotFoundError):
        CassetteTransport(tmp_path / "missing" / "deeper.yaml")
