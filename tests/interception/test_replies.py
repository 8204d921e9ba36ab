"""The repairs a replay makes to scrubbed answers, and the live status line's hook."""

from __future__ import annotations

import base64
import json
from typing import Any

from qiskit_runtime_double import HttpRequest, HttpResponse
from qiskit_runtime_double.interception import (
    ProgressReported,
    decodable_tokens,
    instance_restored,
)
from qiskit_runtime_double.progress import JobWait, show_progress

IAM = HttpRequest("POST", "https://iam.cloud.ibm.com/identity/token")
SCRUBBED_IAM = {
    "access_token": "<SCRUBBED>",
    "refresh_token": "<SCRUBBED>",
    "token_type": "Bearer",
    "expires_in": 3600,
    "expiration": 1735725600,
}


def claims(token: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_a_scrubbed_token_becomes_a_jwt_with_the_recorded_lifetime() -> None:
    answer = decodable_tokens(IAM, HttpResponse.from_json(200, SCRUBBED_IAM))

    body = answer.json()
    assert claims(body["access_token"])["iat"] == 1735725600 - 3600
    assert claims(body["access_token"])["exp"] == 1735725600
    assert {k: v for k, v in body.items() if k != "access_token"} == {
        k: v for k, v in SCRUBBED_IAM.items() if k != "access_token"
    }
    again = decodable_tokens(IAM, HttpResponse.from_json(200, SCRUBBED_IAM))
    assert again.content == answer.content  # the same bytes at every replay


def test_real_tokens_and_other_answers_are_left_alone() -> None:
    real = decodable_tokens(IAM, HttpResponse.from_json(200, SCRUBBED_IAM))
    assert decodable_tokens(IAM, real) is real
    jobs = HttpRequest("GET", "https://quantum.cloud.ibm.com/api/v1/jobs")
    answer = HttpResponse.from_json(200, {"access_token": "<SCRUBBED>"})
    assert decodable_tokens(jobs, answer) is answer
    refused = HttpResponse.from_json(400, {"errorCode": "BXNIM0415E"})
    assert decodable_tokens(IAM, refused) is refused


ZEROED = (
    "crn:v1:bluemix:public:quantum-computing:us-east:a/00000000000000000000000000000000:"
    "00000000-0000-0000-0000-000000000000::"
)
MINE = "crn:v1:bluemix:public:quantum-computing:us-east:a/abc:def::"


def test_zeroed_crns_in_search_answers_become_the_accounts() -> None:
    search = HttpRequest(
        "POST", "https://api.global-search-tagging.cloud.ibm.com/v3/resources/search"
    )
    answer = HttpResponse.from_json(200, {"items": [{"crn": ZEROED, "name": "x"}]})

    restored = instance_restored(MINE)(search, answer)

    assert restored.json() == {"items": [{"crn": MINE, "name": "x"}]}
    other_region = ZEROED.replace("us-east", "eu-de")
    answer = HttpResponse.from_json(200, {"items": [{"crn": other_region}]})
    assert instance_restored(MINE)(search, answer) is answer


class Seen:
    def __init__(self) -> None:
        self.updates: list[JobWait] = []
        self.finished: list[JobWait] = []

    def update(self, wait: JobWait) -> None:
        self.updates.append(wait)

    def finish(self, wait: JobWait) -> None:
        self.finished.append(wait)


def test_job_polls_reach_the_status_line() -> None:
    hook = ProgressReported()
    poll = HttpRequest("GET", "https://quantum.cloud.ibm.com/api/v1/jobs/abc?exclude_params=true")
    seen = Seen()
    with show_progress(seen):
        hook(poll, HttpResponse.from_json(200, {"status": "Queued", "backend": "ibm_x"}))
        hook(poll, HttpResponse.from_json(200, {"status": "Completed", "backend": "ibm_x"}))
        hook(HttpRequest("GET", "https://quantum.cloud.ibm.com/api/v1/backends"), HttpResponse(200))

    assert [(w.job_id, w.status, w.backend) for w in seen.updates] == [("abc", "QUEUED", "ibm_x")]
    assert [(w.job_id, w.status) for w in seen.finished] == [("abc", "COMPLETED")]
