"""Bounded decoding of encoded payloads (base64, zlib), so that a small blob cannot fill memory.

Runtime-encoded values carry blobs (``{"__type__": "ndarray", "__value__": <base64 of zlib of
.npy>}``, QPY circuits the same way). zlib expands up to about 1,030 times: 0.7 MB of compressed
zeros is 700 MB once inflated. Every decoder of such blobs (the codec, the cassette scanner and
scrubber) inflates them here, in steps of at most ``STEP`` bytes of output
(``zlib.decompressobj().decompress(data, max_length)``), and stops as soon as a limit is passed,
so a bomb is refused after inflating at most one step past the limit:

- ``max_bytes``: the most one payload may decode to (base64 and zlib alike);
- ``max_ratio``: the most its output may exceed the compressed bytes consumed so far, once the
  output is past ``ratio_free_bytes`` (small payloads may expand as much as zlib allows);
- ``max_total_bytes``: the most all the payloads of one document may decode to together
  (``DecodeBudget``), since a ratio and a size per payload alone allow many payloads.

``JOB_INPUT_LIMITS`` are what the fake accepts in a job's params (IBM documents inputs of at most
64 MB); ``RESULT_LIMITS`` are looser, for clients reading what a service sends (a result of 10
million shots of zeros expands 1,000 times, legitimately). Exceeding a limit raises
``PayloadTooLarge`` (a ``ValueError``) naming the limit and what came.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from typing import Final

__all__ = [
    "JOB_INPUT_LIMITS",
    "RESULT_LIMITS",
    "STEP",
    "DecodeBudget",
    "PayloadLimits",
    "PayloadTooLarge",
    "b64decode_bounded",
    "inflate",
]

#: The most output one decompression step makes.
STEP: Final = 2**20
_MIB: Final = 2**20


class PayloadTooLarge(ValueError):
    """A payload decodes past a limit (``PayloadLimits``); the message names the limit."""


@dataclass(frozen=True)
class PayloadLimits:
    """How far encoded payloads may decode (see the module doc). None: no such limit."""

    max_bytes: int
    max_ratio: float | None = None
    ratio_free_bytes: int = _MIB
    max_total_bytes: int | None = None

    def describe(self) -> str:
        """The limits in words, for documentation and messages."""
        parts = [f"at most {_size(self.max_bytes)} per payload"]
        if self.max_ratio is not None:
            parts.append(
                f"zlib expanding at most {self.max_ratio:g} times past the first "
                f"{_size(self.ratio_free_bytes)}"
            )
        if self.max_total_bytes is not None:
            parts.append(f"at most {_size(self.max_total_bytes)} for all payloads together")
        return ", ".join(parts)


#: What the fake accepts in a job's params: 64 MiB per payload (IBM: inputs of at most 64 MB),
#: zlib expanding at most 250 times past the first 8 MiB (circuits expand 3-5 times, arrays of
#: random values about once; 8 MiB of zeros may expand as much as zlib allows), and 256 MiB for
#: all the payloads of one job.
JOB_INPUT_LIMITS: Final = PayloadLimits(
    max_bytes=64 * _MIB, max_ratio=250, ratio_free_bytes=8 * _MIB, max_total_bytes=256 * _MIB
)
#: What a client accepts in a result: 2 GiB per payload, no ratio (results of identical shots
#: compress 1,000 times), no total.
RESULT_LIMITS: Final = PayloadLimits(max_bytes=2048 * _MIB)


class DecodeBudget:
    """The bytes the payloads of one document have decoded to so far, against ``limits``.

    One per document decoded (a job's params, a result); not thread-safe: one decoding pass at a
    time uses it.
    """

    def __init__(self, limits: PayloadLimits) -> None:
        self.limits = limits
        self.used = 0

    def charge(self, size: int) -> None:
        """Count ``size`` more decoded bytes; ``PayloadTooLarge`` past ``max_total_bytes``."""
        self.used += size
        total = self.limits.max_total_bytes
        if total is not None and self.used > total:
            raise PayloadTooLarge(
                f"the document's payloads decode to more than {_size(total)} together (the "
                f"limit for all of them), {_size(self.used)} so far"
            )


def b64decode_bounded(text: str, limits: PayloadLimits) -> bytes:
    """Base64 ``text`` decoded (standard alphabet, as the official encoder writes), refused
    before decoding when it would exceed ``limits.max_bytes``; ``binascii.Error`` if not base64."""
    if len(text) // 4 * 3 > limits.max_bytes:
        raise PayloadTooLarge(
            f"its base64 text is {len(text)} characters, more than the {_size(limits.max_bytes)} "
            "a payload may decode to"
        )
    try:
        return base64.standard_b64decode(text)
    except ValueError as exc:  # non-ASCII text
        raise binascii.Error(str(exc)) from None


def inflate(
    data: bytes,
    limits: PayloadLimits,
    *,
    budget: DecodeBudget | None = None,
    truncated_ok: bool = False,
) -> bytes:
    """zlib-decompress ``data`` in steps, refusing output past ``limits`` (and ``budget``).

    ``zlib.error`` for data that is not zlib, and for a truncated stream unless ``truncated_ok``
    (then what it holds is returned: a scanner still has something to read).
    """
    inflater = zlib.decompressobj()
    out = bytearray()
    chunk = inflater.decompress(data, STEP)
    while True:
        out += chunk
        if budget is not None:
            budget.charge(len(chunk))
        _check(len(out), len(data) - len(inflater.unconsumed_tail), len(data), limits)
        if inflater.eof:
            return bytes(out)
        if not (chunk or inflater.unconsumed_tail):
            if truncated_ok:
                return bytes(out)
            raise zlib.error("incomplete or truncated stream")
        chunk = inflater.decompress(inflater.unconsumed_tail, STEP)


def _check(size: int, consumed: int, compressed: int, limits: PayloadLimits) -> None:
    if size > limits.max_bytes:
        raise PayloadTooLarge(
            f"it decompresses past {_size(limits.max_bytes)} (from {compressed} bytes), the most "
            "a payload may decode to"
        )
    ratio = limits.max_ratio
    if ratio is not None and size > limits.ratio_free_bytes and size > ratio * consumed:
        raise PayloadTooLarge(
            f"it decompresses more than {ratio:g} times its size ({consumed} bytes to more than "
            f"{size}), as a zip bomb does"
        )


def _size(size: int) -> str:
    return f"{size // _MIB} MiB" if size % _MIB == 0 else f"{size} bytes"
