"""``Session`` and ``Batch``: groups of jobs the service schedules together.

The server session is created lazily, at the first ``run`` (``session_id`` is None until then), as
the seed API documents.
"""

from __future__ import annotations

import contextvars
import re
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from qiskit.providers import BackendV2

from .errors import IBMInputTypeError, IBMInputValueError, SessionClosedError
from .legacy.runtime_options import RuntimeOptions, run_settings
from .legacy.runtime_program import ParameterNamespace, program_inputs
from .validation import check_str
from .wire.models import SessionCreateRequest, SessionDetails

if TYPE_CHECKING:
    from .job import Callback, RuntimeJob
    from .service import QiskitRuntimeService

__all__ = ["Batch", "Session", "current_session", "parse_max_time"]

_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_TOKEN = re.compile(r"(\d+)\s*([dhms])", re.IGNORECASE)
_MAX_TIME_FORMS = (
    "a positive int of seconds, or a string such as '2h 30m 40s', '1d', '90m' or '45s'"
)

_CURRENT: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "qiskit_runtime_double_session", default=None
)


def current_session() -> Session | None:
    """The session of the innermost ``with Session(...)`` block in this context, if any."""
    return _CURRENT.get()


def parse_max_time(max_time: int | str | None) -> int | None:
    """Seconds from ``max_time``: an int, or day/hour/minute/second tokens like ``"2h 30m 40s"``.

    Stricter than the official client, which reads ``"1.5h"`` as 5 hours and ignores junk:
    here anything but whole tokens, each unit once, is an ``IBMInputValueError`` naming the
    value. Above the plan's limit the service refuses the session (a 400 naming the limit).
    """
    if max_time is None:
        return None
    if isinstance(max_time, bool) or not isinstance(max_time, (int, str)):
        raise IBMInputTypeError(f"Invalid max_time value {max_time!r}: expected {_MAX_TIME_FORMS}.")
    if isinstance(max_time, int):
        if max_time <= 0:
            raise IBMInputValueError(
                f"Invalid max_time value {max_time!r}: expected {_MAX_TIME_FORMS}."
            )
        return max_time
    text = max_time.strip()
    leftover = _TOKEN.sub("", text).strip()
    tokens = _TOKEN.findall(text)
    if not tokens or leftover:
        raise IBMInputValueError(
            f"Invalid max_time value {max_time!r}: expected {_MAX_TIME_FORMS}."
        )
    units = [unit.lower() for _, unit in tokens]
    if len(set(units)) < len(units):
        raise IBMInputValueError(
            f"Invalid max_time value {max_time!r}: each unit (d, h, m, s) may appear once; "
            f"expected {_MAX_TIME_FORMS}."
        )
    seconds = sum(int(number) * _UNITS[unit.lower()] for number, unit in tokens)
    if seconds <= 0:
        raise IBMInputValueError(
            f"Invalid max_time value {max_time!r}: it must add up to more than 0 s."
        )
    return seconds


