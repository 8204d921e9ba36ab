"""The cassette file: vcrpy's YAML format, readable, versioned, written atomically.

A cassette is what vcrpy writes (``version: 1`` and ``interactions``, each a ``request`` and a
``response``), so vcrpy and its tools read ours, plus:

- ``qiskit_runtime_double:`` at the top: our ``format`` version, when and with what it was
  recorded, the base URL, the backends seen. vcrpy ignores unknown top-level keys.
- ``recorded_at:`` in each interaction: the recording clock's time when the request was sent,
  which the replay clock jumps to. vcrpy reads only ``request`` and ``response`` of an interaction.

Bodies are stored decoded. JSON is pretty-printed in a YAML block; when the recorded bytes were
``json.dumps`` output, ``body.json`` says which style, so replay hands back the exact bytes (vcrpy,
which reads only ``body.string``, hands back the pretty text: the same JSON). Text stays text;
only bytes that are not UTF-8 become ``!!binary``.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final

from ...errors import CassetteFormatError
from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.numbers import is_int
from .atomic import atomic_write

__all__ = [
    "FORMAT_VERSION",
    "META_KEY",
    "CassetteData",
    "Interaction",
    "interrupted_by",
    "read_cassette",
    "to_document",
    "write_cassette",
]

#: Our format version: bump when a reader of the old format would misread a new file.
FORMAT_VERSION: Final = 1
#: vcrpy's cassette format version (``vcr.serialize.CASSETTE_FORMAT_VERSION``).
VCR_VERSION: Final = 1
META_KEY: Final = "qiskit_runtime_double"

#: ``json.dumps`` styles we can reproduce byte for byte: name -> (separators, ensure_ascii).
_JSON_STYLES: Final[Mapping[str, tuple[tuple[str, str], bool]]] = {
    "compact": ((",", ":"), True),
    "compact-utf8": ((",", ":"), False),
    "python": ((", ", ": "), True),
}
#: Headers that describe the bytes on the wire, which a decoded body no longer matches.
_WIRE_HEADERS: Final = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_PRETTY_WIDTH: Final = 96


@dataclass(frozen=True)
class Interaction:
    """One recorded request and its response, at ``recorded_at`` on the recording clock."""

    request: HttpRequest
    response: HttpResponse
    recorded_at: _dt.datetime | None = None


@dataclass
class CassetteData:
    """A cassette in memory. ``metadata`` is our top-level block (without ``format``)."""

    interactions: list[Interaction] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Other top-level keys found in the file (vcrpy's ``metadata``...), written back unchanged.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str | None:
        value = self.metadata.get("base_url")
        return value if isinstance(value, str) else None


# --- writing ------------------------------------------------------------------------------------


def pretty_json(value: Any, indent: int = 0) -> str:
    """JSON text that is short per line: containers that fit stay on one line."""
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or not value or len(flat) + indent <= _PRETTY_WIDTH:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [
            f"{pad}{json.dumps(k, ensure_ascii=False)}: {pretty_json(v, indent + 2)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + pretty_json(v, indent + 2) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def _json_style(text: str, parsed: Any) -> str | None:
    for name, (separators, ascii_only) in _JSON_STYLES.items():
        if json.dumps(parsed, separators=separators, ensure_ascii=ascii_only) == text:
            return name
    return None


def _body_out(content: bytes) -> tuple[str | bytes | None, str | None]:
    """(what to store, the JSON style that restores the exact bytes, if any)."""
    if not content:
        return None, None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content, None  # YAML !!binary, which vcrpy reads as bytes
    if text.lstrip()[:1] in ("{", "["):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text, None
        style = _json_style(text, parsed)
        if style is not None:
            return pretty_json(parsed), style
    return text, None


def _headers_out(headers: Mapping[str, str], *, response: bool) -> dict[str, list[str]]:
    return {
        name: [value]
        for name, value in headers.items()
        if not (response and name.lower() in _WIRE_HEADERS)
    }


def _interaction_out(item: Interaction) -> dict[str, Any]:
    request_body, _ = _body_out(item.request.content)
    response_body, style = _body_out(item.response.content)
    code = item.response.status_code
    try:
        message = HTTPStatus(code).phrase
    except ValueError:
        message = ""
    body: dict[str, Any] = {"string": "" if response_body is None else response_body}
    if style is not None:
        body["json"] = style
    out: dict[str, Any] = {
        "request": {
            "method": item.request.method,
            "uri": item.request.url,
            "body": request_body,
            "headers": _headers_out(item.request.headers, response=False),
        },
        "response": {
            "status": {"code": code, "message": message},
            "headers": _headers_out(item.response.headers, response=True),
            "body": body,
        },
    }
    if item.recorded_at is not None:
        out["recorded_at"] = item.recorded_at.isoformat()
    return out


def to_document(data: CassetteData) -> dict[str, Any]:
    """The YAML mapping for ``data`` (our block first, for whoever opens the file)."""
    return {
        META_KEY: {"format": FORMAT_VERSION, **data.metadata},
        **data.extra,
        "interactions": [_interaction_out(item) for item in data.interactions],
        "version": VCR_VERSION,
    }


def _dump(document: dict[str, Any]) -> str:
    import yaml

    base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class _Dumper(base):
        """Multi-line text as YAML literal blocks, so JSON bodies read as JSON."""

    def _str(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    text: str = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 20
    )
    return text


def write_cassette(path: Path, data: CassetteData) -> None:
    """Write atomically (``atomic.py``): a crash leaves the previous file or the new one, whole.

    A ``kill -9`` mid-write can leave a temporary file ``.<name>.<random>.tmp`` beside the
    cassette; the next write of the same cassette removes it.
    """
    text = _dump(to_document(data))
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    atomic_write(path, text.encode("utf-8"), mode=mode)


# --- reading ------------------------------------------------------------------------------------


def read_cassette(path: Path) -> CassetteData | None:
    """The cassette at ``path``; None if there is no file or it is empty (as vcrpy treats it)."""
    import yaml

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CassetteFormatError(f"Cannot read cassette {path}: {exc.strerror}.") from exc
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteFormatError(
            f"Cassette {path} is not UTF-8 text (byte {exc.start}); a cassette is a YAML file. "
            "Delete it and record it again."
        ) from None
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise CassetteFormatError(
            f"Cassette {path} is not valid YAML{where}: {problem}. Fix the file, or delete it "
            "and record it again."
        ) from None
    return from_document(document, path)


#: How much of a file ``interrupted_by`` reads: our block comes first, and is short.
_HEAD_BYTES: Final = 64 * 1024


def interrupted_by(path: Path) -> str | None:
    """The signal that interrupted the recording of the cassette at ``path`` (its metadata's
    ``interrupted``), or None: read from the head of the file only, where our block is."""
    import yaml

    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    if not head.startswith(f"{META_KEY}:"):
        return None
    block, found, _ = head.partition("\ninteractions:")
    if not found:
        return None
    try:
        meta = (yaml.safe_load(block) or {}).get(META_KEY)
    except yaml.YAMLError:
        return None
    value = meta.get("interrupted") if isinstance(meta, dict) else None
    return str(value) if value else None


def _fail(path: Path, problem: str) -> CassetteFormatError:
    return CassetteFormatError(
        f"Cassette {path} is not a cassette this version can read: {problem}. "
        "Delete it and record it again, or restore it from version control."
    )


def from_document(document: Any, path: Path) -> CassetteData:
    """Check the shape of a loaded YAML document and build the cassette."""
    if not isinstance(document, dict):
        raise _fail(path, f"the top level is a {type(document).__name__}, not a mapping")
    if "interactions" not in document:
        raise _fail(path, "it has no 'interactions' list")
    version = document.get("version")
    if version != VCR_VERSION:
        raise _fail(path, f"its vcrpy 'version' is {version!r}; expected {VCR_VERSION}")
    meta = document.get(META_KEY) or {}
    if not isinstance(meta, dict):
        raise _fail(path, f"'{META_KEY}' is a {type(meta).__name__}, not a mapping")
    fmt = meta.get("format", FORMAT_VERSION)
    if not is_int(fmt) or fmt < 1:
        raise _fail(path, f"'{META_KEY}.format' is {fmt!r}; expected a positive integer")
    if fmt > FORMAT_VERSION:
        raise CassetteFormatError(
            f"Cassette {path} has format {fmt}, newer than format {FORMAT_VERSION} that this "
            "qiskit-runtime-double reads: it was written by a newer release. Upgrade "
            "(pip install -U qiskit-runtime-double), or record the cassette again with this one."
        )
    interactions = document["interactions"]
    if not isinstance(interactions, list):
        raise _fail(path, "'interactions' is not a list")
    items = [_interaction_in(entry, i, path) for i, entry in enumerate(interactions)]
    metadata = {k: v for k, v in meta.items() if k != "format"}
    extra = {k: v for k, v in document.items() if k not in (META_KEY, "interactions", "version")}
    return CassetteData(items, metadata, extra)


def _interaction_in(entry: Any, index: int, path: Path) -> Interaction:
    where = f"interaction {index}"
    if not isinstance(entry, dict):
        raise _fail(path, f"{where} is not a mapping")
    request, response = entry.get("request"), entry.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict):
        raise _fail(path, f"{where} needs a 'request' and a 'response' mapping")
    method, uri = request.get("method"), request.get("uri")
    if not isinstance(method, str) or not isinstance(uri, str):
        raise _fail(path, f"{where}: the request needs a 'method' and a 'uri' string")
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    if not is_int(code):
        raise _fail(path, f"{where}: the response needs 'status: {{code: <int>}}'")
    body = response.get("body")
    if body is not None and not (isinstance(body, dict) and "string" in body):
        raise _fail(path, f"{where}: the response body must be a mapping with a 'string'")
    content = _body_in(body.get("string") if body else None, f"{where}: response", path)
    style = body.get("json") if body else None
    if style is not None:
        content = _restore_json(content, style, where, path)
    recorded_at = entry.get("recorded_at")
    return Interaction(
        HttpRequest(
            method.upper(),
            uri,
            _headers_in(request.get("headers"), f"{where}: request", path),
            _body_in(request.get("body"), f"{where}: request", path),
        ),
        HttpResponse(
            code, _headers_in(response.get("headers"), f"{where}: response", path), content
        ),
        _time_in(recorded_at, where, path) if recorded_at is not None else None,
    )


def _body_in(value: Any, where: str, path: Path) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise _fail(path, f"{where} body is a {type(value).__name__}, not text")


def _restore_json(content: bytes, style: Any, where: str, path: Path) -> bytes:
    spec = _JSON_STYLES.get(style) if isinstance(style, str) else None
    if spec is None:
        raise _fail(path, f"{where}: unknown response body.json style {style!r}")
    try:
        parsed = json.loads(content)
    except ValueError:
        raise _fail(path, f"{where}: the response body says JSON but does not parse") from None
    separators, ascii_only = spec
    return json.dumps(parsed, separators=separators, ensure_ascii=ascii_only).encode()


def _headers_in(value: Any, where: str, path: Path) -> Headers:
    if value is None:
        return Headers()
    if not isinstance(value, dict):
        raise _fail(path, f"{where} headers are not a mapping")
    out: dict[str, str] = {}
    for name, values in value.items():
        items = values if isinstance(values, list) else [values]
        out[str(name)] = ", ".join(str(v) for v in items)
    return Headers(out)


def _time_in(value: Any, where: str, path: Path) -> _dt.datetime:
    if isinstance(value, _dt.datetime):  # YAML may have parsed an unquoted timestamp
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _fail(path, f"{where}: recorded_at {value!r} is not an ISO 8601 time") from None
    else:
        raise _fail(path, f"{where}: recorded_at is a {type(value).__name__}, not a time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc)
