"""Secrets planted everywhere a recording can hold them, under many name spellings.

Shared by the scrubbing and the ``cassette check`` property tests: each planted secret lives in an
interaction of its own (``GET/POST .../plant/<i>``), so a finding's interaction index says which
secret it found.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

from qiskit_runtime_double import HttpRequest, HttpResponse, MockTransport, VirtualClock
from qiskit_runtime_double.wire.http import Headers

BASE = "http://runtime-double.invalid/api/v1"

#: The words of secret names, spelled below in every style.
CORES: tuple[tuple[str, ...], ...] = (
    ("auth", "token"),
    ("access", "token"),
    ("refresh", "token"),
    ("api", "key"),
    ("apikey",),
    ("secret",),
    ("client", "secret"),
    ("password",),
    ("passwd",),
    ("credentials",),
    ("credential",),
    ("cookie",),
    ("session", "token"),
    ("private", "key"),
    ("signature",),
    ("auth",),
    ("token",),
)
PREFIXES: tuple[tuple[str, ...], ...] = ((), ("x",), ("my",), ("x", "my"), ("ibm",))


def spell(words: tuple[str, ...], style: str) -> str:
    """``("x", "auth", "token")`` as ``x_auth_token``, ``X-Auth-Token``, ``xAuthToken``..."""
    if style == "snake":
        return "_".join(words)
    if style == "kebab":
        return "-".join(words)
    if style == "upper":
        return "_".join(words).upper()
    if style == "title":
        return "-".join(w.title() for w in words)
    if style == "camel":
        return words[0] + "".join(w.title() for w in words[1:])
    if style == "pascal":
        return "".join(w.title() for w in words)
    assert style == "dotted"
    return ".".join(words)


STYLES = ("snake", "kebab", "upper", "title", "camel", "pascal", "dotted")
HEADER_STYLES = ("kebab", "title", "upper", "snake", "pascal")


@st.composite
def secret_names(draw: st.DrawFn, styles: tuple[str, ...] = STYLES) -> str:
    words = draw(st.sampled_from(PREFIXES)) + draw(st.sampled_from(CORES))
    return spell(words, draw(st.sampled_from(styles)))


_B64URL = string.ascii_letters + string.digits + "-_"


def random_token(seed: int, length: int, alphabet: str = _B64URL) -> str:
    """A random credential: uniform over ``alphabet``, with a lower, an upper and a digit.

    Drawn from a seeded generator rather than by Hypothesis, so every example is as random as a
    real key (Hypothesis favours repetitive strings, which no key generator makes).
    """
    rng = random.Random(f"{seed}/{length}/{alphabet}")  # no key is a prefix of another
    while True:
        token = "".join(rng.choice(alphabet) for _ in range(length))
        classes = (str.islower, str.isupper, str.isdigit)
        if alphabet != _B64URL or all(any(f(c) for c in token) for f in classes):
            return token


secret_values = st.builds(random_token, st.integers(0, 2**64), st.integers(32, 48))
#: Unlabelled tokens must be long enough for entropy alone to tell them from words.
bare_values = st.builds(random_token, st.integers(0, 2**64), st.integers(56, 64))
hex_values = st.builds(
    random_token, st.integers(0, 2**64), st.sampled_from([64, 128]), st.just("0123456789abcdef")
)


@dataclass(frozen=True)
class Plant:
    """One secret and the interaction that carries it."""

    secret: str
    place: str
    #: Whether something in the message says it is a secret (a name, a scheme word, a shape).
    #: Unlabelled ones only ``cassette check``'s entropy test can find; scrubbing cannot know.
    labelled: bool = True
    request: HttpRequest | None = None
    response: HttpResponse | None = None


FREE_TEXT = (
    "apikey {s} was not accepted",
    "bad request: apikey={s}",
    "token={s} expired",
    "sent Cookie: sid={s}; theme=dark",
    "sent X-Api-Key: {s}",
    "header Authorization: Bearer {s}",
    "headers {{'{name}': '{s}'}}",
    'body {{"{name}": "{s}"}}',
    "{name}={s}",
    "{name}: {s}",
    "see https://{s}@example.invalid/x",
    "see https://user:{s}@example.invalid/x",
    "got jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ{s}.{s}",
)


def _json(status: int, body: Any, **headers: str) -> HttpResponse:
    return HttpResponse.from_json(status, body, headers=headers)


def _get(i: int, query: str = "", headers: dict[str, str] | None = None) -> HttpRequest:
    return HttpRequest("GET", f"{BASE}/plant/{i}{query}", Headers(headers or {}))


def _post(i: int, body: bytes, content_type: str) -> HttpRequest:
    return HttpRequest("POST", f"{BASE}/plant/{i}", Headers({"Content-Type": content_type}), body)


@st.composite
def plants(draw: st.DrawFn, i: int) -> Plant:
    """One secret in one place of interaction ``i``."""
    ok = _json(200, {"ok": True, "i": i})
    place = draw(
        st.sampled_from(
            [
                "request header",
                "response header",
                "query",
                "request json",
                "response json",
                "json container",
                "form",
                "url token",
                "url password",
                "error text",
                "text body",
                "bare",
                "bare hex",
            ]
        )
    )
    secret = draw(secret_values)
    name = draw(secret_names())
    header = draw(secret_names(HEADER_STYLES))
    if place == "request header":
        return Plant(secret, place, request=_get(i, headers={header: secret}), response=ok)
    if place == "response header":
        return Plant(secret, place, request=_get(i), response=_json(200, {}, **{header: secret}))
    if place == "query":
        request = _get(i, f"?limit=10&{quote_plus(name)}={secret}&backend=b")
        return Plant(secret, place, request=request, response=ok)
    if place == "request json":
        body = {"backend": "b", "params": {"pubs": [[1, 2]], "options": [{name: secret}]}}
        request = _post(i, json.dumps(body).encode(), "application/json")
        return Plant(secret, place, request=request, response=ok)
    if place == "response json":
        response = _json(200, {"id": f"job{i}", "data": [{"nested": {name: secret}}]})
        return Plant(secret, place, request=_get(i), response=response)
    if place == "json container":
        response = _json(200, {name: {"user": "someone", "value": secret}})
        return Plant(secret, place, request=_get(i), response=response)
    if place == "form":
        body = f"grant_type=client&{quote_plus(name)}={secret}".encode()
        request = _post(i, body, "application/x-www-form-urlencoded")
        return Plant(secret, place, request=request, response=ok)
    if place == "url token":
        request = HttpRequest("GET", f"http://{secret}@runtime-double.invalid/api/v1/plant/{i}")
        return Plant(secret, place, request=request, response=ok)
    if place == "url password":
        url = f"http://someone:{quote(secret)}@runtime-double.invalid/api/v1/plant/{i}"
        return Plant(secret, place, request=HttpRequest("GET", url), response=ok)
    if place == "error text":
        template = draw(st.sampled_from(FREE_TEXT))
        message = template.format(s=secret, name=name)
        response = _json(400, {"errors": [{"code": "1234", "message": message}], "trace": "0f"})
        return Plant(secret, place, request=_get(i), response=response)
    if place == "text body":
        text = f"debug dump\n{name}: {secret}\nend\n".encode()
        return Plant(secret, place, request=_get(i), response=HttpResponse(500, Headers(), text))
    token = draw(hex_values if place == "bare hex" else bare_values)
    response = _json(400, {"errors": [{"message": f"the value {token} is not a backend"}]})
    # A 128-digit hex string is an IBM Quantum API token by its shape alone.
    labelled = place == "bare hex" and len(token) == 128
    return Plant(token, place, labelled=labelled, request=_get(i), response=response)


@st.composite
def plantings(draw: st.DrawFn) -> list[Plant]:
    count = draw(st.integers(1, 8))
    return [draw(plants(i)) for i in range(count)]


def inner_for(planted: list[Plant]) -> MockTransport:
    """A transport answering each planted request with its planted response."""
    answers = {f"/api/v1/plant/{i}": p.response for i, p in enumerate(planted)}

    def handle(request: HttpRequest) -> HttpResponse:
        answer = answers.get(request.path)
        assert answer is not None, request.path
        return answer

    return MockTransport(handle, clock=VirtualClock(), base_url=BASE)


def requests_of(planted: list[Plant]) -> list[HttpRequest]:
    out: list[HttpRequest] = []
    for plant in planted:
        assert plant.request is not None
        out.append(plant.request)
    return out
