"""The runtime JSON codec: own round trips, both directions against the official client, the
``canonical_circuit`` fingerprint, and payloads shaped like real sampler jobs."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter, ParameterVector
from qiskit.circuit.classical import expr, types
from qiskit.circuit.library import (
    HGate,
    Measure,
    PauliEvolutionGate,
    QFTGate,
    RXGate,
    UnitaryGate,
)
from qiskit.primitives.containers import (
    BindingsArray,
    BitArray,
    DataBin,
    ObservablesArray,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.quantum_info import Pauli as PauliOp
from qiskit.quantum_info import PauliList, SparsePauliOp, Statevector
from qiskit.result import Result
from qiskit.transpiler import CouplingMap

from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire import spans as wire_spans

from ..helpers import bell

UTC = dt.timezone.utc
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- comparing decoded values -----------------------------------------------------------------


def assert_equivalent(actual: Any, expected: Any, where: str = "value") -> None:
    """Deep comparison that knows the qiskit containers (most have no useful ``__eq__``)."""
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{where}: {type(actual)}"
        assert actual.dtype == expected.dtype, f"{where}: {actual.dtype} != {expected.dtype}"
        np.testing.assert_array_equal(actual, expected, err_msg=where, strict=True)
    elif isinstance(expected, QuantumCircuit):
        assert isinstance(actual, QuantumCircuit), f"{where}: {type(actual)}"
        assert actual == expected, where
        assert codec.canonical_circuit(actual) == codec.canonical_circuit(expected), where
    elif isinstance(expected, BitArray):
        assert isinstance(actual, BitArray), f"{where}: {type(actual)}"
        assert actual.num_bits == expected.num_bits, where
        assert_equivalent(actual.array, expected.array, f"{where}.array")
    elif isinstance(expected, DataBin):
        assert isinstance(actual, DataBin), f"{where}: {type(actual)}"
        assert list(actual) == list(expected), where
        assert actual.shape == expected.shape, where
        for name in expected:
            assert_equivalent(actual[name], expected[name], f"{where}.{name}")
    elif isinstance(expected, PubResult):
        assert type(actual).__name__ == type(expected).__name__, where
        assert_equivalent(actual.data, expected.data, f"{where}.data")
        assert_equivalent(actual.metadata, expected.metadata, f"{where}.metadata")
    elif isinstance(expected, PrimitiveResult):
        assert isinstance(actual, PrimitiveResult), f"{where}: {type(actual)}"
        assert len(actual) == len(expected), where
        for i, (mine, theirs) in enumerate(zip(actual, expected, strict=True)):
            assert_equivalent(mine, theirs, f"{where}[{i}]")
        assert_equivalent(actual.metadata, expected.metadata, f"{where}.metadata")
    elif isinstance(expected, BindingsArray):
        assert isinstance(actual, BindingsArray), f"{where}: {type(actual)}"
        assert actual.shape == expected.shape, where
        assert actual.data.keys() == expected.data.keys(), where
        for key, val in expected.data.items():
            assert_equivalent(actual.data[key], val, f"{where}.data[{key}]")
    elif isinstance(expected, ObservablesArray):
        assert isinstance(actual, ObservablesArray), f"{where}: {type(actual)}"
        assert actual.shape == expected.shape and actual.tolist() == expected.tolist(), where
    elif isinstance(expected, Result):
        assert isinstance(actual, Result), f"{where}: {type(actual)}"
        assert actual.to_dict() == expected.to_dict(), where
    elif isinstance(expected, Parameter):
        assert isinstance(actual, Parameter), f"{where}: {type(actual)}"
        assert (actual.name, actual.uuid) == (expected.name, expected.uuid), where
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {type(actual)}"
        assert list(actual) == list(expected), where
        for key in expected:
            assert_equivalent(actual[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected), f"{where}: {type(actual)}"
        assert len(actual) == len(expected), where
        for i, (mine, theirs) in enumerate(zip(actual, expected, strict=True)):
            assert_equivalent(mine, theirs, f"{where}[{i}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float) and math.isnan(actual), where
    elif _is_sparse(expected):
        assert type(actual) is type(expected), f"{where}: {type(actual)}"
        assert (actual != expected).nnz == 0, where
    else:
        assert type(actual) is type(expected), f"{where}: {type(actual)} != {type(expected)}"
        assert actual == expected, where


def _is_sparse(value: Any) -> bool:
    from scipy.sparse import issparse

    return bool(issparse(value))


# --- sample values --------------------------------------------------------------------------


def rich_circuit() -> QuantumCircuit:
    theta, phi = Parameter("θ"), Parameter("φ")
    vec = ParameterVector("v", 2)
    qreg, creg = QuantumRegister(3, "q"), ClassicalRegister(3, "c")
    circuit = QuantumCircuit(qreg, creg, name="rich", global_phase=0.25)
    circuit.rx(2 * theta + vec[0], 0)
    circuit.ry(phi, 1)
    circuit.rz(vec[1] - 0.5, 2)
    circuit.cx(0, 1)
    circuit.barrier()
    circuit.reset(2)
    circuit.measure(qreg, creg)
    with circuit.if_test((creg[0], 1)):
        circuit.x(2)
    circuit.metadata = {"experiment": "demo", "shots": 10}
    return circuit


def custom_gate() -> Any:
    sub = QuantumCircuit(2, name="pair")
    sub.h(0)
    sub.cx(0, 1)
    return sub.to_gate()


def sample_result() -> Any:
    return Result.from_dict(
        {
            "backend_name": "fake",
            "backend_version": "1.0",
            "qobj_id": "q",
            "job_id": "j",
            "success": True,
            "results": [
                {
                    "shots": 10,
                    "success": True,
                    "data": {"counts": {"0x0": 6, "0x3": 4}},
                    "header": {"name": "bell"},
                }
            ],
        }
    )


def bit_array(shots: int = 8, num_bits: int = 2, shape: tuple[int, ...] = ()) -> BitArray:
    rng = np.random.default_rng(7)
    width = (num_bits + 7) // 8
    raw = rng.integers(0, 256, size=(*shape, shots, width), dtype=np.uint8)
    raw[..., 0] &= (1 << min(num_bits, 8)) - 1  # unused high bits stay zero, as BitArray wants
    return BitArray(raw, num_bits)


def sampler_result(shots: int = 100) -> PrimitiveResult:
    first = SamplerPubResult(
        DataBin(meas=bit_array(shots, 2), shape=()), metadata={"circuit_metadata": {}}
    )
    second = SamplerPubResult(
        DataBin(c=bit_array(shots, 3, (2,)), shape=(2,)), metadata={"circuit_metadata": {"k": 1}}
    )
    return PrimitiveResult([first, second], metadata={"version": 2})


class WithToJson:
    def to_json(self) -> dict[str, int]:
        return {"answer": 42}


class WithSettings:
    """Not a quantum_info operator: decoded as the tagged dict, as the official does."""

    @property
    def settings(self) -> dict[str, Any]:
        return {"table": {1: "one", 2: "two"}}


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[], Any]
    # What decoding gives back, from the original value; None means the value itself.
    expect: Callable[[Any], Any] | None = None
    official_encodes: bool = True  # False where the official encoder raises (our superset)

    def expected(self, value: Any) -> Any:
        return value if self.expect is None else self.expect(value)


CASES = [
    Case("datetime", lambda: dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)),
    Case("naive-datetime", lambda: dt.datetime(2024, 5, 6, 7, 8, 9)),
    Case("date", lambda: dt.date(2024, 5, 6), lambda d: dt.datetime(d.year, d.month, d.day)),
    Case("complex", lambda: 1.5 - 2j),
    Case("np-complex128", lambda: np.complex128(0.5j), lambda v: complex(v)),
    Case("np-complex64", lambda: np.complex64(0.5j), lambda v: complex(v), False),
    Case("ndarray-int", lambda: np.arange(12, dtype=np.int64).reshape(3, 4)),
    Case("ndarray-float", lambda: np.array([[0.5, np.nan], [np.inf, -0.0]])),
    Case("ndarray-complex", lambda: np.array([1 + 2j, -3j], dtype=np.complex64)),
    Case("ndarray-bool", lambda: np.array([[True, False]])),
    Case("ndarray-uint8", lambda: np.array([[1], [255]], dtype=np.uint8)),
    Case("ndarray-0d", lambda: np.array(3.25)),
    Case("ndarray-empty", lambda: np.zeros((0,))),
    Case(
        "ndarray-object", lambda: np.array([1, "a"], dtype=object), lambda a: np.array(a.tolist())
    ),
    Case("np-int64", lambda: np.int64(7), lambda v: 7),
    Case("np-int32", lambda: np.int32(7), lambda v: 7, False),
    Case("np-uint8", lambda: np.uint8(7), lambda v: 7, False),
    Case("np-float32", lambda: np.float32(0.5), lambda v: 0.5, False),
    Case("np-float64", lambda: np.float64(0.1), lambda v: 0.1),
    Case("np-bool", lambda: np.bool_(True), lambda v: True, False),
    Case("set", lambda: {1, "a", 2.5}),
    Case("frozenset", lambda: frozenset({1, 2}), lambda v: set(v), False),
    Case(
        "non-str-keys",
        lambda: {1: "a", 2.5: "b", False: "c", None: "d"},
        lambda v: {"1": "a", "2.5": "b", "false": "c", "null": "d"},
    ),
    Case("tuple", lambda: (1, "x", None), lambda v: [1, "x", None]),
    Case("nan", lambda: float("nan")),
    Case("circuit-bell", bell),
    Case("circuit-rich", rich_circuit, lambda c: c),
    Case("circuit-metadata-tags", lambda: _with_metadata(bell(), {"when": np.int64(3)})),
    Case("parameter", lambda: Parameter("θ")),
    Case("parameter-vector-element", lambda: ParameterVector("v", 3)[1]),
    Case("parameter-view", lambda: rich_circuit().parameters, lambda v: list(v)),
    Case("instruction-rx", lambda: RXGate(0.3)),
    Case("instruction-h", HGate),
    Case("instruction-custom", custom_gate),
    Case("instruction-measure", Measure, None, False),
    Case("observables", lambda: ObservablesArray([{"ZZ": 1.0, "XI": 0.5}, {"YY": -1.0}])),
    Case(
        "bindings",
        lambda: BindingsArray(
            {(Parameter("a"), Parameter("b")): np.arange(12.0).reshape(3, 2, 2)}, shape=(3, 2)
        ),
    ),
    Case("bindings-empty", lambda: BindingsArray(shape=(2,))),
    Case("bit-array", lambda: bit_array(10, 11, (2,))),
    Case(
        "data-bin",
        lambda: DataBin(evs=np.array([0.5, -0.25]), stds=np.array([0.1, 0.1]), shape=(2,)),
    ),
    Case("pub-result", lambda: PubResult(DataBin(evs=np.array(0.5), shape=()), {"shots": 10})),
    Case("sampler-result", sampler_result),
    Case("sparse-pauli-op", lambda: SparsePauliOp(["XZ", "YY"], [1.0, 0.5j])),
    Case("pauli", lambda: PauliOp("-iXYZ")),
    Case("pauli-list", lambda: PauliList(["XX", "ZI"])),
    Case(
        "statevector-settings",
        lambda: Statevector([1, 0]),
        lambda v: {
            "__type__": "settings",
            "__module__": "qiskit.quantum_info.states.statevector",
            "__class__": "Statevector",
            "__value__": {"data": np.array([1, 0], dtype=complex), "dims": [2]},
        },
    ),
    Case(
        "foreign-settings",
        WithSettings,
        lambda v: {
            "__type__": "settings",
            "__module__": __name__,
            "__class__": "WithSettings",
            "__value__": {"table": {"1": "one", "2": "two", "__int_keys__": True}},
        },
    ),
    Case("result", sample_result),
    Case("to-json", WithToJson, lambda v: {"answer": 42}),
    Case("coupling-map", lambda: CouplingMap([[0, 1], [1, 2]]), lambda v: [[0, 1], [1, 2]]),
    Case("sparse-matrix", lambda: _sparse("csr_matrix")),
    Case("sparse-array", lambda: _sparse("csr_array"), None, False),
    Case(
        "sampler-pub",
        lambda: SamplerPub.coerce((bell(), None, 100)),
        lambda pub: [pub.circuit, np.zeros((0,)), 100],
    ),
    Case(
        "estimator-pub",
        lambda: EstimatorPub.coerce((_one_param(), {"ZZ": 1.0}, [[0.1], [0.2]], 0.01)),
        lambda pub: [pub.circuit, {"ZZ": 1.0}, np.array([[0.1], [0.2]]), 0.01],
    ),
]


def _with_metadata(circuit: QuantumCircuit, metadata: dict[str, Any]) -> QuantumCircuit:
    circuit.metadata = metadata
    return circuit


def _one_param() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.rx(Parameter("a"), 0)
    circuit.cx(0, 1)
    return circuit


def _sparse(kind: str) -> Any:
    import scipy.sparse

    return getattr(scipy.sparse, kind)(np.array([[0, 1.5], [2.0, 0]]))


def _expected(case: Case, value: Any) -> Any:
    expected = case.expected(value)
    if case.id == "circuit-metadata-tags":
        # Circuit metadata is written with the encoder and read back as plain JSON (as in the
        # official client), so the numpy scalar comes back as an int.
        expected = _with_metadata(value.copy(), {"when": 3})
    return expected


@pytest.fixture(scope="module")
def official() -> Any:
    """The official client's ``RuntimeEncoder``/``RuntimeDecoder`` (the ``compat`` extra)."""
    return pytest.importorskip("qiskit_ibm_runtime")


