"""Scrubbing: secrets never reach a cassette file.

One rule set, applied on every write (new and loaded interactions alike, so re-saving a cassette
re-applies it) to requests and responses: header values, URLs (query strings and paths), bodies
(JSON at any depth, form fields, plain text), and the recorded base URL. Incoming requests go
through the same rules before matching, so a scrubbed recording still matches the live request.

A rule selects by header name, by key (JSON object keys, form fields and query parameters,
compared case-insensitively and ignoring ``_``/``-``), or by regular expression (anywhere in a
header value, URL or text). Replacements are fixed placeholders, and every rule is idempotent:
scrubbing a scrubbed value changes nothing, which is how ``cassette check`` finds leftovers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

from ...wire.http import Headers, HttpRequest, HttpResponse

__all__ = [
    "CRN_ACCOUNT_PLACEHOLDER",
    "CRN_INSTANCE_PLACEHOLDER",
    "DEFAULT_SCRUB_RULES",
    "PLACEHOLDER",
    "Finding",
    "ScrubRule",
    "Scrubber",
]

PLACEHOLDER = "<SCRUBBED>"
CRN_ACCOUNT_PLACEHOLDER = "0" * 32
CRN_INSTANCE_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"

Replacement = str | Callable[["re.Match[str]"], str]


def _norm_key(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


@dataclass(frozen=True)
class ScrubRule:
    """One kind of secret and where to find it. Build with the class methods.

    ``ScrubRule.headers("X-My-Token")``, ``ScrubRule.keys("my_secret")`` (JSON keys, form fields,
    query parameters), ``ScrubRule.regex(r"sk-[A-Za-z0-9]{20,}")``. Extend the defaults with
    ``scrub_rules=[*DEFAULT_SCRUB_RULES, ScrubRule.keys("my_secret")]``.
    """

    name: str
    header_names: tuple[str, ...] = ()
    key_names: tuple[str, ...] = ()
    pattern: str | None = None
    replacement: Replacement = PLACEHOLDER

    @classmethod
    def headers(cls, *names: str, name: str | None = None) -> ScrubRule:
        """Replace the value of these headers (the header stays; an auth scheme word stays)."""
        return cls(name or f"header {', '.join(names)}", header_names=names)

    @classmethod
    def keys(cls, *names: str, name: str | None = None) -> ScrubRule:
        """Replace the value under these JSON keys, form fields and query parameters."""
        return cls(name or f"key {', '.join(names)}", key_names=names)

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


def _crn_replacement(match: re.Match[str]) -> str:
    # Keep the separators as found (a CRN in a query string is percent-encoded) and the region,
    # so the CRN stays valid; replace the account and the instance.
    sep, slash = match.group("sep"), match.group("slash")
    account, instance = CRN_ACCOUNT_PLACEHOLDER, CRN_INSTANCE_PLACEHOLDER
    return f"{match.group('head')}{sep}a{slash}{account}{sep}{instance}"


_SEP = r"(?::|%3[aA])"
_CRN = (
    r"(?P<head>crn(?P<sep>:|%3[aA])v1" + rf"(?:{_SEP}[\w.-]*){{4}})"
    r"(?P=sep)a(?P<slash>/|%2[fF])[0-9A-Za-z]+(?P=sep)[\w-]*"
)

#: The rules applied when ``scrub_rules`` is not given. Order matters only for readability.
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
    ScrubRule.keys(
        "user_id", "ims_user_id", "iam_id", "account_id", "email", name="account identifiers"
    ),
    ScrubRule.regex(
        r"\b(?P<scheme>[Bb]earer|BEARER)\s+[A-Za-z0-9\-._~+/]+=*",
        r"\g<scheme> " + PLACEHOLDER,
        name="bearer token",
    ),
    ScrubRule.regex(
        r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", PLACEHOLDER, name="JWT"
    ),
    ScrubRule.regex(_CRN, _crn_replacement, name="instance CRN account"),
    ScrubRule.regex(
        r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/@\s:]+:[^/@\s]+@",
        r"\g<scheme>" + PLACEHOLDER + "@",
        name="URL credentials",
    ),
)

#: Scheme words kept in front of a scrubbed credential header ("Bearer <SCRUBBED>").
_AUTH_SCHEME = re.compile(r"^(?P<scheme>bearer|basic|apikey|token|digest)\s+", re.IGNORECASE)
_FORM = re.compile(r"^[\w.~%+-]+=[^&\s]*(?:&[\w.~%+-]+=[^&\s]*)*$")


@dataclass(frozen=True)
class Finding:
    """Where a rule changed something: never the value itself."""

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
        self._patterns: list[tuple[re.Pattern[str], Replacement, str]] = []
        for rule in self.rules:
            for header in rule.header_names:
                self._headers[header.lower()] = rule.name
            for key in rule.key_names:
                self._keys[_norm_key(key)] = rule.name
            if rule.pattern is not None:
                self._patterns.append((re.compile(rule.pattern), rule.replacement, rule.name))

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

    def json_value(self, value: Any, where: str, found: _Found | None = None) -> Any:
        """A copy of a parsed JSON value with secret keys replaced and patterns applied."""
        if isinstance(value, str):
            return self.text(value, where, found)
        if isinstance(value, list):
            return [self.json_value(item, f"{where}[{i}]", found) for i, item in enumerate(value)]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                rule = self._keys.get(_norm_key(key)) if isinstance(key, str) else None
                inner = f"{where}.{key}" if where else str(key)
                if rule is not None and item not in (None, "", PLACEHOLDER):
                    if found is not None:
                        found.add(rule, f"{inner} (key)")
                    out[key] = PLACEHOLDER
                else:
                    out[key] = self.json_value(item, inner, found)
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
            rule = self._keys.get(_norm_key(key))
            if rule is not None:
                if unquote_plus(raw_value) != PLACEHOLDER:
                    if found is not None:
                        found.add(rule, f"{where} {key}")
                    parts[i] = f"{raw_key}={quote_plus(PLACEHOLDER)}"
                continue
            value = unquote_plus(raw_value)
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
            rule = self._headers.get(name.lower())
            if rule is None:
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
        if form or _FORM.match(text.strip()):
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
