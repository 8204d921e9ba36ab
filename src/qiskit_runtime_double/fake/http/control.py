"""The control API over HTTP (``/_double/...``): what ``FakeRuntime``'s methods do, for a fake
served on another thread or process. Reserved paths; not part of the IBM API."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ...errors import ClockError
from ...wire.control import (
    BackendStatusChange,
    BackgroundLoad,
    ClockMove,
    ClockState,
    HistoryRequest,
    HttpFaultRequest,
    JobFaultRequest,
    NextJobDuration,
    PastJobsRequest,
    UsageLimitChange,
    describe_errors,
)
from ...wire.http import HttpRequest, HttpResponse
from ...wire.jsonbody import parse_json_body
from ...wire.vocabulary import ErrorCode
from ..core.errors import BadRequest, FakeArgumentError, NotFound, ServiceError
from .app import error_response
from .dashboard import state_snapshot, timeline_response

if TYPE_CHECKING:
    from ..runtime import FakeRuntime

__all__ = ["CONTROL_PREFIX", "ControlApp"]

CONTROL_PREFIX = "/_double"

Handler = Callable[[HttpRequest, dict[str, str]], HttpResponse]


def _parse(request: HttpRequest, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(parse_json_body(request.content, empty={}))
    except ValueError as exc:  # JsonBodyError and ValidationError are both ValueErrors
        detail = describe_errors(exc) if isinstance(exc, ValidationError) else str(exc)
        raise BadRequest(f"Invalid control request body for {model.__name__}: {detail}") from exc


def _ok(body: dict[str, Any] | None = None) -> HttpResponse:
    return HttpResponse.from_json(200, body or {"ok": True})


class ControlApp:
    """Answers ``/_double/...`` by calling the fake's control methods."""

    def __init__(self, fake: FakeRuntime) -> None:
        self.fake = fake
        table: list[tuple[str, str, Handler]] = [
            ("POST", "/reset", self._reset),
            ("GET", "/clock", self._clock),
            ("POST", "/clock", self._move_clock),
            ("POST", "/faults/http", self._http_fault),
            ("DELETE", "/faults", self._clear_faults),
            ("POST", "/jobs/{job_id}/fault", self._job_fault),
            ("POST", "/jobs/next/duration", self._next_duration),
            ("GET", "/jobs/{job_id}", self._job),
            ("GET", "/sessions/{session_id}", self._session),
            ("POST", "/backends/{backend}/status", self._backend_status),
            ("POST", "/backends/{backend}/load", self._load),
            ("POST", "/usage", self._usage),
            ("POST", "/history", self._history),
            ("POST", "/history/jobs", self._past_jobs),
            ("GET", "/state", self._state),
            ("GET", "/timeline.svg", self._timeline),
        ]
        self._routes = [
            (method, re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"), handler)
            for method, path, handler in table
        ]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        relative = request.path[len(CONTROL_PREFIX) :] or "/"
        try:
            for method, pattern, handler in self._routes:
                found = pattern.match(relative)
                if found and method == request.method.upper():
                    return handler(request, found.groupdict())
            raise NotFound(f"No control endpoint {request.method} {request.path}.")
        except ServiceError as exc:
            return error_response(exc.status, exc.code, exc.message)
        except FakeArgumentError as exc:  # an unknown id or name: 404, as the runtime API says
            return error_response(exc.status, exc.code, str(exc))
        except (ValueError, TypeError, ClockError) as exc:
            # The fake's own argument checks (the same limits as in process, see wire/control.py)
            return error_response(400, ErrorCode.VALIDATION, str(exc))

    def _reset(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.fake.reset()
        return _ok()

    def _clock(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        state = ClockState(now=self.fake.clock.now(), mode=self.fake.clock.mode)
        return HttpResponse.from_json(200, state.model_dump(mode="json"))

    def _move_clock(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        move: ClockMove = _parse(request, ClockMove)
        if (move.seconds is None) == (move.to is None):
            raise BadRequest('Give exactly one of "seconds" (to shift) or "to" (a datetime).')
        if move.seconds is not None:
            self.fake.clock.shift(move.seconds)
        elif move.to is not None:
            self.fake.clock.move_to(move.to)
        return self._clock(request, params)

    def _http_fault(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        fault: HttpFaultRequest = _parse(request, HttpFaultRequest)
        self.fake.inject_http_error(
            fault.route,
            fault.status,
            times=fault.times,
            message=fault.message,
            retry_after=fault.retry_after,
        )
        return _ok()

    def _clear_faults(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.fake.clear_faults()
        return _ok()

    def _job_fault(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        fault: JobFaultRequest = _parse(request, JobFaultRequest)
        job_id = None if params["job_id"] == "next" else params["job_id"]
        if fault.kind == "ran_too_long":
            self.fake.make_job_run_too_long(job_id)
        else:
            self.fake.fail_job(job_id, reason=fault.reason, code=fault.code)
        return _ok()

    def _next_duration(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.fake.set_next_job_duration(_parse(request, NextJobDuration).seconds)
        return _ok()

    def _job(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        job = self.fake.job(params["job_id"])
        return _ok(
            {
                "id": job.id,
                "status": job.status,
                "duration": job.duration,
                "created": job.created.isoformat(),
                "running_at": job.running_at.isoformat() if job.running_at else None,
                "finished_at": job.finished_at.isoformat() if job.finished_at else None,
                "reason": job.reason,
                "reason_code": job.reason_code,
            }
        )

    def _session(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        session = self.fake.session(params["session_id"])
        return _ok(
            {
                "id": session.id,
                "state": session.state,
                "elapsed": session.elapsed_at(self.fake.now()),
            }
        )

    def _backend_status(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        change: BackendStatusChange = _parse(request, BackendStatusChange)
        self.fake.set_backend_status(
            params["backend"],
            operational=change.operational,
            status=change.status,
            message=change.message,
            length_queue=change.length_queue,
        )
        return _ok()

    def _load(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        load: BackgroundLoad = _parse(request, BackgroundLoad)
        if (load.count is None) == (load.jobs_per_hour is None):
            raise BadRequest('Give exactly one of "count" or "jobs_per_hour".')
        if load.count is not None:
            ids = self.fake.add_background_jobs(
                params["backend"], load.count, duration=load.duration
            )
            return _ok({"job_ids": ids})
        assert load.jobs_per_hour is not None
        self.fake.add_background_load(
            params["backend"],
            jobs_per_hour=load.jobs_per_hour,
            duration=load.duration,
            hours=load.hours,
        )
        return _ok()

    def _state(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return HttpResponse.from_json(200, state_snapshot(self.fake))

    def _timeline(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return timeline_response(self.fake)

    def _usage(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.fake.set_usage_limit_reached(_parse(request, UsageLimitChange).reached)
        return _ok()

    def _history(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        from ..core.history import History  # only for fakes given a history

        spec: HistoryRequest = _parse(request, HistoryRequest)
        return _ok({"job_ids": self.fake.add_history(History(**spec.model_dump()))})

    def _past_jobs(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        from ..core.history import PastJob

        body: PastJobsRequest = _parse(request, PastJobsRequest)
        jobs = []
        for spec in body.jobs:
            values = spec.model_dump(exclude={"created", "ago"})
            when = spec.created if spec.created is not None else timedelta(seconds=spec.ago or 0)
            jobs.append(PastJob(created=when, **values))
        return _ok({"job_ids": self.fake.add_history(jobs)})
