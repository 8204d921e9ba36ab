"""``QiskitRuntimeService``: the entry point. It builds backends and jobs over one transport.

How it gets that transport is not its business: a given one (``transport=``,
``from_transport``), the one a fake hands out (``fake=``, ``fake.transport()``), or the live
connection of an account (``http_client/connect.py``), any of them wrapped in a cassette.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .backend import BackendStatusInfo, RuntimeBackend
from .errors import BackendNotFoundError, IBMInputTypeError, IBMInputValueError
from .http_client.client import RetryPolicy, RuntimeClient
from .http_client.connect import LiveSettings, instance_for, preferences
from .job import RuntimeJob
from .legacy.runtime_options import RuntimeOptions, run_settings
from .legacy.runtime_program import (
    ParameterNamespace,
    RuntimeProgram,
    program_from_wire,
    program_inputs,
    program_page,
)
from .transports.base import Closing, Transport
from .validation import (
    check_bool,
    check_datetime,
    check_job_id,
    check_non_negative_int,
    check_str,
    check_tags,
)
from .wire import codec
from .wire.models import BackendDevice, JobCreateRequest
from .wire.vocabulary import MOCK_CLASS, mock_backend_name

if TYPE_CHECKING:
    from .job import Callback
    from .transports.cassettes.scrub import ScrubRule

__all__ = [
    "BackendStatusInfo",
    "QiskitRuntimeService",
    "TransportSource",
    "default_service",
    "get_default_service",
]


@runtime_checkable
class TransportSource(Protocol):
    """What ``fake=`` accepts: anything that hands out a transport onto itself, such as
    ``FakeRuntime`` (``fake.transport()``)."""

    def transport(self) -> Transport: ...


_DEFAULT: contextvars.ContextVar[QiskitRuntimeService | None] = contextvars.ContextVar(
    "qiskit_runtime_double_service", default=None
)


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


def _check_constructor_arguments(
    texts: dict[str, object], *, transport: object, fake: object, retry: object
) -> None:
    for name, value in texts.items():
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise IBMInputTypeError(f"{name} must be a string, got {type(value).__name__}.")
    if transport is not None and not isinstance(transport, Transport):
        raise IBMInputTypeError(
            f"transport must be a Transport (with handle(request), close(), clock and base_url), "
            f"e.g. MockTransport(handler), got {type(transport).__name__}."
        )
    if fake is not None and not (isinstance(fake, TransportSource) and callable(fake.transport)):
        raise IBMInputTypeError(
            "fake must be a FakeRuntime, e.g. fake=FakeRuntime(), or another object whose "
            f"transport() method returns a Transport; got {type(fake).__name__}. To use a "
            "transport directly, pass transport= instead."
        )
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise IBMInputTypeError(f"retry must be a RetryPolicy, got {type(retry).__name__}.")


def _transport_of(source: TransportSource) -> Transport:
    made = source.transport()
    if not isinstance(made, Transport):
        raise IBMInputTypeError(
            f"fake.transport() must return a Transport (with handle(request), close(), clock and "
            f"base_url), but {type(source).__name__}.transport() returned {type(made).__name__}."
        )
    return made


def _utc_text(name: str, value: _dt.datetime | None) -> str | None:
    """``value`` in UTC, ISO-8601, as the list filter wants it; a naive datetime is local time."""
    if value is None:
        return None
    return check_datetime(name, value).astimezone(_dt.timezone.utc).isoformat()


class QiskitRuntimeService(Closing):
    """Access to Qiskit Runtime through a transport.

    - ``QiskitRuntimeService(fake=FakeRuntime())``: the in-process fake (``fake.transport()``).
    - ``QiskitRuntimeService(transport=...)`` or ``QiskitRuntimeService.from_transport(...)``:
      any transport (mock, cassette, live, your own).
    - ``QiskitRuntimeService()`` or with ``channel``/``token``/``instance``/``url``/``name``: the
      live service over HTTP (``LiveTransport``), with the account found the way the official
      client finds it (``docs/live.md``). ``instance`` is a CRN, or an instance name looked up
      through IBM Cloud Global Search; without one, the service uses the instance the official
      client would try first (free plans first; ``region``, ``plans_preference`` and ``tags``
      narrow the choice). ``runtime_url=``, ``iam_url=``, ``search_url=`` and ``catalog_url=``
      replace the endpoints derived from ``url`` and the CRN; ``verify`` and
      ``private_endpoint`` override the account's.
    - ``cassette=PATH, record_mode=...`` wraps whichever of these the other arguments select in a
      ``CassetteTransport`` (``docs/cassettes.md``); ``record_mode="replay"`` needs no account.
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
        verify: bool | str | None = None,
        private_endpoint: bool | None = None,
        runtime_url: str | None = None,
        iam_url: str | None = None,
        search_url: str | None = None,
        catalog_url: str | None = None,
        region: str | None = None,
        plans_preference: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        transport: Transport | None = None,
        fake: TransportSource | None = None,
        retry: RetryPolicy | None = None,
        cassette: str | os.PathLike[str] | None = None,
        record_mode: str = "once",
        scrub_rules: Iterable[ScrubRule] | None = None,
    ) -> None:
        _check_constructor_arguments(
            {
                "channel": channel,
                "token": token,
                "url": url,
                "filename": filename,
                "name": name,
                "instance": instance,
                "search_url": search_url,
                "catalog_url": catalog_url,
            },
            transport=transport,
            fake=fake,
            retry=retry,
        )
        if transport is not None and fake is not None:
            raise IBMInputValueError("Pass either transport= or fake=, not both.")
        live_only = {
            "verify": verify,
            "private_endpoint": private_endpoint,
            "runtime_url": runtime_url,
            "iam_url": iam_url,
            "search_url": search_url,
            "catalog_url": catalog_url,
        }
        if transport is not None or fake is not None:
            given = sorted(key for key, value in live_only.items() if value is not None)
            if given:
                raise IBMInputValueError(
                    f"{', '.join(given)} configure the live HTTP transport; they cannot be "
                    "combined with transport= or fake=."
                )
        if cassette is not None:  # the cassette stack (YAML, matching) only when asked for
            from .transports.cassette import CassetteTransport, needs_inner
        if fake is not None:
            transport = _transport_of(fake)
        if transport is not None:
            choice = preferences(None, region, plans_preference, tags)
            instance = instance_for(transport, instance, choice, retry)
        elif cassette is None or needs_inner(cassette, record_mode):
            settings = LiveSettings(
                channel=channel,
                token=token,
                url=url,
                filename=filename,
                name=name,
                instance=instance,
                verify=verify,
                private_endpoint=private_endpoint,
                runtime_url=runtime_url,
                iam_url=iam_url,
                search_url=search_url,
                catalog_url=catalog_url,
                region=region,
                plans_preference=plans_preference,
                tags=tags,
            )
            transport, instance = settings.connect(retry)
        if cassette is not None:
            # Wraps whatever the arguments above selected; a replay needs none (no account).
            transport = CassetteTransport(cassette, record_mode, transport, scrub_rules=scrub_rules)
        assert transport is not None  # each branch above chose one
        self._instance = instance
        self._client = RuntimeClient(transport, instance=instance, retry=retry)
        #: Encodings of circuits this service sent, reused while unchanged (see
        #: ``wire.codec.EncodedCircuits``): a session resends the same circuits.
        self._encoded = codec.EncodedCircuits()
        #: By name and calibration id (None: the current calibration).
        self._backends: dict[tuple[str, str | None], RuntimeBackend] = {}
        self._programs: dict[str, RuntimeProgram] = {}
        self._listed = False

    @classmethod
    def from_transport(
        cls,
        transport: Transport,
        *,
        instance: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> QiskitRuntimeService:
        """A service over ``transport``: ``fake.transport()``, a ``CassetteTransport``, a
        ``LiveTransport``, a ``MockTransport`` or your own.

        ``instance``: the CRN requests act for. None: the transport's own, if it has one (a
        fake's with one instance). A name, or none over a transport that has none, is looked up
        through the Global Search the transport serves, if it serves one (a fake's does: with
        several instances, the one the official client would try first); otherwise it is sent as
        given. ``retry`` bounds the retries of transient failures (``RetryPolicy``).
        """
        return cls(transport=transport, instance=instance, retry=retry)

    @property
    def client(self) -> RuntimeClient:
        """The REST client under this service (typed operations of the runtime API)."""
        return self._client

    @property
    def instance(self) -> str | None:
        """The CRN of the instance every request acts for (its ``Service-CRN`` header)."""
        return self._instance

    def active_instance(self) -> str | None:
        """The instance's CRN, as the official ``active_instance()`` returns it."""
        return self._instance

    def close(self) -> None:
        self._client.close()

    def discard_recording(self) -> None:
        """Drop what a recording cassette recorded: ``close()`` then writes nothing."""
        transport = self._client.transport
        discard = getattr(transport, "discard", None)  # a CassetteTransport's
        if callable(discard):
            discard()

    def __repr__(self) -> str:
        kind = type(self._client.transport).__name__
        return f"<QiskitRuntimeService instance={self._instance!r} transport={kind}>"

    # --- backends ----------------------------------------------------------------------------

    def backend(self, name: str, calibration_id: str | None = None) -> RuntimeBackend:
        """The backend called ``name`` (``BackendNotFoundError``, a ``ValueError``, if none).

        ``calibration_id``: the backend as that calibration describes it (its jobs name it); an
        id the service does not know is a ``BackendNotFoundError``, as in the official client.
        """
        given: object = name  # callers without type checking pass anything
        if not isinstance(given, str) or not given:
            raise IBMInputValueError(f"A backend name must be a non-empty string, got {name!r}.")
        if calibration_id is not None:
            check_str("calibration_id", calibration_id)
        key = (name, calibration_id)
        cached = self._backends.get(key)
        if cached is None:
            configuration = self._client.backend_configuration(name, calibration_id)
            properties = self._client.backend_properties(name, calibration_id)
            cached = RuntimeBackend(
                configuration, properties, service=self, calibration_id=calibration_id
            )
            self._backends[key] = cached
        return cached

    def backends(
        self,
        name: str | None = None,
        min_num_qubits: int | None = None,
        simulator: bool | None = None,
        operational: bool | None = None,
        *,
        include_mocks: bool = False,
    ) -> list[RuntimeBackend]:
        """The backends available, filtered by name, size, kind and operational status; mock
        devices (where dry runs go) only with ``include_mocks``, as in the official client."""
        if name is not None:
            check_str("name", name)
        if min_num_qubits is not None:
            check_non_negative_int("min_num_qubits", min_num_qubits)
        for flag, given in (
            ("simulator", simulator),
            ("operational", operational),
            ("include_mocks", include_mocks),
        ):
            if given is not None:
                check_bool(flag, given)
        names = [
            device.name
            for device in self._client.list_backends().devices
            if include_mocks or device.class_ != MOCK_CLASS
        ]
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
        """The online backend with the fewest jobs waiting (simulators only if ``simulator``).

        Read from one ``GET /backends``, as the official client does: a device is a candidate when
        its ``status.name`` is ``online``, ranked by ``queue_length`` (ties: the listed order).
        Devices listed without those fields (recordings made before the fake sent them) are
        asked for their status instead.
        """
        if min_num_qubits is not None:
            check_non_negative_int("min_num_qubits", min_num_qubits)
        if simulator is not None:
            check_bool("simulator", simulator)
        candidates: list[tuple[int, str]] = []
        for device in self._client.list_backends().devices:
            if device.class_ == "mock":
                continue
            online, queued, qubits, is_simulator = self._device_load(device)
            if not online:
                continue
            if min_num_qubits is not None and qubits < min_num_qubits:
                continue
            if simulator is not None and is_simulator != simulator:
                continue
            candidates.append((queued, device.name))
        if not candidates:
            raise BackendNotFoundError("No operational backend matches the criteria.")
        return self.backend(min(candidates, key=lambda candidate: candidate[0])[1])

    def _device_load(self, device: BackendDevice) -> tuple[bool, int, int, bool]:
        """``(online, jobs waiting, qubits, simulator)`` of a listed device."""
        status, queued = device.status, device.queue_length
        qubits, is_simulator = device.qubits, device.is_simulator
        if status is None or queued is None or qubits is None or is_simulator is None:
            backend = self.backend(device.name)
            info = self.backend_status(device.name)
            return (
                info.operational if status is None else status.name == "online",
                info.pending_jobs if queued is None else queued,
                backend.num_qubits if qubits is None else qubits,
                backend.configuration().simulator if is_simulator is None else is_simulator,
            )
        return status.name == "online", queued, qubits, is_simulator

    # --- jobs --------------------------------------------------------------------------------

    def run(
        self,
        program_id: str,
        inputs: dict[str, Any] | ParameterNamespace,
        options: RuntimeOptions | dict[str, Any] | None = None,
        callback: Callback | None = None,
        result_decoder: Any = None,
        session_id: str | None = None,
        *,
        backend_name: str | None = None,
        dry_run: bool = False,
        calibration_id: str | None = None,
    ) -> RuntimeJob:
        """Submit a job of ``program_id`` (outside a session unless ``session_id`` is given).

        ``inputs``: a dict, or a ``ParameterNamespace`` (validated first). ``options``: a
        ``RuntimeOptions`` or a dict of its keys (``private`` too). ``callback(job_id, result)``
        gets the result; ``result_decoder`` decodes it (``docs/session-api.md``). ``dry_run``:
        send it to the backend's mock device instead, as the official client does (validated,
        its usage reported, random data, no QPU time). ``calibration_id``: the calibration the
        job's circuits were made for (a backend's ``calibration_id``); refused if unknown.
        """
        check_str("program_id", program_id)
        if callback is not None and not callable(callback):
            raise IBMInputTypeError(
                f"callback must be a function of (job_id, result), got {type(callback).__name__}."
            )
        params = program_inputs(inputs)
        settings = run_settings(options, instance=self._instance)
        if settings.session_time is not None and session_id is None:
            raise IBMInputValueError(
                "session_time is the length of the session a job starts: run the job in a "
                "Session (Session(max_time=...)), or leave session_time out."
            )
        backend_name = backend_name or settings.backend
        for name, given in (("backend_name", backend_name), ("session_id", session_id)):
            if given is not None:
                check_str(name, given)
        check_bool("dry_run", dry_run)
        if calibration_id is not None:
            check_str("calibration_id", calibration_id)
        if dry_run:
            backend_name = self._mock_of(backend_name)
        request = JobCreateRequest(
            program_id=program_id,
            params=codec.to_jsonable(params, circuits=self._encoded),
            backend=backend_name,
            session_id=session_id,
            calibration_id=calibration_id,
            **settings.fields,
        )
        created = self._client.submit_job(request)
        job = RuntimeJob(
            self._client,
            created.id,
            service=self,
            backend_name=created.backend or backend_name,
            program_id=program_id,
            session_id=created.session_id or session_id,
            tags=settings.fields.get("tags"),
            callback=callback,
            result_decoder=result_decoder,
            private=bool(settings.fields.get("private")),
        )
        job.submitted()
        return job

    def _mock_of(self, backend_name: str | None) -> str:
        """The mock device a dry run on ``backend_name`` goes to (``BackendNotFoundError`` if
        the service has none: not every plan has dry runs)."""
        if backend_name is None:
            raise IBMInputValueError(
                "A dry run goes to the mock device of the job's backend: name the backend "
                "(a backend mode, or a Session on a backend)."
            )
        mock = backend_name if backend_name.startswith("mock_") else mock_backend_name(backend_name)
        listed = self.backends(name=mock, include_mocks=True)
        if not listed:
            raise BackendNotFoundError(
                f"Unable to use dry_run mode: backend {mock!r} (the mock device of "
                f"{backend_name!r}) was not found. The instance's plan may have no dry runs "
                "(Open and Pay-As-You-Go have none)."
            )
        return mock

    # --- programs (the 2023 API) -------------------------------------------------------------

    def program(self, program_id: str, refresh: bool = False) -> RuntimeProgram:
        """The program's metadata (``RuntimeProgramNotFound`` if there is none); cached unless
        ``refresh``. ``program.parameters()`` is a namespace of its inputs to fill and run."""
        check_str("program_id", program_id)
        check_bool("refresh", refresh)
        if refresh or program_id not in self._programs:
            body = self._client.program(program_id)
            self._programs[program_id] = program_from_wire(body, self._client)
        return self._programs[program_id]

    def programs(
        self, refresh: bool = False, limit: int | None = 20, skip: int = 0
    ) -> list[RuntimeProgram]:
        """The programs available (``limit=None``: all), read page by page and cached unless
        ``refresh``."""
        check_bool("refresh", refresh)
        limit = None if limit is None else check_non_negative_int("limit", limit)
        skip = check_non_negative_int("skip", skip)
        if refresh or not self._listed:
            self._programs, self._listed = {}, False
            while True:
                page = self._client.list_programs(limit=20, offset=len(self._programs))
                items, count = program_page(page)
                before = len(self._programs)
                for item in items:
                    found = program_from_wire(item, self._client)
                    self._programs[found.program_id] = found
                # Stop at the count, or on a page that brings nothing new (a service ignoring
                # the offset must not loop us forever).
                if len(self._programs) in (before, count) or len(self._programs) > count:
                    break
            self._listed = True
        listed = list(self._programs.values())
        return listed[skip:] if limit is None else listed[skip : skip + limit]

    def job(self, job_id: str) -> RuntimeJob:
        """The job with this id (``RuntimeJobNotFound`` if there is none)."""
        check_job_id(job_id)
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
        *,
        include_mocks: bool = False,
    ) -> list[RuntimeJob]:
        """Jobs of this instance, newest first by default; ``limit=None`` fetches every page.

        ``created_after``/``created_before`` are datetimes; a naive one is local time, as in the
        official client. Dry runs (jobs on mock devices) only with ``include_mocks``.
        """
        limit = None if limit is None else check_non_negative_int("limit", limit)
        skip = check_non_negative_int("skip", skip)
        for name, text in (
            ("backend_name", backend_name),
            ("program_id", program_id),
            ("session_id", session_id),
        ):
            if text is not None:
                check_str(name, text)
        if pending is not None:
            check_bool("pending", pending)
        check_bool("descending", descending)
        check_bool("include_mocks", include_mocks)
        # A filter, not tags being set: the service's limits on a job's tags do not apply.
        tags = None if job_tags is None else check_tags("job_tags", job_tags, limits=False)
        query: dict[str, Any] = {
            "backend": backend_name,
            "pending": pending,
            "program": program_id,
            "tags": tags or None,
            "session_id": session_id,
            "created_after": _utc_text("created_after", created_after),
            "created_before": _utc_text("created_before", created_before),
            "sort": None if descending else "ASC",
            "include_mocks": True if include_mocks else None,
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
        self._client.delete_job(check_job_id(job_id))

    def usage(self) -> dict[str, Any]:
        """The instance's usage: consumed, limit and remaining seconds."""
        usage = self._client.usage()
        data = usage.model_dump(mode="json", exclude_none=True)
        limit = usage.usage_limit_seconds or usage.usage_allocation_seconds
        if limit is not None:
            data["usage_remaining_seconds"] = max(limit - usage.usage_consumed_seconds, 0)
        return data