# --- 1. own round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_round_trip_through_our_codec(case: Case) -> None:
    value = case.make()
    assert_equivalent(codec.decode(codec.encode(value)), _expected(case, value))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_jsonable_forms_match_the_text_forms(case: Case) -> None:
    value = case.make()
    plain = codec.to_jsonable(value)
    # Instructions are wrapped in a circuit with an auto-named register, whose name comes from
    # a global counter; everything else must be byte-identical.
    if not case.id.startswith("instruction"):
        assert json.dumps(plain) == json.dumps(json.loads(codec.encode(value)))
    snapshot = copy.deepcopy(plain)
    assert_equivalent(codec.from_jsonable(plain), _expected(case, value))
    assert json.dumps(plain) == json.dumps(snapshot), "from_jsonable modified its input"


def test_encoder_and_decoder_classes_work_with_the_json_module() -> None:
    circuit = bell()
    payload = {"pubs": [[circuit, np.zeros((0,)), 10]], "when": dt.datetime(2024, 1, 1)}
    text = json.dumps(payload, cls=codec.RuntimeEncoder)
    back = json.loads(text, cls=codec.RuntimeDecoder)
    assert_equivalent(back["pubs"][0], [circuit, np.zeros((0,)), 10])
    assert back["when"] == dt.datetime(2024, 1, 1)
    assert codec.decode(text.encode()) is not None  # bytes are accepted as well


