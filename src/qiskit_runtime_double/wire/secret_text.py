"""Credentials in free text: the regular expressions behind the default text rules.

Each is a ``(pattern, replacement)`` pair for ``re.sub``; every replacement maps its own output to
itself, so scrubbing twice changes nothing. Free text is a header value, a URL, a JSON string (an
error message...) or a plain-text body; a value is never compared with a known secret, only its
surroundings are recognised: a secret name before ``=`` or ``:``, a scheme word, a shape.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote_plus

from .secret_names import WHITESPACE_SCHEMES, is_key_name, is_secret_name, normalise

__all__ = [
    "BASIC",
    "BEARER",
    "CRN",
    "IBM_CLOUD_API_KEY",
    "IBM_QUANTUM_TOKEN",
    "JWT",
    "PLACEHOLDER",
    "PRIVATE_KEY_BLOCK",
    "SECRET_ASSIGNMENT",
    "UNTERMINATED_PRIVATE_KEY",
    "URL_USERINFO",
    "credential_like",
    "is_placeholder",
    "mask",
]

PLACEHOLDER: Final = "<SCRUBBED>"
CRN_ACCOUNT_PLACEHOLDER: Final = "0" * 32
CRN_INSTANCE_PLACEHOLDER: Final = "00000000-0000-0000-0000-000000000000"
_PLACEHOLDERS: Final = frozenset({PLACEHOLDER, quote_plus(PLACEHOLDER), "%3Cscrubbed%3E"})
_SCHEME_WORDS: Final = frozenset({"bearer", "basic", "apikey", "token", "digest"})
_MASK_CHAR: Final = "*"
_MASKED: Final = re.compile(re.escape(PLACEHOLDER) + r"\*+|\*+")


def mask(length: int) -> str:
    """A placeholder of exactly ``length`` characters: ``<SCRUBBED>***`` (``***`` when shorter).

    For secrets inside binary payloads (QPY circuits, numpy arrays), where strings are
    length-prefixed: a same-length ASCII replacement keeps the payload valid.
    """
    if length >= len(PLACEHOLDER):
        return PLACEHOLDER + _MASK_CHAR * (length - len(PLACEHOLDER))
    return _MASK_CHAR * length


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is what scrubbing leaves: ``<SCRUBBED>`` (maybe URL-encoded) or a mask."""
    return value in _PLACEHOLDERS or bool(_MASKED.fullmatch(value))


def credential_like(value: str) -> bool:
    """Whether a word after ``apikey `` or ``Basic `` is a credential rather than prose.

    At least 8 characters and not a plain word: a digit, an inner capital or a symbol.
    """
    if len(value) < 8 or re.fullmatch(r"[A-Z]?[a-z]+|[A-Z]+", value):
        return False
    return bool(re.search(r"\d|[a-z][A-Z]|[^A-Za-z0-9]", value))


# --- name = value, name: value, "name": "value", apikey <value> ----------------------------------

#: A secret word as it may be spelled in text (``api-key``, ``Api_Key``), or ``...key``.
_WORD = (
    r"(?:token|secret|passw(?:or)?d|passphrase|pwd|api[-_.]?key|access[-_.]?key"
    r"|private[-_.]?key|signing[-_.]?key|credential|cookie|auth(?!or(?!i[sz]))|signature"
    r"|bearer|[a-z0-9][-_.]?keys?(?![\w.-]))"
)
_VALUE_CHARS = r"[^\s&\"',;<>()\[\]{}\\]"
SECRET_ASSIGNMENT: Final = (
    r"(?i)(?<![\w.-])(?P<name>[\w.-]{0,40}?" + _WORD + r"[\w.-]{0,40})"
    # ':' needs a quoted name ("token": ...) or a space after it (Cookie: ...), so that URNs
    # (oauth:grant-type:apikey) and times stay; '=' needs nothing; a bare space, a scheme name.
    r"(?P<sep>\\?[\"'][ \t]*[:=][ \t]*|[ \t]*:[ \t]+|[ \t]*=[ \t]*|[ \t]+)"
    r"(?P<scheme>(?:bearer|basic|apikey|token|digest)[ \t]+)?"
    r"(?:\\?\"(?P<dq>[^\"\\\r\n]*)\\?\"|\\?'(?P<sq>[^'\\\r\n]*)\\?'"
    r"|(?P<ph><SCRUBBED>|%3CSCRUBBED%3E)"
    r"|(?P<bare>" + _VALUE_CHARS + r"+(?:;[ \t]?[\w.-]+=" + _VALUE_CHARS + r"*)*))"
)


def _cookie_values(value: str) -> str:
    """``a=1; b=2`` -> ``a=<SCRUBBED>; b=<SCRUBBED>``: cookie names stay, values go."""
    parts = re.split(r"(;[ \t]?)", value)
    for i in range(0, len(parts), 2):
        key, eq, item = parts[i].partition("=")
        if eq:
            parts[i] = f"{key}={PLACEHOLDER if item else ''}"
        elif parts[i]:
            parts[i] = PLACEHOLDER
    return "".join(parts)


