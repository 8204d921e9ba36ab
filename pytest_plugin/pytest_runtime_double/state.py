"""What the plugin keeps on the config and on each test item, and where a test's cassette lives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .options import Settings

if TYPE_CHECKING:
    from qiskit_runtime_double import FakeRuntime

__all__ = [
    "CASSETTE",
    "FAKE",
    "OFFICIAL_CLOCK",
    "REPORTS",
    "SETTINGS",
    "cassette_path",
    "sanitize",
]

SETTINGS = pytest.StashKey[Settings]()
#: Each phase's report of a test, so fixtures can tell whether the test failed.
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
#: The fake a test ran against (fake mode, or recording from the fake), for its reports.
FAKE: pytest.StashKey[FakeRuntime] = pytest.StashKey()
#: The cassette a test replays or records.
CASSETTE = pytest.StashKey[Path]()
#: The clock the official client's interception runs on (``ibm_runtime``), when it can be moved.
OFFICIAL_CLOCK = pytest.StashKey[Any]()


def sanitize(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "test"


def cassette_path(settings: Settings, item: pytest.Item) -> Path:
    """``<cassette dir>/<test module>/<test name>.yaml``, or the marker's cassette name."""
    module = Path(str(item.path)).stem
    marker = item.get_closest_marker("runtime")
    named = marker.kwargs.get("cassette") if marker is not None else None
    parts = item.nodeid.split("::")[1:]
    name = named or ".".join(parts) or item.name
    filename = sanitize(name)
    return (
        settings.cassette_dir
        / sanitize(module)
        / (filename if filename.endswith(".yaml") else filename + ".yaml")
    )
