"""The strings inside runtime-encoded payloads, for scanning and scrubbing them.

A job's params and results carry blobs: ``{"__type__": "QuantumCircuit", "__value__": <base64 of
zlib-compressed QPY>}``, numpy arrays as base64 of zlib of ``.npy``, parameters as base64. Inside
them are strings the user chose: a circuit's name, its metadata (JSON), parameter, register and
variable names, instruction labels, custom gate names, array elements. This module opens a blob
(bounded), lists its strings, and writes a blob back with some of them masked.

- **Bounded.** Base64 text is decoded only up to ``MAX_DECODED_BYTES``, and zlib output is read
  in steps (``wire/inflate.py``, the one bounded inflater, which the codec uses too) up to the
  same limit and at most ``MAX_RATIO`` times the compressed bytes read (past the first
  ``RATIO_FREE_BYTES``): a zip bomb in a cassette raises ``PayloadTooLarge`` after decompressing
  at most one step past the limits, never exhausting memory.
- **Strings, read two ways.** Every run of printable text in the decoded bytes (UTF-8, and UTF-32
  for numpy string arrays), which needs no knowledge of the format and misses nothing printable;
  and, for QPY, the circuit read back by qiskit (``qpy.load``), which gives each string exactly
  and says what it is (the circuit's name, a metadata key, a parameter name...). Runs can carry a
  neighbouring byte that happens to be printable (a length or a UUID byte); the QPY reading does
  not.
- **Masking in place.** A secret is replaced by a placeholder of the same byte length
  (``secret_text.mask``): QPY strings are length-prefixed and ``.npy`` headers fix the element
  size, so the payload stays valid and decodes to the same structure, with the placeholder where
  the secret was. The blob is then compressed and encoded again.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import json
import re
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from ...wire.inflate import PayloadLimits, PayloadTooLarge, inflate

__all__ = [
    "BLOB_TAGS",
    "MAX_DECODED_BYTES",
    "MAX_RATIO",
    "Blob",
    "PayloadTooLarge",
    "Text",
    "changed_span",
    "is_runtime_payload",
    "json_documents",
    "open_blob",
]

#: The most bytes a payload may decode to (base64 and zlib alike) before it is refused.
MAX_DECODED_BYTES: Final = 64 * 2**20
#: The most a zlib payload may expand, past ``RATIO_FREE_BYTES`` of output (zlib's own limit is
#: about 1032; circuits expand 3-5 times, arrays of counts 2-50).
MAX_RATIO: Final = 250
RATIO_FREE_BYTES: Final = 2**20

#: Tags whose ``__value__`` is base64 (of zlib for all but ``Parameter`` and ``spmatrix``).
BLOB_TAGS: Final = frozenset(
    {"QuantumCircuit", "Instruction", "ndarray", "Parameter", "spmatrix", "ParameterExpression"}
)
_QPY_TAGS: Final = frozenset({"QuantumCircuit", "Instruction"})
#: Printable text in bytes read as latin-1 (one character per byte), tabs and newlines included,
#: and UTF-8 sequences (a parameter named ``θ``), which then read as two to four characters.
_RUN: Final = re.compile(r"(?:[\t\n\r\x20-\x7e]|[\xc2-\xf4][\x80-\xbf]{1,3}){4,}")
#: The same for UTF-32 little-endian text (numpy ``<U`` arrays).
_RUN32: Final = re.compile(rb"(?:[\t\n\r\x20-\x7e]\x00\x00\x00){4,}")
_ZLIB_HEADERS: Final = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


def is_runtime_payload(value: dict[str, Any]) -> bool:
    """A runtime-encoded object whose ``__value__`` is an encoded payload (QPY, numpy...)."""
    return "__type__" in value and isinstance(value.get("__value__"), str)


def changed_span(old: str, new: str) -> tuple[int, int]:
    """The span of ``old`` that differs from ``new`` (their common start and end removed): what
    a replacement took away."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return start, len(old) - end


