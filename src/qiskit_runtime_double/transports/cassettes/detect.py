"""Credential-shaped values that no scrub rule names: for ``cassette check``.

The scrub rules recognise secrets by their surroundings. This module looks at the values
themselves, independently of any rule set, and reports:

- a value under a secret-looking name (``names.is_secret_name``) that is not a placeholder, and a
  credential-like value under a key-like name (``gateway_key``, ``sig``, ``otp``...);
- a high-entropy token anywhere (headers, query values, path segments, JSON strings, free text):
  at least 20 characters of a base64/base64url alphabet with a lower case letter, a capital and a
  digit, or 24 of a one-case alphabet with digits, or 32 hex digits, whose Shannon entropy per
  character is at least 3/4 of the most its length and alphabet allow, and which does not read as
  words (identifiers such as ``EstimatorV2PubResult2026`` are random-looking but made of English
  letter pairs).

Runtime-encoded payloads (QPY circuits, numpy arrays) are opened (``payloads.py``, bounded) and
the strings inside them are looked at the same way: a circuit's name, its metadata (with the
names of its keys), parameter and register names, labels. A payload that decodes past the limits
is a finding of its own (it cannot be scanned, and a zip bomb is no legitimate payload). Job tags
are strings like any other: a token in a tag is a finding.

Left alone, because cassettes legitimately hold them: the encoded form of payloads (base64), ids
(values under ``id``-like names, route parameters, UUIDs, our ``qrd-submit-`` tags, and every
other occurrence of those values), and digests under hash-like names. A finding shows at most four
characters of the value.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from ...wire.http import HttpRequest, HttpResponse
from ...wire.routes import match_route
from ...wire.secret_names import is_id_name, is_key_name, is_secret_name, normalise
from ...wire.secret_text import PLACEHOLDER
from .fileformat import Interaction
from .matching import relative_path
from .payloads import BLOB_TAGS, PayloadTooLarge, encoded_payload, json_documents, open_blob
from .scrub import FORM_BODY, Finding

__all__ = ["Detector", "Shape", "credential_shape", "mask", "shannon_entropy"]

#: The 200 most frequent letter pairs in English words of three letters or more (counted over
#: the prose and identifiers of a few Python libraries): 94 % of the pairs in words, 30 % of
#: random ones. A piece of a token reads as a word when most of its pairs are here.
_ENGLISH_PAIRS_TEXT: Final = """
    ab ac ad ag ai al am an ap ar as at au ba be bj bl bo bu by ca ce ch ci ck cl co ct cu da dd
    de di do ea ec ed ee ef el em en eo ep eq er es et ev ex ey fa fe fi fl fo fr fu ge gi gn gs
    gt ha he hi ho ht ib ic id ie if ig il im in io ip ir is it ke ki la ld le lf li ll lo ls lt
    lu ly ma me mi mo mp mu na nc nd ne ng ni nn no ns nt nv ny oa ob oc od ok ol om on oo op or
    os ot ou ov ow ox pa pe pi pl po pp pr pt qu ra rd re rg ri rk rl rm rn ro rr rs rt ru ry sa
    sc se sh si sl so sp ss st su ta tc te th ti to tp tr ts tt tu ty uc ue ul um un up ur us ut
    va ve vi wa we wh wi ws xc xt xy yp yt ze
"""
_ENGLISH_PAIRS: Final = frozenset(_ENGLISH_PAIRS_TEXT.split())
_PIECES = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^A-Za-z0-9]")
_RUN = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")
#: Names too short or too generic for the secret words, that still hold credentials.
_WEAK_NAMES: Final = frozenset({"sig", "pin", "otp", "nonce", "salt", "passcode", "mfa"})
#: Our own idempotency tags (``transports/submit.py``): random by design.
_OUR_TAG_PREFIX: Final = "qrd-submit-"
_ALPHABET_SIZE: Final = {"hex": 16, "base36": 36, "base64": 64}
_MIN_LENGTH: Final = {"hex": 32, "base36": 24, "base64": 20}
#: Entropy per character, as a share of the most a token of its length and alphabet can have.
ENTROPY_SHARE: Final = 0.75
#: Share of a token spelled by English-looking pieces from which it reads as words.
WORD_SHARE: Final = 0.4


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``'s own character distribution."""
    counts = Counter(text)
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in counts.values()) if size else 0.0


