"""Scrubbing rules: what a secret is, and where to look for it (``ScrubRule``), and the defaults.

A rule selects by name (header names, JSON object keys, form fields and query parameters), either
a list of names or a pattern searched in the normalised name (``wire/secret_names.py``: case,
``-``, ``_``, ``.`` and spaces ignored), maybe only for values of a given shape, or by regular
expression (anywhere in a header value, URL, JSON string or text, and in the strings inside
encoded payloads). Replacements are fixed placeholders, and every rule is idempotent: scrubbing a
scrubbed value changes nothing, which is how ``cassette check`` finds leftovers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ...errors import IBMInputValueError
from ...wire import secret_text as tp
from ...wire.secret_names import DESCRIBES_A_SECRET, SECRET_WORD
from ...wire.secret_text import PLACEHOLDER, is_placeholder, mask
from ...wire.token_shapes import (
    AWS_SECRET_NEAR_NAME,
    AWS_SECRET_VALUE,
    TOKEN_SHAPES,
    scrub_aws_secret,
)

__all__ = ["DEFAULT_SCRUB_RULES", "Replacement", "ScrubRule"]

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
