"""Regenerates the timelines in docs/img/ from real runs of the fake (docs/scheduling.md).

.venv/bin/python docs/timelines.py

tests/test_docs_images.py renders each one again and fails when a committed picture is stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double import Batch, FakeRuntime, QiskitRuntimeService, SamplerV2, Session

OUT = Path(__file__).parent / "img"


def _setup() -> tuple[FakeRuntime, QiskitRuntimeService, QuantumCircuit]:
    fake = FakeRuntime(backends=["generic_5q"], seed=1)
    service = QiskitRuntimeService(fake=fake)
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    manager = generate_preset_pass_manager(
        backend=service.backend("generic_5q"), optimization_level=1
    )
    return fake, service, manager.run(bell)


def priority() -> FakeRuntime:
    """Ten jobs of other users queued; a session's first job waits, the next ones do not."""
    fake, service, isa = _setup()
    fake.add_background_jobs("generic_5q", 10, duration=20)
    session = Session(service=service, backend="generic_5q")
    sampler = SamplerV2(mode=session)
    for _ in range(4):
        sampler.run([isa]).result()
    fake.add_background_jobs("generic_5q", 3, duration=20)
    sampler.run([isa]).result()
    session.close()
    fake.clock.shift(80)
    return fake


def idle_gap() -> FakeRuntime:
    """An idle gap longer than the interactive timeout: the session's next job queues again."""
    fake, service, isa = _setup()
    session = Session(service=service, backend="generic_5q")
    sampler = SamplerV2(mode=session)
    sampler.run([isa]).result()
    fake.add_background_jobs("generic_5q", 3, duration=20)
    fake.clock.shift(session.details()["interactive_timeout"] + 5)
    sampler.run([isa]).result()
    session.close()
    return fake


def expiry() -> FakeRuntime:
    """max_time runs out: the running job finishes, the queued ones fail, the session closes."""
    fake, service, isa = _setup()
    session = Session(service=service, backend="generic_5q", max_time="2m")
    sampler = SamplerV2(mode=session)
    sampler.run([isa]).result()
    fake.set_next_job_duration(150)
    jobs = [sampler.run([isa]) for _ in range(3)]
    fake.clock.shift(dt.timedelta(minutes=3))
    for job in jobs:
        job.wait_for_final_state()
    return fake


def batch() -> FakeRuntime:
    """A batch does not hold the backend: other users' jobs interleave with its jobs."""
    fake, service, isa = _setup()
    with Batch(service=service, backend="generic_5q") as group:
        sampler = SamplerV2(mode=group)
        jobs = []
        for _ in range(3):
            jobs.append(sampler.run([isa]))
            fake.add_background_jobs("generic_5q", 1, duration=5)
    for job in jobs:
        job.result()
    fake.clock.shift(10)
    return fake


#: Each picture of docs/img/ (file stem) and the run it shows.
SCENARIOS: dict[str, Callable[[], FakeRuntime]] = {
    "priority": priority,
    "idle-gap": idle_gap,
    "expiry": expiry,
    "batch": batch,
}


def render(name: str) -> str:
    """The SVG of ``docs/img/<name>.svg``, from a fresh run of its scenario."""
    scenario = SCENARIOS[name]
    return scenario().timeline_svg(title=scenario.__doc__ or name)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name in SCENARIOS:
        (OUT / f"{name}.svg").write_text(render(name), encoding="utf-8")
        print(f"wrote docs/img/{name}.svg")


if __name__ == "__main__":
    main()
