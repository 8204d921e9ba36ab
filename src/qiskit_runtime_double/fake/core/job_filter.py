"""``JobFilter``: the filters and paging of ``GET /jobs``, and which jobs they keep."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from .records import JobRecord

__all__ = ["JobFilter"]


@dataclass(frozen=True)
class JobFilter:
    """The filters and paging of ``GET /jobs``."""

    limit: int = 200
    offset: int = 0
    backend: str | None = None
    pending: bool | None = None
    program: str | None = None
    tags: tuple[str, ...] = ()
    session_id: str | None = None
    created_after: _dt.datetime | None = None
    created_before: _dt.datetime | None = None
    ascending: bool = False
    #: Only jobs of the instance with this CRN (the request's ``Service-CRN``); None: all.
    instance: str | None = None
    #: Jobs on mock devices (dry runs) too (``include_mocks``).
    include_mocks: bool = False

    def matches(self, job: JobRecord) -> bool:
        """Whether ``job`` passes every filter but paging (and ``include_mocks``: the state
        knows which backends are mocks)."""
        query = self
        return (
            not job.deleted
            and job.owner == "instance"
            and (query.backend is None or job.backend == query.backend)
            and (query.pending is None or query.pending != job.ended)
            and (query.program is None or job.program_id == query.program)
            and all(tag in job.tags for tag in query.tags)
            and (query.session_id is None or job.session_id == query.session_id)
            and (query.created_after is None or job.created >= query.created_after)
            and (query.created_before is None or job.created <= query.created_before)
            and (query.instance is None or job.instance == query.instance)
        )
