"""Arrays in ``ndarray`` tags: the ``.npy`` reader (``wire.npy``) against numpy's own
``np.save``/``np.load``, its refusals, and decoding from many threads at once."""

from __future__ import annotations

import base64
import gc
import io
import json
import struct
import sys
import threading
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.lib import format as npy_format
from qiskit import QuantumCircuit
from qiskit.circuit.library import PauliEvolutionGate
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.npy import MAX_HEADER_CHARS, NpyFormatError, read_npy

EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every kind of dtype np.save writes without pickling, in both byte orders.
SCALAR_DTYPES = st.one_of(
    hnp.boolean_dtypes(),
    hnp.integer_dtypes(endianness="?"),
    hnp.unsigned_integer_dtypes(endianness="?"),
    hnp.floating_dtypes(endianness="?"),
    hnp.complex_number_dtypes(endianness="?"),
    hnp.datetime64_dtypes(endianness="?"),
    hnp.timedelta64_dtypes(endianness="?"),
    hnp.byte_string_dtypes(endianness="?", max_len=4),
    hnp.unicode_string_dtypes(endianness="?", max_len=4),
)
# Structured dtypes: nested, with sub-array fields, and field names from all of unicode (which
# np.save escapes in its header, or writes in format 3.0 when latin-1 cannot hold them).
DTYPES = st.one_of(
    SCALAR_DTYPES,
    hnp.nested_dtypes(subtype_strategy=SCALAR_DTYPES, max_leaves=6, max_itemsize=64),
    hnp.array_dtypes(SCALAR_DTYPES, min_size=1, max_size=4, allow_subarrays=True),
)
VERSIONS = st.sampled_from([None, (1, 0), (2, 0), (3, 0)])


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray[Any, Any]:
    """Any array np.save writes without pickling: 0-d included, C or Fortran order."""
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    array: np.ndarray[Any, Any] = draw(hnp.arrays(dtype, shape))
    return np.asfortranarray(array) if draw(st.booleans()) else array


def saved(array: np.ndarray[Any, Any], version: tuple[int, int] | None = None) -> bytes:
    """``np.save``'s bytes for ``array`` (in format ``version``, where that format holds it)."""
    with io.BytesIO() as buf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Stored array in format 3.0"
        try:
            npy_format.write_array(buf, array, version=version, allow_pickle=False)
        except (ValueError, UnicodeEncodeError):  # a header this version cannot hold
            buf.seek(0)
            buf.truncate()
            npy_format.write_array(buf, array, allow_pickle=False)
        return buf.getvalue()


def respaced(blob: bytes) -> bytes:
    """``blob`` with a space after its header's ``{``: the same header to Python (and np.load),
    but not np.save's exact text, so ``read_npy`` parses it in full instead of by its fast path.
    The header keeps its length (one space less of padding), so the data stays where it was."""
    length_size = 2 if blob[6] == 1 else 4
    start = 8 + length_size
    length = int.from_bytes(blob[8:start], "little")
    header = blob[start : start + length]
    assert header.endswith(b" \n")
    return blob[:start] + header.replace(b"{", b"{ ", 1)[:-2] + b"\n" + blob[start + length :]


def assert_same_array(actual: np.ndarray[Any, Any], blob: bytes) -> None:
    """``actual`` is what ``np.load`` reads from ``blob``: dtype, shape, order and data."""
    expected = np.load(io.BytesIO(blob), allow_pickle=False)
    assert actual.dtype == expected.dtype
    assert actual.dtype.descr == expected.dtype.descr
    assert actual.shape == expected.shape
    assert actual.flags.c_contiguous == expected.flags.c_contiguous
    assert actual.flags.f_contiguous == expected.flags.f_contiguous
    assert actual.flags.writeable
    # The data, byte for byte as np.save wrote it (NaNs and padding included).
    data = actual.tobytes(order="A")
    assert data == (blob[-len(data) :] if data else b"")
    assert data == expected.tobytes(order="A") or _has_padding(expected.dtype)


def _has_padding(dtype: np.dtype[Any]) -> bool:
    """np.load may leave a structured dtype's padding bytes uninitialised."""
    if dtype.subdtype is not None:
        return _has_padding(dtype.subdtype[0])
    if dtype.fields is None:
        return False
    fields = [spec[0] for spec in dtype.fields.values()]
    return sum(f.itemsize for f in fields) != dtype.itemsize or any(map(_has_padding, fields))


def wrapped(blob: bytes) -> str:
    """``blob`` as the payload of an ``ndarray`` tag (zlib, then base64)."""
    return base64.standard_b64encode(zlib.compress(blob)).decode("ascii")


