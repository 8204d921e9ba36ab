"""A Gantt chart of what the fake ran: one row per backend, one bar per job, as plain SVG.

Handy when a scheduling test fails: ``Path("t.svg").write_text(fake.timeline_svg())``.
Rows are (backend, session) pairs, with other users' jobs on a grey row of their own; a dotted line
before a bar is the time the job waited in the queue; a cross marks a job that failed or was
cancelled.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable
from html import escape

from .records import JobRecord

__all__ = ["render_svg"]

_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
_ROW, _LEFT, _WIDTH, _TOP = 34, 130, 760, 30


def _colour(job: JobRecord) -> str:
    if job.owner == "background":
        return "#bab0ac"
    if job.session_id is None:
        return "#555555"
    digest = int(hashlib.sha256(job.session_id.encode()).hexdigest(), 16)
    return _PALETTE[digest % len(_PALETTE)]


def _row(job: JobRecord) -> tuple[str, str]:
    """Which row a job is drawn on: its backend, and its session (or other users)."""
    if job.owner == "background":
        return job.backend, "other users"
    return job.backend, f"session {job.session_id[:8]}…" if job.session_id else "no session"


def render_svg(jobs: Iterable[JobRecord], now: _dt.datetime, *, title: str = "") -> str:
    """The jobs' timeline as an SVG document, from the first job's creation to ``now``."""
    records = [job for job in jobs if not job.deleted]
    if not records:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40">'
            '<text x="10" y="25">no jobs</text></svg>'
        )
    start = min(job.created for job in records)
    span = max((now - start).total_seconds(), 1e-9)
    rows = sorted({_row(job) for job in records}, key=lambda r: (r[0], r[1] == "other users", r[1]))
    height = _TOP + _ROW * len(rows) + 40

    def x(at: _dt.datetime) -> float:
        return _LEFT + _WIDTH * (at - start).total_seconds() / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_LEFT + _WIDTH + 20}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="10" y="18" font-size="13">{escape(title)}</text>',
    ]
    for row, (backend, owner) in enumerate(rows):
        y = _TOP + row * _ROW
        parts.append(f'<text x="10" y="{y + 14}">{escape(backend)}</text>')
        parts.append(f'<text x="10" y="{y + 27}" fill="#666">{escape(owner)}</text>')
        parts.append(
            f'<line x1="{_LEFT}" y1="{y + 30}" x2="{_LEFT + _WIDTH}" y2="{y + 30}" stroke="#ddd"/>'
        )
    for job in sorted(records, key=lambda j: j.seq):
        y = _TOP + rows.index(_row(job)) * _ROW
        colour = _colour(job)
        began = job.running_at
        waited_until = began or job.finished_at or now
        if waited_until > job.created:
            parts.append(
                f'<line x1="{x(job.created):.1f}" y1="{y + 15}" x2="{x(waited_until):.1f}" '
                f'y2="{y + 15}" stroke="{colour}" stroke-dasharray="2,2"/>'
            )
        if began is not None:
            end = job.finished_at or now
            parts.append(
                f'<rect x="{x(began):.1f}" y="{y + 6}" width="{max(x(end) - x(began), 1.5):.1f}" '
                f'height="18" fill="{colour}" stroke="white"><title>{escape(job.id)} '
                f"{escape(job.status)} {escape(job.session_id or 'no session')}</title></rect>"
            )
        if job.status in ("Failed", "Cancelled"):
            at = x(job.finished_at or now)
            parts.append(f'<text x="{at - 4:.1f}" y="{y + 19}" fill="#b00">✕</text>')
    axis_y = _TOP + _ROW * len(rows) + 14
    for tick in range(6):
        seconds = span * tick / 5
        label = f"{seconds:.0f} s" if span < 600 else f"{seconds / 60:.0f} min"
        tx = _LEFT + _WIDTH * tick / 5
        parts.append(
            f'<text x="{tx:.1f}" y="{axis_y}" text-anchor="middle" fill="#666">{label}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
