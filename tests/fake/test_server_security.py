"""A served fake cannot be steered from a web page (issue 9 point 5), and bad arguments to the
fake and to ``serve()`` are refused where they enter, leaving nothing changed (issue 9 point 9).

The attacks are sent as a browser would send them: a cross-site "simple request" (``text/plain``
POST with a foreign ``Origin``), DNS rebinding (a foreign ``Host`` naming the attacker's domain),
a cross-site navigation (``Sec-Fetch-Site: cross-site``, no ``Origin``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.guard import CONTROL_HEADER, RequestGuard
from qiskit_runtime_double.fake.http.platform import APIKEY_GRANT
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

from ..helpers import cli_serve

BACKEND = "ibmq_qasm_simulator"
TIMEOUT = 30
#: A permanent 503 on every runtime route: what the issue's one cross-site POST managed to set.
OUTAGE = {"route": "*", "status": 503, "times": None}
EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def fake() -> FakeRuntime:
    return FakeRuntime([BACKEND], seed=3)


@pytest.fixture(scope="module")
def server(fake: FakeRuntime) -> Iterator[FakeServer]:
    with fake.serve() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(fake: FakeRuntime) -> None:
    fake.clear_faults()


def post(server: FakeServer, path: str, headers: dict[str, str], data: Any = None) -> Any:
    return requests.post(server.url + path, headers=headers, data=data, timeout=TIMEOUT)


def token_form(key: str = "any-key") -> dict[str, str]:
    return {"grant_type": APIKEY_GRANT, "apikey": key}


def refusal(response: Any, status: int) -> str:
    """The message of a guard's refusal (IBM Cloud's error shape), checked for leaks."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    message: str = body["errors"][0]["message"]
    return message


def runtime_is_healthy(server: FakeServer) -> bool:
    auth = {"Authorization": "apikey any-key"}
    response = requests.get(server.runtime_url + "/backends", headers=auth, timeout=TIMEOUT)
    return bool(response.status_code == 200)


# --- the attack: a cross-site simple request to the control API --------------------------


def test_a_cross_site_text_plain_post_cannot_set_an_outage(server: FakeServer) -> None:
    # What a page on evil.example sends with fetch(url, {method: "POST", mode: "no-cors",
    # body: JSON.stringify(OUTAGE)}): text/plain, its own Origin, no custom header.
    attack = {"Content-Type": "text/plain;charset=UTF-8", "Origin": EVIL}

    response = post(server, "/_double/faults/http", attack, json.dumps(OUTAGE))

    assert "evil.example" in refusal(response, 403)
    assert runtime_is_healthy(server)


def test_control_bodies_must_be_declared_json_even_with_the_token(server: FakeServer) -> None:
    headers = {CONTROL_HEADER: server.control_token}

    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        answer = post(server, "/_double/faults/http", {**headers, "Content-Type": content_type})
        assert "application/json" in refusal(answer, 415)
    untyped = post(server, "/_double/faults/http", headers, json.dumps(OUTAGE).encode())
    assert "application/json" in refusal(untyped, 415)
    assert runtime_is_healthy(server)

    typed = {**headers, "Content-Type": "application/json; charset=utf-8"}
    assert post(server, "/_double/faults/http", typed, json.dumps(OUTAGE)).status_code == 200
    assert not runtime_is_healthy(server)


def test_the_control_api_needs_the_servers_control_token(server: FakeServer) -> None:
    json_only = {"Content-Type": "application/json"}
    missing = refusal(post(server, "/_double/usage", json_only, '{"reached": true}'), 401)
    assert CONTROL_HEADER in missing and "control_token" in missing
    wrong = {**json_only, CONTROL_HEADER: "guessed-" + "x" * 30}
    said = refusal(post(server, "/_double/usage", wrong, '{"reached": true}'), 403)
    assert "guessed-" not in said
    assert requests.get(server.url + "/_double/clock", timeout=TIMEOUT).status_code == 401

    with_helper = requests.get(
        server.url + "/_double/clock", headers=server.control_headers, timeout=TIMEOUT
    )
    assert with_helper.status_code == 200
    reset = post(server, "/_double/reset", server.control_headers)  # no body
    assert reset.status_code == 200


