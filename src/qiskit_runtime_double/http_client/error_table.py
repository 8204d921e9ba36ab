"""What an error answer means, route by route: the client's one table from answers to exceptions.

``RuntimeClient`` (``client.py``) sends; when the answer is not a success it asks ``error_for``,
which reads the body once (``wire.error_body.ErrorBody``), looks the route up in ``ROUTE_ERRORS``
(the status, or ``OTHER`` for any other error status) and falls back to the generic mapping of the
API notes' table 2.9 (401 -> ``IBMNotAuthorizedError``, 503 -> maintenance, else
``RequestsApiError``). Every exception made here carries the answer's ``status_code`` and
``error_code``, so callers branch on fields, never on message text.

Two answers that are not the runtime API's are translated here too, so that no other module turns
a status into an exception: IBM Cloud Global Search refusing to list instances (``search_error``,
for ``discovery.py``), and IAM refusing the API-key exchange the live transport makes before a
request (``token_error``; ``transports/iam.py`` explains why the transport only reports it).
Only the client's HTTP layer (``client.py``, ``discovery.py``) imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Final

from ..errors import (
    BackendNotFoundError,
    IBMApiError,
    IBMError,
    IBMInputValueError,
    IBMNotAuthorizedError,
    IBMRuntimeError,
    RequestsApiError,
    RuntimeInvalidStateError,
    RuntimeJobNotFound,
    RuntimeProgramNotFound,
)
from ..transports.iam import TokenExchangeFailed
from ..wire.error_body import ErrorBody
from ..wire.http import HttpResponse
from ..wire.models import MAX_JOB_TAGS, MAX_TAG_LENGTH, TAG_LIMIT_CODES
from ..wire.routes import route
from .retry import AMBIGUOUS_STATUSES, RETRY_STATUSES

__all__ = [
    "ACCEPT",
    "OTHER",
    "ROUTE_ERRORS",
    "WHAT",
    "Failure",
    "error_for",
    "search_error",
    "token_error",
]

#: A rule's answer meaning "this error status is what the caller wanted" (e.g. a 404 on close).
ACCEPT: Final = object()
#: The key of a route's rule for every error status it does not list.
OTHER: Final = 0


@dataclass(frozen=True)
class Failure:
    """An error answer on one route, about one subject (a job id, a backend name...)."""

    response: HttpResponse
    route: str
    subject: str = ""

    @cached_property
    def body(self) -> ErrorBody:
        """The answer's error body, read once whatever its shape."""
        return ErrorBody.read(self.response.status_code, self.response.content)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def detail(self) -> str:
        return self.body.detail

    @property
    def code(self) -> str | None:
        return self.body.code

    @property
    def where(self) -> str:
        spec = route(self.route)
        return f"{spec.method} {spec.template}"

    @property
    def what(self) -> str:
        """What the call was doing, for the generic messages: ``Failed to list jobs``."""
        return WHAT.get(self.route, "Request failed").format(subject=self.subject)


Rule = Callable[[Failure], "Exception | object | None"]


def generic(failure: Failure, what: str | None = None) -> Exception:
    """The mapping every route shares (API notes, table 2.9); ``what`` starts the message."""
    what = failure.what if what is None else what
    where, detail, status = failure.where, failure.detail, failure.status
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


def _tags_refused(failure: Failure) -> Exception | None:
    """A 400 with the tag-limit codes is bad input about the tags; other 400s are not ours."""
    if failure.code not in TAG_LIMIT_CODES:
        return None
    return IBMInputValueError(
        f"{failure.what}: the service refused the job's tags: {failure.detail}. It allows at "
        f"most {MAX_JOB_TAGS} tags of at most {MAX_TAG_LENGTH} characters each (job_tags, "
        "update_tags(new_tags)): use fewer or shorter tags."
    )


def _submission_failed(failure: Failure) -> Exception:
    if failure.status == 401:
        return generic(failure)
    message = f"Failed to run program: {failure.status}: {failure.detail}"
    if failure.status in AMBIGUOUS_STATUSES:
        message += (
            ". Each attempt was checked by its idempotency tag: no job was created, so "
            "submitting again is safe."
        )
    return IBMRuntimeError(message)


def _job_not_found(failure: Failure) -> Exception:
    return RuntimeJobNotFound(f"Job not found: {failure.subject}. {failure.detail}")


def _wrapped(prefix: str, error: type[Exception] = IBMRuntimeError) -> Rule:
    """``error("<prefix>: <subject>: <status> on <route>: <detail>")``, as the official client
    words these."""

    def rule(failure: Failure) -> Exception:
        inner = generic(failure, what=failure.subject)
        return error(f"{prefix.format(subject=failure.subject)}: {inner}")

    return rule


#: What each call was doing, for generic messages (``{subject}`` is its id or name).
WHAT: Final[dict[str, str]] = {
    "list_backends": "Failed to list backends",
    "backend_configuration": "Failed to get backend {subject!r}",
    "backend_properties": "Failed to get properties of {subject!r}",
    "backend_status": "Failed to get status of {subject!r}",
    "instance_usage": "Failed to get instance usage",
    "create_session": "Failed to create a session",
    "get_session": "Failed to get session {subject}",
    "close_session": "Failed to close session {subject}",
    "cancel_session": "Failed to cancel session {subject}",
    "create_job": "Failed to run program",
    "list_jobs": "Failed to list jobs",
    "get_job": "Failed to retrieve job {subject}",
    "job_results": "Failed to get results of job {subject}",
    "cancel_job": "Failed to cancel job {subject}",
    "delete_job": "Failed to delete job {subject}",
    "job_metrics": "Failed to get metrics of job {subject}",
    "job_logs": "Failed to get logs of job {subject}",
    "job_tags": "Failed to update tags of job {subject}",
    "list_programs": "Failed to list programs",
    "get_program": "Failed to get program {subject}",
    "job_interim_results": "Failed to get interim results of job {subject}",
    "stream_job": "Failed to stream results of job {subject}",
}

