"""The pytest examples in docs/ (blocks marked ``<!-- pytest: FILE -->``) pass under pytester."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FILE_BLOCK = re.compile(r"<!-- pytest: ([\w.]+) -->\s*```python\n(.*?)```", re.S)
PAGES = sorted(p for p in DOCS.glob("*.md") if FILE_BLOCK.search(p.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_pytest_examples_pass_in_fake_mode(pytester: pytest.Pytester, page: Path) -> None:
    files = FILE_BLOCK.findall(page.read_text(encoding="utf-8"))
    for name, code in files:
        (pytester.path / name).write_text(code, encoding="utf-8")
    pytester.syspathinsert()
    tests = sum(code.count("\ndef test_") for name, code in files if name.startswith("test_"))
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=tests)


def test_the_tutorials_tests_record_from_the_fake_and_replay(pytester: pytest.Pytester) -> None:
    """Every test of the tutorial is recorded and replayed: none needs the fake itself."""
    page = DOCS / "tutorial-variational.md"
    files = FILE_BLOCK.findall(page.read_text(encoding="utf-8"))
    for name, code in files:
        (pytester.path / name).write_text(code, encoding="utf-8")
    pytester.syspathinsert()
    tests = sum(code.count("\ndef test_") for name, code in files if name.startswith("test_"))

    recorded = pytester.runpytest(
        "-p", "no:randomly", "--runtime-mode=record", "--runtime-record-from=fake"
    )
    replayed = pytester.runpytest("-p", "no:randomly", "--runtime-mode=replay")

    recorded.assert_outcomes(passed=tests)
    replayed.assert_outcomes(passed=tests)
