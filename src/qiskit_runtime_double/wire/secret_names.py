"""Which names say "secret": headers, JSON keys, form fields, query parameters, words in text.

A name is compared normalised: lowercase, without ``-``, ``_``, ``.`` and spaces, so
``AuthToken``, ``auth-token``, ``AUTH_TOKEN`` and ``x.auth.token`` are one name. It is secret when
it contains a secret word (``token``, ``secret``, ``password``, ``apikey``, ``auth``,
``credential``, ``cookie``...) and does not describe a secret instead of holding one
(``token_type``, ``token_expiry``, ``auth_url``, ``WWW-Authenticate``, a switch such as
``require_auth``).

Nothing here knows the runtime API; what it must leave alone (``session_id``, ``max_ttl``,
``tags``, ``backend``, ``private``) simply contains no secret word.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "DESCRIBES_A_SECRET",
    "SECRET_WORD",
    "WHITESPACE_SCHEMES",
    "is_id_name",
    "is_key_name",
    "is_secret_name",
    "normalise",
]

_SEPARATORS: Final = re.compile(r"[-_.\s]+")

#: Searched in a normalised name. ``auth`` but not ``author``/``authority`` (``authorization``
#: and ``unauthorized`` still count); ``sig`` only as the whole name (Azure SAS, AWS v2).
SECRET_WORD: Final = (
    r"token|secret|passw(?:or)?d|passphrase|pwd|apikey|accesskey|privatekey|signingkey"
    r"|credential|cookie|auth(?!or(?!i[sz]))|signature|bearer|^sig$"
)
#: A normalised name that holds a fact about a secret, not the secret itself.
DESCRIBES_A_SECRET: Final = (
    r"(?:type|types|expiry|expiration|expires|expiresin|expiresat|lifetime|ttl|url|uri|endpoint"
    r"|method|scheme|required|enabled|name|count|limit)$|^(?:www|proxy)authenticate$"
    r"|^requires?(?:auth|token|password)"
)
#: Names that, followed by a space and a credential, are one: ``apikey <key>``, ``Token <t>``.
WHITESPACE_SCHEMES: Final = frozenset(
    {"apikey", "token", "accesstoken", "authtoken", "apitoken", "password", "passwd", "secret"}
)

_SECRET = re.compile(SECRET_WORD)
_DESCRIBES = re.compile(DESCRIBES_A_SECRET)
_ID = re.compile(r"(?:id|ids|uuid|trace|traceparent|jti)$")
_HASH = re.compile(r"hash|digest|checksum|sha\d*|md5|fingerprint|etag|commit|version")


def normalise(name: str) -> str:
    """``X-My_Auth.Token`` -> ``xmyauthtoken``: how every name is compared."""
    return _SEPARATORS.sub("", name).lower()


def is_secret_name(name: str) -> bool:
    """Whether a value under ``name`` (any spelling) is a credential."""
    norm = normalise(name)
    return bool(_SECRET.search(norm)) and not _DESCRIBES.search(norm)


def is_key_name(name: str) -> bool:
    """``...key`` or ``...keys``: a credential in a header or a query, maybe not in JSON data."""
    norm = normalise(name)
    return norm.endswith(("key", "keys")) and not _DESCRIBES.search(norm)


def is_id_name(name: str) -> bool:
    """Names of identifiers and digests: random-looking by design, never credentials."""
    norm = normalise(name)
    return bool(_ID.search(norm) or _HASH.search(norm))