def test_encode_is_compact() -> None:
    assert codec.encode({"a": [1, 2], "b": None}) == '{"a":[1,2],"b":null}'


def test_callables_become_null_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="not JSON serializable and will be set to None"):
        assert codec.encode({"callback": print}) == '{"callback":null}'
    with pytest.warns(UserWarning):
        assert codec.to_jsonable([len]) == [None]


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (object(), "builtins.object"),
        (np.datetime64("2024-01-01"), "numpy.datetime64"),
        (2 * Parameter("a"), "bind it to a number"),
    ],
)
def test_unsupported_types_raise_type_error_naming_the_type(value: Any, hint: str) -> None:
    with pytest.raises(TypeError, match="not JSON serializable by the runtime codec") as info:
        codec.encode(value)
    assert hint in str(info.value)
    with pytest.raises(TypeError, match=hint.split(".")[-1]):
        codec.to_jsonable({"x": [value]})


def test_to_jsonable_rejects_circular_references_like_json() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        codec.to_jsonable(loop)


def test_to_jsonable_rejects_keys_json_cannot_write() -> None:
    with pytest.raises(TypeError, match="keys must be str"):
        codec.to_jsonable({(1, 2): "tuple key"})


def test_unknown_tags_pass_through_unchanged() -> None:
    data = {"__type__": "SomethingNew", "__value__": {"x": [1, 2]}}
    assert codec.decode(json.dumps(data)) == data
    assert codec.from_jsonable(data) == data


