"""Sixteen kinds of secrets planted in a real recording, one recording per kind.

The attack of issue 17 (point 4): token shapes of common services (GitHub, AWS, OpenAI, Slack,
Google, Stripe, JWTs, private keys, a random key) in job tags, in a circuit's name, metadata,
parameter names, register names and instruction labels (which travel inside the QPY blob of the
job's params: base64 of zlib), and in a header, a query parameter and request bodies.

``record_with(kind, path)`` records a Sampler job through our client against the fake with that
one secret in place; ``survives(kind, path)`` says whether the secret is still in the file, in its
text or inside a decoded blob; ``flagged(path)`` whether ``cassette check`` (the default rules)
reports anything. A recording with no plant is clean, so a finding is the plant's.

Only APIs that have existed since before the fix are used here, so that the same code measures
the figures before and after (``bench/bench_secret_detection.py --planted``). Token values are
made at run time from a seeded generator: no literal in this file looks like a credential.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qiskit import QuantumCircuit
from qiskit.circuit import ClassicalRegister, Parameter, QuantumRegister
from qiskit.circuit.library import HGate

from qiskit_runtime_double import (
    FakeRuntime,
    HttpRequest,
    InProcessTransport,
    QiskitRuntimeService,
    SamplerV2,
)
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.cassettes import (
    DEFAULT_SCRUB_RULES,
    Scrubber,
    read_cassette,
)
from qiskit_runtime_double.transports.cassettes.summary import secret_findings
from qiskit_runtime_double.wire.http import Headers

BACKEND = "ibmq_qasm_simulator"
_ALNUM = string.ascii_letters + string.digits
_UPPER = string.ascii_uppercase + string.digits


def _random(rng: random.Random, alphabet: str, length: int) -> str:
    """Uniform over ``alphabet``, with a digit and a letter when the alphabet has both."""
    classes = [test for test in (str.isdigit, str.isalpha) if any(map(test, alphabet))]
    while True:
        text = "".join(rng.choice(alphabet) for _ in range(length))
        if all(any(map(test, text)) for test in classes):
            return text


def token_factories() -> dict[str, Callable[[random.Random], str]]:
    """Values in the shapes the services issue, by service (prefixes are spelled in pieces)."""
    return {
        "GitHub classic token": lambda r: "gh" + "p_" + _random(r, _ALNUM, 36),
        "GitHub OAuth token": lambda r: "gh" + "o_" + _random(r, _ALNUM, 36),
        "GitHub user token": lambda r: "gh" + "u_" + _random(r, _ALNUM, 36),
        "GitHub app token": lambda r: "gh" + "s_" + _random(r, _ALNUM, 36),
        "GitHub refresh token": lambda r: "gh" + "r_" + _random(r, _ALNUM, 36),
        "GitHub fine-grained token": lambda r: (
            "github" + "_pat_" + _random(r, _ALNUM, 22) + "_" + _random(r, _ALNUM, 59)
        ),
        "AWS access key id": lambda r: "AK" + "IA" + _random(r, _UPPER, 16),
        "AWS temporary key id": lambda r: "AS" + "IA" + _random(r, _UPPER, 16),
        "OpenAI project key": lambda r: (
            "sk-"
            + "proj-"
            + _random(r, _ALNUM + "_-", 24)
            + "T3Blbk"
            + "FJ"
            + _random(r, _ALNUM, 24)
        ),
        "OpenAI key": lambda r: "sk" + "-" + _random(r, _ALNUM, 48),
        "Slack bot token": lambda r: (
            "xo"
            + "xb-"
            + _random(r, string.digits, 12)
            + "-"
            + _random(r, string.digits, 12)
            + "-"
            + _random(r, _ALNUM, 24)
        ),
        "Slack user token": lambda r: (
            "xo"
            + "xp-"
            + _random(r, string.digits, 12)
            + "-"
            + _random(r, string.digits, 13)
            + "-"
            + _random(r, _ALNUM, 32)
        ),
        "Slack app token": lambda r: (
            "xa"
            + "pp-1-"
            + _random(r, _UPPER, 11)
            + "-"
            + _random(r, string.digits, 13)
            + "-"
            + _random(r, "0123456789abcdef", 64)
        ),
        "Slack webhook": lambda r: (
            "https://hooks."
            + "slack.com/services/T"
            + _random(r, _UPPER, 10)
            + "/B"
            + _random(r, _UPPER, 10)
            + "/"
            + _random(r, _ALNUM, 24)
        ),
        "Google API key": lambda r: "AI" + "za" + _random(r, _ALNUM + "_-", 35),
        "Stripe secret key": lambda r: "sk" + "_live_" + _random(r, _ALNUM, 24),
        "JWT": lambda r: ".".join(
            base64.urlsafe_b64encode(part.encode()).decode().rstrip("=")
            for part in (
                '{"alg":"HS256","typ":"JWT"}',
                json.dumps({"sub": _random(r, _ALNUM, 12), "iat": r.randrange(10**9)}),
                _random(r, _ALNUM, 32),
            )
        ),
        "random key": lambda r: _random(r, _ALNUM, 40),
    }


def private_key_block(rng: random.Random) -> tuple[str, str]:
    """A PEM private key block (random body) and one line of its body, to look for."""
    body = [_random(rng, _ALNUM + "+/", 64) for _ in range(4)]
    kind = "RSA " + "PRIVATE KEY"
    return f"-----BEGIN {kind}-----\n" + "\n".join(body) + f"\n-----END {kind}-----", body[1]


@dataclass(frozen=True)
class Kind:
    """One planted secret: what it is, where it goes, and the text that betrays it."""

    name: str
    place: str
    secret: str
    evidence: str = ""
    #: Whether a shape or a name says it is a secret (else only ``cassette check`` can tell).
    labelled: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def needle(self) -> str:
        return self.evidence or self.secret


PLACES = (
    "job tag",
    "circuit name",
    "circuit metadata",
    "circuit metadata under a secret name",
    "parameter name",
    "register name",
    "instruction label",
    "request header",
    "query parameter",
    "request body",
    "text in a request body",
)


def kinds(seed: int = 17) -> list[Kind]:
    """The sixteen kinds of the attack, in the places it planted them."""
    rng = random.Random(seed)
    make = token_factories()
    pem, pem_line = private_key_block(rng)
    return [
        Kind("GitHub classic token", "job tag", make["GitHub classic token"](rng)),
        Kind("AWS access key id", "job tag", make["AWS access key id"](rng)),
        Kind("OpenAI project key", "job tag", make["OpenAI project key"](rng)),
        Kind("random key", "job tag", make["random key"](rng), labelled=False),
        Kind("GitHub fine-grained token", "circuit name", make["GitHub fine-grained token"](rng)),
        Kind("Google API key", "circuit metadata", make["Google API key"](rng)),
        Kind(
            "AWS secret access key",
            "circuit metadata under a secret name",
            _random(rng, _ALNUM + "+/", 40),
            extra={"key": "aws_secret_access_key"},
        ),
        Kind("Slack webhook", "circuit metadata", make["Slack webhook"](rng)),
        Kind("GitHub user token", "circuit metadata", make["GitHub user token"](rng)),
        Kind("Stripe secret key", "parameter name", make["Stripe secret key"](rng)),
        Kind("Slack bot token", "register name", make["Slack bot token"](rng)),
        Kind("JWT", "instruction label", make["JWT"](rng)),
        Kind("GitHub OAuth token", "request header", make["GitHub OAuth token"](rng)),
        Kind("AWS temporary key id", "query parameter", make["AWS temporary key id"](rng)),
        Kind("OpenAI key", "request body", make["OpenAI key"](rng)),
        Kind("private key", "text in a request body", pem, evidence=pem_line),
    ]


def _circuit(kind: Kind | None) -> QuantumCircuit:
    place = kind.place if kind is not None else ""
    secret = kind.secret if kind is not None else ""
    qreg = QuantumRegister(2, secret if place == "register name" else "q")
    creg = ClassicalRegister(2, "meas")
    circuit = QuantumCircuit(qreg, creg, name=secret if place == "circuit name" else "bell")
    if place == "circuit metadata":
        circuit.metadata = {"experiment": 7, "runs": [{"note": secret}]}
    elif place == "circuit metadata under a secret name":
        assert kind is not None
        circuit.metadata = {"experiment": 7, kind.extra["key"]: secret}
    theta = Parameter(secret if place == "parameter name" else "theta")
    circuit.append(HGate(label=secret if place == "instruction label" else None), [0])
    circuit.ry(theta, 1)
    circuit.cx(0, 1)
    circuit.measure(qreg, creg)
    return circuit


def run_workload(service: QiskitRuntimeService, kind: Kind | None) -> dict[str, int]:
    """One Sampler job with ``kind`` planted in its tags or circuit; its counts."""
    place = kind.place if kind is not None else ""
    tags = ["experiment-7"] + ([kind.secret] if kind is not None and place == "job tag" else [])
    sampler = SamplerV2(mode=service.backend(BACKEND), options={"job_tags": tags})
    result = sampler.run([(_circuit(kind), [0.4])], shots=20).result()
    counts: dict[str, int] = result[0].data.meas.get_counts()
    return counts


REQUEST_PLACES = ("request header", "query parameter", "request body", "text in a request body")


def record_with(kind: Kind | None, path: Path, *, scrub: bool = True) -> dict[str, int]:
    """Record one Sampler job (and, for request places, one more request) with ``kind`` in it;
    ``scrub=False`` records with scrubbing switched off (what ``cassette check`` must catch)."""
    fake = FakeRuntime(seed=5)
    recorder = CassetteTransport(
        path, "rewrite", inner=InProcessTransport(fake.app), scrub_rules=None if scrub else ()
    )
    place = kind.place if kind is not None else ""
    with QiskitRuntimeService(transport=recorder, instance=fake.plan.instance) as service:
        counts = run_workload(service, kind)
        if kind is None or place not in REQUEST_PLACES:
            return counts
        base = recorder.base_url
        if place == "request header":
            request = HttpRequest("GET", f"{base}/backends", Headers({"X-Trace-Note": kind.secret}))
        elif place == "query parameter":
            request = HttpRequest("GET", f"{base}/backends?note={kind.secret}")
        else:
            note: Any = {"note": kind.secret} if place == "request body" else kind.secret
            body = json.dumps({"backend": BACKEND, "mode": "batch", "comment": note}).encode()
            headers = Headers({"Content-Type": "application/json"})
            request = HttpRequest("POST", f"{base}/sessions", headers, body)
        recorder.handle(request)
    return counts


def _blobs(value: Any) -> Iterator[bytes]:
    """The decoded bytes of every runtime-encoded blob (base64, maybe zlib) in a JSON value."""
    if isinstance(value, dict):
        payload = value.get("__value__")
        if "__type__" in value and isinstance(payload, str):
            try:
                raw = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                return
            try:
                yield zlib.decompress(raw)
            except zlib.error:
                yield raw
            return
        for item in value.values():
            yield from _blobs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _blobs(item)


def survives(kind: Kind, path: Path) -> bool:
    """Whether the planted value is in the file: in its text, or inside a decoded blob."""
    if kind.needle in path.read_text(encoding="utf-8"):
        return True
    data = read_cassette(path)
    assert data is not None
    needle = kind.needle.encode()
    for item in data.interactions:
        for content in (item.request.content, item.response.content):
            try:
                parsed = json.loads(content) if content else None
            except ValueError:
                continue
            if any(needle in blob for blob in _blobs(parsed)):
                return True
    return False


def findings(path: Path) -> list[str]:
    """What ``cassette check`` says about the file's secrets (the default rules)."""
    data = read_cassette(path)
    assert data is not None
    return secret_findings(data, Scrubber(DEFAULT_SCRUB_RULES))


@dataclass(frozen=True)
class Outcome:
    """What became of one kind: recorded with the default rules, and with scrubbing off."""

    kind: Kind
    survived: bool
    flagged: bool
    #: Recorded with scrubbing off: whether ``cassette check`` flags the raw file.
    raw_flagged: bool

    @property
    def unflagged(self) -> bool:
        return self.survived and not self.flagged


def measure(directory: Path) -> tuple[list[str], list[Outcome]]:
    """Findings of an unplanted recording, and each kind's outcome."""
    clean = directory / "clean.yaml"
    record_with(None, clean)
    outcomes = []
    for i, kind in enumerate(kinds()):
        path, raw = directory / f"kind{i:02d}.yaml", directory / f"raw{i:02d}.yaml"
        record_with(kind, path)
        record_with(kind, raw, scrub=False)
        outcome = Outcome(kind, survives(kind, path), bool(findings(path)), bool(findings(raw)))
        outcomes.append(outcome)
    return findings(clean), outcomes
