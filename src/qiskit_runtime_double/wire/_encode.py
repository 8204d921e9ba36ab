"""The encoding half of ``wire.codec``: Python values to the official client's tagged JSON.

Import the public names from ``wire.codec``; this module is its implementation.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import math
import sys
import threading
import warnings
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from types import MappingProxyType
from typing import Any, Final

import numpy as np
from qiskit.circuit import (
    ClassicalRegister,
    Instruction,
    Parameter,
    ParameterExpression,
    QuantumCircuit,
    QuantumRegister,
)
from qiskit.circuit.parametertable import (
    ParameterView,
)
from qiskit.primitives.containers import (
    BitArray,
    DataBin,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.bindings_array import BindingsArray
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.observables_array import ObservablesArray
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.qpy import QPY_VERSION, dump
from qiskit.qpy.binary_io.value import (
    _write_parameter,
)
from qiskit.result import Result
from qiskit.transpiler import CouplingMap

from .spans import ExecutionSpan, ExecutionSpans

try:  # qiskit >= 2.1
    from qiskit.quantum_info import (
        PauliLindbladMap,
    )
except ImportError:  # pragma: no cover - depends on the installed qiskit
    PauliLindbladMap = None

__all__ = [
    "QPY_WRITE_VERSION",
    "SERVICE_MAX_SUPPORTED_QPY_VERSION",
    "EncodedCircuits",
    "RuntimeEncoder",
    "encode",
    "to_jsonable",
]

# The newest QPY format the service reads, as qiskit-ibm-runtime 0.51 defines it.
SERVICE_MAX_SUPPORTED_QPY_VERSION: Final = 17
QPY_WRITE_VERSION: Final[int] = min(SERVICE_MAX_SUPPORTED_QPY_VERSION, int(QPY_VERSION))

_LEGACY_NOISE_LEARNER_MODULE: Final = "qiskit_ibm_runtime.utils.noise_learner_result"
_CURRENT_NOISE_LEARNER_MODULE: Final = "qiskit_ibm_runtime.results.noise_learner"
_OFFICIAL_SPAN_TAGS: Final = MappingProxyType(
    {
        "SliceSpan": "ExecutionSpan",
        "DoubleSliceSpan": "DoubleSliceSpan",
        "TwirledSliceSpan": "TwirledSliceSpan",
        "TwirledSliceSpanV2": "TwirledSliceSpanV2",
    }
)


def encode(obj: Any) -> str:
    """Serialise ``obj`` to compact JSON text that the official ``RuntimeDecoder`` reads."""
    return json.dumps(obj, cls=RuntimeEncoder, separators=(",", ":"))


def to_jsonable(obj: Any, *, circuits: EncodedCircuits | None = None) -> Any:
    """Map ``obj`` to plain JSON values (dict, list, str, int, float, bool, None).

    The result equals ``json.loads(encode(obj))``, without producing the text. ``circuits``
    reuses the encoding of a circuit sent before and not changed since (``EncodedCircuits``).
    """
    return _to_jsonable(obj, set(), circuits)


class EncodedCircuits:
    """The encodings of circuits sent before, reused while a circuit is unchanged.

    A session sends the same circuit again and again (a variational loop changes only the
    parameter values). Encoding one to QPY costs milliseconds for a few thousand gates, and QPY's
    bytes for one circuit differ from one encoding to the next (the order of registers in its
    layout section varies), so a receiver cannot tell it is the same. This cache keeps, per circuit
    object, a snapshot of what the encoding depends on (its instructions, bits and registers,
    global phase, name, metadata and layout) and hands back the same encoding while the circuit
    still equals the snapshot; comparing costs a fraction of encoding. A circuit changed in place
    is encoded anew.
    """

    def __init__(self, size: int = 128) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[Any, tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    @staticmethod
    def _state(circuit: QuantumCircuit) -> tuple[Any, ...] | None:
        data = getattr(circuit, "_data", None)
        if data is None or not hasattr(data, "copy"):
            return None  # a qiskit without CircuitData: never cached
        return (
            data,
            circuit.global_phase,
            circuit.name,
            dict(circuit.metadata or {}),
            circuit.layout,
            tuple(circuit.qregs),
            tuple(circuit.cregs),
        )

    def get(self, circuit: QuantumCircuit, encode: Callable[[], Any]) -> Any:
        state = self._state(circuit)
        if state is None:
            return encode()
        with self._lock:
            entry = self._entries.get(id(circuit))
            if entry is not None:
                ref, snapshot, encoded = entry
                if ref() is circuit and state[1:] == snapshot[1:] and state[0] == snapshot[0]:
                    self.hits += 1
                    self._entries.move_to_end(id(circuit))
                    return encoded
        encoded = encode()
        snapshot = (state[0].copy(), *state[1:])
        with self._lock:
            self._entries[id(circuit)] = (weakref.ref(circuit), snapshot, encoded)
            self._entries.move_to_end(id(circuit))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return encoded


class RuntimeEncoder(json.JSONEncoder):
    """Drop-in for the official ``RuntimeEncoder``: ``json.dumps(x, cls=RuntimeEncoder)``."""

    def default(self, o: Any) -> Any:
        return _encode_step(o)


def _to_jsonable(obj: Any, active: set[int], circuits: EncodedCircuits | None = None) -> Any:
    # Mirrors json.JSONEncoder's own walk: natives first, then one `default` step at a time.
    if isinstance(obj, str):
        return obj if type(obj) is str else str.__str__(obj)
    if obj is None or obj is True or obj is False:
        return obj
    if isinstance(obj, int):
        return obj if type(obj) is int else int(obj)
    if isinstance(obj, float):
        return obj if type(obj) is float else float(obj)
    marker = id(obj)
    if marker in active:
        raise ValueError("Circular reference detected")
    active.add(marker)
    try:
        if isinstance(obj, (list, tuple)):
            return [_to_jsonable(item, active, circuits) for item in obj]
        if isinstance(obj, dict):
            return {_json_key(key): _to_jsonable(val, active, circuits) for key, val in obj.items()}
        if circuits is not None and isinstance(obj, QuantumCircuit):
            return circuits.get(obj, lambda: _to_jsonable(_encode_step(obj), active))
        return _to_jsonable(_encode_step(obj), active, circuits)
    finally:
        active.discard(marker)


def _json_key(key: Any) -> str:
    """Convert a dict key the way ``json.dumps`` does."""
    if isinstance(key, str):
        return key if type(key) is str else str.__str__(key)
    if isinstance(key, float):
        if math.isnan(key):
            return "NaN"
        if math.isinf(key):
            return "Infinity" if key > 0 else "-Infinity"
        return float.__repr__(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode_step(o: Any) -> Any:
    """One encoding step: a JSON-native value or a tag dict whose parts are encoded in turn.

    The order of checks follows the official encoder, so ambiguous objects (for example one with
    both ``to_json`` and ``settings``) get the same tag.
    """
    if isinstance(o, CouplingMap):
        return list(o)
    if isinstance(o, date):
        return _tag("datetime", o.isoformat())
    if isinstance(o, (complex, np.complexfloating)):
        return _tag("complex", [o.real, o.imag])
    if isinstance(o, np.ndarray):
        if o.dtype == object:
            return _tag("ndarray", o.tolist())
        return _tag("ndarray", _b64_blob(lambda buf: np.save(buf, o, allow_pickle=False)))
    if isinstance(o, np.generic):
        scalar = _numpy_scalar(o)
        if scalar is not None:
            return scalar
    if isinstance(o, (set, frozenset)):
        return _tag("set", list(o))
    if isinstance(o, Result):
        return _tag("Result", o.to_dict())
    if hasattr(o, "to_json"):
        return _tag("to_json", o.to_json())
    if isinstance(o, QuantumCircuit):
        return _tag("QuantumCircuit", _qpy_blob(o, metadata_serializer=RuntimeEncoder))
    if isinstance(o, Parameter):
        return _tag("Parameter", _b64_blob(lambda buf: _write_parameter(buf, o), compress=False))
    if isinstance(o, ParameterView):
        return o.data
    if isinstance(o, Instruction):
        return _tag("Instruction", _qpy_blob(_single_instruction_circuit(o)))
    return _encode_container(o)


def _encode_container(o: Any) -> Any:
    """Primitive containers and results (second half of :func:`_encode_step`)."""
    if isinstance(o, ObservablesArray):
        return _tag("ObservablesArray", o.tolist())
    if isinstance(o, BindingsArray):
        # Keys are tuples of parameter names; the official client writes them as JSON text.
        data = {json.dumps(key, cls=RuntimeEncoder): val for key, val in o.data.items()}
        return _tag("BindingsArray", {"shape": o.shape, "data": data})
    if isinstance(o, BitArray):
        return _tag("BitArray", {"array": o.array, "num_bits": o.num_bits})
    if isinstance(o, DataBin):
        # ``field_types`` as the service writes them (IBM's result models require it); the
        # official encoder leaves it out, and every decoder reads only shape and fields.
        fields = dict(o.items())
        types = [type(value).__name__ for value in fields.values()]
        value = {"field_names": list(o), "field_types": types, "shape": o.shape, "fields": fields}
        return _tag("DataBin", value)
    if isinstance(o, EstimatorPub):
        params = o.parameter_values.as_array(o.circuit.parameters)
        return (o.circuit, o.observables.tolist(), params, o.precision)
    if isinstance(o, SamplerPub):
        return (o.circuit, o.parameter_values.as_array(o.circuit.parameters), o.shots)
    if isinstance(o, PubResult):
        # EstimatorPubResult lives in the official client; recognise it without importing it.
        if type(o).__name__ == "EstimatorPubResult":
            tag = "EstimatorPubResult"
        else:
            tag = "SamplerPubResult" if isinstance(o, SamplerPubResult) else "PubResult"
        return _tag(tag, {"data": o.data, "metadata": o.metadata})
    if isinstance(o, PrimitiveResult):
        return _tag("PrimitiveResult", {"pub_results": list(o), "metadata": o.metadata})
    if isinstance(o, ExecutionSpans):
        return _tag("ExecutionSpans", {"spans": list(o)})
    if isinstance(o, ExecutionSpan):
        # A subclass travels as the span kind it derives from (the wire knows only those).
        kind = next((c.__name__ for c in type(o).__mro__ if c.__name__ in _OFFICIAL_SPAN_TAGS), "")
        if kind:
            return _span_tag(kind, o.start, o.stop, o.data_slices)
    return _encode_official_or_generic(o)


def _encode_official_or_generic(o: Any) -> Any:
    """Classes of other libraries (recognised by name, never imported), then duck typing."""
    cls = type(o)
    module = cls.__module__
    if module.startswith("qiskit_ibm_runtime."):
        official = _encode_official(o, cls.__name__)
        if official is not None:
            return official
    if PauliLindbladMap is not None and isinstance(o, PauliLindbladMap):
        return _tag("PauliLindbladMap", {"paulis": o.to_sparse_list(), "num_qubits": o.num_qubits})
    if module.startswith("qiskit_aer.noise") and cls.__name__ == "NoiseModel":
        return _tag("NoiseModel", o.to_dict())
    if hasattr(o, "settings"):
        return {
            "__type__": "settings",
            "__module__": module,
            "__class__": cls.__name__,
            "__value__": _set_int_keys_flag(copy.deepcopy(o.settings)),
        }
    if hasattr(o, "_json"):
        # The official client writes moved result classes under their legacy module name.
        if module == _CURRENT_NOISE_LEARNER_MODULE:
            module = _LEGACY_NOISE_LEARNER_MODULE
        return {
            "__type__": "_json",
            "__module__": module,
            "__class__": cls.__name__,
            "__value__": _set_int_keys_flag(copy.deepcopy(o._json())),
        }
    if callable(o):
        warnings.warn(
            f"Callable {o} is not JSON serializable and will be set to None.",
            UserWarning,
            stacklevel=2,
        )
        return None
    sparse = _encode_sparse(o)
    if sparse is not None:
        return sparse
    raise TypeError(_unsupported_message(o))


def _encode_official(o: Any, name: str) -> dict[str, Any] | None:
    """Execution spans and ``NoiseLearnerResult`` of qiskit-ibm-runtime, read as it does."""
    if name == "NoiseLearnerResult":
        return _tag("NoiseLearnerResult", {"data": o.data, "metadata": o.metadata})
    if name == "ExecutionSpans":
        return _tag("ExecutionSpans", {"spans": list(o)})
    if name not in _OFFICIAL_SPAN_TAGS:
        return None
    parts = dict(o._data_slices)
    if name == "TwirledSliceSpanV2":  # the official class keeps the pub shots apart
        parts = {idx: (*part[:4], o._pub_shots[idx]) for idx, part in parts.items()}
    return _span_tag(name, o.start, o.stop, parts)


def _span_tag(
    name: str, start: Any, stop: Any, parts: dict[int, tuple[Any, ...]]
) -> dict[str, Any]:
    """A span in the official form: each pub's part flat, a slice as its start and stop."""
    flat = {
        idx: tuple(
            value
            for item in part
            for value in ((item.start, item.stop) if isinstance(item, slice) else (item,))
        )
        for idx, part in parts.items()
    }
    return _tag(_OFFICIAL_SPAN_TAGS[name], {"start": start, "stop": stop, "data_slices": flat})


