"""Result decoders: how a job's result text becomes a Python value.

``result_decoder`` (``Session.run``, ``QiskitRuntimeService.run``, ``RuntimeJob.result(decoder=)``)
takes what qiskit-ibm-runtime 0.15.1 took, a ``ResultDecoder`` subclass (its ``decode`` class
method) or a pair ``(interim decoder, final decoder)``, and also any object with a ``decode``
method or a plain function of the text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..errors import IBMInputTypeError
from ..wire import codec

__all__ = ["Decode", "ResultDecoder", "decoders"]

Decode = Callable[[str], Any]


class ResultDecoder:
    """The default decoder, and the base class of your own (as in qiskit-ibm-runtime 0.15.1).

    ``decode`` parses the JSON the runtime encoder wrote (circuits, numpy arrays, qiskit results
    and the like come back as objects); a text that is not JSON is returned as it is. Subclass it
    and override ``decode`` (a class method) to post-process a program's results.
    """

    @classmethod
    def decode(cls, data: str) -> Any:
        try:
            return codec.decode(data)
        except json.JSONDecodeError:
            return data


def _one(decoder: Any, what: str) -> Decode:
    decode = getattr(decoder, "decode", None)
    if callable(decode):
        return decode  # type: ignore[no-any-return]
    if callable(decoder):
        return decoder  # type: ignore[no-any-return]
    raise IBMInputTypeError(
        f"{what} must be a ResultDecoder subclass, an object with a decode(text) method or a "
        f"function of the result text, got {decoder!r}."
    )


def decoders(result_decoder: Any) -> tuple[Decode, Decode]:
    """``(interim, final)`` decoders from a ``result_decoder`` argument (None: the default)."""
    if result_decoder is None:
        return ResultDecoder.decode, ResultDecoder.decode
    if isinstance(result_decoder, (list, tuple)):
        if len(result_decoder) != 2:
            raise IBMInputTypeError(
                "result_decoder as a sequence must be (interim decoder, final decoder), got "
                f"{len(result_decoder)} items."
            )
        interim, final = result_decoder
        return (
            _one(interim, "result_decoder[0] (the interim results' decoder)"),
            _one(final, "result_decoder[1] (the final result's decoder)"),
        )
    decode = _one(result_decoder, "result_decoder")
    return decode, decode
