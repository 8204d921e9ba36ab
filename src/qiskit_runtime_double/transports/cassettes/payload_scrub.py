"""Scrubbing inside encoded payloads: find secrets among a payload's strings, mask them in place.

The strings come from ``payloads.py``: the printable runs of the decoded bytes, the JSON documents
in them (a circuit's metadata, read with its key names), and, for QPY, the circuit read back by
qiskit. Each goes through the scrubber's rules; what a rule would replace is masked with a
placeholder of the same length (``secret_text.mask``), so the payload still decodes, and the blob
is encoded again.

A run can carry a neighbouring byte that happens to be printable: a UUID byte before a parameter
name, a gate's class name before its label, a type code after it. The structure's strings are
exact, so they decide where they hold: a run's find that overlaps one of them is left to it.
Elsewhere (payloads without a structure), a neighbour before a string would hide a token from a
rule that wants nothing before it (``ghp_...`` must start a word), so the start of each run is
also read without its first few characters (``_views``).

What cannot be masked in place: a secret inside a value that is itself encoded in a circuit's
metadata (an array, stored whole as base64 in the QPY's JSON). Such a secret is reported as
unscrubbable, and saving refuses to write it (``CassetteSecretError``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, Protocol

from ...wire.secret_text import PLACEHOLDER, mask
from .findings import Finding, Found
from .payloads import (
    BLOB_TAGS,
    Blob,
    PayloadTooLarge,
    Text,
    encoded_payload,
    json_documents,
    open_blob,
)

__all__ = ["CLEAN_PAYLOADS", "Rules", "scrub_payload"]

#: How many payloads found clean a scrubber remembers (by digest).
CLEAN_PAYLOADS: Final = 4096
#: How many characters a neighbouring byte run may add before a string (16 UUID bytes and a
#: 2-byte length, for a QPY parameter), and how far into a run a token may start to be re-read.
_GLUE: Final = 20
_WINDOW: Final = 320
#: A shorter run needs no second look: no token shape fits in it with a neighbour.
_MIN_VIEWED: Final = 12


class Rules(Protocol):
    """What payload scrubbing needs of a ``Scrubber``."""

    clean_payloads: set[bytes]

    def text(self, value: str, where: str, found: Found | None = None) -> str: ...

    def masked_text(self, value: str) -> tuple[str, list[tuple[int, int, str]]]: ...

    def json_value(self, value: Any, where: str, found: Found | None = None) -> Any: ...

    def key_rule(self, name: str, value: object = None) -> str | None: ...


@dataclass(frozen=True)
class _Masking:
    """One secret inside a payload, and how to mask it: at a byte span of the decoded payload
    (found in a run), or wherever a string occurs in the runs (found in the structure or in
    JSON metadata: ``original`` becomes ``masked``, of the same length)."""

    rule: str
    secret: str
    span: tuple[int, int] | None = None
    wide: bool = False
    original: str = ""
    masked: str = ""
    #: Inside a value encoded in this payload's metadata: cannot be masked in place.
    nested: bool = False

    def label(self, structure: list[Text]) -> str:
        """What the secret is part of (the circuit's name, a metadata key...); never its value."""
        if self.nested:
            return "a value encoded in the circuit's metadata"
        holder = next((text for text in structure if self.secret in text.value), None)
        return holder.label if holder is not None else "a string"


def scrub_payload(rules: Rules, value: dict[str, Any], here: str, found: Found | None) -> Any:
    """An object carrying an encoded payload (``encoded_payload``: runtime-encoded, or one of
    IBM's schema models) with the secrets inside its payload masked in place.

    Returns ``value`` itself when there is nothing to mask (or no payload). A payload past the
    decoding limits is left as it is: nothing can be read in it (``cassette check`` says so).
    ``found`` receives a finding per secret, naming what holds it, and the unscrubbable ones.
    """
    where = encoded_payload(value)
    if where is None:
        return value
    tag, field = where
    encoded = value[field]
    key = hashlib.blake2b(f"{tag}\0{encoded}".encode(), digest_size=16).digest()
    if key in rules.clean_payloads:
        return value
    try:
        blob = open_blob(tag, encoded)
    except PayloadTooLarge:
        return value
    if blob is None:
        if tag in BLOB_TAGS:
            return value  # not base64: damaged, or a name (an extrapolator): no payload
        text = rules.text(encoded, f"{here} (value)", found)
        return value if text == encoded else {**value, field: text}
    runs = blob.runs()
    maskings = _maskings(rules, blob, runs)
    if not maskings:
        if len(rules.clean_payloads) >= CLEAN_PAYLOADS:
            rules.clean_payloads.clear()
        rules.clean_payloads.add(key)
        return value
    raw = _masked(blob, maskings, runs)
    left = {m.secret for m in _maskings(rules, Blob(blob.tag, raw, blob.compressed), None)}
    if found is not None:
        structure = blob.structure() or []
        reported: set[str] = set()
        for item in maskings:
            if item.secret in reported:
                continue
            reported.add(item.secret)
            place = f"{here} (inside the encoded {tag}: {item.label(structure)})"
            found.add(item.rule, place)
            if item.nested or item.secret in left:
                found.unscrubbable.append(Finding(item.rule, place))
    return {**value, field: blob.encode(raw)}


def _maskings(rules: Rules, blob: Blob, runs: list[Text] | None) -> list[_Masking]:
    """Every secret among a payload's strings (``runs``: its printable runs, if known).

    The structure's strings are exact, so a secret in one is masked as that whole string (found
    wherever it occurs in the runs). A run's find is masked at its bytes, unless the structure
    already holds it: a run's find may have taken in a neighbouring byte (a token shape reads on
    over a trailing type code), and masking that byte would break the payload.
    """
    found: list[_Masking] = []
    seen: set[tuple[str, tuple[int, int] | None]] = set()

    def keep(masking: _Masking) -> None:
        if (masking.secret, masking.span) not in seen:
            seen.add((masking.secret, masking.span))
            found.append(masking)

    exact = [t.value for t in {t.value: t for t in blob.structure() or []}.values()]
    for value in exact:
        masked, spans = rules.masked_text(value)
        for start, end, rule in spans:
            keep(_Masking(rule, value[start:end], original=value, masked=masked))
    for run in runs if runs is not None else blob.runs():
        assert run.span is not None
        width = 4 if run.wide else 1
        held = _occurrences(run.value, exact)
        for offset, view in _views(run.value):
            _, spans = rules.masked_text(view)
            for start, end, rule in spans:
                start, end = offset + start, offset + end
                if any(start < stop and first < end for first, stop in held):
                    continue  # the structure has this string exactly: masked above
                at = run.span[0] + width * start, run.span[0] + width * end
                keep(_Masking(rule, run.value[start:end], span=at, wide=run.wide))
        if "{" in run.value:  # JSON metadata, read with the names of its keys
            for _, _, document in json_documents(run.value):
                for masking in _json_maskings(rules, document):
                    keep(masking)
    return found


def _views(text: str) -> Iterator[tuple[int, str]]:
    """``text``, then its start read without the neighbouring characters a run may carry before
    a string (each view with its offset in ``text``). Not its end: a token that reads on over a
    trailing byte is found all the same, and cutting the end would make a shorter string stand
    alone (a 44-character key shape inside a longer name)."""
    yield 0, text
    if len(text) < _MIN_VIEWED:
        return
    for skip in range(1, min(_GLUE, len(text) - 8) + 1):
        if text[skip - 1].isalnum() or text[skip - 1] == "_":  # a neighbour a rule would see
            yield skip, text[skip : skip + _WINDOW]


def _occurrences(run: str, strings: list[str]) -> list[tuple[int, int]]:
    """Where each of ``strings`` (the structure's, exact) occurs in a run."""
    found: list[tuple[int, int]] = []
    for value in strings:
        if len(value) < 4:
            continue
        start = run.find(value)
        while start >= 0:
            found.append((start, start + len(value)))
            start = run.find(value, start + 1)
    return found


def _json_maskings(rules: Rules, document: Any) -> Iterator[_Masking]:
    """Strings of a JSON document that the rules replace (``{"api_token": "..."}``), each masked
    as the whole JSON string it is (quotes included), so nothing else is touched."""
    scrubbed = rules.json_value(document, "")
    for key, old, new in _changed_values(document, scrubbed):
        rule = rules.key_rule(key, old) or "a secret name"
        if isinstance(old, dict):  # a payload in the metadata: what did it find inside?
            inside = Found()
            scrub_payload(rules, old, "", inside)
            rule = inside.items[0].rule if inside.items else rule
        if not isinstance(old, str) or not isinstance(new, str):
            yield _Masking(rule, repr(old), nested=True)  # an encoded value, or a number
            continue
        if new == PLACEHOLDER:  # replaced whole, for its name
            masked, spans = mask(len(old)), [(0, len(old), rule)]
        else:
            masked, spans = rules.masked_text(old)
        for start, end, why in spans:
            yield _Masking(why, old[start:end], original=json.dumps(old), masked=json.dumps(masked))


def _masked(blob: Blob, maskings: list[_Masking], runs: list[Text]) -> bytes:
    """The decoded payload with every masking applied: spans first, then strings."""
    raw = bytearray(blob.raw)
    spans = sorted((m.span, m.wide) for m in maskings if m.span is not None)
    merged: list[tuple[int, int, bool]] = []
    for (start, end), wide in spans:  # overlapping finds (a run and one of its views): one mask
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), wide)
        else:
            merged.append((start, end, wide))
    for start, end, wide in merged:
        placeholder = mask((end - start) // (4 if wide else 1))
        raw[start:end] = placeholder.encode("utf-32-le" if wide else "ascii")
    pairs = [(m.original, m.masked) for m in maskings if m.span is None and not m.nested]
    return Blob(blob.tag, bytes(raw), blob.compressed).masked(pairs, runs) if pairs else bytes(raw)


def _changed_values(old: Any, new: Any, key: str = "") -> Iterator[tuple[str, Any, Any]]:
    """The leaves (strings, numbers, payloads) that differ between two JSON documents of the same
    shape, each with the name of the key it is under."""
    if isinstance(old, dict) and isinstance(new, dict):
        if encoded_payload(old) is not None:
            if old != new:
                yield key, old, new
            return
        for name, item in old.items():
            yield from _changed_values(item, new.get(name), str(name))
    elif isinstance(old, list) and isinstance(new, list):
        for a, b in zip(old, new, strict=False):
            yield from _changed_values(a, b, key)
    elif old != new:
        yield key, old, new