def unwrapped(text: str) -> bytes:
    """The .npy bytes in the ``ndarray`` tag that is ``text``."""
    payload = json.loads(text)["__value__"]
    return zlib.decompress(base64.standard_b64decode(payload))


# --- 1. the reader against numpy ---------------------------------------------------------------


@EXAMPLES
@given(array=arrays(), version=VERSIONS)
def test_reads_what_np_load_reads_from_np_save(
    array: np.ndarray[Any, Any], version: tuple[int, int] | None
) -> None:
    blob = saved(array, version)
    assert_same_array(read_npy(blob), blob)
    assert_same_array(read_npy(respaced(blob)), respaced(blob))


@pytest.mark.parametrize(
    "array",
    [
        pytest.param(np.array(3.25), id="0-d"),
        pytest.param(np.array(True), id="0-d-bool"),
        pytest.param(np.zeros((0, 3)), id="empty"),
        pytest.param(np.asfortranarray(np.arange(6, dtype=">i4").reshape(2, 3)), id="big-F"),
        pytest.param(np.array([1 + 2j, -3j], dtype=">c16"), id="big-complex"),
        pytest.param(np.array(["ab", "ç", "🙂"]), id="unicode"),
        pytest.param(np.array([b"ab", b""]), id="bytes"),
        pytest.param(np.zeros(3, dtype="V0"), id="zero-sized-items"),
        pytest.param(np.array(["2024-05-06"], dtype="datetime64[ns]"), id="datetime"),
        pytest.param(
            np.zeros(2, dtype=[("a", "<i4"), ("b", ">f8", (2, 3)), ("c", [("x", "?")])]),
            id="structured",
        ),
        pytest.param(
            np.zeros(2, dtype={"names": ["a", "b"], "formats": ["u1", "<f4"], "offsets": [0, 8]}),
            id="structured-with-gaps",
        ),
        pytest.param(
            np.zeros(2, dtype=[(("the title", "a"), "<i2"), ('it\'s "quoted"\n', "<i2")]),
            id="titles-and-escapes",
        ),
        pytest.param(np.zeros(2, dtype=[("ünïcödé", "<i2"), ("\u2603", "<i2")]), id="utf8"),
    ],
)
def test_reads_every_kind_of_array(array: np.ndarray[Any, Any]) -> None:
    blob = saved(array)
    assert_same_array(read_npy(blob), blob)


@pytest.mark.compat
@EXAMPLES
@given(array=arrays())
def test_arrays_cross_the_official_codec_both_ways(array: np.ndarray[Any, Any]) -> None:
    official = pytest.importorskip("qiskit_ibm_runtime")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # np.save: "Stored array in format 3.0"
        theirs = json.dumps(array, cls=official.RuntimeEncoder)
        ours = codec.encode(array)
    for text, decoded in [
        (theirs, codec.decode(theirs)),
        (ours, json.loads(ours, cls=official.RuntimeDecoder)),
    ]:
        assert_same_array(decoded, unwrapped(text))


# --- 2. refusals -------------------------------------------------------------------------------


def npy(header: str, data: bytes = b"", *, version: tuple[int, int] = (1, 0)) -> bytes:
    """Hand-made .npy bytes: magic, version, header length, ``header`` and ``data``."""
    raw = header.encode("utf8" if version == (3, 0) else "latin1")
    length = struct.pack("<H" if version == (1, 0) else "<I", len(raw))
    return b"\x93NUMPY" + bytes(version) + length + raw + data


