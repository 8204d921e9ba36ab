"""Secrets out of what people read: reprs, log lines and error messages.

Cassettes have their own, configurable scrubber (``transports/cassettes/scrub.py``); this module is
the small fixed set of the same patterns (``secret_names``, ``secret_text``, ``token_shapes``:
``ghp_...``, ``AKIA...``, ``xoxb-...`` are redacted wherever they appear) for text that is only
shown: a request line in the server's log, an ``HttpRequest`` in a pytest failure, a URL in an
exception message. Redacted values read ``<redacted>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import secret_text as tp
from .secret_names import is_key_name, is_secret_name, normalise
from .token_shapes import AWS_SECRET_NEAR_NAME, TOKEN_SHAPES, scrub_aws_secret

__all__ = ["REDACTED", "redact_headers", "redact_query", "redact_text", "redact_url"]

REDACTED: Final = "<redacted>"

_Replacement = str | Callable[[re.Match[str]], str]
_RULES: Final[tuple[tuple[str, _Replacement], ...]] = (
    tp.URL_USERINFO,
    tp.PRIVATE_KEY_BLOCK,
    tp.UNTERMINATED_PRIVATE_KEY,
    *((shape, replacement) for _, shape, replacement in TOKEN_SHAPES),
    (AWS_SECRET_NEAR_NAME, scrub_aws_secret),
    (tp.SECRET_ASSIGNMENT, tp.scrub_assignment),
    (tp.BEARER, tp.scrub_bearer),
    (tp.BASIC, tp.scrub_basic),
    (tp.JWT, tp.PLACEHOLDER),
    (tp.IBM_CLOUD_API_KEY, tp.scrub_mixed),
    (tp.IBM_QUANTUM_TOKEN, tp.PLACEHOLDER),
)
_TEXT_RULES: Final = tuple((re.compile(pattern), replacement) for pattern, replacement in _RULES)


def _secret(name: str) -> bool:
    return is_secret_name(name) or (is_key_name(name) and normalise(name) not in ("key", "keys"))


def redact_text(text: str) -> str:
    """``text`` with credential-shaped parts (``token=...``, bearer tokens, JWTs...) redacted."""
    for pattern, replacement in _TEXT_RULES:
        text = pattern.sub(replacement, text)
    return text.replace(tp.PLACEHOLDER, REDACTED)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers, with the values of secret-named ones (``Authorization``...) redacted."""
    return {name: REDACTED if _secret(name) else value for name, value in headers.items()}


def redact_query(query: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Parsed query parameters, with the values of secret-named ones redacted."""
    return {
        name: [REDACTED] * len(values) if _secret(name) else list(values)
        for name, values in query.items()
    }


def redact_url(url: str) -> str:
    """``url`` without user info, and with secret-named query values redacted."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc.rpartition("@")[2]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, REDACTED if _secret(k) else v) for k, v in pairs], safe="<>")
    return redact_text(urlunsplit(parts._replace(netloc=netloc, query=query)))
