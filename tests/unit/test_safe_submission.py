"""A lost or failed job submission never makes two jobs, and never loses one: over every transport.

The idempotency-tag protocol lives in the client (``submission.py``), so it must hold the same
over the in-process fake, a ``MockTransport``, the fake served over loopback HTTP through
``LiveTransport``, and a recording ``CassetteTransport``. Faults are injected on ``POST /jobs``
before the fake handles it (the fake's own ``inject_http_error``, or a dropped request) and after
(the job is created, then the answer is replaced by an error or lost).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import (
    FakeRuntime,
    IBMRuntimeError,
    InProcessTransport,
    MockTransport,
    QiskitRuntimeService,
    TransportError,
    VirtualClock,
)
from qiskit_runtime_double.clock import Clock
from qiskit_runtime_double.http_client.client import RetryPolicy, RuntimeClient
from qiskit_runtime_double.transports.base import Transport
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse
from qiskit_runtime_double.wire.models import JobCreateRequest
from qiskit_runtime_double.wire.submit_keys import KEY_PREFIX

from ..helpers import live_transport

TRANSPORTS = ["inprocess", "mock", "http", "cassette"]
#: (where, what): "before" the fake handles the submission, or "after" it created the job.
FAULTS = [
    ("before", 502),
    ("before", 504),
    ("before", 500),
    ("before", "drop"),
    ("after", 502),
    ("after", 500),
    ("after", "drop"),
]


@dataclass
class Faulty:
    """Wraps a transport; each entry of ``plan`` spoils the next ``POST /jobs``: ``"drop"``
    raises ``TransportError`` instead of sending it, ``"drop-after"`` sends it and loses the
    answer, ``"after:<status>"`` sends it and answers that status instead."""

    inner: Transport
    plan: list[str] = field(default_factory=list)
    posts: int = 0

    @property
    def clock(self) -> Clock:
        return self.inner.clock

    @property
    def base_url(self) -> str:
        return self.inner.base_url

    def handle(self, request: HttpRequest) -> HttpResponse:
        if not (request.method == "POST" and request.path.endswith("/jobs")):
            return self.inner.handle(request)
        self.posts += 1
        action = self.plan.pop(0) if self.plan else None
        if action == "drop":
            raise TransportError("POST /jobs: the connection dropped before it was sent")
        response = self.inner.handle(request)
        if action == "drop-after":
            raise TransportError("POST /jobs: the connection dropped before the answer came")
        if action is not None and action.startswith("after:"):
            status = int(action.split(":")[1])
            return HttpResponse.from_json(status, {"errors": [{"code": "x", "message": "lost"}]})
        return response

    def close(self) -> None:
        self.inner.close()


@dataclass
class Setup:
    fake: FakeRuntime
    faulty: Faulty
    service: QiskitRuntimeService
    cassette: Path | None = None


POLICY = RetryPolicy(retries=3, backoff=0.5, lookup_delay=1.0)


@pytest.fixture(params=TRANSPORTS)
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    fake = FakeRuntime(seed=3)
    instance = fake.plan.instance
    kind = request.param
    if kind == "http":
        with fake.serve(pace="manual") as server:
            live = live_transport(server, "safe-submission-test-key")
            faulty = Faulty(live)
            service = QiskitRuntimeService(transport=faulty, instance=instance, retry=POLICY)
            yield Setup(fake, faulty, service)
            service.close()
        return
    cassette = None
    inner: Transport
    if kind == "mock":
        inner = MockTransport(fake.app, clock=fake.clock, probe=fake.simulation)
    else:
        inner = InProcessTransport(fake.app)
    faulty = Faulty(inner)
    outer: Transport = faulty
    if kind == "cassette":
        cassette = tmp_path / "submission.yaml"
        outer = CassetteTransport(cassette, "record", inner=faulty)
    service = QiskitRuntimeService(transport=outer, instance=instance, retry=POLICY)
    yield Setup(fake, faulty, service, cassette)
    service.close()


def _circuit() -> QuantumCircuit:
    circuit = QuantumCircuit(1)
    circuit.measure_all()
    return circuit


INPUTS = {"pubs": [[_circuit(), np.zeros((0,)), 10]], "options": {}, "version": 2}


def run(service: QiskitRuntimeService) -> str:
    options = {"backend": "ibmq_qasm_simulator", "job_tags": ["mine"]}
    return service.run("sampler", INPUTS, options=options).job_id()


def inject(setup: Setup, where: str, what: int | str) -> None:
    if where == "before" and isinstance(what, int):
        setup.fake.inject_http_error("create_job", what)
    elif where == "before":
        setup.faulty.plan.append("drop")
    elif what == "drop":
        setup.faulty.plan.append("drop-after")
    else:
        setup.faulty.plan.append(f"after:{what}")


@pytest.mark.parametrize(("where", "what"), FAULTS, ids=[f"{w}-{x}" for w, x in FAULTS])
def test_one_fault_on_submission_still_makes_exactly_one_job(
    setup: Setup, where: str, what: int | str
) -> None:
    inject(setup, where, what)

    job_id = run(setup.service)

    assert list(setup.fake.state.jobs) == [job_id]
    assert setup.fake.job(job_id).tags[0] == "mine"
    assert setup.fake.job(job_id).tags[1].startswith(KEY_PREFIX)
    # Resent only when the lookup showed the first attempt created nothing.
    assert setup.faulty.posts == (2 if where == "before" else 1)
    assert setup.service.job(job_id).tags == ["mine"]  # the key never shows
    assert [job.tags for job in setup.service.jobs()] == [["mine"]]


def test_a_storm_ends_in_a_clear_error_and_no_job(setup: Setup) -> None:
    setup.fake.inject_http_error("create_job", 502, times=None)

    with pytest.raises(IBMRuntimeError, match=r"502.*no job was created.*submitting again is safe"):
        run(setup.service)

    assert setup.fake.state.jobs == {}
    assert setup.faulty.posts == POLICY.retries + 1


def test_a_lost_answer_that_cannot_be_checked_names_the_tag(setup: Setup) -> None:
    setup.faulty.plan.append("drop-after")
    setup.fake.inject_http_error("list_jobs", 404, times=None)

    with pytest.raises(TransportError, match="could not be checked") as caught:
        run(setup.service)

    (job,) = setup.fake.state.jobs.values()
    assert str(job.tags[1]) in str(caught.value)  # the user can look the job up by it
    assert setup.faulty.posts == 1


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_recorded_recovery_replays_offline(tmp_path: Path, where: str) -> None:
    fake = FakeRuntime(seed=3)
    path = tmp_path / "recovery.yaml"
    faulty = Faulty(InProcessTransport(fake.app))
    if where == "before":
        fake.inject_http_error("create_job", 502)
    else:
        faulty.plan.append("after:502")
    recorder = CassetteTransport(path, "record", inner=faulty)
    with QiskitRuntimeService(transport=recorder, retry=POLICY) as service:
        recorded = run(service)
        assert service.job(recorded).tags == ["mine"]

    # New random tags in the replay: matching ignores them, and the replayed lookup answers
    # with the replaying submission's tag, so the recovery happens again, with no network.
    with QiskitRuntimeService(transport=CassetteTransport(path), retry=POLICY) as service:
        assert run(service) == recorded
        assert service.job(recorded).tags == ["mine"]


def test_a_full_tag_quota_resends_without_the_key() -> None:
    sent: list[list[str]] = []

    def refuse_keyed(request: HttpRequest) -> HttpResponse:
        tags = json.loads(request.content).get("tags", [])
        sent.append(tags)
        if any(tag.startswith(KEY_PREFIX) for tag in tags):
            return HttpResponse.from_json(400, {"errors": [{"code": "1204", "message": "tags"}]})
        return HttpResponse.from_json(200, {"id": "job-x"})

    client = RuntimeClient(
        MockTransport(refuse_keyed, clock=VirtualClock()), submit_key=lambda: "qrd-submit-k"
    )

    created = client.submit_job(JobCreateRequest(program_id="sampler", params={}, tags=["a"]))
    assert created.id == "job-x"
    assert sent == [["a", "qrd-submit-k"], ["a"]]


def test_without_a_key_a_lost_submission_is_never_resent() -> None:
    posts: list[HttpRequest] = []

    def refuse_keyed_then_drop(request: HttpRequest) -> HttpResponse:
        posts.append(request)
        if KEY_PREFIX.encode() in request.content:
            return HttpResponse.from_json(400, {"errors": [{"code": "1204", "message": "tags"}]})
        raise TransportError("the connection dropped")

    service = QiskitRuntimeService(
        transport=MockTransport(refuse_keyed_then_drop, clock=VirtualClock())
    )
    with pytest.raises(TransportError, match=r"carried no idempotency tag.*not sent again"):
        service.run("sampler", {}, options={"job_tags": ["a"]})
    assert len(posts) == 2  # the keyed one (refused), the plain one (lost): never a third