@dataclass(frozen=True)
class Text:
    """A string found in a payload: its value, what it is, and where its bytes are.

    ``span``: the byte range of a printable run in the decoded payload, or None for a string
    read from the structure (QPY), which is located by its value when masked.
    """

    value: str
    label: str
    span: tuple[int, int] | None = None
    wide: bool = False  # UTF-32 (a numpy string array), else latin-1 bytes


@dataclass(frozen=True)
class Blob:
    """A decoded payload: ``raw`` bytes, and how to encode them back."""

    tag: str
    raw: bytes
    compressed: bool

    def runs(self) -> list[Text]:
        """Every run of printable text, as latin-1 (bytes and characters line up one to one)."""
        text = self.raw.decode("latin-1")
        found = [Text(m.group(), "a string", m.span()) for m in _RUN.finditer(text)]
        for match in _RUN32.finditer(self.raw):
            found.append(Text(match.group().decode("utf-32-le"), "a string", match.span(), True))
        return found

    def structure(self) -> list[Text] | None:
        """The strings of a QPY payload (read back by qiskit) or of a parameter, exactly and
        labelled; None for other payloads, and if it does not load (a newer QPY version, a
        damaged payload)."""
        if self.tag == "Parameter":
            return _parameter_name(self.raw)
        if self.tag not in _QPY_TAGS or not self.raw.startswith(b"QISKIT"):
            return None
        try:
            from qiskit import qpy

            circuits = qpy.load(io.BytesIO(self.raw))
        except Exception:  # whatever qiskit raises, the runs still cover the payload
            return None
        found: list[Text] = []
        for circuit in circuits:
            found += _circuit_strings(circuit, "the circuit's", depth=0)
        return found

    def masked(self, replacements: Iterable[tuple[str, str]], runs: list[Text]) -> bytes:
        """``raw`` with each ``(original, masked)`` string replaced wherever it occurs inside a
        printable run (outside runs, bytes are data: never touched). Both strings of a pair have
        the same length, so the payload's lengths and offsets stay valid; a pair whose encoded
        forms differ in length (escapes) is skipped."""
        raw = bytearray(self.raw)
        pairs = sorted(set(replacements), key=lambda pair: len(pair[0]), reverse=True)
        for run in runs:
            assert run.span is not None
            start, end = run.span
            piece = bytes(raw[start:end])
            for original, masked in pairs:
                for needle, placeholder in _encodings(original, masked, wide=run.wide):
                    if needle in piece:
                        piece = piece.replace(needle, placeholder)
            raw[start:end] = piece
        return bytes(raw)

    def encode(self, raw: bytes) -> str:
        """The ``__value__`` for ``raw``, encoded as this blob was."""
        data = zlib.compress(raw) if self.compressed else raw
        return base64.standard_b64encode(data).decode("ascii")


def _encodings(original: str, masked: str, *, wide: bool) -> Iterator[tuple[bytes, bytes]]:
    """How ``original`` may appear in a run, each with its same-length masked form."""
    forms = [(original, masked)]
    if not wide:
        forms.append((_escaped(original), _escaped(masked)))
    for old, new in forms:
        try:
            needle = old.encode("utf-32-le" if wide else "utf-8")
            placeholder = new.encode("utf-32-le" if wide else "utf-8")
        except UnicodeEncodeError:
            continue
        if needle and len(needle) == len(placeholder):
            yield needle, placeholder


def _escaped(text: str) -> str:
    """``text`` as it is written inside a JSON string (as qiskit writes a circuit's metadata)."""
    return json.dumps(text)[1:-1]


def open_blob(tag: str, value: str) -> Blob | None:
    """The decoded payload of a ``{"__type__": tag, "__value__": value}`` object, or None when
    ``value`` is not base64: plain text for tags outside ``BLOB_TAGS`` (a date, a JSON string),
    a damaged payload (or an extrapolator's name, for ``ndarray``) for those in it.

    Raises ``PayloadTooLarge`` past the limits.
    """
    if tag not in BLOB_TAGS and len(value) < 16:
        return None
    if len(value) > MAX_DECODED_BYTES * 4 // 3 + 4:
        raise PayloadTooLarge(
            f"its base64 text is {len(value)} characters, more than the "
            f"{MAX_DECODED_BYTES // 2**20} MiB a payload may decode to"
        )
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if data[:2] in _ZLIB_HEADERS:
        try:
            return Blob(tag, _inflate(data), compressed=True)
        except zlib.error:
            pass  # not zlib after all: the bytes as they are
    return Blob(tag, data, compressed=False)


