"""An error answer's body: one type, written by the fake and read by the client.

The runtime API and IBM Cloud answer errors in the IBM Cloud shape::

    {"errors": [{"code": "1352", "message": "...", "more_info": "..."}],
     "trace": "...", "status_code": 409}

The fake writes exactly that (``ErrorBody(...).model_dump``). What comes back over a network is
less tidy: IAM answers ``{"errorCode", "errorMessage"}``, some gateways ``{"error": {"code",
"message"}}`` or ``{"message"}``, a proxy an HTML page, a dropped body nothing at all.
``ErrorBody.read(status, content)`` reads any of these into the one shape and **never raises**:
whatever the bytes, the reader gets the status, the errors the body states (one made from its text
when it states none in a known shape, none when it is empty), and the trace when there is one. The
client's error table, safe submission, discovery and the IAM exchange all read error answers
through it, so no reader sniffs bytes or re-parses JSON on its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .numbers import is_int

__all__ = ["MAX_TEXT", "ErrorBody", "ErrorItem"]

#: How much of a body that is not in a known shape (HTML, plain text) becomes the message.
MAX_TEXT = 500

_CONFIG = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class ErrorItem(BaseModel):
    """One entry of ``errors``. ``code`` is the service's error code, a string on the wire
    (``"1352"``); None when the answer gave none."""

    model_config = _CONFIG

    code: str | None = None
    message: str = ""
    more_info: str | None = None


class ErrorBody(BaseModel):
    """The IBM Cloud error shape: ``{"errors": [{code, message, more_info}], trace, status_code}``.

    Write one with the constructor (the fake does); read one from any answer with ``read``.
    """

    model_config = _CONFIG

    errors: list[ErrorItem] = Field(default_factory=list)
    trace: str | None = None
    status_code: int

    @classmethod
    def read(cls, status: int, content: bytes) -> ErrorBody:
        """The error body of an answer with ``status`` and ``content``, whatever the bytes are.

        ``status_code`` is ``status`` (what the HTTP answer said, not what its body claims).
        """
        try:
            parsed: Any = json.loads(content) if content.strip() else None
        except (ValueError, RecursionError):
            parsed = None  # not JSON (HTML, text), not UTF-8, or nested beyond the parser
        if isinstance(parsed, dict):
            errors = _errors_of(parsed)
            trace = parsed.get("trace")
            if errors:
                return cls._made(status, errors, trace if isinstance(trace, str) else None)
        text = content.decode("utf-8", errors="replace").strip()
        errors = [_item(None, text[:MAX_TEXT])] if text else []
        return cls._made(status, errors, None)

    @classmethod
    def _made(cls, status: int, errors: list[ErrorItem], trace: str | None) -> ErrorBody:
        # model_construct: the values are already checked, and validation could only refuse
        # them (a lone surrogate decoded from JSON, say), which reading must never do.
        return cls.model_construct(errors=errors, trace=trace, status_code=status)

    @property
    def code(self) -> str | None:
        """The first error's code (``errors[0].code``), if the answer gave one."""
        return self.errors[0].code if self.errors else None

    @property
    def message(self) -> str:
        """The first error's message; ``(empty body)`` when the answer said nothing."""
        if not self.errors:
            return "(empty body)"
        return self.errors[0].message or "(no message)"

    @property
    def detail(self) -> str:
        """The message and its code, as error messages quote them: ``closed (code 1352)``."""
        code = self.code
        return f"{self.message} (code {code})" if code else self.message


def _errors_of(body: Mapping[str, Any]) -> list[ErrorItem]:
    """The errors a JSON object states, in whichever known shape it uses; [] if none."""
    listed = body.get("errors")
    if isinstance(listed, list):
        items = [_entry(entry) for entry in listed]
        found = [item for item in items if item is not None]
        if found:
            return found
    error = body.get("error")  # {"error": {"code", "message"}} or {"error": "text"}
    if isinstance(error, Mapping):
        entry = _entry(error)
        if entry is not None:
            return [entry]
    elif isinstance(error, str) and error:
        return [_item(_code(body.get("code")), error)]
    if "errorMessage" in body or "errorCode" in body:  # IBM Cloud IAM
        return [_item(_code(body.get("errorCode")), _text(body.get("errorMessage")))]
    if isinstance(body.get("message"), str):
        return [_item(_code(body.get("code")), body["message"])]
    return []


def _entry(entry: object) -> ErrorItem | None:
    if isinstance(entry, str):
        return _item(None, entry) if entry else None
    if not isinstance(entry, Mapping):
        return None
    code, message = _code(entry.get("code")), _text(entry.get("message"))
    if code is None and not message:
        return None
    more_info = entry.get("more_info")
    return _item(code, message, more_info if isinstance(more_info, str) else None)


def _item(code: str | None, message: str, more_info: str | None = None) -> ErrorItem:
    return ErrorItem.model_construct(code=code, message=message, more_info=more_info)


def _code(value: object) -> str | None:
    """A code as the wire spells it: a string (``"1352"``), or a number some services send."""
    if isinstance(value, str):
        return value or None
    if is_int(value):
        return str(value)
    return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str)[:MAX_TEXT]  # a message that is not text
    except (ValueError, RecursionError):
        return f"({type(value).__name__})"
