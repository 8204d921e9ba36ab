"""Every ```python block in docs/ runs: the examples users copy must work.

Blocks of one page share a namespace and run in order. A block right after an HTML comment
``<!-- not run -->`` is skipped (for examples that need a live account); one after
``<!-- pytest: FILE -->`` is a file of a pytest example, run by tests/plugin/test_docs_tutorial.py.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"(<!-- (?:not run|pytest: [\w.]+) -->\s*)?```python\n(.*?)```", re.S)


def _runnable(page: Path) -> list[str]:
    return [code for skip, code in BLOCK.findall(page.read_text(encoding="utf-8")) if not skip]


PAGES = sorted(p for p in DOCS.glob("*.md") if _runnable(p))


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_examples_run(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    blocks = _runnable(page)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        for code in blocks:
            exec(compile(code, str(page), "exec"), namespace)


def test_every_page_is_listed_in_the_readme_or_linked() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    linked = readme + "".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    for page in DOCS.glob("*.md"):
        assert page.name in linked, f"docs/{page.name} is linked from nowhere"
