"""HTTP messages as plain values, shared by every transport, the client and the fake's facade.

No I/O here: a transport turns these into bytes on a socket (or not at all).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = ["App", "Headers", "HttpRequest", "HttpResponse", "build_url"]


class Headers(Mapping[str, str]):
    """A case-insensitive, immutable-by-convention header map that keeps the original spelling."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for key, value in (items or {}).items():
            self._items[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def with_(self, **updates: str) -> Headers:
        """Return a copy with headers set (underscores in names become dashes)."""
        merged = dict(self.items())
        for key, value in updates.items():
            name = key.replace("_", "-")
            merged = {k: v for k, v in merged.items() if k.lower() != name.lower()}
            merged[name] = value
        return Headers(merged)

    def __repr__(self) -> str:
        from .redact import redact_headers  # a repr shows up in logs and test failures

        return f"Headers({redact_headers(self)!r})"


def build_url(base: str, path: str, query: Mapping[str, Any] | None = None) -> str:
    """Join ``base`` and ``path`` and append ``query`` (lists repeat the key; None values drop)."""
    url = base.rstrip("/") + "/" + path.lstrip("/")
    if query:
        pairs: list[tuple[str, str]] = []
        for key, value in query.items():
            if value is None:
                continue
            values = value if isinstance(value, (list, tuple)) else [value]
            for item in values:
                text = ("true" if item else "false") if isinstance(item, bool) else str(item)
                pairs.append((key, text))
        if pairs:
            url += "?" + urlencode(pairs)
    return url


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request. ``url`` is absolute; ``content`` is the raw body."""

    method: str
    url: str
    headers: Headers = field(default_factory=Headers)
    content: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.content) if self.content else None

    def __repr__(self) -> str:
        from .redact import redact_url

        return (
            f"HttpRequest({self.method!r}, {redact_url(self.url)!r}, {self.headers!r}, "
            f"{_preview(self.content)})"
        )


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP response."""

    status_code: int
    headers: Headers = field(default_factory=Headers)
    content: bytes = b""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        return json.loads(self.content)

    @classmethod
    def from_json(
        cls, status_code: int, body: Any, headers: Mapping[str, str] | None = None
    ) -> HttpResponse:
        merged = {"Content-Type": "application/json", **(headers or {})}
        return cls(status_code, Headers(merged), json.dumps(body, separators=(",", ":")).encode())

    @classmethod
    def empty(cls, status_code: int = 204) -> HttpResponse:
        return cls(status_code)

    def __repr__(self) -> str:
        return f"HttpResponse({self.status_code}, {self.headers!r}, {_preview(self.content)})"


def _preview(content: bytes, limit: int = 300) -> str:
    """A body as a repr shows it: its start, with credential-shaped parts redacted."""
    from .redact import redact_text

    if not content:
        return "b''"
    text = redact_text(content[:limit].decode("utf-8", errors="replace"))
    more = f" ... ({len(content)} bytes)" if len(content) > limit else ""
    return repr(text) + more


#: An application: what answers requests in process (the fake's REST facade is one).
App = Callable[[HttpRequest], HttpResponse]