def scrub_assignment(match: re.Match[str]) -> str:
    """The replacement for ``SECRET_ASSIGNMENT``: the value goes, the name and quotes stay."""
    name = match["name"]
    norm = normalise(name)
    if not (is_secret_name(name) or (is_key_name(name) and norm not in ("key", "keys"))):
        return match[0]
    spaced = not re.search("[:=]", match["sep"])
    if spaced and norm not in WHITESPACE_SCHEMES:
        return match[0]
    group = next(g for g in ("dq", "sq", "ph", "bare") if match[g] is not None)
    value = match[group]
    if group == "ph" or not value or is_placeholder(value):
        return match[0]
    if value.lower() in ("null", "none", "true", "false") or value.lower() in _SCHEME_WORDS:
        return match[0]  # no credential here ("Authorization: Bearer <token>" in prose)
    if spaced and not credential_like(value):
        return match[0]  # "token expired", "password is wrong"
    new = _cookie_values(value) if "cookie" in norm and "=" in value else PLACEHOLDER
    start, end = match.span(group)
    offset = match.start()
    text = match[0]
    return text[: start - offset] + new + text[end - offset :]


# --- schemes, shapes, URLs ---------------------------------------------------------------------

BEARER: Final = r"\b(?P<scheme>[Bb]earer|BEARER)\s+(?P<cred>[A-Za-z0-9\-._~+/]+=*)(?![\w\-.~+/=])"


def scrub_bearer(match: re.Match[str]) -> str:
    cred = match["cred"]
    if re.fullmatch(r"[A-Z]?[a-z]+|[A-Z]+", cred):
        return match[0]  # prose: "a Bearer token"
    if cred.endswith("=") and match.string[match.end() : match.end() + 1] == '"':
        return match[0]  # a challenge's parameter: WWW-Authenticate: Bearer realm="..."
    return f"{match['scheme']} {PLACEHOLDER}"


def scrub_basic(match: re.Match[str]) -> str:
    if not credential_like(match["cred"]):
        return match[0]
    return f"{match['scheme']} {PLACEHOLDER}"


BASIC: Final = r"\b(?P<scheme>[Bb]asic|BASIC)[ \t]+(?P<cred>[A-Za-z0-9+/]{8,}={0,2})(?![\w+/=-])"
JWT: Final = r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"


def scrub_mixed(match: re.Match[str]) -> str:
    """A shape match counts only with a lower case letter, a capital and a digit."""
    value = match[0]
    if re.search(r"[a-z]", value) and re.search(r"[A-Z]", value) and re.search(r"\d", value):
        return PLACEHOLDER
    return value


#: 44 base64url characters standing alone: the shape of an IBM Cloud API key.
IBM_CLOUD_API_KEY: Final = r"(?<![\w+/=.-])[A-Za-z0-9_-]{44}(?![\w+/=.-])"
#: 128 hex digits standing alone: the shape of an IBM Quantum (legacy channel) API token.
IBM_QUANTUM_TOKEN: Final = r"(?<![0-9A-Za-z])[0-9a-f]{128}(?![0-9A-Za-z])"
PRIVATE_KEY_BLOCK: Final = (
    r"-----BEGIN (?P<kind>[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?-----END (?P=kind)-----",
    r"-----BEGIN \g<kind>-----\n<SCRUBBED>\n-----END \g<kind>-----",
)
#: A BEGIN line followed by key material but no END line (a truncated or escaped block).
UNTERMINATED_PRIVATE_KEY: Final = (
    r"(?P<head>-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)(?:\s|\\[nr])*"
    r"(?!<SCRUBBED>)[A-Za-z0-9+/=][A-Za-z0-9+/=\s\\]{15,}",
    r"\g<head>\n<SCRUBBED>",
)
#: ``scheme://user:password@`` and ``scheme://TOKEN@``.
URL_USERINFO: Final = (
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s?#\"'<>]+@",
    r"\g<scheme><SCRUBBED>@",
)


def scrub_crn(match: re.Match[str]) -> str:
    # Keep the separators as found (a CRN in a query string is percent-encoded) and the region,
    # so the CRN stays valid; replace the account and the instance.
    sep, slash = match.group("sep"), match.group("slash")
    account, instance = CRN_ACCOUNT_PLACEHOLDER, CRN_INSTANCE_PLACEHOLDER
    return f"{match.group('head')}{sep}a{slash}{account}{sep}{instance}"


_SEP = r"(?::|%3[aA])"
CRN: Final = (
    r"(?P<head>crn(?P<sep>:|%3[aA])v1" + rf"(?:{_SEP}[\w.-]*){{4}})"
    r"(?P=sep)a(?P<slash>/|%2[fF])[0-9A-Za-z]+(?P=sep)[\w-]*"
)