def test_the_control_token_is_long_random_per_server_and_never_shown(
    fake: FakeRuntime, server: FakeServer
) -> None:
    other = FakeServer(fake)
    assert len(server.control_token) >= 32 and other.control_token != server.control_token
    post(server, "/_double/reset", server.control_headers)
    assert server.control_token not in repr(server) + repr(server.requests)


def test_a_chosen_control_token_is_used_and_a_weak_one_is_refused(fake: FakeRuntime) -> None:
    chosen = "t" * 16
    assert FakeServer(fake, control_token=chosen).control_token == chosen
    with fake.serve(control_token=chosen) as served:
        assert served.control_token == chosen
    for weak in ("", "short", "has spaces in the middle", "x" * 15):
        with pytest.raises(ValueError, match="control_token"):
            FakeServer(fake, control_token=weak)
    with pytest.raises(TypeError, match="control_token"):
        FakeServer(fake, control_token=12345678901234567890)  # type: ignore[arg-type]


def test_in_process_the_control_api_needs_no_token() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    request = HttpRequest("POST", "http://in-process.invalid/_double/reset", Headers(), b"")
    assert fake.app(request).status_code == 200


# --- DNS rebinding: a foreign Host -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("POST", "/identity/token", token_form()),
        ("GET", "/api/v1/backends", None),
        ("GET", "/_double/clock", None),
        ("POST", "/v3/resources/search", None),
    ],
    ids=["iam", "runtime", "control", "search"],
)
def test_a_foreign_host_is_refused_on_every_route(
    server: FakeServer, method: str, path: str, data: Any
) -> None:
    headers = {"Host": f"rebind.evil.example:{server.port}", **server.control_headers}
    headers["Authorization"] = "apikey any-key"
    if data is not None:
        headers.pop("Content-Type")

    response = requests.request(
        method, server.url + path, headers=headers, data=data, timeout=TIMEOUT
    )

    message = refusal(response, 400)
    assert f"127.0.0.1:{server.port}" in message and "rebind.evil.example" in message
    assert "access_token" not in response.text


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_the_bound_address_and_localhost_are_accepted(server: FakeServer, host: str) -> None:
    headers = {"Host": host.format(port=server.port)}
    response = post(server, "/identity/token", headers, token_form())
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("host", ["127.0.0.1:1", "127.0.0.1", "[::1]:{port}", "127.0.0.2:{port}"])
def test_another_port_or_address_is_refused(server: FakeServer, host: str) -> None:
    headers = {"Host": host.format(port=server.port)}
    refusal(post(server, "/identity/token", headers, token_form()), 400)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_a_server_on_ipv6_loopback_accepts_its_own_address() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    with fake.serve(host="::1") as server:
        assert post(server, "/identity/token", {}, token_form()).status_code == 200
        foreign = {"Host": f"127.0.0.1:{server.port}"}
        assert f"[::1]:{server.port}" in refusal(
            post(server, "/identity/token", foreign, token_form()), 400
        )


# --- Origin and Sec-Fetch-Site: requests made by web pages -----------------------------------


@pytest.mark.parametrize(
    "origin", [EVIL, "null", "http://localhost:3000", "https://127.0.0.1:{port}"]
)
def test_a_foreign_origin_is_refused_on_the_runtime_api_and_iam(
    fake: FakeRuntime, server: FakeServer, origin: str
) -> None:
    origin = origin.format(port=server.port)
    bearer = {"Authorization": "apikey any-key", "Origin": origin}
    jobs_before = len(fake.state.jobs)

    job = post(server, "/api/v1/jobs", {**bearer, "Content-Type": "application/json"}, "{}")
    refusal(job, 403)
    iam = post(server, "/identity/token", {"Origin": origin}, token_form())
    refusal(iam, 403)
    assert "access_token" not in iam.text
    assert len(fake.state.jobs) == jobs_before