def test_extrapolator_names_in_an_ndarray_tag_pass_through() -> None:
    assert codec.decode('{"__type__":"ndarray","__value__":"exponential"}') == "exponential"
    assert_equivalent(codec.decode('{"__type__":"ndarray","__value__":[1,2]}'), np.array([1, 2]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"__type__":"complex"}', "no '__value__'"),
        ('{"__type__":"ndarray","__value__":"not base64!"}', "Cannot decode a 'ndarray'"),
        ('{"__type__":"ndarray","__value__":{"a":1}}', "must be a base64 npy blob"),
        ('{"__type__":"complex","__value__":"x"}', "Cannot decode a 'complex'"),
        (
            '{"__type__":"settings","__module__":"qiskit.quantum_info.operators",'
            '"__class__":"Nope","__value__":{}}',
            "Unable to find class Nope",
        ),
    ],
)
def test_malformed_tags_raise_codec_error(text: str, message: str) -> None:
    with pytest.raises(codec.CodecError, match=message):
        codec.decode(text)


def test_a_qpy_blob_newer_than_installed_qiskit_says_to_upgrade() -> None:
    blob = json.loads(codec.encode(bell()))["__value__"]
    raw = bytearray(zlib.decompress(base64.standard_b64decode(blob)))
    raw[6] = 250  # the QPY version byte of the file header
    newer = base64.standard_b64encode(zlib.compress(bytes(raw))).decode()
    with pytest.raises(codec.CodecError, match="Upgrade qiskit"):
        codec.from_jsonable({"__type__": "QuantumCircuit", "__value__": newer})


