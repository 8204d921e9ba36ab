"""What the plugin tells the user: the fake's timeline on failure, SVG timelines, a one-line summary
of the run, the command that records a cassette again, and a status line while a job waits.

Reports carry plain data (``runtime_double_fake``, ``runtime_double_summary``), so the summary is
right under pytest-xdist too: workers send their reports to the controller, which adds them up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from .options import Settings
from .state import CASSETTE, FAKE, sanitize

if TYPE_CHECKING:
    from qiskit_runtime_double.progress import StatusLine

__all__ = ["PROGRESS_DELAY", "RunTotals", "annotate", "status_line", "summary_line"]

#: Seconds a job must have waited before its status line shows (quick jobs show nothing).
PROGRESS_DELAY = 2.0
USED = "runtime_double_fake"
SUMMARY = "runtime_double_summary"
TIMELINE_SECTION = "qiskit-runtime-double: what the fake did"
CASSETTE_SECTION = "qiskit-runtime-double: cassette"


def _timeline(fake: Any) -> str:
    try:
        return str(fake.timeline_text())
    except Exception as exc:  # a report must never fail because the fake is in a bad state
        return f"(the fake's timeline could not be rendered: {type(exc).__name__}: {exc})"


def _write_svg(settings: Settings, item: pytest.Item, fake: Any) -> str | None:
    """Write the test's SVG timeline; a problem is returned as text for the report, not raised."""
    assert settings.timeline_dir is not None
    target = settings.timeline_dir / f"{sanitize(item.nodeid)}.svg"
    try:
        target.write_text(fake.timeline_svg(title=item.nodeid), encoding="utf-8")
    except OSError as exc:
        return f"--runtime-timeline could not write {target}: {exc}"
    return None


def _recorded_from_fake(path: Any) -> bool:
    """Whether the cassette at ``path`` says it was recorded from the fake."""
    from qiskit_runtime_double import CassetteError, CassetteTransport

    try:
        with CassetteTransport(path, "replay") as cassette:
            return cassette.recorded_from == "fake"
    except (CassetteError, OSError):
        return False


def _cassette_hint(item: pytest.Item, call: pytest.CallInfo[None]) -> str | None:
    path = item.stash.get(CASSETTE, None)
    if path is None or call.excinfo is None:
        return None
    from qiskit_runtime_double import CassetteError

    error: BaseException | None = call.excinfo.value
    while error is not None and not isinstance(error, CassetteError):
        error = error.__cause__ or error.__context__
    if error is None:
        return None
    command = "pytest --runtime-mode=record --runtime-record-mode=rewrite"
    if _recorded_from_fake(path):
        return (
            f"This test's cassette: {path} (recorded from the fake)\n"
            "If the code under test changed on purpose, record it again (no account needed):\n"
            f"  {command} --runtime-record-from=fake '{item.nodeid}'"
        )
    return (
        f"This test's cassette: {path}\n"
        "If the code under test changed on purpose, record it again:\n"
        f"  {command} '{item.nodeid}'\n"
        "(add --runtime-record-from=fake to record against the fake, with no account)"
    )


def annotate(
    settings: Settings, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    """Add what the plugin knows about this test to its report (see the module docs)."""
    fake = item.stash.get(FAKE, None)
    if fake is not None:
        setattr(report, USED, True)
        if report.when == "call" and settings.timeline_dir is not None:
            problem = _write_svg(settings, item, fake)
            if problem is not None:
                report.sections.append((TIMELINE_SECTION, problem))
        if report.failed:
            report.sections.append((TIMELINE_SECTION, _timeline(fake)))
        if report.when == "teardown":
            setattr(report, SUMMARY, asdict(fake.summary()))
    if report.failed:
        hint = _cassette_hint(item, call)
        if hint is not None:
            report.sections.append((CASSETTE_SECTION, hint))


@dataclass(eq=False)  # registered as a plugin: hashed by identity
class RunTotals:
    """What the fakes of a run saw, added up from test reports."""

    tests: int = 0
    wall_seconds: float = 0.0
    sessions: int = 0
    jobs: dict[str, int] = field(default_factory=dict)
    simulated_seconds: float = 0.0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """The hook (this object is registered as a plugin): on the controller under xdist."""
        self.add(report)

    def add(self, report: pytest.TestReport) -> None:
        if not getattr(report, USED, False):
            return
        self.wall_seconds += report.duration
        summary = getattr(report, SUMMARY, None)
        if isinstance(summary, dict):
            self.tests += 1
            self.sessions += int(summary.get("sessions", 0))
            for status, count in dict(summary.get("jobs", {})).items():
                self.jobs[status] = self.jobs.get(status, 0) + int(count)
            self.simulated_seconds += float(summary.get("simulated_seconds", 0.0))


def summary_line(totals: RunTotals) -> str | None:
    """``qiskit-runtime-double: 3 tests used a fake: 2 session(s), ... simulated in 1.2 s``."""
    if not totals.tests:
        return None
    from qiskit_runtime_double.fake.core.report import FakeSummary, human_duration

    seen = FakeSummary(totals.sessions, dict(totals.jobs), totals.simulated_seconds).describe()
    return (
        f"qiskit-runtime-double: {totals.tests} test(s) used a fake: {seen} in "
        f"{human_duration(totals.wall_seconds)} of test time"
    )


def _interactive() -> bool:
    from qiskit_runtime_double.progress import in_ci

    try:
        terminal = os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # replaced or closed streams
        terminal = False
    return terminal and not in_ci() and os.environ.get("TERM") != "dumb"


def status_line(config: pytest.Config, settings: Settings) -> StatusLine | None:
    """The status line of this run, or None when it is off (see ``--runtime-progress``)."""
    if settings.progress == "off":
        return None
    if settings.progress == "auto" and not (settings.waits_for_real and _interactive()):
        return None
    if config.pluginmanager.get_plugin("terminalreporter") is None:
        return None  # no terminal (a pytest-xdist worker reports through its controller)
    from qiskit_runtime_double.progress import StatusLine

    writer = config.get_terminal_writer()
    capture = config.pluginmanager.getplugin("capturemanager")

    def write(text: str) -> None:
        if capture is None:
            writer.write(text, flush=True)
            return
        with capture.global_and_fixture_disabled():  # past pytest's output capturing
            writer.write(text, flush=True)

    emit: Callable[[str], None] = write
    return StatusLine(
        emit, delay=PROGRESS_DELAY, fresh_line=True, width=max(writer.fullwidth - 1, 20)
    )
