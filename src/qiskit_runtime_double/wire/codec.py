"""JSON codec for job params and results, compatible with the official client's
``RuntimeEncoder``/``RuntimeDecoder`` (qiskit-ibm-runtime 0.51; API notes section 4.1).

Tagged values travel as ``{"__type__": tag, "__value__": payload}``. Blobs are
``base64(zlib(bytes))`` ("b64z") for arrays and QPY, plain base64 for ``Parameter``.

Where the official decoder builds a class that only exists in qiskit-ibm-runtime (execution
spans, ``NoiseLearnerResult``, noise-learner ``_json`` objects) or in qiskit-aer
(``NoiseModel``), this decoder returns the tagged dict unchanged. Such a dict re-encodes to the
same JSON, so a value passes through the fake or a cassette losslessly and the official client
still decodes it. ``EstimatorPubResult`` decodes to its qiskit base class ``PubResult``.
The decoder does not run the official post-processing of whole job objects for the
``executor``/``calibrate``/``noise-learner`` programs (pydantic models from ibm-quantum-schemas).

``canonical_circuit`` gives the structural fingerprint that request matching compares, because
QPY bytes of the same circuit differ between runs (API notes section 4.4).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import importlib
import io
import json
import math
import re
import sys
import warnings
import zlib
from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, Final

import dateutil.parser
import numpy as np
from qiskit.circuit import (  # type: ignore[import-untyped, unused-ignore]
    ClassicalRegister,
    Clbit,
    ControlFlowOp,
    ControlledGate,
    Instruction,
    Parameter,
    ParameterExpression,
    QuantumCircuit,
    QuantumRegister,
)
from qiskit.circuit.classical import expr as cexpr  # type: ignore[import-untyped, unused-ignore]
from qiskit.circuit.library import (  # type: ignore[import-untyped, unused-ignore]
    get_standard_gate_name_mapping,
)
from qiskit.circuit.parametertable import (  # type: ignore[import-untyped, unused-ignore]
    ParameterView,
)
from qiskit.primitives.containers import (  # type: ignore[import-untyped, unused-ignore]
    BindingsArray,
    BitArray,
    DataBin,
    EstimatorPub,
    ObservablesArray,
    PrimitiveResult,
    PubResult,
    SamplerPub,
    SamplerPubResult,
)
from qiskit.qpy import QPY_VERSION, dump, load  # type: ignore[import-untyped, unused-ignore]
from qiskit.qpy.binary_io.value import (  # type: ignore[import-untyped, unused-ignore]
    _read_parameter,
    _write_parameter,
)
from qiskit.result import Result  # type: ignore[import-untyped, unused-ignore]
from qiskit.transpiler import CouplingMap  # type: ignore[import-untyped, unused-ignore]

try:  # qiskit >= 2.1
    from qiskit.quantum_info import (  # type: ignore[import-untyped, unused-ignore]
        PauliLindbladMap,
    )
except ImportError:  # pragma: no cover - depends on the installed qiskit
    PauliLindbladMap = None

__all__ = [
    "QPY_WRITE_VERSION",
    "SERVICE_MAX_SUPPORTED_QPY_VERSION",
    "CodecError",
    "RuntimeDecoder",
    "RuntimeEncoder",
    "canonical_circuit",
    "decode",
    "encode",
    "from_jsonable",
    "to_jsonable",
]

# The newest QPY format the service reads, as qiskit-ibm-runtime 0.51 defines it.
SERVICE_MAX_SUPPORTED_QPY_VERSION: Final = 17
QPY_WRITE_VERSION: Final[int] = min(SERVICE_MAX_SUPPORTED_QPY_VERSION, int(QPY_VERSION))

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


class CodecError(ValueError):
    """A tagged value could not be decoded (corrupt, truncated, or from an incompatible encoder)."""


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------


def encode(obj: Any) -> str:
    """Serialise ``obj`` to compact JSON text that the official ``RuntimeDecoder`` reads."""
    return json.dumps(obj, cls=RuntimeEncoder, separators=(",", ":"))


def to_jsonable(obj: Any) -> Any:
    """Map ``obj`` to plain JSON values (dict, list, str, int, float, bool, None).

    The result equals ``json.loads(encode(obj))``, without producing the text.
    """
    return _to_jsonable(obj, set())


class RuntimeEncoder(json.JSONEncoder):
    """Drop-in for the official ``RuntimeEncoder``: ``json.dumps(x, cls=RuntimeEncoder)``."""

    def default(self, o: Any) -> Any:
        return _encode_step(o)


def _to_jsonable(obj: Any, active: set[int]) -> Any:
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
            return [_to_jsonable(item, active) for item in obj]
        if isinstance(obj, dict):
            return {_json_key(key): _to_jsonable(val, active) for key, val in obj.items()}
        return _to_jsonable(_encode_step(obj), active)
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
        fields = dict(o.items())
        return _tag("DataBin", {"field_names": list(o), "shape": o.shape, "fields": fields})
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
    tag = _OFFICIAL_SPAN_TAGS.get(name)
    if tag is None:
        return None
    slices: dict[int, tuple[Any, ...]] = {}
    for idx, entry in o._data_slices.items():
        if name == "SliceSpan":
            shape, sl = entry
            slices[idx] = (shape, sl.start, sl.stop)
        elif name == "DoubleSliceSpan":
            shape, args, shots = entry
            slices[idx] = (shape, args.start, args.stop, shots.start, shots.stop)
        else:
            shape, at_start, args, shots = entry[:4]
            slices[idx] = (shape, at_start, args.start, args.stop, shots.start, shots.stop)
            if name == "TwirledSliceSpanV2":
                slices[idx] += (o._pub_shots[idx],)
    return _tag(tag, {"start": o.start, "stop": o.stop, "data_slices": slices})


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


# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------


def decode(text: str | bytes) -> Any:
    """Parse JSON text written by this codec or by the official ``RuntimeEncoder``."""
    return json.loads(text, cls=RuntimeDecoder)


def from_jsonable(data: Any) -> Any:
    """Decode tags in already-parsed JSON values; equals ``decode(json.dumps(data))``.

    The input is not modified.
    """
    if isinstance(data, dict):
        return _object_hook({key: from_jsonable(val) for key, val in data.items()})
    if isinstance(data, (list, tuple)):
        return [from_jsonable(item) for item in data]
    return data


class RuntimeDecoder(json.JSONDecoder):
    """Drop-in for the official ``RuntimeDecoder``: ``json.loads(text, cls=RuntimeDecoder)``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("encoding", None)  # accepted and ignored, as the official decoder does
        super().__init__(object_hook=self.object_hook, **kwargs)

    def object_hook(self, obj: dict[str, Any]) -> Any:
        """Decode one JSON object whose members are already decoded."""
        return _object_hook(obj)