def test_circuits_are_written_in_the_service_qpy_version() -> None:
    blob = json.loads(codec.encode(bell()))["__value__"]
    assert zlib.decompress(base64.standard_b64decode(blob))[6] == codec.QPY_WRITE_VERSION
    assert codec.QPY_WRITE_VERSION <= codec.SERVICE_MAX_SUPPORTED_QPY_VERSION


# --- 2. compatibility with the official client, both directions ---------------------------------


@pytest.mark.compat
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_ours_encode_official_decode(case: Case, official: Any) -> None:
    value = case.make()
    decoded = json.loads(codec.encode(value), cls=official.RuntimeDecoder)
    assert_equivalent(decoded, _expected(case, value))


@pytest.mark.compat
@pytest.mark.parametrize("case", [c for c in CASES if c.official_encodes], ids=lambda c: c.id)
def test_official_encode_ours_decode(case: Case, official: Any) -> None:
    value = case.make()
    text = json.dumps(value, cls=official.RuntimeEncoder)
    assert_equivalent(codec.decode(text), _expected(case, value))
    assert_equivalent(codec.from_jsonable(json.loads(text)), _expected(case, value))


@pytest.mark.compat
@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.official_encodes and not c.id.startswith("instruction")],
    ids=lambda c: c.id,
)
def test_ours_and_official_write_the_same_json(case: Case, official: Any) -> None:
    value = case.make()
    assert json.dumps(codec.to_jsonable(value)) == json.dumps(value, cls=official.RuntimeEncoder)


def _spans(official: Any) -> Any:
    spans = official.execution_span
    t0 = dt.datetime(2024, 1, 1, tzinfo=UTC)
    t1 = t0 + dt.timedelta(seconds=2)
    return spans.ExecutionSpans(
        [
            spans.DoubleSliceSpan(t0, t1, {0: ((2,), slice(0, 2), slice(0, 10))}),
            spans.SliceSpan(t0, t1, {1: ((3,), slice(0, 3))}),
            spans.TwirledSliceSpan(t0, t1, {0: ((2, 3), True, slice(0, 1), slice(0, 5))}),
            spans.TwirledSliceSpanV2(t0, t1, {0: ((2, 3), False, slice(0, 1), slice(0, 5), 7)}),
        ]
    )


@pytest.mark.compat
def test_official_spans_in_a_result_decode_to_ours_and_back(official: Any) -> None:
    """Execution spans have no qiskit class: they decode to ours (``wire.spans``), which write
    the same JSON, so the official client still gets its objects after a trip through the fake."""
    result = sampler_result()
    result.metadata["execution"] = {"execution_spans": _spans(official)}
    text = json.dumps(result, cls=official.RuntimeEncoder, separators=(",", ":"))

    ours = codec.decode(text)
    decoded = ours.metadata["execution"]["execution_spans"]
    assert isinstance(decoded, wire_spans.ExecutionSpans)
    assert [type(s).__name__ for s in decoded] == [
        "DoubleSliceSpan",
        "SliceSpan",
        "TwirledSliceSpan",
        "TwirledSliceSpanV2",
    ]
    for mine, theirs in zip(decoded, _spans(official), strict=True):
        for idx in theirs.pub_idxs:
            np.testing.assert_array_equal(mine.mask(idx), theirs.mask(idx))
    assert codec.encode(ours) == text
    theirs = json.loads(codec.encode(ours), cls=official.RuntimeDecoder)
    assert theirs.metadata["execution"]["execution_spans"] == _spans(official)


@pytest.mark.compat
def test_official_span_objects_are_encoded_as_the_official_does(official: Any) -> None:
    spans = _spans(official)
    assert codec.encode(spans) == json.dumps(
        spans, cls=official.RuntimeEncoder, separators=(",", ":")
    )


@pytest.mark.compat
def test_estimator_pub_result_decodes_to_its_qiskit_base_class(official: Any) -> None:
    value = official.results.EstimatorPubResult(
        DataBin(evs=np.array([0.5]), shape=(1,)), {"shots": 4}
    )
    text = codec.encode(value)
    assert json.loads(text)["__type__"] == "EstimatorPubResult"
    assert_equivalent(json.loads(text, cls=official.RuntimeDecoder), value)
    ours = codec.decode(text)
    assert type(ours) is PubResult
    assert_equivalent(ours.data, value.data)


# --- 3. property tests ------------------------------------------------------------------------

