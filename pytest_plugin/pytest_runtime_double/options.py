"""Command-line, environment and ini options, and how they are resolved."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["MODES", "RECORD_MODES", "Settings", "add_options", "settings_from"]

MODES = ("fake", "replay", "record", "live")
RECORD_MODES = ("once", "new_episodes", "rewrite", "record")
ENV_MODE = "QISKIT_RUNTIME_DOUBLE_MODE"
ENV_SEED = "QISKIT_RUNTIME_DOUBLE_SEED"


@dataclass(frozen=True)
class Settings:
    mode: str
    seed: int
    cassette_dir: Path
    record_mode: str


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("runtime-double", "qiskit-runtime-double: Qiskit Runtime test modes")
    group.addoption(
        "--runtime-mode",
        choices=MODES,
        default=None,
        help="where Qiskit Runtime calls go: fake (in-process fake, the default), replay "
        f"(committed cassettes), record (live service, recorded), live. Also ${ENV_MODE} "
        "or the runtime_mode ini option; the command line wins, then the environment, then ini.",
    )
    group.addoption(
        "--runtime-cassette-dir",
        default=None,
        help="directory of cassettes (default: cassettes/ under the rootdir; "
        "ini runtime_cassette_dir)",
    )
    group.addoption(
        "--runtime-record-mode",
        choices=RECORD_MODES,
        default=None,
        help="how --runtime-mode=record writes cassettes: once (record missing ones), "
        "new_episodes (add unmatched requests), rewrite (replace the file), record (re-record "
        "every request, keeping other recorded ones). "
        "Default once; ini runtime_record_mode.",
    )
    group.addoption(
        "--runtime-seed",
        type=int,
        default=None,
        help=f"seed of the fake (ids, durations, simulator); default 0; also ${ENV_SEED}",
    )
    parser.addini(
        "runtime_mode", "default runtime mode (fake, replay, record, live)", default="fake"
    )
    parser.addini(
        "runtime_cassette_dir", "cassette directory, relative to the rootdir", default="cassettes"
    )
    parser.addini("runtime_record_mode", "record mode for --runtime-mode=record", default="once")
    parser.addini("runtime_seed", "seed of the fake", default="0")


def _choice(name: str, value: str, allowed: tuple[str, ...], source: str) -> str:
    if value not in allowed:
        raise pytest.UsageError(
            f"{source} sets {name} to {value!r}; expected one of: {', '.join(allowed)}."
        )
    return value


def settings_from(config: pytest.Config) -> Settings:
    """Resolve the options: command line, then environment, then ini, then defaults."""
    mode = config.getoption("runtime_mode")
    if mode is None and os.environ.get(ENV_MODE):
        mode = _choice("the runtime mode", os.environ[ENV_MODE], MODES, f"${ENV_MODE}")
    if mode is None:
        mode = _choice("runtime_mode", str(config.getini("runtime_mode")), MODES, "the ini file")
    seed_text = config.getoption("runtime_seed")
    if seed_text is None:
        seed_text = os.environ.get(ENV_SEED) or config.getini("runtime_seed")
    try:
        seed = int(seed_text)
    except ValueError:
        raise pytest.UsageError(f"the runtime seed must be an integer, got {seed_text!r}") from None
    record_mode = config.getoption("runtime_record_mode") or _choice(
        "runtime_record_mode",
        str(config.getini("runtime_record_mode")),
        RECORD_MODES,
        "the ini file",
    )
    directory = config.getoption("runtime_cassette_dir") or config.getini("runtime_cassette_dir")
    cassette_dir = Path(directory)
    if not cassette_dir.is_absolute():
        cassette_dir = config.rootpath / cassette_dir
    return Settings(mode=mode, seed=seed, cassette_dir=cassette_dir, record_mode=record_mode)
