"""Reading NumPy's ``.npy`` format without ``ast``, so that threads may decode at once.

``np.load`` parses an ``.npy`` header with ``ast.literal_eval``, and CPython's ``ast`` keeps its
recursion counter in process-wide state (CPython issue 106905): two threads converting syntax
trees at once can corrupt it, and a valid array then fails to decode with ``SystemError: AST
constructor recursion depth mismatch``. The codec decodes job parameters and results on
whichever thread receives them, so it reads ``.npy`` here instead:

* the magic string and version with ``numpy.lib.format.read_magic``;
* the header, ``{'descr': ..., 'fortran_order': ..., 'shape': ...}``: ``np.save``'s exact text
  for a plain dtype by one regular expression, anything else with a strict parser of the
  literals ``np.save`` writes (quoted strings, non-negative integers, ``True`` and ``False``,
  tuples, lists and that one dict); what neither takes is refused, nothing is evaluated;
* the dtype from the parsed ``descr`` with ``numpy.lib.format.descr_to_dtype``;
* the data with ``np.frombuffer``, copied so that the array is writable and aligned, as
  ``np.load`` returns it (padding in a structured dtype keeps the bytes ``np.save`` wrote).

The reader keeps no state between calls (compiled regular expressions and one parser object
per header), so it is thread-safe by construction. It is also faster than ``np.load`` (a plain
array's header in about a fifth of the time).

Libraries that read ``.npy`` themselves (QPY for array-valued circuit parameters, SciPy's
``load_npz``) still reach ``ast``: call them under :data:`AST_READERS_LOCK`.
"""

from __future__ import annotations

import io
import re
import struct
import threading
from types import MappingProxyType
from typing import Any, Final, NoReturn

import numpy as np
from numpy.lib.format import descr_to_dtype, read_magic

__all__ = ["AST_READERS_LOCK", "MAX_HEADER_CHARS", "NpyFormatError", "read_npy"]

AST_READERS_LOCK: Final = threading.Lock()
"""Held around third-party readers that parse ``.npy`` headers with ``ast`` (QPY, ``load_npz``).

One process-wide lock because the ``ast`` state it guards is process-wide: at most one of the
codec's decoders is inside ``ast`` at a time. ``read_npy`` does not need it."""

MAX_HEADER_CHARS: Final = 10_000
"""``np.load``'s own limit (``max_header_size``), so that we refuse what the official client
refuses."""

_MAX_DEPTH: Final = 32  # nested structured dtypes; np.save never writes anything near this
_HEADER_FORMATS: Final = MappingProxyType(
    {
        (1, 0): ("<H", "latin1"),
        (2, 0): ("<I", "latin1"),
        (3, 0): ("<I", "utf8"),
    }
)
_KEYS: Final = frozenset({"descr", "fortran_order", "shape"})

# One token after optional white space; "bad" takes any other character, so the tokens cover the
# header without gaps, and "end" closes it.
_TOKEN: Final = re.compile(
    r"""[ \t\r\n\f]*(?:
        (?P<str>'(?:[^'\\\r\n]|\\[^\r\n])*'|"(?:[^"\\\r\n]|\\[^\r\n])*")
        |(?P<int>0|[1-9][0-9]{0,24})(?![0-9A-Za-z_.])
        |(?P<bool>True|False)(?![0-9A-Za-z_])
        |(?P<punct>[{}()\[\],:])
        |(?P<end>\Z)
        |(?P<bad>.)
    )""",
    re.VERBOSE | re.DOTALL,
)
# The header np.save writes for a plain (not structured) dtype, exactly: most arrays on the wire.
_SIDE: Final = "(?:0|[1-9][0-9]{0,24})"
_SIMPLE_HEADER: Final = re.compile(
    r"\{'descr': '([^'\\]*)', 'fortran_order': (True|False), "
    rf"'shape': \((|{_SIDE},|{_SIDE}(?:, {_SIDE})+)\), \}}[ ]*\n"
)
# A dtype.str, which is all np.save writes for one dtype: byte order, kind, item size, and a
# unit for datetimes. Checked before np.dtype sees it, because np.dtype parses other strings
# (repeats such as "(2,)f8") with ast.literal_eval, which is what this module avoids.
_DTYPE_STR: Final = re.compile(
    r"[<>|](?:[biufcSUV][0-9]{1,12}|[Mm]8(?:\[[0-9]{0,12}[A-Za-z]{1,2}\])?|O)"
)
_ESCAPE: Final = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES: Final = MappingProxyType(
    {
        "\\\\": "\\",
        "\\'": "'",
        '\\"': '"',
        "\\n": "\n",
        "\\r": "\r",
        "\\t": "\t",
    }
)


