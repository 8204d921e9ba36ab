"""Hooks of the plugin; its fixtures are in ``fixtures.py``. Imports ``qiskit_runtime_double`` only
when a test asks for a fixture (or a mode needs it), so a run that uses none of them pays nothing.

- options and settings: ``options.py``; ``runtime_config`` and the marker: ``config.py``;
- the official client's fixture, ``ibm_runtime``: ``official.py``;
- which tests run in this mode: ``gating.py``;
- reports, timelines, the run's summary and the status line: ``reporting.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

from .fixtures import (
    fake_runtime,
    fake_session,
    fake_session_factory,
    runtime_clock,
    runtime_config,
    runtime_mode,
    runtime_service,
)
from .gating import SERVICE_FIXTURES, gate
from .official import ibm_runtime
from .options import RECORD_MODES, add_options, settings_from
from .reporting import RunTotals, annotate, status_line, summary_line
from .state import REPORTS, SETTINGS, cassette_path

__all__ = [
    "RECORD_MODES",
    "SERVICE_FIXTURES",
    "SETTINGS",
    "cassette_path",
    "fake_runtime",
    "fake_session",
    "fake_session_factory",
    "ibm_runtime",
    "runtime_clock",
    "runtime_config",
    "runtime_mode",
    "runtime_service",
]

TOTALS = pytest.StashKey[RunTotals]()
STATUS_LINE = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "runtime(backend=None, max_time=None, seed=None, cassette=None, modes=None): per-test "
        "settings of qiskit-runtime-double (the fake_session's backend and max_time, the fake's "
        "seed, the cassette file name, the modes the test runs in, e.g. modes=('fake', 'replay')).",
    )
    settings = settings_from(config)
    config.stash[SETTINGS] = settings
    totals = config.stash[TOTALS] = RunTotals()
    config.pluginmanager.register(totals, "runtime_double_totals")  # adds up the test reports
    if settings.secret_patterns:
        _check_secret_patterns(settings.secret_patterns)
    if settings.needs_credentials:
        _require_credentials(settings.mode)
    if settings.mode == "record":
        _require_writable(settings.cassette_dir, "--runtime-mode=record cannot write cassettes")
    if settings.timeline_dir is not None:
        _require_writable(settings.timeline_dir, "--runtime-timeline cannot write timelines")


def _check_secret_patterns(patterns: tuple[str, ...]) -> None:
    """Refuse a bad ``runtime_secret_patterns`` before any test runs."""
    from qiskit_runtime_double import IBMInputValueError, scrub_rules_from_patterns

    try:
        scrub_rules_from_patterns(patterns, "the runtime_secret_patterns ini option")
    except IBMInputValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def _require_credentials(mode: str) -> None:
    from qiskit_runtime_double import AccountNotFoundError
    from qiskit_runtime_double.accounts import default_account_file, load_account

    try:
        load_account()
    except AccountNotFoundError:
        record = " (from the live service)" if mode == "record" else ""
        instead = (
            "Record against the fake with --runtime-record-from=fake, which needs none, or use "
            if mode == "record"
            else "Use "
        )
        raise pytest.UsageError(
            f"--runtime-mode={mode}{record} needs IBM Quantum credentials, and none were found. "
            "They are read from the QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE environment "
            f"variables, or from the saved account file {default_account_file()} (written by the "
            f"official client's QiskitRuntimeService.save_account). {instead}"
            "--runtime-mode=fake or replay to run without them."
        ) from None


def _require_writable(directory: Path, what: str) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".write-probe"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        option = "--runtime-timeline" if "timeline" in what else "--runtime-cassette-dir"
        raise pytest.UsageError(
            f"{what} to {directory}: {exc}. Pass {option} with a writable directory."
        ) from None


def pytest_report_header(config: pytest.Config) -> str:
    settings = config.stash[SETTINGS]
    extra = f", cassettes: {settings.cassette_dir}" if settings.mode != "fake" else ""
    record = (
        f", record mode: {settings.record_mode}, recording from {settings.record_from}"
        if settings.mode == "record"
        else ""
    )
    timeline = f", timelines: {settings.timeline_dir}" if settings.timeline_dir else ""
    return (
        f"qiskit-runtime-double: runtime mode {settings.mode}, seed {settings.seed}"
        f"{extra}{record}{timeline}"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gate(config.stash[SETTINGS], items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, so fixtures can tell whether the test failed; add
    the fake's timeline and the cassette's hint to the report of a failure."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    annotate(item.config.stash[SETTINGS], item, call, report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """While the test runs, job waits update the status line (live runs on a terminal)."""
    config = item.config
    if STATUS_LINE not in config.stash:
        config.stash[STATUS_LINE] = status_line(config, config.stash[SETTINGS])
    line = config.stash[STATUS_LINE]
    if line is None:
        return (yield)
    from qiskit_runtime_double.progress import ProgressReporter, show_progress

    reporter: ProgressReporter = line  # type: ignore[assignment]
    with show_progress(reporter):
        return (yield)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    totals = terminalreporter.config.stash.get(TOTALS, None)
    line = summary_line(totals) if totals is not None else None
    if line is not None and terminalreporter.verbosity >= -1:
        terminalreporter.write_line(line)
