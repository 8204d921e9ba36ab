"""docs/guarantees.md states the served fake's limits with the values the code has."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from qiskit_runtime_double.fake.http.limits import ServerLimits

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guarantees.md"
UNITS = {"": 1, "KiB": 1024, "MiB": 1024**2, "s": 1}


def _documented() -> dict[str, float]:
    rows = re.findall(r"^\| `(\w+)`[^|]*\| ([\d.]+) ?(\w*) \|", PAGE.read_text(), re.MULTILINE)
    return {name: float(number) * UNITS[unit] for name, number, unit in rows}


def test_every_limit_is_stated_with_its_default() -> None:
    defaults = {
        item.name: float(getattr(ServerLimits(), item.name)) for item in fields(ServerLimits)
    }

    assert _documented() == defaults
