"""The 2023 result stream (``/stream/jobs/{id}``), read with a real websocket client.

websocket-client is what the 0.11-0.15 client streams with (qiskit-ibm-provider's
``RuntimeWebsocketClient``): it skips the first message (an acknowledgement), hands every other
one to the callback, and stops at a normal close (1000). ``read_stream`` reads the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
import websocket
from websocket import ABNF

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.vocabulary import STREAM_ACK

from ..helpers import iam_token

SIMULATOR = "ibmq_qasm_simulator"
#: Real seconds a socket may wait: a guard against a hang, not a limit on speed (a stream waits
#: for its job's run, and a cold run of hello-world, imports and all, takes seconds even idle).
TIMEOUT = 300


def echo(backend: Any, user_messenger: Any, **inputs: Any) -> Any:
    for message in inputs.get("messages", []):
        user_messenger.publish(message)
    if inputs.get("fail"):
        raise RuntimeError("asked to fail")
    return "done"


@pytest.fixture
def fake() -> FakeRuntime:
    fake = FakeRuntime([SIMULATOR, "generic_5q"], seed=2)
    fake.register_program("echo", echo)
    return fake


@pytest.fixture
def server(fake: FakeRuntime) -> Iterator[FakeServer]:
    with fake.serve(require_auth=False) as running:
        yield running


def stream_url(server: FakeServer, job_id: str) -> str:
    return server.runtime_url.replace("http://", "ws://") + f"/stream/jobs/{job_id}"


@contextmanager
def connect(server: FakeServer, job_id: str, **options: Any) -> Iterator[websocket.WebSocket]:
    ws = websocket.create_connection(stream_url(server, job_id), timeout=TIMEOUT, **options)
    try:
        yield ws
    finally:
        ws.close()
        ws.shutdown()  # close() does nothing once the server closed: free the socket anyway


def read_stream(server: FakeServer, job_id: str, **options: Any) -> tuple[list[str], int]:
    """Every text message of the stream, and the server's close code."""
    with connect(server, job_id, **options) as ws:
        return read_to_close(ws)


def read_to_close(ws: websocket.WebSocket) -> tuple[list[str], int]:
    """The text messages ``ws`` receives until the server closes it, and the close code."""
    messages: list[str] = []
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == ABNF.OPCODE_TEXT:
            messages.append(data.decode())
        elif opcode == ABNF.OPCODE_CLOSE:
            return messages, int.from_bytes(data[:2], "big")


def submit(
    fake: FakeRuntime, program: str, inputs: dict[str, Any], backend: str = SIMULATOR
) -> str:
    return QiskitRuntimeService(fake=fake).run(program, inputs, backend_name=backend).job_id()


def submit_held(
    fake: FakeRuntime, program: str, inputs: dict[str, Any], backend: str = SIMULATOR
) -> str:
    """Submit a job that cannot start (its backend is offline) until ``stream_whole_run``.

    Under ``pace="poll"`` the served clock follows real time, so a job left free could run, in
    part or whole, before a stream opens on a loaded machine; and a stream carries only what
    happens while it is open.
    """
    fake.set_backend_status(backend, operational=False)
    return submit(fake, program, inputs, backend)


def stream_whole_run(
    fake: FakeRuntime, server: FakeServer, job_id: str, backend: str = SIMULATOR, **options: Any
) -> tuple[list[str], int]:
    """Open the stream of a job from ``submit_held``, then let the job run: every text message
    (the acknowledgement first) and the close code."""
    with connect(server, job_id, **options) as ws:
        ack = ws.recv()  # the stream is open: from now on it carries what the job publishes
        fake.set_backend_status(backend, operational=True)
        messages, code = read_to_close(ws)
    return [ack, *messages], code


def test_a_stream_carries_the_ack_each_interim_result_and_the_result_then_closes_normally(
    fake: FakeRuntime, server: FakeServer
) -> None:
    job_id = submit_held(fake, "echo", {"messages": [{"step": 0}, {"step": 1}]})
    messages, code = stream_whole_run(fake, server, job_id)
    assert code == 1000
    assert messages[0] == STREAM_ACK.format(job_id=job_id)
    # What the 2023 client hands its callback: every later message, decoded.
    assert [codec.decode(text) for text in messages[1:]] == [{"step": 0}, {"step": 1}, "done"]
    assert fake.job(job_id).status == "Completed"  # the stream moved time as a poll does


def test_hello_world_streams_its_iterations(fake: FakeRuntime, server: FakeServer) -> None:
    job_id = submit_held(fake, "hello-world", {"iterations": 2}, backend="generic_5q")
    messages, code = stream_whole_run(fake, server, job_id, backend="generic_5q")
    decoded = [codec.decode(text) for text in messages[1:]]
    assert code == 1000 and [m["iteration"] for m in decoded[:2]] == [0, 1]
    assert decoded[2] == "Hello, World!"


