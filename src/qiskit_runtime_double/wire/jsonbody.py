"""Parse a JSON request body with bounded nesting and finite numbers, or say why not.

Python's ``json`` module recurses once per nesting level and raises ``RecursionError`` on input
nested about a thousand levels deep, which a server must not let escape as a 500. The body is
parsed by pydantic-core's JSON parser instead (Rust, already a dependency through pydantic), which
stops at its own recursion limit; one iterative walk over the result then enforces the limits this
module documents, whatever that parser's version allows:

- at most ``MAX_DEPTH`` nested arrays and objects (the value at the top is level 1);
- JSON as RFC 8259 defines it, in UTF-8, without lone surrogate escapes (``"\ud800"``);
- every number finite: ``NaN``, ``Infinity`` and a literal such as ``1e400`` that overflows a
  double are refused; integers have at most 4300 digits (Python's limit on text-to-int).

Every refusal is a ``JsonBodyError`` (a ``ValueError``) whose message says what was expected.
"""

from __future__ import annotations

import math
from typing import Any

import pydantic_core

__all__ = ["MAX_DEPTH", "JsonBodyError", "parse_json_body"]

#: Nesting levels of arrays and objects a request body may have. The official client's bodies
#: nest about a dozen levels plus an observables array's dimensions; pydantic-core's parser itself
#: stops somewhat deeper (128 levels in its older versions, 200 in newer ones).
MAX_DEPTH = 100

_TOO_DEEP = (
    f"The request body nests arrays and objects more than {MAX_DEPTH} levels deep; the service "
    f"accepts at most {MAX_DEPTH}. Send a flatter document."
)


#: Where a value sits in a body: keys of objects and indices of arrays, from the top.
_Path = tuple[str | int, ...]


class JsonBodyError(ValueError):
    """The body is not acceptable JSON; ``message`` says why and what to send instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_json_body(content: bytes, *, empty: Any = None) -> Any:
    """The JSON value in ``content`` (``empty`` when there is no body at all).

    Raises ``JsonBodyError`` for bytes that are not strict JSON, nesting deeper than ``MAX_DEPTH``
    or a number that is not finite.
    """
    if not content:
        return empty
    try:
        # NaN and Infinity parse (the keyword refusing them is recent); ``_check`` refuses them.
        value = pydantic_core.from_json(content)
    except ValueError as exc:
        detail = str(exc)
        if "recursion limit" in detail:
            raise JsonBodyError(_TOO_DEEP) from None
        raise JsonBodyError(
            f"The request body is not valid JSON: {detail}. Send a UTF-8 JSON document "
            "(no NaN or Infinity; integers of at most 4300 digits)."
        ) from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Refuse nesting beyond ``MAX_DEPTH`` and non-finite floats, without recursion."""
    _check_number(value, ())
    stack: list[tuple[Any, int, _Path]] = (
        [(value, 1, ())] if isinstance(value, (list, dict)) else []
    )
    while stack:
        container, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise JsonBodyError(_TOO_DEEP)
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, child in items:
            if isinstance(child, (list, dict)):
                stack.append((child, depth + 1, (*path, key)))
            elif isinstance(child, float):
                _check_number(child, (*path, key))


def _where(path: _Path) -> str:
    """``pubs[0][2]`` or ``seconds``: where a value sits in the body."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text or "the body"


def _check_number(value: Any, path: _Path) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise JsonBodyError(
            f"The request body has a number that is not finite at {_where(path)} (NaN, "
            "Infinity, or beyond a double's range of about ±1.8e308). Send finite numbers."
        )
