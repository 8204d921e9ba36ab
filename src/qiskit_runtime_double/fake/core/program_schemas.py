"""IBM's own models of the programs' params and results (``ibm-quantum-schemas``), imported here.

The one module that imports ``ibm_quantum_schemas``, lazily: it is the ``programs`` extra
(``pip install 'qiskit-runtime-double[programs]'``), with ``samplomatic``. The official client
0.50+ depends on both, so its users have them already; they need qiskit 2.3+, which the fake's
core does not (``pyproject.toml`` says why this is an extra).

What comes from here:

- ``require(program_id)``: the extra is installed, or a 400 saying how to install it.
- ``executor_schemas()``, ``noise_learner_v3_schemas()``: every ``schema_version`` of the
  ``executor`` and ``noise-learner`` programs the installed package models, each with its params
  and result models; ``noise_learner_v2_schema()``, ``primitive_schema(program_id)`` for the
  unversioned ones (the ``NoiseLearner`` of clients before ``NoiseLearnerV3``, the sampler and
  estimator, whose models are IBM's version 0.1).
- ``validate(model, params)``: IBM's model of the params, or ``InvalidWorkload`` (the service's
  400) naming each field at fault, ``params.quantum_program.shots: Input should be greater
  than or equal to 1``.
- ``check_payload_sizes(params)``: IBM's models inflate zlib payloads (tensors, QPY) whole while
  validating; a small request could inflate to gigabytes. Every compressed payload is first
  inflated here, bounded by what its own shape says (or ``MAX_PAYLOAD_BYTES``).
"""

from __future__ import annotations

import base64
import binascii
import importlib
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, get_args

from ...wire.npy import AST_READERS_LOCK
from .errors import BadRequest, InvalidWorkload

__all__ = [
    "INSTALL_HINT",
    "MAX_PAYLOAD_BYTES",
    "Schema",
    "check_payload_sizes",
    "executor_schemas",
    "installed",
    "noise_learner_v2_schema",
    "noise_learner_v3_schemas",
    "primitive_schema",
    "require",
    "validate",
]

INSTALL_HINT: Final = "pip install 'qiskit-runtime-double[programs]'"
#: The most bytes one payload of a job's params (a tensor, a QPY blob) may inflate to.
MAX_PAYLOAD_BYTES: Final = 64 * 2**20
#: How many problems a 400 lists (pydantic may find hundreds in one bad array).
_MAX_PROBLEMS: Final = 3
#: The versions of each program the fake knows how to run, oldest first. A version the installed
#: ``ibm-quantum-schemas`` does not have is left out.
_EXECUTOR_VERSIONS: Final = ("v0.1", "v0.2", "v1.0", "v1.1", "v2.0")
_NOISE_LEARNER_V3_VERSIONS: Final = ("v0.1", "v0.2", "v0.3")
#: Bytes per element of each tensor ``dtype`` IBM's models name (booleans are bit-packed).
_ELEMENT_BYTES: Final = {
    "bool": 0.125,
    "u8": 1,
    "i8": 1,
    "f16": 2,
    "i16": 2,
    "u16": 2,
    "f32": 4,
    "i32": 4,
    "u32": 4,
    "c64": 8,
    "f64": 8,
    "i64": 8,
    "u64": 8,
    "c128": 16,
}


@dataclass(frozen=True)
class Schema:
    """One version of a program's models: ``params`` and ``result`` are pydantic model classes;
    ``tensor`` the tensor model class its results use (``TensorModel`` or
    ``CompressedTensorModel``), None where results have no tensors; ``item_metadata`` whether
    its result items have metadata (the executor's v0.2 and later)."""

    program_id: str
    version: str
    params: Any
    result: Any
    tensor: Any = None
    item_metadata: bool = False


def installed() -> bool:
    """Whether ``ibm-quantum-schemas`` and ``samplomatic`` can be imported."""
    try:
        importlib.import_module("ibm_quantum_schemas")
        importlib.import_module("samplomatic")
    except ImportError:
        return False
    return True


