"""Issue 17.6: nothing recorded is lost when the process is told to stop (docs/guarantees.md).

Real processes get real signals, and only after they report that they recorded something
(``signal_harness.py`` prints a line, then waits): SIGTERM and SIGHUP save the open recording,
marked interrupted, and end the process as the signal does; SIGINT saves it too and raises
``KeyboardInterrupt`` as before; a handler the user had runs after the save; a signal the user
ignores stays ignored; SIGKILL leaves the previous cassette whole. Under the pytest plugin, the
test in progress is saved, and the next ``--runtime-mode=record`` records it again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from qiskit_runtime_double import CassetteMismatchError, FakeRuntime, QiskitRuntimeService
from qiskit_runtime_double.cli import main
from qiskit_runtime_double.transports.cassette import CassetteTransport, needs_inner
from qiskit_runtime_double.transports.cassettes import read_cassette

from ..helpers import with_default_signals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

HARNESS = Path(__file__).with_name("signal_harness.py")
#: A watchdog for a child that never reports (a bug): the test fails instead of hanging.
WATCHDOG = 180.0


class Child:
    """A child process, its first JSON line, and the rest of its output once it ended."""

    def __init__(self, args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None):
        self.process = subprocess.Popen(
            with_default_signals(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env={**os.environ, **(env or {})},
        )
        self._watchdog = threading.Timer(WATCHDOG, self.process.kill)
        self._watchdog.start()

    def line_with(self, marker: str) -> str:
        """Read the child's output up to the first line that contains ``marker``."""
        assert self.process.stdout is not None
        seen = []
        for line in self.process.stdout:
            seen.append(line)
            if marker in line:
                return line
        _, err = self.process.communicate()
        raise AssertionError(f"the child ended before {marker!r}:\n{''.join(seen)}\n{err}")

    def ready(self) -> dict[str, Any]:
        info: dict[str, Any] = json.loads(self.line_with('"recorded"'))
        return info

    def send(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    def finish(self) -> tuple[int, str, str]:
        out, err = self.process.communicate()
        self._watchdog.cancel()
        return self.process.returncode, out, err


def harness(scenario: str, path: Path) -> Child:
    return Child([sys.executable, str(HARNESS), scenario, str(path)])


def saved(path: Path) -> tuple[int, str | None]:
    data = read_cassette(path)
    assert data is not None, f"no cassette at {path}"
    return len(data.interactions), data.metadata.get("interrupted")


@pytest.mark.parametrize("scenario", ["plain", "with"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_sigterm_and_sighup_save_the_recording_then_end_the_process(
    scenario: str, sig: signal.Signals, tmp_path: Path
) -> None:
    path = tmp_path / "c.yaml"
    child = harness(scenario, path)
    info = child.ready()
    assert info["recorded"] >= 3 and sig.name in info["installed"]

    child.send(sig)
    code, _, err = child.finish()

    assert code == -sig  # ended by the signal, as without us
    assert saved(path) == (info["recorded"], sig.name)
    assert f"{sig.name}: cassette {path} saved with the {info['recorded']} interaction(s)" in err
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]  # nothing half-written beside it


@pytest.mark.parametrize("scenario", ["plain", "with"])
def test_sigint_saves_the_recording_and_still_raises_keyboard_interrupt(
    scenario: str, tmp_path: Path
) -> None:
    path = tmp_path / "c.yaml"
    child = harness(scenario, path)
    info = child.ready()
    assert "SIGINT" in info["installed"]

    child.send(signal.SIGINT)
    code, _, err = child.finish()

    assert code != 0 and "KeyboardInterrupt" in err
    # Saved by the handler; the service's with block closes it on the way out, saving the same
    # interactions again, still marked.
    assert saved(path) == (info["recorded"], "SIGINT")
    assert "UnclosedCassetteWarning" not in err


def test_a_handler_the_user_had_runs_after_the_save(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    child = harness("user-handler", path)
    info = child.ready()

    child.send(signal.SIGTERM)
    code, out, _ = child.finish()

    assert code == 3 and "USER HANDLER" in out
    assert saved(path) == (info["recorded"], "SIGTERM")


def test_a_program_that_goes_on_after_the_signal_saves_all_of_it_when_it_closes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.yaml"
    child = harness("continue", path)
    info = child.ready()

    child.send(signal.SIGTERM)
    child.line_with('"closed"')
    code, _, err = child.finish()

    assert code == 0 and "SIGTERM: cassette" in err  # saved when the signal came...
    # ...and all of it at close, still marked: the program was told to stop while recording.
    assert saved(path) == (info["recorded"] + 1, "SIGTERM")


def test_a_signal_the_user_ignores_stays_ignored(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    child = harness("ignored", path)
    info = child.ready()
    assert "SIGHUP" not in info["installed"] and "SIGTERM" in info["installed"]

    child.send(signal.SIGTERM)
    code, _, _ = child.finish()
    assert code == -signal.SIGTERM and saved(path) == (info["recorded"], "SIGTERM")


def test_no_handler_is_installed_from_another_thread(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    child = harness("thread", path)
    info = child.ready()
    assert info["installed"] == []

    child.send(signal.SIGTERM)
    code, _, _ = child.finish()
    assert code == -signal.SIGTERM and not path.exists()  # the documented limit


def test_sigkill_leaves_the_previous_cassette_whole(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with QiskitRuntimeService(fake=FakeRuntime(seed=1), cassette=path, record_mode="record") as s:
        s.backends()
    before = path.read_bytes()
    child = harness("rewrite", path)
    info = child.ready()
    assert info["recorded"] >= 3

    child.send(signal.SIGKILL)
    code, _, _ = child.finish()

    assert code == -signal.SIGKILL
    assert path.read_bytes() == before  # what it recorded is lost; the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_an_interrupted_cassette_says_so_and_once_records_it_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.yaml"
    child = harness("plain", path)
    child.ready()
    child.send(signal.SIGTERM)
    child.finish()

    assert main(["cassette", "show", str(path)]) == 0
    assert "interrupted by SIGTERM: the recording ends early" in capsys.readouterr().out
    assert main(["cassette", "check", str(path)]) == 1
    assert "its recording was interrupted by SIGTERM: it ends early" in capsys.readouterr().out
    # Replaying past its end says why.
    with pytest.raises(CassetteMismatchError, match="interrupted by SIGTERM"):
        CassetteTransport(path).handle(_request("/sessions/nothing-recorded"))
    # once records over it (it needs the inner transport), and the new file is whole.
    assert needs_inner(path, "once")
    with QiskitRuntimeService(fake=FakeRuntime(seed=1), cassette=path, record_mode="once") as s:
        s.backends()
    count, interrupted = saved(path)
    assert count > 0 and interrupted is None
    assert not needs_inner(path, "once")


def _request(path: str) -> Any:
    from qiskit_runtime_double import HttpRequest

    return HttpRequest("GET", "http://runtime-double.invalid/api/v1" + path)


# --- under the pytest plugin ---

USER_TEST = """
import os, sys
from qiskit import QuantumCircuit
from qiskit_runtime_double import SamplerV2


def test_long_recording(fake_session):
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    SamplerV2(mode=fake_session).run([circuit], shots=20).result()
    if os.environ.get("STOP_HERE"):
        print("RECORDED", flush=True)
        import time
        for _ in range(600):
            time.sleep(0.1)
"""

CONFTEST = """
import pytest

@pytest.fixture
def runtime_config():
    return {"backends": ["ibmq_qasm_simulator"], "seed": 11}
"""


def _pytest(directory: Path, *args: str, stop: bool) -> Child:
    command = [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", *args]
    return Child(command, cwd=directory, env={"STOP_HERE": "1" if stop else ""})


@pytest.mark.parametrize(
    ("sig", "exit_code"), [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 2)]
)
def test_a_pytest_run_stopped_mid_recording_keeps_what_it_recorded(
    sig: signal.Signals, exit_code: int, tmp_path: Path
) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TEST))
    record = ("--runtime-mode=record", "--runtime-record-from=fake")
    cassette = tmp_path / "cassettes" / "test_user" / "test_long_recording.yaml"

    child = _pytest(tmp_path, *record, stop=True)
    child.line_with("RECORDED")
    child.send(sig)
    code, _, _ = child.finish()

    assert code == exit_code  # SIGTERM ends pytest as before; SIGINT interrupts it as before
    count, interrupted = saved(cassette)
    assert count > 0 and interrupted == sig.name
    if sig != signal.SIGTERM:
        return
    # The next recording run records it again (once), whole; then it replays.
    code, out, err = _pytest(tmp_path, *record, stop=False).finish()
    assert code == 0, out + err
    assert saved(cassette)[1] is None
    code, out, err = _pytest(tmp_path, "--runtime-mode=replay", stop=False).finish()
    assert code == 0, out + err
