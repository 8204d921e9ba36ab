"""Errors the fake service raises, each carrying the HTTP status and wire code it answers with.

State raises these; only the REST facade (``app.py``) turns them into responses (moto's pattern).
"""

from __future__ import annotations

from ...wire.vocabulary import ErrorCode

__all__ = [
    "BadRequest",
    "Conflict",
    "FakeArgumentError",
    "Forbidden",
    "InvalidWorkload",
    "NotFound",
    "ServiceError",
]

# The error codes the fake answers with (``wire/vocabulary.py`` says which are ours).
VALIDATION = ErrorCode.VALIDATION
BACKEND_NOT_FOUND = ErrorCode.BACKEND_NOT_FOUND
NOT_AUTHORIZED = ErrorCode.NOT_AUTHORIZED
INVALID_CREDENTIALS = ErrorCode.INVALID_CREDENTIALS
NOT_FOUND = ErrorCode.NOT_FOUND
SESSION_CLOSED = ErrorCode.SESSION_CLOSED
USAGE_LIMIT = ErrorCode.USAGE_LIMIT


class ServiceError(Exception):
    """A request the fake refuses: ``status`` is the HTTP status, ``code`` the wire error code."""

    status = 500
    code = ErrorCode.INTERNAL

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


class InvalidWorkload(Exception):
    """The job's params are not a valid workload for the program and backend."""

    def __init__(self, message: str, code: str = VALIDATION) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
