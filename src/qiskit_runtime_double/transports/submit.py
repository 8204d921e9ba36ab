"""Safe job submission: ``POST /jobs`` is never resent without first checking it did not land.

A submission whose answer is lost (connection dropped, read timeout) or that is answered 500,
502, 504 or 52x may have created the job anyway: resending blindly can run (and bill) it twice,
and giving up loses a job that exists. So every submission carries an **idempotency tag**,
``qrd-submit-`` plus 20 random hex digits, appended to the job's ``tags``. After an ambiguous
outcome the submitter:

1. waits ``recovery_delay`` (job lists can lag a moment behind creation), then looks the tag up
   with ``GET /jobs?tags=<key>&exclude_params=true`` (tried up to ``lookup_attempts`` times);
2. if a job carries the key, answers as if the submission had succeeded (``{id, backend,
   session_id}``, header ``X-Runtime-Double-Recovered``); if several do, the oldest;
3. if none does, resubmits once, with the same key, and resolves that outcome the same way;
4. if the lookup itself cannot be done, raises ``TransportError`` naming the tag, instead of
   guessing: the caller can look for it before submitting again.

So what reaches the client is settled: a job id, a status after which no job exists (checked),
or a ``TransportError`` that the client never retries for submissions. When the client's own
policy resends a 502 or 504 that came back that way, the new attempt is a new submission with a
new key, verified the same way; a lookup confirmed the previous one left nothing behind.

Why a tag rather than matching jobs by ``created_after`` + backend + program + params: an exact,
unique key is found by one indexed query, is immune to client/server clock skew, never mistakes
an identical job submitted by another thread or process for ours (parameter sweeps resubmit
identical payloads all the time), and costs no download of every candidate's params. The price:
the job carries one extra tag (the service limits how many a job may have, error 1204; if the
user's own tags already fill the quota, the submission is resent without the key, which is safe
because a 4xx means nothing was created), and the key is visible in the IBM dashboard. Responses
of ``GET /jobs`` and ``GET /jobs/{id}`` have the key removed from ``tags``, so ``job.tags`` reads
the same over every transport. A residual risk remains in both designs: a job created but not
yet listed when the lookup runs would be submitted a second time (both copies then carry the same
key, and the oldest is reported).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..clock import Clock
from ..errors import RequestNotSent, TransportError
from ..wire.http import Headers, HttpRequest, HttpResponse

__all__ = [
    "AMBIGUOUS_STATUSES",
    "KEY_PREFIX",
    "RECOVERED_HEADER",
    "RequestNotSent",
    "SafeSubmitter",
    "is_jobs_read",
    "is_submission",
    "new_submit_key",
    "strip_submit_keys",
]

KEY_PREFIX = "qrd-submit-"
RECOVERED_HEADER = "X-Runtime-Double-Recovered"
#: Answers to a submission that leave open whether the job was created. Not 503 (and not 429):
#: the service declined the request without handling it, so the client's back-off resends it.
AMBIGUOUS_STATUSES = frozenset({500, 502, 504, 520, 521, 522, 523, 524})
#: Error codes of a job refused for its tags (too many, too long): nothing was created.
_TAG_LIMIT_CODES = (b"1204", b"1205")

Send = Callable[[HttpRequest], HttpResponse]
Outcome = HttpResponse | TransportError


def new_submit_key() -> str:
    return KEY_PREFIX + secrets.token_hex(10)


def _jobs_path(base_url: str) -> str:
    return urlsplit(base_url).path.rstrip("/") + "/jobs"


def is_submission(request: HttpRequest, base_url: str) -> bool:
    """Whether ``request`` is ``POST {base}/jobs``."""
    return request.method.upper() == "POST" and request.path.rstrip("/") == _jobs_path(base_url)


def is_jobs_read(request: HttpRequest, base_url: str) -> bool:
    """Whether ``request`` reads job objects: ``GET {base}/jobs`` or ``GET {base}/jobs/{id}``."""
    if request.method.upper() != "GET":
        return False
    jobs, path = _jobs_path(base_url), request.path.rstrip("/")
    return path == jobs or (path.startswith(jobs + "/") and "/" not in path[len(jobs) + 1 :])


def _without_key(job: Any) -> None:
    if isinstance(job, dict) and isinstance(job.get("tags"), list):
        job["tags"] = [t for t in job["tags"] if not str(t).startswith(KEY_PREFIX)]


def strip_submit_keys(response: HttpResponse) -> HttpResponse:
    """``response`` (a job or a job list) with idempotency keys removed from ``tags``."""
    if not response.is_success or KEY_PREFIX.encode() not in response.content:
        return response
    try:
        body = response.json()
    except ValueError:
        return response  # not ours to repair: the client reports malformed bodies
    if not isinstance(body, dict):
        return response
    if isinstance(body.get("jobs"), list):
        for job in body["jobs"]:
            _without_key(job)
    else:
        _without_key(body)
    content = json.dumps(body, separators=(",", ":")).encode()
    return HttpResponse(response.status_code, response.headers, content)


def _with_key(request: HttpRequest, key: str) -> HttpRequest | None:
    try:
        body = json.loads(request.content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    tags = body.get("tags")
    body["tags"] = [*(tags if isinstance(tags, list) else []), key]
    content = json.dumps(body, separators=(",", ":")).encode()
    return HttpRequest(request.method, request.url, request.headers, content)


def _ambiguous(outcome: Outcome) -> bool:
    if isinstance(outcome, HttpResponse):
        return outcome.status_code in AMBIGUOUS_STATUSES
    return not isinstance(outcome, RequestNotSent)


def _settled(outcome: Outcome) -> HttpResponse:
    if isinstance(outcome, HttpResponse):
        return outcome
    raise outcome


def _refused_for_tags(response: HttpResponse) -> bool:
    return response.status_code in (400, 422) and any(
        code in response.content for code in _TAG_LIMIT_CODES
    )


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, HttpResponse):
        return f"the service answered {outcome.status_code} ({outcome.text.strip()[:200]!r})"
    return f"no answer came ({outcome})"


@dataclass(frozen=True)
class _Lookup:
    job: dict[str, Any] | None = None
    problem: str | None = None  # set when the lookup could not be done


class SafeSubmitter:
    """Submits ``POST /jobs`` through ``send`` with the idempotency-tag protocol (module doc)."""

    def __init__(
        self,
        send: Send,
        *,
        clock: Clock,
        key_factory: Callable[[], str] = new_submit_key,
        recovery_delay: float = 1.0,
        lookup_attempts: int = 3,
    ) -> None:
        self._send = send
        self._clock = clock
        self._key_factory = key_factory
        self._recovery_delay = recovery_delay
        self._lookup_attempts = max(lookup_attempts, 1)

    def submit(self, request: HttpRequest) -> HttpResponse:
        key = self._key_factory()
        keyed = _with_key(request, key)
        if keyed is None:
            return self._send(request)  # not a JSON object: the service will refuse it anyway
        first = self._attempt(keyed)
        if isinstance(first, HttpResponse) and _refused_for_tags(first):
            return self._send(request)  # a 4xx created nothing: resend without our tag
        if not _ambiguous(first):
            return _settled(first)
        for attempt in (1, 2):
            lookup = self._lookup(keyed, key)
            if lookup.job is not None:
                return _recovered(lookup.job)
            if lookup.problem is not None:
                raise TransportError(
                    f"POST {request.url}: {_describe(first)}, and whether the job was created "
                    f"could not be checked ({lookup.problem}). The job carries the tag {key!r}: "
                    f"look for it with service.jobs(job_tags=[{key!r}]) before submitting again."
                )
            if attempt == 2:
                break
            first = self._attempt(keyed)
            if not _ambiguous(first):
                return _settled(first)
        # Checked twice, nothing carries the key: no job was created.
        if isinstance(first, HttpResponse):
            return first  # the client decides whether a status like 502 is worth a new try
        raise TransportError(
            f"POST {request.url}: {first}. Sent twice and checked after each: no job was "
            "created, so submitting again is safe."
        ) from first

    def _attempt(self, request: HttpRequest) -> Outcome:
        try:
            return self._send(request)
        except TransportError as exc:
            return exc

    def _lookup(self, keyed: HttpRequest, key: str) -> _Lookup:
        parts = urlsplit(keyed.url)
        query = urlencode([("tags", key), ("exclude_params", "true"), ("limit", "10")])
        url = urlunsplit(parts._replace(query=query, fragment=""))
        headers = Headers(
            {k: v for k, v in keyed.headers.items() if k.lower() not in ("content-type",)}
        )
        lookup = HttpRequest("GET", url, headers)
        problem = "not tried"
        for attempt in range(self._lookup_attempts):
            self._clock.sleep(self._recovery_delay * (attempt + 1))
            try:
                response = self._send(lookup)
            except TransportError as exc:
                problem = f"GET {url}: {exc}"
                continue
            if not response.is_success:
                problem = f"GET {url} answered {response.status_code}"
                if response.status_code == 429 or response.status_code >= 500:
                    continue
                break  # another 4xx will not change on a second try
            try:
                body = response.json()
            except ValueError:
                problem = f"GET {url} answered 2xx with a body that is not JSON"
                break
            jobs = body.get("jobs") if isinstance(body, dict) else None
            if not isinstance(jobs, list):
                problem = f"GET {url} answered without a 'jobs' list"
                break
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
                return _Lookup()
            return _Lookup(job=min(ours, key=lambda job: str(job.get("created") or "")))
        return _Lookup(problem=f"{problem}, {self._lookup_attempts} attempt(s)")


def _recovered(job: dict[str, Any]) -> HttpResponse:
    body = {k: job[k] for k in ("id", "backend", "session_id") if job.get(k) is not None}
    return HttpResponse.from_json(200, body, headers={RECOVERED_HEADER: "true"})
