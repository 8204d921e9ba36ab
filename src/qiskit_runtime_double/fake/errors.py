"""Errors the fake service raises, each carrying the HTTP status and wire code it answers with.

State raises these; only the REST facade (``app.py``) turns them into responses (moto's pattern).
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "FakeArgumentError",
    "Forbidden",
    "NotFound",
    "ServiceError",
]

#: Error codes of the official registry (quantum.cloud.ibm.com/docs/errors) that the fake uses.
VALIDATION = "1002"
BACKEND_NOT_FOUND = "1007"
NOT_AUTHORIZED = "1200"
INVALID_CREDENTIALS = "1201"
#: Codes our registry excerpt does not list: chosen here, documented in docs/fake-service.md.
NOT_FOUND = "1300"
SESSION_CLOSED = "1352"
USAGE_LIMIT = "1354"


class ServiceError(Exception):
    """A request the fake refuses: ``status`` is the HTTP status, ``code`` the wire error code."""

    status = 500
    code = "1000"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class BadRequest(ServiceError):
    status = 400
    code = VALIDATION


class Forbidden(ServiceError):
    status = 403
    code = NOT_AUTHORIZED


class NotFound(ServiceError):
    status = 404
    code = NOT_FOUND


class Conflict(ServiceError):
    status = 409
    code = VALIDATION


class FakeArgumentError(ValueError):
    """A ``FakeRuntime`` method refused an argument (an unknown job id or backend name...).

    A ``ValueError`` for Python callers, naming the argument; ``status`` and ``code`` are what the
    control API answers when the same refusal comes over REST (404 for an unknown id).
    """

    def __init__(self, message: str, *, status: int = 400, code: str = VALIDATION) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
