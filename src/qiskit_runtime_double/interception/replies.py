"""Hooks on the answers the official client gets (``Interception(replies=...)``).

Replaying a cassette to the official client needs two repairs, because a cassette is scrubbed:

- ``decodable_tokens``: IAM's ``access_token`` was replaced by a placeholder, but the IBM Cloud
  SDK decodes the token (a JWT) to learn when to refresh it. The placeholder becomes an unsigned
  JWT whose ``iat``/``exp`` are the recorded ones (``expiration``, ``expires_in``): the same bytes
  at every replay, valid on the replay's clock exactly as the recorded token was on the recording's.
- ``instance_restored(crn)``: the account part of every CRN was zeroed, but the official client
  refuses an ``instance=`` that Global Search does not list. Zeroed CRNs in Global Search answers
  become the CRN the code under test asks for (its account's), when one is configured.

And one for live runs: ``ProgressReported`` tells the status line what each poll of a job saw.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any, Final

from ..wire.http import Headers, HttpRequest, HttpResponse

__all__ = ["ProgressReported", "decodable_tokens", "instance_restored", "replay_token"]

#: Signs replayed tokens (nobody verifies them: the SDK decodes without checking signatures).
_REPLAY_KEY: Final = b"qiskit-runtime-double: a replayed IAM token"
_ZEROED_ACCOUNT: Final = "a/" + "0" * 32
_ZEROED_INSTANCE: Final = "00000000-0000-0000-0000-000000000000"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def replay_token(issued_at: int, expires_at: int) -> str:
    """An HS256 JWT with only ``iat``, ``exp`` and a subject saying what it is."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"iat": issued_at, "exp": expires_at, "sub": "qiskit-runtime-double-replay"}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(_REPLAY_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _is_jwt(text: object) -> bool:
    if not isinstance(text, str) or text.count(".") != 2:
        return False
    try:
        json.loads(base64.urlsafe_b64decode(text.split(".")[1] + "=="))
    except ValueError:
        return False
    return True


def _json_body(response: HttpResponse) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _with_body(response: HttpResponse, body: Any) -> HttpResponse:
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    content = json.dumps(body, separators=(",", ":")).encode()
    return HttpResponse(response.status_code, Headers(headers), content)


def decodable_tokens(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A replayed IAM answer with a scrubbed ``access_token`` gets a decodable one (module docs)."""
    if not request.path.endswith("/identity/token") or not response.is_success:
        return response
    body = _json_body(response)
    if not isinstance(body, dict) or _is_jwt(body.get("access_token")):
        return response
    lifetime = body.get("expires_in")
    expires_at = body.get("expiration")
    if not isinstance(lifetime, int) or not isinstance(expires_at, int):
        return response
    return _with_body(
        response, {**body, "access_token": replay_token(expires_at - lifetime, expires_at)}
    )


def instance_restored(crn: str) -> Callable[[HttpRequest, HttpResponse], HttpResponse]:
    """Zeroed CRNs of ``crn``'s region in Global Search answers become ``crn`` (module docs)."""
    fields = crn.split(":")
    region = fields[5] if len(fields) > 7 else None
    zeroed = (
        f"crn:v1:bluemix:public:quantum-computing:{region}:{_ZEROED_ACCOUNT}:{_ZEROED_INSTANCE}::"
    )

    def restore(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if region is None or not request.path.endswith("/resources/search"):
            return response
        if zeroed.encode() not in response.content:
            return response
        content = response.content.replace(zeroed.encode(), crn.encode())
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return HttpResponse(response.status_code, Headers(headers), content)

    return restore


class ProgressReported:
    """Tells the current status line (``progress.show_progress``) what each poll of a job saw.

    For live runs, where the official client waits in real time: a hook that only reads.
    """

    def __init__(self) -> None:
        self._began: dict[str, float] = {}  # job id -> when its first poll was seen (monotonic)

    def __call__(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        from ..progress import JobWait, current_reporter, queue_details

        reporter = current_reporter()
        if reporter is None or request.method != "GET" or not response.is_success:
            return response
        parts = request.path.rstrip("/").split("/")
        if len(parts) < 2 or parts[-2] != "jobs":
            return response
        body = _json_body(response)
        if not isinstance(body, dict) or not isinstance(body.get("status"), str):
            return response
        job_id, status = parts[-1], str(body["status"]).upper()
        began = self._began.setdefault(job_id, time.monotonic())
        position, estimated = queue_details(body)
        backend = body.get("backend")
        wait = JobWait(
            job_id,
            status,
            time.monotonic() - began,
            backend if isinstance(backend, str) else None,
            position,
            estimated,
        )
        if status in _FINAL:
            self._began.pop(job_id, None)
            reporter.finish(wait)
        else:
            reporter.update(wait)
        return response


_FINAL: Final = frozenset({"COMPLETED", "DONE", "FAILED", "ERROR", "CANCELLED"})
