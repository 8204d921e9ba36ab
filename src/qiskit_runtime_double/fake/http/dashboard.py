"""The served fake's page: sessions, jobs, queues per backend and the timeline, live, at ``/``.

Three pieces:

- ``state_snapshot(simulation, pacer, faults)``: what the page shows, as JSON, answered by
  ``GET /_double/state``; ``GET /_double/timeline.svg`` answers the timeline
  (``core/timeline.py``). Both are control API routes, so over HTTP they need the control token
  like every other ``/_double`` request.
- ``dashboard.html`` (beside this module): one HTML document with its CSS and JavaScript inline,
  no external asset. It polls the two routes every second and steers the fake through the control
  API (move the clock, inject a fault, take a backend offline).
- ``with_page(app)``: answers ``GET /`` with that document, and everything else with ``app``.
  ``FakeServer`` serves it behind its ``RequestGuard``, so a foreign page can neither frame it
  nor read it, nor rebind a domain to it.

The token never appears in the document: ``serve`` prints the page's address with the token in
the URL *fragment* (``http://127.0.0.1:8080/#token=...``), which browsers do not send to the
server. The page's script moves it to the tab's ``sessionStorage``, removes it from the address
bar, and sends it as the ``X-Runtime-Double-Control`` header. Opened without it, the page asks
for it. The document's Content-Security-Policy allows only its own inline script and style (by
hash), requests to its own origin, and images from ``blob:`` (the timeline).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.routes import ROUTES
from ...wire.vocabulary import ErrorCode
from .app import error_response

if TYPE_CHECKING:
    import datetime as _dt

    from ...wire.http import App
    from ..core.records import JobRecord, SessionRecord
    from ..core.simulation import Simulation
    from .faults import HttpFaults
    from .pacing import Pacer

__all__ = [
    "MAX_LISTED_JOBS",
    "MAX_LISTED_QUEUE",
    "MAX_LISTED_SESSIONS",
    "PAGE_PATH",
    "dashboard_url",
    "page_response",
    "state_snapshot",
    "timeline_response",
    "with_page",
]

#: Where the page is served.
PAGE_PATH = "/"
#: The snapshot lists the latest jobs and sessions only (a page polls it every second).
MAX_LISTED_JOBS = 100
MAX_LISTED_SESSIONS = 50
#: Queued job ids listed per backend (the count is always complete).
MAX_LISTED_QUEUE = 20


def dashboard_url(base_url: str, token: str) -> str:
    """The page's address with ``token`` in the fragment, where only the browser reads it."""
    return f"{base_url}{PAGE_PATH}#token={quote(token, safe='')}"


# --- the JSON ------------------------------------------------------------------------------------


