"""What the pytest plugin costs a suite that does not use it.

Runs a generated 500-test suite that uses none of the plugin's fixtures, in fresh interpreters,
alternating with the plugin enabled and disabled (``-p no:runtime_double``), and prints the median
wall time of each and the overhead. Target (issue 6): under 5 percent.

    .venv/bin/python bench/bench_plugin.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_suite(root: Path, tests: int = 500) -> None:
    per_file = 50
    for index in range(tests // per_file):
        body = "\n".join(
            f"def test_{index}_{n}():\n    assert {n} + 1 == {n + 1}\n" for n in range(per_file)
        )
        (root / f"test_plain_{index}.py").write_text(body, encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")


def run(root: Path, *extra: str) -> float:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or "500 passed" not in done.stdout:
        raise SystemExit(f"the generated suite did not pass:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write_suite(root)
        run(root)  # warm the file system cache and bytecode
        run(root, "-p", "no:runtime_double")
        with_plugin, without = [], []
        for _ in range(rounds):
            with_plugin.append(run(root))
            without.append(run(root, "-p", "no:runtime_double"))
    on, off = statistics.median(with_plugin), statistics.median(without)
    print(f"500 tests not using the plugin, median of {rounds} fresh runs each:")
    print(f"  with the plugin     {on * 1000:8.1f} ms")
    print(f"  without the plugin  {off * 1000:8.1f} ms")
    print(f"overhead: {(on / off - 1) * 100:+.1f}% (target < 5%)")


if __name__ == "__main__":
    main()