def _word_share(token: str) -> float:
    """How much of ``token`` is spelled by pieces that read as English words."""
    spelled = 0
    for piece in _PIECES.findall(token):
        if len(piece) < 3 or not piece.isalpha():
            continue
        low = piece.lower()
        pairs = [low[i : i + 2] for i in range(len(low) - 1)]
        if sum(pair in _ENGLISH_PAIRS for pair in pairs) >= 0.6 * len(pairs):
            spelled += len(piece)
    return spelled / len(token)


@dataclass(frozen=True)
class Shape:
    """Why a token looks like a credential."""

    kind: str  # "base64", "base36" or "hex"
    length: int
    bits: float

    def describe(self, token: str) -> str:
        return (
            f"high-entropy {self.kind} token {mask(token)} "
            f"({self.length} chars, {self.bits:.1f} bits/char)"
        )


def credential_shape(token: str) -> Shape | None:
    """The shape of ``token`` if it looks like a key or a token, else None."""
    core = token.rstrip("=")
    if len(core) < min(_MIN_LENGTH.values()) or _UUID.fullmatch(core):
        return None
    lower, upper = any(c.islower() for c in core), any(c.isupper() for c in core)
    digit = any(c.isdigit() for c in core)
    if _HEX.fullmatch(core) and digit and (lower or upper):
        kind = "hex"
    elif lower and upper and digit:
        kind = "base64"
    elif digit and (lower or upper):
        kind = "base36"
    else:
        return None
    if len(core) < _MIN_LENGTH[kind]:
        return None
    bits = shannon_entropy(core)
    if bits < ENTROPY_SHARE * math.log2(min(len(core), _ALPHABET_SIZE[kind])):
        return None
    if kind != "hex" and _word_share(core) >= WORD_SHARE:
        return None
    return Shape(kind, len(core), bits)


