"""A recording script that waits to be sent a signal (POSIX only).

Run by ``test_cassette_signals.py`` as ``python signal_harness.py <scenario> <cassette path>``.
It records through ``QiskitRuntimeService(fake=..., cassette=..., record_mode=...)``, then prints
one JSON line (how many interactions it recorded, which signals our handler holds) and waits,
so that the test signals it only once there is something recorded. Scenarios:

- ``plain``: a service never closed; ``with``: inside a ``with`` block; ``rewrite``: the
  ``rewrite`` mode over an existing cassette;
- ``user-handler``: the user had a SIGTERM handler (it prints and exits with status 3);
- ``ignored``: the user ignores SIGHUP (``SIG_IGN``), which must stay ignored;
- ``thread``: the recording is opened in a worker thread (no handler may be installed there);
- ``continue``: the user's SIGTERM handler lets the program go on; it then closes normally.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService
from qiskit_runtime_double.transports.cassettes.signals import installed


def record(service: QiskitRuntimeService, jobs: int = 2) -> int:
    service.backends()
    for _ in range(jobs):
        service.backend("ibmq_qasm_simulator").status()
    transport: Any = service.client.transport
    return int(transport.new_interactions)


def ready(count: int, **extra: Any) -> None:
    print(json.dumps({"recorded": count, "installed": installed(), **extra}), flush=True)


def wait() -> None:
    for _ in range(600):  # each signal interrupts the sleep; a handler that returns resumes it
        time.sleep(0.1)


def main(scenario: str, path: Path) -> None:
    mode = "rewrite" if scenario == "rewrite" else "record"
    if scenario == "user-handler":

        def mine(signum: int, frame: object) -> None:
            print("USER HANDLER", flush=True)
            sys.exit(3)

        signal.signal(signal.SIGTERM, mine)
    if scenario == "ignored":
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if scenario == "continue":
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
        service = QiskitRuntimeService(fake=FakeRuntime(seed=1), cassette=path, record_mode=mode)
        ready(record(service))
        while not stopping.wait(0.1):
            pass
        record(service, jobs=1)  # the program goes on after the signal, then closes normally
        service.close()
        print(json.dumps({"closed": True}), flush=True)
        return
    if scenario == "thread":
        made: list[QiskitRuntimeService] = []

        def open_recording() -> None:
            made.append(
                QiskitRuntimeService(fake=FakeRuntime(seed=1), cassette=path, record_mode=mode)
            )

        worker = threading.Thread(target=open_recording)
        worker.start()
        worker.join()
        ready(record(made[0]))
        wait()
        return
    if scenario == "with":
        with QiskitRuntimeService(fake=FakeRuntime(seed=1), cassette=path, record_mode=mode) as s:
            ready(record(s))
            wait()
        return
    service = QiskitRuntimeService(fake=FakeRuntime(seed=1), cassette=path, record_mode=mode)
    ready(record(service))
    wait()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
