"""A Gantt chart of what the fake ran: one row per backend and session, one line per job, as SVG.

Handy when a scheduling test fails: ``Path("t.svg").write_text(fake.timeline_svg())``; the served
fake's page (``fake/http/dashboard.py``) shows it live.

Rows are (backend, session) pairs, with other users' jobs on a grey row of their own. In a row,
each job is a dotted line while it waits in the queue, then a bar while it runs; a cross marks a
job that failed or was cancelled. Jobs whose drawings would overlap (waiting at the same time,
failing at the same instant) go on separate tracks of their row, so nothing is drawn over
anything else; a row keeps at most ``MAX_TRACKS`` tracks and says how many jobs it left out.
Labels are shortened to their column (the full text is in a tooltip), and the time axis has
round ticks.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from .records import JobRecord

__all__ = ["MAX_DRAWN_JOBS", "MAX_TRACKS", "render_svg"]

#: Most tracks (lines of jobs drawn side by side in time) one row keeps.
MAX_TRACKS = 12
#: Most jobs one chart draws: the latest ones (a long-served fake may have run many thousands).
MAX_DRAWN_JOBS = 2_000

_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
_OTHERS = "#bab0ac"
_NO_SESSION = "#555555"
_CROSS = "#b00000"

_LEFT, _WIDTH, _RIGHT = 150, 760, 20  # label column, time area, right margin
_TOP = 30  # below the title
_TRACK, _BAR = 16, 12  # height of a track, and of a bar in it
_ROW_PAD = 6  # above the first track and below the last one of a row
_LABEL_ROW = 32  # a row is never lower than its two label lines
_NOTE = 14  # the line saying how many jobs a row left out
_CROSS_HALF = 3.5  # half the width of a cross
_MIN_LENGTH = 1.5  # a job that waited or ran no measurable time is still visible
_FONT, _TITLE_FONT = 11, 13
#: Average advance of a sans-serif character, in ems (generous, so shortened text fits).
_CHAR_EM = 0.6
_MAX_TICKS = 8
#: Round steps of the time axis, in seconds; beyond them, whole days.
_TICK_STEPS: tuple[float, ...] = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900)
_TICK_STEPS += (1800, 3600, 7200, 10800, 21600, 43200)
_DAY = 86_400.0


def _colour(job: JobRecord) -> str:
    if job.owner == "background":
        return _OTHERS
    if job.session_id is None:
        return _NO_SESSION
    digest = int(hashlib.sha256(job.session_id.encode()).hexdigest(), 16)
    return _PALETTE[digest % len(_PALETTE)]


def _row(job: JobRecord) -> tuple[str, str]:
    """Which row a job is drawn on: its backend, and its session (or other users)."""
    if job.owner == "background":
        return job.backend, "other users"
    return job.backend, f"session {job.session_id[:8]}…" if job.session_id else "no session"


def _fit(text: str, width: float, font: float) -> str:
    """``text`` shortened with an ellipsis so that it fits ``width`` pixels at ``font`` size."""
    most = max(1, int(width / (font * _CHAR_EM)))
    return text if len(text) <= most else text[: most - 1] + "…"


def _ticks(span: float) -> tuple[float, list[float]]:
    """A round step (1, 2, 5, 15, 30 s, 1, 2, 5 min, ..., days) and the ticks from 0 to ``span``."""
    step = next((s for s in _TICK_STEPS if span / s <= _MAX_TICKS), None)
    if step is None:  # more than 4 days: 1, 2, 5, 10, 20... days
        days = span / _DAY / _MAX_TICKS
        power = 10.0 ** math.floor(math.log10(days))
        step = _DAY * next(m * power for m in (1, 2, 5, 10) if m * power >= days)
    count = int(span / step + 1e-9)
    return step, [step * i for i in range(count + 1)]


def _tick_label(seconds: float, step: float) -> str:
    for unit, name in ((_DAY, "d"), (3600.0, "h"), (60.0, "min")):
        if step >= unit and step % unit == 0:
            return f"{seconds / unit:g} {name}"
    return f"{round(seconds, 1):g} s"


@dataclass(frozen=True)
class _Shape:
    """Where one job is drawn, in pixels (x from the chart's left edge of the SVG)."""

    job: JobRecord
    created: float
    began: float | None  # the bar's left edge, when the job ran
    ended: float  # the end of its bar (or of its wait, when it never ran)
    cross: float | None  # the centre of its cross, when it failed or was cancelled

    @property
    def left(self) -> float:
        cross_start = self.cross - _CROSS_HALF if self.cross is not None else self.created
        return min(self.created, cross_start)

    @property
    def waited_until(self) -> float:
        """The end of its dotted line; one that never ran shows at least a stub of it."""
        if self.began is not None:
            return self.began
        return max(self.ended, self.created + _MIN_LENGTH)

    @property
    def bar_width(self) -> float:
        return 0.0 if self.began is None else max(self.ended - self.began, _MIN_LENGTH)

    @property
    def right(self) -> float:
        bar_end = 0.0 if self.began is None else self.began + self.bar_width
        cross_end = self.cross + _CROSS_HALF if self.cross is not None else 0.0
        return max(self.waited_until, bar_end, cross_end)


@dataclass
class _Row:
    backend: str
    owner: str
    tracks: list[list[_Shape]]
    left_out: int = 0

    def place(self, shape: _Shape) -> None:
        """On the first track free at the shape's left edge (touching is fine); else left out."""
        for track in self.tracks:
            if track[-1].right <= shape.left:
                track.append(shape)
                return
        if len(self.tracks) < MAX_TRACKS:
            self.tracks.append([shape])
        else:
            self.left_out += 1

    @property
    def height(self) -> int:
        tracks = _ROW_PAD * 2 + _TRACK * max(len(self.tracks), 1)
        return max(_LABEL_ROW, tracks) + (_NOTE if self.left_out else 0)


def render_svg(jobs: Iterable[JobRecord], now: _dt.datetime, *, title: str = "") -> str:
    """The jobs' timeline as an SVG document, from the first job's creation to ``now``."""
    everything = sorted((job for job in jobs if not job.deleted), key=lambda job: job.seq)
    if not everything:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40" '
            f'font-family="sans-serif" font-size="{_FONT}">'
            '<text x="10" y="25">no jobs</text></svg>'
        )
    records = everything[-MAX_DRAWN_JOBS:]
    start = min(job.created for job in records)
    span = max((now - start).total_seconds(), 1.0)

    def x(at: _dt.datetime) -> float:
        offset = min(max((at - start).total_seconds(), 0.0), span)
        return _LEFT + _WIDTH * offset / span

    rows = {
        key: _Row(*key, tracks=[])
        for key in sorted(
            {_row(job) for job in records}, key=lambda r: (r[0], r[1] == "other users", r[1])
        )
    }
    shapes = []
    for job in records:
        began = x(job.running_at) if job.running_at is not None else None
        ended = x(job.finished_at or now)
        cross = ended if job.status in ("Failed", "Cancelled") else None
        shapes.append(_Shape(job, x(job.created), began, ended, cross))
    # Left to right: first-fit then needs as few tracks as the overlaps allow.
    for shape in sorted(shapes, key=lambda s: (s.left, s.job.seq)):
        rows[_row(shape.job)].place(shape)

    width = _LEFT + _WIDTH + _RIGHT
    heading = title
    if len(records) < len(everything):
        heading += f" (the latest {len(records)} of {len(everything)} jobs)"
    parts: list[str] = []
    if heading:
        parts.append(
            f'<text x="10" y="18" font-size="{_TITLE_FONT}"><title>{escape(heading)}</title>'
            f"{escape(_fit(heading, width - 20, _TITLE_FONT))}</text>"
        )
    y = _TOP if heading else _TOP - 22  # no room kept for a title there is not
    for row in rows.values():
        parts.extend(_draw_row(row, y))
        y += row.height
    parts.extend(_draw_axis(span, y))
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 44}" '
            f'font-family="sans-serif" font-size="{_FONT}">',
            *parts,
            "</svg>",
        ]
    )


