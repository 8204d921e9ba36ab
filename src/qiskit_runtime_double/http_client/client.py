"""The one place that turns wire models into HTTP requests and HTTP errors into exceptions.

Nothing above this module sees a status code. Retries of transient failures (429, 5xx, dropped
connections) also live here, waiting through the transport's clock, so every transport gets the
same policy and a fake or a cassette never makes the client sleep for real. So does the safety of
job submissions (``submission.py``): a ``POST /jobs`` whose outcome is unknown is looked up by its
idempotency tag before it is ever sent again, over every transport.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..clock import Clock
from ..errors import IBMApiError, TransportError
from ..probe import SimulationProbe, probe_of
from ..transports.base import Transport
from ..transports.iam import TokenExchangeFailed
from ..wire.http import Headers, HttpRequest, HttpResponse, build_url
from ..wire.models import (
    BackendConfiguration,
    BackendList,
    BackendProperties,
    BackendStatus,
    InterimResults,
    Job,
    JobCreateRequest,
    JobCreateResponse,
    JobList,
    JobMetrics,
    JobTagsUpdate,
    ProgramDetails,
    ProgramList,
    SessionCreateRequest,
    SessionDetails,
    SessionPatchRequest,
    Usage,
)
from ..wire.redact import redact_url
from ..wire.routes import route
from ..wire.vocabulary import API_VERSION
from .error_table import error_for, token_error
from .retry import RETRY_STATUSES, RetryPolicy
from .submission import (
    SafeSubmitter,
    job_without_key,
    jobs_without_keys,
    new_submit_key,
)

__all__ = ["API_VERSION", "RetryPolicy", "RuntimeClient", "send_once"]

M = TypeVar("M", bound=BaseModel)


def send_once(transport: Transport, request: HttpRequest) -> HttpResponse:
    """``transport.handle(request)``, once; an API-key exchange that IAM refused is raised as
    what it means (``error_table.token_error``), a transient one as the ``RequestNotSent`` it is.

    Every request of the client's HTTP layer goes through here (the retry loops, safe submission,
    discovery), so a transport never has to judge a status.
    """
    try:
        return transport.handle(request)
    except TokenExchangeFailed as exc:
        meaning = token_error(exc)
        if meaning is None:
            raise  # throttled or failing: not sent, and retried as such
        raise meaning from None


class RuntimeClient:
    """Typed operations of the runtime REST API over one transport.

    ``submit_key`` makes the idempotency tags of job submissions (random by default; see
    ``http_client/submission.py``).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        instance: str | None = None,
        retry: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
        submit_key: Callable[[], str] = new_submit_key,
    ) -> None:
        self.transport = transport
        self._submit_key = submit_key
        self.instance = instance
        self.retry = retry or RetryPolicy()
        headers = {"Accept": "application/json", "IBM-API-Version": API_VERSION}
        if instance:
            headers["Service-CRN"] = instance
        headers.update(extra_headers or {})
        self._headers = headers

    @property
    def clock(self) -> Clock:
        return self.transport.clock

    @property
    def probe(self) -> SimulationProbe | None:
        """The transport's ``SimulationProbe``, when it answers from a simulation (the fake)."""
        return probe_of(self.transport)

    def close(self) -> None:
        self.transport.close()

    # --- the request loop --------------------------------------------------------------------

    def _send(
        self,
        name: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        body: BaseModel | None = None,
    ) -> HttpResponse:
        return self._exchange(self._request(name, path=path, query=query, body=body))

    def _request(
        self,
        name: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        body: BaseModel | None = None,
    ) -> HttpRequest:
        spec = route(name)
        url = build_url(self.transport.base_url, spec.path(**(path or {})), query)
        headers = dict(self._headers)
        content = b""
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = body.model_dump(mode="json", by_alias=True, exclude_none=True)
            content = json.dumps(payload, separators=(",", ":")).encode()
        return HttpRequest(spec.method, url, Headers(headers), content)

    def _exchange(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``, retrying transient failures; never used for job submissions,
        which may not be repeated blindly (``_submit``)."""
        attempt = 0
        while True:
            try:
                response = send_once(self.transport, request)
            except TransportError as exc:
                if attempt >= self.retry.retries:
                    if exc.endpoint is not None:
                        raise  # the transport already named the endpoint
                    endpoint = f"{request.method} {redact_url(request.url)}"
                    raise TransportError(f"{endpoint} failed: {exc}", endpoint=endpoint) from exc
                self.clock.sleep(self.retry.wait(attempt, None))
                attempt += 1
                continue
            if response.status_code not in RETRY_STATUSES or attempt >= self.retry.retries:
                return response
            self.clock.sleep(self.retry.wait(attempt, response))
            attempt += 1

    def _submit(self, request: JobCreateRequest) -> HttpResponse:
        """``POST /jobs`` with an idempotency tag, never resent blindly (``submission.py``)."""
        key = self._submit_key()
        keyed = request.model_copy(update={"tags": [*(request.tags or []), key]})
        submitter = SafeSubmitter(
            send=lambda request: send_once(self.transport, request),
            lookup=self._find_tagged,
            sleep=self.clock.sleep,
            retry=self.retry,
        )
        return submitter.submit(
            self._request("create_job", body=keyed), key, self._request("create_job", body=request)
        )

    def _find_tagged(self, key: str) -> HttpResponse:
        query = {"tags": key, "exclude_params": True, "limit": 10}
        return self._send("list_jobs", query=query)

    def _call(self, name: str, subject: str = "", **kwargs: Any) -> HttpResponse:
        """Send; raise what an error answer means on this route (``error_table``).

        ``subject`` is the id or name the call is about, for the messages. An error status the
        route's table accepts (a 404 on close) is returned like a success.
        """
        response = self._send(name, **kwargs)
        if response.is_success:
            return response
        error = error_for(response, name, subject)
        if error is not None:
            raise error
        return response

    @staticmethod
    def _model(response: HttpResponse, model: type[M], what: str) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise IBMApiError(
                f"{what}: the service's answer does not have the expected shape "
                f"({model.__name__}): {exc.errors()[0]['msg']} at "
                f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}. Body starts: "
                f"{response.text[:200]!r}"
            ) from exc

    # --- backends ----------------------------------------------------------------------------

    def list_backends(self) -> BackendList:
        response = self._call("list_backends", query={"include_mocks": True})
        return self._model(response, BackendList, "Failed to list backends")

    def backend_configuration(
        self, name: str, calibration_id: str | None = None
    ) -> BackendConfiguration:
        query = None if calibration_id is None else {"calibration_id": calibration_id}
        response = self._call("backend_configuration", name, path={"backend": name}, query=query)
        return self._model(response, BackendConfiguration, f"Backend {name!r} configuration")

    def backend_properties(
        self, name: str, calibration_id: str | None = None
    ) -> BackendProperties | None:
        query = None if calibration_id is None else {"calibration_id": calibration_id}
        response = self._call("backend_properties", name, path={"backend": name}, query=query)
        if not response.content or response.json() in ({}, None):
            return None  # simulators have no calibration data
        return self._model(response, BackendProperties, f"Backend {name!r} properties")

    def backend_status(self, name: str) -> BackendStatus:
        response = self._call("backend_status", name, path={"backend": name})
        return self._model(response, BackendStatus, f"Backend {name!r} status")

    def usage(self) -> Usage:
        response = self._call("instance_usage")
        return self._model(response, Usage, "Instance usage")

    # --- sessions ----------------------------------------------------------------------------

    def create_session(self, request: SessionCreateRequest) -> SessionDetails:
        response = self._call("create_session", request.backend or "", body=request)
        return self._model(response, SessionDetails, "Session creation")

    def session_details(self, session_id: str) -> SessionDetails:
        response = self._call("get_session", session_id, path={"session_id": session_id})
        return self._model(response, SessionDetails, f"Session {session_id}")

    def close_session(self, session_id: str) -> None:
        body = SessionPatchRequest(accepting_jobs=False)
        self._call("close_session", session_id, path={"session_id": session_id}, body=body)

    def cancel_session(self, session_id: str) -> None:
        self._call("cancel_session", session_id, path={"session_id": session_id})

    # --- jobs --------------------------------------------------------------------------------

    def submit_job(self, request: JobCreateRequest) -> JobCreateResponse:
        response = self._submit(request)
        if not response.is_success:
            error = error_for(response, "create_job")
            if error is not None:
                raise error
        return self._model(response, JobCreateResponse, "Job submission")

    def job(self, job_id: str, *, exclude_params: bool = True) -> Job:
        query = {"exclude_params": True} if exclude_params else None
        response = self._call("get_job", job_id, path={"job_id": job_id}, query=query)
        return job_without_key(self._model(response, Job, f"Job {job_id}"))

    def jobs(self, query: Mapping[str, Any]) -> JobList:
        response = self._call("list_jobs", query={"exclude_params": True, **query})
        return jobs_without_keys(self._model(response, JobList, "Job list"))

    def job_results(self, job_id: str) -> str:
        return self._call("job_results", job_id, path={"job_id": job_id}).text

    def cancel_job(self, job_id: str) -> None:
        self._call("cancel_job", job_id, path={"job_id": job_id})

    def delete_job(self, job_id: str) -> None:
        self._call("delete_job", job_id, path={"job_id": job_id})

    def job_metrics(self, job_id: str) -> JobMetrics:
        response = self._call("job_metrics", job_id, path={"job_id": job_id})
        return self._model(response, JobMetrics, f"Job {job_id} metrics")

    def job_logs(self, job_id: str) -> str:
        response = self._call("job_logs", job_id, path={"job_id": job_id})
        return response.text if response.is_success else ""

    def update_tags(self, job_id: str, tags: list[str]) -> None:
        body = JobTagsUpdate(tags=tags)
        self._call("job_tags", job_id, path={"job_id": job_id}, body=body)

    # --- programs and interim results (the 2023 API) -----------------------------------------

    def list_programs(self, limit: int | None = None, offset: int = 0) -> ProgramList:
        query: dict[str, Any] = {"limit": limit, "offset": offset or None}
        response = self._call("list_programs", query=query)
        return self._model(response, ProgramList, "Program list")

    def program(self, program_id: str) -> ProgramDetails:
        response = self._call("get_program", program_id, path={"program_id": program_id})
        return self._model(response, ProgramDetails, f"Program {program_id}")

    def job_interim_results(self, job_id: str) -> list[str]:
        """What the job's program published, as JSON texts, oldest first (the service lists them
        newest first). None published, or a service without the endpoint (IBM removed it in
        2025): an empty list."""
        response = self._call("job_interim_results", job_id, path={"job_id": job_id})
        if not response.is_success:
            return []
        published = self._model(response, InterimResults, f"Job {job_id} interim results")
        return list(reversed(published.root))
