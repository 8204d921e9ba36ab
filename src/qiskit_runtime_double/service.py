"""``QiskitRuntimeService``: the entry point. It picks a transport and builds backends and jobs."""

from __future__ import annotations

import contextvars
import datetime as _dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .accounts import load_account
from .backend import RuntimeBackend
from .client import RetryPolicy, RuntimeClient
from .errors import BackendNotFoundError, IBMInputValueError, IBMRuntimeError
from .job import RuntimeJob
from .transports.base import Transport
from .transports.inprocess import InProcessTransport
from .wire import codec
from .wire.models import JobCreateRequest

if TYPE_CHECKING:
    from .fake.runtime import FakeRuntime
    from .job import Callback

__all__ = ["BackendStatusInfo", "QiskitRuntimeService", "default_service", "get_default_service"]

_DEFAULT: contextvars.ContextVar[QiskitRuntimeService | None] = contextvars.ContextVar(
    "qiskit_runtime_double_service", default=None
)

#: Keys ``run(options=...)`` understands, and the wire field each becomes.
_RUN_OPTIONS = {
    "log_level": "log_level",
    "job_tags": "tags",
    "tags": "tags",
    "max_execution_time": "cost",
    "private": "private",
    "image": "runtime",
    "instance": None,  # the instance travels in the Service-CRN header, never in the body
}


def get_default_service() -> QiskitRuntimeService | None:
    """The service made current by ``default_service(...)`` in this context, if any."""
    return _DEFAULT.get()


@contextmanager
def default_service(service: QiskitRuntimeService) -> Iterator[QiskitRuntimeService]:
    """Make ``service`` the one ``Session``, ``Batch`` and primitives use when given none."""
    token = _DEFAULT.set(service)
    try:
        yield service
    finally:
        _DEFAULT.reset(token)


@dataclass(frozen=True)
class BackendStatusInfo:
    """A backend's status as the official client reports it."""

    backend_name: str
    backend_version: str
    operational: bool
    pending_jobs: int
    status_msg: str


