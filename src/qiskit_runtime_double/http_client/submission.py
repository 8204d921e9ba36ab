"""Safe job submission: ``POST /jobs`` is never resent without first checking it did not land.

A submission whose answer is lost (connection dropped, read timeout) or that is answered 500,
502, 504 or 52x may have created the job anyway: resending blindly can run (and bill) it twice,
and giving up loses a job that exists. So the client (``RuntimeClient.submit_job``) gives every
submission an **idempotency tag**, ``qrd-submit-`` plus 20 random hex digits, appended to the
job's ``tags``. After an ambiguous outcome it:

1. waits (``RetryPolicy.lookup_delay`` at least: job lists can lag a moment behind creation),
   then looks the tag up with ``GET /jobs?tags=<key>&exclude_params=true`` through the same
   transport (that request gets the client's usual retries);
2. if a job carries the key, answers as if the submission had succeeded (``{id, backend,
   session_id}``); if several do, the oldest;
3. if none does, sends the submission again, with the same key, and settles that outcome the
   same way, for as many attempts as the ``RetryPolicy`` allows;
4. if the lookup itself cannot be done, raises ``TransportError`` naming the tag, instead of
   guessing: the caller can look for it before submitting again.

A 429 or 503 means the service declined the request without handling it, and a
``RequestNotSent`` that it never left this process: those are resent after the usual back-off,
with no lookup. When the attempts run out after ambiguous answers, every one of them was checked:
no job exists, and the error says so.

This lives in the client, not in a transport, so every transport gets it: the in-process fake, a
``MockTransport``, a recording cassette and the live service behave the same on a lost
submission, and the transports stay plain (send one request, return one answer). A cassette
recognises the keys (``wire.submit_keys``): they do not take part in matching, and a replayed
lookup answers with the key of the submission being replayed.

Why a tag rather than matching jobs by ``created_after`` + backend + program + params: an exact,
unique key is found by one indexed query, is immune to client/server clock skew, never mistakes
an identical job submitted by another thread or process for ours (parameter sweeps resubmit
identical payloads all the time), and costs no download of every candidate's params. The price:
the job carries one extra tag (the service limits how many a job may have, error 1204; if the
user's own tags already fill the quota, the submission is resent without the key, which is safe
because a 4xx means nothing was created; such a submission is never resent after an ambiguous
answer, since it cannot be checked), and the key is visible in the IBM dashboard. The client
removes the key from the ``tags`` of every job it reads, so ``job.tags`` is what the user gave. A
residual risk remains in both designs: a job created but not yet listed when the lookup runs would
be submitted a second time (both copies then carry the same key, and the oldest is reported).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, cast

from ..errors import RequestNotSent, TransportError
from ..wire.error_body import ErrorBody
from ..wire.http import HttpRequest, HttpResponse
from ..wire.models import TAG_LIMIT_CODES, Job, JobList
from ..wire.redact import redact_url
from ..wire.submit_keys import KEY_PREFIX, is_submit_key, without_submit_keys
from .retry import AMBIGUOUS_STATUSES, DECLINED_STATUSES, RetryPolicy

__all__ = [
    "KEY_PREFIX",
    "SafeSubmitter",
    "job_without_key",
    "jobs_without_keys",
    "new_submit_key",
]

Outcome = HttpResponse | TransportError


def new_submit_key() -> str:
    return KEY_PREFIX + secrets.token_hex(10)


def job_without_key(job: Job) -> Job:
    """``job`` with idempotency keys removed from its ``tags``."""
    if not any(is_submit_key(tag) for tag in job.tags):
        return job
    return job.model_copy(update={"tags": without_submit_keys(job.tags)})


def jobs_without_keys(jobs: JobList) -> JobList:
    return jobs.model_copy(update={"jobs": [job_without_key(job) for job in jobs.jobs]})


class _LookupFailed(Exception):
    """Whether a tagged job exists could not be found out (the message says why)."""


class SafeSubmitter:
    """Sends one job submission with the idempotency-tag protocol (module docs).

    ``send`` sends one request once (the transport's ``handle``); ``lookup(key)`` answers
    ``GET /jobs?tags=<key>`` (with the client's retries; ``TransportError`` if none came);
    ``sleep`` waits on the transport's clock; ``retry`` bounds the attempts and their back-off.
    """

    def __init__(
        self,
        *,
        send: Callable[[HttpRequest], HttpResponse],
        lookup: Callable[[str], HttpResponse],
        sleep: Callable[[float], None],
        retry: RetryPolicy,
    ) -> None:
        self._send = send
        self._lookup = lookup
        self._sleep = sleep
        self._retry = retry

    def submit(self, keyed: HttpRequest, key: str, plain: HttpRequest) -> HttpResponse:
        """Submit ``keyed`` (which carries ``key``); ``plain`` is the same without the key."""
        request: HttpRequest = keyed
        tag: str | None = key
        where = redact_url(keyed.url)
        attempt = 0
        while True:
            outcome = self._attempt(request)
            if tag is not None and _refused_for_tags(outcome):
                request, tag = plain, None  # a 4xx created nothing: resend without our tag
                continue
            response = outcome if isinstance(outcome, HttpResponse) else None
            if not _ambiguous(outcome):
                if _declined(outcome) and attempt < self._retry.retries:
                    self._sleep(self._retry.wait(attempt, response))
                    attempt += 1
                    continue
                return _settled(outcome, request)
            if tag is None:
                raise TransportError(
                    f"POST {where}: {_describe(outcome)}. The job may have been created, and"
                    " this submission carried no idempotency tag (its own tags fill the "
                    "service's quota), so it is not sent again: check service.jobs() before "
                    "submitting again.",
                    endpoint=f"POST {where}",
                )
            wait = self._retry.wait(attempt, response)
            self._sleep(max(wait, self._retry.lookup_delay))
            try:
                found = self._find(tag)
            except _LookupFailed as exc:
                raise TransportError(
                    f"POST {where}: {_describe(outcome)}, and whether the job was created "
                    f"could not be checked ({exc}). The job carries the tag {tag!r}: look for it "
                    f"with service.jobs(job_tags=[{tag!r}]) before submitting again.",
                    endpoint=f"POST {where}",
                ) from None
            if found is not None:
                return _recovered(found)
            if attempt >= self._retry.retries:
                if isinstance(outcome, HttpResponse):
                    return outcome  # checked: the client reports the status, nothing exists
                raise TransportError(
                    f"POST {where}: {outcome}. Sent {attempt + 1} time(s) and checked "
                    f"after each (tag {tag!r}): no job was created, so submitting again is safe.",
                    endpoint=f"POST {where}",
                ) from outcome
            attempt += 1

    def _attempt(self, request: HttpRequest) -> Outcome:
        try:
            return self._send(request)
        except TransportError as exc:
            return exc

    def _find(self, key: str) -> dict[str, Any] | None:
        """The oldest job carrying ``key``; None if there is none."""
        try:
            response = self._lookup(key)
        except TransportError as exc:
            raise _LookupFailed(str(exc)) from None
        where = f"GET /jobs?tags={key}"
        if not response.is_success:
            raise _LookupFailed(f"{where} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise _LookupFailed(f"{where} answered with a body that is not JSON") from None
        jobs = body.get("jobs") if isinstance(body, dict) else None
        if not isinstance(jobs, list):
            raise _LookupFailed(f"{where} answered without a 'jobs' list")
        # Check the tag ourselves: a service that ignored the filter would list every job.
        ours = [
            job
            for job in jobs
            if isinstance(job, dict)
            and isinstance(job.get("tags"), list)
            and key in job["tags"]
            and isinstance(job.get("id"), str)
        ]
        if not ours:
            return None
        return min(ours, key=lambda job: str(job.get("created") or ""))


def _ambiguous(outcome: Outcome) -> bool:
    if isinstance(outcome, HttpResponse):
        return outcome.status_code in AMBIGUOUS_STATUSES
    return not isinstance(outcome, RequestNotSent)


def _declined(outcome: Outcome) -> bool:
    if isinstance(outcome, HttpResponse):
        return outcome.status_code in DECLINED_STATUSES
    return isinstance(outcome, RequestNotSent)


def _settled(outcome: Outcome, request: HttpRequest) -> HttpResponse:
    if isinstance(outcome, HttpResponse):
        return outcome
    if outcome.endpoint is not None:
        raise outcome  # the transport already named the endpoint
    endpoint = f"{request.method} {redact_url(request.url)}"
    raise TransportError(f"{endpoint} failed: {outcome}", endpoint=endpoint) from outcome


def _refused_for_tags(outcome: Outcome) -> bool:
    """A 400 or 422 whose error code says the tags broke the service's limits (nothing made)."""
    if not isinstance(outcome, HttpResponse) or outcome.status_code not in (400, 422):
        return False
    return ErrorBody.read(outcome.status_code, outcome.content).code in TAG_LIMIT_CODES


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, TransportError):
        return f"no answer came ({outcome})"
    # The errors derive from qiskit's untyped QiskitError, so mypy cannot rule one out here.
    response = cast("HttpResponse", outcome)
    body = ErrorBody.read(response.status_code, response.content)
    return f"the service answered {response.status_code} ({body.detail[:200]!r})"


def _recovered(job: dict[str, Any]) -> HttpResponse:
    body = {k: job[k] for k in ("id", "backend", "session_id") if job.get(k) is not None}
    return HttpResponse.from_json(200, body)
