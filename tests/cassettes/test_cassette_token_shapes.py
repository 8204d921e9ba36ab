"""Tokens that say what they are (``wire/token_shapes.py``): scrubbed in cassettes and redacted in
logs wherever they appear, flagged by ``cassette check``; words that merely look alike stay."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiskit_runtime_double import HttpResponse
from qiskit_runtime_double.transports.cassettes import (
    DEFAULT_SCRUB_RULES,
    CassetteData,
    Interaction,
    Scrubber,
)
from qiskit_runtime_double.transports.cassettes.summary import secret_findings
from qiskit_runtime_double.wire.redact import redact_text

from .conftest import get
from .planted_kinds import private_key_block, token_factories

SCRUBBER = Scrubber(DEFAULT_SCRUB_RULES)
FACTORIES = token_factories()
SHAPED = sorted(name for name in FACTORIES if name != "random key")
#: What each service's token is called in findings.
RULE_NAMES = {
    "GitHub classic token": "GitHub token",
    "GitHub OAuth token": "GitHub token",
    "GitHub user token": "GitHub token",
    "GitHub app token": "GitHub token",
    "GitHub refresh token": "GitHub token",
    "GitHub fine-grained token": "GitHub fine-grained token",
    "AWS access key id": "AWS access key id",
    "AWS temporary key id": "AWS access key id",
    "OpenAI project key": "sk- API key (OpenAI, Anthropic)",
    "OpenAI key": "sk- API key (OpenAI, Anthropic)",
    "Slack bot token": "Slack token",
    "Slack user token": "Slack token",
    "Slack app token": "Slack app token",
    "Slack webhook": "Slack webhook",
    "Google API key": "Google API key",
    "Stripe secret key": "Stripe secret key",
    "JWT": "JWT",
}
CONTEXTS = (
    "{t}",
    "job tag {t} here",
    "see '{t}'",
    '{{"note": "{t}"}}',
    "error: could not use {t}, try again",
    "export SOME_VALUE={t}",
)


@settings(max_examples=300, deadline=None)
@given(
    service=st.sampled_from(SHAPED),
    context=st.sampled_from(CONTEXTS),
    seed=st.integers(0, 2**32),
)
def test_a_token_in_any_text_is_scrubbed_redacted_and_named(
    service: str, context: str, seed: int
) -> None:
    token = FACTORIES[service](random.Random(seed))
    text = context.format(t=token)

    scrubbed = SCRUBBER.text(text, "m")
    assert token not in scrubbed and "<SCRUBBED>" in scrubbed
    assert SCRUBBER.text(scrubbed, "m") == scrubbed  # idempotent
    assert token not in redact_text(text)

    response = HttpResponse.from_json(400, {"errors": [{"message": text}]})
    data = CassetteData([Interaction(get("/jobs"), response)], {})
    found = secret_findings(data, SCRUBBER)
    assert found == [f"interaction 0: response body errors[0].message: {RULE_NAMES[service]}"]


def test_the_webhook_keeps_its_host_and_a_private_key_block_its_armour() -> None:
    hook = FACTORIES["Slack webhook"](random.Random(1))
    assert SCRUBBER.text(f"post to {hook} now", "m") == (
        "post to https://hooks.slack.com/services/<SCRUBBED> now"
    )
    block, line = private_key_block(random.Random(2))
    truncated = block.split("-----END")[0][:200]
    for text in (block, truncated, truncated.replace("\n", "\\n")):
        scrubbed = SCRUBBER.text(f"key: {text}", "m")
        assert line not in scrubbed and "-----BEGIN RSA PRIVATE KEY-----" in scrubbed
        assert SCRUBBER.text(scrubbed, "m") == scrubbed


def test_an_aws_secret_key_is_scrubbed_next_to_an_aws_name_only() -> None:
    key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    for text in (
        f"aws_secret_access_key={key}",
        f'AWS_SECRET = "{key}"',
        f"aws key: {key}",
    ):
        assert key not in SCRUBBER.text(text, "m"), text
        assert key not in redact_text(text)
    digest = "da39a3ee5e6b4b0d3255bfef95601890afd80709"  # a SHA-1: 40 characters, one case
    assert SCRUBBER.text(f"aws_build_sha={digest}", "m") == f"aws_build_sha={digest}"
    assert SCRUBBER.text(f"the object {key[:20]}", "m") == f"the object {key[:20]}"


@pytest.mark.parametrize(
    "text",
    [
        "task-scheduler-for-the-cluster-2024-edition-final",  # sk- inside a word
        "disk-0123456789abcdef0123456789abcdef",
        "risk-analysis-results-0123456789ABCDEF01234",
        "the AKIA prefix marks AWS keys",
        "xoxb tokens start with xoxb-",
        "ghp_ is GitHub's prefix",
        "https://hooks.slack.com/services/",
        "use sk-proj- keys for projects",
        "AIzaSy is how Google keys start",
        "EstimatorV2PubResult_ghp_wrapper",  # not a token: too short after the prefix
    ],
)
def test_words_that_look_like_tokens_stay(text: str) -> None:
    assert SCRUBBER.text(text, "m") == text
    assert redact_text(text) == text
