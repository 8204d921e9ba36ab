"""A small job on a big device: the fake's executor against Aer with and without device noise.

Interleaved in one process, median of several rounds, a Bell sampler job (4,096 shots) on
``generic_127q``:
- ideal Aer (the anchor): ``AerSimulator().run`` on the ISA circuit, no noise;
- ours: ``AerExecutor`` (the fake's), which gives Aer the noise of the two qubits the circuit
  touches (built once, then cached);
- whole-device noise: ``AerSimulator.from_backend(backend).run``, the 127-qubit noise model.
Target (the claim ``tests/fake/test_executor.py`` checks by construction): ours within a few
times the ideal anchor, and several times faster than whole-device noise (about 10 ms against
0.4 s on a quiet machine when it was written).

    .venv/bin/python bench/bench_executor.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_aer import AerSimulator

from qiskit_runtime_double.fake.core.catalogue import build_catalogue
from qiskit_runtime_double.fake.core.executor import AerExecutor

BACKEND = "generic_127q"
SHOTS = 4096


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds

    entry = build_catalogue([BACKEND])[BACKEND]
    manager = generate_preset_pass_manager(
        backend=entry.backend, optimization_level=1, seed_transpiler=0
    )
    isa = manager.run(bell())
    executor = AerExecutor()
    params = {"pubs": [[isa, None, SHOTS]], "options": {}, "version": 2, "support_qiskit": True}
    ideal, device = AerSimulator(), AerSimulator.from_backend(entry.backend)
    contenders: dict[str, Callable[[], object]] = {
        "ideal Aer (anchor)": lambda: ideal.run(isa, shots=SHOTS, seed_simulator=1).result(),
        "ours (AerExecutor)": lambda: executor.execute(
            executor.prepare("sampler", params, entry), entry, 1
        ),
        "whole-device noise": lambda: device.run(isa, shots=SHOTS, seed_simulator=1).result(),
    }
    for action in contenders.values():  # warm up: imports, and our cached noise model
        action()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, action in contenders.items():
            times[name].append(timed(action))
    median = {name: statistics.median(values) for name, values in times.items()}
    anchor = median["ideal Aer (anchor)"]
    print(f"Bell job, {SHOTS} shots, on {BACKEND}: median of {rounds} rounds")
    for name, seconds in median.items():
        print(f"   {name:<20} {seconds * 1e3:8.1f} ms   x{seconds / anchor:.2f} of ideal Aer")
    speedup = median["whole-device noise"] / median["ours (AerExecutor)"]
    print(f"whole-device noise / ours = {speedup:.1f}  (target: several times)")


if __name__ == "__main__":
    main()
