"""``runtime_config`` and the ``runtime`` marker: defaults, merging, and checks with clear errors.

A ``runtime_config`` override may return only the keys it changes: the rest come from the
defaults (``resolve``). ``default_backend`` left to None follows the marker's ``backend=``, else
the first of ``backends``, else ``generic_5q``. The marker is checked at collection
(``check_marker``): its ``backend=`` against the fake's backends when they are known then (the
default catalogue, when no ``runtime_config`` override can change it), else when the test sets up.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from .options import MODES, Settings

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_BACKEND",
    "MARKER_ARGS",
    "check_marker",
    "default_config",
    "marker_kwargs",
    "resolve",
]

MARKER_ARGS = ("backend", "max_time", "seed", "cassette", "modes")
DEFAULT_BACKEND = "generic_5q"
CONFIG_KEYS = (
    "backends",
    "seed",
    "clock_start",
    "clock_mode",
    "default_backend",
    "duration_model",
    "plan",
    "scrub_rules",
    "service_options",
)


def marker_kwargs(node: pytest.Item) -> dict[str, Any]:
    marker = node.get_closest_marker("runtime")
    return dict(marker.kwargs) if marker is not None else {}


def default_config(settings: Settings, marker: Mapping[str, Any]) -> dict[str, Any]:
    """What ``runtime_config`` returns unless overridden."""
    return {
        "backends": None,
        "seed": marker.get("seed", settings.seed),
        "clock_start": None,
        "clock_mode": "advance",
        # None: the marker's backend, else the first of ``backends``, else generic_5q.
        "default_backend": marker.get("backend"),
        "duration_model": None,
        "plan": None,
        "scrub_rules": None,
        # Extra QiskitRuntimeService arguments in record and live modes (e.g. runtime_url).
        "service_options": {},
    }


def _backend_names(backends: object) -> list[str] | None:
    """The names a fake built with ``backends`` has (None for the default catalogue)."""
    if backends is None:
        return None
    if isinstance(backends, str):
        return [backends]
    if isinstance(backends, Mapping):
        return [str(name) for name in backends]
    if isinstance(backends, Sequence):
        return [str(name) for name in backends]
    raise _ConfigError(
        "runtime_config['backends'] must be None (the default catalogue), a list of backend "
        f"names, or a dict of names to BackendV2 objects; got {type(backends).__name__}."
    )


class _ConfigError(Exception):
    pass


def _default_catalogue() -> tuple[str, ...]:
    from qiskit_runtime_double.fake.core.catalogue import DEFAULT_BACKENDS

    return DEFAULT_BACKENDS


def _unknown_backend(source: str, name: str, choices: Sequence[str]) -> str:
    return (
        f"{source} names backend {name!r}, which the fake does not have. Its backends: "
        f"{', '.join(choices)}. Pick one of them, or add it to runtime_config['backends']."
    )


def resolve(
    raw: object, settings: Settings, marker: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """``raw`` (what ``runtime_config`` returned) merged over the defaults, and checked.

    A problem fails the test at setup with a message naming the key (``pytest.fail``).
    """
    try:
        return _resolve(raw, settings, marker)
    except _ConfigError as exc:
        problem = str(exc)
    pytest.fail(f"{where}: {problem}", pytrace=False)  # outside the except: no chained report


def _resolve(raw: object, settings: Settings, marker: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _ConfigError(
            f"the runtime_config fixture must return a dict, got {type(raw).__name__}. Return "
            "only the keys you change, e.g. {'backends': ['generic_27q']}."
        )
    unknown = sorted(str(key) for key in raw if key not in CONFIG_KEYS)
    if unknown:
        raise _ConfigError(
            f"runtime_config has unknown key(s) {unknown}; the keys are {', '.join(CONFIG_KEYS)}."
        )
    merged = {**default_config(settings, marker), **raw}
    if merged["service_options"] is None:
        merged["service_options"] = {}
    if not isinstance(merged["service_options"], Mapping):
        raise _ConfigError(
            "runtime_config['service_options'] must be a dict of QiskitRuntimeService arguments "
            f"(e.g. {{'runtime_url': ...}}), got {type(merged['service_options']).__name__}."
        )
    names = _backend_names(merged["backends"])
    chosen = marker.get("backend") or merged["default_backend"]
    source = (
        "@pytest.mark.runtime(backend=...)"
        if marker.get("backend")
        else "runtime_config['default_backend']"
    )
    if chosen is not None and (not isinstance(chosen, str) or not chosen):
        raise _ConfigError(f"{source} must be a backend name, got {chosen!r}.")
    if chosen is None:
        chosen = names[0] if names else DEFAULT_BACKEND
    elif settings.has_fake:  # the fake's backends are known; elsewhere the service decides
        choices = names if names is not None else list(_default_catalogue())
        if chosen not in choices:
            raise _ConfigError(_unknown_backend(source, chosen, choices))
    merged["default_backend"] = chosen
    return merged


def _overrides_runtime_config(item: pytest.Item) -> bool:
    """Whether anything may override ``runtime_config`` for ``item`` (then the fake's backends
    are only known when the test sets up): the test's module or class, a conftest above it, or
    any other plugin defining it. Public pytest API only, and erring towards "overridden"."""
    for holder in (getattr(item, "module", None), getattr(item, "cls", None)):
        if holder is not None and hasattr(holder, "runtime_config"):
            return True
    ours = getattr(sys.modules.get("pytest_runtime_double.fixtures"), "runtime_config", None)
    for plugin in item.config.pluginmanager.get_plugins():
        found = getattr(plugin, "runtime_config", None)
        if found is None or found is ours:  # ours, wherever the plugin re-exports it
            continue
        where = getattr(plugin, "__file__", None)
        if not where or Path(where).name != "conftest.py":
            return True  # a plugin module's fixture applies everywhere
        if Path(where).parent in Path(item.path).parents:
            return True
    return False


def check_marker(item: pytest.Item, marker: pytest.Mark, settings: Settings) -> None:
    """Refuse a wrong ``runtime`` marker before any test runs (``pytest.UsageError``)."""
    where = f"@pytest.mark.runtime on {item.nodeid}"
    if marker.args:
        raise pytest.UsageError(
            f"{where} takes keyword arguments only ({', '.join(MARKER_ARGS)}), got {marker.args!r}."
        )
    unknown = set(marker.kwargs) - set(MARKER_ARGS)
    if unknown:
        raise pytest.UsageError(
            f"{where} got unknown argument(s) {sorted(unknown)}; it takes {', '.join(MARKER_ARGS)}."
        )
    seed = marker.kwargs.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise pytest.UsageError(f"{where}: seed must be an int, got {seed!r}.")
    for name in ("backend", "cassette"):
        value = marker.kwargs.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise pytest.UsageError(f"{where}: {name} must be a non-empty string, got {value!r}.")
    modes = marker.kwargs.get("modes")
    if modes is not None and (
        isinstance(modes, str)
        or not isinstance(modes, (list, tuple, set, frozenset))
        or not modes
        or any(mode not in MODES for mode in modes)
    ):
        raise pytest.UsageError(
            f"{where}: modes must be a non-empty tuple of modes from {', '.join(MODES)} "
            f'(e.g. modes=("fake", "replay")), got {modes!r}.'
        )
    max_time = marker.kwargs.get("max_time")
    if max_time is not None:
        from qiskit_runtime_double import IBMInputValueError, parse_max_time

        try:
            parse_max_time(max_time)
        except IBMInputValueError as exc:
            raise pytest.UsageError(f"{where}: {exc}") from None
    backend = marker.kwargs.get("backend")
    if backend is not None and settings.has_fake and not _overrides_runtime_config(item):
        choices = _default_catalogue()
        if backend not in choices:
            raise pytest.UsageError(
                _unknown_backend(where, backend, choices)
                + " (With a runtime_config override, backend= is checked against its backends.)"
            )