DTYPES = st.sampled_from([np.int64, np.int32, np.uint8, np.float64, np.complex128, np.bool_])


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray:
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    return draw(hnp.arrays(dtype, shape))


@EXAMPLES
@given(array=arrays())
def test_random_arrays_round_trip(array: np.ndarray) -> None:
    assert_equivalent(codec.decode(codec.encode(array)), array)


@pytest.mark.compat
@EXAMPLES
@given(array=arrays())
def test_random_arrays_cross_the_official_codec(array: np.ndarray, official: Any) -> None:
    text = codec.encode(array)
    assert text == json.dumps(array, cls=official.RuntimeEncoder, separators=(",", ":"))
    assert_equivalent(json.loads(text, cls=official.RuntimeDecoder), array)
    assert_equivalent(codec.decode(json.dumps(array, cls=official.RuntimeEncoder)), array)


ONE_QUBIT = ("h", "x", "y", "z", "s", "sdg", "t", "sx")
ROTATIONS = ("rx", "ry", "rz", "p")
TWO_QUBIT = ("cx", "cz", "swap", "rzz")
PARAM_NAMES = ("θ", "φ", "λ")


@dataclass(frozen=True)
class Op:
    name: str
    qubits: tuple[int, ...]
    # A float angle, or (coefficient, parameter name, offset) for coefficient*p + offset.
    angle: float | tuple[float, str, float] | None = None


@dataclass(frozen=True)
class CircuitSpec:
    num_qubits: int
    ops: tuple[Op, ...]
    measure: str  # "all", "register" or "none"
    phase: float = 0.0
    extra: tuple[Op, ...] = field(default=())

    def build(self) -> QuantumCircuit:
        """A fresh circuit: new Parameter objects (new UUIDs) and a new default name."""
        params = {name: Parameter(name) for name in PARAM_NAMES}
        qreg = QuantumRegister(self.num_qubits, "q")
        circuit = QuantumCircuit(qreg, global_phase=self.phase)
        if self.measure == "register":
            circuit.add_register(ClassicalRegister(self.num_qubits, "c"))
        for op in self.ops + self.extra:
            args: list[Any] = []
            if isinstance(op.angle, tuple):
                coefficient, name, offset = op.angle
                args.append(coefficient * params[name] + offset)
            elif op.angle is not None:
                args.append(op.angle)
            getattr(circuit, op.name)(*args, *op.qubits)
        if self.measure == "all":
            circuit.measure_all()
        elif self.measure == "register":
            circuit.measure(range(self.num_qubits), range(self.num_qubits))
        return circuit


ANGLES = st.floats(-6.3, 6.3, allow_nan=False).filter(lambda x: abs(x) > 1e-3)


@st.composite
def ops(draw: st.DrawFn, num_qubits: int) -> Op:
    kinds = ["one", "rotation"] + (["two"] if num_qubits >= 2 else [])
    kinds += ["ccx"] if num_qubits >= 3 else []
    kind = draw(st.sampled_from(kinds))
    distinct = st.permutations(range(num_qubits))
    if kind == "one":
        return Op(draw(st.sampled_from(ONE_QUBIT)), (draw(st.integers(0, num_qubits - 1)),))
    if kind == "ccx":
        return Op("ccx", tuple(draw(distinct)[:3]))
    angle: float | tuple[float, str, float] = draw(
        ANGLES | st.tuples(ANGLES, st.sampled_from(PARAM_NAMES), ANGLES)
    )
    if kind == "rotation":
        name = draw(st.sampled_from(ROTATIONS))
        return Op(name, (draw(st.integers(0, num_qubits - 1)),), angle)
    name = draw(st.sampled_from(TWO_QUBIT))
    return Op(name, tuple(draw(distinct)[:2]), angle if name == "rzz" else None)


@st.composite
def circuit_specs(draw: st.DrawFn) -> CircuitSpec:
    num_qubits = draw(st.integers(1, 4))
    body = tuple(draw(st.lists(ops(num_qubits), max_size=10)))
    measure = draw(st.sampled_from(["all", "register", "none"]))
    return CircuitSpec(num_qubits, body, measure, draw(st.floats(0, 6.28)))


@EXAMPLES
@given(spec=circuit_specs())
def test_random_circuits_round_trip(spec: CircuitSpec) -> None:
    circuit = spec.build()
    assert_equivalent(codec.decode(codec.encode(circuit)), circuit)


