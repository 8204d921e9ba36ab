"""Saves a cassette in forked children and kills them with SIGKILL mid-save (POSIX only).

Run by ``test_cassette_crash.py`` as ``python kill_harness.py <cassette path> <runs>``; prints one
JSON list with, per run: where the child was killed, whether the cassette was then a complete file
(the old one or the new one), how many temporary files the kill left, and how many were left
after the next save. One process imports the package once; each run forks a child, which is cheap.

Stages, in turn: ``mid-write`` (half the new file written to the temporary file), ``before-rename``
(written and flushed, not yet renamed), ``anywhere`` (no pause: killed after a short seeded delay,
wherever the save then is).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

from qiskit_runtime_double.transports.cassettes.atomic import temporary_pattern
from qiskit_runtime_double.transports.cassettes.fileformat import (
    CassetteData,
    Interaction,
    write_cassette,
)
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse

STAGES = ("mid-write", "before-rename", "anywhere")


def cassette(size: int, label: str) -> CassetteData:
    interactions = [
        Interaction(
            HttpRequest("GET", f"http://runtime-double.invalid/api/v1/jobs/{label}{i}"),
            HttpResponse.from_json(200, {"id": f"{label}{i}", "tags": [label] * 20}),
        )
        for i in range(size)
    ]
    return CassetteData(interactions, {"base_url": "http://runtime-double.invalid/api/v1"})


def temporaries(path: Path) -> list[str]:
    pattern = temporary_pattern(path)
    return [name for name in os.listdir(path.parent) if pattern.fullmatch(name)]


def pause_at(stage: str, signal_fd: int) -> None:
    """In the child: stop at ``stage`` (telling the parent through ``signal_fd``) until killed."""

    def reached() -> None:
        os.write(signal_fd, b"!")
        time.sleep(60)  # the parent kills us long before

    if stage == "mid-write":
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, handle: Any) -> None:
                self.handle = handle

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, data: bytes) -> int:
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                reached()
                return len(data)

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

        os.fdopen = lambda *a, **k: HalfWriter(real_fdopen(*a, **k))  # type: ignore[assignment]
    elif stage == "before-rename":

        def replace(*args: Any) -> None:
            reached()

        os.replace = replace  # type: ignore[assignment]


def main(path: Path, runs: int) -> None:
    old, new = cassette(1, "old"), cassette(200, "new")
    reference = path.parent / "reference" / path.name
    write_cassette(reference, new)
    new_bytes = reference.read_bytes()
    write_cassette(path, old)
    old_bytes = path.read_bytes()
    results = []
    for run in range(runs):
        stage = STAGES[run % len(STAGES)]
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: save, and be killed somewhere in the middle
            os.close(read_end)
            try:
                if stage != "anywhere":
                    pause_at(stage, write_end)
                write_cassette(path, new)
            finally:
                os._exit(0)
        os.close(write_end)
        if stage == "anywhere":
            time.sleep(random.Random(run).uniform(0.0, 0.05))
        else:
            os.read(read_end, 1)  # the child reached its pause (or died: then b"")
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        content = path.read_bytes()
        whole = {old_bytes: "old", new_bytes: "new"}.get(content, "torn")
        left = temporaries(path)
        write_cassette(path, old)  # the next save
        results.append(
            {
                "stage": stage,
                "file": whole,
                "left": len(left),
                "after_next_save": len(temporaries(path)),
            }
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
