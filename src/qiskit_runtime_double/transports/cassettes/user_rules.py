"""Patterns users declare for their own secrets, as text: the pytest ini option, the command line.

A pattern is a Python regular expression. A leading comment names it, and the name is what
findings and errors call it: ``(?#ACME key)ACME-[A-Z0-9]{20}``. A group named ``secret`` limits
the replacement to that group: ``customer=(?P<secret>\\d{6,})``. Each pattern becomes a
``ScrubRule.regex``, added to the default rules, so it scrubs on write and ``cassette check``
looks for it; a bad pattern is an ``IBMInputValueError`` that names where it came from.

Where patterns are declared (one setting, read by both):

- the pytest ini option ``runtime_secret_patterns``, one pattern per line (``pytest.ini``,
  ``tox.ini``, ``setup.cfg``), or a list of strings under ``[tool.pytest.ini_options]`` in
  ``pyproject.toml``;
- ``qiskit-runtime-double cassette check --pattern REGEX`` (repeatable), and the same setting
  read from ``--patterns-from FILE``, or from the pytest configuration file of the current
  directory when no file is named.
"""

from __future__ import annotations

import configparser
import importlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from ...errors import IBMInputValueError
from .rules import DEFAULT_SCRUB_RULES, ScrubRule

__all__ = [
    "SETTING",
    "find_pytest_config",
    "patterns_in_file",
    "rule_from_text",
    "scrub_rules_from_patterns",
]

#: The pytest ini option (and the key the command line reads from the same files).
SETTING: Final = "runtime_secret_patterns"
#: pytest's own order of configuration files.
_CONFIG_FILES: Final = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
_NAME: Final = re.compile(r"\(\?#(?P<name>[^)]*)\)")


def rule_from_text(text: str, source: str) -> ScrubRule:
    """A rule for one declared pattern; ``source`` says where it was declared, for errors."""
    pattern = text.strip()
    if not pattern:
        raise IBMInputValueError(f"{source}: an empty secret pattern; remove the line.")
    named = _NAME.match(pattern)
    name = named["name"].strip() if named else ""
    try:
        return ScrubRule.regex(pattern, name=name or f"secret pattern {pattern}")
    except IBMInputValueError as exc:
        raise IBMInputValueError(f"{source}: {exc}") from None


def scrub_rules_from_patterns(
    patterns: Iterable[str],
    source: str = "secret patterns",
    *,
    base: Iterable[ScrubRule] | None = None,
) -> list[ScrubRule]:
    """``base`` (by default ``DEFAULT_SCRUB_RULES``) and a rule for each declared pattern.

    Blank lines are skipped; an error names ``source`` and the pattern's number there. Pass
    ``base=()`` for the declared rules alone.
    """
    rules = list(DEFAULT_SCRUB_RULES if base is None else base)
    number = 0
    for text in patterns:
        if text.strip():
            number += 1
            rules.append(rule_from_text(text, f"{source}, pattern {number}"))
    return rules


def find_pytest_config(directory: Path) -> Path | None:
    """The file pytest would take its configuration from in ``directory`` (not its parents)."""
    for name in _CONFIG_FILES:
        path = directory / name
        if path.is_file() and _pytest_section(path) is not None:
            return path
    return None


def patterns_in_file(path: Path) -> list[str]:
    """The ``runtime_secret_patterns`` a pytest configuration file declares (none: [])."""
    section = _pytest_section(path)
    if section is None:
        return []
    value = section.get(SETTING)
    if value is None:
        return []
    if isinstance(value, str):
        return [line for line in value.splitlines() if line.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise IBMInputValueError(
        f"{path}: {SETTING} must be a list of strings (regular expressions), got "
        f"{type(value).__name__}."
    )


def _pytest_section(path: Path) -> dict[str, Any] | None:
    """The pytest section of a configuration file, or None if it has none."""
    if path.suffix == ".toml":
        tool = _read_toml(path).get("tool")
        pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
        options = pytest_table.get("ini_options") if isinstance(pytest_table, dict) else None
        return options if isinstance(options, dict) else None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise IBMInputValueError(f"{path} is not a valid ini file: {exc}") from None
    for name in ("pytest", "tool:pytest"):
        if parser.has_section(name) and (name == "pytest" or path.name == "setup.cfg"):
            return dict(parser.items(name))
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib as toml
    else:  # pragma: no cover - Python 3.10: tomli, which pytest itself needs there
        try:
            toml = importlib.import_module("tomli")
        except ImportError:
            raise IBMInputValueError(
                f"Reading {path} on Python 3.10 needs the tomli package (pip install tomli); "
                "or pass the patterns with --pattern."
            ) from None
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = toml.load(handle)
    except (OSError, ValueError) as exc:
        raise IBMInputValueError(f"{path} cannot be read as TOML: {exc}") from None
    return data