@pytest.mark.compat
@EXAMPLES
@given(spec=circuit_specs())
def test_random_circuits_cross_the_official_codec(spec: CircuitSpec, official: Any) -> None:
    circuit = spec.build()
    assert_equivalent(json.loads(codec.encode(circuit), cls=official.RuntimeDecoder), circuit)
    assert_equivalent(codec.decode(json.dumps(circuit, cls=official.RuntimeEncoder)), circuit)


@EXAMPLES
@given(spec=circuit_specs(), data=st.data())
def test_canonical_form_is_structural(spec: CircuitSpec, data: st.DataObject) -> None:
    first, second = spec.build(), spec.build()
    assert codec.canonical_circuit(first) == codec.canonical_circuit(second)

    change = data.draw(ops(spec.num_qubits), label="extra op")
    changed = CircuitSpec(spec.num_qubits, spec.ops, spec.measure, spec.phase, (change,))
    assert codec.canonical_circuit(changed.build()) != codec.canonical_circuit(first)


# --- canonical_circuit, by example ------------------------------------------------------------


def _canon(build: Callable[[], QuantumCircuit]) -> str:
    return codec.canonical_circuit(build())


def test_canonical_ignores_names_uuids_and_generated_names() -> None:
    def build() -> QuantumCircuit:
        qreg, creg = QuantumRegister(2), ClassicalRegister(2)  # auto-named q<n>, c<n>
        circuit = QuantumCircuit(qreg, creg)  # auto-named circuit-<n>
        circuit.append(QuantumCircuit(2).to_gate(), [0, 1])  # gate named circuit-<n>
        circuit.rx(Parameter("a"), 0)
        with circuit.for_loop(range(3)) as i:  # loop parameter _loop_i_<n>
            circuit.rz(i, 1)
        circuit.measure(qreg, creg)
        return circuit

    assert _canon(build) == _canon(build)
    renamed = build()
    renamed.name = "something else"
    renamed.metadata = {"ignored": True}
    assert codec.canonical_circuit(renamed) == _canon(build)


def test_canonical_rounds_numbers_to_twelve_significant_digits() -> None:
    def with_angle(angle: float) -> Callable[[], QuantumCircuit]:
        def build() -> QuantumCircuit:
            circuit = QuantumCircuit(1)
            circuit.rx(angle, 0)
            circuit.rz(angle * Parameter("p"), 0)
            return circuit

        return build

    assert _canon(with_angle(0.1 + 0.2)) == _canon(with_angle(0.3))
    assert _canon(with_angle(0.3)) != _canon(with_angle(0.3000001))


def _variant(kind: str) -> QuantumCircuit:
    qreg = QuantumRegister(2, "r" if kind == "register-name" else "q")
    creg = ClassicalRegister(3 if kind == "register-size" else 2, "c")
    circuit = QuantumCircuit(qreg, creg, global_phase=0.5 if kind == "phase" else 0.0)
    circuit.h(1 if kind == "qubit" else 0)
    circuit.append(RXGate(0.7 if kind == "angle" else 0.5), [0])
    circuit.ry(Parameter("b" if kind == "parameter-name" else "a"), 1)
    circuit.cz(0, 1) if kind == "gate" else circuit.cx(0, 1)
    circuit.measure(0, 1 if kind == "clbit" else 0)
    if kind == "condition":
        with circuit.if_test((creg, 1)):
            circuit.x(0)
    else:
        with circuit.if_test((creg, 2)):
            circuit.x(0)
    return circuit


VARIANTS = [
    "qubit",
    "clbit",
    "angle",
    "parameter-name",
    "gate",
    "register-name",
    "register-size",
    "phase",
    "condition",
]


@pytest.mark.parametrize("kind", VARIANTS)
def test_canonical_changes_with_structure(kind: str) -> None:
    assert codec.canonical_circuit(_variant("base")) == codec.canonical_circuit(_variant("base"))
    assert codec.canonical_circuit(_variant(kind)) != codec.canonical_circuit(_variant("base"))


def test_canonical_sees_custom_gate_definitions() -> None:
    def with_body(gate_name: str) -> QuantumCircuit:
        body = QuantumCircuit(1)
        getattr(body, gate_name)(0)
        circuit = QuantumCircuit(1)
        circuit.append(body.to_gate(label="same"), [0])
        return circuit

    assert codec.canonical_circuit(with_body("x")) != codec.canonical_circuit(with_body("y"))


