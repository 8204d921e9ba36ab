"""The exception tree, mirroring the official client's names.

::

    QiskitError
    └── IBMError
        ├── IBMRuntimeError
        │   ├── RuntimeJobFailureError        a job ended Failed
        │   ├── RuntimeJobMaxTimeoutError     a job ran too long (reason code 1305)
        │   ├── RuntimeInvalidStateError      e.g. result of a cancelled job
        │   ├── RuntimeJobNotFound            no job with that id
        │   ├── RuntimeProgramNotFound        no program with that id
        │   ├── RuntimeJobTimeoutError        wait_for_final_state(timeout=...) ran out
        │   ├── SessionClosedError            run() on a closed session (no HTTP call made)
        │   └── ClockError                    a wait needs time that a frozen clock will not give
        │       └── SimulationStalledError    a wait for a job the fake can never move
        ├── IBMInputValueError  (also ValueError)   bad user input, e.g. max_time="soon"
        │   ├── IBMInputTypeError (also TypeError)   an argument of the wrong type, e.g. shots=1.5
        │   ├── BackendNotFoundError (also QiskitBackendNotFoundError)
        │   └── AccountNotFoundError          no saved account or environment variables
        ├── IBMNotAuthorizedError             HTTP 401 from the service
        ├── IBMApiError                       the service answered, but not as the API promises
        │   └── RequestsApiError              an HTTP error status
        ├── TransportError                    nothing usable came back (connection, TLS, timeout)
        │   └── RequestNotSent                it never left this process: resending is safe
        └── CassetteError                     a cassette cannot answer as asked
            ├── CassetteNotFoundError (also FileNotFoundError)   replay of a missing file
            ├── CassetteFormatError           not a cassette: corrupt, wrong shape, newer format
            ├── CassetteMismatchError         a request the cassette has no recorded answer for
            └── CassetteSecretError           a secret that scrubbing cannot remove: not saved

Every message says what was expected, what came, and what to do. An error about an answer of the
service also says it in fields (``status_code``, ``error_code``), for code to branch on.
"""

from __future__ import annotations

from qiskit.exceptions import QiskitError
from qiskit.providers.exceptions import QiskitBackendNotFoundError

__all__ = [
    "AccountNotFoundError",
    "BackendNotFoundError",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteNotFoundError",
    "CassetteSecretError",
    "ClockError",
    "IBMApiError",
    "IBMError",
    "IBMInputTypeError",
    "IBMInputValueError",
    "IBMNotAuthorizedError",
    "IBMRuntimeError",
    "RequestNotSent",
    "RequestsApiError",
    "RuntimeInvalidStateError",
    "RuntimeJobFailureError",
    "RuntimeJobMaxTimeoutError",
    "RuntimeJobNotFound",
    "RuntimeJobTimeoutError",
    "RuntimeProgramNotFound",
    "SessionClosedError",
    "SimulationStalledError",
    "TransportError",
]


class IBMError(QiskitError):
    """Base class of every error this package raises.

    An error that reports an answer of the service carries its ``status_code`` (the HTTP status)
    and ``error_code`` (the service's ``errors[0].code``, such as ``"1352"``), so that code can
    branch on them instead of matching the message; both are None for other errors.
    """

    #: The HTTP status of the error answer this error reports; None when it reports none.
    status_code: int | None = None
    #: The service's error code in that answer (``errors[0].code``), if it gave one.
    error_code: str | None = None

    def __init__(self, *message: object) -> None:
        super().__init__(*message)
        # QiskitError joins its args into .message; keep str(err) equal to it.
        self.message = " ".join(str(m) for m in message)

    def __str__(self) -> str:
        return self.message


class IBMRuntimeError(IBMError):
    """A runtime operation failed."""


class IBMInputValueError(IBMError, ValueError):
    """An input value is invalid. Also a ``ValueError``, as the seed API promises."""


class IBMInputTypeError(IBMInputValueError, TypeError):
    """An argument of the wrong type, e.g. ``shots=1.5`` or ``created_after="yesterday"``.

    A ``TypeError``, as qiskit and the official client raise for these, and an
    ``IBMInputValueError`` (so a ``ValueError``), as every other bad input here is: code that
    catches either keeps working.
    """


class BackendNotFoundError(IBMInputValueError, QiskitBackendNotFoundError):
    """No backend of that name is available to this service."""


class IBMNotAuthorizedError(IBMError):
    """The service answered 401: the credentials are missing, wrong or expired."""


class IBMApiError(IBMError):
    """The service answered something the API does not allow."""


class RequestsApiError(IBMApiError):
    """The service answered with an HTTP error status."""

    def __init__(self, message: str, status_code: int = -1) -> None:
        super().__init__(message)
        self.status_code = status_code


class TransportError(IBMError):
    """No usable answer came back: connection refused, TLS failure, timeout, dropped connection.

    ``endpoint`` is ``"<METHOD> <url>"`` (secrets redacted) of the request that got no answer, set
    by a raiser whose message already names it; None otherwise, and the client then names it.
    """

    def __init__(self, *message: object, endpoint: str | None = None) -> None:
        super().__init__(*message)
        self.endpoint = endpoint


class RequestNotSent(TransportError):
    """The request never left this process (resolving, connecting or TLS failed): nothing was
    processed, so resending it is safe, even for a job submission."""


class RuntimeJobFailureError(IBMRuntimeError):
    """The job ended in the Failed state."""


class RuntimeJobMaxTimeoutError(IBMRuntimeError):
    """The job ran longer than its maximum execution time and was stopped (reason code 1305)."""


class RuntimeInvalidStateError(IBMRuntimeError):
    """The job is not in a state that allows the operation."""


class RuntimeJobNotFound(IBMRuntimeError):
    """No job with that id exists for this instance."""


class RuntimeProgramNotFound(IBMRuntimeError):
    """No program with that id exists."""


class RuntimeJobTimeoutError(IBMRuntimeError):
    """Waiting for a job ran out of the given timeout before the job reached a final state."""


class SessionClosedError(IBMRuntimeError):
    """A job was submitted to a session that was closed or cancelled on this client."""


class ClockError(IBMRuntimeError):
    """A wait needs simulated time to pass, but the clock is frozen (or asked to go backwards)."""


class SimulationStalledError(ClockError):
    """A wait without a timeout for a job that nothing in the simulation will ever move.

    For example a job queued on a backend the test took offline: against the real service it
    would wait until the backend came back; in the fake nothing brings it back, so instead of
    moving simulated time forever the wait fails, naming the job, its backend and the reason.
    """


class AccountNotFoundError(IBMInputValueError):
    """No saved account or environment variables say how to reach the service."""


# --- cassettes (record/replay) -------------------------------------------------------------------


class CassetteError(IBMError):
    """A cassette cannot answer as asked. Messages name the file, never a secret."""


class CassetteNotFoundError(CassetteError, FileNotFoundError):
    """Replay asked for a cassette file that does not exist (the message says how to record it)."""


class CassetteFormatError(CassetteError):
    """The file is not a cassette this version reads: corrupt YAML, wrong shape, newer format."""


class CassetteMismatchError(CassetteError):
    """A request has no recorded answer; the message names the nearest recorded requests."""


class CassetteSecretError(CassetteError):
    """A recording holds a secret where scrubbing cannot replace it, so it was not saved. The
    message names where (interaction, job, field, what inside the payload) and how to fix it."""
