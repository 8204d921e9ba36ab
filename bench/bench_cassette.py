"""Replay cost of our cassettes against plain vcrpy, and how it scales.

In one process, interleaved, median of several rounds:

1. A 20-job Session cassette (recorded from the fake), replayed request by request:
   - ours: ``CassetteTransport(path).handle(request)`` for every recorded request;
   - vcrpy: the same file and requests through ``requests`` under ``vcr.use_cassette`` with
     ``record_mode="none"`` (vcrpy answers from the cassette; no socket is opened).
   Both include loading the file. Target: ours/vcrpy <= 1.2 per job.
2. Per-request cost in cassettes of 10 and 1,000 interactions (load excluded): ours must stay
   flat (an index), vcrpy's grows (it scans the interactions for every request).
3. Whether the C YAML loader is used.
4. The same Session through the whole client (``QiskitRuntimeService`` + primitives), replayed
   from a cassette whose jobs queued for an hour and from one whose jobs ran at once: the same
   time (the replay clock jumps from one recorded change to the next).

Prints ratios; asserts nothing about time.

    .venv/bin/python bench/bench_cassette.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import vcr
import yaml
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import (
    EstimatorV2,
    FakeRuntime,
    HttpRequest,
    HttpResponse,
    InProcessTransport,
    MockTransport,
    QiskitRuntimeService,
    SamplerV2,
    Session,
)
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.cassettes import fileformat, read_cassette

BACKEND = "ibmq_qasm_simulator"
BASE = "http://runtime-double.invalid/api/v1"


def session_workload(service: QiskitRuntimeService, jobs: int) -> None:
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    unmeasured = bell.copy()
    bell.measure_all()
    with Session(service=service, backend=BACKEND) as session:
        pending = []
        for i in range(jobs):
            if i % 2:
                pending.append(EstimatorV2(mode=session).run([(unmeasured, SparsePauliOp("ZZ"))]))
            else:
                pending.append(SamplerV2(mode=session).run([bell], shots=100 + i))
        for job in pending:
            job.result()


def record_session(path: Path, jobs: int, *, queued_for: float | None = None) -> None:
    fake = FakeRuntime(seed=1)
    if queued_for is not None:
        fake.add_background_jobs(BACKEND, 1, duration=queued_for)
    transport = CassetteTransport(path, "rewrite", inner=InProcessTransport(fake.app))
    with QiskitRuntimeService(transport=transport, instance=fake.plan.instance) as service:
        session_workload(service, jobs)


def synthetic(path: Path, size: int) -> None:
    """``size`` distinct GET /jobs/{id} interactions with small JSON answers."""

    def answer(request: HttpRequest) -> HttpResponse:
        job = request.path.rsplit("/", 1)[-1]
        return HttpResponse.from_json(200, {"id": job, "state": {"status": "Completed"}})

    inner = MockTransport(answer, base_url=BASE)
    with CassetteTransport(path, "rewrite", inner=inner) as transport:
        for i in range(size):
            transport.handle(HttpRequest("GET", f"{BASE}/jobs/job{i:05d}?exclude_params=true"))


def requests_of(path: Path) -> list[HttpRequest]:
    """The recorded requests, as a client would send them (compact JSON bodies)."""
    data = read_cassette(path)
    assert data is not None
    out = []
    for item in data.interactions:
        content = item.request.content
        if content:
            content = json.dumps(json.loads(content), separators=(",", ":")).encode()
        out.append(
            HttpRequest(item.request.method, item.request.url, item.request.headers, content)
        )
    return out


def ours(path: Path, sent: list[HttpRequest]) -> float:
    start = time.perf_counter()
    transport = CassetteTransport(path)
    for request in sent:
        transport.handle(request)
    return time.perf_counter() - start


def theirs(path: Path, sent: list[HttpRequest], http: requests.Session) -> float:
    player = vcr.VCR(record_mode="none")
    start = time.perf_counter()
    with player.use_cassette(str(path)):
        for request in sent:
            http.request(
                request.method, request.url, headers=dict(request.headers), data=request.content
            )
    return time.perf_counter() - start


def per_request_ours(path: Path, sent: list[HttpRequest]) -> float:
    transport = CassetteTransport(path)  # loading is not timed here
    cold()
    start = time.perf_counter()
    for request in sent:
        transport.handle(request)
    return (time.perf_counter() - start) / len(sent)


def per_request_theirs(path: Path, sent: list[HttpRequest], http: requests.Session) -> float:
    with vcr.VCR(record_mode="none").use_cassette(str(path)):
        cold()
        start = time.perf_counter()
        for request in sent:
            http.request(request.method, request.url, headers=dict(request.headers))
        return (time.perf_counter() - start) / len(sent)


def cold() -> None:
    """Start each timed section alike: no garbage from loading, no URL parsed in advance
    (``urlsplit`` caches 128 URLs, so a small cassette's URLs would all be parsed already)."""
    clear = getattr(urllib.parse.urlsplit, "cache_clear", None)
    if clear is not None:
        clear()
    gc.collect()


def median_of(rounds: int, *measures: Callable[[], float]) -> list[float]:
    """Run the measures interleaved, ``rounds`` times; the median of each."""
    samples: list[list[float]] = [[] for _ in measures]
    for _ in range(rounds):
        for column, measure in zip(samples, measures, strict=True):
            cold()
            column.append(measure())
    return [statistics.median(column) for column in samples]


def client_replay(path: Path, jobs: int) -> float:
    start = time.perf_counter()
    with QiskitRuntimeService(transport=CassetteTransport(path)) as service:
        session_workload(service, jobs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    http = requests.Session()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        session_path, small, big = root / "session.yaml", root / "n10.yaml", root / "n1000.yaml"
        queued, at_once = root / "queued.yaml", root / "at_once.yaml"
        record_session(session_path, 20)
        synthetic(small, 10)
        synthetic(big, 1000)
        record_session(queued, 6, queued_for=3600)
        record_session(at_once, 6)

        sent = requests_of(session_path)
        ours(session_path, sent), theirs(session_path, sent, http)  # warm up imports and caches
        mine, vcrpy = median_of(
            rounds, lambda: ours(session_path, sent), lambda: theirs(session_path, sent, http)
        )
        print(f"1. 20-job session cassette ({len(sent)} interactions), load + replay, per job:")
        print(f"   ours {mine / 20 * 1e3:.2f} ms, vcrpy+requests {vcrpy / 20 * 1e3:.2f} ms")
        print(f"   ratio ours/vcrpy = {mine / vcrpy:.2f}  (target <= 1.2)")

        small_sent, big_all = requests_of(small), requests_of(big)
        big_sent = big_all[:: len(big_all) // 10]  # as many requests, spread over the cassette
        o10, o1000, o_same, v10, v1000 = median_of(
            rounds,
            lambda: per_request_ours(small, small_sent),
            lambda: per_request_ours(big, big_sent),
            lambda: per_request_ours(big, small_sent),
            lambda: per_request_theirs(small, small_sent, http),
            lambda: per_request_theirs(big, big_sent, http),
        )
        print("2. per-request cost (load excluded), 10 vs 1,000 interactions:")
        print(f"   ours  {o10 * 1e6:7.1f} us -> {o1000 * 1e6:7.1f} us   x{o1000 / o10:.2f}")
        print(f"   vcrpy {v10 * 1e6:7.1f} us -> {v1000 * 1e6:7.1f} us   x{v1000 / v10:.2f}")
        print(
            f"   ours, the same 10 requests against 1,000 interactions: {o_same * 1e6:.1f} us "
            f"x{o_same / o10:.2f} (the rest of the x above is memory locality, not the lookup)"
        )
        print(f"   at 1,000 interactions: ours/vcrpy = {o1000 / v1000:.3f}")

        loader: Any = getattr(yaml, "CSafeLoader", None)
        used = loader is not None and yaml.__with_libyaml__
        print(f"3. C YAML loader (libyaml) used: {'yes' if used else 'NO (pure Python)'}")
        assert fileformat  # the module that picks yaml.CSafeLoader when libyaml is present

        queued_n = len(requests_of(queued))
        client_replay(queued, 6), client_replay(at_once, 6)  # warm up
        slow, fast = median_of(
            rounds, lambda: client_replay(queued, 6), lambda: client_replay(at_once, 6)
        )
        print("4. 6-job session through the whole client (QiskitRuntimeService + primitives):")
        print(f"   jobs queued 1 h ({queued_n} stored interactions): {slow * 1e3:.1f} ms")
        print(f"   jobs ran at once: {fast * 1e3:.1f} ms   ratio {slow / fast:.2f}  (target ~1)")
    http.close()


if __name__ == "__main__":
    main()