#: Route -> error status (or ``OTHER``) -> rule. A rule returns the exception to raise, ``ACCEPT``
#: when the status is a success for the caller, or None to fall through to ``OTHER`` and then to
#: ``generic``. Routes not listed here use ``generic`` alone.
ROUTE_ERRORS: Final[dict[str, dict[int, Rule]]] = {
    "backend_configuration": {
        404: lambda f: BackendNotFoundError(
            f"No backend named {f.subject!r} is available to this service: {f.detail}. "
            "List the available ones with service.backends()."
        ),
    },
    "create_session": {
        404: lambda f: BackendNotFoundError(
            f"Failed to create a session on backend {f.subject!r}: {f.detail}. "
            "List the available ones with service.backends()."
        ),
    },
    "get_session": {
        404: lambda f: IBMInputValueError(
            f"Session not found: {f.subject}. Check the id, or create a new Session."
        ),
    },
    "close_session": {
        404: lambda f: ACCEPT,  # already gone, which is what closing wants
        OTHER: _wrapped("Error closing session"),
    },
    "create_job": {
        404: lambda f: RuntimeProgramNotFound(f"Program not found: {f.detail}"),
        400: _tags_refused,
        OTHER: _submission_failed,
    },
    "get_job": {404: _job_not_found, OTHER: _wrapped("Failed to retrieve job")},
    "job_results": {404: lambda f: RuntimeJobNotFound(f"Job not found: {f.subject}")},
    "cancel_job": {
        409: lambda f: RuntimeInvalidStateError(f"Job cannot be cancelled: {f.detail}"),
        404: lambda f: RuntimeJobNotFound(f"Job not found: {f.subject}"),
        OTHER: _wrapped("Failed to cancel job"),
    },
    "delete_job": {
        404: lambda f: RuntimeJobNotFound(f"Job not found: {f.subject}"),
        OTHER: _wrapped("Failed to delete job"),
    },
    "job_logs": {
        404: lambda f: ACCEPT,  # no logs (yet): the caller reads an empty text
        OTHER: _wrapped("Failed to get job logs"),
    },
    "job_tags": {
        404: lambda f: RuntimeJobNotFound(f"Job not found: {f.subject}"),
        400: _tags_refused,
        OTHER: _wrapped("Failed to update tags of job {subject}", IBMApiError),
    },
    # The 2023 API, as the 0.15 client words it.
    "get_program": {
        404: lambda f: RuntimeProgramNotFound(f"Program not found: {f.detail}"),
        OTHER: _wrapped("Failed to get program"),
    },
    "job_interim_results": {
        # No such job, or (on today's IBM service) no such endpoint: the caller reads "none".
        404: lambda f: ACCEPT,
    },
}


def error_for(response: HttpResponse, route_name: str, subject: str = "") -> Exception | None:
    """The exception an error ``response`` on ``route_name`` means; None if it means success."""
    failure = Failure(response, route_name, subject)
    rules = ROUTE_ERRORS.get(route_name, {})
    for key in (failure.status, OTHER):
        rule = rules.get(key)
        if rule is None:
            continue
        outcome = rule(failure)
        if outcome is ACCEPT:
            return None
        if isinstance(outcome, Exception):
            return _stamped(outcome, failure.status, failure.body)
    return _stamped(generic(failure), failure.status, failure.body)


def _stamped(error: Exception, status: int, body: ErrorBody) -> Exception:
    """``error`` carrying the answer's status and error code (``IBMError.status_code``...)."""
    if isinstance(error, IBMError):
        error.status_code = status
        error.error_code = body.code
    return error


# --- answers of other services ---------------------------------------------------------------


def search_error(response: HttpResponse, where: str) -> Exception:
    """Global Search at ``where`` refused to list instances (``discovery.list_instances``)."""
    body = ErrorBody.read(response.status_code, response.content)
    kind = IBMNotAuthorizedError if response.status_code in (401, 403) else IBMApiError
    error = kind(
        f"Unable to retrieve instances: IBM Cloud Global Search at {where} answered "
        f"{response.status_code} ({body.message[:300]}). Check the API key (token=), and "
        "search_url= (or GLOBAL_SEARCH_URL) if you set one; or pass instance= as a CRN, "
        "which needs no search."
    )
    return _stamped(error, response.status_code, body)


def token_error(failure: TokenExchangeFailed) -> Exception | None:
    """What IAM's refusal of the API-key exchange means; None when it is worth trying again
    (throttled, or IAM failing: the request was not sent, and the client retries it as such)."""
    status, where, detail = failure.status_code, failure.url, failure.body.detail
    error: IBMError
    if status in RETRY_STATUSES:
        return None
    if 200 <= status < 300:
        error = IBMApiError(
            f"The IAM service at {where} answered {status} {failure.problem}. Check iam_url=: "
            "it must be an IBM Cloud IAM endpoint."
        )
    else:
        hint = (
            "Check the API key (token=, QISKIT_IBM_TOKEN or the saved account)."
            if status in (400, 401, 403)
            else "Check iam_url=: it must be an IBM Cloud IAM endpoint."
        )
        error = IBMNotAuthorizedError(
            f"The IAM service at {where} refused the API key exchange ({status}: {detail}). {hint}"
        )
    return _stamped(error, status, failure.body)
