"""Programs on the fake: the 2023 built-in ones, users' own, and their interim results."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from qiskit.result import Result

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, Session
from qiskit_runtime_double.errors import (
    IBMRuntimeError,
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
    RuntimeProgramNotFound,
)
from qiskit_runtime_double.fake.core import programs as programs_module
from qiskit_runtime_double.fake.core.executor import NoOpExecutor
from qiskit_runtime_double.fake.core.programs import ProgramBackend, ProgramWorkload, interim_times
from qiskit_runtime_double.transports.inprocess import InProcessTransport
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import HttpRequest
from qiskit_runtime_double.wire.vocabulary import BUILTIN_PROGRAM_IDS, SCHEMA_PROGRAM_IDS

from ..helpers import bell

FIVE = "generic_5q"
SIMULATOR = "ibmq_qasm_simulator"


def service_of(fake: FakeRuntime) -> QiskitRuntimeService:
    return QiskitRuntimeService(fake=fake)


def echo(backend: ProgramBackend, user_messenger: Any, **inputs: Any) -> Any:
    """A user program: publishes each of ``messages``, returns ``answer``."""
    for message in inputs.get("messages", []):
        user_messenger.publish(message)
    return inputs.get("answer", "done")


# --- the programs a fake lists ----------------------------------------------------------------


def test_the_2023_programs_are_listed_with_their_specs() -> None:
    client = service_of(FakeRuntime()).client
    listed = client.list_programs()
    assert [p.id for p in listed.programs] == [*BUILTIN_PROGRAM_IDS, *SCHEMA_PROGRAM_IDS]
    assert listed.count == len(BUILTIN_PROGRAM_IDS) + len(SCHEMA_PROGRAM_IDS)
    assert [p.id for p in client.list_programs(limit=2, offset=1).programs] == [
        "estimator",
        "circuit-runner",
    ]
    hello = client.program("hello-world")
    assert hello.cost == 300 and hello.spec.backend_requirements == {"min_num_qubits": 5}
    parameters = hello.spec.parameters or {}
    assert parameters["required"] == ["iterations"]
    assert parameters["properties"]["iterations"]["type"] == "integer"
    assert set((hello.spec.interim_results or {})["properties"]) == {"iteration", "counts"}
    assert (client.program("sampler").spec.parameters or {})["required"] == ["circuits"]


def test_an_unknown_program_is_not_found_when_read_or_run() -> None:
    service = service_of(FakeRuntime())
    with pytest.raises(RuntimeProgramNotFound, match=r"my-program.*register_program"):
        service.client.program("my-program")
    with pytest.raises(RuntimeProgramNotFound, match="my-program"):
        service.run("my-program", {}, backend_name=SIMULATOR)


# --- the built-in programs ----------------------------------------------------------------------


def test_hello_world_publishes_its_iterations_in_order_within_its_run() -> None:
    fake = FakeRuntime(seed=3)
    job = service_of(fake).run("hello-world", {"iterations": 3}, backend_name=FIVE)
    assert job.result() == "Hello, World!"
    record = fake.job(job.job_id())
    times = [at for at, _ in record.interim_results]
    assert record.running_at is not None and record.finished_at is not None
    assert record.running_at < times[0] < times[1] < times[2] < record.finished_at
    published = job.interim_results()
    assert [message["iteration"] for message in published] == [0, 1, 2]
    assert all(sum(message["counts"].values()) == 4000 for message in published)
    assert record.cost == 300  # the program's maximum execution time


def test_a_program_job_is_reproducible_from_the_fakes_seed() -> None:
    def run() -> list[Any]:
        job = service_of(FakeRuntime(seed=9)).run(
            "hello-world", {"iterations": 2}, None, backend_name=FIVE
        )
        job.wait_for_final_state()
        return job.interim_results()

    assert run() == run()


def test_circuit_runner_returns_a_qiskit_result() -> None:
    service = service_of(FakeRuntime())
    job = service.run(
        "circuit-runner", {"circuits": [bell(), bell(3)], "shots": 300}, backend_name=SIMULATOR
    )
    result = job.result()
    assert isinstance(result, Result) and result.backend_name == SIMULATOR
    assert set(result.get_counts(0)) <= {"00", "11"} and sum(result.get_counts(0).values()) == 300
    assert set(result.get_counts(1)) <= {"000", "111"}


def test_circuit_runner_refuses_pulse_scheduling_by_failing_the_job() -> None:
    service = service_of(FakeRuntime())
    inputs = {"circuits": bell(), "schedule_circuit": True}
    job = service.run("circuit-runner", inputs, backend_name=SIMULATOR)
    with pytest.raises(RuntimeJobFailureError, match="pulse schedules"):
        job.result()


def test_qasm3_runner_runs_openqasm_3_source() -> None:
    source = 'OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; bit[1] c; x q[0]; c = measure q;'
    job = service_of(FakeRuntime()).run(
        "qasm3-runner", {"circuits": source, "shots": 50}, backend_name=SIMULATOR
    )
    assert job.result().get_counts() == {"1": 50}


def test_a_program_needing_more_qubits_than_the_backend_is_refused_at_submission() -> None:
    fake = FakeRuntime([FIVE])
    fake.register_program("big", echo, backend_requirements={"min_num_qubits": 6})
    with pytest.raises(IBMRuntimeError, match="at least 6 qubits; generic_5q has 5"):
        service_of(fake).run("big", {}, backend_name=FIVE)
    assert fake.state.jobs == {}


# --- users' programs ------------------------------------------------------------------------------


def test_a_registered_program_runs_in_a_session_and_calls_back_in_order() -> None:
    fake = FakeRuntime(seed=1)
    fake.register_program("my-program", echo, description="Echoes.")
    service = service_of(fake)
    seen: list[Any] = []
    session = Session(service=service, backend=SIMULATOR)
    inputs = {"messages": [1, {"two": [2.5, None]}, "three"], "answer": {"circuit": bell()}}
    job = session.run("my-program", inputs, callback=lambda job_id, result: seen.append(result))
    result = job.result()
    assert seen[:3] == [1, {"two": [2.5, None]}, "three"]
    assert seen[3] == result and result["circuit"] == bell()  # the final result comes last
    assert len(seen) == 4 and job.session_id == session.session_id
    program = service.client.program("my-program")
    assert program.description == "Echoes." and program.is_public is False
    session.close()


def test_publishing_with_final_sets_the_result() -> None:
    def main(backend: Any, user_messenger: Any, **inputs: Any) -> None:
        user_messenger.publish("interim")
        user_messenger.publish({"value": 42}, final=True)

    fake = FakeRuntime()
    fake.register_program("finals", main)
    job = service_of(fake).run("finals", {}, backend_name=SIMULATOR)
    assert job.result() == {"value": 42}
    assert job.interim_results() == ["interim"]


def test_a_program_that_raises_fails_its_job_with_its_traceback() -> None:
    def broken(backend: Any, user_messenger: Any, **inputs: Any) -> None:
        user_messenger.publish("before")
        raise ValueError(f"cannot use {inputs['x']}")

    fake = FakeRuntime()
    fake.register_program("broken", broken)
    service = service_of(fake)
    job = service.run("broken", {"x": 7}, backend_name=SIMULATOR)
    with pytest.raises(
        RuntimeJobFailureError, match="Program broken failed: ValueError: cannot use 7"
    ):
        job.result()
    text = service.client.job_results(job.job_id())
    assert text.startswith("Traceback") and "in broken" in text and "run_program" not in text
    assert job.interim_results() == ["before"]  # published before it failed


def test_a_program_that_runs_circuits_gets_the_jobs_backend() -> None:
    def sample(backend: ProgramBackend, user_messenger: Any, **inputs: Any) -> Any:
        from qiskit import transpile

        counts = (
            backend.run(transpile(bell(), backend), shots=inputs["shots"]).result().get_counts()
        )
        return {"backend": backend.name, "counts": counts}

    fake = FakeRuntime()
    fake.register_program("sample", sample)
    result = service_of(fake).run("sample", {"shots": 64}, backend_name="generic_27q").result()
    assert result["backend"] == "generic_27q" and sum(result["counts"].values()) == 64


def test_a_program_backend_refuses_unknown_run_options() -> None:
    def main(backend: ProgramBackend, user_messenger: Any, **inputs: Any) -> Any:
        return backend.run(bell(), shots=10, dynamic=True)

    fake = FakeRuntime()
    fake.register_program("options", main)
    job = service_of(fake).run("options", {}, backend_name=SIMULATOR)
    with pytest.raises(RuntimeJobFailureError, match=r"unknown option.*dynamic.*shots"):
        job.result()


def test_a_programs_maximum_execution_time_stops_a_longer_job() -> None:
    fake = FakeRuntime()
    fake.register_program("slow", echo, max_execution_time=10)
    fake.set_next_job_duration(60)
    job = service_of(fake).run("slow", {}, backend_name=SIMULATOR)
    with pytest.raises(RuntimeJobMaxTimeoutError):
        job.result()
    fake.set_next_job_duration(60)
    longer = service_of(fake).run("slow", {}, {"max_execution_time": 100}, backend_name=SIMULATOR)
    assert longer.result() == "done"  # the job's own limit replaces the program's


def test_the_duration_model_sees_a_program_workload() -> None:
    seen: list[Any] = []

    def duration(workload: Any, simulator: bool) -> float:
        seen.append(workload)
        return 7.0

    fake = FakeRuntime(duration_model=duration)
    job = service_of(fake).run("hello-world", {"iterations": 2}, backend_name=FIVE)
    job.wait_for_final_state()
    assert isinstance(seen[0], ProgramWorkload)
    assert (seen[0].program_id, seen[0].num_circuits, seen[0].total_shots) == (
        "hello-world",
        2,
        8000,
    )
    assert fake.job(job.job_id()).duration == 7.0


def test_huge_inputs_are_stopped_by_the_programs_time_limit_not_refused() -> None:
    job = service_of(FakeRuntime()).run("hello-world", {"iterations": 10**12}, backend_name=FIVE)
    with pytest.raises(RuntimeJobMaxTimeoutError):
        job.result()  # 300 s, the program's limit: none of its iterations ever ran


def test_programs_are_kept_by_reset() -> None:
    fake = FakeRuntime()
    fake.register_program("kept", echo)
    fake.reset()
    assert service_of(fake).run("kept", {}, backend_name=SIMULATOR).result() == "done"


def test_an_executor_without_a_program_runner_fails_program_jobs_clearly() -> None:
    fake = FakeRuntime(executor=NoOpExecutor())
    job = service_of(fake).run("hello-world", {"iterations": 1}, backend_name=FIVE)
    with pytest.raises(RuntimeJobFailureError, match=r"NoOpExecutor.*cannot run programs"):
        job.result()


def test_a_program_publishing_too_much_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(programs_module, "MAX_INTERIM_RESULTS", 3)
    fake = FakeRuntime()
    fake.register_program("chatty", echo)
    job = service_of(fake).run("chatty", {"messages": list(range(5))}, backend_name=SIMULATOR)
    with pytest.raises(RuntimeJobFailureError, match="more than 3 interim results"):
        job.result()
    assert job.interim_results() == [0, 1, 2]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"program_id": 5}, TypeError, "program_id must be a str"),
        ({"program_id": "my program"}, ValueError, "program_id 'my program' must be 1 to 100"),
        ({"program_id": "hello-world"}, ValueError, "built-in programs"),
        ({"main": "echo"}, TypeError, "main must be a function"),
        ({"main": lambda backend: None}, TypeError, "two positional arguments"),
        ({"parameters": ["iterations"]}, TypeError, "parameters must be a JSON Schema dict"),
        ({"parameters": {"default": object()}}, ValueError, "parameters must be JSON"),
        ({"parameters": {"required": "iterations"}}, ValueError, "'required' as a list"),
        ({"max_execution_time": 0}, ValueError, "max_execution_time must be a whole number"),
        ({"max_execution_time": True}, ValueError, "max_execution_time"),
        ({"description": 3}, TypeError, "description must be a str"),
        ({"is_public": "yes"}, TypeError, "is_public must be True or False"),
        ({"replace": 1}, TypeError, "replace must be True or False"),
    ],
)
def test_register_program_refuses_bad_arguments(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    arguments: dict[str, Any] = {"program_id": "mine", "main": echo, **kwargs}
    with pytest.raises(error, match=match):
        FakeRuntime().register_program(**arguments)


def test_a_program_registered_twice_is_replaced_only_on_request() -> None:
    fake = FakeRuntime()
    fake.register_program("twice", echo)
    with pytest.raises(ValueError, match="already registered; pass replace=True"):
        fake.register_program("twice", echo)
    service = service_of(fake)
    submitted = service.run("twice", {}, backend_name=SIMULATOR)
    fake.register_program("twice", lambda backend, messenger, **inputs: "new", replace=True)
    assert service.run("twice", {}, backend_name=SIMULATOR).result() == "new"
    assert submitted.result() == "done"  # a job runs the program it was submitted to


# --- interim results over the wire, and callbacks -----------------------------------------------


def test_the_interim_results_endpoint_lists_the_published_texts_newest_first() -> None:
    fake = FakeRuntime()
    fake.register_program("echo", echo)
    service = service_of(fake)
    job = service.run("echo", {"messages": ["a", {"b": 1}]}, backend_name=SIMULATOR)
    transport = InProcessTransport(fake.app)
    url = f"{transport.base_url}/jobs/{job.job_id()}/interim_results"
    assert transport.handle(HttpRequest("GET", url)).json() == []  # queued: nothing yet
    job.wait_for_final_state()
    response = transport.handle(HttpRequest("GET", url))
    assert response.status_code == 200 and response.json() == ['{"b":1}', '"a"']
    missing = transport.handle(
        HttpRequest("GET", f"{transport.base_url}/jobs/nope/interim_results")
    )
    assert missing.status_code == 404


def test_stream_results_delivers_to_a_callback_given_later() -> None:
    fake = FakeRuntime()
    fake.register_program("echo", echo)
    service = service_of(fake)
    job = service.run("echo", {"messages": [1, 2]}, backend_name=SIMULATOR)
    seen: list[Any] = []
    job.stream_results(lambda job_id, result: seen.append((job_id, result)))
    with pytest.raises(RuntimeInvalidStateError, match="already streaming"):
        job.stream_results(print)
    job.wait_for_final_state()
    assert seen == [(job.job_id(), 1), (job.job_id(), 2), (job.job_id(), "done")]
    with pytest.raises(RuntimeInvalidStateError, match="already finished"):
        service.job(job.job_id()).stream_results(print)


def test_cancel_result_streaming_stops_the_callback() -> None:
    fake = FakeRuntime()
    fake.register_program("echo", echo)
    seen: list[Any] = []
    job = service_of(fake).run(
        "echo", {"messages": [1]}, backend_name=SIMULATOR, callback=lambda i, r: seen.append(r)
    )
    job.cancel_result_streaming()
    job.result()
    assert seen == []


@settings(max_examples=15, deadline=None)
@given(
    messages=st.lists(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=4), inner, max_size=3)
            ),
            max_leaves=6,
        ),
        max_size=6,
    )
)
def test_a_callback_gets_exactly_what_the_program_published_in_order(messages: list[Any]) -> None:
    fake = FakeRuntime()
    fake.register_program("echo", echo)
    seen: list[Any] = []
    job = service_of(fake).run(
        "echo",
        {"messages": messages, "answer": "end"},
        backend_name=SIMULATOR,
        callback=lambda job_id, result: seen.append(result),
    )
    job.result()
    assert seen == [*messages, "end"]
    assert [json.loads(text) for _, text in fake.job(job.job_id()).interim_results] == messages


@settings(max_examples=50, deadline=None)
# Found by this test: steps rounded to microseconds, then added up, went past the run's end.
@example(count=31, start=_dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc), seconds=61e-6)
@given(
    count=st.integers(0, 40),
    start=st.datetimes(
        min_value=_dt.datetime(2000, 1, 1),
        max_value=_dt.datetime(2100, 1, 1),
        timezones=st.just(_dt.timezone.utc),
    ),
    seconds=st.floats(0, 30 * 24 * 3600),
)
def test_interim_times_are_in_order_within_the_run(
    count: int, start: _dt.datetime, seconds: float
) -> None:
    stop = start + _dt.timedelta(seconds=seconds)
    times = list(interim_times(count, start, stop))
    assert len(times) == count
    assert all(start <= at <= stop for at in times)
    assert times == sorted(times)
    if stop - start >= _dt.timedelta(microseconds=count + 1):
        assert all(start < at < stop for at in times) and len(set(times)) == count


def test_the_primitives_publish_nothing_and_their_jobs_never_ask() -> None:
    fake = FakeRuntime()
    service = service_of(fake)
    inputs = {"pubs": [[bell(), None, 10]], "version": 2}
    seen: list[Any] = []
    job = service.run(
        "sampler", inputs, backend_name=SIMULATOR, callback=lambda i, r: seen.append(r)
    )
    job.result()
    assert len(seen) == 1  # the final result only
    assert job.interim_results() == []
    assert codec.decode(service.client.job_results(job.job_id()))  # a real result
