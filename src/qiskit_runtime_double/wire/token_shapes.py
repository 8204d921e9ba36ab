"""Credentials recognised by their own shape: the prefixed tokens of common services.

Modern tokens announce themselves (GitHub's ``ghp_``, AWS's ``AKIA``, Slack's ``xoxb-``...), so a
value is a secret wherever it sits: a job tag, a circuit's name, a parameter name, an error
message. The shapes follow what the services document and what established scanners (gitleaks,
detect-secrets, trufflehog) match, written here from those descriptions:

- a left boundary (no letter or digit before), so that a prefix inside a longer word is not one;
- no right boundary where the service fixes the length (a longer run is still scrubbed up to the
  token's length), a minimum length where it does not;
- replacements that map their own output to themselves (``<SCRUBBED>`` never matches a shape).

Each entry is ``(name, pattern, replacement)`` for ``re.sub``; ``TOKEN_SHAPES`` is the table that
scrubbing, redaction and ``cassette check`` share.
"""

from __future__ import annotations

import re
from typing import Final

from .secret_text import PLACEHOLDER

__all__ = ["AWS_SECRET_NEAR_NAME", "AWS_SECRET_VALUE", "TOKEN_SHAPES", "scrub_aws_secret"]

#: Nothing that can continue a token right before it.
_START: Final = r"(?<![A-Za-z0-9_])"

TOKEN_SHAPES: Final[tuple[tuple[str, str, str], ...]] = (
    # GitHub: classic personal, OAuth, user-to-server, server-to-server, refresh; fine-grained.
    ("GitHub token", _START + r"gh[pousr]_[A-Za-z0-9]{36,255}", PLACEHOLDER),
    ("GitHub fine-grained token", _START + r"github_pat_[A-Za-z0-9_]{36,255}", PLACEHOLDER),
    # AWS access key ids: long-term (AKIA), temporary (ASIA), and the rarer prefixes.
    (
        "AWS access key id",
        r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])",
        PLACEHOLDER,
    ),
    # OpenAI (project, service account, admin, legacy) and Anthropic keys: sk-...
    (
        "sk- API key (OpenAI, Anthropic)",
        r"(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|ant)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{32,})",
        PLACEHOLDER,
    ),
    # Slack: bot, user, workspace, refresh... tokens; app-level tokens; webhook URLs (the path is
    # the secret: the host stays, so the text still says what it was).
    ("Slack token", _START + r"xox[abposre]-[A-Za-z0-9-]{10,}", PLACEHOLDER),
    ("Slack app token", _START + r"xapp-\d-[A-Za-z0-9-]{10,}", PLACEHOLDER),
    (
        "Slack webhook",
        r"(?P<head>\bhttps?://hooks\.slack\.com/(?:services|workflows|triggers)/)"
        r"[A-Za-z0-9_/+-]{16,}",
        r"\g<head>" + PLACEHOLDER,
    ),
    ("Google API key", _START + r"AIza[A-Za-z0-9_-]{35}", PLACEHOLDER),
    ("Stripe secret key", _START + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}", PLACEHOLDER),
    ("GitLab token", _START + r"glpat-[A-Za-z0-9_-]{20,}", PLACEHOLDER),
    ("Hugging Face token", _START + r"hf_[A-Za-z0-9]{30,}", PLACEHOLDER),
    ("PyPI token", _START + r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", PLACEHOLDER),
    ("npm token", _START + r"npm_[A-Za-z0-9]{36}", PLACEHOLDER),
)

#: An AWS secret access key: 40 characters of base64 (``/`` and ``+`` included). Too generic to
#: be recognised alone; next to an AWS name it is one.
AWS_SECRET_VALUE: Final = r"[A-Za-z0-9/+]{40}"

#: ``aws_secret = "..."``, ``AWS key: ...``: an AWS name (a few words at most), a separator, and a
#: 40-character value.
AWS_SECRET_NEAR_NAME: Final = (
    r"(?i)(?<![A-Za-z0-9])(?P<name>aws(?:[\w.-]|[ \t](?=\w)){0,40}?)"
    r"(?P<sep>\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?|[ \t]+)"
    r"(?-i:(?P<value>" + AWS_SECRET_VALUE + r"))(?![A-Za-z0-9/+=])"
)


def scrub_aws_secret(match: re.Match[str]) -> str:
    """The replacement for ``AWS_SECRET_NEAR_NAME``: the value goes when it is mixed like a key
    (a lower case letter, a capital and a digit), the name and the separator stay."""
    value = match["value"]
    if not (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value) and re.search(r"\d", value)):
        return match[0]
    return match["name"] + match["sep"] + PLACEHOLDER
