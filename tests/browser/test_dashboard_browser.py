"""The served fake's page in a real browser: Debian's Chromium, headless, driven by Selenium.

``scripts/setup-browser`` installs Chromium and ChromeDriver (``scripts/test`` runs it). Without
them these tests skip, except on CI (``CI`` set), where they fail: a CI run must drive a browser.

The screenshot is saved to ``.artifacts/dashboard.png`` (``QRD_ARTIFACTS`` chooses the folder);
with ``QRD_UPDATE_DOCS_IMAGES=1`` also to ``docs/img/dashboard.png``, the picture of
docs/server-mode.md.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2, Session
from qiskit_runtime_double.fake.http.server import FakeServer
from tests.helpers import bell, isa

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("QRD_ARTIFACTS") or ROOT / ".artifacts")
WIDTH, HEIGHT = 1200, 1000
#: Seconds a condition may take to show: a guard against a hang, not a speed limit (the page
#: polls every second, and a loaded machine can hold a browser up for many of them). A wait
#: ends as soon as its condition holds.
WAIT = 120

#: The timeline's colours (fake/core/timeline.py): other users' jobs, sessions' palette, the cross.
OTHER_USERS = (0xBA, 0xB0, 0xAC)
PALETTE = [
    (0x4E, 0x79, 0xA7),
    (0xF2, 0x8E, 0x2B),
    (0x59, 0xA1, 0x4F),
    (0xE1, 0x57, 0x59),
    (0x76, 0xB7, 0xB2),
    (0xED, 0xC9, 0x48),
    (0xB0, 0x7A, 0xA1),
    (0x9C, 0x75, 0x5F),
]


def _browser_tools() -> tuple[Any, Any]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        message = (
            f"{' and '.join(missing)} not installed: run scripts/setup-browser (as root), or "
            "apt-get install chromium chromium-driver fonts-liberation"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {message}")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    return webdriver, Service


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver, service = _browser_tools()
    profile = tempfile.mkdtemp(prefix="qrd-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to read the console
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=service(str(CHROMEDRIVER)))
    try:
        # The viewport exactly WIDTH x HEIGHT CSS pixels at scale 1: the screenshot's size.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )
        driver.set_script_timeout(WAIT)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _scenario() -> FakeRuntime:
    """Two backends: a session's jobs (one failed) among other users' jobs, and a queue."""
    fake = FakeRuntime(backends=["generic_5q", "generic_27q"], seed=4)
    service = QiskitRuntimeService(fake=fake)
    circuit = isa(service, bell(), "generic_5q")
    fake.add_background_jobs("generic_5q", 3, duration=20)
    with Session(service=service, backend="generic_5q") as session:
        sampler = SamplerV2(mode=session)
        sampler.run([circuit]).result()
        fake.fail_job()
        sampler.run([circuit]).wait_for_final_state()
        sampler.run([circuit]).result()
    fake.add_background_jobs("generic_27q", 2, duration=30)
    fake.set_next_job_duration(100)
    SamplerV2(mode=service.backend("generic_27q")).run([isa(service, bell(), "generic_27q")])
    fake.clock.shift(10)
    return fake


@pytest.fixture
def served() -> Iterator[FakeServer]:
    fake = _scenario()  # each test its own: 0.3 s once Aer is warm
    with fake.serve(pace="manual") as server:
        yield server


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(None, WAIT, poll_frequency=0.1).until(
        lambda _: condition(), message=f"waited {WAIT} s for {what}"
    )


def console_errors(browser: Any) -> list[str]:
    """The console's errors since the last call: script errors, CSP violations, failed loads."""
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def open_page(browser: Any, url: str) -> None:
    browser.get("about:blank")
    console_errors(browser)
    browser.get(url)
    wait_for(lambda: page_state(browser) == "live", "the page to go live")


def page_state(browser: Any) -> str:
    return str(browser.execute_script("return document.body.dataset.state"))


def texts(browser: Any, selector: str) -> list[str]:
    return list(
        browser.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", selector
        )
    )


def click(browser: Any, selector: str) -> None:
    browser.execute_script("document.querySelector(arguments[0]).click()", selector)


