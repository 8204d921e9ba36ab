"""Safe job submission through ``LiveTransport``: lost answers never duplicate or lose a job."""

from __future__ import annotations

import json

import pytest

from qiskit_runtime_double import IBMRuntimeError, TransportError
from qiskit_runtime_double.transports.submit import KEY_PREFIX, SafeSubmitter
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

from .http_stub import InstantClock, Stub, keys, live, over, submit


def test_a_lost_answer_after_creation_recovers_the_one_job(stub: Stub) -> None:
    stub.faults["POST /jobs"] = ["drop-after"]
    clock = InstantClock()
    service = over(live(stub, clock=clock, recovery_delay=2.5))

    job_id = submit(service)

    assert [job["id"] for job in stub.jobs] == [job_id]
    assert stub.count("POST /jobs") == 1
    (lookup,) = [s for s in stub.seen if s.route == "GET /jobs"]
    assert lookup.query["tags"] == keys(stub)
    assert clock.slept == [2.5]
    assert stub.jobs[0]["tags"] == ["mine", *keys(stub)]
    assert service.job(job_id).tags == ["mine"]  # the key stays the transport's business
    assert [j.tags for j in service.jobs()] == [["mine"]]


@pytest.mark.parametrize("fault", ["drop", 500, 524])
def test_a_lost_submission_that_created_nothing_is_sent_again_once(
    stub: Stub, fault: int | str
) -> None:
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


def test_a_502_storm_gives_up_after_the_clients_retries_and_creates_nothing(stub: Stub) -> None:
    stub.storms["POST /jobs"] = 502
    with pytest.raises(IBMRuntimeError, match="Failed to run program: 502"):
        submit(over(live(stub), retries=2))

    assert stub.jobs == []
    assert stub.count("POST /jobs") == 2 * 3  # each client attempt: send, check, resend, check
    assert stub.count("GET /jobs") == 2 * 3


def test_when_the_check_is_impossible_it_says_so_and_names_the_tag(stub: Stub) -> None:
    stub.storms["POST /jobs"] = "drop-after"
    stub.storms["GET /jobs"] = 503
    with pytest.raises(TransportError, match="could not be checked") as caught:
        submit(over(live(stub)))

    (key,) = set(keys(stub))
    assert key in str(caught.value)
    assert stub.count("POST /jobs") == 1 and len(stub.jobs) == 1


def test_a_full_tag_quota_resends_without_the_key() -> None:
    sent: list[list[str]] = []

    def refuse_keyed(request: HttpRequest) -> HttpResponse:
        tags = json.loads(request.content).get("tags", [])
        sent.append(tags)
        if any(tag.startswith(KEY_PREFIX) for tag in tags):
            return HttpResponse.from_json(400, {"errors": [{"code": "1204", "message": "tags"}]})
        return HttpResponse.from_json(200, {"id": "job-x"})

    submitter = SafeSubmitter(
        refuse_keyed, clock=InstantClock(), key_factory=lambda: "qrd-submit-k"
    )
    body = json.dumps({"program_id": "sampler", "params": {}, "tags": ["a"]}).encode()
    answer = submitter.submit(
        HttpRequest("POST", "http://127.0.0.1:1/api/v1/jobs", Headers(), body)
    )

    assert answer.json() == {"id": "job-x"}
    assert sent == [["a", "qrd-submit-k"], ["a"]]


def test_without_safe_submit_a_lost_answer_is_an_error_and_never_resent(stub: Stub) -> None:
    stub.faults["POST /jobs"] = ["drop-after"]
    with pytest.raises(TransportError, match="dropped"):
        submit(over(live(stub, safe_submit=False)))

    assert len(stub.jobs) == 1 and stub.count("POST /jobs") == 1 and keys(stub) == []


def test_a_503_or_429_is_left_to_the_clients_back_off_without_a_lookup(stub: Stub) -> None:
    stub.faults["POST /jobs"] = [503, 429]
    job_id = submit(over(live(stub)))

    assert [job["id"] for job in stub.jobs] == [job_id]
    assert stub.count("POST /jobs") == 3 and stub.count("GET /jobs") == 0
