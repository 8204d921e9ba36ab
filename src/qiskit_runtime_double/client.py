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
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .clock import Clock
from .errors import (
    BackendNotFoundError,
    IBMApiError,
    IBMInputValueError,
    IBMNotAuthorizedError,
    IBMRuntimeError,
    RequestsApiError,
    RuntimeInvalidStateError,
    RuntimeJobNotFound,
    RuntimeProgramNotFound,
    TransportError,
)
from .submission import (
    AMBIGUOUS_STATUSES,
    SafeSubmitter,
    job_without_key,
    jobs_without_keys,
    new_submit_key,
)
from .transports.base import Transport
from .wire.http import Headers, HttpRequest, HttpResponse, build_url
from .wire.models import (
    MAX_JOB_TAGS,
    MAX_TAG_LENGTH,
    TAG_TOO_LONG_CODE,
    TOO_MANY_TAGS_CODE,
    BackendConfiguration,
    BackendList,
    BackendProperties,
    BackendStatus,
    Job,
    JobCreateRequest,
    JobCreateResponse,
    JobList,
    JobMetrics,
    JobTagsUpdate,
    SessionCreateRequest,
    SessionDetails,
    SessionPatchRequest,
    Usage,
)
from .wire.redact import redact_url
from .wire.routes import route

__all__ = ["API_VERSION", "RetryPolicy", "RuntimeClient"]

#: The ``IBM-API-Version`` the official client 0.51 sends.
API_VERSION = "2026-04-15"
#: Statuses worth retrying: throttling and transient server or gateway failures. A job
#: submission answered with one that may hide a created job is looked up first (submission.py).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})

#: Error codes of a 400 that refuses a job's tags (too many, too long).
TAG_LIMIT_CODES = frozenset({TOO_MANY_TAGS_CODE, TAG_TOO_LONG_CODE})

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: ``backoff * 2**attempt`` seconds, capped; or the Retry-After.

    ``lookup_delay`` is the least wait before looking up a job submission whose outcome was lost
    (job lists can lag a moment behind creation; see ``submission.py``).
    """

    retries: int = 5
    backoff: float = 0.5
    max_wait: float = 30.0
    lookup_delay: float = 1.0

    def wait(self, attempt: int, response: HttpResponse | None) -> float:
        if response is not None and "Retry-After" in response.headers:
            try:
                return min(max(float(response.headers["Retry-After"]), 0.0), self.max_wait)
            except ValueError:
                pass  # an HTTP-date Retry-After: fall back to our own back-off
        return float(min(self.backoff * 2**attempt, self.max_wait))


def _server_message(response: HttpResponse) -> str:
    """The human message inside an error body, in either shape the service uses, else the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or "(empty body)"
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return f"{first.get('message', '')} (code {first.get('code', '?')})".strip()
        error = body.get("error")
        if isinstance(error, dict):
            return f"{error.get('message', '')} (code {error.get('code', '?')})".strip()
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return response.text.strip()[:500]


def _error_code(response: HttpResponse) -> str | None:
    """The service's error code (``errors[0].code``) in an error body, if it has one."""
    try:
        body = response.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        code = errors[0].get("code")
        return None if code is None else str(code)
    return None


def _tags_refused(response: HttpResponse, what: str) -> IBMInputValueError | None:
    """A 400 with the service's tag-limit codes: bad input about the tags, not a failure."""
    if response.status_code != 400 or _error_code(response) not in TAG_LIMIT_CODES:
        return None
    return IBMInputValueError(
        f"{what}: the service refused the job's tags: {_server_message(response)}. It allows at "
        f"most {MAX_JOB_TAGS} tags of at most {MAX_TAG_LENGTH} characters each (job_tags, "
        "update_tags(new_tags)): use fewer or shorter tags."
    )


