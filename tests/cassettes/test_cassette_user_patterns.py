"""Users' own secret patterns: from Python (``ScrubRule.regex``), from the command line
(``cassette check --pattern``, ``--patterns-from``) and from the pytest ini option they share
(``runtime_secret_patterns``). Bad patterns are refused with a message that says why."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from qiskit_runtime_double import HttpResponse, IBMInputValueError, MockTransport
from qiskit_runtime_double.cli import main
from qiskit_runtime_double.transports.cassette import CassetteTransport, check_cassette
from qiskit_runtime_double.transports.cassettes import DEFAULT_SCRUB_RULES, Scrubber, ScrubRule
from qiskit_runtime_double.transports.cassettes.user_rules import (
    find_pytest_config,
    patterns_in_file,
    rule_from_text,
)

from .conftest import get, post

#: An in-house secret no built-in rule knows, and too regular for the entropy test: ACME- and 10
#: digits (an account number, say).
ACME = r"ACME-\d{10}"


def acme_token(seed: int = 1) -> str:
    rng = random.Random(seed)
    return "ACME-" + "".join(rng.choice(string.digits) for _ in range(10))


def record_raw(path: Path, token: str) -> None:
    """A cassette with ``token`` in a response and a request, written with scrubbing off."""
    inner = MockTransport(lambda r: HttpResponse.from_json(200, {"note": f"ref {token} ok"}))
    with CassetteTransport(path, "once", inner=inner, scrub_rules=()) as transport:
        transport.handle(post("/jobs", {"backend": "b", "tags": [token]}))


def test_a_declared_pattern_scrubs_on_write_and_a_named_one_says_its_name(tmp_path: Path) -> None:
    token = acme_token()
    path = tmp_path / "c.yaml"
    rules = [*DEFAULT_SCRUB_RULES, ScrubRule.regex(ACME, name="ACME key")]
    inner = MockTransport(lambda r: HttpResponse.from_json(200, {"note": f"ref {token} ok"}))
    with CassetteTransport(path, "once", inner=inner, scrub_rules=rules) as transport:
        transport.handle(post("/jobs", {"backend": "b", "tags": [token]}))
    assert token not in path.read_text()
    assert "ref <SCRUBBED> ok" in path.read_text()

    raw = tmp_path / "raw.yaml"
    record_raw(raw, token)
    assert check_cassette(raw).ok  # no built-in rule knows this shape
    problems = check_cassette(raw, rules).problems
    assert problems and all("ACME key" in p for p in problems)
    assert not any(token in p for p in problems)


def test_a_secret_group_scrubs_only_that_group() -> None:
    rule = ScrubRule.regex(r"customer=(?P<secret>\d{6,})", name="customer number")
    text = Scrubber([rule]).text("order for customer=12345678 shipped", "m")
    assert text == "order for customer=<SCRUBBED> shipped"
    assert Scrubber([rule]).text(text, "m") == text  # idempotent


def test_a_leading_comment_names_a_pattern_from_text() -> None:
    assert rule_from_text("(?#ACME key)" + ACME, "x").name == "ACME key"
    assert rule_from_text(ACME, "x").name == f"secret pattern {ACME}"
    assert Scrubber([rule_from_text("(?#ACME key)" + ACME, "x")]).text(acme_token(), "m") == (
        "<SCRUBBED>"
    )


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("ACME-[A-Z", "not a valid regular expression: unterminated character set at position 5"),
        ("(ACME", "missing ), unterminated subpattern at position 0"),
        ("x*", "matches the empty string"),
        (r"<\w+>", "matches its own placeholder"),
        (r"\*+", "matches its own placeholder"),
    ],
)
def test_bad_patterns_are_refused_with_the_reason(pattern: str, says: str) -> None:
    with pytest.raises(IBMInputValueError, match=None) as caught:
        ScrubRule.regex(pattern)
    assert says in str(caught.value) and repr(pattern) in str(caught.value)
    with pytest.raises(IBMInputValueError) as from_text:
        rule_from_text(pattern, "runtime_secret_patterns in pytest.ini, pattern 2")
    assert str(from_text.value).startswith("runtime_secret_patterns in pytest.ini, pattern 2: ")


def test_a_named_rule_with_a_value_shape_takes_only_values_of_that_shape() -> None:
    rule = ScrubRule.named("aws", value=r"[A-Za-z0-9/+]{40}")
    scrubber = Scrubber([rule])
    key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    body = json.dumps({"aws_secret": key, "aws_region": "us-east-1"}).encode()
    assert json.loads(scrubber.body(body, "request")) == {
        "aws_secret": "<SCRUBBED>",
        "aws_region": "us-east-1",
    }
    assert scrubber.url(f"https://x/?aws_key={key}&aws_region=eu") == (
        "https://x/?aws_key=%3CSCRUBBED%3E&aws_region=eu"
    )


# --- the command line ---


def test_check_takes_patterns_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no pytest configuration here
    raw = tmp_path / "raw.yaml"
    record_raw(raw, acme_token())
    assert main(["cassette", "check", str(raw)]) == 0
    capsys.readouterr()

    assert main(["cassette", "check", "--pattern", "(?#ACME key)" + ACME, str(raw)]) == 1
    out = capsys.readouterr().out
    assert "secret patterns: 1 declared (1 from --pattern)" in out
    assert f"{raw}: possible secret at interaction 0: request body tags[0]: ACME key" in out
    assert acme_token() not in out


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("pyproject.toml", '[tool.pytest.ini_options]\nruntime_secret_patterns = ["{p}"]\n'),
        ("pytest.ini", "[pytest]\nruntime_secret_patterns =\n    {p}\n"),
        ("setup.cfg", "[tool:pytest]\nruntime_secret_patterns =\n    {p}\n"),
        ("tox.ini", "[pytest]\nruntime_secret_patterns = {p}\n"),
    ],
)
def test_check_reads_the_patterns_of_the_pytest_configuration(
    name: str,
    content: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pattern = "(?#ACME key)" + ACME
    written = pattern.replace("\\", "\\\\") if name.endswith(".toml") else pattern
    (tmp_path / name).write_text(content.format(p=written))
    raw = tmp_path / "raw.yaml"
    record_raw(raw, acme_token())
    assert patterns_in_file(tmp_path / name) == [pattern]

    monkeypatch.chdir(tmp_path)  # found in the current directory, as pytest finds it
    assert find_pytest_config(tmp_path) == tmp_path / name
    assert main(["cassette", "check", str(raw)]) == 1
    out = capsys.readouterr().out
    assert f"secret patterns: 1 declared (1 from {tmp_path / name})" in out
    assert "ACME key" in out

    monkeypatch.chdir(tmp_path.parent)  # or named
    assert main(["cassette", "check", "--patterns-from", str(tmp_path / name), str(raw)]) == 1


def test_check_refuses_bad_patterns_and_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    raw = tmp_path / "raw.yaml"
    record_raw(raw, acme_token())
    assert main(["cassette", "check", "--pattern", "ACME-[", str(raw)]) == 2
    err = capsys.readouterr().err
    assert "--pattern, pattern 1: The scrub pattern 'ACME-[' is not a valid regular" in err
    assert main(["cassette", "check", "--patterns-from", "nope.toml", str(raw)]) == 2
    assert "--patterns-from nope.toml: no such file" in capsys.readouterr().err
    (tmp_path / "pytest.ini").write_text("[pytest]\nruntime_secret_patterns =\n    ok\n    (x\n")
    assert main(["cassette", "check", str(raw)]) == 2
    err = capsys.readouterr().err
    assert f"runtime_secret_patterns in {tmp_path / 'pytest.ini'}, pattern 2: " in err


def test_replay_matches_when_the_declared_pattern_scrubbed_the_request(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    rules = [*DEFAULT_SCRUB_RULES, ScrubRule.regex(ACME)]
    inner = MockTransport(lambda r: HttpResponse.from_json(200, {"ok": True}))
    with CassetteTransport(path, "once", inner=inner, scrub_rules=rules) as transport:
        transport.handle(get(f"/jobs?tags={acme_token(1)}"))
    replay = CassetteTransport(path, scrub_rules=rules)
    assert replay.handle(get(f"/jobs?tags={acme_token(2)}")).json() == {"ok": True}
