"""Run-to-run noise written in a canonical form: re-recording the same run gives the same file.

Recorded twice against the same seeded fake, the same code sends the same requests and gets the
same answers, except for two kinds of identifiers that are random on every run and mean nothing
to a replay:

- the idempotency keys our client tags job submissions with (``qrd-submit-`` and 20 random hex
  digits, ``http_client/submission.py``): in request bodies, lookup queries and the jobs the
  service returns. Each distinct key becomes ``qrd-submit-`` and its rank of first appearance in
  the cassette, in 20 hex digits (``qrd-submit-00000000000000000001``).
- in the QPY of each circuit the code submits (by our client and the official one alike): the
  UUIDs qiskit gives every ``Parameter`` (random at creation), and the default names of circuits
  (``circuit-<n>``, from a counter of every circuit the process made before, so they change with
  the tests that ran first). Each distinct UUID becomes one derived from its rank of first
  appearance (``uuid5``), replaced byte for byte; each default name becomes ``circuit-<rank>``,
  with the name's length in the circuit's header; the QPY is read back to check it, and
  compressed again as the runtime encoder does.

A replay depends on neither: matching ignores the keys and hands a replayed lookup the key of
the replaying submission, and compares circuits on their structure (``codec.canonical_circuit``
ignores parameter UUIDs). The rewriting is idempotent (a cassette already canonical is left as it
is), keeps every body's formatting, and leaves alone whatever it cannot decode.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import struct
import uuid
import zlib
from collections.abc import Iterator, Sequence
from typing import Any, Final

from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.inflate import JOB_INPUT_LIMITS, inflate
from ...wire.submit_keys import KEY_PREFIX
from .fileformat import Interaction

__all__ = ["stable_identities"]

_KEY: Final = re.compile(re.escape(KEY_PREFIX) + r"[0-9a-f]{20}\b")
_NAMESPACE: Final = uuid.UUID("5f7b0a9e-3c1d-4e8a-9b2f-6d0c1e2a3b4c")
_CIRCUIT_TAG: Final = "QuantumCircuit"


class _Ranks:
    """Canonical names by rank of first appearance."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.uuids: dict[bytes, bytes] = {}
        self.blobs: dict[str, str] = {}
        self.names: dict[bytes, bytes] = {}

    def key(self, found: re.Match[str]) -> str:
        text = found.group(0)
        if text not in self.keys:
            self.keys[text] = f"{KEY_PREFIX}{len(self.keys) + 1:020x}"
        return self.keys[text]

    def name(self, raw: bytes) -> bytes:
        if raw not in self.names:
            self.names[raw] = f"circuit-{len(self.names) + 1}".encode()
        return self.names[raw]

    def uuid(self, raw: bytes) -> bytes:
        if raw not in self.uuids:
            rank = len(self.uuids) + 1
            self.uuids[raw] = uuid.uuid5(_NAMESPACE, f"parameter/{rank}").bytes
        return self.uuids[raw]


def _circuit_blobs(value: Any) -> Iterator[str]:
    """The ``__value__`` of every runtime-encoded circuit in a decoded JSON body."""
    if isinstance(value, dict):
        if value.get("__type__") == _CIRCUIT_TAG and isinstance(value.get("__value__"), str):
            yield value["__value__"]
            return
        for item in value.values():
            yield from _circuit_blobs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _circuit_blobs(item)


def _load(qpy: bytes) -> list[Any]:
    from qiskit.qpy import load

    return list(load(io.BytesIO(qpy)))


def _parameter_uuids(circuits: list[Any]) -> list[bytes]:
    """The UUIDs of the parameters of ``circuits``, in their order there."""
    found: list[bytes] = []
    for circuit in circuits:
        for parameter in getattr(circuit, "parameters", ()):
            raw = parameter.uuid.bytes
            if raw not in found:
                found.append(raw)
    return found