def _draw_row(row: _Row, top: int) -> list[str]:
    label_width = _LEFT - 16
    parts = [
        f'<text x="10" y="{top + 14}"><title>{escape(row.backend)}</title>'
        f"{escape(_fit(row.backend, label_width, _FONT))}</text>",
        f'<text x="10" y="{top + 27}" fill="#666">{escape(_fit(row.owner, label_width, _FONT))}'
        "</text>",
        f'<line x1="{_LEFT}" y1="{top + row.height}" x2="{_LEFT + _WIDTH}" '
        f'y2="{top + row.height}" stroke="#ddd"/>',
    ]
    for index, track in enumerate(row.tracks):
        middle = top + _ROW_PAD + _TRACK * index + _TRACK / 2
        parts.extend(_draw_job(shape, middle) for shape in track)
    if row.left_out:
        parts.append(
            f'<text x="{_LEFT}" y="{top + row.height - 4}" fill="#666">+{row.left_out} more '
            f"job{'s' if row.left_out > 1 else ''} at the same time, not drawn</text>"
        )
    return parts


def _draw_job(shape: _Shape, middle: float) -> str:
    job = shape.job
    colour = _colour(job)
    waited_until = shape.waited_until

    def when(at: _dt.datetime | None) -> str:
        return at.isoformat() if at is not None else "-"

    tip = (
        f"{job.id} {job.status} {job.session_id or 'no session'}: created {when(job.created)}, "
        f"started {when(job.running_at)}, ended {when(job.finished_at)}"
    )
    parts = [f'<g data-job="{escape(job.id)}" data-status="{escape(job.status)}">']
    parts.append(f"<title>{escape(tip)}</title>")
    if waited_until > shape.created:
        parts.append(
            f'<line x1="{shape.created:.1f}" y1="{middle:.1f}" x2="{waited_until:.1f}" '
            f'y2="{middle:.1f}" stroke="{colour}" stroke-dasharray="2,2"/>'
        )
    if shape.began is not None:
        parts.append(
            f'<rect x="{shape.began:.1f}" y="{middle - _BAR / 2:.1f}" '
            f'width="{shape.bar_width:.1f}" height="{_BAR}" '
            f'fill="{colour}" stroke="white" stroke-width="0.5"/>'
        )
    if shape.cross is not None:
        c, h = shape.cross, _CROSS_HALF
        parts.append(
            f'<path d="M{c - h:.1f} {middle - h:.1f}L{c + h:.1f} {middle + h:.1f}'
            f'M{c - h:.1f} {middle + h:.1f}L{c + h:.1f} {middle - h:.1f}" '
            f'stroke="{_CROSS}" stroke-width="1.6"/>'
        )
    parts.append("</g>")
    return "".join(parts)


