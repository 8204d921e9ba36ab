"""Small builders the test modules share."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import requests
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService
from qiskit_runtime_double.fake.http.platform import APIKEY_GRANT
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.transports.live import LiveTransport


def live_transport(server: FakeServer, api_key: str = "test-key") -> LiveTransport:
    """Our live transport onto a served fake, waiting on the fake's own clock.

    With ``pace="manual"`` (or any pace) a client built on it sees the same simulated timeline
    over HTTP as in process: its polls move the fake's clock, to the simulation's next event (the
    fake's probe), instead of sleeping.
    """
    return LiveTransport(
        runtime_url=server.runtime_url,
        iam_url=server.iam_url,
        api_key=api_key,
        instance=server.instance,
        clock=server.fake.clock,
        probe=server.fake.simulation,
    )


class Ticks:
    """A real-time source the test moves by hand (seconds, like ``time.monotonic``)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@contextmanager
def hand_moved_real_time(fake: FakeRuntime) -> Iterator[Ticks]:
    """The served ``fake``'s pacer reads real time from ``ticks`` (``ticks.t += s`` moves it).

    Until the test moves it, simulated time does not follow real time and no hold ends: a job
    stays where it is however slowly a loaded machine answers, while the client's own waits and
    timeouts stay on the wall clock.
    """
    pacer = fake.pacer
    original, ticks = pacer.timer, Ticks()
    pacer.timer = ticks
    pacer.set_pace(pacer.pace, pacer.speed, pacer.max_wait)  # counts from the new source
    try:
        yield ticks
    finally:
        pacer.timer = original
        pacer.set_pace(pacer.pace, pacer.speed, pacer.max_wait)


#: The API key tests give the fake's IAM (any non-empty key is accepted unless ``api_keys``).
TEST_KEY = "test-key"


def iam_token(server: FakeServer, key: str = TEST_KEY) -> str:
    """A bearer token from the served fake's IAM endpoint, for raw HTTP requests."""
    form = {"grant_type": APIKEY_GRANT, "apikey": key}
    answer = requests.post(server.iam_url + "/identity/token", data=form, timeout=30)
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def bell(
    qubits: int = 2,
    *,
    measure: Literal["all", "c"] | None = "all",
    metadata: dict[str, Any] | None = None,
) -> QuantumCircuit:
    """A GHZ state on ``qubits`` qubits (a Bell pair by default).

    ``measure``: ``"all"`` (``measure_all``: a register ``meas``), ``"c"`` (each qubit into the
    classical register ``c`` of the same size) or None (not measured).
    """
    circuit = QuantumCircuit(qubits, qubits if measure == "c" else 0, metadata=metadata)
    circuit.h(0)
    for qubit in range(1, qubits):
        circuit.cx(0, qubit)
    if measure == "all":
        circuit.measure_all()
    elif measure == "c":
        circuit.measure(range(qubits), range(qubits))
    return circuit


def isa(service: QiskitRuntimeService, circuit: QuantumCircuit, backend: str) -> QuantumCircuit:
    """``circuit`` transpiled for ``backend`` of ``service`` (seeded, so reproducible)."""
    target = service.backend(backend)
    manager = generate_preset_pass_manager(backend=target, optimization_level=1, seed_transpiler=1)
    return manager.run(circuit)


#: Runs a command with SIGINT and SIGHUP at their default actions. A child inherits the signals its
#: parent ignores (``nohup``, a background job of a non-interactive shell, some CI runners), so a
#: test that stops a child with Ctrl-C or a hangup starts it through this trampoline.
_DEFAULT_SIGNALS = (
    "import os, signal, sys; "
    "[signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGHUP)]; "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def with_default_signals(command: list[str]) -> list[str]:
    """``command`` (whose first item is an executable's path) run with SIGINT and SIGHUP at their
    default actions, whatever the test runner ignores."""
    return [sys.executable, "-c", _DEFAULT_SIGNALS, *command]


@dataclass
class ServeRun:
    """``qiskit-runtime-double serve`` in a subprocess: what it printed before serving, then, once
    stopped with Ctrl-C, the rest of its output and its exit status."""

    banner: str
    output: str = ""
    returncode: int | None = None


@contextmanager
def cli_serve(*arguments: str, env: Mapping[str, str] | None = None) -> Iterator[ServeRun]:
    """Run ``serve --port 0 *arguments`` until it says it serves; Ctrl-C it on leaving."""
    command = [sys.executable, "-m", "qiskit_runtime_double.cli", "serve", "--port", "0"]
    environment = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        with_default_signals([*command, *arguments]),
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        run = ServeRun("".join(lines))
        yield run
        process.send_signal(signal.SIGINT)
        run.output, _ = process.communicate(timeout=60)
        run.returncode = process.returncode
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()  # a failed test leaves no open pipe for a later one to warn of
