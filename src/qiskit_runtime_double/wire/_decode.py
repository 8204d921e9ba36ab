"""The decoding half of ``wire.codec``: the official client's tagged JSON back to Python values.

Import the public names from ``wire.codec``; this module is its implementation.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import io
import json
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

import dateutil.parser
import numpy as np
from qiskit.primitives.containers import (
    BitArray,
    DataBin,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.bindings_array import BindingsArray
from qiskit.primitives.containers.observables_array import ObservablesArray
from qiskit.qpy import QPY_VERSION, load
from qiskit.qpy.binary_io.value import (
    _read_parameter,
)
from qiskit.result import Result

from .inflate import (
    RESULT_LIMITS,
    DecodeBudget,
    PayloadLimits,
    PayloadTooLarge,
    b64decode_bounded,
    inflate,
)
from .npy import AST_READERS_LOCK, read_npy
from .spans import (
    DoubleSliceSpan,
    ExecutionSpan,
    ExecutionSpans,
    SliceSpan,
    TwirledSliceSpan,
    TwirledSliceSpanV2,
)

try:  # qiskit >= 2.1
    from qiskit.quantum_info import (
        PauliLindbladMap,
    )
except ImportError:  # pragma: no cover - depends on the installed qiskit
    PauliLindbladMap = None

__all__ = ["CircuitCache", "CodecError", "RuntimeDecoder", "decode", "from_jsonable"]

# The official decoder lets these strings through an "ndarray" tag (ZNE extrapolator names).
_EXTRAPOLATORS: Final = frozenset(
    {
        "linear",
        "exponential",
        "double_exponential",
        *(f"polynomial_degree_{n}" for n in range(1, 8)),
        "fallback",
    }
)
_OPERATORS_MODULE: Final = "qiskit.quantum_info.operators"
#: Decodes one tag: ``(the tagged object, its value, the document's budget) -> the value``.
_Decoder = Callable[[dict[str, Any], Any, DecodeBudget], Any]


class CodecError(ValueError):
    """A tagged value could not be decoded (corrupt, truncated, or from an incompatible encoder)."""


def decode(text: str | bytes, *, limits: PayloadLimits = RESULT_LIMITS) -> Any:
    """Parse JSON text written by this codec or by the official ``RuntimeEncoder``.

    Encoded payloads (arrays, circuits) decode within ``limits`` (``wire.inflate``): past them,
    a ``CodecError`` caused by ``PayloadTooLarge`` names the limit.
    """
    return json.loads(text, cls=RuntimeDecoder, limits=limits)


class CircuitCache:
    """Decoded circuits by their encoded payload, least recently used out past ``size`` circuits
    or ``max_chars`` characters of payload.

    A session sends the same circuit again and again (a variational loop changes only the
    parameter values); a receiver that keeps one of these decodes each distinct circuit once.
    The circuits it returns are shared between the values decoded with it: treat them as
    read-only. A payload longer than an eighth of ``max_chars`` is decoded but not kept, so a
    few huge circuits cannot hold the memory of a long-lived receiver.
    """

    def __init__(self, size: int = 128, max_chars: int = 16 * 2**20) -> None:
        self._size = size
        self._max_chars = max_chars
        self._chars = 0
        self._circuits: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, payload: str, decode: Callable[[], Any]) -> Any:
        with self._lock:
            if payload in self._circuits:
                self.hits += 1
                self._circuits.move_to_end(payload)
                return self._circuits[payload]
        circuit = decode()
        if len(payload) > self._max_chars // 8:
            return circuit
        with self._lock:
            if payload not in self._circuits:
                self._chars += len(payload)
            self._circuits[payload] = circuit
            while len(self._circuits) > self._size or self._chars > self._max_chars:
                dropped, _ = self._circuits.popitem(last=False)
                self._chars -= len(dropped)
        return circuit


def from_jsonable(
    data: Any, *, circuits: CircuitCache | None = None, limits: PayloadLimits = RESULT_LIMITS
) -> Any:
    """Decode tags in already-parsed JSON values; equals ``decode(json.dumps(data))``.

    The input is not modified. ``circuits`` caches decoded circuits by payload (see
    ``CircuitCache``). Payloads decode within ``limits``, all of them together included (a job's
    params: ``wire.inflate.JOB_INPUT_LIMITS``).
    """
    return _from_jsonable(data, circuits, DecodeBudget(limits))


def _from_jsonable(data: Any, circuits: CircuitCache | None, budget: DecodeBudget) -> Any:
    if isinstance(data, dict):
        if circuits is not None and data.get("__type__") == "QuantumCircuit":
            payload = data.get("__value__")
            if isinstance(payload, str):
                return circuits.get(payload, lambda: _object_hook(dict(data), budget))
        return _object_hook(
            {key: _from_jsonable(val, circuits, budget) for key, val in data.items()}, budget
        )
    if isinstance(data, (list, tuple)):
        return [_from_jsonable(item, circuits, budget) for item in data]
    return data


class RuntimeDecoder(json.JSONDecoder):
    """Drop-in for the official ``RuntimeDecoder``: ``json.loads(text, cls=RuntimeDecoder)``.

    ``limits`` bound the payloads of each document it decodes (``wire.inflate``).
    """

    def __init__(self, *, limits: PayloadLimits = RESULT_LIMITS, **kwargs: Any) -> None:
        kwargs.pop("encoding", None)  # accepted and ignored, as the official decoder does
        super().__init__(object_hook=self.object_hook, **kwargs)
        self._limits = limits
        self._budget = DecodeBudget(limits)

    def decode(self, s: str, *args: Any, **kwargs: Any) -> Any:
        """Decode one document (``json.loads`` calls this), with a budget of its own."""
        self._budget = DecodeBudget(self._limits)
        return super().decode(s, *args, **kwargs)

    def object_hook(self, obj: dict[str, Any]) -> Any:
        """Decode one JSON object whose members are already decoded."""
        return _object_hook(obj, self._budget)


def _object_hook(obj: dict[str, Any], budget: DecodeBudget) -> Any:
    if "__type__" not in obj:
        return obj
    tag = obj["__type__"]
    if "__value__" not in obj:
        raise CodecError(
            f"A JSON object has '__type__': {tag!r} but no '__value__'; a runtime-encoded tag "
            "needs both. Rename the '__type__' key if it is ordinary data."
        )
    decoder = _DECODERS.get(tag) if isinstance(tag, str) else None
    if decoder is None:
        # Unknown tags, and tags whose class lives outside qiskit, stay as they came.
        return obj
    try:
        return decoder(obj, obj["__value__"], budget)
    except CodecError:
        raise
    except PayloadTooLarge as exc:
        raise CodecError(
            f"A {tag!r} value is too large to decode: {exc}. Send smaller arrays or circuits, "
            "or split the work over several jobs."
        ) from exc
    except Exception as exc:
        raise CodecError(
            f"Cannot decode a {tag!r} value ({type(exc).__name__}: {exc}). Expected the "
            "payload the official RuntimeEncoder writes for this tag; check that the data is "
            "not truncated and that the sender's qiskit is not newer than this one."
        ) from exc


def _decode_datetime(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    # ISO 8601, as the official encoder writes it, parses in microseconds with the standard
    # library; anything else in dateutil's general (and much slower) parser.
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            pass
    return dateutil.parser.parse(value)


def _decode_complex(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    return value[0] + 1j * value[1]


def _decode_ndarray(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    if isinstance(value, str) and value in _EXTRAPOLATORS:
        return value
    if isinstance(value, (int, list)):
        return np.array(value)
    if not isinstance(value, str):
        raise CodecError(
            f"An 'ndarray' value must be a base64 npy blob, a list or an int; got "
            f"{type(value).__name__}."
        )
    # Not np.load: its header parser (ast) is not safe to run on two threads at once (wire.npy).
    return read_npy(_unb64(value, budget, decompress=True))


def _decode_circuit(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    return _load_qpy(value, budget)[0]


def _decode_instruction(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    return _load_qpy(value, budget)[0].data[0].operation


def _decode_parameter(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    with io.BytesIO(_unb64(value, budget, decompress=False)) as buf:
        return _read_parameter(buf)


def _decode_settings(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    module_name = obj.get("__module__")
    # Only quantum_info operators are rebuilt, as in the official client: the module name
    # comes from the wire, and importing arbitrary modules from it would be unsafe.
    if not isinstance(module_name, str) or not module_name.startswith(_OPERATORS_MODULE):
        return obj
    class_name = obj.get("__class__")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CodecError(f"No module {module_name!r} to rebuild a 'settings' value.") from exc
    cls = getattr(module, str(class_name), None)
    if not isinstance(cls, type):
        raise CodecError(f"Unable to find class {class_name} in module {module_name}")
    return cls(**_cast_int_keys(value))


def _decode_bindings_array(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    kwargs: dict[str, Any] = {"shape": value.get("shape")}
    data = value.get("data")
    if isinstance(data, dict):
        kwargs["data"] = {tuple(decode(key)): val for key, val in data.items()}
    elif data:
        raise CodecError(f"Unexpected data type {type(data).__name__} in BindingsArray.")
    return BindingsArray(**kwargs)


def _decode_data_bin(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    shape = value["shape"]
    if isinstance(shape, list):
        shape = tuple(shape)
    return DataBin(shape=shape, **value["fields"])


def _decode_sparse(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    try:
        from scipy.sparse import load_npz
    except ImportError:  # pragma: no cover - scipy comes with qiskit
        return obj
    raw = _unb64(value, budget, decompress=False)
    _check_npz(raw, budget)
    with io.BytesIO(raw) as buf, AST_READERS_LOCK:
        return load_npz(buf)  # np.load inside, so ast: see wire.npy


def _check_npz(raw: bytes, budget: DecodeBudget) -> None:
    """Refuse an ``.npz`` (a zip archive, maybe deflated) whose members would inflate past the
    limits. Python's zip reader never gives more than a member's declared size, so the declared
    sizes bound what ``load_npz`` inflates."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        declared = sum(info.file_size for info in archive.infolist())
    limits = budget.limits
    if declared > limits.max_bytes or (
        limits.max_ratio is not None
        and declared > limits.ratio_free_bytes
        and declared > limits.max_ratio * len(raw)
    ):
        raise PayloadTooLarge(
            f"its .npz archive declares {declared} bytes of arrays in {len(raw)} bytes, past "
            f"the limits ({limits.describe()})"
        )
    budget.charge(declared)