def dynamic_circuit(pauli: str = "XX") -> QuantumCircuit:
    creg = ClassicalRegister(2, "c")
    circuit = QuantumCircuit(QuantumRegister(3, "q"), creg)
    flag = circuit.add_input("flag", types.Bool())
    stretch = circuit.add_stretch("s")
    circuit.h(0)
    circuit.measure([0, 1], [0, 1])
    circuit.delay(expr.mul(2, stretch), 0)
    with circuit.if_test(expr.logic_and(expr.equal(creg, 2), flag)) as otherwise:
        circuit.x(0)
    with otherwise:
        circuit.y(1)
    with circuit.switch(creg) as case:
        with case(0, 1):
            circuit.x(1)
        with case(case.DEFAULT):
            circuit.h(1)
    with circuit.while_loop((creg[0], 0)):
        circuit.x(2)
    with circuit.box(duration=100, unit="dt"):
        circuit.z(2)
    circuit.append(UnitaryGate(np.eye(2)), [2])
    circuit.append(PauliEvolutionGate(SparsePauliOp([pauli]), time=0.5), [0, 1])
    circuit.append(QFTGate(2), [0, 1])
    return circuit


def test_canonical_covers_classical_logic_and_library_gates() -> None:
    first = codec.canonical_circuit(dynamic_circuit())
    assert first == codec.canonical_circuit(dynamic_circuit())
    assert first == codec.canonical_circuit(codec.decode(codec.encode(dynamic_circuit())))
    # The evolution gate's operator is not among its params; its definition tells them apart.
    assert first != codec.canonical_circuit(dynamic_circuit("ZZ"))


def test_canonical_survives_a_trip_through_the_codec() -> None:
    circuit = rich_circuit()
    assert codec.canonical_circuit(codec.decode(codec.encode(circuit))) == (
        codec.canonical_circuit(circuit)
    )


def test_canonical_rejects_non_circuits() -> None:
    with pytest.raises(TypeError, match="expects a qiskit QuantumCircuit"):
        codec.canonical_circuit("OPENQASM 3.0;")


# --- 4. payloads shaped like real sampler jobs -------------------------------------------------


@pytest.mark.compat
def test_sampler_v2_params_from_the_official_encoder(official: Any) -> None:
    plain = bell()
    ansatz = _one_param()
    ansatz.measure_all()
    bindings = BindingsArray({tuple(ansatz.parameters): np.array([[0.1], [0.2], [0.3]])})
    params = {
        "pubs": [
            [plain, np.zeros((0,)), 100],
            SamplerPub.coerce((ansatz, bindings, None)),
        ],
        "options": {},
        "version": 2,
        "support_qiskit": True,
    }
    body = {"program_id": "sampler", "backend": "fake_backend", "params": params}
    text = json.dumps(body, cls=official.RuntimeEncoder)

    for decoded in (codec.decode(text)["params"], codec.from_jsonable(json.loads(text)["params"])):
        assert decoded["options"] == {} and decoded["version"] == 2
        assert decoded["support_qiskit"] is True
        (circuit, values, shots), (circuit2, values2, shots2) = decoded["pubs"]
        assert_equivalent(circuit, plain)
        assert_equivalent(values, np.zeros((0,)))
        assert shots == 100
        assert_equivalent(circuit2, ansatz)
        assert_equivalent(values2, np.array([[0.1], [0.2], [0.3]]))
        assert shots2 is None
        assert codec.canonical_circuit(circuit) == codec.canonical_circuit(bell())


@pytest.mark.compat
def test_sampler_result_from_our_encoder_gives_official_counts(official: Any) -> None:
    shots = 100
    result = sampler_result(shots)
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    # What the fake writes: our span classes (``wire.spans``), one span for both pubs here.
    parts = {
        0: ((shots,), slice(0, 1), slice(0, shots)),
        1: ((2, shots), slice(0, 2), slice(0, 50)),
    }
    span = wire_spans.DoubleSliceSpan(start, start + dt.timedelta(seconds=1), parts)
    result.metadata["execution"] = {"execution_spans": wire_spans.ExecutionSpans([span])}
    decoded = json.loads(codec.encode(result), cls=official.RuntimeDecoder)

    assert isinstance(decoded, PrimitiveResult)
    assert_equivalent(decoded[0], result[0])
    assert_equivalent(decoded[1], result[1])
    first = decoded[0].data.meas.get_counts()
    assert sum(first.values()) == shots
    assert first == result[0].data.meas.get_counts()
    for index in range(2):
        counts = decoded[1].data.c.get_counts(index)
        assert sum(counts.values()) == shots
    spans = decoded.metadata["execution"]["execution_spans"]
    assert isinstance(spans, official.execution_span.ExecutionSpans)
    assert spans[0].pub_idxs == [0, 1]
    assert spans[0].start == start
    assert spans[0].mask(1).shape == (2, shots) and spans[0].size == shots + 2 * 50
