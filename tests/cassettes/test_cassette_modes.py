"""Each mode's semantics, saving, discarding, and atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qiskit_runtime_double import IBMInputValueError, MockTransport
from qiskit_runtime_double.errors import CassetteFormatError, CassetteNotFoundError
from qiskit_runtime_double.transports.cassette import CassetteTransport, needs_inner, use_cassette
from qiskit_runtime_double.transports.cassettes import read_cassette

from .conftest import Script, get, post


def refusing() -> MockTransport:
    def handler(request: object) -> object:
        raise AssertionError(f"the inner transport was called for {request}")

    return MockTransport(handler)  # type: ignore[arg-type]


def paths_in(cassette: Path) -> list[str]:
    data = read_cassette(cassette)
    assert data is not None
    return [f"{i.request.method} {i.request.path}" for i in data.interactions]


def record(path: Path, script: Script, *requests: object, mode: str = "once") -> None:
    with CassetteTransport(path, mode, inner=script.transport()) as transport:  # type: ignore[arg-type]
        for request in requests:
            transport.handle(request)  # type: ignore[arg-type]


# --- replay ---


def test_replay_of_a_missing_file_says_how_to_record_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(CassetteNotFoundError) as caught:
        CassetteTransport(missing, "replay")
    assert isinstance(caught.value, FileNotFoundError)
    assert str(missing) in str(caught.value) and "mode='once'" in str(caught.value)
    assert not missing.exists()


def test_replay_never_calls_inner_and_never_writes(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    record(path, script, get("/backends"))
    before = path.read_bytes()
    with CassetteTransport(path, "replay", inner=refusing()) as transport:
        assert transport.handle(get("/backends")).json() == {"path": "/backends", "n": 1}
    assert path.read_bytes() == before


def test_an_empty_file_counts_as_missing(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("\n")
    with pytest.raises(CassetteNotFoundError):
        CassetteTransport(path, "replay")
    record(path, script, get("/backends"), mode="once")  # once records it
    assert paths_in(path) == ["GET /api/v1/backends"]


# --- once ---


def test_once_records_when_missing_then_replays(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    assert needs_inner(path, "once")
    with CassetteTransport(path, "once", inner=script.transport()) as transport:
        assert not transport.replaying
        first = transport.handle(get("/backends")).json()
    assert script.calls == 1 and path.exists()
    assert not needs_inner(path, "once")
    with CassetteTransport(path, "once", inner=refusing()) as transport:
        assert transport.replaying
        assert transport.handle(get("/backends")).json() == first


def test_recording_modes_need_an_inner_transport(tmp_path: Path) -> None:
    for mode in ("record", "rewrite", "new_episodes", "once"):
        with pytest.raises(IBMInputValueError, match="needs inner="):
            CassetteTransport(tmp_path / f"{mode}.yaml", mode)  # type: ignore[arg-type]
    with pytest.raises(IBMInputValueError, match="Unknown cassette mode 'all'"):
        CassetteTransport(tmp_path / "x.yaml", "all")  # type: ignore[arg-type]


def test_recording_uses_the_inner_clock_and_base_url(tmp_path: Path, script: Script) -> None:
    inner = script.transport()
    transport = CassetteTransport(tmp_path / "c.yaml", "record", inner=inner)
    assert transport.clock is inner.clock and transport.base_url == inner.base_url
    transport.discard()
    transport.close()


# --- record, rewrite, new_episodes ---


def test_record_replaces_what_it_records_again_and_keeps_the_rest(
    tmp_path: Path, script: Script
) -> None:
    path = tmp_path / "c.yaml"
    record(path, script, get("/backends"), get("/instances/usage"), mode="record")
    record(path, Script(), get("/backends"), get("/sessions/s1"), mode="record")

    assert paths_in(path) == [
        "GET /api/v1/instances/usage",  # kept: not recorded again
        "GET /api/v1/backends",  # replaced (not duplicated)
        "GET /api/v1/sessions/s1",
    ]


def test_rewrite_replaces_the_file_even_a_corrupt_one(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("{ this is: [not yaml")
    with pytest.raises(CassetteFormatError):
        CassetteTransport(path, "record", inner=script.transport())
    record(path, script, get("/sessions/s1"), mode="rewrite")
    assert paths_in(path) == ["GET /api/v1/sessions/s1"]


def test_new_episodes_replays_hits_and_appends_misses(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    record(path, script, get("/backends"))
    inner = Script()
    with CassetteTransport(path, "new_episodes", inner=inner.transport()) as transport:
        assert transport.handle(get("/backends")).json()["n"] == 1  # replayed
        assert inner.calls == 0
        transport.handle(get("/instances/usage"))  # recorded
        transport.handle(get("/instances/usage"))  # a new answer is never replayed in its run
        assert inner.calls == 2 and transport.new_interactions == 2
    assert paths_in(path) == [
        "GET /api/v1/backends",
        "GET /api/v1/instances/usage",
        "GET /api/v1/instances/usage",
    ]


def test_nothing_recorded_writes_nothing(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    CassetteTransport(path, "once", inner=script.transport()).close()
    assert not path.exists()


def test_close_is_idempotent_and_closes_inner(tmp_path: Path, script: Script) -> None:
    closed: list[bool] = []
    inner = script.transport()
    inner.close = lambda: closed.append(True)  # type: ignore[method-assign]
    transport = use_cassette(tmp_path / "c.yaml", "once", inner)
    transport.handle(get("/backends"))
    transport.close()
    transport.close()
    assert closed == [True]


# --- failure, discard, atomic writes ---


def test_discard_leaves_no_file(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    transport = CassetteTransport(path, "once", inner=script.transport())
    transport.handle(get("/backends"))
    transport.discard()
    transport.close()
    assert not path.exists()


def test_discard_keeps_the_previous_file(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    record(path, script, get("/backends"))
    before = path.read_bytes()
    transport = CassetteTransport(path, "rewrite", inner=Script().transport())
    transport.handle(get("/sessions/x"))
    transport.discard()
    transport.close()
    assert path.read_bytes() == before


def test_a_failing_block_discards_unless_asked_to_keep(tmp_path: Path, script: Script) -> None:
    dropped, kept = tmp_path / "dropped.yaml", tmp_path / "kept.yaml"
    with (
        pytest.raises(RuntimeError),
        CassetteTransport(dropped, "once", inner=script.transport()) as t,
    ):
        t.handle(get("/backends"))
        raise RuntimeError("the test failed")
    assert not dropped.exists()

    with (
        pytest.raises(RuntimeError),
        CassetteTransport(kept, "once", inner=script.transport(), keep_on_failure=True) as t,
    ):
        t.handle(get("/backends"))
        raise RuntimeError("the test failed")
    assert paths_in(kept) == ["GET /api/v1/backends"]


@pytest.mark.parametrize("crash_in", ["fsync", "replace"])
def test_a_crash_while_writing_leaves_the_previous_file_intact(
    tmp_path: Path, script: Script, monkeypatch: pytest.MonkeyPatch, crash_in: str
) -> None:
    path = tmp_path / "c.yaml"
    record(path, script, get("/backends"))
    before = path.read_bytes()

    def crash(*args: object) -> None:
        raise KeyboardInterrupt("power cut")  # a BaseException, like a killed process

    transport = CassetteTransport(path, "rewrite", inner=Script().transport())
    transport.handle(get("/sessions/s1"))
    monkeypatch.setattr(os, crash_in, crash)
    with pytest.raises(KeyboardInterrupt):
        transport.save()
    monkeypatch.undo()
    transport.discard()  # else, never closed, it would be saved (and warn) when collected

    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["c.yaml"]  # no temporary file left behind


def test_saving_keeps_the_file_mode(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    record(path, script, get("/backends"))
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o640)
    record(path, Script(), get("/backends"), mode="rewrite")
    assert path.stat().st_mode & 0o777 == 0o640


def test_post_answers_are_recorded_in_order(tmp_path: Path, script: Script) -> None:
    path = tmp_path / "c.yaml"
    body = {"program_id": "sampler", "params": {"pubs": []}}
    record(path, script, post("/jobs", body), post("/jobs", body))
    with CassetteTransport(path) as transport:
        ids = [transport.handle(post("/jobs", body)).json()["id"] for _ in range(2)]
    assert ids == ["job1", "job2"]


@pytest.mark.parametrize("mode", ["replay", "once"])
def test_save_on_a_replaying_cassette_leaves_the_file_as_it_is(
    tmp_path: Path, script: Script, mode: str
) -> None:
    path = tmp_path / "c.yaml"
    record(path, script, get("/backends"))
    before = path.read_bytes()

    with CassetteTransport(path, mode) as transport:
        transport.handle(get("/backends"))
        transport.save()

    assert path.read_bytes() == before
