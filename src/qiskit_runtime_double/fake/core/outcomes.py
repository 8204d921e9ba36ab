"""What a job's run gave: ``outcome_of(job, entry, executor)``, computed outside the state's lock.

The state records a job whose run ended as awaiting its result (``state.py``, "Locks"); the thread
that ended the run then asks this module for the job's result text, failure and interim results,
and settles the job with them. Nothing here touches the state: a job's workload (the primitives',
a service program's, or a user program's) runs on the executor's simulator of the job's backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from ...wire import codec
from ...wire.vocabulary import ReasonCode
from .programs import ProgramBackend, ProgramWorkload, run_program
from .service_programs import ServiceJob
from .workloads import Workload

if TYPE_CHECKING:
    from .catalogue import BackendEntry
    from .records import JobRecord
    from .workloads import Executor

__all__ = ["Outcome", "outcome_of"]

#: ``(result text, failure (reason, code), interim results)`` of a job whose run ended.
Outcome: TypeAlias = tuple[str | None, tuple[str, int] | None, list[str]]


def outcome_of(job: JobRecord, entry: BackendEntry, executor: Executor) -> Outcome:
    """Run ``job``'s workload on ``executor`` for backend ``entry``. An executor's failure is
    the job's failure (a Failed job with the error), never the service's."""
    if isinstance(job.workload, ProgramWorkload):
        return _run_program(job, job.workload, entry, executor)
    try:
        workload = job.workload
        if isinstance(workload, ServiceJob):
            return _run_service(job, workload, entry, executor), None, []
        if isinstance(workload, Workload):  # ours: tell it when it ran (execution spans)
            workload = workload.ran_during(job.running_at, job.finished_at)
        result = executor.execute(workload, entry, job.seed)
        if entry.mock_of is not None:  # a dry run: the data are random (mock_devices.py)
            from .mock_devices import randomized

            result = randomized(result, job.seed)
        return codec.encode(result), None, []
    except Exception as exc:  # an executor failure is the job's failure, not the service's
        text = f"Traceback (most recent call last):\n{type(exc).__name__}: {exc}"
        return (
            text,
            (f"Execution failed: {type(exc).__name__}: {exc}", ReasonCode.EXECUTION_FAILED),
            [],
        )


def _run_service(
    job: JobRecord, workload: ServiceJob, entry: BackendEntry, executor: Executor
) -> str:
    """Run a job of the service's own programs on the executor's simulator."""
    runner = getattr(executor, "program_runner", None)
    if not callable(runner):
        raise RuntimeError(
            f"the fake's executor ({type(executor).__name__}) cannot simulate the "
            f"{workload.program_id} program (it has no program_runner(); AerExecutor has)."
        )
    ran = workload.ran_during(job.running_at, job.finished_at)
    return workload.program.execute(ran, entry, job.seed, runner(entry))


def _run_program(
    job: JobRecord, workload: ProgramWorkload, entry: BackendEntry, executor: Executor
) -> Outcome:
    """Run the job's program on a ``ProgramBackend`` backed by the executor."""
    runner = getattr(executor, "program_runner", None)
    if not callable(runner):
        why = (
            f"Execution failed: the fake's executor ({type(executor).__name__}) cannot "
            "run programs (it has no program_runner(); AerExecutor has)."
        )
        return None, (why, ReasonCode.EXECUTION_FAILED), []
    backend = ProgramBackend(
        entry.name,
        entry.backend.target,
        runner(entry),
        seed=job.seed,
        job_id=job.id,
        max_shots=entry.configuration().max_shots,
    )
    outcome = run_program(workload.program, dict(workload.inputs), backend)
    return outcome.result, outcome.failure, outcome.interim