def require(program_id: str) -> None:
    """Refuse ``program_id`` with a 400 when the ``programs`` extra is not installed."""
    if not installed():
        raise BadRequest(
            f"The fake runs the {program_id!r} program with IBM's ibm-quantum-schemas and "
            "samplomatic packages, which are not installed here. Install them with "
            f"{INSTALL_HINT} (qiskit-ibm-runtime 0.50 and later depends on both already)."
        )


def executor_schemas() -> dict[str, Schema]:
    """The ``executor`` program's versions, by ``schema_version``."""
    found = {}
    for version in _EXECUTOR_VERSIONS:
        module = _version_module("executor", version)
        if module is not None:
            result = module.QuantumProgramResultModel
            item = module.QuantumProgramResultItemModel
            tensor = get_args(item.model_fields["results"].annotation)[1]
            metadata = item.model_fields["metadata"].annotation is not type(None)
            found[version] = Schema(
                "executor", version, module.ParamsModel, result, tensor, metadata
            )
    return found


def noise_learner_v3_schemas() -> dict[str, Schema]:
    """``NoiseLearnerV3``'s versions of the ``noise-learner`` program, by ``schema_version``."""
    found = {}
    for version in _NOISE_LEARNER_V3_VERSIONS:
        module = _version_module("noise_learner_v3", version)
        if module is not None:
            found[version] = Schema(
                "noise-learner", version, module.ParamsModel, module.NoiseLearnerV3ResultsModel
            )
    return found


def noise_learner_v2_schema() -> Schema:
    """The ``NoiseLearner`` (unversioned) ``noise-learner`` program's models."""
    module = importlib.import_module("ibm_quantum_schemas.noise_learner_v2.version_0_1")
    return Schema("noise-learner", "v2", module.ParamsModel, module.ResultsModel)


def primitive_schema(program_id: str) -> Schema:
    """The sampler's or estimator's models (IBM's version 0.1); the result's is the JSON the
    service answers (``{"__type__": "PrimitiveResult", "__value__": ...}``)."""
    module = importlib.import_module(f"ibm_quantum_schemas.{program_id}.version_0_1")
    return Schema(program_id, "v0.1", module.ParamsModel, module.PrimitiveResultWrapperModel)


def _version_module(package: str, version: str) -> Any:
    major, minor = version[1:].split(".")
    try:
        return importlib.import_module(f"ibm_quantum_schemas.{package}.version_{major}_{minor}")
    except ModuleNotFoundError:
        return None


# --- validation -----------------------------------------------------------------------------


def validate(model: Any, params: Any, where: str = "params") -> Any:
    """``model`` validated from the JSON ``params``, or ``InvalidWorkload`` naming the fields.

    Call ``check_payload_sizes`` first. QPY is read under the process's ``AST_READERS_LOCK``
    (some models load circuits while validating).
    """
    from pydantic import ValidationError

    try:
        with AST_READERS_LOCK:
            return model.model_validate(params)
    except ValidationError as exc:
        raise InvalidWorkload(
            describe_errors(exc.errors(include_url=False), params, where)
        ) from exc
    except Exception as exc:  # a validator's own failure: bad base64, zlib, QPY header...
        raise InvalidWorkload(
            f"Invalid {where}: they could not be read: {type(exc).__name__}: {str(exc)[:200]}. "
            "Send them as the official client writes them."
        ) from exc


