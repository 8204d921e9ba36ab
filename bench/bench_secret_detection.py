"""How well ``cassette check`` tells random keys from words: the numbers in docs/cassettes.md.

1. Detection rate of ``credential_shape`` on uniformly random keys, by length and alphabet (the
   keys are drawn with a lower case letter, a capital and a digit, as real generators make them).
2. False positives on identifiers: every run of 20+ identifier characters with a lower case
   letter, a capital and a digit in the Python sources of the installed qiskit, numpy and
   pydantic (class names such as ``NoiseLearnerV3ResultsModel``), plus the committed cassettes.

Prints rates; asserts nothing. ``.venv/bin/python bench/bench_secret_detection.py [--keys 20000]``
"""

from __future__ import annotations

import argparse
import random
import re
import string
import sys
import sysconfig
from pathlib import Path

from qiskit_runtime_double.transports.cassettes import DEFAULT_SCRUB_RULES, Scrubber, read_cassette
from qiskit_runtime_double.transports.cassettes.detect import credential_shape
from qiskit_runtime_double.transports.cassettes.summary import secret_findings

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
    for package in ("qiskit", "numpy", "pydantic", "qiskit_ibm_runtime", "qiskit_aer"):
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
    root = Path(__file__).resolve().parent.parent / "cassettes"
    scrubber = Scrubber(DEFAULT_SCRUB_RULES)
    for path in sorted(root.glob("*.yaml")):
        data = read_cassette(path)
        assert data is not None
        print(f"   {path.name}: {len(secret_findings(data, scrubber))} findings")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=20000, help="random keys per length")
    args = parser.parse_args(argv)
    detection(args.keys)
    identifiers()
    return 0


if __name__ == "__main__":
    sys.exit(main())
