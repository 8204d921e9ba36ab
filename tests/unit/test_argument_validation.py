"""Python API arguments are checked where they enter, before any request is sent.

Each row calls a public method with one bad argument and expects a given exception type whose
message names the argument. Wrong types raise ``IBMInputTypeError`` (both a ``TypeError``, as the
official client and qiskit raise for them, and an ``IBMInputValueError``); wrong values raise
``IBMInputValueError`` (a ``ValueError``). Every row also checks that nothing reached the service.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import (
    Batch,
    EstimatorOptions,
    EstimatorV2,
    FakeRuntime,
    IBMInputTypeError,
    IBMInputValueError,
    MockTransport,
    Options,
    QiskitRuntimeService,
    RuntimeBackend,
    RuntimeJob,
    Sampler,
    SamplerOptions,
    SamplerV2,
    Session,
)
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse
from qiskit_runtime_double.wire.models import MAX_JOB_TAGS, MAX_TAG_LENGTH


@dataclass
class World:
    """A fake behind a transport that records every request; one backend and one finished job."""

    fake: FakeRuntime
    service: QiskitRuntimeService
    backend: RuntimeBackend
    isa: QuantumCircuit
    job: RuntimeJob
    requests: list[HttpRequest] = field(default_factory=list)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    fake = FakeRuntime(seed=3)
    sent: list[HttpRequest] = []

    def forward(request: HttpRequest) -> HttpResponse:
        sent.append(request)
        return fake.app(request)

    service = QiskitRuntimeService(
        transport=MockTransport(forward, clock=fake.clock, probe=fake.simulation),
        instance=fake.plan.instance,
    )
    backend = service.backend("generic_5q")
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    isa = generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)
    job = SamplerV2(mode=backend).run([isa], shots=10)
    job.result()
    yield World(fake, service, backend, isa, job, sent)
    service.close()


Call = Callable[[World], Any]
TYPE, VALUE = IBMInputTypeError, IBMInputValueError
TOO_MANY = ["t"] * (MAX_JOB_TAGS + 1)
TOO_LONG = ["x" * (MAX_TAG_LENGTH + 1)]
TEN_MIB = ["x" * (10 * 1024 * 1024)]
TEN_THOUSAND = [f"t{i}" for i in range(10_000)]
NAN, INF = float("nan"), float("inf")


def _observable(w: World) -> Any:
    from qiskit.quantum_info import SparsePauliOp

    return SparsePauliOp("Z" * w.isa.num_qubits)


def _run_options(**options: Any) -> Call:
    return lambda w: w.service.run("sampler", {}, options, backend_name="generic_5q")


def _set_option(options: SamplerOptions | EstimatorOptions, name: str, value: Any) -> None:
    setattr(options, name, value)


CASES: list[tuple[str, Call, type[Exception], str]] = [
    # --- service.job / delete_job ------------------------------------------------------------
    ("job empty id", lambda w: w.service.job(""), VALUE, "job_id"),
    ("job None id", lambda w: w.service.job(None), TYPE, "job_id"),
    ("job int id", lambda w: w.service.job(123), TYPE, "job_id"),
    ("delete_job empty id", lambda w: w.service.delete_job(""), VALUE, "job_id"),
    # --- service.jobs filters -------------------------------------------------------------------
    (
        "jobs created_after str",
        lambda w: w.service.jobs(created_after="yesterday"),
        TYPE,
        "created_after",
    ),
    (
        "jobs created_before str",
        lambda w: w.service.jobs(created_before="2025-01-01"),
        TYPE,
        "created_before",
    ),
    (
        "jobs created_after date",
        lambda w: w.service.jobs(created_after=dt.date(2025, 1, 1)),
        TYPE,
        "created_after",
    ),
    ("jobs limit negative", lambda w: w.service.jobs(limit=-1), VALUE, "limit"),
    ("jobs limit float", lambda w: w.service.jobs(limit=1.5), TYPE, "limit"),
    ("jobs limit bool", lambda w: w.service.jobs(limit=True), TYPE, "limit"),
    ("jobs skip negative", lambda w: w.service.jobs(skip=-1), VALUE, "skip"),
    ("jobs skip str", lambda w: w.service.jobs(skip="0"), TYPE, "skip"),
    ("jobs job_tags str", lambda w: w.service.jobs(job_tags="abc"), TYPE, "job_tags"),
    ("jobs job_tags of ints", lambda w: w.service.jobs(job_tags=[1]), TYPE, "job_tags"),
    ("jobs pending str", lambda w: w.service.jobs(pending="yes"), TYPE, "pending"),
    ("jobs descending str", lambda w: w.service.jobs(descending="no"), TYPE, "descending"),
    ("jobs backend_name int", lambda w: w.service.jobs(backend_name=5), TYPE, "backend_name"),
    ("jobs program_id int", lambda w: w.service.jobs(program_id=5), TYPE, "program_id"),
    ("jobs session_id int", lambda w: w.service.jobs(session_id=5), TYPE, "session_id"),
    # --- service.run ----------------------------------------------------------------------------
    ("run empty program", lambda w: w.service.run("", {}), VALUE, "program_id"),
    ("run int program", lambda w: w.service.run(5, {}), TYPE, "program_id"),
    (
        "run backend_name int",
        lambda w: w.service.run("sampler", {}, backend_name=5),
        TYPE,
        "backend_name",
    ),
    ("run job_tags str", _run_options(job_tags="abc"), TYPE, "job_tags"),
    ("run tags str", _run_options(tags="abc"), TYPE, "tags"),
    ("run job_tags empty tag", _run_options(job_tags=[""]), VALUE, "job_tags"),
    ("run too many tags", _run_options(job_tags=TOO_MANY), VALUE, "job_tags"),
    ("run 10,000 tags", _run_options(job_tags=TEN_THOUSAND), VALUE, "job_tags"),
    ("run too long tag", _run_options(job_tags=TOO_LONG), VALUE, "job_tags"),
    ("run 10 MiB tag", _run_options(job_tags=TEN_MIB), VALUE, "job_tags"),
    (
        "run max_execution_time float",
        _run_options(max_execution_time=1.5),
        TYPE,
        "max_execution_time",
    ),
    (
        "run max_execution_time zero",
        _run_options(max_execution_time=0),
        VALUE,
        "max_execution_time",
    ),
    ("run private str", _run_options(private="yes"), TYPE, "private"),
    ("run log_level int", _run_options(log_level=10), TYPE, "log_level"),
    # --- SamplerV2 ------------------------------------------------------------------------------
    (
        "sampler shots float",
        lambda w: SamplerV2(mode=w.backend).run([w.isa], shots=1.5),
        TYPE,
        "shots",
    ),
    (
        "sampler shots str",
        lambda w: SamplerV2(mode=w.backend).run([w.isa], shots="100"),
        TYPE,
        "shots",
    ),
    (
        "sampler shots bool",
        lambda w: SamplerV2(mode=w.backend).run([w.isa], shots=True),
        TYPE,
        "shots",
    ),
    (
        "sampler shots zero",
        lambda w: SamplerV2(mode=w.backend).run([w.isa], shots=0),
        VALUE,
        "shots",
    ),
    (
        "sampler shots negative",
        lambda w: SamplerV2(mode=w.backend).run([w.isa], shots=-5),
        VALUE,
        "shots",
    ),
    (
        "sampler pub shots float",
        lambda w: SamplerV2(mode=w.backend).run([(w.isa, None, 1.5)]),
        TYPE,
        "shots",
    ),
    (
        "sampler pub shots zero",
        lambda w: SamplerV2(mode=w.backend).run([(w.isa, None, 0)]),
        VALUE,
        "shots",
    ),
    ("sampler a bare circuit", lambda w: SamplerV2(mode=w.backend).run(w.isa), VALUE, "pubs"),
    ("sampler pubs not iterable", lambda w: SamplerV2(mode=w.backend).run(5), TYPE, "pubs"),
    # Issue 17, point 8: a dict pub was a KeyError from qiskit, a str an AttributeError.
    (
        "sampler a dict pub",
        lambda w: SamplerV2(mode=w.backend).run([{"circuit": w.isa}]),
        TYPE,
        "A sampler pub is a circuit or a tuple",
    ),
    ("sampler a str pub", lambda w: SamplerV2(mode=w.backend).run(["abc"]), TYPE, "pubs[0]"),
    (
        "sampler a tuple without a circuit",
        lambda w: SamplerV2(mode=w.backend).run([(None, w.isa)]),
        TYPE,
        "pubs[0]",
    ),
    (
        "estimator a dict pub",
        lambda w: EstimatorV2(mode=w.backend).run([{"circuit": w.isa}]),
        TYPE,
        "An estimator pub is a tuple",
    ),
    (
        "sampler default_shots float",
        lambda w: SamplerV2(options={"default_shots": 1.5}),
        TYPE,
        "default_shots",
    ),
    (
        "sampler default_shots str",
        lambda w: _set_option(SamplerOptions(), "default_shots", "100"),
        TYPE,
        "default_shots",
    ),
    (
        "sampler job_tags too many",
        lambda w: _set_option(SamplerOptions(), "job_tags", TOO_MANY),
        VALUE,
        "job_tags",
    ),
    ("sampler job_tags str", lambda w: SamplerV2(options={"job_tags": "abc"}), TYPE, "job_tags"),
    (
        "sampler max_execution_time float",
        lambda w: SamplerV2(options={"max_execution_time": 2.5}),
        TYPE,
        "max_execution_time",
    ),
    (
        "sampler seed float",
        lambda w: SamplerV2(options={"seed_simulator": 1.5}),
        TYPE,
        "seed_simulator",
    ),
    # --- EstimatorV2 ----------------------------------------------------------------------------
    (
        "estimator precision NaN",
        lambda w: EstimatorV2(mode=w.backend).run([(w.isa, _observable(w))], precision=NAN),
        VALUE,
        "precision",
    ),
    (
        "estimator precision inf",
        lambda w: EstimatorV2(mode=w.backend).run([(w.isa, _observable(w))], precision=INF),
        VALUE,
        "precision",
    ),
    (
        "estimator precision zero",
        lambda w: EstimatorV2(mode=w.backend).run([(w.isa, _observable(w))], precision=0.0),
        VALUE,
        "precision",
    ),
    (
        "estimator precision negative",
        lambda w: EstimatorV2(mode=w.backend).run([(w.isa, _observable(w))], precision=-0.1),
        VALUE,
        "precision",
    ),
    (
        "estimator precision str",
        lambda w: EstimatorV2(mode=w.backend).run([(w.isa, _observable(w))], precision="0.1"),
        TYPE,
        "precision",
    ),
    (
        "estimator pub precision NaN",
        lambda w: EstimatorV2(mode=w.backend).run([(w.isa, _observable(w), None, NAN)]),
        VALUE,
        "precision",
    ),
    (
        "estimator pub precision zero",
        lambda w: EstimatorV2(mode=w.backend).run([(w.isa, _observable(w), None, 0.0)]),
        VALUE,
        "precision",
    ),
    (
        "estimator default_precision NaN",
        lambda w: EstimatorV2(options={"default_precision": NAN}),
        VALUE,
        "default_precision",
    ),
    (
        "estimator default_precision inf",
        lambda w: _set_option(EstimatorOptions(), "default_precision", INF),
        VALUE,
        "default_precision",
    ),
    (
        "estimator default_precision str",
        lambda w: EstimatorV2(options={"default_precision": "0.1"}),
        TYPE,
        "default_precision",
    ),
    # --- seed-era primitives --------------------------------------------------------------------
    (
        "seed sampler shots float",
        lambda w: Sampler(backend=w.backend).run(w.isa, shots=1.5),
        TYPE,
        "shots",
    ),
    (
        "seed sampler shots str",
        lambda w: Sampler(backend=w.backend).run(w.isa, shots="100"),
        TYPE,
        "shots",
    ),
    (
        "seed options shots float",
        lambda w: Options(execution={"shots": 1.5}),
        TYPE,
        "execution.shots",
    ),
    (
        "seed options job_tags too long",
        lambda w: Options(environment={"job_tags": TOO_LONG}),
        VALUE,
        "environment.job_tags",
    ),
    (
        "seed options max_execution_time str",
        lambda w: Options(max_execution_time="1h"),
        TYPE,
        "max_execution_time",
    ),
    # --- Session / Batch ------------------------------------------------------------------------
    (
        "session service str",
        lambda w: Session(service="svc", backend="generic_5q"),
        TYPE,
        "service",
    ),
    ("session backend int", lambda w: Session(service=w.service, backend=5), TYPE, "backend"),
    (
        "session max_time word",
        lambda w: Session(service=w.service, max_time="soon"),
        VALUE,
        "max_time",
    ),
    ("batch max_time float", lambda w: Batch(service=w.service, max_time=1.5), TYPE, "max_time"),
    (
        "session from_id empty",
        lambda w: Session.from_id("", service=w.service),
        VALUE,
        "session_id",
    ),
    ("session from_id int", lambda w: Session.from_id(7, service=w.service), TYPE, "session_id"),
    (
        "session run options list",
        lambda w: Session(service=w.service, backend="generic_5q").run("sampler", {}, ["x"]),
        TYPE,
        "options",
    ),
    # --- the service's constructor and backends -------------------------------------------------
    ("service fake not a fake", lambda w: QiskitRuntimeService(fake="fake"), TYPE, "fake"),
    (
        "service transport not a transport",
        lambda w: QiskitRuntimeService(transport=object()),
        TYPE,
        "transport",
    ),
    (
        "service token int",
        lambda w: QiskitRuntimeService(token=123, instance="crn:x"),
        TYPE,
        "token",
    ),
    (
        "backends min_num_qubits str",
        lambda w: w.service.backends(min_num_qubits="5"),
        TYPE,
        "min_num_qubits",
    ),
    ("backends simulator str", lambda w: w.service.backends(simulator="no"), TYPE, "simulator"),
    (
        "least_busy min_num_qubits float",
        lambda w: w.service.least_busy(min_num_qubits=2.5),
        TYPE,
        "min_num_qubits",
    ),
    (
        "run callback not callable",
        lambda w: w.service.run("sampler", {}, backend_name="generic_5q", callback="print"),
        TYPE,
        "callback",
    ),
    # --- primitives' mode and options -----------------------------------------------------------
    ("sampler mode str", lambda w: SamplerV2(mode="generic_5q"), TYPE, "mode"),
    ("estimator mode int", lambda w: EstimatorV2(mode=5), TYPE, "mode"),
    ("sampler options list", lambda w: SamplerV2(options=["default_shots"]), TYPE, "options"),
    # --- jobs -----------------------------------------------------------------------------------
    # Issue 17, point 8: a string timeout was a bare TypeError from a comparison.
    ("result timeout str", lambda w: w.job.result(timeout="5"), TYPE, "timeout"),
    ("result timeout bool", lambda w: w.job.result(timeout=True), TYPE, "timeout"),
    ("result timeout nan", lambda w: w.job.result(timeout=NAN), VALUE, "timeout"),
    ("wait timeout negative", lambda w: w.job.wait_for_final_state(timeout=-1), VALUE, "timeout"),
    ("update_tags str", lambda w: w.job.update_tags("abc"), TYPE, "new_tags"),
    ("update_tags too many", lambda w: w.job.update_tags(TOO_MANY), VALUE, "new_tags"),
    ("update_tags 10 MiB tag", lambda w: w.job.update_tags(TEN_MIB), VALUE, "new_tags"),
]


@pytest.mark.parametrize(
    ("call", "expected", "name"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_bad_argument_raises_naming_it_and_sends_nothing(
    world: World, call: Call, expected: type[Exception], name: str
) -> None:
    before = len(world.requests)
    with pytest.raises(expected) as caught:
        call(world)
    message = str(caught.value)
    assert re.search(rf"(?<![\w]){re.escape(name)}(?!\w)", message), message
    if expected is TYPE:
        assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)
    assert len(world.requests) == before, "a bad argument must not reach the service"


def test_tag_limit_messages_state_the_limit(world: World) -> None:
    with pytest.raises(IBMInputValueError, match=rf"at most {MAX_JOB_TAGS} tags"):
        world.job.update_tags(TOO_MANY)
    with pytest.raises(IBMInputValueError, match=rf"at most {MAX_TAG_LENGTH} characters"):
        world.job.update_tags(TOO_LONG)


def test_a_created_after_string_says_to_pass_a_datetime(world: World) -> None:
    with pytest.raises(TypeError, match="datetime"):
        world.service.jobs(created_after="yesterday")


# --- what stays accepted --------------------------------------------------------------------------


def test_numpy_integer_shots_are_sent_as_plain_ints(world: World) -> None:
    job = SamplerV2(mode=world.backend).run([world.isa], shots=np.int64(7))
    pubs = world.fake.job(job.job_id()).params["pubs"]
    assert pubs[0][2] == 7 and type(pubs[0][2]) is int
    assert job.result()[0].data.meas.num_shots == 7


def test_numpy_precision_and_limits_at_the_edge_are_accepted(world: World) -> None:
    options = EstimatorOptions(default_precision=np.float64(0.25), default_shots=np.int32(64))
    assert options.default_precision == 0.25 and type(options.default_precision) is float
    assert options.default_shots == 64 and type(options.default_shots) is int
    job = EstimatorV2(mode=world.backend).run([(world.isa, _observable(world))], precision=0.5)
    assert math.isclose(world.fake.job(job.job_id()).params["pubs"][0][3], 0.5)
    edge = [f"{i}".rjust(MAX_TAG_LENGTH, "x") for i in range(MAX_JOB_TAGS)]
    assert world.job.update_tags(edge) == edge
    assert world.service.jobs(limit=0) == []
    assert world.service.jobs(
        created_after=dt.datetime(2000, 1, 1), job_tags=edge, limit=np.int64(1)
    )