class NpyFormatError(ValueError):
    """Bytes that are not an ``.npy`` array, as ``np.load(allow_pickle=False)`` reads them."""


def read_npy(data: bytes) -> np.ndarray[Any, Any]:
    """The array in ``data``, the bytes ``np.save(..., allow_pickle=False)`` writes.

    Equal to ``np.load(io.BytesIO(data), allow_pickle=False)`` for every array that call reads,
    including structured, complex, bool, string, datetime and big-endian dtypes, Fortran order
    and 0-d arrays; safe to call from many threads at once. Raises ``NpyFormatError`` for
    anything else (object arrays, truncated or extra data, a header that is not the dict
    ``np.save`` writes).
    """
    shape, fortran_order, dtype, offset = _read_header(data)
    if dtype.hasobject:
        raise NpyFormatError(
            f"The array has dtype {dtype}, which holds Python objects: they are pickled in .npy "
            "and are never unpickled from the wire. Send numbers, strings or a structured dtype."
        )
    count = 1
    for side in shape:
        count *= side
    size = count * dtype.itemsize
    if len(data) - offset != size:
        raise NpyFormatError(
            f"The .npy data holds {len(data) - offset} bytes after its header, but shape "
            f"{shape} of {dtype} needs exactly {size}: the blob is truncated or corrupt."
        )
    if dtype.itemsize == 0:  # np.frombuffer refuses zero-sized items; there is nothing to read
        try:
            flat = np.ndarray((count,), dtype=dtype)
        except ValueError as exc:  # more items than an array may have
            raise NpyFormatError(f"The .npy header's shape {shape} is too large ({exc}).") from exc
    else:
        # Copied as bytes, then viewed: a copy in the dtype would skip a structured dtype's
        # padding and leave it uninitialised, where this keeps the bytes np.save wrote.
        raw = np.frombuffer(data, dtype=np.uint8, count=size, offset=offset).copy()
        flat = raw.view(dtype)
    # np.save writes a Fortran-ordered array's data as the C-ordered data of its transpose.
    array: np.ndarray[Any, Any] = (
        flat.reshape(shape[::-1]).transpose() if fortran_order else flat.reshape(shape)
    )
    return array


