"""The seed era's code, run by the seed era's client against a served fake.

Runs in ``.venv-legacy`` (``qiskit-ibm-runtime`` 0.15.1, qiskit 0.45: ``scripts/setup-legacy``),
started by ``test_legacy_client.py`` with the ``QISKIT_IBM_*`` environment of
``compat.legacy_environment``: the client is unchanged, only its account points at the fake.
Each scenario prints one line ``RESULT <name> <json>`` of what it saw; the test checks those
lines and the fake's own records. A scenario that raises prints ``FAILED <name> <traceback>``
and the others still run, so one run reports every problem.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import traceback
from collections.abc import Callable
from typing import Any

#: The example of the seed (``Session``'s API reference, 2023), exactly as printed there.
SEED_EXAMPLE = """\
from qiskit.test.reference_circuits import ReferenceCircuits
from qiskit_ibm_runtime import Sampler, Session, Options

options = Options(optimization_level=3)

with Session(backend="ibmq_qasm_simulator") as session:
    sampler = Sampler(session=session, options=options)
    job = sampler.run(ReferenceCircuits.bell())
    print(f"Sampler job ID: {job.job_id()}")
    print(f"Sampler job result: {job.result()}")
    # Close the session only if all jobs are finished and
    # you don't need to run more in the session.
    session.close()
"""

BACKEND = "ibmq_qasm_simulator"
SCENARIOS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def scenario(function: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., Any]:
    SCENARIOS[function.__name__] = function
    return function


def _bell(measure: bool = True) -> Any:
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    if measure:
        circuit.measure_all()
    return circuit


def _quasi(result: Any) -> list[dict[str, float]]:
    return [{str(key): float(value) for key, value in dist.items()} for dist in result.quasi_dists]


@scenario
def seed_example(seen: dict[str, Any]) -> dict[str, Any]:
    """The seed's example, run as a user's script: the default account, the session closed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(SEED_EXAMPLE, "seed_example.py", "exec"), {"__name__": "__main__"})
    lines = printed.getvalue().splitlines()
    job_id = lines[0].removeprefix("Sampler job ID: ")
    seen["seed_job"] = job_id
    return {"printed": lines, "job_id": job_id}


@scenario
def estimator(seen: dict[str, Any]) -> dict[str, Any]:
    """The seed-era Estimator in a session with a ``max_time`` string."""
    from qiskit.circuit import Parameter, QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import Estimator, QiskitRuntimeService, Session

    theta = Parameter("theta")
    rotation = QuantumCircuit(1)
    rotation.ry(theta, 0)
    service = QiskitRuntimeService()
    with Session(service=service, backend=BACKEND, max_time="1h 30m") as session:
        estimator = Estimator(session=session)
        job = estimator.run(
            [_bell(measure=False), rotation],
            [SparsePauliOp("ZZ"), SparsePauliOp("Z")],
            parameter_values=[[], [math.pi / 3]],
        )
        result = job.result()
        seen["estimator_job"] = job.job_id()
        return {
            "values": [float(v) for v in result.values],
            "metadata": result.metadata,
            "job_id": job.job_id(),
            "session_id": session.session_id,
        }


@scenario
def session_run(seen: dict[str, Any]) -> dict[str, Any]:
    """``Session.run`` with a program id and the program's inputs, no primitive."""
    from qiskit_ibm_runtime import QiskitRuntimeService, Session

    service = QiskitRuntimeService()
    session = Session(service=service, backend=BACKEND, max_time=600)
    job = session.run("sampler", {"circuits": [_bell()], "run_options": {"shots": 100}})
    result = job.result()
    session.close()
    seen["run_job"] = job.job_id()
    return {
        "quasi_dists": _quasi(result),
        "shots": [meta["shots"] for meta in result.metadata],
        "job_id": job.job_id(),
        "session_id": session.session_id,
        "program_id": job.program_id,
    }


@scenario
def from_id(seen: dict[str, Any]) -> dict[str, Any]:
    """A session picked up by its id: its jobs join it; after ``close()`` it runs nothing."""
    from qiskit_ibm_runtime import QiskitRuntimeService, Session

    service = QiskitRuntimeService()
    first_session = Session(service=service, backend=BACKEND)
    first = first_session.run("sampler", {"circuits": [_bell()]})
    first.result()
    again = Session.from_id(first_session.session_id, service=service, backend=BACKEND)
    second = again.run("sampler", {"circuits": [_bell()]})
    second.result()
    details = again.details()
    again.close()
    try:
        again.run("sampler", {"circuits": [_bell()]})
        after_close = "accepted"
    except RuntimeError as exc:
        after_close = str(exc)
    return {
        "first_job": first.job_id(),
        "session_id": again.session_id,
        "second_job": second.job_id(),
        "second_session": second.session_id,
        "after_close": after_close,
        "details": details,
        "status_after_close": again.status(),
    }


@scenario
def no_backend(seen: dict[str, Any]) -> dict[str, Any]:
    """A session without a backend: the service picks one on ``ibm_cloud``; ``ibm_quantum``
    refuses it in the client."""
    from qiskit_ibm_runtime import QiskitRuntimeService, Sampler, Session

    service = QiskitRuntimeService()
    try:
        session = Session(service=service)
    except ValueError as exc:
        return {"refused": str(exc)}
    job = Sampler(session=session).run(_bell())
    job.result()
    session.close()
    return {"session_backend": session.backend(), "job_backend": job.backend().name}


@scenario
def retrieval(seen: dict[str, Any]) -> dict[str, Any]:
    """Jobs found again by id and by listing, with their results."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    service = QiskitRuntimeService()
    job = service.job(seen["seed_job"])
    result = job.result()
    listed = [j.job_id() for j in service.jobs(limit=20)]
    estimators = [j.job_id() for j in service.jobs(limit=20, program_id="estimator")]
    in_session = [j.job_id() for j in service.jobs(session_id=seen["run_job"])]
    return {
        "job_id": job.job_id(),
        "status": job.status().name,
        "program_id": job.program_id,
        "backend": job.backend().name,
        "session_id": job.session_id,
        "quasi_dists": _quasi(result),
        "listed": listed,
        "estimators": estimators,
        "in_session": in_session,
        "expected": {k: v for k, v in seen.items() if k.endswith("_job")},
    }


@scenario
def interim_results(seen: dict[str, Any]) -> dict[str, Any]:
    """A program that publishes interim results, run with a callback: the seed says the callback
    "is invoked for any interim results and final result". The 2023 client gets them through the
    websocket stream it opens to the runtime API (over TLS, as it only streams from https)."""
    import time

    from qiskit_ibm_runtime import QiskitRuntimeService

    service = QiskitRuntimeService()
    received: list[Any] = []

    def callback(job_id: str, message: Any) -> None:
        received.append(message)

    job = service.run(
        "hello-world", {"iterations": 2}, options={"backend": BACKEND}, callback=callback
    )
    final = job.result()
    deadline = time.monotonic() + 30
    while len(received) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the stream is read by the client's own thread
    return {"job_id": job.job_id(), "received": received, "final": final}


def main(names: list[str]) -> int:
    seen: dict[str, Any] = {}
    failed = 0
    for name in names or list(SCENARIOS):
        try:
            outcome = SCENARIOS[name](seen)
        except Exception:
            failed += 1
            print(f"FAILED {name} {json.dumps(traceback.format_exc())}", flush=True)
        else:
            print(f"RESULT {name} {json.dumps(outcome, default=str)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
