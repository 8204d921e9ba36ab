"""How well ``cassette check`` tells secrets from words: the numbers in docs/cassettes.md.

1. Detection rate of ``credential_shape`` on uniformly random keys, by length and alphabet (the
   keys are drawn with a lower case letter, a capital and a digit, as real generators make them).
2. False positives on identifiers: every run of 20+ identifier characters with a lower case
   letter, a capital and a digit in the Python sources of the installed qiskit, numpy and
   pydantic (class names such as ``NoiseLearnerV3ResultsModel``), plus the committed cassettes.
3. False positives of the token shapes (``ghp_``, ``AKIA``, ``sk-``, ``xoxb-``...) on the same
   sources, as text: every match is printed (each should be a token, or an example of one).
4. ``--planted``: the sixteen kinds of secrets of issue 17 planted in real recordings
   (``tests/cassettes/planted_kinds.py``): how many survive in the file, and how many of those
   ``cassette check`` does not flag; and the same recordings made with scrubbing off.

Prints rates; asserts nothing.
``.venv/bin/python bench/bench_secret_detection.py [--keys 20000] [--planted]``
"""

from __future__ import annotations

import argparse
import random
import re
import string
import sys
import sysconfig
import tempfile
from pathlib import Path

from qiskit_runtime_double.transports.cassettes import DEFAULT_SCRUB_RULES, Scrubber, read_cassette
from qiskit_runtime_double.transports.cassettes.detect import credential_shape
from qiskit_runtime_double.transports.cassettes.summary import secret_findings
from qiskit_runtime_double.wire.token_shapes import TOKEN_SHAPES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("qiskit", "numpy", "pydantic", "qiskit_ibm_runtime", "qiskit_aer")

ALPHABETS = {
    "base64url": string.ascii_letters + string.digits + "-_",
    "alnum": string.ascii_letters + string.digits,
    "lower+digits": string.ascii_lowercase + string.digits,
    "hex": "0123456789abcdef",
}
_RUN = re.compile(r"[A-Za-z0-9_-]{20,}")


def random_key(rng: random.Random, alphabet: str, length: int) -> str:
    one_case = alphabet in (ALPHABETS["hex"], ALPHABETS["lower+digits"])
    while True:
        key = "".join(rng.choice(alphabet) for _ in range(length))
        tests = (str.isdigit, str.isalpha) if one_case else (str.isdigit, str.islower, str.isupper)
        if all(any(test(c) for c in key) for test in tests):
            return key


def detection(keys: int) -> None:
    print("1. random keys flagged (credential_shape), by alphabet and length:")
    rng = random.Random(2024)
    for name, alphabet in ALPHABETS.items():
        lengths = [32, 40, 64] if name == "hex" else [20, 24, 32, 44, 64]
        rates = []
        for length in lengths:
            flagged = sum(
                credential_shape(random_key(rng, alphabet, length)) is not None for _ in range(keys)
            )
            rates.append(f"{length}: {100 * flagged / keys:.2f} %")
        print(f"   {name:13s} " + ", ".join(rates))


def identifiers() -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    found: set[str] = set()
    for package in SOURCES:
        for source in (site / package).rglob("*.py"):
            try:
                text = source.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for run in _RUN.findall(text):
                if re.search("[a-z]", run) and re.search("[A-Z]", run) and re.search(r"\d", run):
                    found.add(run)
    flagged = sorted(run for run in found if credential_shape(run) is not None)
    print(f"2. identifiers in installed sources: {len(found)}, flagged {len(flagged)}")
    for run in flagged[:12]:
        print(f"   {run}")
    root = ROOT / "cassettes"
    scrubber = Scrubber(DEFAULT_SCRUB_RULES)
    for path in sorted(root.glob("*.yaml")):
        data = read_cassette(path)
        assert data is not None
        print(f"   {path.name}: {len(secret_findings(data, scrubber))} findings")


def token_shapes() -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    shapes = [(name, re.compile(pattern)) for name, pattern, _ in TOKEN_SHAPES]
    files = 0
    hits: list[tuple[str, str, str]] = []
    for package in SOURCES:
        for source in (site / package).rglob("*.py"):
            try:
                text = source.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            files += 1
            for name, shape in shapes:
                hits += [(name, source.name, m.group()[:12]) for m in shape.finditer(text)]
    print(f"3. token shapes in {files} installed source files: {len(hits)} matches")
    for name, where, start in hits[:12]:
        print(f"   {name}: {start}... in {where}")


def planted() -> None:
    sys.path.insert(0, str(ROOT))  # the kinds and how to plant them live with the tests
    from tests.cassettes.planted_kinds import measure

    with tempfile.TemporaryDirectory() as tmp:
        clean, outcomes = measure(Path(tmp))
    print(f"4. planted kinds (an unplanted recording has {len(clean)} findings):")
    for o in outcomes:
        survived, flagged = ("yes" if o.survived else "no"), ("yes" if o.flagged else "no")
        print(
            f"   {o.kind.name:26s} in {o.kind.place:37s} survived: {survived:3s} "
            f"flagged: {flagged:3s} (scrubbing off: flagged {'yes' if o.raw_flagged else 'no'})"
        )
    survived = sum(o.survived for o in outcomes)
    unflagged = sum(o.unflagged for o in outcomes)
    raw = sum(o.raw_flagged for o in outcomes)
    print(
        f"   {len(outcomes)} planted: {survived} survived, {unflagged} of them unflagged; "
        f"recorded with scrubbing off, {raw} of {len(outcomes)} flagged"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=20000, help="random keys per length")
    parser.add_argument("--planted", action="store_true", help="also plant the 16 kinds")
    args = parser.parse_args(argv)
    detection(args.keys)
    identifiers()
    token_shapes()
    if args.planted:
        planted()
    return 0


if __name__ == "__main__":
    sys.exit(main())
