"""Safe job submission over HTTP: the client's tag protocol against a stub that loses answers.

The protocol itself is the client's (``http_client/submission.py``; over every transport in
``tests/unit/test_submission_transports.py``); these tests drive it through ``LiveTransport``
with faults only real HTTP has (a connection closed after the job was created), and check that
the transport stays plain: it sends what the client built and returns what came back.
"""

from __future__ import annotations

import json

import pytest

from qiskit_runtime_double import IBMRuntimeError, TransportError
from qiskit_runtime_double.wire.http import Headers, HttpRequest

from .http_stub import InstantClock, Stub, keys, live, over, submit


def test_a_lost_answer_after_creation_recovers_the_one_job(stub: Stub) -> None:
    stub.faults["POST /jobs"] = ["drop-after"]
    clock = InstantClock()
    service = over(live(stub, clock=clock), lookup_delay=2.5)

    job_id = submit(service)

    assert [job["id"] for job in stub.jobs] == [job_id]
    assert stub.count("POST /jobs") == 1
    (lookup,) = [s for s in stub.seen if s.route == "GET /jobs"]
    assert lookup.query["tags"] == keys(stub)
    assert clock.slept == [2.5]  # the lookup waited for the job list to catch up
    assert stub.jobs[0]["tags"] == ["mine", *keys(stub)]
    assert service.job(job_id).tags == ["mine"]  # the key stays the client's business
    assert [j.tags for j in service.jobs()] == [["mine"]]


@pytest.mark.parametrize("fault", ["drop", 500, 524])
def test_a_lost_submission_that_created_nothing_is_sent_again(stub: Stub, fault: int | str) -> None:
    stub.faults["POST /jobs"] = [fault]
    service = over(live(stub))

    job_id = submit(service)

    assert [job["id"] for job in stub.jobs] == [job_id]
    assert stub.count("POST /jobs") == 2
    first, second = keys(stub)
    assert first == second  # the resubmission carries the same key


def test_an_error_status_after_creation_recovers_the_job(stub: Stub) -> None:
    stub.faults["POST /jobs"] = ["after:500"]
    job_id = submit(over(live(stub)))

    assert [job["id"] for job in stub.jobs] == [job_id]
    assert stub.count("POST /jobs") == 1


def test_a_502_storm_gives_up_after_the_retries_and_says_nothing_was_created(stub: Stub) -> None:
    stub.storms["POST /jobs"] = 502
    with pytest.raises(IBMRuntimeError, match=r"Failed to run program: 502.*no job was created"):
        submit(over(live(stub), retries=2))

    assert stub.jobs == []
    assert stub.count("POST /jobs") == 3  # the first try and two retries, each checked
    assert stub.count("GET /jobs") == 3
    assert len(set(keys(stub))) == 1


def test_when_the_check_is_impossible_it_says_so_and_names_the_tag(stub: Stub) -> None:
    stub.storms["POST /jobs"] = "drop-after"
    stub.storms["GET /jobs"] = 503
    with pytest.raises(TransportError, match="could not be checked") as caught:
        submit(over(live(stub)))

    (key,) = set(keys(stub))
    assert key in str(caught.value)
    assert stub.count("POST /jobs") == 1 and len(stub.jobs) == 1


def test_a_503_or_429_is_left_to_the_back_off_without_a_lookup(stub: Stub) -> None:
    stub.faults["POST /jobs"] = [503, 429]
    job_id = submit(over(live(stub)))

    assert [job["id"] for job in stub.jobs] == [job_id]
    assert stub.count("POST /jobs") == 3 and stub.count("GET /jobs") == 0


def test_the_transport_is_plain_it_neither_tags_nor_strips_nor_resends(stub: Stub) -> None:
    transport = live(stub)
    body = json.dumps({"program_id": "sampler", "params": {}, "tags": ["qrd-submit-abc"]})
    headers = Headers({"Content-Type": "application/json"})
    created = transport.handle(
        HttpRequest("POST", transport.base_url + "/jobs", headers, body.encode())
    )
    job_id = created.json()["id"]
    read = transport.handle(HttpRequest("GET", f"{transport.base_url}/jobs/{job_id}"))

    assert keys(stub) == ["qrd-submit-abc"]  # exactly the client's body, nothing added
    assert read.json()["tags"] == ["qrd-submit-abc"]  # and the answer as it came

    stub.faults["POST /jobs"] = ["drop-after"]
    with pytest.raises(TransportError, match="dropped"):
        transport.handle(HttpRequest("POST", transport.base_url + "/jobs", headers, body.encode()))
    assert stub.count("POST /jobs") == 2 and stub.count("GET /jobs") == 0
