"""What the params of the executor era's programs hold, decoded for comparing (cassette matching).

The ``executor`` and ``noise-learner`` programs take params that IBM's ``ibm-quantum-schemas``
describes: plain JSON with base64 blobs that are not the runtime encoder's ``__type__`` tags,
and whose bytes change from run to run (QPY's default circuit names and parameter UUIDs):

- QPY blobs: ``{"b64_data", "qpy_version", "num_programs"}`` (zlib-compressed or not: a list of
  circuits), ``{"circuit_b64", "qpy_version"}`` (one circuit), and a samplex's embedded
  ``"circuit_base64"``;
- tensors: ``{"data", "shape", "dtype"}`` (little-endian, booleans bit-packed, zlib-compressed or
  not);
- samplexes: ``{"ssv", "samplex_json"}``, JSON text that nests JSON text.

``decoded_schema_params(params)`` returns the params with each blob as what it holds (circuits as
``QuantumCircuit``, tensors as numpy arrays, JSON text parsed), for ``canonical_circuit`` and
array comparison; a blob it cannot read stays as it is.

``canonical_refs(params)`` first renames the basis-change references samplomatic numbers from a
process-wide counter (``basis_changes.basis0``, ``basis_changes.basis7``...: its boxing pass
counts every box it ever made), by order of appearance: the same program built later in a
process (a replay after other tests) names them differently, and means the same.

Circuits are read with an opaque stand-in for samplomatic's annotations (only their bytes, which
the fingerprint ignores), so no IBM package is needed. Bounded: a blob inflating past
``MAX_BLOB_BYTES`` stays as it is.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zlib
from typing import Any, Final

import numpy as np

from ...wire.npy import AST_READERS_LOCK

__all__ = ["MAX_BLOB_BYTES", "canonical_refs", "decoded_schema_params", "is_schema_params"]

MAX_BLOB_BYTES: Final = 64 * 2**20
_DTYPES: Final = {
    "bool": "bool",
    "u8": "<u1",
    "u16": "<u2",
    "u32": "<u4",
    "u64": "<u8",
    "i8": "<i1",
    "i16": "<i2",
    "i32": "<i4",
    "i64": "<i8",
    "f16": "<f2",
    "f32": "<f4",
    "f64": "<f8",
    "c64": "<c8",
    "c128": "<c16",
}


def is_schema_params(params: Any) -> bool:
    """Whether ``params`` are of the executor era's programs (they carry ``schema_version``)."""
    return isinstance(params, dict) and isinstance(params.get("schema_version"), str)


#: A basis-change reference (no base64 text has a dot, so none is found inside a blob).
_BASIS_REF: Final = re.compile(r"basis_changes\.[A-Za-z_]*\d+\b")


def canonical_refs(params: Any) -> Any:
    """``params`` with samplomatic's counted basis-change references renamed in order of
    appearance (``basis_changes.ref0``, ``ref1``...), wherever they are (keys, JSON text)."""
    text = json.dumps(params)
    names: dict[str, str] = {}
    for found in _BASIS_REF.finditer(text):
        names.setdefault(found.group(), f"basis_changes.ref{len(names)}")
    if not names:
        return params
    return json.loads(_BASIS_REF.sub(lambda found: names[found.group()], text))


def decoded_schema_params(value: Any) -> Any:
    """``value`` with its QPY blobs, tensors and JSON text decoded (module docs)."""
    if isinstance(value, list):
        return [decoded_schema_params(item) for item in value]
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("b64_data"), str) and "qpy_version" in value:
        circuits = _circuits(value["b64_data"])
        if circuits is not None:
            return {**value, "b64_data": circuits}
    if isinstance(value.get("circuit_b64"), str):
        circuits = _circuits(value["circuit_b64"])
        if circuits is not None:
            return {**value, "circuit_b64": circuits}
    if isinstance(value.get("data"), str) and "dtype" in value and "shape" in value:
        array = _tensor(value)
        if array is not None:
            return {**value, "data": array}
    decoded: dict[str, Any] = {}
    for key, item in value.items():
        if key == "circuit_base64" and isinstance(item, str):
            circuits = _circuits(item)
            decoded[key] = item if circuits is None else circuits
        elif isinstance(item, str) and item[:1] in "{[":
            decoded[key] = _json_text(item)
        else:
            decoded[key] = decoded_schema_params(item)
    return decoded


def _json_text(text: str) -> Any:
    try:
        return decoded_schema_params(json.loads(text))
    except ValueError:
        return text


def _bytes(data: str) -> bytes | None:
    """The bytes of base64 ``data``, inflated if zlib, or None past the bound or when unreadable."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(b"\x78"):
        return raw
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw, MAX_BLOB_BYTES + 1)
    except zlib.error:
        return raw
    return None if inflater.unconsumed_tail or len(out) > MAX_BLOB_BYTES else out


def _circuits(data: str) -> list[Any] | None:
    raw = _bytes(data)
    if raw is None or not raw.startswith(b"QISKIT"):
        return None
    from qiskit import qpy

    try:
        with AST_READERS_LOCK:
            loaded = qpy.load(io.BytesIO(raw), annotation_factories={"": _OpaqueAnnotations})
    except Exception:  # a QPY this qiskit cannot read: compared as it is
        return None
    return list(loaded)


def _tensor(tensor: dict[str, Any]) -> np.ndarray | None:
    dtype, shape = _DTYPES.get(str(tensor["dtype"])), tensor["shape"]
    raw = _bytes(tensor["data"])
    if dtype is None or raw is None or not isinstance(shape, list):
        return None
    try:
        if dtype == "bool":
            count = int(np.prod(shape, dtype=np.int64))
            bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:count]
            return bits.astype(bool).reshape(shape)
        return np.frombuffer(raw, dtype=dtype).reshape(shape)
    except (ValueError, TypeError):
        return None


def _annotation_type() -> Any:
    from qiskit.circuit.annotation import Annotation

    class OpaqueAnnotation(Annotation):
        """An annotation this module cannot interpret: its namespace and bytes."""

        namespace = "opaque"

        def __init__(self, namespace: str, payload: bytes) -> None:
            self.namespace = namespace
            self.payload = payload

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OpaqueAnnotation) and (self.namespace, self.payload) == (
                other.namespace,
                other.payload,
            )

        def __hash__(self) -> int:
            return hash((self.namespace, self.payload))

    return OpaqueAnnotation


def _opaque_serializer() -> Any:
    from qiskit.circuit.annotation import QPYSerializer

    annotation = _annotation_type()

    class Opaque(QPYSerializer):
        namespace = ""

        def dump_annotation(self, namespace: str, value: Any) -> Any:
            return NotImplemented

        def load_state(self, namespace: str, payload: bytes) -> None:
            self.namespace = namespace

        def load_annotation(self, payload: bytes) -> Any:
            return annotation(self.namespace, bytes(payload))

    return Opaque()


def _OpaqueAnnotations() -> Any:
    return _opaque_serializer()
