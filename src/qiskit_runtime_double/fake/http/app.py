"""The REST facade: turns HTTP requests into state operations and their results into responses.

Only this module knows HTTP. State raises ``ServiceError``s carrying their status and wire code;
they are answered in the IBM Cloud error shape ``{"errors": [...], "trace", "status_code"}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ...wire.http import Headers, HttpRequest, HttpResponse
from ...wire.jsonbody import JsonBodyError, parse_json_body
from ...wire.models import (
    BackendList,
    BackendStatus,
    ErrorBody,
    ErrorItem,
    InterimResults,
    JobCreateRequest,
    JobCreateResponse,
    JobList,
    JobTagsUpdate,
    ProgramList,
    SessionCreateRequest,
    SessionPatchRequest,
    Usage,
    parse_timestamp,
)
from ...wire.routes import match_route
from ...wire.versions import (
    VERSION_HEADER,
    ApiVersion,
    VersionError,
    api_version,
    backends_body,
    session_body,
)
from ...wire.vocabulary import API_PREFIX, ErrorCode
from ..core.errors import BACKEND_NOT_FOUND, BadRequest, NotFound, ServiceError
from ..core.job_filter import JobFilter
from ..core.plan import plan_id_of
from .faults import HttpFaults
from .views import device_view, job_view, metrics_view, program_view, session_view

if TYPE_CHECKING:
    from ..core.catalogue import BackendEntry
    from ..core.clock import VirtualClock
    from ..core.plan import Instance
    from ..core.records import SessionRecord
    from ..core.simulation import Simulation
    from ..core.state import RuntimeState

__all__ = ["API_PREFIX", "RuntimeApp"]

#: Bodies above this size are refused (413) before parsing.
MAX_BODY_BYTES = 64 * 1024 * 1024
#: ``GET /jobs`` pages: ``limit`` 1 to 200 (default 200), ``offset`` an int32 (``JobsResponse``).
MAX_PAGE = 200
MAX_OFFSET = 2**31 - 1

Handler = Callable[[HttpRequest, dict[str, str]], HttpResponse]


def _json(model: BaseModel, status: int = 200) -> HttpResponse:
    return HttpResponse.from_json(
        status, model.model_dump(mode="json", by_alias=True, exclude_none=True)
    )


def error_response(status: int, code: str, message: str, trace: str | None = None) -> HttpResponse:
    """An error in the IBM Cloud shape. ``trace`` comes from the fake's seeded ids, when known."""
    body = ErrorBody(
        errors=[ErrorItem(code=code, message=message)], trace=trace, status_code=status
    )
    return _json(body, status)


def _body(request: HttpRequest, model: type[Any]) -> Any:
    if len(request.content) > MAX_BODY_BYTES:
        raise ServiceError(
            f"The request body exceeds {MAX_BODY_BYTES} bytes.",
            status=413,
            code=ErrorCode.VALIDATION,
        )
    try:
        data = parse_json_body(request.content)
    except JsonBodyError as exc:
        raise BadRequest(exc.message) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
        # A wire model may name the service's own code for a problem (tag limits: 1204, 1205).
        codes = [err["ctx"]["code"] for err in exc.errors() if "code" in err.get("ctx", {})]
        raise BadRequest(
            f"Invalid request body: {problems}.", code=codes[0] if codes else None
        ) from exc


def _one(request: HttpRequest, name: str) -> str | None:
    values = request.query.get(name)
    return values[-1] if values else None


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error message, cut short: a hostile value can be megabytes long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} chars)"


def _int(request: HttpRequest, name: str, default: int, *, low: int, high: int) -> int:
    """Query integer ``name``: plain decimal digits (else a 400); one outside ``low`` to ``high``
    is replaced by ``default``, without an error, as IBM's OpenAPI document says of ``GET /jobs``'s
    ``limit`` and ``offset``."""
    text = _one(request, name)
    if text is None:
        return default
    # Decimal ASCII digits only (int() would also take "1_000", " 7" or other scripts' digits),
    # and never int() of thousands of them (slow, and refused by Python): those are out of range.
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise BadRequest(
            f"Query parameter {name}={_shown(text)} is not an integer (use {low} to {high})."
        )
    if len(digits.lstrip("0")) > len(str(high)):
        return default
    value = int(text)
    return value if low <= value <= high else default