def _encode_sparse(o: Any) -> dict[str, Any] | None:
    # Only look when scipy is already loaded: a sparse matrix implies it, and importing scipy
    # for every unsupported object would be slow.
    if "scipy" not in sys.modules:
        return None
    from scipy.sparse import issparse, save_npz

    if not issparse(o):
        return None
    return _tag("spmatrix", _b64_blob(lambda buf: save_npz(buf, o), compress=False))


def _numpy_scalar(o: np.generic) -> Any:
    # The official encoder converts only np.int64; other scalars are a superset it can decode.
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    return None


def _unsupported_message(o: Any) -> str:
    cls = type(o)
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    if isinstance(o, ParameterExpression):
        hint = (
            "bind it to a number (assign_parameters) or send the circuit that contains it; "
            "the runtime wire format has no tag for a standalone parameter expression"
        )
    else:
        hint = (
            "convert it to a supported value first (str, int, float, bool, None, list, dict, "
            "numpy array, complex, datetime, set, QuantumCircuit, Parameter, Instruction, "
            "a primitives container, or an object with a to_json() method or settings property)"
        )
    return f"Object of type {qualified} is not JSON serializable by the runtime codec: {hint}."


def _tag(tag: str, value: Any) -> dict[str, Any]:
    return {"__type__": tag, "__value__": value}