def test_the_servers_own_origin_is_accepted(server: FakeServer) -> None:
    response = post(server, "/identity/token", {"Origin": server.url}, token_form())
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("site", "status"), [("cross-site", 403), ("same-site", 403)])
def test_cross_site_navigations_are_refused(server: FakeServer, site: str, status: int) -> None:
    # <img src="http://127.0.0.1:PORT/api/v1/jobs/..."> sends no Origin, but modern browsers say
    # where it comes from; a GET that polls a job moves the fake's clock.
    headers = {"Sec-Fetch-Site": site, "Authorization": "apikey any-key"}
    response = requests.get(server.runtime_url + "/backends", headers=headers, timeout=TIMEOUT)
    assert "Sec-Fetch-Site" in refusal(response, status)


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_typed_urls_and_same_origin_fetches_are_accepted(server: FakeServer, site: str) -> None:
    headers = {"Sec-Fetch-Site": site, "Authorization": "apikey any-key"}
    response = requests.get(server.runtime_url + "/backends", headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200


# --- the guard's policy, in process ------------------------------------------------------------


def echo(request: HttpRequest) -> HttpResponse:
    return HttpResponse.from_json(200, {"path": request.path})


def ask(guard: RequestGuard, path: str, **headers: str) -> HttpResponse:
    host = headers.pop("host", None)
    merged = {k.replace("_", "-"): v for k, v in headers.items()}
    if host is not None:
        merged["Host"] = host
    return guard(HttpRequest("GET", "http://guarded.invalid" + path, Headers(merged), b""))


TOKEN = "c" * 32


def test_a_remote_server_accepts_any_host_but_still_guards_origin_and_control() -> None:
    guard = RequestGuard.for_address(
        echo, host="0.0.0.0", address="0.0.0.0", port=8080, control_token=TOKEN
    )

    assert ask(guard, "/api/v1/backends", host="fake:8080").status_code == 200
    assert ask(guard, "/api/v1/backends", host="10.0.0.5:8080").status_code == 200
    same = ask(guard, "/api/v1/backends", host="fake:8080", Origin="http://fake:8080")
    assert same.status_code == 200
    assert ask(guard, "/api/v1/backends", host="fake:8080", Origin=EVIL).status_code == 403
    assert ask(guard, "/_double/clock", host="fake:8080").status_code == 401
    controlled = ask(guard, "/_double/clock", host="fake:8080", **{CONTROL_HEADER: TOKEN})
    assert controlled.status_code == 200


def test_no_host_header_is_not_a_browser_and_passes() -> None:
    guard = RequestGuard.for_address(
        echo, host="127.0.0.1", address="127.0.0.1", port=8080, control_token=TOKEN
    )
    assert ask(guard, "/api/v1/backends").status_code == 200
    assert ask(guard, "/api/v1/backends", Origin="http://127.0.0.1:8080").status_code == 403


ALLOWED = {"127.0.0.1:8080", "localhost:8080"}


@settings(max_examples=300, deadline=None)
@given(
    host=st.one_of(
        st.text(max_size=40),
        st.sampled_from(sorted(ALLOWED)).map(lambda h: h.upper()),
        st.sampled_from(sorted(ALLOWED)).flatmap(
            lambda h: st.sampled_from([h + ".", " " + h, h + "/", h + ",evil:1", "x" + h, h + "0"])
        ),
    )
)
def test_fuzz_only_the_exact_bound_spellings_pass(host: str) -> None:
    guard = RequestGuard.for_address(
        echo, host="127.0.0.1", address="127.0.0.1", port=8080, control_token=TOKEN
    )
    status = ask(guard, "/api/v1/backends", host=host).status_code
    assert status == (200 if host.lower() in ALLOWED else 400)


# --- arguments checked where they enter; a failed serve() changes nothing ------------------------


@pytest.mark.parametrize(
    ("keys", "error", "says"),
    [
        ("abc", TypeError, "not a single string"),
        (b"abc", TypeError, "not a single string"),
        (42, TypeError, "list of API keys"),
        ([], ValueError, "accept no key"),
        (["ok", ""], ValueError, r"api_keys\[1\] is empty"),
        (["ok", 7], TypeError, r"api_keys\[1\] is int"),
    ],
    ids=["str", "bytes", "int", "empty", "empty-key", "non-string-key"],
)
def test_api_keys_must_be_a_collection_of_non_empty_strings(
    keys: Any, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match="api_keys") as raised:
        FakeRuntime([BACKEND], seed=1, api_keys=keys)
    assert raised.match(says)


def test_api_keys_given_as_a_list_are_the_accepted_keys() -> None:
    fake = FakeRuntime([BACKEND], seed=1, api_keys=["abc"])
    assert fake.platform.accepts_key("abc") and not fake.platform.accepts_key("a")


def _serving_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("qiskit-runtime-double:")}


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"speed": -1.0}, ValueError, "speed"),
        ({"speed": float("inf")}, ValueError, "speed"),
        ({"speed": "fast"}, TypeError, "speed"),
        ({"port": "8080"}, TypeError, "port"),
        ({"port": 70000}, ValueError, "port"),
        ({"host": 127}, TypeError, "host"),
        ({"pace": "warp"}, ValueError, "pace"),
        ({"require_auth": "yes"}, TypeError, "require_auth"),
        ({"allow_remote": 1}, TypeError, "allow_remote"),
    ],
)
def test_a_bad_serve_argument_is_refused_and_changes_nothing(
    kwargs: dict[str, Any], error: type[Exception], says: str
) -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    threads = _serving_threads()

    with pytest.raises(error, match=says):
        fake.serve(**kwargs)

    assert (fake.platform.require_auth, fake.pacer.pace, fake.pacer.speed) == (False, "off", 1.0)
    assert _serving_threads() == threads


