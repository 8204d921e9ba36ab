"""What idle 2023 result streams cost a served fake, as ratios against anchors of the same run.

Opens ``--streams`` websocket result streams (the 2023 client's, read with websocket-client) on
jobs that cannot start (their backend is offline, so every stream stays open and idle), waits
until each has its acknowledgement, then measures for ``--seconds`` the process's threads, CPU
and resident memory. Two anchors are measured in the same process, with the same count:

- *pollers*: one thread per stream waking every 50 ms to look for news, as the served fake's
  streams did before they waited on events (werkzeug and simple-websocket: 2 threads a stream);
- *waiters*: one thread per stream blocked on an event, the least a thread-per-stream server
  can cost.

Prints, per stream, the threads, the CPU share against the pollers' and the memory against the
waiters'. Absolute figures vary with the machine; the ratios are what to compare. Run it against
another checkout to compare (``PYTHONPATH=<checkout>/src``).

    .venv/bin/python bench/bench_streams.py [--streams 100] [--seconds 5]
"""

from __future__ import annotations

import argparse
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import websocket

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService
from qiskit_runtime_double.fake.http.limits import ServerLimits
from qiskit_runtime_double.fake.http.server import FakeServer

POLL_INTERVAL = 0.05  # what the streams polled at before (issue 17.2)


@dataclass
class Cost:
    threads: int
    cpu_share: float  # of one core
    rss_bytes: int


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status (this bench needs Linux)")


def measure(open_them: Callable[[], Callable[[], None]], seconds: float) -> Cost:
    """The cost of what ``open_them`` opens (it returns how to close them), while idle."""
    threads, rss = threading.active_count(), rss_bytes()
    close = open_them()
    time.sleep(1.0)  # let everything settle into its wait
    cost_threads, cost_rss = threading.active_count() - threads, rss_bytes() - rss
    cpu, wall = cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    share = (cpu_seconds() - cpu) / (time.perf_counter() - wall)
    close()
    return Cost(cost_threads, share, cost_rss)


def threads_that(count: int, body: Callable[[threading.Event], None]) -> Callable[[], None]:
    stop = threading.Event()
    started = [threading.Thread(target=body, args=(stop,), daemon=True) for _ in range(count)]
    for thread in started:
        thread.start()

    def close() -> None:
        stop.set()
        for thread in started:
            thread.join()

    return close


def poller(stop: threading.Event) -> None:
    while not stop.wait(POLL_INTERVAL):
        pass


def waiter(stop: threading.Event) -> None:
    stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    count = args.streams
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(4 * count, 4096),) * 2)

    fake = FakeRuntime(["ibmq_qasm_simulator"], seed=1)
    fake.set_backend_status("ibmq_qasm_simulator", operational=False)  # jobs wait forever
    service = QiskitRuntimeService(fake=fake)
    jobs = [
        service.run("hello-world", {}, backend_name="ibmq_qasm_simulator").job_id()
        for _ in range(count)
    ]
    defaults = ServerLimits()
    limits = ServerLimits(
        max_streams=max(count, defaults.max_streams),
        max_connections=max(count + 16, defaults.max_connections),
    )
    with FakeServer(fake, limits=limits, require_auth=False) as server:
        base = server.runtime_url.replace("http://", "ws://") + "/stream/jobs/"

        def open_streams() -> Callable[[], None]:
            sockets = []
            for job_id in jobs:
                ws = websocket.create_connection(base + job_id, timeout=60)
                if not ws.recv().startswith("Listening"):
                    raise SystemExit("a stream did not acknowledge")
                sockets.append(ws)
            if server.open_streams != count:
                raise SystemExit(f"{server.open_streams} streams open, expected {count}")

            def close() -> None:
                for ws in sockets:
                    # Without the closing handshake: a stream reads its client's frames only
                    # every PING_CHECK seconds, and ws.close() would wait 3 s for each reply.
                    ws.shutdown()

            return close

        streams = measure(open_streams, args.seconds)
    pollers = measure(lambda: threads_that(count, poller), args.seconds)
    waiters = measure(lambda: threads_that(count, waiter), args.seconds)

    print(f"{count} idle result streams, {args.seconds:g} s each (anchors: {count} threads)")
    for name, cost in (("streams", streams), ("pollers", pollers), ("waiters", waiters)):
        print(
            f"  {name:<8} threads {cost.threads:>5} ({cost.threads / count:.2f} each)   "
            f"CPU {cost.cpu_share * 100:5.1f}% of a core   "
            f"memory {cost.rss_bytes / count / 1024:7.1f} KiB each"
        )
    cpu_ratio = streams.cpu_share / pollers.cpu_share if pollers.cpu_share > 0 else float("nan")
    memory_ratio = streams.rss_bytes / waiters.rss_bytes if waiters.rss_bytes > 0 else float("nan")
    print(f"  threads per stream / per waiter:   {streams.threads / max(waiters.threads, 1):.2f}")
    print(f"  CPU of streams / CPU of pollers:   {cpu_ratio:.3f}")
    print(f"  memory of streams / of waiters:    {memory_ratio:.2f}")


if __name__ == "__main__":
    main()
