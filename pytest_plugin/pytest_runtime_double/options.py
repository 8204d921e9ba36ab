"""Command-line, environment and ini options, and how they are resolved."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = [
    "MODES",
    "PROGRESS",
    "RECORD_FROM",
    "RECORD_MODES",
    "Settings",
    "add_options",
    "settings_from",
]

MODES = ("fake", "replay", "record", "live")
RECORD_MODES = ("once", "new_episodes", "rewrite", "record")
RECORD_FROM = ("live", "fake")
PROGRESS = ("auto", "on", "off")
ENV_MODE = "QISKIT_RUNTIME_DOUBLE_MODE"
ENV_SEED = "QISKIT_RUNTIME_DOUBLE_SEED"
ENV_RECORD_FROM = "QISKIT_RUNTIME_DOUBLE_RECORD_FROM"


@dataclass(frozen=True)
class Settings:
    mode: str
    seed: int
    cassette_dir: Path
    record_mode: str
    record_from: str = "live"
    #: Where ``--runtime-timeline`` writes one SVG per test that used a fake (None: nowhere).
    timeline_dir: Path | None = None
    progress: str = "auto"
    #: The ``runtime_secret_patterns`` ini option: the user's own secrets, scrubbed and checked.
    secret_patterns: tuple[str, ...] = ()

    @property
    def records_from_fake(self) -> bool:
        return self.mode == "record" and self.record_from == "fake"

    @property
    def has_fake(self) -> bool:
        """Whether tests run against an in-process fake (fake mode, or recording from one)."""
        return self.mode == "fake" or self.records_from_fake

    @property
    def waits_for_real(self) -> bool:
        """Whether jobs wait in a real queue (live mode, or recording from the live service)."""
        return self.mode == "live" or (self.mode == "record" and self.record_from == "live")

    @property
    def needs_credentials(self) -> bool:
        return self.waits_for_real


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("runtime-double", "qiskit-runtime-double: Qiskit Runtime test modes")
    group.addoption(
        "--runtime-mode",
        choices=MODES,
        default=None,
        help="where Qiskit Runtime calls go: fake (in-process fake, the default), replay "
        f"(committed cassettes), record (recorded into cassettes), live. Also ${ENV_MODE} "
        "or the runtime_mode ini option; the command line wins, then the environment, then ini.",
    )
    group.addoption(
        "--runtime-record-from",
        choices=RECORD_FROM,
        default=None,
        help="what --runtime-mode=record records: live (the live service, with your account; "
        "the default) or fake (an in-process fake configured by runtime_config; no account). "
        f"Also ${ENV_RECORD_FROM} or the runtime_record_from ini option.",
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
    group.addoption(
        "--runtime-timeline",
        default=None,
        metavar="DIR",
        help="write an SVG timeline of each test that used a fake into DIR (relative to the "
        "current directory); ini runtime_timeline",
    )
    group.addoption(
        "--runtime-progress",
        choices=PROGRESS,
        default=None,
        help="a status line while a job waits in a real queue (live mode, recording from the "
        "live service): auto (on a terminal, not in CI; the default), on, off. "
        "Ini runtime_progress.",
    )
    parser.addini(
        "runtime_mode", "default runtime mode (fake, replay, record, live)", default="fake"
    )
    parser.addini("runtime_record_from", "what record mode records: live or fake", default="live")
    parser.addini(
        "runtime_cassette_dir", "cassette directory, relative to the rootdir", default="cassettes"
    )
    parser.addini("runtime_record_mode", "record mode for --runtime-mode=record", default="once")
    parser.addini("runtime_seed", "seed of the fake", default="0")
    parser.addini(
        "runtime_timeline", "directory for SVG timelines of tests that used a fake", default=""
    )
    parser.addini("runtime_progress", "status line while jobs wait: auto, on, off", default="auto")
    parser.addini(
        "runtime_secret_patterns",
        "your own secrets, one regular expression per line, scrubbed from cassettes like the "
        "built-in ones (name one with a leading (?#name) comment); cassette check reads them too",
        type="linelist",
        default=[],
    )


def _choice(name: str, value: str, allowed: tuple[str, ...], source: str) -> str:
    if value not in allowed:
        raise pytest.UsageError(
            f"{source} sets {name} to {value!r}; expected one of: {', '.join(allowed)}."
        )
    return value


def _resolved(
    config: pytest.Config,
    option: str,
    env: str | None,
    ini: str,
    allowed: tuple[str, ...],
    what: str = "",
) -> str:
    """The command line, then the environment variable ``env``, then the ini option ``ini``."""
    value: str | None = config.getoption(option)
    if value is None and env is not None and os.environ.get(env):
        value = _choice(what, os.environ[env], allowed, f"${env}")
    if value is None:
        value = _choice(ini, str(config.getini(ini)), allowed, "the ini file")
    return value


def settings_from(config: pytest.Config) -> Settings:
    """Resolve the options: command line, then environment, then ini, then defaults."""
    mode = _resolved(config, "runtime_mode", ENV_MODE, "runtime_mode", MODES, "the runtime mode")
    record_from = _resolved(
        config,
        "runtime_record_from",
        ENV_RECORD_FROM,
        "runtime_record_from",
        RECORD_FROM,
        "what record mode records",
    )
    seed_text = config.getoption("runtime_seed")
    if seed_text is None:
        seed_text = os.environ.get(ENV_SEED) or config.getini("runtime_seed")
    try:
        seed = int(seed_text)
    except ValueError:
        raise pytest.UsageError(f"the runtime seed must be an integer, got {seed_text!r}") from None
    record_mode = _resolved(
        config, "runtime_record_mode", None, "runtime_record_mode", RECORD_MODES
    )
    directory = config.getoption("runtime_cassette_dir") or config.getini("runtime_cassette_dir")
    cassette_dir = Path(directory)
    if not cassette_dir.is_absolute():
        cassette_dir = config.rootpath / cassette_dir
    timeline = config.getoption("runtime_timeline") or config.getini("runtime_timeline")
    timeline_dir = None
    if timeline:
        timeline_dir = Path(timeline)
        if not timeline_dir.is_absolute():
            timeline_dir = config.invocation_params.dir / timeline_dir
    progress = _resolved(config, "runtime_progress", None, "runtime_progress", PROGRESS)
    patterns = tuple(line for line in config.getini("runtime_secret_patterns") if line.strip())
    return Settings(
        mode=mode,
        seed=seed,
        cassette_dir=cassette_dir,
        record_mode=record_mode,
        record_from=record_from,
        timeline_dir=timeline_dir,
        progress=progress,
        secret_patterns=patterns,
    )