def _object_hook(obj: dict[str, Any]) -> Any:
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
        return decoder(obj, obj["__value__"])
    except CodecError:
        raise
    except Exception as exc:
        raise CodecError(
            f"Cannot decode a {tag!r} value ({type(exc).__name__}: {exc}). Expected the "
            "payload the official RuntimeEncoder writes for this tag; check that the data is "
            "not truncated and that the sender's qiskit is not newer than this one."
        ) from exc


def _decode_datetime(obj: dict[str, Any], value: Any) -> Any:
    return dateutil.parser.parse(value)


def _decode_complex(obj: dict[str, Any], value: Any) -> Any:
    return value[0] + 1j * value[1]


def _decode_ndarray(obj: dict[str, Any], value: Any) -> Any:
    if isinstance(value, str) and value in _EXTRAPOLATORS:
        return value
    if isinstance(value, (int, list)):
        return np.array(value)
    if not isinstance(value, str):
        raise CodecError(
            f"An 'ndarray' value must be a base64 npy blob, a list or an int; got "
            f"{type(value).__name__}."
        )
    with io.BytesIO(_unb64(value, decompress=True)) as buf:
        return np.load(buf, allow_pickle=False)


def _decode_circuit(obj: dict[str, Any], value: Any) -> Any:
    return _load_qpy(value)[0]


def _decode_instruction(obj: dict[str, Any], value: Any) -> Any:
    return _load_qpy(value)[0].data[0].operation


def _decode_parameter(obj: dict[str, Any], value: Any) -> Any:
    with io.BytesIO(_unb64(value, decompress=False)) as buf:
        return _read_parameter(buf)


def _decode_settings(obj: dict[str, Any], value: Any) -> Any:
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


