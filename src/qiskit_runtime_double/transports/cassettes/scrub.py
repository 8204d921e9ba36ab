"""Scrubbing: secrets never reach a cassette file.

One rule set, applied on every write (new and loaded interactions alike, so re-saving a cassette
re-applies it) to requests and responses: header values, URLs (query strings, userinfo and paths),
bodies (JSON at any depth, form fields, plain text), and the recorded base URL. Incoming requests
go through the same rules before matching, so a scrubbed recording still matches the live request.

A rule selects by name (header names, JSON object keys, form fields and query parameters), either
a list of names or a pattern searched in the normalised name (see ``names.py``: case, ``-``,
``_``, ``.`` and spaces ignored), maybe only for values of a given shape, or by regular
expression (anywhere in a header value, URL, JSON string or text). Replacements are fixed
placeholders, and every rule is idempotent: scrubbing a scrubbed value changes nothing, which is
how ``cassette check`` finds leftovers.

Inside runtime-encoded payloads (``{"__type__": "QuantumCircuit", "__value__": <base64 of zlib of
QPY>}``, numpy arrays...), the strings the user chose (a circuit's name and metadata, parameter
and register names, labels) are scanned with the same rules, and a secret found there is masked
in place by a placeholder of the same length, so that the payload still decodes
(``payloads.py``). A secret that cannot be masked there (a payload nested in another one's
metadata) is reported as unscrubbable: saving refuses to write it (``CassetteSecretError``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

from ...errors import IBMInputValueError
from ...wire import secret_text as tp
from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.secret_names import DESCRIBES_A_SECRET, SECRET_WORD, normalise
from ...wire.secret_text import (
    CRN_ACCOUNT_PLACEHOLDER,
    CRN_INSTANCE_PLACEHOLDER,
    PLACEHOLDER,
    is_placeholder,
    mask,
)
from ...wire.token_shapes import (
    AWS_SECRET_NEAR_NAME,
    AWS_SECRET_VALUE,
    TOKEN_SHAPES,
    scrub_aws_secret,
)
from .payloads import BLOB_TAGS, Blob, PayloadTooLarge, Text, json_documents, open_blob

__all__ = [
    "CRN_ACCOUNT_PLACEHOLDER",
    "CRN_INSTANCE_PLACEHOLDER",
    "DEFAULT_SCRUB_RULES",
    "PLACEHOLDER",
    "Finding",
    "ScrubRule",
    "Scrubber",
]

Replacement = str | Callable[["re.Match[str]"], str]


@dataclass(frozen=True)
class ScrubRule:
    """One kind of secret and where to find it. Build with the class methods.

    ``ScrubRule.headers("X-My-Token")``, ``ScrubRule.keys("my_secret")`` (JSON keys, form fields,
    query parameters), ``ScrubRule.named(r"customerref")`` (any name containing it),
    ``ScrubRule.regex(r"ACME-[A-Z0-9]{20}", name="ACME key")`` (anywhere in text, including the
    strings inside encoded circuits and job tags). Extend the defaults with
    ``scrub_rules=[*DEFAULT_SCRUB_RULES, ScrubRule.keys("my_secret")]``; ``cassette check`` takes
    the same rules (``check_cassette(path, rules)``, or ``--pattern`` on the command line).
    """

    name: str
    header_names: tuple[str, ...] = ()
    key_names: tuple[str, ...] = ()
    pattern: str | None = None
    replacement: Replacement = PLACEHOLDER
    #: For ``named`` rules: searched in normalised names, unless ``name_unless`` also matches.
    name_pattern: str | None = None
    name_unless: str | None = None
    #: For ``named`` rules: only values that match it in full are replaced (None: every value).
    value_pattern: str | None = None
    in_headers: bool = True
    in_json_keys: bool = True
    in_fields: bool = True

    @classmethod
    def headers(cls, *names: str, name: str | None = None) -> ScrubRule:
        """Replace the value of these headers (the header stays; an auth scheme word stays)."""
        return cls(name or f"header {', '.join(names)}", header_names=names)

    @classmethod
    def keys(cls, *names: str, name: str | None = None) -> ScrubRule:
        """Replace the value under these JSON keys, form fields and query parameters.

        Names compare normalised: ``keys("api_key")`` also takes ``apiKey`` and ``API-KEY``.
        """
        return cls(name or f"key {', '.join(names)}", key_names=names)

    @classmethod
    def named(
        cls,
        pattern: str,
        *,
        unless: str | None = None,
        value: str | None = None,
        headers: bool = True,
        json_keys: bool = True,
        fields: bool = True,
        name: str | None = None,
    ) -> ScrubRule:
        """Replace values under every name in which ``pattern`` is found (``re.search``).

        Names are normalised first (lowercase, no ``-``, ``_``, ``.`` or spaces), so write the
        pattern that way: ``named("customerref")`` takes ``X-Customer-Ref`` and
        ``customer_ref_v2``. ``unless``: a pattern for names to leave alone. ``value``: a
        pattern a value must match in full to be replaced (``named("aws", value=r"[A-Za-z0-9/+]
        {40}")`` takes an AWS secret key under ``aws_secret``, not ``aws_region``). ``headers``,
        ``json_keys`` and ``fields`` (form fields and query parameters) say where to look.
        Under a matching JSON key, every string and number inside is replaced (with ``value``:
        every string that matches it).
        """
        _compiled(pattern, "name pattern")  # fail here, not at the first write
        if unless is not None:
            _compiled(unless, "'unless' pattern")
        if value is not None:
            _compiled(value, "value pattern")
        return cls(
            name or f"names matching {pattern}",
            name_pattern=pattern,
            name_unless=unless,
            value_pattern=value,
            in_headers=headers,
            in_json_keys=json_keys,
            in_fields=fields,
        )

    @classmethod
    def regex(
        cls, pattern: str, replacement: Replacement | None = None, *, name: str | None = None
    ) -> ScrubRule:
        """Replace every match of ``pattern`` in header values, URLs, text, job tags, and the
        strings inside encoded payloads (a circuit's name, metadata, parameter names...).

        By default the whole match becomes ``<SCRUBBED>``; if the pattern has a group named
        ``secret``, only that group does (``r"customer=(?P<secret>\\d{6,})"`` keeps
        ``customer=``). ``replacement``: a ``re.sub`` template or a function of the match,
        which must map its own output to itself (scrubbing twice changes nothing).
        ``name`` names the rule in findings (``cassette check``) and errors.

        A pattern that is not a regular expression, matches the empty string, or matches its own
        placeholder is refused here, with an ``IBMInputValueError`` that says why.
        """
        compiled = _compiled(pattern, "scrub pattern")
        if compiled.search("") is not None:
            raise IBMInputValueError(
                f"The scrub pattern {pattern!r} matches the empty string, so it would put a "
                "placeholder between every two characters. Make it match the secret itself, e.g. "
                "with + instead of * (r'ACME-[A-Z0-9]+')."
            )
        if replacement is None:
            replacement = _secret_group if "secret" in compiled.groupindex else PLACEHOLDER
            if compiled.search(PLACEHOLDER) or compiled.search(mask(40)):
                raise IBMInputValueError(
                    f"The scrub pattern {pattern!r} matches its own placeholder {PLACEHOLDER!r}, "
                    "so scrubbing would never be done (and cassette check would always complain)."
                    " Make it more specific: for example require the characters your secrets "
                    "start with."
                )
        return cls(name or f"pattern {pattern}", pattern=pattern, replacement=replacement)


def _compiled(pattern: object, what: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise IBMInputValueError(
            f"A {what} must be a regular expression (a str), got {type(pattern).__name__}."
        )
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise IBMInputValueError(
            f"The {what} {pattern!r} is not a valid regular expression: {exc.msg} at position "
            f"{exc.pos}. Python's re syntax is expected (https://docs.python.org/3/library/re.html)"
            "; escape a literal character such as ( [ . + * ? with a backslash."
        ) from None


def _secret_group(match: re.Match[str]) -> str:
    """The default replacement of a pattern with a ``secret`` group: that group only."""
    start, end = match.span("secret")
    if start < 0 or is_placeholder(match["secret"]):
        return match[0]
    offset = match.start()
    return match[0][: start - offset] + PLACEHOLDER + match[0][end - offset :]


#: The rules applied when ``scrub_rules`` is not given. The list rules come first, so a finding
#: names the most specific rule.
DEFAULT_SCRUB_RULES: tuple[ScrubRule, ...] = (
    ScrubRule.headers(
        "Authorization",
        "Proxy-Authorization",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "Api-Key",
        "X-Auth-Token",
        "X-Access-Token",
        "X-IBM-Client-Secret",
        "IAM-ApiKey",
        name="credential headers",
    ),
    ScrubRule.keys(
        "apikey",
        "api_key",
        "access_token",
        "refresh_token",
        "id_token",
        "delegated_refresh_token",
        "token",
        "password",
        "passwd",
        "secret",
        "client_secret",
        "private_key",
        "authorization",
        name="credential keys",
    ),
    ScrubRule.named(SECRET_WORD, unless=DESCRIBES_A_SECRET, name="secret names"),
    ScrubRule.named(
        r"keys?$", unless=DESCRIBES_A_SECRET, json_keys=False, name="key names (headers, queries)"
    ),
    ScrubRule.keys(
        "user_id", "ims_user_id", "iam_id", "account_id", "email", name="account identifiers"
    ),
    ScrubRule.named(
        "aws", value=AWS_SECRET_VALUE, json_keys=True, name="AWS secret access key (by name)"
    ),
    ScrubRule.regex(*tp.URL_USERINFO, name="URL credentials"),
    ScrubRule.regex(*tp.PRIVATE_KEY_BLOCK, name="private key"),
    ScrubRule.regex(*tp.UNTERMINATED_PRIVATE_KEY, name="private key"),
    # Tokens that say what they are (ghp_, AKIA, sk-proj-, xoxb-...): before the rules that look
    # at names, so that a finding names the service.
    *(ScrubRule.regex(shape, replacement, name=name) for name, shape, replacement in TOKEN_SHAPES),
    ScrubRule.regex(AWS_SECRET_NEAR_NAME, scrub_aws_secret, name="AWS secret access key"),
    ScrubRule.regex(tp.SECRET_ASSIGNMENT, tp.scrub_assignment, name="secret name in text"),
    ScrubRule.regex(tp.BEARER, tp.scrub_bearer, name="bearer token"),
    ScrubRule.regex(tp.BASIC, tp.scrub_basic, name="basic credentials"),
    ScrubRule.regex(tp.JWT, PLACEHOLDER, name="JWT"),
    ScrubRule.regex(tp.IBM_CLOUD_API_KEY, tp.scrub_mixed, name="IBM Cloud API key shape"),
    ScrubRule.regex(tp.IBM_QUANTUM_TOKEN, PLACEHOLDER, name="IBM Quantum API token shape"),
    ScrubRule.regex(tp.CRN, tp.scrub_crn, name="instance CRN account"),
)

#: Scheme words kept in front of a scrubbed credential header ("Bearer <SCRUBBED>").
_AUTH_SCHEME = re.compile(r"^(?P<scheme>bearer|basic|apikey|token|digest)\s+", re.IGNORECASE)
FORM_BODY = re.compile(r"^[\w.~%+-]+=[^&\s]*(?:&[\w.~%+-]+=[^&\s]*)*$")


def is_runtime_payload(value: dict[str, Any]) -> bool:
    """A runtime-encoded object whose ``__value__`` is an encoded payload (QPY, numpy...)."""
    return "__type__" in value and isinstance(value.get("__value__"), str)


@dataclass(frozen=True)
class Finding:
    """A possible secret: where, and why (a rule, a name, a shape); never the value itself."""

    rule: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}"


@dataclass
class _Found:
    items: list[Finding] = field(default_factory=list)
    #: Secrets found where they cannot be replaced (a saved cassette would still hold them).
    unscrubbable: list[Finding] = field(default_factory=list)

    def add(self, rule: str, where: str) -> None:
        self.items.append(Finding(rule, where))


_Named = tuple[re.Pattern[str], "re.Pattern[str] | None", "re.Pattern[str] | None", set[str], str]


#: How many clean payloads a ``Scrubber`` remembers.
_CLEAN_PAYLOADS = 4096


class Scrubber:
    """Applies a rule set. Built once per cassette; holds compiled patterns (and remembers which
    payloads it found clean, which depends on nothing else)."""

    def __init__(self, rules: Iterable[ScrubRule]) -> None:
        self.rules = tuple(rules)
        self._headers: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._named: list[_Named] = []
        self._patterns: list[tuple[re.Pattern[str], Replacement, str]] = []
        #: Digests of payloads found clean: the same payload (a recorded circuit, matched again
        #: at each replay of it) is decoded once. Bounded; depends only on the rules above.
        self._clean: set[bytes] = set()
        for rule in self.rules:
            for header in rule.header_names:
                self._headers.setdefault(header.lower(), rule.name)
            for key in rule.key_names:
                self._keys.setdefault(normalise(key), rule.name)
            if rule.name_pattern is not None:
                unless = re.compile(rule.name_unless) if rule.name_unless else None
                value = re.compile(rule.value_pattern) if rule.value_pattern else None
                places = {"header"} if rule.in_headers else set()
                places |= {"key"} if rule.in_json_keys else set()
                places |= {"field"} if rule.in_fields else set()
                self._named.append(
                    (re.compile(rule.name_pattern), unless, value, places, rule.name)
                )
            if rule.pattern is not None:
                self._patterns.append((re.compile(rule.pattern), rule.replacement, rule.name))

    # --- names --------------------------------------------------------------------------------

    def _named_rule(self, name: str, place: str, value: object = None) -> str | None:
        """The first named rule for ``name`` at ``place``: rules with a value pattern count only
        when ``value`` is a string that matches it."""
        norm = normalise(name)
        for pattern, unless, shape, places, rule in self._named:
            if place not in places or not pattern.search(norm):
                continue
            if unless and unless.search(norm):
                continue
            if shape is not None and not (isinstance(value, str) and shape.fullmatch(value)):
                continue
            return rule
        return None

    def header_rule(self, name: str, value: str | None = None) -> str | None:
        """The rule that replaces the value of header ``name`` (holding ``value``), if any."""
        return self._headers.get(name.lower()) or self._named_rule(name, "header", value)

    def key_rule(self, name: str, value: object = None) -> str | None:
        """The rule that replaces the value under JSON key ``name`` (``value``), if any."""
        return self._keys.get(normalise(name)) or self._named_rule(name, "key", value)

    def field_rule(self, name: str, value: str | None = None) -> str | None:
        """The rule that replaces form field or query parameter ``name``, if any."""
        return self._keys.get(normalise(name)) or self._named_rule(name, "field", value)

    # --- values -------------------------------------------------------------------------------

    def text(self, value: str, where: str, found: _Found | None = None) -> str:
        """``value`` with every pattern replaced."""
        for pattern, replacement, name in self._patterns:
            new = pattern.sub(replacement, value)
            if new != value:
                if found is not None:
                    found.add(name, where)
                value = new
        return value

    def masked_text(self, value: str) -> tuple[str, list[tuple[int, int, str]]]:
        """``value`` with what each pattern would replace masked in place, keeping its length
        (``secret_text.mask``); and the masked spans, each with the rule that found it.

        For strings whose length matters (inside binary payloads). A rule's match counts where
        its replacement differs from it: the part that changed is what gets masked (the value of
        ``token=...``, not the name).
        """
        spans: list[tuple[int, int, str]] = []
        for pattern, replacement, name in self._patterns:
            pieces: list[str] = []
            last = 0
            for match in pattern.finditer(value):
                new = replacement(match) if callable(replacement) else match.expand(replacement)
                start, end = _changed(match[0], new)
                start, end = match.start() + start, match.start() + end
                if start >= end or start < last or is_placeholder(value[start:end]):
                    continue
                pieces += [value[last:start], mask(end - start)]
                spans.append((start, end, name))
                last = end
            if pieces:
                value = "".join(pieces) + value[last:]
        return value, spans

    def json_value(
        self,
        value: Any,
        where: str,
        found: _Found | None = None,
        *,
        path: str = "",
        under: str | None = None,
    ) -> Any:
        """A copy of a parsed JSON value with secret keys replaced and patterns applied.

        ``where`` names the document ("response body"), ``path`` the place in it. ``under``: the
        rule of a secret key above this value, which takes every string and number inside.
        Runtime-encoded payloads are scanned inside (``payload``).
        """
        here = f"{where} {path}" if path else where
        if under is not None:
            if isinstance(value, bool) or value is None or value == "":
                return value
            if isinstance(value, str) and is_placeholder(value):
                return value
            if isinstance(value, (str, int, float)):
                if found is not None:
                    found.add(under, f"{here} (key)")
                return PLACEHOLDER
        if isinstance(value, str):
            return self.text(value, here, found)
        if isinstance(value, list):
            return [
                self.json_value(item, where, found, path=f"{path}[{i}]", under=under)
                for i, item in enumerate(value)
            ]
        if isinstance(value, dict):
            if under is None and is_runtime_payload(value):
                return self.payload(value, here, found)
            out: dict[str, Any] = {}
            for key, item in value.items():
                inner = f"{path}.{key}" if path else str(key)
                rule = under or (self.key_rule(key, item) if isinstance(key, str) else None)
                out[key] = self.json_value(item, where, found, path=inner, under=rule)
            return out
        return value

    # --- inside encoded payloads --------------------------------------------------------------

    def payload(self, value: dict[str, Any], here: str, found: _Found | None = None) -> Any:
        """A runtime-encoded object with the secrets inside its payload masked (``payloads.py``).

        Returns ``value`` itself when there is nothing to mask. A payload past the decoding
        limits is left as it is: nothing can be read in it (``cassette check`` says so).
        """
        tag, encoded = str(value.get("__type__")), value["__value__"]
        key = hashlib.blake2b(f"{tag}\0{encoded}".encode(), digest_size=16).digest()
        if key in self._clean:
            return value
        try:
            blob = open_blob(tag, encoded)
        except PayloadTooLarge:
            return value
        if blob is None:
            if tag in BLOB_TAGS:
                return value  # not base64: damaged, or a name (an extrapolator): no payload
            text = self.text(encoded, f"{here} (value)", found)
            return value if text == encoded else {**value, "__value__": text}
        runs = blob.runs()
        maskings = self._maskings(blob, runs)
        if not maskings:
            if len(self._clean) >= _CLEAN_PAYLOADS:
                self._clean.clear()
            self._clean.add(key)
            return value
        raw = blob.masked([(m.original, m.masked) for m in maskings if not m.nested], runs)
        left = {m.secret for m in self._maskings(Blob(blob.tag, raw, blob.compressed), None)}
        if found is not None:
            structure = blob.structure() or []
            for item in maskings:
                place = f"{here} (inside the encoded {tag}: {item.label(structure)})"
                found.add(item.rule, place)
                if item.nested or item.secret in left:
                    found.unscrubbable.append(Finding(item.rule, place))
        return {**value, "__value__": blob.encode(raw)}

    def _maskings(self, blob: Blob, runs: list[Text] | None) -> list[_Masking]:
        """How to mask each secret among a payload's strings (``runs``: its printable runs)."""
        found: dict[str, _Masking] = {}
        seen: set[str] = set()
        for item in [*(runs if runs is not None else blob.runs()), *(blob.structure() or [])]:
            if item.value in seen:
                continue
            seen.add(item.value)
            masked, spans = self.masked_text(item.value)
            for start, end, rule in spans:
                secret = item.value[start:end]
                found.setdefault(secret, _Masking(item.value, masked, rule, secret))
            if item.span is not None and "{" in item.value:  # JSON metadata, read with names
                for _, _, document in json_documents(item.value):
                    for masking in self._json_maskings(document):
                        found.setdefault(masking.secret, masking)
        return list(found.values())

    def _json_maskings(self, document: Any) -> Iterator[_Masking]:
        """Strings of a JSON document that the rules replace (``{"api_token": "..."}``), each
        masked as the whole JSON string it is (quotes included), so nothing else is touched."""
        scrubbed = self.json_value(document, "")
        for key, old, new in _changed_values(document, scrubbed):
            rule = self.key_rule(key, old) or "a secret name"
            if isinstance(old, dict):  # a payload in the metadata: what did it find inside?
                inside = _Found()
                self.payload(old, "", inside)
                rule = inside.items[0].rule if inside.items else rule
            if not isinstance(old, str) or not isinstance(new, str):
                yield _Masking("", "", rule, repr(old), nested=True)  # a payload, or a number
                continue
            masked, spans = self.masked_text(old)
            if not spans:  # replaced whole, for its name
                masked, spans = mask(len(old)), [(0, len(old), rule)]
            for start, end, why in spans:
                quoted = json.dumps(old)
                yield _Masking(quoted, json.dumps(masked), why, old[start:end])

    def pairs(self, text: str, where: str, found: _Found | None = None) -> str:
        """A query string or form body with secret fields replaced (other bytes kept as sent)."""
        parts = text.split("&")
        for i, part in enumerate(parts):
            raw_key, eq, raw_value = part.partition("=")
            if not eq:
                continue
            key = unquote_plus(raw_key)
            value = unquote_plus(raw_value)
            rule = self.field_rule(key, value)
            if rule is not None:
                if value != "" and not is_placeholder(value):
                    if found is not None:
                        found.add(rule, f"{where} {key}")
                    parts[i] = f"{raw_key}={quote_plus(PLACEHOLDER)}"
                continue
            new = self.text(value, f"{where} {key}", found)
            if new != value:
                parts[i] = f"{raw_key}={quote_plus(new, safe=':/')}"
        return "&".join(parts)

    def url(self, url: str, where: str = "url", found: _Found | None = None) -> str:
        parts = urlsplit(url)
        query = self.pairs(parts.query, f"{where} query", found) if parts.query else ""
        rebuilt = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
        return self.text(rebuilt, where, found)

    def headers(self, headers: Mapping[str, str], where: str, found: _Found | None) -> Headers:
        out: dict[str, str] = {}
        for name, value in headers.items():
            rule = self.header_rule(name, value)
            bare = value.strip()
            if rule is None or bare.lower() in ("", "true", "false") or is_placeholder(bare):
                # (Access-Control-Allow-Credentials: true holds no credential)
                out[name] = self.text(value, f"{where} header {name}", found)
                continue
            scheme = _AUTH_SCHEME.match(value)
            new = f"{scheme.group('scheme')} {PLACEHOLDER}" if scheme else PLACEHOLDER
            if new != value and found is not None:
                found.add(rule, f"{where} header {name}")
            out[name] = new
        return Headers(out)

    def body(
        self, content: bytes, where: str, found: _Found | None = None, *, form: bool = False
    ) -> bytes:
        """A body with secrets replaced; unchanged bodies come back as the same bytes."""
        if not content:
            return content
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return content  # binary: nothing we can read, nothing we can scrub
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            else:
                local = _Found()
                scrubbed = self.json_value(parsed, f"{where} body", local)
                if not local.items:
                    return content
                if found is not None:
                    found.items.extend(local.items)
                    found.unscrubbable.extend(local.unscrubbable)
                return json.dumps(scrubbed, separators=(",", ":"), ensure_ascii=False).encode()
        if form or FORM_BODY.match(text.strip()):
            new = self.pairs(text, f"{where} form field", found)
            new = self.text(new, f"{where} body", found)
        else:
            new = self.text(text, f"{where} body", found)
        return content if new == text else new.encode("utf-8")

    # --- messages -----------------------------------------------------------------------------

    def request(self, request: HttpRequest, found: _Found | None = None) -> HttpRequest:
        form = "form-urlencoded" in request.headers.get("Content-Type", "")
        return HttpRequest(
            request.method,
            self.url(request.url, "request url", found),
            self.headers(request.headers, "request", found),
            self.body(request.content, "request", found, form=form),
        )

    def response(self, response: HttpResponse, found: _Found | None = None) -> HttpResponse:
        form = "form-urlencoded" in response.headers.get("Content-Type", "")
        return HttpResponse(
            response.status_code,
            self.headers(response.headers, "response", found),
            self.body(response.content, "response", found, form=form),
        )

    def interaction(
        self, request: HttpRequest, response: HttpResponse
    ) -> tuple[HttpRequest, HttpResponse, list[Finding]]:
        """Both messages scrubbed, and the secrets found where they could not be replaced."""
        found = _Found()
        scrubbed = self.request(request, found), self.response(response, found)
        return *scrubbed, found.unscrubbable

    def findings(self, request: HttpRequest, response: HttpResponse | None = None) -> list[Finding]:
        """What scrubbing would change in this interaction (empty: nothing secret found)."""
        found = _Found()
        self.request(request, found)
        if response is not None:
            self.response(response, found)
        return found.items


@dataclass(frozen=True)
class _Masking:
    """A secret inside a payload: the whole string that holds it, and that string masked."""

    original: str
    masked: str
    rule: str
    secret: str
    #: Inside a payload nested in this one's metadata: cannot be masked in place.
    nested: bool = False

    def label(self, structure: list[Text]) -> str:
        """What the secret is part of (the circuit's name, a metadata key...); never its value."""
        if self.nested:
            return "a value encoded in the circuit's metadata"
        holder = next((text for text in structure if self.secret in text.value), None)
        return holder.label if holder is not None else "a string"


def _changed(old: str, new: str) -> tuple[int, int]:
    """The span of ``old`` that differs from ``new`` (their common start and end removed)."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return start, len(old) - end


def _changed_values(old: Any, new: Any, key: str = "") -> Iterator[tuple[str, Any, Any]]:
    """The leaves (strings, numbers, payloads) that differ between two JSON documents of the same
    shape, each with the name of the key it is under."""
    if isinstance(old, dict) and isinstance(new, dict):
        if is_runtime_payload(old):
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
