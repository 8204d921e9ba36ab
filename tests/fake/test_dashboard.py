"""The served fake's page (fake/http/dashboard.py): its JSON, the document served at ``/``, and the
guard in front of both. The page in a real browser is tests/browser/test_dashboard_browser.py."""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2, Session
from qiskit_runtime_double.cli import _page_lines
from qiskit_runtime_double.fake.http.dashboard import MAX_LISTED_JOBS, MAX_LISTED_QUEUE
from qiskit_runtime_double.fake.http.guard import CONTROL_HEADER
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.wire.http import Headers, HttpRequest
from qiskit_runtime_double.wire.routes import ROUTES
from tests.helpers import bell, isa

from ..helpers import cli_serve, hand_moved_real_time

TIMEOUT = 30
BASE = "http://runtime-double.invalid"


def control_get(fake: FakeRuntime, path: str) -> Any:
    """``GET /_double/<path>`` in process (no guard there: nothing outside reaches it)."""
    response = fake.app(HttpRequest("GET", BASE + "/_double" + path, Headers({}), b""))
    assert response.status_code == 200, response.text
    return response


@pytest.fixture
def fake() -> FakeRuntime:
    return FakeRuntime(backends=["generic_5q", "generic_27q"], seed=5)


@pytest.fixture
def server(fake: FakeRuntime) -> Iterator[FakeServer]:
    with fake.serve(pace="manual") as running:
        yield running


# --- the JSON ------------------------------------------------------------------------------------


def test_state_shows_queues_per_backend_sessions_jobs_faults_and_the_clock(
    fake: FakeRuntime,
) -> None:
    service = QiskitRuntimeService(fake=fake)
    circuit = isa(service, bell(), "generic_5q")
    with Session(service=service, backend="generic_5q") as session:
        SamplerV2(mode=session).run([circuit]).result()
    waiting = fake.add_background_jobs("generic_27q", 3, duration=30)
    fake.set_backend_status("generic_5q", operational=False, status="maintenance", message="m")
    fake.inject_http_error("create_job", 502, times=2)
    fake.inject_http_error("*", 503, times=None)

    state = control_get(fake, "/state").json()

    assert state["now"] == fake.now().isoformat()
    assert (state["clock"], state["pace"]) == ("advance", "off")
    first, second = state["backends"]
    assert first == {
        "name": "generic_5q",
        "operational": False,
        "status": "maintenance",
        "message": "m",
        "queue_length": 0,
        "queued_count": 0,
        "queued": [],
        "running": None,
        "held_by": fake.state.scheduler.lanes["generic_5q"].held_by,
        "hold_until": None
        if fake.state.scheduler.lanes["generic_5q"].hold_until is None
        else fake.state.scheduler.lanes["generic_5q"].hold_until.isoformat(),
        "calibration_id": fake.catalogue["generic_5q"].calibration_id,
        "mock_of": None,
    }
    assert second["running"] == waiting[0] and second["queued"] == waiting[1:]
    assert second["queued_count"] == second["queue_length"] == 2
    (listed,) = state["sessions"]
    assert (listed["id"], listed["state"], listed["jobs"]) == (session.session_id, "closed", 1)
    assert state["session_count"] == 1 and state["job_count"] == 4
    assert [job["id"] for job in state["jobs"]][:3] == waiting[::-1]  # the latest first
    ours = state["jobs"][-1]
    assert (ours["status"], ours["session_id"], ours["owner"]) == (
        "Completed",
        session.session_id,
        "instance",
    )
    assert set(ours) == {
        "id",
        "backend",
        "session_id",
        "owner",
        "program_id",
        "status",
        "created",
        "running_at",
        "finished_at",
        "duration",
        "reason",
        "reason_code",
    }  # no params, no results: the page polls this every second
    assert state["faults"] == [
        {"route": "create_job", "status": 502, "remaining": 2},
        {"route": "*", "status": 503, "remaining": None},
    ]
    assert state["routes"] == [route.name for route in ROUTES]


@pytest.mark.compat
def test_state_lists_offered_official_devices_only_once_something_happens_on_them() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    fake = FakeRuntime(seed=5)  # served, it offers every official device (68 in 0.51)
    with fake.serve(pace="manual"):
        listed = [b["name"] for b in control_get(fake, "/state").json()["backends"]]
        assert listed == ["generic_5q", "generic_27q", "generic_127q", "ibmq_qasm_simulator"]

        fake.set_backend_status("fake_manila", operational=False)
        listed = [b["name"] for b in control_get(fake, "/state").json()["backends"]]
        assert listed[-1] == "fake_manila" and len(listed) == 5


def test_state_lists_the_latest_jobs_and_a_bounded_queue_with_complete_counts(
    fake: FakeRuntime,
) -> None:
    count = MAX_LISTED_JOBS + 30
    ids = fake.add_background_jobs("generic_5q", count, duration=10)
    state = control_get(fake, "/state").json()
    assert state["job_count"] == count
    assert [job["id"] for job in state["jobs"]] == ids[::-1][:MAX_LISTED_JOBS]
    backend = state["backends"][0]
    assert (
        backend["queued_count"] == count - 1 and backend["queued"] == ids[1 : MAX_LISTED_QUEUE + 1]
    )


def test_reading_the_state_does_not_move_simulated_time(server: FakeServer) -> None:
    fake = server.fake
    fake.add_background_jobs("generic_5q", 2, duration=10)
    before = fake.now()
    for _ in range(3):
        requests.get(
            server.url + "/_double/state", headers=server.control_headers, timeout=TIMEOUT
        ).raise_for_status()
    assert fake.now() == before