def test_a_pace_the_clock_cannot_follow_is_refused_before_anything_changes() -> None:
    from qiskit_runtime_double.clock import SystemClock

    fake = FakeRuntime([BACKEND], seed=1, clock=SystemClock())
    threads = _serving_threads()

    with pytest.raises(ValueError, match="ticking clock"):
        fake.serve(pace="real", speed=0.5)

    assert (fake.platform.require_auth, fake.pacer.pace) == (False, "off")
    assert _serving_threads() == threads


def test_a_busy_port_changes_nothing_and_leaves_no_server() -> None:
    fake = FakeRuntime([BACKEND], seed=1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        threads = _serving_threads()

        with pytest.raises(OSError, match="Pick another port"):
            fake.serve(port=port)

        assert (fake.platform.require_auth, fake.pacer.pace) == (False, "off")
        assert _serving_threads() == threads


# --- the command line ----------------------------------------------------------------------------


def test_cli_serve_takes_its_control_token_from_the_environment_and_does_not_print_it() -> None:
    chosen = "cli-control-" + "z" * 20
    env = {**os.environ, "QISKIT_RUNTIME_DOUBLE_CONTROL_TOKEN": chosen}
    with cli_serve("--backends", BACKEND, env=env) as run:
        text = run.banner
        url = text.split(" on ", 1)[1].split()[0]
        assert chosen not in text and "QISKIT_RUNTIME_DOUBLE_CONTROL_TOKEN" in text
        clock = requests.get(url + "/_double/clock", headers={CONTROL_HEADER: chosen}, timeout=30)
        assert clock.status_code == 200
    assert run.returncode == 0


def test_cli_serve_refuses_a_bad_argument_with_a_message_not_a_traceback() -> None:
    command = [sys.executable, "-m", "qiskit_runtime_double.cli", "serve", "--port", "0"]
    command += ["--backends", BACKEND, "--api-key", ""]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2
    assert "--api-key" in done.stderr and "Traceback" not in done.stderr
