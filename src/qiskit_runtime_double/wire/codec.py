"""JSON codec for job params and results, compatible with the official client's
``RuntimeEncoder``/``RuntimeDecoder`` (qiskit-ibm-runtime 0.51; API notes section 4.1).

Tagged values travel as ``{"__type__": tag, "__value__": payload}``. Blobs are
``base64(zlib(bytes))`` ("b64z") for arrays and QPY, plain base64 for ``Parameter``.

Execution spans, whose classes live in qiskit-ibm-runtime, decode to the same classes in
``wire.spans`` (``ExecutionSpans``, ``SliceSpan``, ``DoubleSliceSpan``, ...), which encode back to
the official tags. Where the official decoder builds another class that only exists in
qiskit-ibm-runtime (``NoiseLearnerResult``, noise-learner ``_json`` objects) or in qiskit-aer
(``NoiseModel``), this decoder returns the tagged dict unchanged. Such a dict re-encodes to the
same JSON, so a value passes through the fake or a cassette losslessly and the official client
still decodes it. ``EstimatorPubResult`` decodes to its qiskit base class ``PubResult``.
The decoder does not run the official post-processing of whole job objects for the
``executor``/``calibrate``/``noise-learner`` programs (pydantic models from ibm-quantum-schemas).

``canonical_circuit`` (in ``wire.canonical``) gives the structural fingerprint that request
matching compares, because QPY bytes of the same circuit differ between runs (API notes
section 4.4).

This module is the codec's public face: the encoder lives in ``wire._encode``, the decoder in
``wire._decode``, and everything is imported from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._decode import CircuitCache, CodecError, RuntimeDecoder, decode, from_jsonable
from ._encode import (
    QPY_WRITE_VERSION,
    SERVICE_MAX_SUPPORTED_QPY_VERSION,
    EncodedCircuits,
    RuntimeEncoder,
    encode,
    to_jsonable,
)

__all__ = [
    "QPY_WRITE_VERSION",
    "SERVICE_MAX_SUPPORTED_QPY_VERSION",
    "CircuitCache",
    "CodecError",
    "EncodedCircuits",
    "RuntimeDecoder",
    "RuntimeEncoder",
    "canonical_circuit",
    "decode",
    "encode",
    "from_jsonable",
    "to_jsonable",
]

if TYPE_CHECKING:
    from .canonical import canonical_circuit


def __getattr__(name: str) -> Any:
    # canonical_circuit serves cassette matching only: imported when first asked for.
    if name == "canonical_circuit":
        from .canonical import canonical_circuit

        return canonical_circuit
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The public classes name this module, where their users import them from (in reprs, tracebacks
# and pickles), not the private modules that define them.
for _public in (CodecError, RuntimeDecoder, RuntimeEncoder):
    _public.__module__ = __name__
del _public
