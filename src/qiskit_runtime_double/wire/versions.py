"""The runtime API's versions: which response shapes a request gets, by its ``IBM-API-Version``.

The service versions its API with the ``IBM-API-Version`` header (a date). Clients from 2024 on
send one (0.51 sends ``2026-04-15``); the 2023 clients (``qiskit-ibm-runtime`` 0.11 to 0.15) send
none, and get the shapes of that time. This module is the one place that knows the differences:
``api_version`` reads the header, and the shaping functions below turn the current shape of an
answer into the shape of the version asked for. ``DIFFERENCES`` lists them for the docs
(``docs/running-2023-code.md`` shows ``markdown_table()``; a test keeps the two equal).

What the fake serves is fixed by a date only in two classes, because those are the two it can
confirm from a client's source: the 2023 shapes (no header), and the current ones (any date).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = [
    "CURRENT",
    "DIFFERENCES",
    "SEED_ERA",
    "VERSION_HEADER",
    "ApiVersion",
    "Difference",
    "VersionError",
    "api_version",
    "backends_body",
    "markdown_table",
    "session_body",
]

#: The request header that names the API version.
VERSION_HEADER: Final = "IBM-API-Version"
#: The shapes of a request without ``IBM-API-Version``: the 2023 service's.
SEED_ERA: Final = "2023"
#: The shapes of a request with a version: the current service's (as the 0.51 client reads them).
CURRENT: Final = "current"

ApiVersion = Literal["2023", "current"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class VersionError(ValueError):
    """The ``IBM-API-Version`` header is not a date (the service answers 400)."""


def api_version(header: str | None) -> ApiVersion:
    """The shapes a request with ``IBM-API-Version: header`` gets (None or empty: no header).

    Raises ``VersionError`` for a value that is not a ``YYYY-MM-DD`` date; the message says what
    to send instead.
    """
    if header is None or not header.strip():
        return SEED_ERA
    text = header.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        _dt.date.fromisoformat(text)
    except ValueError:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise VersionError(
            f"The {VERSION_HEADER} header {shown!r} is not a date: send a version as "
            "YYYY-MM-DD (the 0.51 client sends 2026-04-15), or no header for the 2023 API."
        ) from None
    return CURRENT


# --- the shapes that differ -----------------------------------------------------------------


def backends_body(version: ApiVersion, devices: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET /backends``: the current list of device objects, in the shape of ``version``.

    In 2023 the list held the names only: the 0.15 client iterates ``devices`` and asks each name
    for its configuration (``QiskitRuntimeService._discover_cloud_backends``), and the
    ``ibm_quantum`` channel reads the names per hub/group/project (``HubGroupProject.backends``).
    """
    if version == SEED_ERA:
        return {"devices": [device["name"] for device in devices]}
    return {"devices": devices}


#: Session states the 2023 service did not have, and the 2023 state each one was then: both are
#: an active session, its interactive window running (``pending_inactive``) or its last jobs
#: draining after ``close()`` (``pending_closed``, with ``accepting_jobs`` false).
_LATER_SESSION_STATES = {"pending_inactive": "active", "pending_closed": "active"}


def session_body(version: ApiVersion, body: dict[str, Any]) -> dict[str, Any]:
    """``GET /sessions/{id}``: the current session object, in the shape of ``version``.

    The 0.15 client knows ``open``, ``inactive``, ``active`` and ``closed`` (``Session.status``
    shows any other state capitalized, e.g. ``"Pending_inactive"``); the two ``pending_*`` states
    came in 2024 (qiskit-ibm-runtime #1713), for what was ``active`` before.
    """
    state = body.get("state")
    if version == SEED_ERA and state in _LATER_SESSION_STATES:
        return {**body, "state": _LATER_SESSION_STATES[state]}
    return body


@dataclass(frozen=True)
class Difference:
    """One answer whose shape depends on the version: the rows of the docs' table."""

    endpoint: str
    seed_era: str
    current: str
    source: str


DIFFERENCES: Final[tuple[Difference, ...]] = (
    Difference(
        endpoint="GET /backends",
        seed_era='`{"devices": ["ibmq_qasm_simulator", ...]}`: names',
        current=(
            '`{"devices": [{"name", "status": {"name", "reason"}, "queue_length", "qubits", '
            '"physical_qubits", "is_simulator", "processor_type"}, ...]}`'
        ),
        source=(
            "0.15.1 `qiskit_runtime_service.py` (`_discover_cloud_backends`), "
            "`hub_group_project.py`; 0.51 `api/client.py` (`list_backends`)"
        ),
    ),
    Difference(
        endpoint="GET /sessions/{id}, POST /sessions",
        seed_era="`state`: `open`, `active`, `inactive` or `closed` (`pending_*` read as `active`)",
        current="`state` may also be `pending_inactive` or `pending_closed`",
        source=(
            "0.15.1 `session.py` (`Session.status`); 0.51 `session.py` (`status`, since "
            "qiskit-ibm-runtime #1713)"
        ),
    ),
)


def markdown_table() -> str:
    """``DIFFERENCES`` as the Markdown table of ``docs/running-2023-code.md``."""
    lines = [
        f"| Endpoint | No `{VERSION_HEADER}` (2023) | `{VERSION_HEADER}: <date>` (current) "
        "| Confirmed in |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row.endpoint} | {row.seed_era} | {row.current} | {row.source} |" for row in DIFFERENCES
    ]
    return "\n".join(lines)