def _decode_bindings_array(obj: dict[str, Any], value: Any) -> Any:
    kwargs: dict[str, Any] = {"shape": value.get("shape")}
    data = value.get("data")
    if isinstance(data, dict):
        kwargs["data"] = {tuple(decode(key)): val for key, val in data.items()}
    elif data:
        raise CodecError(f"Unexpected data type {type(data).__name__} in BindingsArray.")
    return BindingsArray(**kwargs)


def _decode_data_bin(obj: dict[str, Any], value: Any) -> Any:
    shape = value["shape"]
    if isinstance(shape, list):
        shape = tuple(shape)
    return DataBin(shape=shape, **value["fields"])


def _decode_sparse(obj: dict[str, Any], value: Any) -> Any:
    try:
        from scipy.sparse import load_npz
    except ImportError:  # pragma: no cover - scipy comes with qiskit
        return obj
    with io.BytesIO(_unb64(value, decompress=False)) as buf:
        return load_npz(buf)


def _decode_pauli_lindblad_map(obj: dict[str, Any], value: Any) -> Any:
    if PauliLindbladMap is None:  # pragma: no cover - depends on the installed qiskit
        return obj
    paulis = [tuple(term) for term in value["paulis"]]
    return PauliLindbladMap.from_sparse_list(paulis, num_qubits=value["num_qubits"])


def _kwargs_of(cls: Any) -> Callable[[dict[str, Any], Any], Any]:
    def build(obj: dict[str, Any], value: Any) -> Any:
        return cls(**value)

    return build


_DECODERS: Final[Mapping[str, Callable[[dict[str, Any], Any], Any]]] = MappingProxyType(
    {
        "datetime": _decode_datetime,
        "complex": _decode_complex,
        "ndarray": _decode_ndarray,
        "set": lambda obj, value: set(value),
        "QuantumCircuit": _decode_circuit,
        "Parameter": _decode_parameter,
        "Instruction": _decode_instruction,
        "settings": _decode_settings,
        "Result": lambda obj, value: Result.from_dict(value),
        "spmatrix": _decode_sparse,
        "ObservablesArray": lambda obj, value: ObservablesArray(value),
        "BindingsArray": _decode_bindings_array,
        "BitArray": _kwargs_of(BitArray),
        "DataBin": _decode_data_bin,
        # Its class is in the official client; the qiskit base class carries the same data.
        "EstimatorPubResult": _kwargs_of(PubResult),
        "SamplerPubResult": _kwargs_of(SamplerPubResult),
        "PubResult": _kwargs_of(PubResult),
        "PrimitiveResult": _kwargs_of(PrimitiveResult),
        "PauliLindbladMap": _decode_pauli_lindblad_map,
        "to_json": lambda obj, value: value,
    }
)


def _unb64(value: Any, *, decompress: bool) -> bytes:
    if not isinstance(value, str):
        raise CodecError(f"Expected a base64 string, got {type(value).__name__}.")
    raw = base64.standard_b64decode(value)
    return zlib.decompress(raw) if decompress else raw


def _load_qpy(value: Any) -> list[Any]:
    raw = _unb64(value, decompress=True)
    if raw[:6] != b"QISKIT" or len(raw) < 7:
        raise CodecError("The blob of a 'QuantumCircuit' or 'Instruction' tag is not QPY data.")
    version = raw[6]
    if version > QPY_VERSION:
        raise CodecError(
            f"This circuit was written in QPY version {version}, newer than the {QPY_VERSION} "
            "that the installed qiskit reads. Upgrade qiskit (pip install -U qiskit)."
        )
    with io.BytesIO(raw) as buf:
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


# --------------------------------------------------------------------------------------------
# Canonical circuit fingerprint
# --------------------------------------------------------------------------------------------

_CANONICAL_FORMAT: Final = 1  # bump when the fingerprint changes, so stale matches fail loudly
_STRETCH: Final[Any] = getattr(cexpr, "Stretch", None)  # qiskit >= 2.0
# Names qiskit generates from global counters, so they differ between two identical builds.
_AUTO_REGISTER_NAME: Final = re.compile(r"[qca]\d+")
_AUTO_IN_TEXT: Final = re.compile(r"circuit-\d+|_loop_i_\d+")
# Float literals inside a printed parameter expression, not digits inside names like `v[0]`.
_FLOAT_LITERAL: Final = re.compile(
    r"(?<![\w.\[])(?:\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)(?![\w.\]])"
)