def mask(value: str) -> str:
    """``'Zq3k…'``: enough to find the value in the file, never the value."""
    shown = max(1, min(4, len(value) // 8))
    return f"'{value[:shown]}…'"


def _json(content: bytes) -> Any:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _json_text(text: str) -> Any:
    """The JSON document ``text`` is (an object or an array), else None."""
    if text[:1] not in ("{", "[") or text[-1:] not in ("}", "]"):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _id_values(value: Any, name: str = "") -> Iterator[str]:
    """Strings under id-like names, at any depth. (Not tags: a tag is whatever the user wrote.)"""
    if isinstance(value, dict):
        if encoded_payload(value) is not None:
            return
        for key, item in value.items():
            yield from _id_values(item, str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _id_values(item, name)
    elif isinstance(value, str) and name and is_id_name(name):
        yield value


class Detector:
    """Finds credential-shaped values in interactions. ``known``: values that are ids."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self.known = frozenset(known)

    @classmethod
    def for_interactions(cls, interactions: Iterable[Interaction], base_path: str) -> Detector:
        """A detector that knows the ids these interactions use (route parameters, id fields)."""
        known: set[str] = set()
        for item in interactions:
            path = relative_path(urlsplit(item.request.url).path, base_path)
            _, params, _ = match_route(item.request.method, path)
            known.update(params.values())
            for content in (item.request.content, item.response.content):
                known.update(_id_values(_json(content)))
        return cls(known)

    # --- places ---------------------------------------------------------------------------------

    def interaction(self, request: HttpRequest, response: HttpResponse) -> list[Finding]:
        found: list[Finding] = []
        found += self.url(request.url, "request url")
        for side, message in (("request", request), ("response", response)):
            for name, value in message.headers.items():
                found += self.value(value, f"{side} header {name}", name)
            form = "form-urlencoded" in message.headers.get("Content-Type", "")
            found += self.body(message.content, side, form=form)
        return found

    def url(self, url: str, where: str) -> list[Finding]:
        parts = urlsplit(url)
        found: list[Finding] = []
        if parts.password:
            found += self.value(parts.password, f"{where} userinfo", "password")
        elif parts.username:
            found += self.value(parts.username, f"{where} userinfo")
        for segment in parts.path.split("/"):
            found += self.value(segment, f"{where} path")
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            found += self.value(value, f"{where} query {name}", name)
        return found

    def body(self, content: bytes, side: str, *, form: bool = False) -> list[Finding]:
        where = f"{side} body"
        parsed = _json(content)
        if parsed is not None:
            return self.json(parsed, where)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return []
        if form or FORM_BODY.match(text.strip()):
            found: list[Finding] = []
            for name, value in parse_qsl(text.strip(), keep_blank_values=True):
                found += self.value(value, f"{side} form field {name}", name)
            return found
        return self.value(text, where)

    def json(self, value: Any, where: str, path: str = "", name: str = "") -> list[Finding]:
        here = f"{where} {path}" if path else where
        if isinstance(value, str):
            document = _json_text(value)
            if document is None:
                return self.value(value, here, name)
            # JSON in a string (a samplex nests it): its strings one by one, its payloads opened;
            # each finding at the string's place (one per place), saying where inside it is.
            nested = self.json(document, "", "", name)
            return [
                Finding(f"{item.rule} (in its JSON text at {item.where.strip()})", here)
                for item in nested
            ]
        found: list[Finding] = []
        if isinstance(value, list):
            for i, item in enumerate(value):
                found += self.json(item, where, f"{path}[{i}]", name)
        elif isinstance(value, dict) and encoded_payload(value) is not None:
            found += self.payload(value, here)
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{path}.{key}" if path else str(key)
                # Inside a secret-named object ("credentials": {...}) every value is one.
                named = name if name and is_secret_name(name) else str(key)
                found += self.json(item, where, inner, named)
        return found

    def payload(self, value: dict[str, Any], here: str) -> list[Finding]:
        """Findings among the strings inside an encoded payload (``payloads.py``)."""
        where = encoded_payload(value)
        if where is None:
            return []
        tag, encoded = where[0], value[where[1]]
        try:
            blob = open_blob(tag, encoded)
        except PayloadTooLarge as exc:
            return [Finding(f"encoded {tag} payload too large to scan: {exc}", here)]
        if blob is None:
            return [] if tag in BLOB_TAGS else self.value(encoded, f"{here} (value)")
        inside = f"{here} (inside the encoded {tag}"
        found: list[Finding] = []
        flagged: list[str] = []  # strings of the structure that gave findings
        for text in {t.value: t for t in blob.structure() or []}.values():
            findings = self.value(text.value, f"{inside}: {text.label})")
            if findings:
                flagged.append(text.value)
                found += findings
        for run in {t.value: t for t in blob.runs()}.values():
            rest, last = [], 0
            for start, end, document in json_documents(run.value):
                found += self.json(document, f"{inside}: metadata)")
                rest.append(run.value[last:start])
                last = end
            rest.append(run.value[last:])
            for piece in rest:  # the run outside its JSON, unless the structure saw it already
                if piece and not any(value in piece for value in flagged):
                    found += self.value(piece, f"{inside}: a string)")
        return found

    # --- one value ------------------------------------------------------------------------------

    def value(self, value: str, where: str, name: str = "") -> list[Finding]:
        """Findings for one string found at ``where``, under ``name`` if it has one."""
        if name:
            if is_secret_name(name):
                if PLACEHOLDER in value or value.strip().lower() in _NOT_A_CREDENTIAL:
                    return []
                return [Finding(f"value under a secret-looking name {name!r}", where)]
            norm = normalise(name)
            weak = is_key_name(name) or norm in _WEAK_NAMES
            if weak and _key_like(value.strip()) and value.strip() not in self.known:
                return [Finding(f"credential-like value under a key-like name {name!r}", where)]
            if is_id_name(name):
                return []  # ids and digests are random by design
        return [Finding(shape.describe(token), where) for token, shape in self._tokens(value)]

    def _tokens(self, text: str) -> Iterator[tuple[str, Shape]]:
        """Credential-shaped runs of token characters in ``text`` (at most one per run).

        A run with ``/`` in it is looked at piece by piece when a piece is a word or a number (a
        path: ``api/v1/jobs/<id>``), else whole first (standard base64 has ``/`` in it).
        """
        for match in _RUN.finditer(text):
            run = match.group()
            pieces = [p for p in run.split("/") if p]
            candidates = [run] if len(pieces) == 1 else pieces
            if len(pieces) > 1 and not any(p.isalpha() or p.isdigit() for p in pieces):
                candidates.insert(0, run)
            for candidate in candidates:
                if candidate in self.known or candidate.startswith(_OUR_TAG_PREFIX):
                    continue
                shape = credential_shape(candidate)
                if shape is not None:
                    yield candidate, shape
                    break


def _key_like(value: str) -> bool:
    """A token of 8+ characters with digits and letters that is not a date or a version."""
    if not _KEY_LIKE.fullmatch(value) or _DATE_OR_VERSION.match(value):
        return False
    return any(c.isdigit() for c in value) and sum(c.isalpha() for c in value) >= 2


_KEY_LIKE = re.compile(r"[A-Za-z0-9+/=_~.-]{8,}")
_DATE_OR_VERSION = re.compile(r"\d{4}-\d\d-\d\d|v?\d+(?:\.\d+)+")
_NOT_A_CREDENTIAL: Final = frozenset({"", "true", "false", "null", "none", "bearer", "basic"})
