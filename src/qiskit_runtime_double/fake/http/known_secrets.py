"""The secrets a served fake knows, kept out of what it logs and lists.

``wire/redact.py`` redacts what *looks* secret (``?token=``, bearer tokens, JWTs, key shapes). A
served fake also knows its secrets by value: its control token and the API keys it accepts. A
client that sends one where no rule looks for it (``?X-Runtime-Double-Control=<token>``,
``?x=<token>``, a path segment) would otherwise see it logged in clear: ``KnownSecrets`` replaces
each, in any spelling a URL gives it (as sent, percent-encoded, ``+`` for spaces), wherever it
appears.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote, quote_plus

from ...wire.redact import REDACTED, redact_query, redact_text

__all__ = ["KnownSecrets"]

#: Shorter values are not redacted by value: they would match ordinary text.
MIN_SECRET_LENGTH = 8


class KnownSecrets:
    """Redacts the values ``secrets()`` returns (read at each call: keys may change)."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        self._secrets = secrets

    def _spellings(self) -> list[str]:
        found: set[str] = set()
        for secret in self._secrets():
            if len(secret) >= MIN_SECRET_LENGTH:
                found.update({secret, quote(secret, safe=""), quote_plus(secret)})
        return sorted(found, key=len, reverse=True)  # the longest first: no half-redacted value

    def text(self, text: str) -> str:
        """``text`` with every known secret, and whatever looks secret, redacted."""
        for spelling in self._spellings():
            text = text.replace(spelling, REDACTED)
        return redact_text(text)

    def query(self, query: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """Parsed query parameters with secret-named values and known secrets redacted."""
        spellings = self._spellings()

        def clean(value: str) -> str:
            for spelling in spellings:
                value = value.replace(spelling, REDACTED)
            return value

        return {
            clean(name): [clean(value) for value in values]
            for name, values in redact_query(query).items()
        }