def describe_errors(errors: list[Any], params: Any, where: str = "params") -> str:
    """pydantic's errors as one message: each field's path in the JSON (union branches and tags
    that are not keys of the data left out) and what was expected, at most three fields."""
    problems: dict[str, list[str]] = {}
    for error in errors:
        path = _json_path(error.get("loc", ()), params, where)
        message = str(error.get("msg", "invalid")).rstrip(".")
        if message not in problems.setdefault(path, []):
            problems[path].append(message)
    shown = [f"{path}: {' or '.join(messages)}" for path, messages in problems.items()]
    more = len(shown) - _MAX_PROBLEMS
    text = "; ".join(shown[:_MAX_PROBLEMS]) + (f" (and {more} more)" if more > 0 else "")
    return f"Invalid {where}: {text}."


def _json_path(loc: Any, data: Any, where: str) -> str:
    path = where
    for part in loc:
        if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            path += f"[{part}]"
            data = data[part]
        elif isinstance(data, dict) and isinstance(part, str) and part in data:
            path += f".{part}"
            data = data[part]
        elif isinstance(data, dict) and isinstance(part, str) and part.isidentifier():
            # A missing field (pydantic names it) or a tag of a tagged union (it is not a key).
            tags = {value for value in data.values() if isinstance(value, str)}
            if part not in tags:
                path += f".{part}"
                data = None
        # else: a union branch's label ("constrained-int", "literal['auto']"): not in the data
    return path


# --- bounded payloads -------------------------------------------------------------------------


def check_payload_sizes(params: Any, where: str = "params") -> None:
    """Refuse params whose compressed payloads inflate beyond their shape or the size limit.

    A tensor (``{"data", "shape", "dtype"}``) may hold at most ``MAX_PAYLOAD_BYTES`` and inflate
    to at most what its shape needs; a QPY blob (``b64_data``) at most ``MAX_PAYLOAD_BYTES``.
    Payloads that are not zlib data are IBM's models' to judge.
    """
    for path, data, limit in _payloads(params, where):
        try:
            raw = base64.b64decode(data[: 4 * math.ceil(min(len(data), 64) / 4)], validate=False)
        except (binascii.Error, ValueError):
            continue
        if not raw.startswith(b"\x78"):  # not zlib: plain bytes, bounded by the request's size
            continue
        _bounded_inflate(data, limit, path)


def _payloads(value: Any, path: str) -> Iterator[tuple[str, str, int]]:
    if isinstance(value, dict):
        data = value.get("data")
        if isinstance(data, str) and "dtype" in value and "shape" in value:
            yield f"{path}.data", data, _tensor_bytes(value, path)
        qpy = value.get("b64_data")
        if isinstance(qpy, str):
            yield f"{path}.b64_data", qpy, MAX_PAYLOAD_BYTES
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                yield from _payloads(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)):
                yield from _payloads(item, f"{path}[{index}]")


def _tensor_bytes(tensor: dict[str, Any], path: str) -> int:
    """The bytes a tensor's shape and dtype say it holds (its data may not inflate past it)."""
    shape, size = tensor.get("shape"), _ELEMENT_BYTES.get(str(tensor.get("dtype")), 16)
    if not isinstance(shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        return MAX_PAYLOAD_BYTES  # IBM's model refuses it; bounded meanwhile
    needed = math.ceil(math.prod(shape) * size)
    if needed > MAX_PAYLOAD_BYTES:
        raise InvalidWorkload(
            f"Invalid params: {path} has shape {shape}, {needed} bytes of {tensor.get('dtype')}; "
            f"the fake takes tensors of at most {MAX_PAYLOAD_BYTES} bytes. Send smaller arrays "
            "(or split the job)."
        )
    return needed


def _bounded_inflate(data: str, limit: int, path: str) -> None:
    try:
        compressed = base64.b64decode(data)
    except (binascii.Error, ValueError):
        return  # IBM's model says why
    inflater = zlib.decompressobj()
    try:
        inflater.decompress(compressed, limit + 1)
    except zlib.error:
        return
    if inflater.unconsumed_tail:
        raise InvalidWorkload(
            f"Invalid params: {path} inflates to more than its {limit} bytes (its shape's, or "
            "the fake's limit for one payload). Send the data its shape describes."
        )