def _draw_axis(span: float, top: int) -> list[str]:
    step, ticks = _ticks(span)
    parts = []
    for seconds in ticks:
        tx = _LEFT + _WIDTH * seconds / span
        parts.append(
            f'<text x="{tx:.1f}" y="{top + 14}" text-anchor="middle" fill="#666">'
            f"{_tick_label(seconds, step)}</text>"
        )
    legend = top + 34
    parts.append(
        f'<line x1="{_LEFT}" y1="{legend - 4}" x2="{_LEFT + 24}" y2="{legend - 4}" stroke="#666" '
        f'stroke-dasharray="2,2"/><text x="{_LEFT + 30}" y="{legend}" fill="#666">queued</text>'
        f'<rect x="{_LEFT + 90}" y="{legend - 10}" width="24" height="{_BAR}" fill="#666"/>'
        f'<text x="{_LEFT + 120}" y="{legend}" fill="#666">running</text>'
        f'<path d="M{_LEFT + 186} {legend - 8}L{_LEFT + 193} {legend - 1}M{_LEFT + 186} '
        f'{legend - 1}L{_LEFT + 193} {legend - 8}" stroke="{_CROSS}" stroke-width="1.6"/>'
        f'<text x="{_LEFT + 200}" y="{legend}" fill="#666">failed or cancelled</text>'
    )
    return parts
