"""What a crash during a save can leave, and what cleans it (docs/cassettes.md, "Saving").

A save is atomic: the cassette is always the old file or the new one, whole. A process killed
mid-save can leave its temporary file beside the cassette; the next save of that cassette removes
it, but never a temporary file another live process is still writing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qiskit_runtime_double.transports.cassettes import read_cassette, write_cassette
from qiskit_runtime_double.transports.cassettes.atomic import remove_stale_temporaries

from .kill_harness import cassette, temporaries

HARNESS = Path(__file__).with_name("kill_harness.py")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="flock and SIGKILL are POSIX")


def test_the_next_save_removes_temporaries_left_by_a_dead_writer(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    stale = [tmp_path / ".c.yaml.abcd1234.tmp", tmp_path / ".c.yaml.x_y9z0w1.tmp"]
    unrelated = [
        tmp_path / ".other.yaml.abcd1234.tmp",  # another cassette's: its own next save
        tmp_path / ".c.yaml.notours.tmp",  # not a name our writer makes
        tmp_path / "c.yaml.bak",
    ]
    for file in [*stale, *unrelated]:
        file.write_text("half a cassette")

    write_cassette(path, cassette(2, "new"))

    assert sorted(os.listdir(tmp_path)) == sorted(["c.yaml", *(f.name for f in unrelated)])
    data = read_cassette(path)
    assert data is not None and len(data.interactions) == 2


@posix_only
def test_a_temporary_file_a_live_writer_holds_is_kept(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "c.yaml"
    busy = tmp_path / ".c.yaml.busy0001.tmp"
    busy.write_text("being written by another process")
    with open(busy, "rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # as a live writer holds it
        write_cassette(path, cassette(1, "a"))
        assert busy.exists()
    # The writer is gone (its lock with it): the next save cleans up.
    write_cassette(path, cassette(1, "b"))
    assert not busy.exists()


def test_concurrent_writers_of_one_cassette_never_remove_each_others_files(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.yaml"
    versions = [cassette(5, label) for label in "abcd"]
    errors: list[BaseException] = []

    def writer(data: object) -> None:
        try:
            for _ in range(15):
                write_cassette(path, data)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(v,)) for v in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert temporaries(path) == []
    final = read_cassette(path)
    assert final is not None and final.interactions in [v.interactions for v in versions]


def test_cleaning_a_directory_that_does_not_exist_is_a_no_op(tmp_path: Path) -> None:
    assert remove_stale_temporaries(tmp_path / "missing" / "c.yaml") == []


@posix_only
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the harness forks")
def test_sigkill_mid_save_leaves_a_whole_cassette_and_the_next_save_cleans_up(
    tmp_path: Path,
) -> None:
    runs = 12
    done = subprocess.run(
        [sys.executable, str(HARNESS), str(tmp_path / "c.yaml"), str(runs)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)

    assert len(results) == runs
    assert [r["file"] for r in results if r["file"] == "torn"] == []
    # Killed mid-write or before the rename: the old file, and the dead writer's temporary file.
    paused = [r for r in results if r["stage"] != "anywhere"]
    assert {r["file"] for r in paused} == {"old"}
    assert all(r["left"] == 1 for r in paused)
    # Whatever the kill left, the next save removed it.
    assert [r["after_next_save"] for r in results] == [0] * runs