def _read_header(data: bytes) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """Shape, Fortran order, dtype and the offset of the array data."""
    buf = io.BytesIO(data)
    try:
        version = read_magic(buf)
    except ValueError as exc:
        raise NpyFormatError(f"Not .npy data ({exc}).") from exc
    layout = _HEADER_FORMATS.get(version)
    if layout is None:
        raise NpyFormatError(
            f".npy format version {version[0]}.{version[1]} is not one of 1.0, 2.0 and 3.0, "
            "the versions np.save writes."
        )
    length_format, encoding = layout
    start = buf.tell() + struct.calcsize(length_format)
    if len(data) < start:
        raise NpyFormatError("The .npy data ends inside its header length.")
    (length,) = struct.unpack_from(length_format, data, buf.tell())
    if len(data) < start + length:
        raise NpyFormatError(
            f"The .npy header says it is {length} bytes long, but only {len(data) - start} follow."
        )
    try:
        text = data[start : start + length].decode(encoding)
    except UnicodeDecodeError as exc:
        raise NpyFormatError(f"The .npy header is not {encoding} text ({exc}).") from exc
    if len(text) > MAX_HEADER_CHARS:
        raise NpyFormatError(
            f"The .npy header is {len(text)} characters long; like np.load, this reader takes "
            f"at most {MAX_HEADER_CHARS}. Split the array or use fewer structured fields."
        )
    descr: Any
    simple = _SIMPLE_HEADER.fullmatch(text)
    if simple is not None:  # np.save's header of a plain dtype, byte for byte: no parser needed
        descr, order, sides = simple.groups()
        shape = tuple(int(side) for side in sides.split(",") if side)
        fortran_order = order == "True"
        _check_descr(descr, 0)
    else:
        header = _HeaderParser(text).parse()
        shape, fortran_order, descr = _check_header(header, text)
    try:
        dtype = descr_to_dtype(descr)
    except (TypeError, ValueError, KeyError, IndexError, SyntaxError) as exc:
        raise NpyFormatError(
            f"The .npy header's descr {descr!r:.200} is not a dtype description ({exc})."
        ) from exc
    return shape, fortran_order, dtype, start + length


def _check_header(header: Any, text: str) -> tuple[tuple[int, ...], bool, Any]:
    if not isinstance(header, dict) or header.keys() != _KEYS:
        keys = sorted(header) if isinstance(header, dict) else type(header).__name__
        raise NpyFormatError(
            f"The .npy header must be a dict with keys 'descr', 'fortran_order' and 'shape'; "
            f"got {keys!r:.200} from {text!r:.200}."
        )
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(
        isinstance(side, int) and not isinstance(side, bool) for side in shape
    ):
        raise NpyFormatError(f"The .npy header's shape must be a tuple of ints, got {shape!r}.")
    fortran_order = header["fortran_order"]
    if not isinstance(fortran_order, bool):
        raise NpyFormatError(
            f"The .npy header's fortran_order must be True or False, got {fortran_order!r}."
        )
    descr = header["descr"]
    _check_descr(descr, 0)
    return shape, fortran_order, descr


def _check_descr(descr: Any, depth: int) -> None:
    """Refuse a descr that is not what ``numpy.lib.format.dtype_to_descr`` writes.

    That is a ``dtype.str``, or for a structured dtype a list of ``(name, descr)`` and
    ``(name, descr, shape)`` fields, a name being a string or a ``(title, name)`` pair.
    ``descr_to_dtype`` alone would take more (any two-character string as a field, say).
    """
    if isinstance(descr, str):
        if _DTYPE_STR.fullmatch(descr) is None:
            raise NpyFormatError(
                f"The .npy header's descr has {descr!r:.100}, which is not a dtype string as "
                "np.save writes it: byte order (<, > or |), kind, item size, as in '<f8'."
            )
        return
    if not isinstance(descr, list) or depth > _MAX_DEPTH:
        raise NpyFormatError(
            f"The .npy header's descr must be a dtype string or a list of fields, got "
            f"{descr!r:.200}."
        )
    for field in descr:
        ok = isinstance(field, tuple) and len(field) in (2, 3)
        if ok:
            name = field[0]
            ok = isinstance(name, str) or (
                isinstance(name, tuple) and len(name) == 2 and all(isinstance(n, str) for n in name)
            )
        if ok and len(field) == 3:
            ok = isinstance(field[2], tuple) and all(
                isinstance(side, int) and not isinstance(side, bool) for side in field[2]
            )
        if not ok:
            raise NpyFormatError(
                f"A field in the .npy header's descr must be (name, descr) or (name, descr, "
                f"shape), the name a string or a (title, name) pair; got {field!r:.200}."
            )
        _check_descr(field[1], depth + 1)