def test_the_page_shows_sessions_jobs_queues_and_timeline_live(
    browser: Any, served: FakeServer
) -> None:
    fake = served.fake
    open_page(browser, served.dashboard_url)
    # The token left the address bar (it is kept for this tab only) and was never in the HTML.
    assert browser.current_url == served.url + "/"
    assert served.control_token not in browser.page_source
    backends = texts(browser, "#backends tr[data-backend] td:first-child")
    assert backends == ["generic_5q", "generic_27q"]
    state = fake.state
    lane = state.scheduler.lanes["generic_27q"]
    assert lane.running is not None
    queued_27q = texts(browser, 'tr[data-backend="generic_27q"] td')
    assert queued_27q[2] == lane.running.id
    assert queued_27q[4].startswith("2: ") and all(
        job.id in queued_27q[4] for job in lane.queue if job.status == "Queued"
    )
    (session_id,) = state.scheduler.sessions
    assert texts(browser, f'tr[data-session="{session_id}"] td')[3] == "closed"
    jobs = texts(browser, "#jobs tr[data-job] td:nth-child(2)")
    assert sorted(jobs) == sorted(job.status for job in state.jobs.values())
    assert "Failed" in jobs
    timeline = browser.execute_script(
        "const i = document.getElementById('timeline'); return [i.complete, i.naturalWidth]"
    )
    assert timeline == [True, 930]
    # Live: what happens in the fake shows up without a reload.
    fake.add_background_jobs("generic_5q", 2, duration=5)
    wait_for(lambda: texts(browser, "#job-count") == [str(len(state.jobs))], "the new jobs")
    assert len(texts(browser, "#jobs tr[data-job]")) == len(state.jobs)
    assert console_errors(browser) == []  # no script error, nothing the page's policy blocked


def test_control_actions_on_the_page_steer_the_fake(browser: Any, served: FakeServer) -> None:
    fake = served.fake
    open_page(browser, served.dashboard_url)
    before = fake.now()
    browser.execute_script("document.getElementById('clock-seconds').value = '90'")
    click(browser, "#clock-form button")
    wait_for(lambda: (fake.now() - before).total_seconds() == 90, "the clock to move 90 s")

    click(browser, 'tr[data-backend="generic_5q"] button[data-action="offline"]')
    wait_for(lambda: not fake.state.status_of("generic_5q")[0], "generic_5q to go offline")
    wait_for(lambda: "(offline)" in texts(browser, 'tr[data-backend="generic_5q"] td')[1], "it")
    click(browser, 'tr[data-backend="generic_5q"] button[data-action="online"]')
    wait_for(lambda: fake.state.status_of("generic_5q")[0], "generic_5q to come back")

    browser.execute_script(
        "document.getElementById('fault-route').value = 'create_job';"
        "document.getElementById('fault-status').value = '502';"
        "document.getElementById('fault-times').value = '2';"
    )
    click(browser, "#fault-form button")
    wait_for(lambda: fake.faults.pending(), "the fault")
    (fault,) = fake.faults.pending()
    assert (fault.route, fault.status, fault.remaining) == ("create_job", 502, 2)
    wait_for(lambda: any("502 on create_job" in t for t in texts(browser, "#faults td")), "it")
    click(browser, "#clear-form button")
    wait_for(lambda: not fake.faults.pending(), "the faults to clear")

    click(browser, "#fail-form button")
    wait_for(lambda: len(fake.state.next_job_faults) == 1, "the next job to be set to fail")
    fake.state.next_job_faults.clear()
    assert console_errors(browser) == []
    # A refusal is shown, not swallowed: the fake refuses a move past the end of its calendar.
    browser.execute_script("document.getElementById('clock-seconds').value = '1e12'")
    click(browser, "#clock-form button")
    wait_for(lambda: "less than or equal to" in texts(browser, "#message")[0], "the refusal")
    assert browser.execute_script("return document.getElementById('message').className") == "error"


def test_without_the_token_the_page_asks_for_it_and_refuses_a_wrong_one(
    browser: Any, served: FakeServer
) -> None:
    browser.get(served.url + "/")
    browser.execute_script("sessionStorage.clear(); location.reload()")
    wait_for(lambda: page_state(browser) == "no-token", "the page to ask for the token")
    assert "control token" in texts(browser, "#message")[0]
    browser.execute_script("document.getElementById('token').value = 'not-the-token-at-all'")
    click(browser, "#token-form button")
    wait_for(lambda: page_state(browser) == "refused", "the wrong token to be refused")
    assert "does not match" in texts(browser, "#message")[0]
    browser.execute_script(
        "document.getElementById('token').value = arguments[0]", served.control_token
    )
    click(browser, "#token-form button")
    wait_for(lambda: page_state(browser) == "live", "the right token to be accepted")


