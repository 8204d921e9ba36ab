"""``GET /jobs`` as IBM's OpenAPI document states it (issue 10, point 8): filters that compose,
``count`` of every match, ``limit`` 1 to 200 and ``offset`` from 0 (a value out of range is
replaced by the default, without an error), ``sort`` by creation, ``offset`` past the end."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qiskit_runtime_double.fake import FakeRuntime, History, PastJob
from qiskit_runtime_double.fake.core.executor import NoOpExecutor
from qiskit_runtime_double.fake.core.records import JobRecord
from qiskit_runtime_double.wire.http import HttpRequest
from qiskit_runtime_double.wire.models import format_timestamp

BASE = "http://runtime-double.invalid/api/v1/jobs"
TAGS = ["red", "green", "blue"]


@pytest.fixture(scope="module")
def fake() -> FakeRuntime:
    history = History(weeks=3, jobs_per_day=4, tags=TAGS, sessions=4, seed=12)
    fake = FakeRuntime(seed=12, history=history, executor=NoOpExecutor())
    # Two jobs created at the same instant: the order of equal times must be stable too.
    fake.add_history([PastJob(created=dt.timedelta(days=2)), PastJob(created=dt.timedelta(days=2))])
    return fake


def listing(fake: FakeRuntime, query: list[tuple[str, Any]] | None = None) -> Any:
    url = BASE + ("?" + urlencode(query) if query else "")
    answer = fake.app(HttpRequest("GET", url))
    assert answer.status_code == 200, answer.text
    return json.loads(answer.content)


def expected(fake: FakeRuntime, query: dict[str, Any]) -> tuple[list[str], int]:
    """What the service answers, computed from the fake's records with no code of its own."""
    jobs: list[JobRecord] = list(fake.state.jobs.values())
    if "backend" in query:
        jobs = [j for j in jobs if j.backend == query["backend"]]
    if "program" in query:
        jobs = [j for j in jobs if j.program_id == query["program"]]
    if "pending" in query:
        final = {"Completed", "Failed", "Cancelled"}
        jobs = [j for j in jobs if (j.status not in final) == (query["pending"] == "true")]
    for tag in query.get("tags", []):
        jobs = [j for j in jobs if tag in j.tags]
    if "session_id" in query:
        jobs = [j for j in jobs if j.session_id == query["session_id"]]
    if "created_after" in query:
        jobs = [j for j in jobs if j.created >= query["created_after"]]
    if "created_before" in query:
        jobs = [j for j in jobs if j.created <= query["created_before"]]
    jobs.sort(key=lambda j: (j.created, j.seq), reverse=query.get("sort", "DESC") == "DESC")
    offset, limit = query.get("offset", 0), query.get("limit", 200)
    return [j.id for j in jobs[offset : offset + limit]], len(jobs)


def test_count_is_every_match_and_the_page_is_limit_from_offset(fake: FakeRuntime) -> None:
    total = len(fake.state.jobs)
    page = listing(fake, [("limit", 5), ("offset", 3)])

    assert (page["count"], page["limit"], page["offset"]) == (total, 5, 3)
    assert [job["id"] for job in page["jobs"]] == expected(fake, {"limit": 5, "offset": 3})[0]
    assert all("params" not in job for job in page["jobs"])  # exclude_params defaults to true


def test_an_offset_past_the_end_is_an_empty_page_with_the_full_count(fake: FakeRuntime) -> None:
    total = len(fake.state.jobs)

    page = listing(fake, [("limit", 10), ("offset", total + 50)])

    assert page == {"jobs": [], "count": total, "limit": 10, "offset": total + 50}


@pytest.mark.parametrize(
    ("name", "given", "used"),
    [
        ("limit", "0", 200),
        ("limit", "201", 200),
        ("limit", "-1", 200),
        ("limit", "9" * 5_000, 200),
        ("offset", "-1", 0),
        ("offset", "9" * 5_000, 0),
        ("offset", str(2**31), 0),
    ],
    ids=lambda value: str(value)[:12],
)
def test_a_paging_value_out_of_range_is_replaced_by_the_default(
    fake: FakeRuntime, name: str, given: str, used: int
) -> None:
    page = listing(fake, [(name, given)])

    assert page[name] == used
    assert len(page["jobs"]) == min(len(fake.state.jobs), 200)


def test_a_tags_filter_needs_every_tag(fake: FakeRuntime) -> None:
    both = listing(fake, [("tags", "red"), ("tags", "blue")])
    red = listing(fake, [("tags", "red")])

    assert 0 < both["count"] < red["count"]
    assert all({"red", "blue"} <= set(job["tags"]) for job in both["jobs"])


def test_a_session_filter_lists_the_sessions_jobs_oldest_last(fake: FakeRuntime) -> None:
    session_id = next(j.session_id for j in fake.state.jobs.values() if j.session_id)
    page = listing(fake, [("session_id", session_id)])

    assert page["count"] == 3
    created = [job["created"] for job in page["jobs"]]
    assert created == sorted(created, reverse=True)


queries = st.fixed_dictionaries(
    {},
    optional={
        "backend": st.sampled_from(["generic_5q", "generic_127q", "ibmq_qasm_simulator", "x"]),
        "program": st.sampled_from(["sampler", "estimator"]),
        "pending": st.sampled_from(["true", "false"]),
        "tags": st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
        "after_days": st.integers(0, 25),
        "before_days": st.integers(0, 25),
        "sort": st.sampled_from(["ASC", "DESC"]),
        "limit": st.integers(1, 200),
        "offset": st.integers(0, 150),
        "in_session": st.booleans(),
    },
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=queries)
def test_any_combination_of_filters_and_paging_matches_the_records(
    fake: FakeRuntime, query: dict[str, Any]
) -> None:
    now = fake.now()
    wanted = {
        k: v for k, v in query.items() if k not in ("after_days", "before_days", "in_session")
    }
    sent: list[tuple[str, Any]] = [(k, v) for k, v in wanted.items() if k != "tags"]
    sent += [("tags", tag) for tag in query.get("tags", [])]
    for key, name in (("after_days", "created_after"), ("before_days", "created_before")):
        if key in query:
            when = now - dt.timedelta(days=query[key])
            wanted[name] = when
            sent.append((name, format_timestamp(when)))
    if query.get("in_session"):
        session_id = sorted(j.session_id for j in fake.state.jobs.values() if j.session_id)[0]
        wanted["session_id"] = session_id
        sent.append(("session_id", session_id))

    page = listing(fake, sent)

    ids, count = expected(fake, wanted)
    assert [job["id"] for job in page["jobs"]] == ids
    assert page["count"] == count
