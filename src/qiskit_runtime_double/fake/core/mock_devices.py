"""Mock devices: where a dry run goes, and what it answers.

IBM's service lists, beside each device, a *mock* device (``GET /backends?include_mocks=true``,
``"class": "mock"``); the official client 0.51 sends a primitive's ``run(..., dry_run=True)`` to
the mock of its backend, named by ``wire.vocabulary.mock_backend_name`` (``ibm_fez`` ->
``mock_fez``). A dry run is validated as the real job would be and reports the usage the real job
would incur, but uses no QPU time and returns "randomized mock data" in the result's schema
(IBM's guide "Dry-run jobs"; the client's docstrings).

Here a device's mock is another entry over the same ``BackendV2`` (same target, configuration
and calibration, under its own name), on a lane of its own. A job on it runs as any job does
(validation, duration, usage), then its measured data are replaced by random data of the same
shapes (``randomized``); the instance's ``/instances/usage`` does not count it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ...wire.vocabulary import MOCK_CLASS, mock_backend_name
from .catalogue import BackendEntry

if TYPE_CHECKING:
    from qiskit.providers import BackendV2

__all__ = ["mock_entries", "randomized"]


def mock_entries(
    devices: Mapping[str, BackendEntry], taken: Iterable[str] = ()
) -> dict[str, BackendEntry]:
    """The mock device of each device of ``devices`` (simulators have none).

    A device whose mock name would be plain ``mock`` (its name has no ``_``), or a name already
    used (``taken``, another device's mock) has none: a dry run on it is refused as on a device
    without a mock ("backend 'mock_...' was not found").
    """
    used = set(devices) | set(taken)
    found: dict[str, BackendEntry] = {}
    for entry in devices.values():
        if entry.simulator or entry.mock_of is not None:
            continue
        name = mock_backend_name(entry.name)
        if name in (entry.name, MOCK_CLASS) or name in used or name in found:
            continue
        found[name] = BackendEntry(
            name=name,
            build=_same_backend(entry),
            simulator=False,
            backend_version=entry.backend_version,
            known_key=entry.known_key,
            shared=entry.shared,
            official=entry.official,
            mock_of=entry.name,
            offered=entry.offered,
        )
    return found


def _same_backend(device: BackendEntry) -> Callable[[], BackendV2]:
    """The device's own ``BackendV2`` (made once, shared by the device and its mock)."""
    return lambda: device.backend


def randomized(result: Any, seed: int) -> Any:
    """``result`` with its data randomized, shapes, types and metadata kept.

    Per pub: each ``BitArray`` (a sampler's registers) becomes uniformly random bits; each float
    array becomes uniform random values (``evs`` in [-1, 1]; standard errors, ``stds`` and
    ``ensemble_standard_error``, in [0, 0.1]). What is not a ``PrimitiveResult`` (a program's own
    result) is returned as it is.
    """
    from qiskit.primitives import DataBin, PrimitiveResult, PubResult, SamplerPubResult

    if not isinstance(result, PrimitiveResult):
        return result
    draws = np.random.default_rng(seed)
    pubs = []
    for pub in result:
        fields = {name: _random(name, value, draws) for name, value in pub.data.items()}
        data = DataBin(**fields, shape=pub.data.shape)
        kind = SamplerPubResult if isinstance(pub, SamplerPubResult) else PubResult
        pubs.append(kind(data, metadata=pub.metadata))
    return PrimitiveResult(pubs, metadata=result.metadata)


def _random(name: str, value: Any, draws: np.random.Generator) -> Any:
    from qiskit.primitives import BitArray

    if isinstance(value, BitArray):
        array = draws.integers(0, 256, size=value.array.shape, dtype=np.uint8)
        spare = value.array.shape[-1] * 8 - value.num_bits if value.array.ndim else 0
        if spare and array.size:
            array[..., 0] &= np.uint8(0xFF >> spare)  # big-endian bytes: the first is partial
        return BitArray(array, value.num_bits)
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        low = 0.0 if name in ("stds", "ensemble_standard_error") else -1.0
        high = 0.1 if low == 0.0 else 1.0
        return np.asarray(draws.uniform(low, high, size=value.shape), dtype=value.dtype)
    return value