def test_under_real_pace_the_state_follows_real_time_whoever_reads_it() -> None:
    fake = FakeRuntime(backends=["generic_5q"], seed=5)
    with fake.serve(pace="real", speed=1000) as server, hand_moved_real_time(fake) as ticks:
        (other,) = fake.add_background_jobs("generic_5q", 1, duration=200)
        first = requests.get(
            server.url + "/_double/state", headers=server.control_headers, timeout=TIMEOUT
        ).json()
        ticks.t += 0.25  # 250 simulated seconds at speed 1000: no runtime request in between
        second = requests.get(
            server.url + "/_double/state", headers=server.control_headers, timeout=TIMEOUT
        ).json()
    elapsed = _dt.datetime.fromisoformat(second["now"]) - _dt.datetime.fromisoformat(first["now"])
    # The clock follows real time; the simulation runs 1000 times as fast (the 200 s job ended).
    assert elapsed == _dt.timedelta(seconds=0.25)
    assert [job["status"] for job in first["jobs"] if job["id"] == other] == ["Running"]
    assert [job["status"] for job in second["jobs"] if job["id"] == other] == ["Completed"]


def test_the_timeline_route_answers_the_svg_of_the_jobs(fake: FakeRuntime) -> None:
    ids = fake.add_background_jobs("generic_5q", 2, duration=10)
    response = control_get(fake, "/timeline.svg")
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    drawn = {g.get("data-job") for g in ET.fromstring(response.content).iter()}
    assert set(ids) <= drawn


# --- over HTTP: the guard ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/_double/state", "/_double/timeline.svg"])
def test_the_pages_data_needs_the_control_token(server: FakeServer, path: str) -> None:
    url = server.url + path
    assert requests.get(url, timeout=TIMEOUT).status_code == 401
    wrong = {CONTROL_HEADER: "x" * 43}
    assert requests.get(url, headers=wrong, timeout=TIMEOUT).status_code == 403
    right = requests.get(url, headers={CONTROL_HEADER: server.control_token}, timeout=TIMEOUT)
    assert right.status_code == 200
    assert server.control_token not in right.text


def test_the_page_is_served_at_the_root_with_no_secret_in_it(server: FakeServer) -> None:
    response = requests.get(server.url + "/", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.text
    assert server.control_token not in page
    # One document: no external script, style, image or address of any other server.
    assert re.search(r"<script src|<link|<img src|https?://|//[a-z]", page) is None
    assert "innerHTML" not in page and "eval(" not in page  # the server's text is never HTML
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    head = requests.head(server.url + "/", timeout=TIMEOUT)
    assert head.status_code == 200 and head.content == b""


def test_the_pages_policy_allows_exactly_its_own_inline_script_and_style(
    server: FakeServer,
) -> None:
    response = requests.get(server.url + "/", timeout=TIMEOUT)
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    (script,) = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    (style,) = re.findall(r"<style>(.*?)</style>", response.text, re.S)
    assert policy["script-src"] == digest(script)
    assert policy["style-src"] == digest(style)
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'" and policy["img-src"] == "blob:"


def test_the_page_is_read_only(server: FakeServer) -> None:
    response = requests.post(server.url + "/", timeout=TIMEOUT)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    assert "/_double" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Sec-Fetch-Site": "cross-site"}, 403),  # another site framing or fetching it
        ({"Sec-Fetch-Site": "same-site"}, 403),  # another port of this machine
        ({"Origin": "http://evil.example"}, 403),
        ({"Host": "evil.example"}, 400),  # DNS rebinding
    ],
)
def test_the_page_is_guarded_like_every_route(
    server: FakeServer, headers: dict[str, str], status: int
) -> None:
    assert requests.get(server.url + "/", headers=headers, timeout=TIMEOUT).status_code == status


def test_the_pages_address_carries_the_token_in_its_fragment_only(server: FakeServer) -> None:
    assert server.dashboard_url == f"{server.url}/#token={quote(server.control_token, safe='')}"
    assert server.control_token not in repr(server) + server.describe()
    assert f"{server.url}/ " in server.describe()


def test_a_chosen_token_with_url_characters_is_quoted_in_the_pages_address() -> None:
    fake = FakeRuntime(backends=["generic_5q"], seed=5)
    with fake.serve(control_token="a&b#c%d/e+f=g-long-enough") as server:
        assert server.dashboard_url.endswith("#token=a%26b%23c%25d%2Fe%2Bf%3Dg-long-enough")


# --- the command line ----------------------------------------------------------------------------


def test_cli_prints_the_pages_address_without_the_token_when_it_came_from_the_environment() -> None:
    lines = "\n".join(_page_lines("http://h:1", "http://h:1/#token=SECRET", from_env=True))
    assert "SECRET" not in lines and "QISKIT_RUNTIME_DOUBLE_CONTROL_TOKEN" in lines
    assert "http://h:1/#token=SECRET" in "\n".join(
        _page_lines("http://h:1", "http://h:1/#token=SECRET", from_env=False)
    )


def test_cli_serve_prints_the_live_page_with_its_token_and_serves_it() -> None:
    env = {key: value for key, value in os.environ.items() if "CONTROL_TOKEN" not in key}
    with cli_serve("--backends", "generic_5q", env=env) as run:
        text = run.banner
        page = re.search(r"Live page: (\S+)", text)
        token = re.search(r"Control API token: (\S+)", text)
        assert page is not None and token is not None
        url, fragment = page.group(1).split("#", 1)
        assert fragment == "token=" + token.group(1)
        assert requests.get(url, timeout=TIMEOUT).headers["Content-Type"].startswith("text/html")
        state = requests.get(
            url + "_double/state", headers={CONTROL_HEADER: token.group(1)}, timeout=TIMEOUT
        )
        assert [backend["name"] for backend in json.loads(state.text)["backends"]] == ["generic_5q"]
    assert run.returncode == 0
