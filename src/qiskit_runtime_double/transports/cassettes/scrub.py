"""Scrubbing: secrets never reach a cassette file.

One rule set, applied on every write (new and loaded interactions alike, so re-saving a cassette
re-applies it) to requests and responses: header values, URLs (query strings, userinfo and paths),
bodies (JSON at any depth, form fields, plain text), and the recorded base URL. Incoming requests
go through the same rules before matching, so a scrubbed recording still matches the live request.

A rule selects by name (header names, JSON object keys, form fields and query parameters), either
a list of names or a pattern searched in the normalised name (see ``names.py``: case, ``-``,
``_``, ``.`` and spaces ignored), or by regular expression (anywhere in a header value, URL, JSON
string or text). Replacements are fixed placeholders, and every rule is idempotent: scrubbing a
scrubbed value changes nothing, which is how ``cassette check`` finds leftovers.

What the rules never touch: the ``__value__`` string of a runtime-encoded object (``{"__type__":
"QuantumCircuit", "__value__": <QPY, base64>}``): a payload, never a credential, that a replay must
hand back byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

from ...wire import secret_text as tp
from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.secret_names import DESCRIBES_A_SECRET, SECRET_WORD, normalise
from ...wire.secret_text import CRN_ACCOUNT_PLACEHOLDER, CRN_INSTANCE_PLACEHOLDER, PLACEHOLDER

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
    ``ScrubRule.regex(r"sk-[A-Za-z0-9]{20,}")``. Extend the defaults with
    ``scrub_rules=[*DEFAULT_SCRUB_RULES, ScrubRule.keys("my_secret")]``.
    """

    name: str
    header_names: tuple[str, ...] = ()
    key_names: tuple[str, ...] = ()
    pattern: str | None = None
    replacement: Replacement = PLACEHOLDER
    #: For ``named`` rules: searched in normalised names, unless ``name_unless`` also matches.
    name_pattern: str | None = None
    name_unless: str | None = None
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
        headers: bool = True,
        json_keys: bool = True,
        fields: bool = True,
        name: str | None = None,
    ) -> ScrubRule:
        """Replace values under every name in which ``pattern`` is found (``re.search``).

        Names are normalised first (lowercase, no ``-``, ``_``, ``.`` or spaces), so write the
        pattern that way: ``named("customerref")`` takes ``X-Customer-Ref`` and
        ``customer_ref_v2``. ``unless``: a pattern for names to leave alone. ``headers``,
        ``json_keys`` and ``fields`` (form fields and query parameters) say where to look.
        Under a matching JSON key, every string and number inside is replaced.
        """
        re.compile(pattern)  # fail here, not at the first write
        if unless is not None:
            re.compile(unless)
        return cls(
            name or f"names matching {pattern}",
            name_pattern=pattern,
            name_unless=unless,
            in_headers=headers,
            in_json_keys=json_keys,
            in_fields=fields,
        )

    @classmethod
    def regex(
        cls, pattern: str, replacement: Replacement = PLACEHOLDER, *, name: str | None = None
    ) -> ScrubRule:
        """Replace every match of ``pattern`` in header values, URLs and text.

        ``replacement`` is a ``re.sub`` template or a function of the match; it must map its own
        output to itself (scrubbing twice changes nothing).
        """
        re.compile(pattern)  # fail here, not at the first write
        return cls(name or f"pattern {pattern}", pattern=pattern, replacement=replacement)


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
    ScrubRule.regex(*tp.URL_USERINFO, name="URL credentials"),
    ScrubRule.regex(*tp.PRIVATE_KEY_BLOCK, name="private key"),
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

    def add(self, rule: str, where: str) -> None:
        self.items.append(Finding(rule, where))


class Scrubber:
    """Applies a rule set. Built once per cassette; holds compiled patterns, no other state."""

    def __init__(self, rules: Iterable[ScrubRule]) -> None:
        self.rules = tuple(rules)
        self._headers: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._named: list[tuple[re.Pattern[str], re.Pattern[str] | None, set[str], str]] = []
        self._patterns: list[tuple[re.Pattern[str], Replacement, str]] = []
        for rule in self.rules:
            for header in rule.header_names:
                self._headers.setdefault(header.lower(), rule.name)
            for key in rule.key_names:
                self._keys.setdefault(normalise(key), rule.name)
            if rule.name_pattern is not None:
                unless = re.compile(rule.name_unless) if rule.name_unless else None
                places = {"header"} if rule.in_headers else set()
                places |= {"key"} if rule.in_json_keys else set()
                places |= {"field"} if rule.in_fields else set()
                self._named.append((re.compile(rule.name_pattern), unless, places, rule.name))
            if rule.pattern is not None:
                self._patterns.append((re.compile(rule.pattern), rule.replacement, rule.name))

    # --- names --------------------------------------------------------------------------------

    def _named_rule(self, name: str, place: str) -> str | None:
        norm = normalise(name)
        for pattern, unless, places, rule in self._named:
            if place in places and pattern.search(norm) and not (unless and unless.search(norm)):
                return rule
        return None

    def header_rule(self, name: str) -> str | None:
        """The rule that replaces the value of header ``name``, if any."""
        return self._headers.get(name.lower()) or self._named_rule(name, "header")

    def key_rule(self, name: str) -> str | None:
        """The rule that replaces the value under JSON key ``name``, if any."""
        return self._keys.get(normalise(name)) or self._named_rule(name, "key")

    def field_rule(self, name: str) -> str | None:
        """The rule that replaces form field or query parameter ``name``, if any."""
        return self._keys.get(normalise(name)) or self._named_rule(name, "field")

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
        """
        here = f"{where} {path}" if path else where
        if under is not None:
            if isinstance(value, bool) or value is None or value in ("", PLACEHOLDER):
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
                return value
            out: dict[str, Any] = {}
            for key, item in value.items():
                inner = f"{path}.{key}" if path else str(key)
                rule = under or (self.key_rule(key) if isinstance(key, str) else None)
                out[key] = self.json_value(item, where, found, path=inner, under=rule)
            return out
        return value

    def pairs(self, text: str, where: str, found: _Found | None = None) -> str:
        """A query string or form body with secret fields replaced (other bytes kept as sent)."""
        parts = text.split("&")
        for i, part in enumerate(parts):
            raw_key, eq, raw_value = part.partition("=")
            if not eq:
                continue
            key = unquote_plus(raw_key)
            value = unquote_plus(raw_value)
            rule = self.field_rule(key)
            if rule is not None:
                if value not in ("", PLACEHOLDER):
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
            rule = self.header_rule(name)
            if rule is None or value.strip().lower() in ("", "true", "false", PLACEHOLDER.lower()):
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

    def findings(self, request: HttpRequest, response: HttpResponse | None = None) -> list[Finding]:
        """What scrubbing would change in this interaction (empty: nothing secret found)."""
        found = _Found()
        self.request(request, found)
        if response is not None:
            self.response(response, found)
        return found.items
