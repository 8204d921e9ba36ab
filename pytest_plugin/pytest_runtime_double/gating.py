"""Which tests run in this mode, decided at collection.

- ``@pytest.mark.runtime(modes=(...))`` skips a test in the modes it leaves out.
- Replay needs a cassette for each test that reaches the service. A test that record mode would
  skip (its marker leaves out record; it needs ``fake_runtime``; it needs ``runtime_clock`` while
  recording from the live service) has none to replay, so replay skips it too, saying why. A test
  that has skip marks is judged when it sets up. Any other test without a cassette stops the run
  before the first test, with the list and how to record them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import pytest

from .config import check_marker
from .options import Settings
from .state import cassette_path

__all__ = ["SERVICE_FIXTURES", "gate"]

#: Fixtures that reach the service; a test using one needs a cassette in replay mode.
SERVICE_FIXTURES = frozenset(
    {"runtime_service", "fake_session", "fake_session_factory", "runtime_clock", "ibm_runtime"}
)


def _modes_text(modes: Iterable[str]) -> str:
    return repr(tuple(modes))


def record_skips(
    settings: Settings, item: pytest.Item, modes: Collection[str] | None
) -> str | None:
    """Why record mode (as configured) skips ``item``, or None if it records it."""
    fixtures = set(getattr(item, "fixturenames", ()))
    if modes is not None and "record" not in modes:
        return f"its runtime marker's modes={_modes_text(modes)} leave out record"
    if "fake_runtime" in fixtures:
        return "it uses fake_runtime, which only fake mode has"
    if "runtime_clock" in fixtures and settings.record_from == "live":
        return (
            "it uses runtime_clock, which a recording from the live service cannot move; record "
            "it from the fake with --runtime-record-from=fake"
        )
    return None


def _may_skip(item: pytest.Item) -> bool:
    return any(item.iter_markers("skip")) or any(item.iter_markers("skipif"))


def gate(settings: Settings, items: list[pytest.Item]) -> None:
    missing: list[str] = []
    for item in items:
        marker = item.get_closest_marker("runtime")
        modes: Collection[str] | None = None
        if marker is not None:
            check_marker(item, marker, settings)
            modes = marker.kwargs.get("modes")
        if modes is not None and settings.mode not in modes:
            reason = f"@pytest.mark.runtime(modes={_modes_text(modes)}) leaves out {settings.mode}"
            item.add_marker(pytest.mark.skip(reason=reason))
            continue
        if settings.mode != "replay":
            continue
        fixtures = set(getattr(item, "fixturenames", ()))
        if not (SERVICE_FIXTURES & fixtures) or "fake_runtime" in fixtures:
            continue  # fake_runtime skips it in replay
        path = cassette_path(settings, item)
        if path.exists():
            continue
        why = record_skips(settings, item, modes)
        if why is not None:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"no cassette to replay: record mode skips this test ({why})"
                )
            )
        elif not _may_skip(item):
            missing.append(f"  {item.nodeid}: {path}")
    if missing:
        shown = "\n".join(missing[:10]) + (
            f"\n  ... and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise pytest.UsageError(
            f"--runtime-mode=replay, but {len(missing)} test(s) have no cassette:\n{shown}\n"
            "Record them once: pytest --runtime-mode=record (with credentials, or "
            "--runtime-record-from=fake to record against the fake; add -k to pick tests), then "
            "commit the cassettes. A test that sends nothing records an empty cassette."
        )