class _HeaderParser:
    """Recursive descent over the literals ``np.save`` writes; one instance per header."""

    def __init__(self, text: str) -> None:
        self._text = text
        # (kind, value, position): the header's tokens, read in one pass; the last is "end".
        self._tokens: list[tuple[str, Any, int]] = []
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            assert kind is not None
            self._tokens.append((kind, match.group(kind), match.start(kind)))
            if kind in ("end", "bad"):
                break
        self._at = 0

    def parse(self) -> Any:
        value = self._value(0)
        if self._next()[0] != "end":
            self._fail("the end of the header after the dict", back=1)
        return value

    def _token(self, at: int) -> tuple[str, Any, int]:
        return self._tokens[min(at, len(self._tokens) - 1)]  # past the last: "end" or "bad"

    def _next(self) -> tuple[str, Any]:
        kind, token, _ = self._token(self._at)
        if kind == "bad":
            self._fail("a string, an integer, True, False or one of {}()[],:")
        self._at += 1
        if kind == "str":
            return kind, _unquote(token)
        if kind == "int":
            return kind, int(token)
        if kind == "bool":
            return kind, token == "True"
        return kind, token

    def _peek(self) -> str:
        """The punctuation mark that comes next, or ``""``."""
        kind, token, _ = self._token(self._at)
        return str(token) if kind == "punct" else ""

    def _value(self, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            self._fail(f"at most {_MAX_DEPTH} nested brackets")
        kind, token = self._next()
        if kind in ("str", "int", "bool"):
            return token
        if token == "{":
            return self._dict(depth)
        if token == "[":
            return self._items("]", depth)
        if token == "(":
            return self._items(")", depth, tuple_rules=True)
        self._fail("a value", back=1)

    def _items(self, close: str, depth: int, *, tuple_rules: bool = False) -> Any:
        items: list[Any] = []
        trailing_comma = False
        while True:
            if self._peek() == close:
                self._next()
                break
            items.append(self._value(depth + 1))
            _, token = self._next()
            if token == close:
                trailing_comma = False
                break
            if token != ",":
                self._fail(f"',' or {close!r}", back=1)
            trailing_comma = True
        if not tuple_rules:
            return items
        if len(items) == 1 and not trailing_comma:
            return items[0]  # "(x)" is x, as in Python
        return tuple(items)

    def _dict(self, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while True:
            if self._peek() == "}":
                self._next()
                return out
            kind, key = self._next()
            if kind != "str":
                self._fail("a quoted key", back=1)
            if key in out:
                self._fail(f"no second {key!r} key", back=1)
            if self._next()[1] != ":":
                self._fail("':'", back=1)
            out[key] = self._value(depth + 1)
            _, token = self._next()
            if token == "}":
                return out
            if token != ",":
                self._fail("',' or '}'", back=1)

    def _fail(self, expected: str, *, back: int = 0) -> NoReturn:
        """Refuse the header; ``back``: the offending token was already taken."""
        at = self._token(max(self._at - back, 0))[2]
        raise NpyFormatError(
            f"The .npy header is not the dict np.save writes: expected {expected} at character "
            f"{at} of {self._text!r:.300}."
        )


def _unquote(token: str) -> str:
    return _ESCAPE.sub(_unescape, token[1:-1])


def _unescape(match: re.Match[str]) -> str:
    escape = match.group()
    simple = _SIMPLE_ESCAPES.get(escape)
    if simple is not None:
        return simple
    if len(escape) > 2:  # \xhh, \uhhhh or \Uhhhhhhhh, with all their hex digits
        code = int(escape[2:], 16)
        if code <= 0x10FFFF:
            return chr(code)
    raise NpyFormatError(
        f"The .npy header has the escape {escape!r} in a string; np.save writes only \\\\, \\', "
        '\\", \\n, \\r, \\t, \\xhh, \\uhhhh and \\Uhhhhhhhh.'
    )
