"""The SVG timeline (fake/core/timeline.py): every job drawn, nothing drawn over anything else.

The geometry is read back from the SVG itself: each job is a ``<g data-job>`` group of a dotted
line (its wait), a bar (its run) and a cross (failed or cancelled); the tests take each group's
bounding box from those elements' coordinates.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from qiskit_runtime_double.fake.core.records import JobRecord
from qiskit_runtime_double.fake.core.timeline import MAX_DRAWN_JOBS, MAX_TRACKS, render_svg

SVG = "{http://www.w3.org/2000/svg}"
T0 = dt.datetime(2025, 1, 1, 9, tzinfo=dt.timezone.utc)
LONG_BACKEND = "a_backend_with_a_name_far_too_long_for_its_label_column"
Box = tuple[float, float, float, float]  # left, right, top, bottom


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def job(
    seq: int,
    created: float,
    *,
    ran: tuple[float, float | None] | None = None,
    ended: float | None = None,
    status: str = "Completed",
    backend: str = "generic_5q",
    session: str | None = "session-one",
    owner: Literal["instance", "background"] = "instance",
) -> JobRecord:
    """A record as the scheduler leaves it: ``ran`` is (start, end or None while running)."""
    record = JobRecord(
        id=f"job{seq:04d}",
        program_id="sampler",
        backend=backend,
        created=at(created),
        duration=1.0,
        seed=seq,
        seq=seq,
        session_id=session,
        owner=owner,
    )
    record.status = status  # type: ignore[assignment]
    if ran is not None:
        record.running_at = at(ran[0])
        record.finished_at = None if ran[1] is None else at(ran[1])
    elif ended is not None:
        record.finished_at = at(ended)
    return record


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]


def job_boxes(svg: str) -> dict[str, Box]:
    """Each drawn job's bounding box, from the coordinates of what its group draws."""
    boxes: dict[str, Box] = {}
    for group in ET.fromstring(svg).iter(SVG + "g"):
        xs: list[float] = []
        ys: list[float] = []
        for element in group:
            tag = element.tag.removeprefix(SVG)
            if tag == "line":
                xs += [float(element.get("x1", 0)), float(element.get("x2", 0))]
                ys += [float(element.get("y1", 0)) - 0.5, float(element.get("y2", 0)) + 0.5]
            elif tag == "rect":
                x, y = float(element.get("x", 0)), float(element.get("y", 0))
                xs += [x, x + float(element.get("width", 0))]
                ys += [y, y + float(element.get("height", 0))]
            elif tag == "path":
                points = _numbers(element.get("d", ""))
                xs += points[0::2]
                ys += points[1::2]
        assert xs, f"job {group.get('data-job')} draws nothing"
        boxes[str(group.get("data-job"))] = (min(xs), max(xs), min(ys), max(ys))
    return boxes


def overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share more than an edge (coordinates are rounded to 0.1 px)."""
    width = min(a[1], b[1]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[2], b[2])
    return width > 0.15 and height > 0.15


def left_out(svg: str) -> int:
    return sum(int(n) for n in re.findall(r">\+(\d+) more job", svg))


def test_queued_jobs_failing_at_the_same_instant_are_drawn_apart() -> None:
    # docs/img/expiry.svg drew these two on top of each other, and over the running job's bar.
    jobs = [
        job(0, 0, ran=(0, 3)),
        job(1, 3, ran=(3, 153)),
        job(2, 3, ended=120, status="Failed"),
        job(3, 3, ended=120, status="Failed"),
    ]
    boxes = job_boxes(render_svg(jobs, at(183)))
    assert sorted(boxes) == ["job0000", "job0001", "job0002", "job0003"]
    crossing = [(a, b) for a in boxes for b in boxes if a < b and overlap(boxes[a], boxes[b])]
    assert crossing == []
    assert boxes["job0002"][2] != boxes["job0003"][2]  # one track each


def test_back_to_back_jobs_share_one_track() -> None:
    # A session's jobs, each submitted when the previous one ended: one line, not a staircase.
    jobs = [job(i, 10 * i, ran=(10 * i, 10 * i + 10)) for i in range(5)]
    boxes = job_boxes(render_svg(jobs, at(60)))
    assert len({box[2] for box in boxes.values()}) == 1


def test_a_failed_job_keeps_room_for_its_cross() -> None:
    # The cross at the end of job 0 would cover the start of job 1's bar on the same track.
    jobs = [job(0, 0, ran=(0, 10), status="Cancelled"), job(1, 10, ran=(10, 20))]
    boxes = job_boxes(render_svg(jobs, at(20)))
    assert not overlap(boxes["job0000"], boxes["job0001"])
    assert boxes["job0000"][2] != boxes["job0001"][2]


def test_a_job_failing_the_instant_it_is_created_keeps_its_cross_clear_of_others() -> None:
    # Found by the property test below: the cross reaches left of the job's creation, over the
    # end of another job's dotted line on the same track.
    jobs = [job(0, 0, status="Queued"), job(1, 10, ended=10, status="Failed")]
    boxes = job_boxes(render_svg(jobs, at(10)))
    assert not overlap(boxes["job0000"], boxes["job0001"])


def test_long_labels_are_shortened_to_their_column_with_the_full_text_as_tooltip() -> None:
    svg = render_svg([job(0, 0, ran=(0, 5), backend=LONG_BACKEND)], at(10), title="t" * 400)
    root = ET.fromstring(svg)
    texts = list(root.iter(SVG + "text"))
    label = next(t for t in texts if t.findtext(SVG + "title") == LONG_BACKEND)
    shown = "".join(label.itertext()).removeprefix(LONG_BACKEND)
    assert shown.endswith("…") and LONG_BACKEND.startswith(shown[:-1])
    # 0.6 em per character at 11 px leaves the shortened name left of the chart (x = 150).
    assert 10 + len(shown) * 11 * 0.6 <= 150
    title = texts[0]
    assert len("".join(title.itertext())) < 400 + 400  # tooltip + shortened text
    assert "".join(title.itertext()).endswith("…")


def test_ticks_are_round_numbers_in_a_readable_unit() -> None:
    def ticks(seconds: float) -> list[str]:
        svg = render_svg([job(0, 0, ran=(0, 1))], at(seconds))
        return re.findall(r'text-anchor="middle" fill="#666">([^<]+)<', svg)

    assert ticks(183) == ["0 s", "30 s", "60 s", "90 s", "120 s", "150 s", "180 s"]
    assert ticks(295) == ["0 min", "1 min", "2 min", "3 min", "4 min"]
    assert ticks(3 * 3600) == [f"{h * 30} min" for h in range(7)]
    assert ticks(20 * 86400) == ["0 d", "5 d", "10 d", "15 d", "20 d"]
    assert ticks(0) == [f"{t / 10:g} s" for t in range(0, 11, 2)]  # a chart spans at least 1 s


def test_rows_keep_at_most_max_tracks_and_say_how_many_jobs_they_left_out() -> None:
    waiting = [job(i, 0, owner="background", session=None, status="Queued") for i in range(30)]
    svg = render_svg(waiting, at(60))
    assert len(job_boxes(svg)) == MAX_TRACKS
    assert left_out(svg) == 30 - MAX_TRACKS
    assert f"+{30 - MAX_TRACKS} more jobs at the same time, not drawn" in svg


def test_a_chart_draws_the_latest_jobs_only_and_says_so() -> None:
    count = MAX_DRAWN_JOBS + 5
    jobs = [job(i, i, ran=(i, i + 1)) for i in range(count)]
    svg = render_svg(jobs, at(count + 1), title="busy")
    boxes = job_boxes(svg)
    assert (
        len(boxes) == MAX_DRAWN_JOBS and "job0000" not in boxes and f"job{count - 1:04d}" in boxes
    )
    assert f"busy (the latest {MAX_DRAWN_JOBS} of {count} jobs)" in svg


def test_no_jobs_is_a_small_valid_svg() -> None:
    root = ET.fromstring(render_svg([], T0))
    assert "".join(root.itertext()) == "no jobs"


# --- any set of jobs --------------------------------------------------------------------------

STEP = 5.0  # coarse times: the same instants come up often


@st.composite
def job_sets(draw: st.DrawFn) -> tuple[list[JobRecord], dt.datetime]:
    jobs: list[JobRecord] = []
    latest = 0.0
    for seq in range(draw(st.integers(1, 30))):
        created = draw(st.integers(0, 40)) * STEP
        wait = draw(st.one_of(st.none(), st.integers(0, 12).map(lambda n: n * STEP)))
        run = draw(st.integers(0, 12)) * STEP
        outcome = draw(st.sampled_from(["Completed", "Failed", "Cancelled", "unfinished"]))
        owner = draw(st.sampled_from(["instance", "background"]))
        common = {
            "backend": draw(st.sampled_from(["generic_5q", LONG_BACKEND])),
            "session": None if owner == "background" else draw(st.sampled_from([None, "s1", "s2"])),
            "owner": owner,
        }
        if wait is None:  # never ran: still queued, or failed or cancelled in the queue
            if outcome in ("Failed", "Cancelled"):
                record = job(seq, created, ended=created + run, status=outcome, **common)
                latest = max(latest, created + run)
            else:
                record = job(seq, created, status="Queued", **common)
        elif outcome == "unfinished":
            record = job(seq, created, ran=(created + wait, None), status="Running", **common)
            latest = max(latest, created + wait)
        else:
            end = created + wait + run
            record = job(seq, created, ran=(created + wait, end), status=outcome, **common)
            latest = max(latest, end)
        latest = max(latest, created)
        jobs.append(record)
    return jobs, at(latest + draw(st.integers(0, 4)) * STEP)


@settings(max_examples=80, deadline=None)
@given(job_sets())
def test_every_job_is_drawn_or_counted_and_no_two_drawings_overlap(
    case: tuple[list[JobRecord], dt.datetime],
) -> None:
    jobs, now = case
    svg = render_svg(jobs, now)
    root = ET.fromstring(svg)
    boxes = job_boxes(svg)
    assert len(boxes) + left_out(svg) == len(jobs)
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    names = sorted(boxes)
    for index, name in enumerate(names):
        box = boxes[name]
        assert box[0] >= 146 and box[1] <= width and box[2] > 0 and box[3] <= height, (name, box)
        for other in names[index + 1 :]:
            assert not overlap(box, boxes[other]), (name, other, box, boxes[other])