#: The sizes of the circuit headers that precede a circuit's name in QPY (format versions 12 and
#: later, 2 to 11, and 1); each starts with the name's length (``!H``).
_HEADER_SIZES: Final = (
    struct.calcsize("!H1cHIIQIQI"),
    struct.calcsize("!H1cHIIQIQ"),
    struct.calcsize("!HdIIQIQ"),
)
_DEFAULT_NAME: Final = re.compile(rb"circuit-[0-9]+")


def _stable_names(qpy: bytes, ranks: _Ranks) -> bytes:
    """``qpy`` with default circuit names in canonical form, their headers' lengths adjusted."""
    edits: list[tuple[int, int, bytes]] = []  # (header start, name end, header + new name)
    for found in _DEFAULT_NAME.finditer(qpy):
        name = found.group(0)
        for size in _HEADER_SIZES:
            start = found.start() - size
            if start >= 0 and struct.unpack_from("!H", qpy, start)[0] == len(name):
                new = ranks.name(name)
                header = struct.pack("!H", len(new)) + qpy[start + 2 : found.start()]
                edits.append((start, found.end(), header + new))
                break
    for start, end, replacement in reversed(edits):
        qpy = qpy[:start] + replacement + qpy[end:]
    return qpy


def _stable_blob(blob: str, ranks: _Ranks) -> str:
    """``blob`` (base64 of QPY, zlib-compressed or not) with canonical parameter UUIDs."""
    if blob in ranks.blobs:
        return ranks.blobs[blob]
    result = blob
    try:
        raw = base64.standard_b64decode(blob)
        compressed = not raw.startswith(b"QISKIT")
        qpy = inflate(raw, JOB_INPUT_LIMITS) if compressed else raw  # bounded: a bomb is refused
        circuits = _load(qpy)
        changed = qpy
        for old in _parameter_uuids(circuits):
            changed = changed.replace(old, ranks.uuid(old))
        changed = _stable_names(changed, ranks)
        if changed != qpy and len(_load(changed)) == len(circuits):  # still QPY, as many circuits
            packed = zlib.compress(changed) if compressed else changed
            result = base64.standard_b64encode(packed).decode("ascii")
    except (binascii.Error, zlib.error, ValueError, TypeError, ImportError):
        pass  # not QPY this qiskit can read: left as it is
    except Exception:  # qiskit's QPY reader raises its own errors on newer formats
        pass
    ranks.blobs[blob] = result
    ranks.blobs[result] = result
    return result


def _stable_text(text: str, ranks: _Ranks) -> str:
    text = _KEY.sub(ranks.key, text)
    if f'"{_CIRCUIT_TAG}"' not in text:
        return text
    try:
        body = json.loads(text)
    except ValueError:
        return text
    for blob in dict.fromkeys(_circuit_blobs(body)):
        stable = _stable_blob(blob, ranks)
        if stable != blob:
            text = text.replace(blob, stable)
    return text


def _stable_bytes(content: bytes, ranks: _Ranks) -> bytes:
    if not content:
        return content
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content
    stable = _stable_text(text, ranks)
    return content if stable == text else stable.encode("utf-8")


def _with_length(headers: Headers, content: bytes, before: bytes) -> Headers:
    """``headers`` with a ``Content-Length`` that still tells the body's length."""
    if len(content) == len(before) or "Content-Length" not in headers:
        return headers
    length = str(len(content))
    return Headers({k: length if k.lower() == "content-length" else v for k, v in headers.items()})


def stable_identities(interactions: Sequence[Interaction]) -> list[Interaction]:
    """``interactions`` with submit keys and parameter UUIDs in canonical form (module docs)."""
    ranks = _Ranks()
    stable: list[Interaction] = []
    for item in interactions:
        request, response = item.request, item.response
        url = _KEY.sub(ranks.key, request.url)
        content = _stable_bytes(request.content, ranks)
        answer = _stable_bytes(response.content, ranks)
        if url != request.url or content is not request.content:
            headers = _with_length(request.headers, content, request.content)
            request = HttpRequest(request.method, url, headers, content)
        if answer is not response.content:
            headers = _with_length(response.headers, answer, response.content)
            response = HttpResponse(response.status_code, headers, answer)
        stable.append(Interaction(request, response, item.recorded_at))
    return stable