def canonical_circuit(circ: Any) -> str:
    """A deterministic structural fingerprint of ``circ``, for matching recorded requests.

    Kept: gate names, parameters (numbers to 12 significant digits, expressions by parameter
    names), qubit and clbit indices, register names and their bits, global phase, classical
    conditions and variables, control-flow bodies, and definitions of custom gates.
    Ignored: the circuit's name and metadata, parameter UUIDs, layout, labels.
    Names that qiskit numbers from global counters (``q3``/``c7`` registers, ``circuit-12``
    gates, ``_loop_i_4`` loop parameters) are renumbered in order of appearance.
    """
    if not isinstance(circ, QuantumCircuit):
        raise TypeError(
            f"canonical_circuit expects a qiskit QuantumCircuit, got {type(circ).__name__}; "
            "decode the payload first (for example with from_jsonable)."
        )
    fingerprint = {"format": _CANONICAL_FORMAT, **_Canonicalizer().circuit(circ)}
    return json.dumps(fingerprint, separators=(",", ":"), ensure_ascii=False)


class _Canonicalizer:
    """Renders a circuit as nested lists; holds the renumbering of generated names."""

    def __init__(self) -> None:
        self._aliases: dict[str, str] = {}
        self._standard = get_standard_gate_name_mapping()

    def circuit(self, circ: Any) -> dict[str, Any]:
        qidx = {bit: i for i, bit in enumerate(circ.qubits)}
        cidx = {bit: i for i, bit in enumerate(circ.clbits)}
        return {
            "qubits": circ.num_qubits,
            "clbits": circ.num_clbits,
            "qregs": [[self._register_name(r.name), [qidx[b] for b in r]] for r in circ.qregs],
            "cregs": [[self._register_name(r.name), [cidx[b] for b in r]] for r in circ.cregs],
            "phase": self.value(circ.global_phase, cidx),
            "vars": self._vars(circ),
            "ops": [self._instruction(item, qidx, cidx) for item in circ.data],
        }

    def _instruction(self, item: Any, qidx: dict[Any, int], cidx: dict[Any, int]) -> list[Any]:
        op = item.operation
        entry: list[Any] = [
            self._text(op.name),
            [self.value(p, cidx) for p in op.params],
            [qidx.get(q, -1) for q in item.qubits],
            [cidx.get(c, -1) for c in item.clbits],
        ]
        extra = self._op_extras(op, cidx)
        if extra:
            entry.append(extra)
        return entry

    def _op_extras(self, op: Any, cidx: dict[Any, int]) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        condition = getattr(op, "condition", None)
        if condition is not None:
            extra["condition"] = self.value(condition, cidx)
        if op.name == "switch_case":
            extra["target"] = self.value(op.target, cidx)
            extra["cases"] = [
                [self.value(v, cidx) for v in values] for values, _ in op.cases_specifier()
            ]
        elif op.name == "store":
            extra["store"] = [self.value(op.lvalue, cidx), self.value(op.rvalue, cidx)]
        elif op.name in ("delay", "box"):
            extra["unit"] = getattr(op, "unit", None)
            if op.name == "box":
                extra["duration"] = self.value(getattr(op, "duration", None), cidx)
        if isinstance(op, ControlledGate):
            extra["ctrl"] = [op.num_ctrl_qubits, op.ctrl_state]
            if not self._is_standard(op.base_gate):
                extra["base"] = self._definition_of(op.base_gate)
        elif self._needs_definition(op):
            extra["definition"] = self._definition_of(op)
        return extra

    def _needs_definition(self, op: Any) -> bool:
        # Custom and library gates are only partly described by name and params (a
        # PauliEvolutionGate keeps its operator elsewhere), so their definition counts too.
        # Control flow is covered by its blocks, a unitary by its matrix, and standard gates
        # by their name.
        if isinstance(op, ControlFlowOp) or op.name == "unitary":
            return False
        return isinstance(op, Instruction) and not self._is_standard(op)

    def _definition_of(self, op: Any) -> Any:
        definition = op.definition
        if definition is None:
            return [self._text(op.name), None]
        return [self._text(op.name), self.circuit(definition)]

    def _is_standard(self, op: Any) -> bool:
        known = self._standard.get(op.name)
        return known is not None and type(known) is type(op)

    def value(self, v: Any, cidx: dict[Any, int]) -> Any:
        """Render a parameter, condition or classical expression."""
        if v is None:
            return v
        if isinstance(v, (bool, np.bool_)):
            # QPY reads a one-bit condition value back as a bool; 1 and True must match.
            return str(int(v))
        if isinstance(v, str):
            return self._text(v)
        if isinstance(v, ParameterExpression):
            if v.parameters:
                return {"expr": self._text(_FLOAT_LITERAL.sub(_round_match, str(v)))}
            return self.value(complex(v), cidx)
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        if isinstance(v, (float, np.floating)):
            return _round(float(v))
        if isinstance(v, (complex, np.complexfloating)):
            if v.imag == 0:
                return _round(float(v.real))
            return {"complex": [_round(float(v.real)), _round(float(v.imag))]}
        if isinstance(v, np.ndarray):
            return {"array": list(v.shape), "values": [self.value(x, cidx) for x in v.ravel()]}
        if isinstance(v, QuantumCircuit):
            return {"circuit": self.circuit(v)}
        if isinstance(v, range):
            return {"range": [v.start, v.stop, v.step]}
        if isinstance(v, (list, tuple)):
            return [self.value(x, cidx) for x in v]
        if isinstance(v, Clbit):
            return {"clbit": cidx.get(v, -1)}
        if isinstance(v, ClassicalRegister):
            return {"creg": [self._register_name(v.name), [cidx.get(b, -1) for b in v]]}
        if isinstance(v, cexpr.Expr):
            return self._expr(v, cidx)
        # Anything else (a library gate's operator, a sentinel): type plus text, best effort.
        return {"other": [type(v).__qualname__, self._text(str(v))]}

    def _expr(self, node: Any, cidx: dict[Any, int]) -> Any:
        kind = type(node).__name__
        typ = str(node.type)
        if _STRETCH is not None and isinstance(node, _STRETCH):
            return {kind: self._text(node.name), "type": typ}
        if isinstance(node, cexpr.Var):
            target = node.var
            if isinstance(target, (Clbit, ClassicalRegister)):
                return {kind: self.value(target, cidx), "type": typ}
            return {kind: self._text(node.name), "type": typ}
        if isinstance(node, cexpr.Value):
            return {kind: self.value(node.value, cidx), "type": typ}
        if isinstance(node, cexpr.Unary):
            return {kind: node.op.name, "args": [self._expr(node.operand, cidx)], "type": typ}
        if isinstance(node, cexpr.Binary):
            args = [self._expr(node.left, cidx), self._expr(node.right, cidx)]
            return {kind: node.op.name, "args": args, "type": typ}
        if isinstance(node, cexpr.Cast):
            return {
                kind: bool(node.implicit),
                "args": [self._expr(node.operand, cidx)],
                "type": typ,
            }
        if isinstance(node, cexpr.Index):
            args = [self._expr(node.target, cidx), self._expr(node.index, cidx)]
            return {kind: None, "args": args, "type": typ}
        return {kind: self._text(str(node)), "type": typ}

    def _vars(self, circ: Any) -> list[list[str]]:
        out: list[list[str]] = []
        kinds = ("input_vars", "captured_vars", "declared_vars")
        for kind in (*kinds, "captured_stretches", "declared_stretches"):
            iterate = getattr(circ, f"iter_{kind}", None)
            if iterate is not None:
                out.extend([kind, self._text(v.name), str(v.type)] for v in iterate())
        return out

    def _register_name(self, name: str) -> str:
        if _AUTO_REGISTER_NAME.fullmatch(name):
            return self._alias(name)
        return name

    def _text(self, text: str) -> str:
        return _AUTO_IN_TEXT.sub(lambda m: self._alias(m.group()), text)

    def _alias(self, name: str) -> str:
        alias = self._aliases.get(name)
        if alias is None:
            prefix = name.rstrip("0123456789")
            alias = self._aliases[name] = f"{prefix}#{len(self._aliases)}"
        return alias


def _round(x: float) -> str:
    text = f"{x:.12g}"
    return "0" if text == "-0" else text


def _round_match(match: re.Match[str]) -> str:
    return _round(float(match.group()))