def _decode_pauli_lindblad_map(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
    if PauliLindbladMap is None:  # pragma: no cover - depends on the installed qiskit
        return obj
    paulis = [tuple(term) for term in value["paulis"]]
    return PauliLindbladMap.from_sparse_list(paulis, num_qubits=value["num_qubits"])


def _span_decoder(cls: type[ExecutionSpan]) -> _Decoder:
    """Rebuild a span of ``cls`` from its flat parts, reading them by ``cls.LAYOUT``."""

    def build(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
        parts = {int(idx): _span_part(cls, flat) for idx, flat in value["data_slices"].items()}
        return cls(value["start"], value["stop"], parts)

    return build


def _span_part(cls: type[ExecutionSpan], flat: Any) -> tuple[Any, ...]:
    width = sum(2 if kind == "slice" else 1 for kind in cls.LAYOUT)
    if not isinstance(flat, list) or len(flat) != width:
        raise CodecError(
            f"A {cls.__name__} part is a list of {width} items ({', '.join(cls.LAYOUT)}, a slice "
            f"as its start and stop), got {flat!r:.200}."
        )
    items = iter(flat)
    part: list[Any] = []
    for kind in cls.LAYOUT:
        if kind == "shape":
            part.append(tuple(next(items)))
        elif kind == "slice":
            part.append(slice(next(items), next(items)))
        else:
            part.append(next(items))
    return tuple(part)


def _kwargs_of(cls: Any) -> _Decoder:
    def build(obj: dict[str, Any], value: Any, budget: DecodeBudget) -> Any:
        return cls(**value)

    return build


_DECODERS: Final[Mapping[str, _Decoder]] = MappingProxyType(
    {
        "datetime": _decode_datetime,
        "complex": _decode_complex,
        "ndarray": _decode_ndarray,
        "set": lambda obj, value, budget: set(value),
        "QuantumCircuit": _decode_circuit,
        "Parameter": _decode_parameter,
        "Instruction": _decode_instruction,
        "settings": _decode_settings,
        "Result": lambda obj, value, budget: Result.from_dict(value),
        "spmatrix": _decode_sparse,
        "ObservablesArray": lambda obj, value, budget: ObservablesArray(value),
        "BindingsArray": _decode_bindings_array,
        "BitArray": _kwargs_of(BitArray),
        "DataBin": _decode_data_bin,
        # Its class is in the official client; the qiskit base class carries the same data.
        "EstimatorPubResult": _kwargs_of(PubResult),
        "SamplerPubResult": _kwargs_of(SamplerPubResult),
        "PubResult": _kwargs_of(PubResult),
        "PrimitiveResult": _kwargs_of(PrimitiveResult),
        "PauliLindbladMap": _decode_pauli_lindblad_map,
        # Execution spans: the official client's classes, rebuilt as ours (wire.spans).
        "ExecutionSpan": _span_decoder(SliceSpan),
        "DoubleSliceSpan": _span_decoder(DoubleSliceSpan),
        "TwirledSliceSpan": _span_decoder(TwirledSliceSpan),
        "TwirledSliceSpanV2": _span_decoder(TwirledSliceSpanV2),
        "ExecutionSpans": _kwargs_of(ExecutionSpans),
        "ExecutionSpanCollection": _kwargs_of(ExecutionSpans),  # its name before 0.34
        "to_json": lambda obj, value, budget: value,
    }
)


def _unb64(value: Any, budget: DecodeBudget, *, decompress: bool) -> bytes:
    """The bytes of a blob: base64, then (``decompress``) zlib, within ``budget``'s limits."""
    if not isinstance(value, str):
        raise CodecError(f"Expected a base64 string, got {type(value).__name__}.")
    raw = b64decode_bounded(value, budget.limits)
    if decompress:
        return inflate(raw, budget.limits, budget=budget)
    budget.charge(len(raw))
    return raw


def _load_qpy(value: Any, budget: DecodeBudget) -> list[Any]:
    raw = _unb64(value, budget, decompress=True)
    if raw[:6] != b"QISKIT" or len(raw) < 7:
        raise CodecError("The blob of a 'QuantumCircuit' or 'Instruction' tag is not QPY data.")
    version = raw[6]
    if version > QPY_VERSION:
        raise CodecError(
            f"This circuit was written in QPY version {version}, newer than the {QPY_VERSION} "
            "that the installed qiskit reads. Upgrade qiskit (pip install -U qiskit)."
        )
    # QPY reads array-valued parameters (a UnitaryGate's matrix, say) with np.load, so ast.
    with io.BytesIO(raw) as buf, AST_READERS_LOCK:
        programs: list[Any] = load(buf)
    return programs


def _cast_int_keys(obj: Any) -> Any:
    """Undo :func:`_set_int_keys_flag` on a copy: flagged dicts get int keys back."""
    if not isinstance(obj, dict):
        return obj
    flagged = "__int_keys__" in obj
    out: dict[Any, Any] = {}
    for key, val in obj.items():
        if key == "__int_keys__":
            continue
        new_key: Any = key
        if flagged:
            with contextlib.suppress(ValueError):
                new_key = int(key)
        out[new_key] = _cast_int_keys(val)
    return out
