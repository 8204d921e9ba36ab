"""Scrubbing: secrets never reach a cassette file.

One rule set, applied on every write (new and loaded interactions alike, so re-saving a cassette
re-applies it) to requests and responses: header values, URLs (query strings, userinfo and paths),
bodies (JSON at any depth, form fields, plain text), and the recorded base URL. Incoming requests
go through the same rules before matching, so a scrubbed recording still matches the live request.

The rules (``rules.py``) select by name or by pattern; every one is idempotent: scrubbing a
scrubbed value changes nothing, which is how ``cassette check`` finds leftovers.

Inside runtime-encoded payloads (``{"__type__": "QuantumCircuit", "__value__": <base64 of zlib of
QPY>}``, numpy arrays...), the strings the user chose (a circuit's name and metadata, parameter
and register names, labels, job tags are plain JSON) are scanned with the same rules, and a
secret found there is masked in place by a placeholder of the same length, so that the payload
still decodes (``payload_scrub.py``). A secret that cannot be masked there (in a value encoded
inside a circuit's metadata) is reported as unscrubbable: saving refuses to write it
(``CassetteSecretError``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.secret_names import normalise
from ...wire.secret_text import (
    CRN_ACCOUNT_PLACEHOLDER,
    CRN_INSTANCE_PLACEHOLDER,
    PLACEHOLDER,
    is_placeholder,
    mask,
)
from .findings import Finding, Found
from .payload_scrub import scrub_payload
from .payloads import changed_span, encoded_payload, is_runtime_payload
from .rules import DEFAULT_SCRUB_RULES, Replacement, ScrubRule

__all__ = [
    "CRN_ACCOUNT_PLACEHOLDER",
    "CRN_INSTANCE_PLACEHOLDER",
    "DEFAULT_SCRUB_RULES",
    "FORM_BODY",
    "PLACEHOLDER",
    "Finding",
    "Found",
    "ScrubRule",
    "Scrubber",
    "is_runtime_payload",
]

#: Scheme words kept in front of a scrubbed credential header ("Bearer <SCRUBBED>").
_AUTH_SCHEME = re.compile(r"^(?P<scheme>bearer|basic|apikey|token|digest)\s+", re.IGNORECASE)
FORM_BODY = re.compile(r"^[\w.~%+-]+=[^&\s]*(?:&[\w.~%+-]+=[^&\s]*)*$")


_Named = tuple[re.Pattern[str], "re.Pattern[str] | None", "re.Pattern[str] | None", set[str], str]


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
        self.clean_payloads: set[bytes] = set()
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

    def text(self, value: str, where: str, found: Found | None = None) -> str:
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
                start, end = changed_span(match[0], new)
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
        found: Found | None = None,
        *,
        path: str = "",
        under: str | None = None,
    ) -> Any:
        """A copy of a parsed JSON value with secret keys replaced and patterns applied.

        ``where`` names the document ("response body"), ``path`` the place in it. ``under``: the
        rule of a secret key above this value, which takes every string and number inside.
        Encoded payloads (runtime-encoded, and those of IBM's schema models) are scanned inside
        (``payload``).
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
            if under is None and encoded_payload(value) is not None:
                return self.payload(value, here, found)
            out: dict[str, Any] = {}
            for key, item in value.items():
                inner = f"{path}.{key}" if path else str(key)
                rule = under or (self.key_rule(key, item) if isinstance(key, str) else None)
                out[key] = self.json_value(item, where, found, path=inner, under=rule)
            return out
        return value

    # --- inside encoded payloads --------------------------------------------------------------

    def payload(self, value: dict[str, Any], here: str, found: Found | None = None) -> Any:
        """An object carrying an encoded payload with the secrets inside it masked in place
        (``payload_scrub.py``); ``value`` itself when there is nothing to mask."""
        return scrub_payload(self, value, here, found)

    def pairs(self, text: str, where: str, found: Found | None = None) -> str:
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

    def url(self, url: str, where: str = "url", found: Found | None = None) -> str:
        parts = urlsplit(url)
        query = self.pairs(parts.query, f"{where} query", found) if parts.query else ""
        rebuilt = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
        return self.text(rebuilt, where, found)

    def headers(self, headers: Mapping[str, str], where: str, found: Found | None) -> Headers:
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
        self, content: bytes, where: str, found: Found | None = None, *, form: bool = False
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
                local = Found()
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

    def request(self, request: HttpRequest, found: Found | None = None) -> HttpRequest:
        form = "form-urlencoded" in request.headers.get("Content-Type", "")
        return HttpRequest(
            request.method,
            self.url(request.url, "request url", found),
            self.headers(request.headers, "request", found),
            self.body(request.content, "request", found, form=form),
        )

    def response(self, response: HttpResponse, found: Found | None = None) -> HttpResponse:
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
        found = Found()
        scrubbed = self.request(request, found), self.response(response, found)
        return *scrubbed, found.unscrubbable

    def findings(self, request: HttpRequest, response: HttpResponse | None = None) -> list[Finding]:
        """What scrubbing would change in this interaction (empty: nothing secret found)."""
        found = Found()
        self.request(request, found)
        if response is not None:
            self.response(response, found)
        return found.items
