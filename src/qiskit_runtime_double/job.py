"""``RuntimeJob``: a job submitted to the service, polled through the transport's clock."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from qiskit.primitives import BasePrimitiveJob

from .clock import Clock
from .errors import (
    ClockError,
    IBMInputTypeError,
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
    RuntimeJobTimeoutError,
    SimulationStalledError,
)
from .legacy.result_decoder import decoders
from .progress import JobWait, current_reporter, queue_details
from .validation import check_tags, check_timeout
from .wire import codec
from .wire.models import Job
from .wire.vocabulary import (
    FINAL_CLIENT_JOB_STATUSES,
    PROGRAM_IDS,
    RUNNER_PROGRAM_IDS,
    ClientJobStatus,
    ReasonCode,
    client_job_status,
)

if TYPE_CHECKING:
    from .backend import RuntimeBackend
    from .http_client.client import RuntimeClient
    from .probe import SimulationProbe

__all__ = ["JobStatus", "RuntimeJob", "RuntimeJobV2"]

#: The official client's job statuses (``RuntimeJobV2.status()``).
JobStatus = ClientJobStatus
FINAL_STATUSES = FINAL_CLIENT_JOB_STATUSES
RAN_TOO_LONG_CODE = ReasonCode.RAN_TOO_LONG

#: Poll intervals grow from the first to the last (seconds of the transport's clock).
POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.1, 1.5, 5.0

Callback = Callable[[str, Any], None]


class JobService(Protocol):
    """What a job needs of the service that made it: its backends by name
    (``QiskitRuntimeService.backend``)."""

    def backend(self, name: str) -> RuntimeBackend: ...


def _runner_result(text: str) -> Any:
    """A ``circuit-runner`` or ``qasm3-runner`` result: the qiskit ``Result`` it is the dict of."""
    from qiskit.result import Result

    return Result.from_dict(codec.decode(text))


class RuntimeJob(BasePrimitiveJob[Any, str]):
    """A runtime job. ``status()`` strings follow the official ``RuntimeJobV2``."""

    def __init__(
        self,
        client: RuntimeClient,
        job_id: str,
        *,
        service: JobService,
        backend_name: str | None = None,
        program_id: str | None = None,
        session_id: str | None = None,
        creation_date: _dt.datetime | None = None,
        tags: list[str] | None = None,
        result_decoder: Any = None,
        callback: Callback | None = None,
        private: bool = False,
    ) -> None:
        super().__init__(job_id)
        self._client = client
        self._service = service
        self._job_id = job_id
        self._backend_name = backend_name
        self._program_id = program_id
        self._session_id = session_id
        self._creation_date = creation_date
        self._tags = list(tags or [])
        self._private = private
        # A pair of decoders decodes interim results with the first, the result with the second.
        self._interim_decode, self._decode = decoders(result_decoder)
        self._decoder_given = result_decoder is not None
        self._callback = callback
        self._status: JobStatus = "INITIALIZING"
        self._reason: str | None = None
        self._reason_code: int | None = None
        self._result: Any = None
        self._have_result = False
        self._raw: str | None = None
        self._called_back = False
        self._queue: tuple[int | None, _dt.datetime | None] = (None, None)
        #: How many of the program's interim results the callback has had (``_deliver_interim``).
        self._interim_delivered = 0
        #: The transport's time when the service last told us the job's status (or took it).
        self._seen_at: _dt.datetime | None = None

    # --- identity ----------------------------------------------------------------------------

    def job_id(self) -> str:
        return self._job_id

    @property
    def session_id(self) -> str | None:
        return self._session_id

    @property
    def primitive_id(self) -> str | None:
        return self._program_id

    @property
    def creation_date(self) -> _dt.datetime | None:
        """When the service created the job, in the local time zone."""
        return self._creation_date.astimezone() if self._creation_date else None

    @property
    def tags(self) -> list[str]:
        return list(self._tags)

    @property
    def private(self) -> bool:
        """Whether the job is private: its inputs are never returned, its result reads once."""
        return self._private

    @property
    def service(self) -> Any:
        """The ``QiskitRuntimeService`` that made this job (typed loosely: that module imports
        this one; a job needs only ``JobService`` of it)."""
        return self._service

    def backend(self) -> RuntimeBackend | None:
        return self._service.backend(self._backend_name) if self._backend_name else None

    @property
    def inputs(self) -> dict[str, Any]:
        """The job's input parameters, decoded (fetched from the service; ``{}`` for a private
        job, whose inputs the service never returns)."""
        job = self._client.job(self._job_id, exclude_params=False)
        params = codec.from_jsonable(job.params or {})
        return params if isinstance(params, dict) else {"params": params}

    def __repr__(self) -> str:
        return f"<RuntimeJob('{self._job_id}', '{self._program_id}')>"

    # --- state -------------------------------------------------------------------------------

    @classmethod
    def from_wire(cls, client: RuntimeClient, job: Job, *, service: JobService) -> RuntimeJob:
        """A job object for a job the service described (``GET /jobs/{id}``)."""
        found = cls(client, job.id, service=service)
        found._refresh(job)
        return found

    def submitted(self) -> None:
        """The service has just accepted this job: it is queued, as of now."""
        self._status = "QUEUED"
        self._seen_at = self._client.clock.now()

    def _refresh(self, job: Job | None = None) -> None:
        job = job or self._client.job(self._job_id)
        self._seen_at = self._client.clock.now()
        self._status = client_job_status(job.state.status, job.state.reason_code)
        self._reason, self._reason_code = job.state.reason, job.state.reason_code
        self._backend_name = job.backend or self._backend_name
        self._session_id = job.session_id or self._session_id
        self._creation_date = job.created or self._creation_date
        self._program_id = job.program.id
        self._tags = list(job.tags)
        self._private = bool(job.private)
        self._queue = queue_details(job.model_extra)

    def status(self) -> JobStatus:
        """``QUEUED``, ``RUNNING``, ``DONE``, ``ERROR`` or ``CANCELLED`` (asks the service)."""
        if self._status not in FINAL_STATUSES:
            self._refresh()
        return self._status

    def done(self) -> bool:
        return self.status() == "DONE"

    def running(self) -> bool:
        return self.status() == "RUNNING"

    def cancelled(self) -> bool:
        return self.status() == "CANCELLED"

    def in_final_state(self) -> bool:
        return self.status() in FINAL_STATUSES

    def error_message(self) -> str | None:
        """Why the job failed or was stopped; None if it did not."""
        status = self.status()
        if status == "ERROR":
            return (
                f"Error code {self._reason_code}; {self._reason}"
                if self._reason
                else f"Job {self._job_id} has failed."
            )
        if status == "CANCELLED" and self._reason:
            return self._reason
        return None

    def wait_for_final_state(self, timeout: float | None = None) -> None:
        """Poll until the job is final; raise ``RuntimeJobTimeoutError`` after ``timeout`` seconds.

        Waits go through the transport's clock: against the fake, simulated time moves instead
        of the test sleeping. When the transport has a ``probe`` (the fake's simulation), each
        wait moves the clock straight to the simulation's next event, so the wait ends as soon as
        the simulation finishes the job, with one poll per event (a job queued for hours costs a
        few polls), and a job nothing will ever move fails at once (``SimulationStalledError``).
        """
        check_timeout(timeout)
        clock, probe = self._client.clock, self._client.probe
        start = clock.now()
        interval = POLL_FIRST
        reporter = current_reporter()  # a status line (progress.py), told what each poll saw
        # With a probe, a status read at this very instant of simulated time is still true: the
        # first poll waits for the next event (a job just submitted needs one poll, not two).
        known = probe is not None and self._seen_at == start and self._status not in FINAL_STATUSES
        while known or self.status() not in FINAL_STATUSES:
            waited = (clock.now() - start).total_seconds()
            if not known:  # what the last poll saw (a status known from submission is not news)
                self._deliver_interim()
                if reporter is not None:
                    reporter.update(self._progress(waited))
            known = False
            if timeout is not None and waited >= timeout:
                raise RuntimeJobTimeoutError(
                    f"Timed out waiting for job {self._job_id} after {timeout} s; it is still "
                    f"{self._status}. Wait longer, or check the queue with backend.status()."
                )
            upcoming = None
            if probe is None:
                step = interval
                interval = min(interval * POLL_GROWTH, POLL_MAX)
            else:
                step, upcoming = self._until_next_event(probe, clock, timeout)
            if timeout is not None:
                step = min(step, timeout - waited)
            try:
                clock.sleep(max(step, 0.0))
            except ClockError as exc:  # a frozen clock: say when the simulation moves next
                if upcoming is None:
                    raise
                raise ClockError(
                    f"{exc} The next simulated event is at {upcoming.isoformat()}."
                ) from None
        if reporter is not None:
            reporter.finish(self._progress((clock.now() - start).total_seconds()))
        self._deliver_interim()
        if self._status == "DONE" and self._callback is not None and not self._called_back:
            self._called_back = True
            self._callback(self._job_id, self.result())

    def _until_next_event(
        self, probe: SimulationProbe, clock: Clock, timeout: float | None
    ) -> tuple[float, _dt.datetime | None]:
        """Seconds until the simulation's next event (the next time the job may change), and
        when that is.

        A job nothing will ever move raises ``SimulationStalledError`` without a timeout; with
        one, the wait skips to it.
        """
        stall = probe.stall_reason(self._job_id)
        if stall is not None:
            if timeout is None:
                raise SimulationStalledError(
                    f"Waiting for job {self._job_id} would never end: {stall} Pass a timeout "
                    "to wait a bounded time instead (RuntimeJobTimeoutError then)."
                )
            return float("inf"), None  # nothing will change before the timeout: skip to it
        upcoming, now = probe.next_event_time(), clock.now()
        if upcoming is None or upcoming <= now:
            return 0.0, None  # nothing scheduled to wait for (the job ended meanwhile?): look now
        return (upcoming - now).total_seconds(), upcoming

    def _progress(self, waited: float) -> JobWait:
        position, estimated_start = self._queue
        return JobWait(
            self._job_id, self._status, waited, self._backend_name, position, estimated_start
        )

    # --- interim results (programs) ------------------------------------------------------------
    # A program publishes interim results while it runs (the 2023 API); the callback gets each,
    # in order, then the final result. We read them with GET /jobs/{id}/interim_results while we
    # wait (every transport, cassettes included, speaks request/response, and the poll sees what
    # the service shows at that instant of its clock); the 2023 client had a websocket for it.
    # The primitives publish none: their jobs never ask.

    def interim_results(self) -> list[Any]:
        """The interim results the job's program has published so far, decoded, oldest first.

        (The 0.15 client returned the service's raw list: JSON texts, newest first.) None
        published yet, or a program that publishes none: ``[]``.
        """
        published = self._client.job_interim_results(self._job_id)
        return [self._decode_interim(text) for text in published]

    def stream_results(self, callback: Callback) -> None:
        """Call ``callback(job_id, result)`` with each interim result published from now on, then
        with the final result, as you wait for the job (``result()``, ``wait_for_final_state()``).

        ``RuntimeInvalidStateError`` if the job is already final, or a callback already streams
        (the one given to ``run``, or an earlier ``stream_results``).
        """
        if not callable(callback):
            raise IBMInputTypeError(
                f"callback must be a function of (job_id, result), got {type(callback).__name__}."
            )
        if self.status() in FINAL_STATUSES:
            raise RuntimeInvalidStateError(f"Job {self._job_id} already finished ({self._status}).")
        if self._callback is not None:
            raise RuntimeInvalidStateError("A callback function is already streaming results.")
        # Like the 2023 stream, which carried what was published while it was open.
        self._interim_delivered = len(self._published()) if self._status == "RUNNING" else 0
        self._callback, self._called_back = callback, False

    def cancel_result_streaming(self) -> None:
        """Stop calling the callback (the job itself goes on)."""
        self._callback = None

    def _published(self) -> list[str]:
        if self._program_id in PROGRAM_IDS:
            return []
        return self._client.job_interim_results(self._job_id)

    def _deliver_interim(self) -> None:
        """Give the callback the interim results it has not had, in order (once the job runs)."""
        if self._callback is None or self._status in ("INITIALIZING", "QUEUED"):
            return
        published = self._published()
        while self._interim_delivered < len(published) and self._callback is not None:
            text = published[self._interim_delivered]
            self._interim_delivered += 1
            self._callback(self._job_id, self._decode_interim(text))

    def _decode_interim(self, text: str) -> Any:
        try:
            return self._interim_decode(text)
        except json.JSONDecodeError:
            return text

    def result(self, timeout: float | None = None, decoder: Any = None) -> Any:
        """Wait for the job and return its decoded result; raise if it failed or was cancelled.

        ``decoder`` (a ``ResultDecoder`` subclass or a function of the text) decodes this call's
        answer instead of the job's ``result_decoder``.
        """
        check_timeout(timeout)
        decode = self._decode if decoder is None else decoders(decoder)[1]
        if decoder is None and not self._decoder_given and self._program_id in RUNNER_PROGRAM_IDS:
            decode = _runner_result  # as the 2023 client's RunnerResult: a qiskit Result
        if self._have_result and decoder is None:
            return self._result
        if self._raw is None:
            self._raw = self._result_text(timeout)
            if self._have_result and decoder is None:
                return self._result  # decoded meanwhile, for the callback the wait called
        if not self._raw:
            # No result to give (204): a private job's result after its one read. The official
            # client returns None then too.
            return None
        try:
            decoded = decode(self._raw)
        except json.JSONDecodeError:
            decoded = self._raw  # the official client returns non-JSON results as text
        if decoder is None:
            self._result, self._have_result = decoded, True
        return decoded

    def _result_text(self, timeout: float | None) -> str:
        """The result's text, once the job is final; raise if it failed or was cancelled."""
        self.wait_for_final_state(timeout)
        if self._raw is not None:
            return self._raw  # read meanwhile, for the callback the wait called
        if self._status == "ERROR":
            if self._reason_code == RAN_TOO_LONG_CODE:
                raise RuntimeJobMaxTimeoutError(
                    f"Job {self._job_id} ran longer than its maximum execution time and was "
                    f"stopped: {self._reason} (code {RAN_TOO_LONG_CODE}). Raise max_execution_time "
                    "or split the work into smaller jobs."
                )
            if self._reason:
                raise RuntimeJobFailureError(
                    f"Unable to retrieve job result. Error code {self._reason_code}; {self._reason}"
                )
            text = self._client.job_results(self._job_id)
            raise RuntimeJobFailureError(f"Job {self._job_id} has failed:\n{text}")
        if self._status == "CANCELLED":
            raise RuntimeInvalidStateError(
                f"Unable to retrieve result for job {self._job_id}. Job was cancelled."
            )
        return self._client.job_results(self._job_id)

    def cancel(self) -> None:
        """Cancel the job; ``RuntimeInvalidStateError`` if it already finished."""
        self._client.cancel_job(self._job_id)
        self._status = "CANCELLED"

    def metrics(self) -> dict[str, Any]:
        metrics = self._client.job_metrics(self._job_id)
        return metrics.model_dump(mode="json", exclude_none=True)

    def usage(self) -> float:
        """Quantum seconds charged for the job (0 while the usage is still pending)."""
        usage = self._client.job_metrics(self._job_id).usage
        if usage.status in (None, "pending") or usage.qpu_charge_time_seconds is None:
            return 0.0
        return float(usage.qpu_charge_time_seconds)

    def logs(self) -> str:
        return self._client.job_logs(self._job_id)

    def update_tags(self, new_tags: list[str]) -> list[str]:
        """Replace the job's tags with ``new_tags``; returns the tags the service now holds."""
        self._client.update_tags(self._job_id, check_tags("new_tags", new_tags))
        self._refresh()
        return self.tags


#: The official client's 0.51 name for the same class.
RuntimeJobV2 = RuntimeJob