class Session:
    """A Qiskit Runtime session: jobs that the scheduler runs together on one backend.

    ``service``: the service to use; by default the backend's, else the one made current with
    ``default_service(...)``, else ``QiskitRuntimeService()`` (your saved account).
    ``backend``: a backend name or object. ``max_time``: seconds or a string like ``"2h 30m"``.
    """

    _mode: ClassVar[Literal["dedicated", "batch"]] = "dedicated"

    def __init__(
        self,
        service: QiskitRuntimeService | None = None,
        backend: str | BackendV2 | None = None,
        max_time: int | str | None = None,
    ) -> None:
        self._max_time = parse_max_time(max_time)
        self._service = self._resolve_service(service, backend)
        if backend is None or isinstance(backend, str):
            self._backend_name = backend
        elif isinstance(backend, BackendV2):
            self._backend_name = backend.name
        else:
            raise IBMInputTypeError(
                f"Invalid backend {backend!r}: expected a backend name (str) or a backend object "
                "from service.backend(name)."
            )
        self._session_id: str | None = None
        self._active = True
        self._token: contextvars.Token[Session | None] | None = None

    @staticmethod
    def _resolve_service(
        service: QiskitRuntimeService | None, backend: object
    ) -> QiskitRuntimeService:
        from .service import QiskitRuntimeService, get_default_service

        if service is not None:
            if not isinstance(service, QiskitRuntimeService):
                raise IBMInputTypeError(
                    f"Invalid service {service!r}: expected a QiskitRuntimeService or None."
                )
            return service
        owner = getattr(backend, "service", None)
        if isinstance(owner, QiskitRuntimeService):
            return owner
        return get_default_service() or QiskitRuntimeService()

    # --- the seed API ------------------------------------------------------------------------

    @property
    def service(self) -> QiskitRuntimeService:
        return self._service

    @property
    def session_id(self) -> str | None:
        """The session's id; None until a job runs in it."""
        return self._session_id

    def backend(self) -> str | None:
        """The backend's name; None if unknown (no backend given and no job run yet)."""
        return self._backend_name

    def run(
        self,
        program_id: str,
        inputs: dict[str, Any] | ParameterNamespace,
        options: RuntimeOptions | dict[str, Any] | None = None,
        callback: Callback | None = None,
        result_decoder: Any = None,
    ) -> RuntimeJob:
        """Run ``program_id`` with ``inputs`` in this session; returns the submitted job.

        ``inputs``: a dict, or a ``ParameterNamespace`` (validated first). ``options``: a
        ``RuntimeOptions`` or a dict of its keys; its ``backend`` must be the session's, its
        ``session_time`` (seconds) the session's length when this job starts the session.
        """
        if not self._active:
            raise SessionClosedError(
                f"The session is closed. Session {self._session_id or '(never started)'} no longer "
                "accepts jobs: open a new Session for further jobs."
            )
        params = program_inputs(inputs)
        settings = run_settings(options, instance=self._service.instance)
        requested = settings.backend
        if (
            requested is not None
            and self._backend_name is not None
            and requested != self._backend_name
        ):
            raise IBMInputValueError(
                f"options['backend'] is {requested!r}, but this session runs on "
                f"{self._backend_name!r}. Leave it out, or use a session on {requested!r}."
            )
        session_time = self._session_time(settings.session_time)
        if self._session_id is None:
            self._start(requested or self._backend_name, session_time)
        return self._service.run(
            program_id,
            params,
            options,
            callback=callback,
            result_decoder=result_decoder,
            session_id=self._session_id,
            backend_name=self._backend_name,
        )

    def _session_time(self, session_time: int | None) -> int | None:
        """The session's length: ``max_time``, or a first job's ``session_time``; a job's
        ``session_time`` must agree with it (a session's length is set when it starts)."""
        if session_time is None or session_time == self._max_time:
            return self._max_time
        if self._max_time is not None or self._session_id is not None:
            length = "the service's default" if self._max_time is None else f"{self._max_time} s"
            raise IBMInputValueError(
                f"options session_time is {session_time} s, but this session's length is "
                f"{length}: a session's length is set when it starts (Session(max_time=...)). "
                "Leave session_time out."
            )
        return session_time

    def _start(self, backend_name: str | None, max_time: int | None) -> None:
        details = self._service.client.create_session(
            SessionCreateRequest(
                mode=self._mode,
                backend=backend_name,
                instance=self._service.instance,
                max_ttl=max_time,
            )
        )
        self._session_id = details.id
        self._max_time = max_time
        self._backend_name = details.backend_name or backend_name

    def close(self) -> None:
        """Stop accepting jobs; jobs already submitted still run, then the session closes."""
        self._active = False
        if self._session_id is not None:
            self._service.client.close_session(self._session_id)

    def cancel(self) -> None:
        """Cancel the session's queued jobs and close it at once."""
        self._active = False
        if self._session_id is not None:
            self._service.client.cancel_session(self._session_id)

    @classmethod
    def from_id(
        cls,
        session_id: str,
        service: QiskitRuntimeService | None = None,
        backend: str | BackendV2 | None = None,
        max_time: int | str | None = None,
    ) -> Session:
        """A ``Session`` for an existing session id (``IBMInputValueError`` if there is none)."""
        check_str("session_id", session_id)
        session = cls(service=service, backend=backend, max_time=max_time)
        details = session._service.client.session_details(session_id)
        if details.mode != cls._mode:
            raise IBMInputValueError(
                f"Input ID {session_id} has execution mode {details.mode} instead of {cls._mode}. "
                f"Use {'Batch' if details.mode == 'batch' else 'Session'}.from_id instead."
            )
        if session._backend_name is not None and details.backend_name not in (
            None,
            session._backend_name,
        ):
            raise IBMInputValueError(
                f"Session {session_id} runs on {details.backend_name!r}, "
                f"not {session._backend_name!r}."
            )
        session._session_id = session_id
        session._backend_name = details.backend_name or session._backend_name
        if details.state == "closed" or not details.accepting_jobs:
            session._active = False
        return session

    # --- the modern API ----------------------------------------------------------------------

    def _details(self) -> SessionDetails | None:
        if self._session_id is None:
            return None
        return self._service.client.session_details(self._session_id)

    def details(self) -> dict[str, Any] | None:
        """The service's view of the session, keys named as by the official client.

        None before the session's first job.
        """
        details = self._details()
        if details is None:
            return None
        return {
            "id": details.id,
            "backend_name": details.backend_name,
            "interactive_timeout": details.interactive_ttl,
            "max_time": details.max_ttl,
            "active_timeout": details.active_ttl,
            "state": details.state,
            "accepting_jobs": details.accepting_jobs,
            "last_job_started": details.last_job_started,
            "last_job_completed": details.last_job_completed,
            "started_at": details.started_at,
            "closed_at": details.closed_at,
            "activated_at": details.activated_at,
            "mode": details.mode,
            "usage_time": details.elapsed_time,
            "timestamps": [t.model_dump() for t in details.timestamps],
        }

    def status(self) -> str | None:
        """``"Pending"``, ``"In progress, accepting new jobs"``, ``"In progress, not accepting new
        jobs"`` or ``"Closed"``; None before the first job."""
        details = self._details()
        if details is None:
            return None
        state, accepting = details.state, details.accepting_jobs
        if state in ("open", "inactive"):
            return "Pending"
        if (state == "active" and accepting) or state == "pending_inactive":
            return "In progress, accepting new jobs"
        if state in ("active", "pending_closed"):
            return "In progress, not accepting new jobs"
        return state.capitalize()

    def usage(self) -> float | None:
        """Seconds of session usage so far; None before the first job."""
        details = self._details()
        return None if details is None else details.elapsed_time

    # --- context manager ---------------------------------------------------------------------

    def __enter__(self) -> Session:
        self._token = _CURRENT.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _CURRENT.reset(self._token)
            self._token = None
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self._session_id!r} backend={self._backend_name!r}>"


class Batch(Session):
    """A batch: jobs grouped for throughput, without holding the backend between them."""

    _mode: ClassVar[Literal["dedicated", "batch"]] = "batch"
