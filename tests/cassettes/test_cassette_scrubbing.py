"""Secrets never reach a cassette: planted everywhere, grepped for in the file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from qiskit_runtime_double import HttpRequest, HttpResponse, MockTransport, VirtualClock
from qiskit_runtime_double.client import RuntimeClient
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.cassettes import (
    DEFAULT_SCRUB_RULES,
    PLACEHOLDER,
    Scrubber,
    ScrubRule,
    read_cassette,
)
from qiskit_runtime_double.wire.http import Headers
from qiskit_runtime_double.wire.models import SessionCreateRequest

from .conftest import get, post

#: A fake API key, kept out of literals that look like credentials to secret scanners.
ANOTHER_KEY = "another-key"


ACCOUNT = "abcdef0123456789abcdef0123456789"
INSTANCE_ID = "12345678-aaaa-bbbb-cccc-1234567890ab"
CRN = f"crn:v1:bluemix:public:quantum-computing:us-east:a/{ACCOUNT}:{INSTANCE_ID}::"
API_KEY = "Zq3kSECRETapikey_0123456789abcdefghijkl"
JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpYW1faWQiOiJJQk1pZC0xMjMiLCJleHAiOjE3MDAwMDAwMDB9."
    "c2lnbmF0dXJlU0VDUkVUc2lnbmF0dXJl"
)
REFRESH = "refreshSECRET-0987654321"
PASSWORD = "hunter2SECRETpw"
COOKIE = "session=cookieSECRET42"
SECRETS = (ACCOUNT, INSTANCE_ID, API_KEY, JWT, REFRESH, PASSWORD, "cookieSECRET42", "pwSECRET")
BASE = f"https://user:pwSECRET@quantum.cloud.ibm.com/api/v1?instance={CRN}"


def echo(request: HttpRequest) -> HttpResponse:
    """A service that answers with secrets too: IAM tokens, cookies, the CRN, nested keys."""
    if request.path.endswith("/identity/token"):
        body: Any = {
            "access_token": JWT,
            "refresh_token": REFRESH,
            "token_type": "Bearer",
            "expires_in": 3600,
        }
    else:
        body = {
            "instance": CRN,
            "nested": [{"auth": {"apikey": API_KEY}}, {"note": f"sent with Bearer {JWT}"}],
            "user_id": "IBMid-PII",
        }
    return HttpResponse.from_json(200, body, headers={"Set-Cookie": COOKIE, "X-Api-Key": API_KEY})


def planted_requests() -> list[HttpRequest]:
    base = "https://quantum.cloud.ibm.com/api/v1"
    form = f"grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey={API_KEY}"
    return [
        # The official client's IAM exchange: API key in a form body.
        HttpRequest(
            "POST",
            "https://iam.cloud.ibm.com/identity/token",
            Headers({"Content-Type": "application/x-www-form-urlencoded"}),
            form.encode(),
        ),
        # Bearer token and CRN headers (both clients), an apikey-scheme header (legacy channel).
        HttpRequest(
            "GET",
            f"{base}/backends?apikey={API_KEY}&token={JWT}&instance={CRN}",
            Headers({"Authorization": f"Bearer {JWT}", "Service-CRN": CRN, "Cookie": COOKIE}),
        ),
        HttpRequest("GET", f"{base}/usage", Headers({"Authorization": f"apikey {API_KEY}"})),
        # Nested JSON bodies.
        HttpRequest(
            "POST",
            f"{base}/sessions",
            Headers({"Content-Type": "application/json"}),
            json.dumps(
                {
                    "instance": CRN,
                    "deep": {"list": [{"password": PASSWORD, "refresh_token": REFRESH}]},
                }
            ).encode(),
        ),
    ]


class Secretive(MockTransport):
    def __init__(self) -> None:
        super().__init__(echo, clock=VirtualClock(), base_url=BASE)


def test_no_planted_secret_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with CassetteTransport(path, "once", inner=Secretive()) as transport:
        for request in planted_requests():
            # Recording hands the real answer to the client: it needs the real token.
            assert transport.handle(request).json() == echo(request).json()
        # Our own client's headers too: Service-CRN from the instance, a bearer token.
        client = RuntimeClient(transport, instance=CRN, extra_headers={"Authorization": JWT})
        client._send("create_session", body=SessionCreateRequest(backend="b", instance=CRN))

    text = path.read_text()
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"secrets in the cassette: {leaked}"
    assert "IBMid-PII" not in text
    # What stays: the shapes. Headers are present with placeholders, CRNs stay valid CRNs.
    assert f"Bearer {PLACEHOLDER}" in text and f"apikey {PLACEHOLDER}" in text
    assert "crn:v1:bluemix:public:quantum-computing:us-east:a/" + "0" * 32 in text
    assert "token_type: Bearer" in text or '"token_type": "Bearer"' in text


def test_scrubbed_recordings_still_match_requests_with_other_secrets(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with CassetteTransport(path, "once", inner=Secretive()) as transport:
        transport.handle(get(f"/backends?apikey={API_KEY}&instance={CRN}"))
    other = CRN.replace(ACCOUNT, "f" * 32)
    replay = CassetteTransport(path)
    answer = replay.handle(get(f"/backends?instance={other}&apikey={ANOTHER_KEY}"))
    assert answer.json()["nested"][0]["auth"]["apikey"] == PLACEHOLDER


def test_resaving_reapplies_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    # An old cassette written with scrubbing switched off.
    with CassetteTransport(path, "once", inner=Secretive(), scrub_rules=()) as transport:
        transport.handle(planted_requests()[1])
    assert JWT in path.read_text() and ACCOUNT in path.read_text()

    # Adding one new interaction re-saves the whole file: the old one is scrubbed too.
    with CassetteTransport(path, "new_episodes", inner=Secretive()) as transport:
        transport.handle(get("/sessions/new"))

    text = path.read_text()
    assert not [secret for secret in SECRETS if secret in text]
    data = read_cassette(path)
    assert data is not None and len(data.interactions) == 2


def test_rules_extend(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    rules = [*DEFAULT_SCRUB_RULES, ScrubRule.keys("my_field"), ScrubRule.regex(r"sk-[a-z0-9]{8,}")]
    inner = MockTransport(
        lambda r: HttpResponse.from_json(200, {"my_field": "mine", "text": "key sk-abcdef123456"})
    )
    with CassetteTransport(path, "once", inner=inner, scrub_rules=rules) as transport:
        transport.handle(post("/jobs", {"my-field": "in the request"}))
    text = path.read_text()
    assert "mine" not in text and "in the request" not in text and "sk-abcdef123456" not in text


def test_findings_name_the_place_never_the_value() -> None:
    findings = Scrubber(DEFAULT_SCRUB_RULES).findings(*_first_interaction())
    shown = "\n".join(str(f) for f in findings)
    assert "request header Authorization: credential headers" in shown
    assert not [secret for secret in SECRETS if secret in shown]


def _first_interaction() -> tuple[HttpRequest, HttpResponse]:
    request = planted_requests()[1]
    return request, echo(request)


def test_scrubbing_is_idempotent_on_planted_secrets() -> None:
    scrubber = Scrubber(DEFAULT_SCRUB_RULES)
    for request in planted_requests():
        once = scrubber.request(request)
        assert scrubber.request(once) == once
        assert scrubber.findings(once) == []


# --- property: random JSON with planted secrets ---

SECRET_KEYS = ["apikey", "api_key", "API-Key", "access_token", "refreshToken", "password", "token"]
secret_values = st.from_regex(r"S3CR3T[A-Za-z0-9]{12}", fullmatch=True)
plain_text = st.text(st.characters(codec="utf-8", exclude_characters="S"), max_size=12)
json_leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | plain_text
#: Every key some default rule scrubs, normalised as the scrubber compares them.
_SCRUBBED_KEYS = {
    name.replace("_", "").replace("-", "").lower()
    for rule in DEFAULT_SCRUB_RULES
    for name in rule.key_names
}
plain_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda k: k.replace("_", "") not in _SCRUBBED_KEYS
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[Any, list[str]]:
    """A random JSON document and the secrets planted in it (under keys, inside strings)."""
    planted: list[str] = []

    def plant(depth: int) -> Any:
        choice = draw(st.integers(0, 4 if depth < 3 else 1))
        if choice == 0:
            return draw(json_leaves)
        if choice == 1:
            secret = draw(secret_values)
            planted.append(secret)
            # a JWT or a bearer token inside free text
            return draw(st.sampled_from([f"Bearer {secret}", f"eyJ{secret}.eyJ{secret}.{secret}"]))
        if choice == 2:
            return [plant(depth + 1) for _ in range(draw(st.integers(0, 3)))]
        out: dict[str, Any] = {}
        for _ in range(draw(st.integers(0, 3))):
            out[draw(plain_keys)] = plant(depth + 1)
        if draw(st.booleans()):
            secret = draw(secret_values)
            planted.append(secret)
            out[draw(st.sampled_from(SECRET_KEYS))] = secret
        return out

    return plant(0), planted


@settings(max_examples=300, deadline=None)
@given(documents())
def test_planted_secrets_never_survive_scrubbing(case: tuple[Any, list[str]]) -> None:
    document, planted = case
    scrubber = Scrubber(DEFAULT_SCRUB_RULES)
    body = json.dumps(document).encode()
    scrubbed = scrubber.body(body, "request")
    text = scrubbed.decode()
    assert not [secret for secret in planted if secret in text]
    assert scrubber.body(scrubbed, "request") == scrubbed  # idempotent
    assert json.loads(text) is not None or document is None  # still JSON
    if not planted:
        assert scrubbed == body  # nothing secret: the exact bytes stay


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([*SECRET_KEYS, "a", "b", "grant_type"]), secret_values),
        unique_by=lambda pair: pair[1],
    )
)
def test_planted_form_fields_and_query_parameters_never_survive(
    pairs: list[tuple[str, str]],
) -> None:
    scrubber = Scrubber(DEFAULT_SCRUB_RULES)
    query = "&".join(f"{k}={v}" for k, v in pairs)
    secret = [v for k, v in pairs if re.sub("[-_]", "", k.lower()) not in {"a", "b", "granttype"}]
    url = scrubber.url(f"https://host/api/v1/jobs?{query}")
    form = scrubber.body(query.encode(), "request", form=True).decode()
    assert not [s for s in secret if s in url or s in form]