class _Foreign(BaseHTTPRequestHandler):
    """Another web page on this machine (another port: another origin, the same site)."""

    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><title>foreign</title><p>another page"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_another_page_in_the_browser_can_neither_read_nor_steer_the_fake(
    browser: Any, served: FakeServer
) -> None:
    foreign = ThreadingHTTPServer(("127.0.0.1", 0), _Foreign)
    thread = threading.Thread(target=foreign.serve_forever, daemon=True)
    thread.start()
    try:
        browser.get(f"http://127.0.0.1:{foreign.server_address[1]}/")
        served.clear_log()
        before = served.fake.now()
        # Even a page that knows the token: the header forces a preflight, which is refused.
        outcome = browser.execute_async_script(
            """
            const [base, token, done] = arguments;
            const results = [];
            const attempt = async (name, run) => {
              try { const r = await run(); results.push(name + ":" + r.type + ":" + r.status); }
              catch (error) { results.push(name + ":blocked"); }
            };
            await attempt("read", () => fetch(base + "/_double/state",
              {headers: {"X-Runtime-Double-Control": token}}));
            await attempt("move", () => fetch(base + "/_double/clock", {method: "POST",
              headers: {"X-Runtime-Double-Control": token, "Content-Type": "application/json"},
              body: JSON.stringify({seconds: 3600})}));
            await attempt("simple", () => fetch(base + "/_double/clock", {method: "POST",
              mode: "no-cors", body: '{"seconds": 3600}'}));
            await attempt("page", () => fetch(base + "/", {mode: "no-cors"}));
            done(results);
            """,
            served.url,
            served.control_token,
        )
    finally:
        foreign.shutdown()
        foreign.server_close()
    assert outcome == ["read:blocked", "move:blocked", "simple:opaque:0", "page:opaque:0"]
    assert served.fake.now() == before
    refused = {(entry.method, entry.path, entry.status) for entry in served.requests}
    assert ("POST", "/_double/clock", 403) in refused and ("GET", "/", 403) in refused
    assert not any(entry.status == 200 for entry in served.requests)


def test_screenshot_shows_the_tables_and_a_drawn_timeline(browser: Any, served: FakeServer) -> None:
    from PIL import Image

    served.fake.set_backend_status("generic_27q", operational=False, status="maintenance")
    served.fake.inject_http_error("create_job", 503, times=3)
    open_page(browser, served.dashboard_url)
    png = browser.get_screenshot_as_png()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dashboard.png").write_bytes(png)
    if os.environ.get("QRD_UPDATE_DOCS_IMAGES") == "1":
        (ROOT / "docs" / "img" / "dashboard.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    box = browser.execute_script(
        "const r = document.getElementById('timeline').getBoundingClientRect();"
        "return [r.left, r.top, r.right, r.bottom]"
    )
    left, top, right, bottom = (round(v) for v in box)
    assert 0 <= left < right <= WIDTH and 0 <= top < bottom <= HEIGHT, "timeline not in view"
    timeline = image.crop((left, top, right, bottom))
    colours = timeline.getcolors(maxcolors=1 << 16) or []
    counts = {colour: count for count, colour in colours}
    drawn = sum(count for colour, count in counts.items() if colour != (255, 255, 255))
    assert drawn > 0.03 * timeline.width * timeline.height, "the timeline is (nearly) blank"
    # Bars are solid 12-pixel-high rectangles: their colours appear exactly, in quantity.
    assert counts.get(OTHER_USERS, 0) > 500, "no bar of other users' jobs"
    assert any(counts.get(colour, 0) > 200 for colour in PALETTE), "no bar of the session's jobs"
    reds = sum(n for (r, g, b), n in counts.items() if r > 150 and g < 60 and b < 60)
    assert reds > 10, "no cross for the failed job"
    # Outside the timeline: the header bar's dark colour across the top.
    assert image.getpixel((WIDTH // 2, 5)) == (0x26, 0x32, 0x38)
    assert console_errors(browser) == []
