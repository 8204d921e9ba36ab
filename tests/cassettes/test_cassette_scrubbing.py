"""Secrets never reach a cassette: planted everywhere, grepped for in the file."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qiskit_runtime_double import HttpRequest, HttpResponse, MockTransport, VirtualClock
from qiskit_runtime_double.http_client.client import RuntimeClient
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
from .planted import Plant, inner_for, plantings, requests_of

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
_SCRUBBER = Scrubber(DEFAULT_SCRUB_RULES)
plain_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda k: _SCRUBBER.key_rule(k) is None
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


# --- issue 9.6: what used to be left in a recording ---

LEFT_IN = "Xk29fLq0PzA7mWc4Rv8sTy1NbE6uHg3J"
ISSUE_CASES = {
    "auth_token query value": get(f"/jobs?limit=5&auth_token={LEFT_IN}"),
    "authToken JSON key": post("/jobs", {"backend": "b", "authToken": LEFT_IN}),
    "credentials JSON key": post("/jobs", {"credentials": {"user": "me", "key": LEFT_IN}}),
    "token-only URL userinfo": HttpRequest("GET", f"http://{LEFT_IN}@quantum.invalid/api/v1/jobs"),
    "custom secret header": get("/jobs", **{"X-Gateway-Secret": LEFT_IN}),
    "custom token header": get("/jobs", **{"X-Session-Token": LEFT_IN}),
    "custom key header": get("/jobs", **{"X-Gateway-Key": LEFT_IN}),
    "custom auth header": get("/jobs", **{"X-Auth-User": LEFT_IN}),
}
ERROR_TEXTS = {
    "apikey <key>": f"The API key was rejected: apikey {LEFT_IN}",
    "apikey=": f"Send grant_type=x&apikey={LEFT_IN} again",
    "token=": f"bad request token={LEFT_IN}&limit=1",
    "Cookie:": f"request had Cookie: session={LEFT_IN}; theme=dark and failed",
    "X-Api-Key:": f"request had X-Api-Key: {LEFT_IN}, which is not valid",
    "Authorization:": f"request had Authorization: Basic {LEFT_IN} and failed",
    "JSON in a string": f'upstream said {{"authToken": "{LEFT_IN}", "ok": false}}',
    "Python dict in a string": f"headers were {{'x-my-secret': '{LEFT_IN}'}}",
    "private key block": (
        f"-----BEGIN RSA PRIVATE KEY-----\n{LEFT_IN}\n{LEFT_IN}\n-----END RSA PRIVATE KEY-----"
    ),
    "IBM Cloud API key shape": "key " + "Q3v9kLm2Xp7Rz0Tb5Nw8Yc1Hd4Gf6Js-A_eUoIaKq2x7",
}


def _error(message: str) -> HttpResponse:
    return HttpResponse.from_json(400, {"errors": [{"code": "1234", "message": message}]})


@pytest.mark.parametrize("case", sorted(ISSUE_CASES))
def test_issue_cases_are_scrubbed_and_flagged(case: str, tmp_path: Path) -> None:
    request = ISSUE_CASES[case]
    assert Scrubber(DEFAULT_SCRUB_RULES).findings(request), "the rules see it"
    path = tmp_path / "c.yaml"
    inner = MockTransport(lambda r: HttpResponse.from_json(200, {"ok": True}))
    with CassetteTransport(path, "once", inner=inner) as transport:
        transport.handle(request)
    assert LEFT_IN not in path.read_text()


@pytest.mark.parametrize("case", sorted(ERROR_TEXTS))
def test_credentials_in_error_messages_are_scrubbed(case: str, tmp_path: Path) -> None:
    message = ERROR_TEXTS[case]
    secret = LEFT_IN if LEFT_IN in message else message.split()[-1]
    path = tmp_path / "c.yaml"
    inner = MockTransport(lambda r: _error(message))
    with CassetteTransport(path, "once", inner=inner) as transport:
        transport.handle(get("/jobs"))
    text = path.read_text()
    assert secret not in text
    assert "1234" in text  # the rest of the answer stays


def test_error_text_keeps_its_words() -> None:
    scrubber = Scrubber(DEFAULT_SCRUB_RULES)
    said = scrubber.text(ERROR_TEXTS["Cookie:"], "m")
    assert said == "request had Cookie: session=<SCRUBBED>; theme=<SCRUBBED> and failed"
    said = scrubber.text(ERROR_TEXTS["X-Api-Key:"], "m")
    assert said == "request had X-Api-Key: <SCRUBBED>, which is not valid"
    said = scrubber.text(ERROR_TEXTS["apikey <key>"], "m")
    assert said == "The API key was rejected: apikey <SCRUBBED>"


@pytest.mark.parametrize(
    "text",
    [
        "Invalid token provided; get a new token",
        "Expected 'Authorization: Bearer <IAM access token>' (or 'apikey <key>')",
        "Send grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=<key>.",
        "Basic authentication is not supported",
        "ibm-python-sdk-core/iam-authenticator-3.28.0 os.name=Linux os.version=6.18.44-fc-v669",
        "Session c850ilz3ag6exlx5uolw has been closed (max_ttl reached)",
        "token_type=Bearer expires_in=3600",
    ],
)
def test_plain_words_about_credentials_stay(text: str) -> None:
    assert Scrubber(DEFAULT_SCRUB_RULES).text(text, "m") == text


def test_runtime_fields_a_replay_needs_survive() -> None:
    body = {
        "id": "d2tw69gsbnffwdfa3icw",
        "session_id": "cfwgzvnwubtws50nie3y",
        "backend": "ibm_brisbane",
        "tags": ["qrd-submit-9f2c41d07be3a5861c4d", "mine"],
        "max_ttl": 28800,
        "private": True,
        "token_type": "Bearer",
        "expires_in": 3600,
        "authenticated": True,
        "author": "me",
        "params": {"pubs": [{"__type__": "QuantumCircuit", "__value__": "eJx/token=AAAA+Zm9v"}]},
    }
    content = json.dumps(body).encode()
    assert Scrubber(DEFAULT_SCRUB_RULES).body(content, "response") == content
    headers = Headers(
        {
            "WWW-Authenticate": 'Bearer realm="runtime"',
            "Access-Control-Allow-Credentials": "true",
            "Keep-Alive": "timeout=5",
        }
    )
    assert Scrubber(DEFAULT_SCRUB_RULES).headers(headers, "response", None) == headers


def test_new_secret_names_still_match_on_replay(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    body = {"backend": "b", "authToken": LEFT_IN, "credentials": {"key": LEFT_IN}}
    with CassetteTransport(path, "once", inner=Secretive()) as transport:
        transport.handle(post(f"/jobs?auth_token={LEFT_IN}", body))
    other = {"backend": "b", "authToken": "other", "credentials": {"key": "other"}}
    replay = CassetteTransport(path)
    assert replay.handle(post("/jobs?auth_token=other", other)).status_code == 200


# --- property: secrets planted everywhere, recorded through the cassette layer ---


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(plantings())
def test_no_labelled_secret_reaches_the_file(planted: list[Plant]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        with CassetteTransport(path, "once", inner=inner_for(planted)) as transport:
            for request in requests_of(planted):
                transport.handle(request)
        text = path.read_text()
        data = read_cassette(path)
    leaked = [(i, p.place) for i, p in enumerate(planted) if p.labelled and p.secret in text]
    assert not leaked
    assert data is not None and len(data.interactions) == len(planted)
    scrubber = Scrubber(DEFAULT_SCRUB_RULES)
    for item in data.interactions:  # idempotent: nothing left for the rules
        assert scrubber.findings(item.request, item.response) == []