class QiskitRuntimeService:
    """Access to Qiskit Runtime through a transport.

    - ``QiskitRuntimeService(fake=FakeRuntime())``: the in-process fake.
    - ``QiskitRuntimeService(transport=...)``: any transport (mock, cassette, live, your own).
    - ``QiskitRuntimeService()`` or with ``channel``/``token``/``instance``/``url``: the live
      service with your saved account or these credentials (the live HTTP transport is not
      part of this release yet; this raises and says so).
    """

    def __init__(
        self,
        channel: str | None = None,
        token: str | None = None,
        url: str | None = None,
        filename: str | None = None,
        name: str | None = None,
        instance: str | None = None,
        *,
        transport: Transport | None = None,
        fake: FakeRuntime | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if transport is not None and fake is not None:
            raise IBMInputValueError("Pass either transport= or fake=, not both.")
        if fake is not None:
            transport = InProcessTransport(fake.app)
            instance = instance or fake.plan.instance
        if transport is None:
            account = load_account(name=name, channel=channel, filename=filename)
            raise IBMRuntimeError(
                f"The live HTTP transport is not available in this release, so the saved account "
                f"for channel {account.channel!r} cannot be used yet. Test offline with "
                "QiskitRuntimeService(fake=FakeRuntime()), or pass transport=."
            )
        self._instance = instance
        self._client = RuntimeClient(transport, instance=instance, retry=retry)
        self._backends: dict[str, RuntimeBackend] = {}

    @property
    def client(self) -> RuntimeClient:
        """The REST client under this service (typed operations of the runtime API)."""
        return self._client

    @property
    def instance(self) -> str | None:
        return self._instance

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> QiskitRuntimeService:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        kind = type(self._client.transport).__name__
        return f"<QiskitRuntimeService instance={self._instance!r} transport={kind}>"

    # --- backends ----------------------------------------------------------------------------

    def backend(self, name: str) -> RuntimeBackend:
        """The backend called ``name`` (``BackendNotFoundError``, a ``ValueError``, if none)."""
        given: object = name  # callers without type checking pass anything
        if not isinstance(given, str) or not given:
            raise IBMInputValueError(f"A backend name must be a non-empty string, got {name!r}.")
        cached = self._backends.get(name)
        if cached is None:
            configuration = self._client.backend_configuration(name)
            properties = self._client.backend_properties(name)
            cached = self._backends[name] = RuntimeBackend(configuration, properties, service=self)
        return cached

    def backends(
        self,
        name: str | None = None,
        min_num_qubits: int | None = None,
        simulator: bool | None = None,
        operational: bool | None = None,
    ) -> list[RuntimeBackend]:
        """The backends available, filtered by name, size, kind and operational status."""
        names = [device.name for device in self._client.list_backends().devices]
        if name is not None:
            names = [n for n in names if n == name]
        found = [self.backend(n) for n in names]
        if min_num_qubits is not None:
            found = [b for b in found if b.num_qubits >= min_num_qubits]
        if simulator is not None:
            found = [b for b in found if b.configuration().simulator == simulator]
        if operational is not None:
            found = [b for b in found if self.backend_status(b.name).operational == operational]
        return found

    def backend_status(self, name: str) -> BackendStatusInfo:
        status = self._client.backend_status(name)
        return BackendStatusInfo(
            backend_name=name,
            backend_version=status.backend_version or "0.0.0",
            operational=status.state,
            pending_jobs=max(status.length_queue, 0),
            status_msg=status.status,
        )

    def least_busy(
        self, min_num_qubits: int | None = None, simulator: bool | None = False
    ) -> RuntimeBackend:
        """The operational backend with the fewest pending jobs."""
        candidates = self.backends(
            min_num_qubits=min_num_qubits, simulator=simulator, operational=True
        )
        if not candidates:
            raise BackendNotFoundError("No operational backend matches the criteria.")
        return min(candidates, key=lambda b: self.backend_status(b.name).pending_jobs)

    # --- jobs --------------------------------------------------------------------------------

    def run(
        self,
        program_id: str,
        inputs: dict[str, Any],
        options: dict[str, Any] | None = None,
        *,
        backend_name: str | None = None,
        session_id: str | None = None,
        callback: Callback | None = None,
        result_decoder: Any = None,
    ) -> RuntimeJob:
        """Submit a job of ``program_id`` (outside a session unless ``session_id`` is given)."""
        if not isinstance(inputs, dict):
            raise IBMInputValueError(
                f"inputs must be a dict of program parameters, got {type(inputs).__name__}."
            )
        fields: dict[str, Any] = {}
        for key, value in (options or {}).items():
            if key == "backend":
                backend_name = backend_name or value
                continue
            if key not in _RUN_OPTIONS:
                raise IBMInputValueError(
                    f"Unknown run option {key!r}; known options: backend, "
                    f"{', '.join(sorted(_RUN_OPTIONS))}."
                )
            target = _RUN_OPTIONS[key]
            if target is not None and value is not None:
                fields[target] = list(value) if target == "tags" else value
        request = JobCreateRequest(
            program_id=program_id,
            params=codec.to_jsonable(inputs),
            backend=backend_name,
            session_id=session_id,
            **fields,
        )
        created = self._client.submit_job(request)
        return RuntimeJob(
            self._client,
            created.id,
            service=self,
            backend_name=created.backend or backend_name,
            program_id=program_id,
            session_id=created.session_id or session_id,
            tags=fields.get("tags"),
            callback=callback,
            result_decoder=result_decoder,
        )

    def job(self, job_id: str) -> RuntimeJob:
        """The job with this id (``RuntimeJobNotFound`` if there is none)."""
        return RuntimeJob.from_wire(self._client, self._client.job(job_id), service=self)

    def jobs(
        self,
        limit: int | None = 10,
        skip: int = 0,
        backend_name: str | None = None,
        pending: bool | None = None,
        program_id: str | None = None,
        job_tags: list[str] | None = None,
        session_id: str | None = None,
        created_after: _dt.datetime | None = None,
        created_before: _dt.datetime | None = None,
        descending: bool = True,
    ) -> list[RuntimeJob]:
        """Jobs of this instance, newest first by default; ``limit=None`` fetches every page."""
        if (limit is not None and limit < 0) or skip < 0:
            raise IBMInputValueError(f"limit and skip must not be negative (got {limit}, {skip}).")
        query: dict[str, Any] = {
            "backend": backend_name,
            "pending": pending,
            "program": program_id,
            "tags": job_tags or None,
            "session_id": session_id,
            "created_after": created_after.astimezone(_dt.timezone.utc).isoformat()
            if created_after
            else None,
            "created_before": created_before.astimezone(_dt.timezone.utc).isoformat()
            if created_before
            else None,
            "sort": None if descending else "ASC",
        }
        collected: list[RuntimeJob] = []
        offset = skip
        while limit is None or len(collected) < limit:
            page_size = 20 if limit is None else min(limit - len(collected), 20)
            page = self._client.jobs({**query, "limit": page_size, "offset": offset})
            collected.extend(RuntimeJob.from_wire(self._client, w, service=self) for w in page.jobs)
            offset += len(page.jobs)
            if not page.jobs or offset >= page.count:
                break
        return collected

    def delete_job(self, job_id: str) -> None:
        self._client.delete_job(job_id)

    def usage(self) -> dict[str, Any]:
        """The instance's usage: consumed, limit and remaining seconds."""
        usage = self._client.usage()
        data = usage.model_dump(mode="json", exclude_none=True)
        limit = usage.usage_limit_seconds or usage.usage_allocation_seconds
        if limit is not None:
            data["usage_remaining_seconds"] = max(limit - usage.usage_consumed_seconds, 0)
        return data