GOOD = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"PK\x03\x04 not npy", "Not .npy data"),
        (b"\x93NUMPY\x04\x00\x10\x00", "version 4.0"),
        (b"\x93NUMPY\x01\x00\x10", "ends inside its header length"),
        (npy(GOOD)[:20], "only 10 follow"),
        (npy(GOOD, b"\0" * 15), "holds 15 bytes after its header, but shape"),
        (npy(GOOD, b"\0" * 17), "needs exactly 16"),
        (npy("['descr', 'fortran_order', 'shape']"), "must be a dict with keys"),
        (npy(GOOD.replace("}", "'extra': 1}"), b"\0" * 16), "must be a dict with keys"),
        (npy("{'descr': '<f8', 'descr': '<f8'}"), "no second 'descr' key"),
        (npy(GOOD.replace("'<f8'", "__import__('os').getcwd()")), "expected a string, an integer"),
        (npy(GOOD.replace("'<f8'", "b'<f8'")), "expected a string, an integer"),
        (npy(GOOD.replace("(2,)", "(2.5,)")), "expected a string, an integer"),
        (npy(GOOD.replace("(2,)", "(-2,)")), "expected a string, an integer"),
        (npy(GOOD.replace("(2,)", "(2 3)")), "expected ',' or ')'"),
        (npy(GOOD.replace("(2,)", "(" + "9" * 30 + ",)")), "expected a string, an integer"),
        (npy(GOOD.replace("(2,)", "[2]")), "shape must be a tuple of ints"),
        (npy(GOOD.replace("(2,)", "(True,)")), "shape must be a tuple of ints"),
        (npy(GOOD.replace("(2,)", "('2',)")), "shape must be a tuple of ints"),
        (npy(GOOD.replace("False", "0")), "fortran_order must be True or False"),
        (npy(GOOD.replace("'<f8'", "'|O'"), b"\0" * 16), "holds Python objects"),
        (npy(GOOD.replace("'<f8'", "[('a', '|O')]"), b"\0" * 16), "holds Python objects"),
        (npy(GOOD.replace("'<f8'", "'<i3'")), "is not a dtype description"),
        (npy(GOOD.replace("'<f8'", "'<M8[xx]'")), "is not a dtype description"),
        (npy(GOOD.replace("'<f8'", "'<nope'")), "not a dtype string as np.save writes it"),
        (npy(GOOD.replace("'<f8'", "'(2,)<f8'")), "not a dtype string as np.save writes it"),
        (npy(GOOD.replace("'<f8'", "'<016'")), "not a dtype string as np.save writes it"),
        (npy(GOOD.replace("'<f8'", "'f8'")), "not a dtype string as np.save writes it"),
        (npy(GOOD.replace("'<f8'", "['ab']")), "must be (name, descr)"),
        (npy(GOOD.replace("'<f8'", "[(1, '<f8')]")), "must be (name, descr)"),
        (npy(GOOD.replace("'<f8'", "[('a', '<f8', 2)]")), "must be (name, descr)"),
        (npy(GOOD.replace("'<f8'", "('<f8', (2,))")), "dtype string or a list of fields"),
        (npy(GOOD.replace("'<f8'", "'<f\\q8'")), "has the escape '\\\\q'"),
        (npy(GOOD.replace("'<f8'", "'<f\\U00110000'")), "has the escape"),
        (npy(GOOD.replace("'<f8'", "'<f\\u{ada}'")), "has the escape '\\\\u'"),
        (npy(GOOD.replace("'<f8'", "'<f8")), "expected a string, an integer"),
        (npy(GOOD.replace("'<f8'", "'<f\\\n8'")), "expected a string, an integer"),
        (npy(GOOD.replace("'<f8'", "[" * 40 + "]" * 40)), "at most 32 nested brackets"),
        (npy(GOOD.replace("'<f8'", "'|V0'").replace("2", "9" * 24)), "is too large"),
        (npy(GOOD + " x"), "expected a string, an integer"),
        (npy(GOOD.replace("'<f8'", "'|O'") + "\n", b"\0" * 16), "holds Python objects"),
        (npy(GOOD.replace("'<f8'", "'<nope'") + "\n"), "not a dtype string as np.save writes it"),
        (npy(GOOD + "\n", b"\0" * 8), "holds 8 bytes after its header, but shape"),
        (npy(GOOD + " {}"), "expected the end of the header"),
        (npy(GOOD + " " * MAX_HEADER_CHARS, version=(2, 0)), "at most 10000"),
        (npy(GOOD.replace("'<f8'", "'\\xff'"), version=(3, 0))[:-3] + b"\xff'}", "not utf8"),
        (npy(GOOD.replace("'<f8'", ")")), "expected a value"),
    ],
    ids=lambda value: value if isinstance(value, str) else "npy",
)
def test_malformed_npy_is_refused_with_what_was_expected(blob: bytes, message: str) -> None:
    with pytest.raises(NpyFormatError) as caught:
        read_npy(blob)
    assert message in str(caught.value)


def test_a_malformed_blob_in_a_tag_is_a_codec_error() -> None:
    blob = npy(GOOD.replace("'<f8'", "__import__('os')"))
    text = json.dumps({"__type__": "ndarray", "__value__": wrapped(blob)})
    with pytest.raises(codec.CodecError, match=r"Cannot decode a 'ndarray' value.*NpyFormatError"):
        codec.decode(text)