def _b64_blob(write: Callable[[io.BytesIO], object], *, compress: bool = True) -> str:
    with io.BytesIO() as buf:
        write(buf)
        raw = buf.getvalue()
    if compress:
        raw = zlib.compress(raw)
    return base64.standard_b64encode(raw).decode("ascii")


def _qpy_blob(circuit: Any, metadata_serializer: type[json.JSONEncoder] | None = None) -> str:
    def write(buf: io.BytesIO) -> None:
        dump(circuit, buf, metadata_serializer, version=QPY_WRITE_VERSION)

    return _b64_blob(write)


def _single_instruction_circuit(op: Any) -> Any:
    # The official client only adds qubits, so it cannot send a measure; adding clbits is a
    # superset that its decoder (first operation of the circuit) still reads.
    qreg = QuantumRegister(op.num_qubits)
    if op.num_clbits:
        creg = ClassicalRegister(op.num_clbits)
        circuit = QuantumCircuit(qreg, creg)
        circuit.append(op, qreg, creg)
    else:
        circuit = QuantumCircuit(qreg)
        circuit.append(op, qreg)
    return circuit


def _set_int_keys_flag(obj: Any) -> Any:
    """Mark dicts that have int keys with ``"__int_keys__": True`` (in place, as the official)."""
    if isinstance(obj, dict):
        for key, val in list(obj.items()):
            if isinstance(key, int):
                obj["__int_keys__"] = True
            _set_int_keys_flag(val)
    return obj
