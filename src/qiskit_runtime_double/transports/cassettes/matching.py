"""Matching on meaning: which recorded request a new one is.

A request is its method, its path relative to the base URL, its query (parameter order ignored,
repeated parameters as sorted lists) and its body. No header takes part (``User-Agent``,
``X-Qx-Client-Application``, trace ids and credentials change between runs).

Bodies: JSON compares structurally (key order ignored, numbers within a tolerance, ISO times in
any offset spelling). The account selectors ``instance``/``hub``/``group``/``project`` at the top
of a body are ignored (the account is not what a request means, and it is scrubbed anyway), and
so are the client's idempotency keys (``qrd-submit-...``, random on every run) among the ``tags``
of a body or a query: an empty ``tags`` list counts as none.
``POST /jobs`` params are decoded with the runtime codec and compared on what they mean: circuits
by ``codec.canonical_circuit`` (names and parameter UUIDs ignored), arrays within the tolerance.

Two levels keep lookups cheap: byte-identical bodies (after canonical JSON) match by dict lookup;
only when that fails is the body decoded and compared on meaning.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from qiskit.circuit import QuantumCircuit

from ...wire import codec
from ...wire.http import HttpRequest
from ...wire.inflate import JOB_INPUT_LIMITS
from ...wire.numbers import is_real
from ...wire.routes import match_route
from ...wire.submit_keys import KEY_PREFIX, is_submit_key, without_submit_keys

__all__ = ["Array", "Circuit", "Shape", "differences", "meaning_of", "shape_of"]

QueryKey = tuple[tuple[str, tuple[str, ...]], ...]

#: Top-level body keys that say who asks, not what is asked.
_ACCOUNT_KEYS: Final = frozenset({"instance", "hub", "group", "project"})
_ISO_TIME: Final = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_BOOLEAN_WORDS: Final = frozenset({"true", "false"})
#: What an idempotency key in a query matches as: any key matches any other.
_ANY_KEY: Final = KEY_PREFIX + "*"


@dataclass(frozen=True)
class Circuit:
    """A decoded circuit, by its structural fingerprint."""

    fingerprint: str


@dataclass(frozen=True, eq=False)
class Array:
    """A decoded numeric array, compared within the tolerance."""

    value: Any  # numpy.ndarray


@dataclass(frozen=True)
class Shape:
    """What a request is, for matching: ``bucket`` finds candidates, ``digest`` the exact ones."""

    method: str
    path: str
    route: str
    query: QueryKey
    body: Any  # parsed JSON without account keys, text, or None
    digest: str

    @property
    def bucket(self) -> tuple[str, str, QueryKey]:
        return (self.method, self.path, self.query)

    @property
    def strict(self) -> bool:
        """POSTs create things: each recorded answer is played once, in order."""
        return self.method == "POST"

    def describe(self) -> str:
        query = "&".join(f"{k}={','.join(v)}" for k, v in self.query)
        where = self.path + (f"?{query}" if query else "")
        named = f" ({self.route})" if self.route != self.path else ""
        return f"{self.method} {where}{named}"


def relative_path(path: str, base_path: str) -> str:
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        return path[len(base_path) :] or "/"
    return path


def normalize_query(query: str) -> QueryKey:
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        # "True" (the official client) and "true" (ours) mean the same flag.
        if value.lower() in _BOOLEAN_WORDS:
            value = value.lower()
        elif key == "tags" and is_submit_key(value):
            value = _ANY_KEY
        grouped.setdefault(key, []).append(value)
    return tuple((key, tuple(sorted(values))) for key, values in sorted(grouped.items()))


def shape_of(request: HttpRequest, base_path: str) -> Shape:
    """The shape of ``request`` (already scrubbed); its path is taken relative to ``base_path``."""
    parts = urlsplit(request.url)
    method = request.method.upper()
    path = relative_path(parts.path, base_path)
    found, _, _ = match_route(method, path)
    body: Any = None
    digest = ""
    if request.content:
        text = request.content.decode("utf-8", errors="replace")
        try:
            body = json.loads(text)
        except ValueError:
            body, digest = text, "text:" + text
        else:
            if isinstance(body, dict):
                body = _without_keys({k: v for k, v in body.items() if k not in _ACCOUNT_KEYS})
            digest = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return Shape(
        method, path, found.name if found else path, normalize_query(parts.query), body, digest
    )


def _without_keys(body: dict[str, Any]) -> dict[str, Any]:
    tags = body.get("tags")
    if not isinstance(tags, list):
        return body
    kept = without_submit_keys(tags)
    if kept:
        return {**body, "tags": kept}
    return {k: v for k, v in body.items() if k != "tags"}


# --- meaning ------------------------------------------------------------------------------------


def meaning_of(shape: Shape) -> Any:
    """The body as compared: JSON values, with job params decoded to circuits and arrays."""
    body = shape.body
    if (
        shape.route == "create_job"
        and isinstance(body, dict)
        and isinstance(body.get("params"), dict)
    ):
        try:
            params = _decoded(codec.from_jsonable(body["params"], limits=JOB_INPUT_LIMITS))
        except Exception:  # undecodable (a newer QPY, a foreign tag, a bomb): as plain JSON
            params = _json_meaning(body["params"])
        rest = {k: _json_meaning(v) for k, v in body.items() if k != "params"}
        return {**rest, "params": params}
    return _json_meaning(body)


def _json_meaning(value: Any) -> Any:
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:
            moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(_dt.timezone.utc).isoformat()
        return value
    if isinstance(value, dict):
        return {k: _json_meaning(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_meaning(v) for v in value]
    return value


def _decoded(value: Any) -> Any:
    if isinstance(value, QuantumCircuit):
        return Circuit(codec.canonical_circuit(value))
    if isinstance(value, np.ndarray):
        return _decoded(value.tolist()) if value.dtype == object else Array(value)
    if isinstance(value, dict):
        return {str(k): _decoded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_decoded(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return _json_meaning(value)
    return _json_meaning(codec.to_jsonable(value))


# --- differences --------------------------------------------------------------------------------


def differences(
    recorded: Any, incoming: Any, tolerance: float, where: str = "body", limit: int = 3
) -> list[str]:
    """Up to ``limit`` descriptions of where ``incoming`` differs from ``recorded`` (none: same)."""
    out: list[str] = []
    _diff(recorded, incoming, tolerance, where, out, limit)
    return out


def _diff(rec: Any, inc: Any, tol: float, where: str, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    if isinstance(rec, dict) and isinstance(inc, dict):
        for key in sorted(set(rec) | set(inc)):
            if key not in inc:
                out.append(f"{where}: key '{key}' is in the recording, not in this request")
            elif key not in rec:
                out.append(f"{where}: key '{key}' is in this request, not in the recording")
            else:
                _diff(rec[key], inc[key], tol, f"{where}.{key}", out, limit)
            if len(out) >= limit:
                return
        return
    if isinstance(rec, list) and isinstance(inc, list):
        if len(rec) != len(inc):
            out.append(f"{where}: {len(inc)} items here, {len(rec)} in the recording")
            return
        for i, (a, b) in enumerate(zip(rec, inc, strict=True)):
            _diff(a, b, tol, f"{where}[{i}]", out, limit)
        return
    if isinstance(rec, Circuit) and isinstance(inc, Circuit):
        if rec.fingerprint != inc.fingerprint:
            out.append(f"{where}: circuit differs: {_circuit_difference(rec, inc)}")
        return
    if isinstance(rec, Array) and isinstance(inc, Array):
        problem = _array_difference(rec.value, inc.value, tol)
        if problem:
            out.append(f"{where}: {problem}")
        return
    if _is_number(rec) and _is_number(inc):
        if not _numbers_close(rec, inc, tol):
            out.append(f"{where}: {_show(inc)} here, {_show(rec)} in the recording")
        return
    if type(rec) is not type(inc) or rec != inc:
        out.append(f"{where}: {_show(inc)} here, {_show(rec)} in the recording")


def _is_number(value: Any) -> bool:
    return is_real(value)


def _numbers_close(a: float, b: float, tol: float) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _array_difference(rec: Any, inc: Any, tol: float) -> str | None:
    if rec.shape != inc.shape:
        return f"array of shape {inc.shape} here, {rec.shape} in the recording"
    if rec.dtype.kind in "biufc" and inc.dtype.kind in "biufc":
        close = np.isclose(inc, rec, rtol=tol, atol=tol, equal_nan=True)
        if close.all():
            return None
        first = tuple(int(i) for i in np.argwhere(~close)[0])
        here, there = inc[first].item(), rec[first].item()
        return (
            f"array value at {list(first)} is {here!r} here, {there!r} in the recording "
            f"(tolerance {tol:g})"
        )
    return None if np.array_equal(rec, inc) else "array values differ"


def _circuit_difference(rec: Circuit, inc: Circuit) -> str:
    a, b = json.loads(rec.fingerprint), json.loads(inc.fingerprint)
    for part in ("qubits", "clbits", "qregs", "cregs", "phase", "vars"):
        if a.get(part) != b.get(part):
            return f"{part} {_show(b.get(part))} here, {_show(a.get(part))} in the recording"
    ops_a, ops_b = a.get("ops", []), b.get("ops", [])
    for i, (x, y) in enumerate(zip(ops_a, ops_b, strict=False)):
        if x != y:
            return f"instruction {i} is {_op(y)} here, {_op(x)} in the recording"
    return f"{len(ops_b)} instructions here, {len(ops_a)} in the recording"


def _op(op: list[Any]) -> str:
    name, params, qubits = op[0], op[1], op[2]
    shown = f"({', '.join(str(p) for p in params)})" if params else ""
    return f"{name}{shown} on qubits {qubits}"


def _show(value: Any) -> str:
    if isinstance(value, Circuit):
        return "a circuit"
    if isinstance(value, Array):
        return f"an array of shape {value.value.shape}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
