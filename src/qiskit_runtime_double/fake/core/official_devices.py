"""The official fake devices installed (``qiskit_ibm_runtime.fake_provider``), found without
importing the client.

Importing ``qiskit_ibm_runtime`` takes seconds; a served fake offers every one of its devices by
name (``Simulation.offer_official_backends``) and must still start at once. So the devices are
found from the files the client ships: each lives in ``fake_provider/backends/<dir>/`` with its
snapshots ``conf_<dir>.json`` and ``props_<dir>.json``, and is named ``fake_<dir>`` (the
convention of every release since the fake provider moved there; ``tests/fake/test_catalogue.py``
checks it against the classes). A device is listed from its snapshots; its ``BackendV2`` (the
class, imported then) is made only when a job or a target needs it.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

__all__ = ["OfficialDevice", "installed_official_devices", "official_fake_classes"]


@dataclass(frozen=True)
class OfficialDevice:
    """One official fake device: where its snapshots are, and how to make it.

    ``dirname``, ``conf_filename`` and ``props_filename`` are named as the class attributes of the
    client's ``FakeBackendV2``, so ``snapshots.official_snapshot_of`` reads either.
    """

    name: str
    dirname: str
    conf_filename: str
    props_filename: str | None

    def make(self) -> BackendV2:
        """The device's ``BackendV2`` (imports the client), without the warnings some give at
        construction (fake_nighthawk's "not intended to represent typical error values"): a server
        offering every device must not warn about devices nobody asked for."""
        kind = (official_fake_classes() or {}).get(self.name)
        if kind is None:
            raise LookupError(
                f"The official fake device {self.name!r} has snapshots in {self.dirname} but no "
                "class in qiskit_ibm_runtime.fake_provider: reinstall qiskit-ibm-runtime."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return kind()


def installed_official_devices() -> list[OfficialDevice]:
    """The official fake devices of the installed ``qiskit_ibm_runtime``, by name; empty without
    it. Reads a directory listing: nothing is imported."""
    try:
        spec = importlib.util.find_spec("qiskit_ibm_runtime")
    except (ImportError, ValueError):
        return []
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    found: list[OfficialDevice] = []
    for package in locations:
        backends = os.path.join(package, "fake_provider", "backends")
        if not os.path.isdir(backends):
            continue
        for directory in sorted(os.listdir(backends)):
            where = os.path.join(backends, directory)
            conf = f"conf_{directory}.json"
            if not os.path.isfile(os.path.join(where, conf)):
                continue
            props = f"props_{directory}.json"
            has_props = os.path.isfile(os.path.join(where, props))
            found.append(
                OfficialDevice(f"fake_{directory}", where, conf, props if has_props else None)
            )
    return found


@cache
def official_fake_classes() -> dict[str, type[BackendV2]] | None:
    """Official fake backend classes by backend name; None without ``qiskit_ibm_runtime``."""
    try:
        from qiskit_ibm_runtime import fake_provider
        from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2
    except ImportError:
        return None
    found: dict[str, type[BackendV2]] = {}
    for attr in dir(fake_provider):
        cls = getattr(fake_provider, attr)
        name = getattr(cls, "backend_name", None)
        if isinstance(cls, type) and issubclass(cls, FakeBackendV2) and isinstance(name, str):
            found[name] = cls
    return found
