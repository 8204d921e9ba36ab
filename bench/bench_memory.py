"""Memory of the fake per request: what a hostile job body costs, and what a finished job keeps.

Each scenario runs in a fresh process (so one's peak cannot hide another's), against a
``FakeRuntime`` answering ``POST /api/v1/jobs`` in process (the served fake runs the same code
behind its HTTP server). Figures are RSS, which sees what tracemalloc does not (Aer's C++):

- *peak*: the highest RSS while the fake answers (``VmHWM``, reset first) minus RSS before;
- *retained*: RSS after the scenario (every job final, garbage collected, freed heap handed
  back with ``malloc_trim``) minus RSS before.

Scenarios:

- ``bomb``: a sampler job whose parameter values are an ``ndarray`` blob of zlib-compressed zeros
  (``--bomb-mb`` of compressed bytes, 0.7 by default: about 700 MB once inflated);
- ``shots``: 200 pubs of 100,000 shots each (20 million executions) in a body of about 50 KB;
- ``limit``: 100 pubs of 100,000 shots (10 million executions, the most a job may ask for), run;
- ``normal``: 20 jobs of 10 parametrised pubs, 1,024 shots each, run to the end;
- ``inputs``: 10 jobs of one pub each, a distinct circuit of 200,000 gates (too large for the
  fake's cache of decoded circuits), run to the end: what a finished job keeps of its decoded
  inputs shows here.

The anchor, measured in the same run, is the fake's whole resident memory at its peak in
``normal``: every figure is also printed as a ratio to it, since absolute megabytes vary between
machines. Each line says what the fake answered
(the status, or ``ran`` for jobs run to their end). Compare two checkouts (before and after a
change) by running the script with each one's ``src`` on ``PYTHONPATH``::

    PYTHONPATH=src .venv/bin/python bench/bench_memory.py [--only bomb shots]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import ctypes
import gc
import json
import os
import subprocess
import sys
import zlib
from typing import Any

SCENARIOS = ("bomb", "shots", "limit", "normal", "inputs")
BACKEND = "ibmq_qasm_simulator"


def settle() -> None:
    """Collect garbage and hand freed heap memory back to the system (glibc's ``malloc_trim``),
    so that RSS counts what is still referenced, not what the allocator keeps for later."""
    gc.collect()
    # Not glibc: RSS then includes the allocator's free lists.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def rss_mb() -> float:
    """Resident memory now, in MB (``/proc/self/statm``)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def reset_peak() -> None:
    """Start counting the highest resident memory from now (Linux: ``clear_refs`` 5)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def peak_mb() -> float:
    """The highest resident memory since ``reset_peak``, in MB (``VmHWM``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError("no VmHWM in /proc/self/status")


def npy_zeros_blob(compressed_bytes: int) -> str:
    """An ``ndarray`` tag's value: base64 of zlib of an ``.npy`` of float64 zeros, shape (n, 1),
    with about ``compressed_bytes`` of compressed data (zlib expands zeros about 1,030 times)."""
    count = compressed_bytes * 1030 // 8
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({count}, 1), }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    packer = zlib.compressobj(9)
    chunks = [packer.compress(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little"))]
    chunks.append(packer.compress(header.encode("latin-1")))
    zeros = bytes(2**20)
    left = count * 8
    while left:
        step = min(left, len(zeros))
        chunks.append(packer.compress(zeros[:step]))
        left -= step
    chunks.append(packer.flush())
    return base64.standard_b64encode(b"".join(chunks)).decode("ascii")


def post_job(fake: Any, body: bytes) -> tuple[int, str]:
    from qiskit_runtime_double.wire.http import Headers, HttpRequest

    request = HttpRequest(
        "POST",
        "http://runtime-double.invalid/api/v1/jobs",
        Headers({"Content-Type": "application/json"}),
        body,
    )
    response = fake.app(request)
    return response.status_code, response.content.decode("utf-8", "replace")


def circuits() -> tuple[Any, Any]:
    """A measured Bell pair, and a measured one-parameter rotation."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    rotation = QuantumCircuit(1)
    rotation.rx(Parameter("theta"), 0)
    rotation.measure_all()
    return bell, rotation


def long_circuit(index: int) -> Any:
    """A measured one-qubit circuit of 200,000 rotations, its angles drawn from ``index``."""
    import numpy as np
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(1)
    for angle in np.random.default_rng(index).uniform(0, 3, size=200_000):
        circuit.rx(float(angle), 0)
    circuit.measure_all()
    return circuit


def run_to_the_end(fake: Any) -> None:
    """Let simulated time pass until nothing is scheduled, then read every job (results too)."""
    while (upcoming := fake.simulation.next_event_time()) is not None:
        fake.clock.advance_to(upcoming)
    for job in fake.jobs():
        assert job.final, job


def bodies(name: str, bomb_mb: float) -> tuple[list[bytes], bool]:
    """The job bodies of a scenario, as JSON, and whether its jobs are run to their end."""
    import numpy as np

    from qiskit_runtime_double.wire import codec

    bell, rotation = circuits()
    if name == "bomb":
        values = {"__type__": "ndarray", "__value__": npy_zeros_blob(int(bomb_mb * 1e6))}
        body = job_body(codec, [[rotation, None, 1]])
        body["params"]["pubs"][0][1] = values
        return [json.dumps(body).encode()], False
    if name in ("shots", "limit"):
        pubs = [[bell, None, 100_000] for _ in range(200 if name == "shots" else 100)]
        return [json.dumps(job_body(codec, pubs)).encode()], True
    if name == "inputs":
        made = [[[long_circuit(index), None, 1]] for index in range(10)]
    else:
        rng = np.random.default_rng(1)
        made = [
            [[rotation, rng.uniform(0, 3, size=(8, 1)), 1024] for _ in range(10)] for _ in range(20)
        ]
    return [json.dumps(job_body(codec, pubs)).encode() for pubs in made], True


def scenario(name: str, bomb_mb: float) -> dict[str, Any]:
    """Run one scenario in this process; its figures."""
    from qiskit_runtime_double import FakeRuntime
    from qiskit_runtime_double.wire import codec

    fake = FakeRuntime(backends=[BACKEND], seed=1)
    # Warm up: one small job run to its end (imports, Aer, caches), then measure from here.
    post_job(fake, json.dumps(job_body(codec, [[circuits()[0], None, 8]])).encode())
    run_to_the_end(fake)
    sent, run = bodies(name, bomb_mb)  # made first: the client's memory is not the fake's
    settle()
    reset_peak()
    before = rss_mb()
    answers = [post_job(fake, body) for body in sent]
    if run and all(status == 200 for status, _ in answers):
        run_to_the_end(fake)
    settle()
    status, text = answers[-1]
    answered = f"{status}" if status != 200 else "200, ran" if run else "200"
    if status != 200:
        answered += f" ({json.loads(text)['errors'][0]['message'][:100]}...)"
    return {
        "name": name,
        "jobs": len(sent),
        "body_kb": max(len(body) for body in sent) / 1e3,
        "rss_mb": before,
        "peak_mb": peak_mb() - before,
        "retained_mb": rss_mb() - before,
        "answered": answered,
    }


def job_body(codec: Any, pubs: list[Any]) -> dict[str, Any]:
    params = codec.to_jsonable({"pubs": pubs, "version": 2, "support_qiskit": True})
    return {"program_id": "sampler", "backend": BACKEND, "params": params}


def run_child(name: str, bomb_mb: float) -> dict[str, Any] | str:
    """One scenario in a fresh process: its figures, or why it failed."""
    command = [sys.executable, __file__, "--scenario", name, "--bomb-mb", str(bomb_mb)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"failed: {done.stderr.strip()[-500:]}"
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--bomb-mb", type=float, default=0.7)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)  # the child process's one scenario
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(scenario(args.scenario, args.bomb_mb)), flush=True)
        return
    # The anchor, measured in this run: the resident memory of the same fake at its highest
    # while doing normal work (``normal``): every figure is divided by it too (absolute MB vary
    # with the machine and the libraries installed).
    anchor = run_child("normal", args.bomb_mb)
    if isinstance(anchor, str):
        sys.exit(f"the anchor (normal) {anchor}")
    unit = anchor["rss_mb"] + anchor["peak_mb"]
    print(f"anchor: the fake's peak RSS doing normal work, {unit:.1f} MB (ratios: x the anchor)")
    for name in args.only:
        figures = anchor if name == "normal" else run_child(name, args.bomb_mb)
        if isinstance(figures, str):
            print(f"{name:7} {figures}", flush=True)
            continue
        print(
            f"{name:7} {figures['jobs']:2} x body {figures['body_kb']:7.1f} KB  "
            f"peak +{figures['peak_mb']:7.1f} MB ({figures['peak_mb'] / unit:5.2f}x)  "
            f"retained +{figures['retained_mb']:7.1f} MB ({figures['retained_mb'] / unit:5.2f}x)  "
            f"answered {figures['answered']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