@EXAMPLES
@given(array=arrays(), data=st.data())
def test_a_corrupted_header_is_read_as_np_load_reads_it_or_refused(
    array: np.ndarray[Any, Any], data: st.DataObject
) -> None:
    """Fuzzing the header: never a crash, never an array that np.load would not give."""
    blob = bytearray(saved(array))
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        at = data.draw(st.integers(6, min(len(blob), 140) - 1), label="at")
        byte = data.draw(st.sampled_from(b"{}()[],:'\" \n\\0129TFxuU<>|"), label="byte")
        edit = data.draw(st.sampled_from(["replace", "insert", "delete"]), label="edit")
        if edit == "replace":
            blob[at] = byte
        elif edit == "insert":
            blob.insert(at, byte)
        else:
            del blob[at]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception:
        with pytest.raises(NpyFormatError):
            read_npy(bytes(blob))
        return
    try:
        ours = read_npy(bytes(blob))
    except NpyFormatError:
        return  # stricter than np.load (an extra byte of data, say) is allowed
    assert_same_array(ours, bytes(blob))


# --- 3. many threads at once -------------------------------------------------------------------

HAMMER_THREADS = 8


@contextmanager
def _threads_switch_inside_c_code() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can, even inside C code.

    A collection starts at almost every allocation (threshold 1) and there is always a cycle
    with a finalizer to collect (each one's ``__del__`` makes the next): so Python code runs, and
    a thread switch may happen (every microsecond), in the middle of C code such as ``ast``'s.
    A loaded machine does the same now and then.
    """
    running = threading.Event()

    class Garbage:
        def __init__(self) -> None:
            self.cycle = self

        def __del__(self) -> None:
            if running.is_set():
                Garbage()

    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    running.set()
    Garbage()
    sys.setswitchinterval(1e-6)
    gc.set_threshold(1, 1, 1)
    try:
        yield
    finally:
        running.clear()
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(interval)
        gc.collect()


def _hammer(decode_all: Callable[[], None], rounds: int) -> list[BaseException]:
    """The errors of ``HAMMER_THREADS`` threads calling ``decode_all`` ``rounds`` times at once."""
    errors: list[BaseException] = []
    start = threading.Barrier(HAMMER_THREADS)

    def work() -> None:
        start.wait()
        for _ in range(rounds):
            try:
                decode_all()
            except BaseException as exc:  # the assertion below reports every kind
                errors.append(exc)
                return

    with _threads_switch_inside_c_code():
        threads = [threading.Thread(target=work) for _ in range(HAMMER_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return errors


@pytest.mark.slow
def test_arrays_decode_on_many_threads_at_once() -> None:
    """The ``ndarray`` tag decodes on many threads at once (issue 16, point 10).

    Before ``wire.npy``, the codec read arrays with ``np.load``, whose header parser is
    ``ast.literal_eval``; CPython 3.11 keeps ``ast``'s recursion counter in process-wide state,
    and a thread switch inside it made valid jobs fail with ``SystemError: AST constructor
    recursion depth mismatch``. Checked: with ``_decode_ndarray`` back on ``np.load``, this test
    failed 10 runs of 10 on CPython 3.11.7 (the first error within the first few rounds);
    on ``read_npy`` it passes. On an interpreter where ``ast`` is thread-safe it cannot fail
    either way: ``read_npy`` is thread-safe by construction (no ``ast``, no shared mutable state).
    """
    payloads = [
        (codec.encode(array), array)
        for array in (
            np.arange(12.0).reshape(3, 4),
            np.asfortranarray(np.arange(6, dtype=">i8").reshape(2, 3)),
            np.zeros(2, dtype=[("a", "<i4"), ("b", "<c16", (2,))]),
            np.array(0.5),
        )
    ]

    def decode_all() -> None:
        for text, array in payloads:
            decoded = codec.decode(text)
            assert decoded.dtype == array.dtype
            assert decoded.tobytes(order="A") == array.tobytes(order="A")

    assert _hammer(decode_all, rounds=200) == []


@pytest.mark.slow
def test_circuits_and_sparse_matrices_decode_on_many_threads_at_once() -> None:
    """QPY reads some gates' arrays with ``np.load`` (a ``PauliEvolutionGate``'s operator, say),
    and SciPy's ``load_npz`` reads a sparse matrix with it: the codec calls both under
    ``wire.npy.AST_READERS_LOCK``.

    Checked as above: without the lock this test failed 10 runs of 10 on CPython 3.11.7.
    """
    circuit = QuantumCircuit(1)
    circuit.append(PauliEvolutionGate(SparsePauliOp(["X"]), 0.5), [0])
    matrix = scipy.sparse.csr_matrix(np.array([[0.0, 1.5], [2.0, 0.0]]))
    texts = codec.encode(circuit), codec.encode(matrix)

    def decode_all() -> None:
        assert codec.decode(texts[0]) == circuit
        assert (codec.decode(texts[1]) != matrix).nnz == 0

    assert _hammer(decode_all, rounds=60) == []