def _iso(at: _dt.datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _job(job: JobRecord) -> dict[str, Any]:
    return {
        "id": job.id,
        "backend": job.backend,
        "session_id": job.session_id,
        "owner": job.owner,  # "instance" (this account's) or "background" (other users')
        "program_id": job.program_id,
        "status": job.status,
        "created": _iso(job.created),
        "running_at": _iso(job.running_at),
        "finished_at": _iso(job.finished_at),
        "duration": round(job.duration, 3),
        "reason": job.reason,
        "reason_code": job.reason_code,
    }


def _session(session: SessionRecord, now: _dt.datetime, jobs: int) -> dict[str, Any]:
    return {
        "id": session.id,
        "backend": session.backend,
        "mode": session.mode,
        "state": session.state,
        "accepting_jobs": session.accepting_jobs,
        "jobs": jobs,
        "elapsed": round(session.elapsed_at(now), 3),
        "max_ttl": session.max_ttl,
        "interactive_ttl": session.interactive_ttl,
        "created_at": _iso(session.created_at),
        "started_at": _iso(session.started_at),
        "expires_at": _iso(session.expires_at),
        "closed_at": _iso(session.closed_at),
    }


def state_snapshot(simulation: Simulation, pacer: Pacer, faults: HttpFaults) -> dict[str, Any]:
    """Sessions, jobs, queues per backend, faults and the clock, as one consistent JSON object.

    Taken in one transaction, after the results being computed are in (as every reader of the
    fake waits for them). It never moves simulated time, except under ``pace="real"``, where
    simulated time follows real time whoever looks.
    """
    pacer.follow_real_time()
    state = simulation.state  # read once: reset() replaces it
    state.settle_all()
    with state.transaction() as now:
        jobs = [job for job in state.jobs.values() if not job.deleted]
        per_session: dict[str, int] = {}
        for job in jobs:
            if job.session_id is not None:
                per_session[job.session_id] = per_session.get(job.session_id, 0) + 1
        sessions = list(state.scheduler.sessions.values())
        backends = []
        for name, entry in state.catalogue.items():
            lane = state.scheduler.lanes.get(name)
            extra = entry.mock_of is not None or entry.offered
            if extra and lane is None and name not in state.backend_status:
                continue  # a mock or offered official device nobody used: only clutter
            operational, status, message = state.backend_status.get(name, (True, "active", None))
            queued = [job.id for job in lane.queue if job.status == "Queued"] if lane else []
            backends.append(
                {
                    "name": name,
                    "operational": operational,
                    "status": status,
                    "message": message,
                    "queue_length": state.reported_queue.get(name, len(queued)),
                    "queued_count": len(queued),
                    "queued": queued[:MAX_LISTED_QUEUE],
                    "running": lane.running.id if lane and lane.running else None,
                    "held_by": lane.held_by if lane else None,
                    "hold_until": _iso(lane.hold_until) if lane else None,
                    "calibration_id": entry.calibration_id,
                    "mock_of": entry.mock_of,
                }
            )
        latest_jobs = sorted(jobs, key=lambda job: job.seq, reverse=True)[:MAX_LISTED_JOBS]
        latest_sessions = sorted(sessions, key=lambda s: s.created_at, reverse=True)
        return {
            "now": now.isoformat(),
            "clock": simulation.clock.mode,
            "pace": pacer.pace,
            "usage_limit_reached": state.usage_limit_reached,
            "backends": backends,
            "sessions": [
                _session(s, now, per_session.get(s.id, 0))
                for s in latest_sessions[:MAX_LISTED_SESSIONS]
            ],
            "session_count": len(sessions),
            "jobs": [_job(job) for job in latest_jobs],
            "job_count": len(jobs),
            "faults": [
                {"route": f.route, "status": f.status, "remaining": f.remaining}
                for f in faults.pending()
            ],
            "routes": [route.name for route in ROUTES],
        }


def timeline_response(simulation: Simulation) -> HttpResponse:
    """The timeline as an SVG document (no script in it; our text is escaped)."""
    headers = {
        "Content-Type": "image/svg+xml; charset=utf-8",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    return HttpResponse(200, Headers(headers), simulation.timeline_svg().encode("utf-8"))


# --- the page ------------------------------------------------------------------------------------


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def _page() -> tuple[bytes, str]:
    """The document, and its Content-Security-Policy (allowing exactly its inline parts)."""
    page = resources.files("qiskit_runtime_double.fake.http").joinpath("dashboard.html")
    text = page.read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", text, re.S)
    styles = re.findall(r"<style>(.*?)</style>", text, re.S)
    policy = "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(_hash(s) for s in scripts),
            "style-src " + " ".join(_hash(s) for s in styles),
            "img-src blob:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return text.encode("utf-8"), policy


def page_response(method: str = "GET") -> HttpResponse:
    """The page: no secret in it, so it needs no token; framing and sniffing are refused."""
    content, policy = _page()
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    return HttpResponse(200, Headers(headers), b"" if method == "HEAD" else content)


def with_page(app: App) -> Callable[[HttpRequest], HttpResponse]:
    """``app``, with the page answered at ``PAGE_PATH``."""

    def serve(request: HttpRequest) -> HttpResponse:
        if request.path != PAGE_PATH:
            return app(request)
        method = request.method.upper()
        if method in ("GET", "HEAD"):
            return page_response(method)
        refused = error_response(
            405,
            ErrorCode.VALIDATION,
            f"{method} {PAGE_PATH} is not allowed: {PAGE_PATH} is the fake's page, read with "
            "GET. The control API is under /_double.",
        )
        return HttpResponse(405, refused.headers.with_(Allow="GET, HEAD"), refused.content)

    return serve
