"""What a cassette holds, for people: sessions, jobs, backends, durations, and leftover secrets.

Used by ``qiskit-runtime-double cassette show`` and ``cassette check``, and for the ``backends``
list written into a cassette's metadata.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...wire.routes import match_route
from .detect import Detector
from .fileformat import CassetteData, Interaction
from .matching import relative_path
from .scrub import Finding, Scrubber

__all__ = ["Summary", "backends_of", "job_of", "render", "secret_findings", "summarize"]

_FINAL_JOB_STATES = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


@dataclass
class JobRow:
    id: str
    program: str = "?"
    backend: str = "?"
    session: str = "-"
    state: str = "(never polled)"
    polls: int = 0
    submitted: _dt.datetime | None = None
    finished: _dt.datetime | None = None


@dataclass
class SessionRow:
    id: str
    mode: str = "?"
    backend: str = "?"
    state: str = "?"
    created: _dt.datetime | None = None
    last: _dt.datetime | None = None


@dataclass
class Summary:
    interactions: int
    metadata: dict[str, Any]
    first: _dt.datetime | None = None
    last: _dt.datetime | None = None
    backends: list[str] = field(default_factory=list)
    sessions: dict[str, SessionRow] = field(default_factory=dict)
    jobs: dict[str, JobRow] = field(default_factory=dict)


def _json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


def _routed(item: Interaction, base_path: str) -> tuple[str | None, dict[str, str]]:
    path = relative_path(urlsplit(item.request.url).path, base_path)
    found, params, _ = match_route(item.request.method, path)
    return (found.name if found else None), params


def job_of(item: Interaction, base_path: str) -> str | None:
    """The id of the job an interaction is about: in its path, or created by it."""
    name, params = _routed(item, base_path)
    if "job_id" in params:
        return params["job_id"]
    if name == "create_job":
        response = _json(item.response.content)
        if isinstance(response, dict) and isinstance(response.get("id"), str):
            return str(response["id"])
    return None


def backends_of(interactions: Iterable[Interaction], base_path: str) -> list[str]:
    """Backend names in paths and in job and session bodies, sorted."""
    names: set[str] = set()
    for item in interactions:
        name, params = _routed(item, base_path)
        if "backend" in params:
            names.add(params["backend"])
        if name in ("create_job", "create_session"):
            for body in (_json(item.request.content), _json(item.response.content)):
                if isinstance(body, dict):
                    for key in ("backend", "backend_name"):
                        if isinstance(body.get(key), str):
                            names.add(body[key])
    return sorted(names)


def summarize(data: CassetteData) -> Summary:
    base_path = urlsplit(data.base_url or "").path.rstrip("/")
    items = data.interactions
    times = [i.recorded_at for i in items if i.recorded_at is not None]
    summary = Summary(
        len(items), dict(data.metadata), min(times, default=None), max(times, default=None)
    )
    summary.backends = backends_of(items, base_path)
    for item in items:
        name, params = _routed(item, base_path)
        request, response = _json(item.request.content), _json(item.response.content)
        if name == "create_session" and isinstance(response, dict) and "id" in response:
            row = summary.sessions.setdefault(str(response["id"]), SessionRow(str(response["id"])))
            row.mode = str(response.get("mode", row.mode))
            row.backend = str(response.get("backend_name") or row.backend)
            row.state = str(response.get("state", row.state))
            row.created = row.last = item.recorded_at
        elif name == "get_session" and isinstance(response, dict):
            row = summary.sessions.setdefault(
                params["session_id"], SessionRow(params["session_id"])
            )
            row.state = str(response.get("state", row.state))
            row.mode = str(response.get("mode", row.mode))
            row.backend = str(response.get("backend_name") or row.backend)
            row.last = item.recorded_at
        elif name in ("close_session", "cancel_session") and item.response.is_success:
            # Closing stops new jobs; the session is closed once its queued jobs are done.
            # A later poll of the session (get_session) says more, and replaces this.
            row = summary.sessions.setdefault(
                params["session_id"], SessionRow(params["session_id"])
            )
            row.state = "closed"
            row.last = item.recorded_at
        elif (closed := _refused_as_closed(name, params, request, item)) is not None:
            row = summary.sessions.setdefault(closed, SessionRow(closed))
            row.state = "closed"
            row.last = item.recorded_at
        elif name == "create_job" and isinstance(response, dict) and "id" in response:
            job = summary.jobs.setdefault(str(response["id"]), JobRow(str(response["id"])))
            body = request if isinstance(request, dict) else {}
            job.program = str(body.get("program_id", job.program))
            job.backend = str(response.get("backend") or body.get("backend") or job.backend)
            job.session = str(body.get("session_id") or response.get("session_id") or "-")
            job.state = "(submitted)"
            job.submitted = item.recorded_at
        elif name == "get_job" and isinstance(response, dict):
            job = summary.jobs.setdefault(params["job_id"], JobRow(params["job_id"]))
            state = response.get("state")
            status = state.get("status") if isinstance(state, dict) else response.get("status")
            if isinstance(status, str):
                job.state = status
                if status.upper() in _FINAL_JOB_STATES and job.finished is None:
                    job.finished = item.recorded_at
            job.polls += 1
    return summary


def _refused_as_closed(
    name: str | None, params: dict[str, str], request: Any, item: Interaction
) -> str | None:
    """The session a 409 answer says is closed (a job refused by an expired or closed session,
    ``closed (max_ttl reached)``), or None."""
    if item.response.status_code != 409 or b"closed" not in item.response.content.lower():
        return None
    if "session_id" in params:
        return params["session_id"]
    if name == "create_job" and isinstance(request, dict):
        session = request.get("session_id")
        return str(session) if isinstance(session, str) and session else None
    return None


def _duration(start: _dt.datetime | None, end: _dt.datetime | None) -> str:
    if start is None or end is None:
        return "-"
    seconds = round((end - start).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return ["  " + line, *("  " + b for b in body)]


def _recorded_from(meta: dict[str, Any]) -> str:
    """``fake (InProcessTransport)``; older cassettes name only the transport."""
    source, origin = meta.get("source"), meta.get("recorded_from")
    if origin and source and origin != source:
        return f"{origin} ({source})"
    return str(origin or source or "?")


def render(summary: Summary, name: str) -> str:
    meta = summary.metadata
    versions = meta.get("package_versions") or {}
    made_with = ", ".join(f"{k} {v}" for k, v in versions.items()) if versions else "unknown"
    lines = [
        f"cassette: {name}",
        f"  {summary.interactions} interactions, recorded {meta.get('recorded_at', '?')} "
        f"from {_recorded_from(meta)}",
        f"  made with: {made_with}",
        f"  base URL: {meta.get('base_url', '?')}",
        *(
            [f"  interrupted by {meta['interrupted']}: the recording ends early"]
            if meta.get("interrupted")
            else []
        ),
        f"  recorded time span: {_duration(summary.first, summary.last)}"
        + (f" (from {summary.first.isoformat()})" if summary.first else ""),
        f"backends: {', '.join(summary.backends) or '-'}",
    ]
    if summary.sessions:
        lines.append(f"sessions ({len(summary.sessions)}):")
        rows = [
            [s.id, s.mode, s.backend, s.state, _duration(s.created, s.last)]
            for s in summary.sessions.values()
        ]
        lines += _table(["ID", "MODE", "BACKEND", "LAST STATE", "RECORDED FOR"], rows)
    else:
        lines.append("sessions: -")
    if summary.jobs:
        lines.append(f"jobs ({len(summary.jobs)}):")
        rows = [
            [
                j.id,
                j.program,
                j.backend,
                j.session,
                j.state,
                str(j.polls),
                _duration(j.submitted, j.finished),
            ]
            for j in summary.jobs.values()
        ]
        lines += _table(
            ["ID", "PROGRAM", "BACKEND", "SESSION", "FINAL STATE", "POLLS", "DURATION"], rows
        )
    else:
        lines.append("jobs: -")
    return "\n".join(lines)


def secret_findings(data: CassetteData, scrubber: Scrubber) -> list[str]:
    """Possible secrets in a cassette, each as ``interaction <i>: <where>: <why>``; never a value.

    Two independent looks: where ``scrubber``'s rules would still change the file (a leak, or a
    rule that is not idempotent), and what looks like a credential whatever the rules say: values
    under secret-looking names and high-entropy tokens (``detect.py``). One finding per place.
    """
    found: list[str] = []
    if data.base_url and scrubber.url(data.base_url) != data.base_url:
        found.append("metadata base_url: matches a scrub rule")
    base_path = urlsplit(data.base_url or "").path.rstrip("/")
    detector = Detector.for_interactions(data.interactions, base_path)
    if data.base_url:
        found += [
            f"metadata {f}" for f in _first_per_place(detector.url(data.base_url, "base_url"))
        ]
    for index, item in enumerate(data.interactions):
        ruled = scrubber.findings(item.request, item.response)
        shaped = detector.interaction(item.request, item.response)
        job = job_of(item, base_path)
        about = f" (job {job})" if job else ""
        for finding in _first_per_place([*ruled, *shaped]):
            found.append(f"interaction {index}{about}: {finding}")
    return found


def _first_per_place(findings: Iterable[Finding]) -> list[Finding]:
    """The first finding at each place (a rule's finding comes before a shape's)."""
    seen: set[str] = set()
    out: list[Finding] = []
    for finding in findings:
        place = finding.where.removesuffix(" (key)")
        if place not in seen:
            seen.add(place)
            out.append(finding)
    return out