class RuntimeClient:
    """Typed operations of the runtime REST API over one transport.

    ``submit_key`` makes the idempotency tags of job submissions (random by default; see
    ``submission.py``).
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
                response = self.transport.handle(request)
            except TransportError as exc:
                if attempt >= self.retry.retries:
                    if str(exc).startswith(request.method):
                        raise  # the transport already named the endpoint
                    raise TransportError(
                        f"{request.method} {redact_url(request.url)} failed: {exc}"
                    ) from exc
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
            send=self.transport.handle,
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

    def _call(self, name: str, what: str, **kwargs: Any) -> HttpResponse:
        """Send, and raise the generic exception for an error status."""
        response = self._send(name, **kwargs)
        if response.is_success:
            return response
        raise self._error(response, name, what)

    def _error(self, response: HttpResponse, name: str, what: str) -> Exception:
        spec = route(name)
        status = response.status_code
        detail = _server_message(response)
        where = f"{spec.method} {spec.template}"
        if status == 401:
            return IBMNotAuthorizedError(
                f"{what}: the service refused the credentials (401 on {where}): {detail}. "
                "Check the token and instance, or save a valid account."
            )
        if status == 503:
            return RequestsApiError(
                f"{what}: the service is unavailable or in maintenance mode (503 on {where}): "
                f"{detail}. Try again later.",
                status,
            )
        return RequestsApiError(f"{what}: {status} on {where}: {detail}", status)

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
        response = self._call(
            "list_backends", "Failed to list backends", query={"include_mocks": True}
        )
        return self._model(response, BackendList, "Failed to list backends")

    def backend_configuration(self, name: str) -> BackendConfiguration:
        response = self._send("backend_configuration", path={"backend": name})
        if response.status_code == 404:
            raise BackendNotFoundError(
                f"No backend named {name!r} is available to this service: "
                f"{_server_message(response)}. "
                "List the available ones with service.backends()."
            )
        if not response.is_success:
            raise self._error(response, "backend_configuration", f"Failed to get backend {name!r}")
        return self._model(response, BackendConfiguration, f"Backend {name!r} configuration")

    def backend_properties(self, name: str) -> BackendProperties | None:
        response = self._call(
            "backend_properties", f"Failed to get properties of {name!r}", path={"backend": name}
        )
        if not response.content or response.json() in ({}, None):
            return None  # simulators have no calibration data
        return self._model(response, BackendProperties, f"Backend {name!r} properties")

    def backend_status(self, name: str) -> BackendStatus:
        response = self._call(
            "backend_status", f"Failed to get status of {name!r}", path={"backend": name}
        )
        return self._model(response, BackendStatus, f"Backend {name!r} status")

    def usage(self) -> Usage:
        response = self._call("instance_usage", "Failed to get instance usage")
        return self._model(response, Usage, "Instance usage")

    # --- sessions ----------------------------------------------------------------------------

    def create_session(self, request: SessionCreateRequest) -> SessionDetails:
        response = self._send("create_session", body=request)
        if response.status_code == 404:
            raise BackendNotFoundError(
                f"Failed to create a session on backend {request.backend!r}: "
                f"{_server_message(response)}. List the available ones with service.backends()."
            )
        if not response.is_success:
            raise self._error(response, "create_session", "Failed to create a session")
        return self._model(response, SessionDetails, "Session creation")

    def session_details(self, session_id: str) -> SessionDetails:
        response = self._send("get_session", path={"session_id": session_id})
        if response.status_code == 404:
            raise IBMInputValueError(
                f"Session not found: {session_id}. Check the id, or create a new Session."
            )
        if not response.is_success:
            raise self._error(response, "get_session", f"Failed to get session {session_id}")
        return self._model(response, SessionDetails, f"Session {session_id}")

    def close_session(self, session_id: str) -> None:
        response = self._send(
            "close_session",
            path={"session_id": session_id},
            body=SessionPatchRequest(accepting_jobs=False),
        )
        if response.is_success or response.status_code == 404:
            return  # 404: already gone, which is what closing wants
        raise IBMRuntimeError(
            f"Error closing session: {self._error(response, 'close_session', session_id)}"
        )

    def cancel_session(self, session_id: str) -> None:
        self._call(
            "cancel_session",
            f"Failed to cancel session {session_id}",
            path={"session_id": session_id},
        )

    # --- jobs --------------------------------------------------------------------------------

    def submit_job(self, request: JobCreateRequest) -> JobCreateResponse:
        response = self._submit(request)
        if response.status_code == 404:
            raise RuntimeProgramNotFound(f"Program not found: {_server_message(response)}")
        if response.status_code == 401:
            raise self._error(response, "create_job", "Failed to run program")
        refused = _tags_refused(response, "Failed to run program")
        if refused is not None:
            raise refused
        if not response.is_success:
            message = f"Failed to run program: {response.status_code}: {_server_message(response)}"
            if response.status_code in AMBIGUOUS_STATUSES:
                message += (
                    ". Each attempt was checked by its idempotency tag: no job was created, so "
                    "submitting again is safe."
                )
            raise IBMRuntimeError(message)
        return self._model(response, JobCreateResponse, "Job submission")

    def job(self, job_id: str, *, exclude_params: bool = True) -> Job:
        query = {"exclude_params": True} if exclude_params else None
        response = self._send("get_job", path={"job_id": job_id}, query=query)
        if response.status_code == 404:
            raise RuntimeJobNotFound(f"Job not found: {job_id}. {_server_message(response)}")
        if not response.is_success:
            raise IBMRuntimeError(
                f"Failed to retrieve job: {self._error(response, 'get_job', job_id)}"
            )
        return job_without_key(self._model(response, Job, f"Job {job_id}"))

    def jobs(self, query: Mapping[str, Any]) -> JobList:
        response = self._call(
            "list_jobs", "Failed to list jobs", query={"exclude_params": True, **query}
        )
        return jobs_without_keys(self._model(response, JobList, "Job list"))

    def job_results(self, job_id: str) -> str:
        response = self._send("job_results", path={"job_id": job_id})
        if response.status_code == 404:
            raise RuntimeJobNotFound(f"Job not found: {job_id}")
        if not response.is_success:
            raise self._error(response, "job_results", f"Failed to get results of job {job_id}")
        return response.text

    def cancel_job(self, job_id: str) -> None:
        response = self._send("cancel_job", path={"job_id": job_id})
        if response.status_code == 409:
            raise RuntimeInvalidStateError(f"Job cannot be cancelled: {_server_message(response)}")
        if response.status_code == 404:
            raise RuntimeJobNotFound(f"Job not found: {job_id}")
        if not response.is_success:
            raise IBMRuntimeError(
                f"Failed to cancel job: {self._error(response, 'cancel_job', job_id)}"
            )

    def delete_job(self, job_id: str) -> None:
        response = self._send("delete_job", path={"job_id": job_id})
        if response.status_code == 404:
            raise RuntimeJobNotFound(f"Job not found: {job_id}")
        if not response.is_success:
            raise IBMRuntimeError(
                f"Failed to delete job: {self._error(response, 'delete_job', job_id)}"
            )

    def job_metrics(self, job_id: str) -> JobMetrics:
        response = self._call(
            "job_metrics", f"Failed to get metrics of job {job_id}", path={"job_id": job_id}
        )
        return self._model(response, JobMetrics, f"Job {job_id} metrics")

    def job_logs(self, job_id: str) -> str:
        response = self._send("job_logs", path={"job_id": job_id})
        if response.status_code == 404:
            return ""
        if not response.is_success:
            raise IBMRuntimeError(
                f"Failed to get job logs: {self._error(response, 'job_logs', job_id)}"
            )
        return response.text

    def update_tags(self, job_id: str, tags: list[str]) -> None:
        response = self._send("job_tags", path={"job_id": job_id}, body=JobTagsUpdate(tags=tags))
        if response.status_code == 404:
            raise RuntimeJobNotFound(f"Job not found: {job_id}")
        refused = _tags_refused(response, f"Failed to update tags of job {job_id}")
        if refused is not None:
            raise refused
        if response.status_code != 204:
            raise IBMApiError(
                f"Failed to update tags of job {job_id}: "
                f"{self._error(response, 'job_tags', job_id)}"
            )
