"""Cold import time of the package against ``import qiskit``, in fresh interpreters.

Alternating runs of ``python -c "import qiskit"`` and of the package's imports, median wall times:
``import qiskit_runtime_double`` (names load on first use) and what a test module typically
imports (``from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, Session,
SamplerV2``). Target (issue 12): the package import at most 1.1x ``import qiskit``.

    .venv/bin/python bench/bench_import.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

STATEMENTS = {
    "import qiskit": "import qiskit",
    "import qiskit_runtime_double": "import qiskit_runtime_double",
    "a test's imports": (
        "from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, Session, SamplerV2"
    ),
}


def timed(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    for statement in STATEMENTS.values():  # warm the file system cache and bytecode
        timed(statement)
    samples: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for _ in range(rounds):
        for name, statement in STATEMENTS.items():
            samples[name].append(timed(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    anchor = medians["import qiskit"]
    print(f"median wall time of a fresh interpreter over {rounds} alternating rounds:")
    for name, median in medians.items():
        print(f"  {name:<30} {median * 1000:8.1f} ms   {median / anchor:5.2f}x import qiskit")
    print(
        f"ratio: import qiskit_runtime_double / import qiskit = "
        f"{medians['import qiskit_runtime_double'] / anchor:.2f}x (target <= 1.1x)"
    )
    typical = medians["a test's imports"]
    print(f"ratio: a test's imports / import qiskit = {typical / anchor:.2f}x")


if __name__ == "__main__":
    main()
