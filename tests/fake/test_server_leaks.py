"""What a served fake leaves behind: no secret in its logs, no private key on disk, however it ends.

The TLS cases run the server in real subprocesses and end them with real signals (SIGTERM,
SIGHUP, SIGKILL), or with no ``stop()`` at all, then look at the disk.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from qiskit_runtime_double import FakeRuntime
from qiskit_runtime_double.fake.http.guard import CONTROL_HEADER

from ..helpers import with_default_signals

TIMEOUT = 60
API_KEY = "my-very-secret-api-key-0042"


def test_known_secrets_in_a_query_or_path_are_redacted_from_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeRuntime(["ibmq_qasm_simulator"], seed=1, api_keys=[API_KEY])
    caplog.set_level(logging.DEBUG, logger="qiskit_runtime_double")
    with fake.serve(require_auth=False) as server:
        token = server.control_token
        queries = [
            {CONTROL_HEADER: token},  # named like the header, not like a secret
            {"x": token},
            {"y": f"prefix-{token}"},
            {token: "1"},
            {"k": API_KEY},
        ]
        for query in queries:
            answer = requests.get(f"{server.runtime_url}/backends", params=query, timeout=TIMEOUT)
            assert answer.status_code == 200
        requests.get(f"{server.url}/_double/{quote(token)}", timeout=TIMEOUT)
        listed = repr(server.requests)
    logged = caplog.text
    for secret in (token, quote(token, safe=""), API_KEY):
        assert secret not in listed
        assert secret not in logged
    assert "<redacted>" in listed and "<redacted>" in logged
    assert [entry.query for entry in server.requests][:2] == [
        {CONTROL_HEADER: ["<redacted>"]},
        {"x": ["<redacted>"]},
    ]


# --- the TLS private key --------------------------------------------------------------------------


def files_in(directory: Path) -> list[str]:
    return sorted(os.listdir(directory)) if directory.exists() else []


def test_the_private_key_is_never_a_file_while_serving() -> None:
    fake = FakeRuntime(["ibmq_qasm_simulator"], seed=1)
    with fake.serve(tls=True, require_auth=False) as server:
        assert server.ca_bundle is not None
        directory = Path(server.ca_bundle).parent
        assert files_in(directory) == ["certificate.pem"]  # the public certificate only
        answer = requests.get(
            f"{server.runtime_url}/backends", verify=server.ca_bundle, timeout=TIMEOUT
        )
        assert answer.status_code == 200  # served with the key, which no file holds
    assert not directory.exists()


SERVE_WITHOUT_STOP = textwrap.dedent(
    """
    import sys
    from qiskit_runtime_double import FakeRuntime
    server = FakeRuntime(["ibmq_qasm_simulator"], seed=1).serve(tls=True)
    print(server.ca_bundle, flush=True)
    sys.stdin.readline()
    """  # then the interpreter exits, the server never stopped
)


def test_a_process_that_exits_without_stop_leaves_nothing() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_WITHOUT_STOP],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    directory = Path(process.stdout.readline().strip()).parent
    assert files_in(directory) == ["certificate.pem"]
    process.communicate("\n", timeout=TIMEOUT)
    assert process.returncode == 0
    assert files_in(directory) == []


@contextmanager
def cli_serve_tls() -> Iterator[tuple[subprocess.Popen[str], Path]]:
    command = [sys.executable, "-m", "qiskit_runtime_double.cli", "serve", "--port", "0", "--tls"]
    process = subprocess.Popen(
        with_default_signals([*command, "--backends", "ibmq_qasm_simulator"]),
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = ""
        for line in process.stdout:
            banner += line
            if "Press Ctrl-C" in line:
                break
        certificate = Path(banner.split("TLS certificate", 1)[1].split()[0])
        yield process, certificate.parent
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=TIMEOUT)


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=str)
def test_no_signal_leaves_the_private_key_on_disk(sent: signal.Signals) -> None:
    with cli_serve_tls() as (process, directory):
        assert files_in(directory) == ["certificate.pem"]
        process.send_signal(sent)
        process.wait(timeout=TIMEOUT)
        assert process.returncode == -sent
        # SIGKILL may leave the public certificate; nothing can leave the key.
        assert set(files_in(directory)) <= {"certificate.pem"}
