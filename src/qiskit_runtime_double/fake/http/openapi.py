"""The served fake's OpenAPI 3.1 document, at ``GET /openapi.json``.

Generated, never hand-written: one operation per route of the two route tables the fake dispatches
on (``wire.routes.ROUTES`` under ``/api/v1``, the control API's ``control.ROUTES`` under
``/_double``), each with the pydantic models the edge parses its body with and answers it with
(``model_json_schema``, gathered under ``components.schemas``). ``OPERATIONS`` says which models
and query parameters belong to which route; a route it does not describe still appears, with a
generic answer, and ``tests/fake/test_openapi.py`` keeps the two in step.

The document holds no secret (no token, no job): like the live page it needs no token. It
describes what the fake serves, which follows IBM's runtime API (``docs/fake-service.md``); the
IAM, Global Search and Global Catalog endpoints the official client calls at start-up are not in
it (they are IBM Cloud's, not the runtime's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ...wire import control as control_models
from ...wire import models as wire
from ...wire.http import HttpRequest, HttpResponse
from ...wire.routes import ROUTES, Route
from ...wire.vocabulary import API_PREFIX, API_VERSION, CONTROL_PREFIX, ErrorCode
from .app import error_response
from .control import ROUTES as CONTROL_ROUTES

__all__ = ["OPENAPI_PATH", "OPERATIONS", "Operation", "openapi_app", "openapi_document"]

#: Where the document is served.
OPENAPI_PATH = "/openapi.json"
_REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    """What the route table does not say about a route: its models, query and answer."""

    summary: str
    body: type[BaseModel] | None = None
    answer: type[BaseModel] | None = None
    #: Query parameters: name -> (JSON schema type, description).
    query: tuple[tuple[str, str, str], ...] = ()
    #: The status of a success (204: no content).
    status: int = 200
    #: The media type of a success that is not a model (``text/plain``, ``image/svg+xml``).
    media: str = "application/json"


_CALIBRATION = (("calibration_id", "string", "The calibration to describe (404 if unknown)."),)
_JOB_QUERY = (
    ("limit", "integer", "Page size (at most 200)."),
    ("offset", "integer", "Jobs to skip."),
    ("backend", "string", "Only jobs on this backend."),
    ("pending", "boolean", "Only queued and running jobs (true) or only final ones (false)."),
    ("program", "string", "Only jobs of this program."),
    ("tags", "string", "Only jobs with every tag given (repeat the parameter)."),
    ("session_id", "string", "Only jobs of this session."),
    ("created_after", "string", "Only jobs created at or after this ISO 8601 time."),
    ("created_before", "string", "Only jobs created at or before this ISO 8601 time."),
    ("sort", "string", "ASC for oldest first; newest first otherwise."),
    ("exclude_params", "boolean", "false to include each job's params."),
    ("include_mocks", "boolean", "Include dry runs (jobs on mock devices)."),
)

#: Route name -> what it takes and answers, per table (``api``: the runtime API, ``control``).
OPERATIONS: dict[str, dict[str, Operation]] = {
    "api": {
        "list_backends": Operation(
            "The backends the instance may use.",
            answer=wire.BackendList,
            query=(("include_mocks", "boolean", "List mock devices (class mock) too."),),
        ),
        "backend_configuration": Operation(
            "A backend's configuration.", answer=wire.BackendConfiguration, query=_CALIBRATION
        ),
        "backend_properties": Operation(
            "A backend's calibration data ({} for an ideal simulator).",
            answer=wire.BackendProperties,
            query=_CALIBRATION,
        ),
        "backend_status": Operation("A backend's status and queue.", answer=wire.BackendStatus),
        "instance_usage": Operation("The instance's quantum seconds.", answer=wire.Usage),
        "create_session": Operation(
            "Open a session or batch.", body=wire.SessionCreateRequest, answer=wire.SessionDetails
        ),
        "get_session": Operation("A session's details.", answer=wire.SessionDetails),
        "close_session": Operation(
            "Stop a session accepting jobs.", body=wire.SessionPatchRequest, status=204
        ),
        "cancel_session": Operation("Close a session and cancel its queued jobs.", status=204),
        "create_job": Operation(
            "Submit a job.", body=wire.JobCreateRequest, answer=wire.JobCreateResponse
        ),
        "list_jobs": Operation(
            "The instance's jobs, a page.", answer=wire.JobList, query=_JOB_QUERY
        ),
        "get_job": Operation(
            "A job.",
            answer=wire.Job,
            query=(("exclude_params", "boolean", "true to leave the job's params out."),),
        ),
        "delete_job": Operation("Delete a final job.", status=204),
        "job_results": Operation(
            "A finished job's result (the program's own JSON; 204 while it has none)."
        ),
        "cancel_job": Operation("Cancel a queued or running job.", status=204),
        "job_metrics": Operation("A job's timestamps and usage.", answer=wire.JobMetrics),
        "job_logs": Operation("A job's log.", media="text/plain"),
        "job_tags": Operation("Replace a job's tags.", body=wire.JobTagsUpdate, status=204),
        "list_programs": Operation("The programs (2023 API).", answer=wire.ProgramList),
        "get_program": Operation("A program (2023 API).", answer=wire.ProgramDetails),
        "job_interim_results": Operation(
            "A job's interim results (2023 API).", answer=wire.InterimResults
        ),
        "stream_job": Operation(
            "A job's result stream (2023 API): a websocket; a plain GET is answered 426.",
            status=101,
        ),
    },
    "control": {
        "reset": Operation("Forget every job, session and fault."),
        "get_clock": Operation("The simulated clock.", answer=control_models.ClockState),
        "move_clock": Operation(
            "Move a manual clock.", body=control_models.ClockMove, answer=control_models.ClockState
        ),
        "fast_forward": Operation(
            "Bring the simulation's next events forward by some seconds.",
            body=control_models.FastForward,
        ),
        "http_fault": Operation(
            "Answer the next requests of a route with an error.",
            body=control_models.HttpFaultRequest,
        ),
        "clear_faults": Operation("Remove every injected fault."),
        "job_fault": Operation("Make a job fail.", body=control_models.JobFaultRequest),
        "next_duration": Operation(
            "How long the next job runs.", body=control_models.NextJobDuration
        ),
        "get_job": Operation("A job as the simulation sees it."),
        "get_session": Operation("A session as the simulation sees it."),
        "backend_status": Operation(
            "Take a backend offline, or bring it back.", body=control_models.BackendStatusChange
        ),
        "backend_load": Operation(
            "Add other users' jobs to a backend's queue.", body=control_models.BackgroundLoad
        ),
        "usage": Operation(
            "Say whether the instance's usage limit is reached.",
            body=control_models.UsageLimitChange,
        ),
        "history": Operation("Add past jobs and sessions.", body=control_models.HistoryRequest),
        "past_jobs": Operation("Add past jobs.", body=control_models.PastJobsRequest),
        "state": Operation("What the live page shows: backends, sessions, jobs, the clock."),
        "timeline": Operation("The timeline of jobs and sessions.", media="image/svg+xml"),
    },
}


def _schemas() -> dict[str, Any]:
    """The JSON schema of every model: a body's as validated, an answer's as serialized."""
    keys: dict[str, tuple[type[BaseModel], JsonSchemaMode]] = {}
    for table in OPERATIONS.values():
        for operation in table.values():
            if operation.body is not None:
                keys[operation.body.__name__] = (operation.body, "validation")
            if operation.answer is not None:
                keys[operation.answer.__name__] = (operation.answer, "serialization")
    _, top = models_json_schema([keys[name] for name in sorted(keys)], ref_template=_REF)
    schemas: dict[str, Any] = top.get("$defs", {})
    return schemas


def _ref(model: type[BaseModel], schemas: dict[str, Any], mode: str) -> dict[str, str]:
    """The reference to ``model`` in ``schemas`` (pydantic suffixes ``-Input``/``-Output`` to a
    name whose validation and serialization schemas differ)."""
    suffixed = f"{model.__name__}-{'Input' if mode == 'validation' else 'Output'}"
    name = suffixed if suffixed in schemas else model.__name__
    return {"$ref": _REF.format(model=name)}


_ERRORS = {
    "description": "An error in the IBM Cloud shape: "
    '{"errors": [{"code", "message", "more_info"}], "trace", "status_code"}.',
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _operation(
    route: Route, table: str, operation: Operation | None, schemas: dict[str, Any]
) -> dict[str, Any]:
    described = operation or Operation(route.name.replace("_", " ").capitalize() + ".")
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", route.template)
    ]
    parameters += [
        {"name": name, "in": "query", "schema": {"type": kind}, "description": text}
        for name, kind, text in described.query
    ]
    if table == "control":
        parameters.append(
            {
                "name": "X-Runtime-Double-Control",
                "in": "header",
                "required": True,
                "description": "A served fake's control token (printed by serve).",
                "schema": {"type": "string"},
            }
        )
    success: dict[str, Any] = {"description": "Done." if described.status != 200 else "OK."}
    if described.status == 200:
        schema: dict[str, Any] = (
            {"type": "object"}
            if described.answer is None
            else _ref(described.answer, schemas, "serialization")
        )
        if described.media != "application/json":
            schema = {"type": "string"}
        success["content"] = {described.media: {"schema": schema}}
    found: dict[str, Any] = {
        "operationId": f"{table}_{route.name}",
        "summary": described.summary,
        "tags": ["runtime" if table == "api" else "control"],
        "responses": {str(described.status): success, "default": _ERRORS},
    }
    if parameters:
        found["parameters"] = parameters
    if described.body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": _ref(described.body, schemas, "validation")}
            },
        }
    return found


def _version() -> str:
    try:
        return metadata.version("qiskit-runtime-double")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


@cache
def openapi_document() -> dict[str, Any]:
    """The document (the same object every call: do not change it)."""
    schemas = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for table, prefix, routes in (
        ("api", API_PREFIX, ROUTES),
        ("control", CONTROL_PREFIX, CONTROL_ROUTES.routes),
    ):
        for route in routes:
            item = paths.setdefault(prefix + route.template, {})
            item[route.method.lower()] = _operation(
                route, table, OPERATIONS[table].get(route.name), schemas
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "qiskit-runtime-double",
            "version": _version(),
            "description": (
                "The fake Qiskit Runtime service (a test double): IBM's runtime REST API as "
                f"of IBM-API-Version {API_VERSION} under {API_PREFIX}, and the fake's own "
                f"control API under {CONTROL_PREFIX} (needs the control token)."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {
                "name": "runtime",
                "description": "IBM's Qiskit Runtime REST API, as the fake serves it.",
            },
            {"name": "control", "description": "The fake's control API (not IBM's)."},
        ],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def openapi_app(request: HttpRequest) -> HttpResponse:
    """Answers ``GET /openapi.json`` (mounted on the edge's router, ``edge.py``)."""
    if request.path != OPENAPI_PATH or request.method.upper() not in ("GET", "HEAD"):
        return error_response(
            405 if request.path == OPENAPI_PATH else 404,
            ErrorCode.VALIDATION,
            f"{request.method} {request.path} is not served here: read the fake's OpenAPI "
            f"document with GET {OPENAPI_PATH}.",
        )
    return HttpResponse.from_json(200, openapi_document())