def _inflate(data: bytes) -> bytes:
    """zlib-decompress ``data`` within this module's limits (``wire.inflate``, which refuses a
    bomb after at most one step past them). A truncated stream gives what it holds (there is
    something to scan in it all the same)."""
    limits = PayloadLimits(MAX_DECODED_BYTES, MAX_RATIO, RATIO_FREE_BYTES)
    return inflate(data, limits, truncated_ok=True)


def json_documents(text: str) -> Iterator[tuple[int, int, Any]]:
    """JSON objects found in a run (a circuit's metadata is stored as JSON), with their spans.

    A run may carry bytes before and after the document (lengths, type codes); each ``{`` that
    starts a document that parses is taken, and the search continues after it.
    """
    decoder = json.JSONDecoder()
    position = text.find("{")
    while position >= 0:
        try:
            document, end = decoder.raw_decode(text, position)
        except ValueError:
            position = text.find("{", position + 1)
            continue
        yield position, end, document
        position = text.find("{", end)


# --- QPY, read back by qiskit ------------------------------------------------------------------

#: How deep custom gate definitions and control-flow bodies are followed.
_MAX_DEPTH: Final = 4


def _circuit_strings(circuit: Any, whose: str, depth: int) -> list[Text]:
    found = [Text(str(circuit.name), f"{whose} name")]
    metadata = getattr(circuit, "metadata", None)
    if metadata:
        found += _json_strings(metadata, f"{whose} metadata")
    for parameter in circuit.parameters:
        found.append(Text(str(parameter.name), "a parameter name"))
    for register in [*circuit.qregs, *circuit.cregs]:
        found.append(Text(str(register.name), "a register name"))
    for var in [*circuit.iter_vars(), *getattr(circuit, "iter_stretches", list)()]:
        found.append(Text(str(var.name), "a variable name"))
    for item in circuit.data:
        op = item.operation
        label = getattr(op, "label", None)
        if label:
            found.append(Text(str(label), f"the label of an instruction ({op.name})"))
        found.append(Text(str(op.name), "an instruction's name"))
        if depth >= _MAX_DEPTH:
            continue
        for block in getattr(op, "blocks", ()):
            found += _circuit_strings(block, "a control-flow body's", depth + 1)
        if getattr(op, "_definition", None) is not None and not _is_standard(op):
            found += _circuit_strings(op.definition, f"gate {op.name!r}'s definition's", depth + 1)
    return found


def _parameter_name(raw: bytes) -> list[Text] | None:
    """A QPY parameter: a 2-byte name length, 16 bytes of UUID, the name (UTF-8)."""
    if len(raw) < 18:
        return None
    size = struct.unpack("!H", raw[:2])[0]
    if len(raw) != 18 + size:
        return None
    try:
        return [Text(raw[18:].decode("utf-8"), "a parameter name")]
    except UnicodeDecodeError:
        return None


def _is_standard(op: Any) -> bool:
    return (op.name, type(op)) in _standard_gates()


@functools.cache
def _standard_gates() -> frozenset[tuple[str, type]]:
    """qiskit's standard gates, by name and class (immutable; built once: it costs a few ms)."""
    from qiskit.circuit.library import get_standard_gate_name_mapping

    return frozenset((name, type(gate)) for name, gate in get_standard_gate_name_mapping().items())


def _json_strings(value: Any, label: str, path: str = "") -> list[Text]:
    """Strings (keys and values) of a JSON-like value, labelled with their path."""
    here = f"{label} {path}" if path else label
    if isinstance(value, str):
        return [Text(value, here)]
    found: list[Text] = []
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            found.append(Text(str(key), f"{label} key {inner!r}"))
            found += _json_strings(item, label, inner)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found += _json_strings(item, label, f"{path}[{i}]")
    return found