def test_a_stream_opened_on_a_final_job_has_only_the_ack(
    fake: FakeRuntime, server: FakeServer
) -> None:
    service = QiskitRuntimeService(fake=fake)
    job = service.run("echo", {"messages": [1]}, backend_name=SIMULATOR)
    job.wait_for_final_state()
    assert read_stream(server, job.job_id()) == ([STREAM_ACK.format(job_id=job.job_id())], 1000)


def test_a_failed_jobs_stream_closes_after_its_interim_results(
    fake: FakeRuntime, server: FakeServer
) -> None:
    job_id = submit_held(fake, "echo", {"messages": ["before"], "fail": True})
    messages, code = stream_whole_run(fake, server, job_id)
    assert (messages[1:], code) == (['"before"'], 1000)
    assert fake.job(job_id).status == "Failed"


def test_under_manual_pace_the_stream_waits_for_the_clock(fake: FakeRuntime) -> None:
    with fake.serve(require_auth=False, pace="manual") as server:
        job_id = submit(fake, "echo", {"messages": ["m"]})
        with connect(server, job_id) as ws:
            assert ws.recv() == STREAM_ACK.format(job_id=job_id)
            assert fake.job(job_id).status == "Running"  # nothing moved time: it runs on
            fake.clock.shift(3600)  # the test moves it: the run ends
            assert [ws.recv(), ws.recv()] == ['"m"', '"done"']


def test_under_real_pace_the_stream_follows_real_time(fake: FakeRuntime) -> None:
    fake.set_backend_status(SIMULATOR, operational=False)  # held until the stream is open
    fake.set_next_job_duration(60)  # a simulated minute: 0.6 s of real time at speed 100
    with fake.serve(require_auth=False, pace="real", speed=100) as server:
        job_id = submit(fake, "echo", {"messages": ["m"]})
        with connect(server, job_id) as ws:
            assert ws.recv() == STREAM_ACK.format(job_id=job_id)
            fake.set_backend_status(SIMULATOR, operational=True)  # the job starts now
            assert [ws.recv(), ws.recv()] == ['"m"', '"done"']


def test_what_a_client_sends_is_ignored(fake: FakeRuntime) -> None:
    with fake.serve(require_auth=False, pace="manual") as server:
        job_id = submit(fake, "echo", {"messages": ["m"]})
        with connect(server, job_id) as ws:
            assert ws.recv() == STREAM_ACK.format(job_id=job_id)
            for _ in range(3):
                ws.send("hello?")
            fake.clock.shift(3600)
            assert [ws.recv(), ws.recv()] == ['"m"', '"done"']


def test_stopping_the_server_closes_open_streams(fake: FakeRuntime) -> None:
    fake.set_backend_status(SIMULATOR, operational=False)  # the job never starts
    server = fake.serve(require_auth=False)
    try:
        job_id = submit(fake, "echo", {})
        with connect(server, job_id) as ws:
            assert ws.recv() == STREAM_ACK.format(job_id=job_id)
            server.stop()
            opcode, data = ws.recv_data(control_frame=True)
            assert opcode == ABNF.OPCODE_CLOSE and int.from_bytes(data[:2], "big") == 1001
    finally:
        server.stop()


def test_an_unknown_job_refuses_the_handshake(server: FakeServer) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(stream_url(server, "no-such-job"), timeout=TIMEOUT)
    assert refused.value.status_code == 404


def test_a_plain_request_is_told_to_use_a_websocket(fake: FakeRuntime, server: FakeServer) -> None:
    job_id = submit(fake, "echo", {})
    url = f"{server.runtime_url}/stream/jobs/{job_id}"
    plain = requests.get(url, timeout=TIMEOUT)
    assert plain.status_code == 426 and plain.headers["Upgrade"] == "websocket"
    assert "is a websocket" in plain.json()["errors"][0]["message"]
    keyless = requests.get(
        url, headers={"Upgrade": "websocket", "Connection": "Upgrade"}, timeout=TIMEOUT
    )
    assert keyless.status_code == 400 and "Sec-WebSocket-Key" in keyless.text


def test_a_web_page_cannot_open_a_stream(fake: FakeRuntime, server: FakeServer) -> None:
    job_id = submit(fake, "echo", {})
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            stream_url(server, job_id), timeout=TIMEOUT, origin="https://evil.example"
        )
    assert refused.value.status_code == 403


def test_a_stream_needs_the_token_the_api_needs(fake: FakeRuntime) -> None:
    job_id = submit_held(fake, "echo", {"messages": [5]})  # in process: no token needed yet
    with fake.serve() as server:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(stream_url(server, job_id), timeout=TIMEOUT)
        assert refused.value.status_code == 401
        header = [f"Authorization: Bearer {iam_token(server)}"]
        messages, code = stream_whole_run(fake, server, job_id, header=header)
        assert (messages[1:], code) == (["5", '"done"'], 1000)


def test_an_injected_fault_refuses_the_handshake(fake: FakeRuntime, server: FakeServer) -> None:
    job_id = submit(fake, "echo", {})
    fake.inject_http_error("stream_job", 503)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(stream_url(server, job_id), timeout=TIMEOUT)
    assert refused.value.status_code == 503
    assert read_stream(server, job_id)[1] == 1000  # the next attempt streams
