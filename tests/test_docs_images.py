"""The pictures in docs/img/ are what the code draws today.

Each timeline of docs/scheduling.md is rendered again from its scenario in docs/timelines.py and
compared with the committed file. After a change to the drawing (fake/core/timeline.py) or to the
scheduling, regenerate them with ``.venv/bin/python docs/timelines.py`` (or run this test with
``QRD_UPDATE_DOCS_IMAGES=1``), look at them, and commit them.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
UPDATE = os.environ.get("QRD_UPDATE_DOCS_IMAGES") == "1"


def _timelines() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_timelines", DOCS / "timelines.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TIMELINES = _timelines()


@pytest.mark.parametrize("name", list(TIMELINES.SCENARIOS))
def test_committed_timeline_is_what_the_code_draws(name: str) -> None:
    path = DOCS / "img" / f"{name}.svg"
    drawn = TIMELINES.render(name)
    if UPDATE:
        path.write_text(drawn, encoding="utf-8")
    committed = path.read_text(encoding="utf-8") if path.exists() else ""
    assert committed == drawn, (
        f"docs/img/{name}.svg is stale: regenerate it with '.venv/bin/python docs/timelines.py' "
        "(or QRD_UPDATE_DOCS_IMAGES=1), check the picture, and commit it"
    )


def test_every_timeline_in_docs_img_has_a_scenario() -> None:
    pictures = {path.stem for path in (DOCS / "img").glob("*.svg")}
    assert pictures == set(TIMELINES.SCENARIOS)


def test_scheduling_page_shows_every_timeline() -> None:
    page = (DOCS / "scheduling.md").read_text(encoding="utf-8")
    for name in TIMELINES.SCENARIOS:
        assert f"(img/{name}.svg)" in page


def test_the_live_pages_picture_is_a_screenshot_shown_in_server_mode() -> None:
    # Taken by tests/browser/test_dashboard_browser.py (QRD_UPDATE_DOCS_IMAGES=1).
    from PIL import Image

    with Image.open(DOCS / "img" / "dashboard.png") as picture:
        assert picture.format == "PNG" and picture.size == (1200, 1000)
    assert "(img/dashboard.png)" in (DOCS / "server-mode.md").read_text(encoding="utf-8")