def _bool(request: HttpRequest, name: str) -> bool | None:
    text = _one(request, name)
    if text is None:
        return None
    if text.lower() not in ("true", "false"):
        raise BadRequest(f"Query parameter {name}={_shown(text)} must be true or false.")
    return text.lower() == "true"


def _time(request: HttpRequest, name: str) -> Any:
    text = _one(request, name)
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise BadRequest(
            f"Query parameter {name}={_shown(text)} is not an ISO-8601 timestamp "
            "(e.g. 2025-01-01T09:00:00Z)."
        ) from None


class RuntimeApp:
    """Callable ``(HttpRequest) -> HttpResponse`` answering the runtime REST API over ``state``."""

    def __init__(self, simulation: Simulation, faults: HttpFaults) -> None:
        self.simulation = simulation
        self.faults = faults
        self._handlers: dict[str, Handler] = {
            "list_backends": self._list_backends,
            "backend_configuration": self._configuration,
            "backend_properties": self._properties,
            "backend_status": self._backend_status,
            "instance_usage": self._usage,
            "create_session": self._create_session,
            "get_session": self._get_session,
            "close_session": self._close_session,
            "cancel_session": self._cancel_session,
            "create_job": self._create_job,
            "list_jobs": self._list_jobs,
            "get_job": self._get_job,
            "delete_job": self._delete_job,
            "job_results": self._results,
            "cancel_job": self._cancel_job,
            "job_metrics": self._metrics,
            "job_logs": self._logs,
            "job_tags": self._tags,
            "list_programs": self._list_programs,
            "get_program": self._get_program,
            "job_interim_results": self._interim_results,
            "stream_job": self._stream_job,
        }

    @property
    def state(self) -> RuntimeState:
        """The simulation's state now (``reset`` replaces it: read it once per request)."""
        return self.simulation.state

    @property
    def clock(self) -> VirtualClock:
        return self.simulation.clock

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self._dispatch(request)
        except ServiceError as exc:
            return error_response(exc.status, exc.code, exc.message, self.state.ids.trace_id())
        except Exception as exc:  # never a traceback to the client; the message names the type
            return error_response(
                500,
                ErrorCode.INTERNAL,
                f"Internal error in the fake service ({type(exc).__name__}): {exc}",
                self.state.ids.trace_id(),
            )

    def _dispatch(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if not path.startswith(API_PREFIX + "/"):
            raise NotFound(
                f"No such endpoint: {request.method} {path}. The runtime API is under {API_PREFIX}."
            )
        relative = path[len(API_PREFIX) :].rstrip("/") or "/"
        route, params, allowed = match_route(request.method, relative)
        if route is None:
            if allowed:
                return HttpResponse.from_json(
                    405,
                    ErrorBody(
                        errors=[
                            ErrorItem(
                                code=ErrorCode.VALIDATION,
                                message=(
                                    f"{request.method} is not allowed on {path}; "
                                    f"use {', '.join(allowed)}."
                                ),
                            )
                        ],
                        status_code=405,
                    ).model_dump(mode="json", exclude_none=True),
                    {"Allow": ", ".join(allowed)},
                )
            raise NotFound(f"No such endpoint: {request.method} {path}.")
        fault = self.faults.take(route.name)
        if fault is not None:
            response = error_response(fault.status, str(fault.status), fault.message)
            if fault.retry_after is not None:
                headers = response.headers.with_(**{"Retry-After": f"{fault.retry_after:g}"})
                response = HttpResponse(response.status_code, headers, response.content)
            return response
        self._instance(request)  # an unknown Service-CRN is refused on every route (403)
        self._version(request)  # so is an IBM-API-Version that is not a date (400)
        return self._handlers[route.name](request, params)

    # --- versions ----------------------------------------------------------------------------
    # A request's ``IBM-API-Version`` picks the shapes of its answers; without one, the 2023
    # client's (``wire/versions.py`` knows the differences).

    def _version(self, request: HttpRequest) -> ApiVersion:
        try:
            return api_version(request.headers.get(VERSION_HEADER))
        except VersionError as exc:
            raise BadRequest(str(exc)) from None

    # --- instances ---------------------------------------------------------------------------
    # Every request acts for the instance its ``Service-CRN`` header names (without one: the
    # default instance); it sees that instance's backends, usage, jobs and sessions only.

    def _instance(self, request: HttpRequest) -> Instance:
        return self.state.instances.for_request(request.headers.get("Service-CRN"))

    # --- backends ----------------------------------------------------------------------------

    def _list_backends(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        # Mock devices (class "mock") only when asked for: the official client always asks.
        mocks = bool(_bool(request, "include_mocks"))
        visible = self.state.visible_backends(self._instance(request), include_mocks=mocks)
        devices = [
            device_view(entry, *self.state.status_of(name)) for name, entry in visible.items()
        ]
        listed = BackendList(devices=devices).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        return HttpResponse.from_json(200, backends_body(self._version(request), listed["devices"]))

    def _calibrated(self, request: HttpRequest, params: dict[str, str]) -> BackendEntry:
        """The backend of the path, checked against the query's ``calibration_id``: the fake
        keeps one calibration per backend, and any other id is not found (404, which the official
        client turns into ``QiskitBackendNotFoundError``)."""
        entry = self.state.entry(params["backend"], self._instance(request))
        wanted = _one(request, "calibration_id")
        if wanted is not None and wanted != entry.calibration_id:
            raise NotFound(
                f"Calibration {_shown(wanted)} of backend {entry.name!r} was not found. Its "
                f"calibration is {entry.calibration_id!r}; leave calibration_id out for it.",
                code=BACKEND_NOT_FOUND,
            )
        return entry

    def _configuration(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        configuration = self._calibrated(request, params).configuration()
        body = configuration.model_dump(mode="json", by_alias=True, exclude_none=True)
        # The official QasmBackendConfiguration requires the key: null means all-to-all.
        body.setdefault("coupling_map", None)
        return HttpResponse.from_json(200, body)

    def _properties(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        properties = self._calibrated(request, params).properties()
        if properties is None:
            return HttpResponse.from_json(200, {})
        return _json(properties)

    def _backend_status(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        name = params["backend"]
        operational, status, message, queued = self.state.status_of(name, self._instance(request))
        entry = self.state.entry(name)
        return _json(
            BackendStatus(
                state=operational,
                status=status,
                message=message,
                length_queue=queued,
                backend_version=entry.version,
            )
        )

    def _usage(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        """Whole seconds, as the service writes them (consumed rounded down, so the limit is
        reached exactly when the numbers say so); no remaining seconds: clients compute them."""
        instance = self._instance(request)
        used = math.floor(self.state.quantum_seconds_used(instance))
        given = instance.usage_allocation_seconds
        allocation = None if given is None else math.floor(given)
        reached = self.state.usage_limit_reached or (allocation is not None and used >= allocation)
        return _json(
            Usage(
                instance_id=instance.crn,
                plan_id=plan_id_of(instance.plan),
                usage_consumed_seconds=used,
                usage_allocation_seconds=allocation,
                usage_limit_seconds=allocation,
                usage_limit_reached=reached,
            )
        )

    # --- sessions ----------------------------------------------------------------------------

    def _create_session(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        body = _body(request, SessionCreateRequest)
        session = self.state.create_session(body, self._instance(request))
        return self._session_json(request, session)

    def _get_session(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        session = self.state.session(params["session_id"], self._instance(request))
        return self._session_json(request, session)

    def _session_json(self, request: HttpRequest, session: SessionRecord) -> HttpResponse:
        view = session_view(session, self.clock.now())
        body = view.model_dump(mode="json", by_alias=True, exclude_none=True)
        return HttpResponse.from_json(200, session_body(self._version(request), body))

    def _close_session(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        _body(request, SessionPatchRequest)
        self.state.close_session(params["session_id"], self._instance(request))
        return HttpResponse.empty(204)

    def _cancel_session(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.state.cancel_session(params["session_id"], self._instance(request))
        return HttpResponse.empty(204)

    # --- jobs --------------------------------------------------------------------------------

    def _create_job(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        job = self.state.submit_job(_body(request, JobCreateRequest), self._instance(request))
        return _json(
            JobCreateResponse(
                id=job.id,
                backend=job.backend,
                session_id=job.session_id,
                private=True if job.private else None,
            )
        )

    def _get_job(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        exclude = _bool(request, "exclude_params")
        job = self.state.job(params["job_id"], self._instance(request))
        return _json(job_view(job, include_params=not exclude))

    def _list_jobs(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        sort = (_one(request, "sort") or "DESC").upper()
        if sort not in ("ASC", "DESC"):
            raise BadRequest(f"Query parameter sort={_shown(sort)} must be ASC or DESC.")
        query = JobFilter(
            limit=_int(request, "limit", MAX_PAGE, low=1, high=MAX_PAGE),
            offset=_int(request, "offset", 0, low=0, high=MAX_OFFSET),
            backend=_one(request, "backend"),
            pending=_bool(request, "pending"),
            program=_one(request, "program"),
            tags=tuple(request.query.get("tags", [])),
            session_id=_one(request, "session_id"),
            created_after=_time(request, "created_after"),
            created_before=_time(request, "created_before"),
            ascending=sort == "ASC",
            instance=self._instance(request).crn,
            include_mocks=bool(_bool(request, "include_mocks")),
        )
        include = _bool(request, "exclude_params") is False  # excluded unless asked for
        page, count = self.state.list_jobs(query)
        body = JobList(
            jobs=[job_view(job, include_params=include) for job in page],
            count=count,
            limit=query.limit,
            offset=query.offset,
        )
        return _json(body)

    def _delete_job(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.state.delete_job(params["job_id"], self._instance(request))
        return HttpResponse.empty(204)

    def _results(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        text = self.state.results(params["job_id"], self._instance(request))
        if text is None:
            # "Job's final result not found" (IBM's OpenAPI document): a private job's result
            # after its one read. The official client then returns None from ``result()``.
            return HttpResponse.empty(204)
        return HttpResponse(
            200, Headers({"Content-Type": "text/plain; charset=utf-8"}), text.encode()
        )

    def _cancel_job(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        self.state.cancel_job(params["job_id"], self._instance(request))
        return HttpResponse.empty(204)

    def _metrics(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return _json(metrics_view(self.state.job(params["job_id"], self._instance(request))))

    def _logs(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        job = self.state.job(params["job_id"], self._instance(request))
        text = "\n".join(job.logs) + "\n"
        return HttpResponse(
            200, Headers({"Content-Type": "text/plain; charset=utf-8"}), text.encode()
        )

    def _tags(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        update = _body(request, JobTagsUpdate)
        self.state.set_tags(params["job_id"], update.tags, self._instance(request))
        return HttpResponse.empty(204)

    # --- programs, interim results and the result stream (the 2023 API) ----------------------

    def _list_programs(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        limit = _int(request, "limit", MAX_PAGE, low=1, high=MAX_PAGE)
        offset = _int(request, "offset", 0, low=0, high=MAX_OFFSET)
        programs = self.state.programs.all()
        page = [program_view(program) for program in programs[offset : offset + limit]]
        return _json(ProgramList(programs=page, count=len(programs)))

    def _get_program(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        return _json(program_view(self.state.program(params["program_id"])))

    def _interim_results(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        published = self.state.interim_results(params["job_id"], self._instance(request))
        # Newest first, as the 2023 service listed them.
        return _json(InterimResults(list(reversed(published))))

    def _stream_job(self, request: HttpRequest, params: dict[str, str]) -> HttpResponse:
        """A websocket: 101 accepts the upgrade, which the served fake's socket layer then
        performs (``fake/http/stream.py``); without ``Upgrade: websocket`` it is a 426."""
        self.state.job(params["job_id"], self._instance(request))  # an unknown job is a 404
        if request.headers.get("Upgrade", "").lower() != "websocket":
            refusal = error_response(
                426,
                ErrorCode.VALIDATION,
                f"{request.path} is a websocket: connect with a websocket client (Upgrade: "
                "websocket) to a served fake (fake.serve()), or read GET "
                "/jobs/{id}/interim_results and /results instead.",
            )
            return HttpResponse(426, refusal.headers.with_(Upgrade="websocket"), refusal.content)
        if "Sec-WebSocket-Key" not in request.headers or (
            request.headers.get("Sec-WebSocket-Version") != "13"
        ):
            raise BadRequest(
                "A websocket handshake needs Sec-WebSocket-Key and Sec-WebSocket-Version: 13 "
                "(RFC 6455): use a websocket client."
            )
        return HttpResponse(101, Headers({"Upgrade": "websocket", "Connection": "Upgrade"}))
