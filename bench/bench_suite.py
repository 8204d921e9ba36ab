"""What a fake-session test costs at suite scale, against the same test on plain Aer.

Two measurements, each against its anchor measured in the same run:

1. **Per test, in one process** (interleaved rounds): what every test using ``fake_session`` does
   (a fresh ``FakeRuntime``, a ``QiskitRuntimeService``, a ``Session`` and one noisy Bell job of
   1,024 shots on ``generic_5q``) against the same job on Aer's ``SamplerV2`` given
   ``NoiseModel.from_backend(device)`` (built once; the stricter anchor) and on
   ``SamplerV2.from_backend(device)``. Target (issue 16): at most 1.5x the first.
2. **A 100-test suite, in fresh interpreters** (alternating): 100 tests that each run that job
   through the plugin's ``fake_session`` fixture, against the same 100 tests on plain Aer (noise
   model built once per run, as a user's conftest would). Target: at most 1.5x.

    .venv/bin/python bench/bench_suite.py [--rounds 20] [--suite-rounds 3] [--tests 100]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

BACKEND = "generic_5q"
SHOTS = 1024

CONFTEST = """
import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_runtime_double import FakeRuntime


@pytest.fixture(scope="session")
def device():
    # The BackendV2 the fake's generic_5q runs on: the same device for both suites.
    return FakeRuntime(backends=["generic_5q"]).catalogue["generic_5q"].backend


@pytest.fixture(scope="session")
def isa_bell(device):
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    manager = generate_preset_pass_manager(backend=device, optimization_level=1, seed_transpiler=1)
    return manager.run(bell)


@pytest.fixture(scope="session")
def aer_sampler(device):
    from qiskit_aer.primitives import SamplerV2

    return SamplerV2.from_backend(device, seed=1)
"""

FAKE_TEST = """
def test_{n}(fake_session, isa_bell):
    from qiskit_runtime_double import SamplerV2

    result = SamplerV2(mode=fake_session).run([isa_bell], shots={shots}).result()
    assert sum(result[0].data.meas.get_counts().values()) == {shots}
"""

AER_TEST = """
def test_{n}(aer_sampler, isa_bell):
    result = aer_sampler.run([isa_bell], shots={shots}).result()
    assert sum(result[0].data.meas.get_counts().values()) == {shots}
"""


def per_test(rounds: int) -> tuple[float, float, float]:
    """Median seconds of one fake-session test, of the job on Aer's SamplerV2 given the device's
    noise model, and of the job on ``SamplerV2.from_backend``, interleaved."""
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer.noise import NoiseModel
    from qiskit_aer.primitives import SamplerV2 as AerSampler

    from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2, Session

    device = FakeRuntime(backends=[BACKEND]).catalogue[BACKEND].backend
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    isa = generate_preset_pass_manager(backend=device, optimization_level=1).run(bell)
    aer = AerSampler.from_backend(device, seed=1)
    noise = NoiseModel.from_backend(device)
    given_noise = AerSampler(seed=1, options={"backend_options": {"noise_model": noise}})

    def ours() -> None:
        fake = FakeRuntime(seed=1)
        service = QiskitRuntimeService(fake=fake)
        with Session(service=service, backend=BACKEND) as session:
            SamplerV2(mode=session).run([isa], shots=SHOTS).result()

    def noise_given() -> None:
        given_noise.run([isa], shots=SHOTS).result()

    def from_backend() -> None:
        aer.run([isa], shots=SHOTS).result()

    contenders = (ours, noise_given, from_backend)
    samples: list[list[float]] = [[] for _ in contenders]
    for action in contenders:  # warm-up: imports, caches
        action()
    for _ in range(rounds):
        for action, taken in zip(contenders, samples, strict=True):
            start = time.perf_counter()
            action()
            taken.append(time.perf_counter() - start)
    mine, noisy, backend = (statistics.median(taken) for taken in samples)
    return mine, noisy, backend


def write_suite(root: Path, template: str, tests: int) -> None:
    (root / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    body = "\n".join(template.format(n=n, shots=SHOTS) for n in range(tests))
    (root / "test_suite.py").write_text(body, encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")


def run_suite(root: Path, tests: int) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or f"{tests} passed" not in done.stdout:
        raise SystemExit(f"the generated suite did not pass:\n{done.stdout}\n{done.stderr}")
    return elapsed


def suite(rounds: int, tests: int) -> tuple[float, float]:
    """Median wall seconds of the fake-session suite and of the plain Aer suite, alternating."""
    with tempfile.TemporaryDirectory() as fake_dir, tempfile.TemporaryDirectory() as aer_dir:
        fake_root, aer_root = Path(fake_dir), Path(aer_dir)
        write_suite(fake_root, FAKE_TEST, tests)
        write_suite(aer_root, AER_TEST, tests)
        run_suite(fake_root, tests)  # warm the file system cache and bytecode
        run_suite(aer_root, tests)
        mine, anchor = [], []
        for _ in range(rounds):
            mine.append(run_suite(fake_root, tests))
            anchor.append(run_suite(aer_root, tests))
    return statistics.median(mine), statistics.median(anchor)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--suite-rounds", type=int, default=3)
    parser.add_argument("--tests", type=int, default=100)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, noisy, backend = per_test(args.rounds)
    print(f"one test, median of {args.rounds} interleaved rounds (noisy Bell, {SHOTS} shots):")
    print(f"  fresh FakeRuntime + Session + job          {ours * 1000:8.2f} ms")
    print(f"  Aer SamplerV2, NoiseModel.from_backend     {noisy * 1000:8.2f} ms")
    print(f"  Aer SamplerV2.from_backend                 {backend * 1000:8.2f} ms")
    print(
        f"ratio per test: ours / Aer with NoiseModel.from_backend = {ours / noisy:.2f}x "
        "(target <= 1.5x)"
    )
    print(f"ratio per test: ours / Aer SamplerV2.from_backend = {ours / backend:.2f}x")
    ours_suite, aer_suite = suite(args.suite_rounds, args.tests)
    print(f"{args.tests}-test suite, median of {args.suite_rounds} fresh runs:")
    print(f"  with fake_session                   {ours_suite:8.2f} s")
    print(f"  on plain Aer                        {aer_suite:8.2f} s")
    print(f"ratio suite: ours / plain Aer = {ours_suite / aer_suite:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
