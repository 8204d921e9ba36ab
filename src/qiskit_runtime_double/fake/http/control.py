"""The control API over HTTP (``/_double/...``): what ``FakeRuntime``'s methods do, for a fake
served on another thread or process. Reserved paths; not part of the IBM API.

Each body is validated once, here, by its model in ``wire/control.py`` (the same limits
``FakeRuntime`` applies to its arguments); the handlers then call the simulation's commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ...errors import ClockError
from ...wire.control import (
    BackendStatusChange,
    BackgroundLoad,
    ClockMove,
    ClockState,
    FastForward,
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
from ...wire.routes import Route, RouteTable
from ...wire.vocabulary import CONTROL_PREFIX, ErrorCode
from ..core.clock import Start
from ..core.errors import BadRequest, NotFound, ServiceError
from ..core.simulation import Simulation
from .app import error_response
from .dashboard import state_snapshot, timeline_response
from .faults import HttpFaults
from .pacing import Pacer

__all__ = ["CONTROL_PREFIX", "ControlApp"]

Handler = Callable[[HttpRequest, dict[str, str]], HttpResponse]
M = TypeVar("M", bound=BaseModel)

#: The control API's routes, relative to ``CONTROL_PREFIX``.
ROUTES = RouteTable(
    [
        Route("reset", "POST", "/reset"),
        Route("get_clock", "GET", "/clock"),
        Route("move_clock", "POST", "/clock"),
        Route("fast_forward", "POST", "/fast-forward"),
        Route("http_fault", "POST", "/faults/http"),
        Route("clear_faults", "DELETE", "/faults"),
        Route("job_fault", "POST", "/jobs/{job_id}/fault"),
        Route("next_duration", "POST", "/jobs/next/duration"),
        Route("get_job", "GET", "/jobs/{job_id}"),
        Route("get_session", "GET", "/sessions/{session_id}"),
        Route("backend_status", "POST", "/backends/{backend}/status"),
        Route("backend_load", "POST", "/backends/{backend}/load"),
        Route("usage", "POST", "/usage"),
        Route("history", "POST", "/history"),
        Route("past_jobs", "POST", "/history/jobs"),
        Route("state", "GET", "/state"),
        Route("timeline", "GET", "/timeline.svg"),
    ]
)


def _parse(request: HttpRequest, model: type[M]) -> M:
    try:
        return model.model_validate(parse_json_body(request.content, empty={}))
    except ValueError as exc:  # JsonBodyError and ValidationError are both ValueErrors
        detail = describe_errors(exc) if isinstance(exc, ValidationError) else str(exc)
        raise BadRequest(f"Invalid control request body for {model.__name__}: {detail}") from exc


def _ok(body: dict[str, Any] | None = None) -> HttpResponse:
    return HttpResponse.from_json(200, body or {"ok": True})


class ControlApp:
    """Answers ``/_double/...`` with the simulation's commands, the edge's faults and pacer.

    ``reset`` resets the simulation and the edge together (``HttpEdge.reset``).
    """

    def __init__(
        self,
        simulation: Simulation,
        faults: HttpFaults,
        pacer: Pacer,
        reset: Callable[[Start], None],
    ) -> None:
        self.simulation = simulation
        self.faults = faults
        self.pacer = pacer
        self._reset = reset
        self._handlers: dict[str, Handler] = {
            "reset": self._reset_all,
            "get_clock": self._clock,
            "move_clock": self._move_clock,
            "fast_forward": self._fast_forward,
            "http_fault": self._http_fault,
            "clear_faults": self._clear_faults,
            "job_fault": self._job_fault,
            "next_duration": self._next_duration,
            "get_job": self._job,
            "get_session": self._session,
            "backend_status": self._backend_status,
            "backend_load": self._load,
            "usage": self._usage,
            "history": self._history,
            "past_jobs": self._past_jobs,
            "state": self._state,
            "timeline": self._timeline,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        relative = request.path[len(CONTROL_PREFIX) :] or "/"
        try:
            route, params, _ = ROUTES.match(request.method, relative)
            if route is None:
                raise NotFound(f"No control endpoint {request.method} {request.path}.")
            return self._handlers[route.name](request, params)
        except ServiceError as exc:  # an unknown id or name: 404, as the runtime API says
            return error_response(exc.status, exc.code, exc.message)
        except (ValueError, TypeError, ClockError) as exc:
            # The simulation's own refusals of valid bodies (a clock move past its end...).
            return error_response(400, ErrorCode.VALIDATION, str(exc))

    def _reset_all(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self._reset(None)
        return _ok()

    def _clock(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        clock = self.simulation.clock
        state = ClockState(now=clock.now(), mode=clock.mode)
        return HttpResponse.from_json(200, state.model_dump(mode="json"))

    def _move_clock(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        move = _parse(request, ClockMove)
        if move.seconds is not None:
            self.simulation.clock.shift(move.seconds)
        elif move.to is not None:
            self.simulation.clock.move_to(move.to)
        return self._clock(request, params)

    def _fast_forward(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        moved = self.simulation.fast_forward(_parse(request, FastForward).seconds)
        return _ok({"seconds": moved})

    def _http_fault(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.faults.add(_parse(request, HttpFaultRequest))
        return _ok()

    def _clear_faults(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.faults.clear()
        return _ok()

    def _job_fault(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        fault = _parse(request, JobFaultRequest)
        job_id = None if params["job_id"] == "next" else params["job_id"]
        self.simulation.fail_job(job_id, fault)
        return _ok()

    def _next_duration(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.simulation.set_next_job_duration(_parse(request, NextJobDuration).seconds)
        return _ok()

    def _job(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        job = self.simulation.job(params["job_id"])
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
        session = self.simulation.session(params["session_id"])
        return _ok(
            {
                "id": session.id,
                "state": session.state,
                "elapsed": session.elapsed_at(self.simulation.clock.now()),
            }
        )

    def _backend_status(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        change = _parse(request, BackendStatusChange)
        self.simulation.set_backend_status(params["backend"], change)
        return _ok()

    def _load(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        load = _parse(request, BackgroundLoad)
        ids = self.simulation.add_background(params["backend"], load)
        return _ok({"job_ids": ids}) if load.count is not None else _ok()

    def _state(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return HttpResponse.from_json(200, state_snapshot(self.simulation, self.pacer, self.faults))

    def _timeline(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return timeline_response(self.simulation)

    def _usage(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.simulation.set_usage_limit_reached(_parse(request, UsageLimitChange).reached)
        return _ok()

    def _history(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        spec = _parse(request, HistoryRequest)
        return _ok({"job_ids": self.simulation.add_history(spec)})

    def _past_jobs(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        body = _parse(request, PastJobsRequest)
        return _ok({"job_ids": self.simulation.add_history(body.jobs)})
