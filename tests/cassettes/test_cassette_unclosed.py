"""Nothing recorded is lost silently: a recording that is never closed is saved, and says so.

When a recording ``CassetteTransport`` (or the service holding it) is garbage-collected unclosed,
or is still open at interpreter exit, what it recorded is saved and an ``UnclosedCassetteWarning``
names the file and says to call ``close()``. A program ending on an uncaught exception discards
instead, as leaving a ``with`` block on an exception does (unless ``keep_on_failure=True``).
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref
from dataclasses import dataclass
from pathlib import Path

import pytest

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService
from qiskit_runtime_double.transports.cassette import CassetteTransport, UnclosedCassetteWarning
from qiskit_runtime_double.transports.cassettes import read_cassette

from .conftest import Script, get


def recorder(path: Path, script: Script, mode: str = "record") -> CassetteTransport:
    return CassetteTransport(path, mode, inner=script.transport())


def test_a_service_recording_that_is_never_closed_is_saved_when_collected(tmp_path: Path) -> None:
    path = tmp_path / "forgotten.yaml"
    service = QiskitRuntimeService(cassette=path, record_mode="record", fake=FakeRuntime(seed=1))
    service.backends()

    with pytest.warns(UnclosedCassetteWarning) as caught:
        del service
        gc.collect()

    message = str(caught[0].message)
    assert str(path) in message and "never closed" in message and "close()" in message
    assert "garbage-collected" in message
    data = read_cassette(path)
    assert data is not None and any("/backends" in i.request.url for i in data.interactions)


@pytest.mark.parametrize("mode", ["record", "once", "rewrite", "new_episodes"])
def test_every_recording_mode_saves_when_collected_unclosed(
    tmp_path: Path, script: Script, mode: str
) -> None:
    path = tmp_path / f"{mode}.yaml"
    transport = recorder(path, script, mode)
    transport.handle(get("/backends"))

    with pytest.warns(UnclosedCassetteWarning, match="1 recorded interaction"):
        del transport
        gc.collect()
    data = read_cassette(path)
    assert data is not None and len(data.interactions) == 1


def test_closed_discarded_saved_or_replaying_transports_say_nothing(
    tmp_path: Path, script: Script
) -> None:
    # Any warning would fail this test (filterwarnings = error).
    closed = recorder(tmp_path / "closed.yaml", script)
    closed.handle(get("/backends"))
    closed.close()
    discarded = recorder(tmp_path / "discarded.yaml", script)
    discarded.handle(get("/backends"))
    discarded.discard()
    saved = recorder(tmp_path / "saved.yaml", script)
    saved.handle(get("/backends"))
    saved.save()  # nothing new after this: nothing to lose
    idle = recorder(tmp_path / "idle.yaml", script)
    replaying = CassetteTransport(tmp_path / "closed.yaml")
    replaying.handle(get("/backends"))

    del closed, discarded, saved, idle, replaying
    gc.collect()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["closed.yaml", "saved.yaml"]


def test_the_safety_net_does_not_keep_a_transport_alive(tmp_path: Path, script: Script) -> None:
    transport = recorder(tmp_path / "c.yaml", script)
    alive = weakref.ref(transport)

    del transport
    gc.collect()

    assert alive() is None


SCRIPT = """
import sys
from qiskit_runtime_double import HttpResponse, MockTransport
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.wire.http import HttpRequest

path, keep, fail = sys.argv[1], sys.argv[2] == "keep", sys.argv[3] == "fail"
inner = MockTransport(lambda request: HttpResponse.from_json(200, {"devices": []}))
transport = CassetteTransport(path, "record", inner=inner, keep_on_failure=keep)
transport.handle(HttpRequest("GET", inner.base_url + "/backends"))
if fail:
    raise RuntimeError("the script failed")
"""


@dataclass(frozen=True)
class Exit:
    path: Path
    returncode: int
    stderr: str


@pytest.fixture(scope="module")
def exits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exit]:
    """The script run to its end three ways, in parallel (each is an interpreter start)."""
    scenarios = {"ends": ("-", "-"), "fails": ("-", "fail"), "fails-kept": ("keep", "fail")}
    running = {}
    for name, (keep, fail) in scenarios.items():
        path = tmp_path_factory.mktemp(name) / "at-exit.yaml"
        command = [sys.executable, "-c", textwrap.dedent(SCRIPT), str(path), keep, fail]
        running[name] = (path, subprocess.Popen(command, stderr=subprocess.PIPE, text=True))
    results = {}
    for name, (path, process) in running.items():
        _, stderr = process.communicate(timeout=120)
        results[name] = Exit(path, process.returncode, stderr)
    return results


def test_a_recording_still_open_at_exit_is_saved_with_a_warning(exits: dict[str, Exit]) -> None:
    done = exits["ends"]

    assert done.returncode == 0, done.stderr
    assert "UnclosedCassetteWarning" in done.stderr and str(done.path) in done.stderr
    assert "saved at interpreter exit" in done.stderr and "close()" in done.stderr
    data = read_cassette(done.path)
    assert data is not None and len(data.interactions) == 1


@pytest.mark.parametrize("keep", [False, True])
def test_a_program_dying_of_an_exception_discards_unless_keep_on_failure(
    exits: dict[str, Exit], keep: bool
) -> None:
    done = exits["fails-kept" if keep else "fails"]

    assert done.returncode == 1
    assert "RuntimeError: the script failed" in done.stderr
    assert "UnclosedCassetteWarning" in done.stderr and str(done.path) in done.stderr
    if keep:
        assert "saved at interpreter exit" in done.stderr
        assert done.path.exists()
    else:
        assert "discarded" in done.stderr and "keep_on_failure=True" in done.stderr
        assert not done.path.exists()
