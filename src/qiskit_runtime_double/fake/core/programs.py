"""The programs a fake runs: the primitives, the 2023 service's own programs, and users' programs.

A program is what ``POST /jobs`` names in ``program_id``. The primitives (``sampler``,
``estimator``) are run by the fake's executor; every other program is a Python function with the
2023 interface, ``main(backend, user_messenger, **inputs)``:

- ``backend`` is a ``ProgramBackend``: the job's backend (its ``Target``, so ``transpile`` works),
  whose ``run(circuits, shots=...)`` simulates on the fake's executor (the device's noise, seeded
  by the job) and returns a job whose ``result()`` is a qiskit ``Result``;
- ``user_messenger.publish(message, encoder=None, final=False)`` publishes an interim result
  (JSON, as ``RuntimeEncoder`` writes it), or with ``final=True`` the job's result;
- the return value, if not None, is the job's result (else the last ``final=True`` message).

When does it run? The scheduler gives a program's job a simulated duration like any job (the
duration model sees a ``ProgramWorkload``: its circuit and shot estimates). When the simulation
ends the run, the program is executed, outside the fake's lock (``RuntimeState``), and what it
published is timestamped within the run, evenly spread, in order: readers of
``GET /jobs/{id}/interim_results`` and of the stream see them as soon as the run is over, in the
order published. A program that raises fails its job: the reason names the exception and the
result is the traceback, as on the 2023 service.

The built-in programs are in ``builtin_programs.py``; ``FakeRuntime.register_program`` adds
users' own (``ProgramRegistry``).
"""

from __future__ import annotations

import copy
import datetime as _dt
import inspect
import json
import re
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from qiskit.circuit import QuantumCircuit
from qiskit.providers import JobStatus, JobV1, Options
from qiskit.transpiler import Target

from ...wire import codec
from ...wire.control import MAX_JOB_SECONDS
from ...wire.numbers import is_int
from ...wire.vocabulary import ReasonCode
from .catalogue import BackendEntry, TargetBackend
from .errors import BadRequest
from .service_programs import ServiceProgram

__all__ = [
    "DEFAULT_PROGRAM_SHOTS",
    "MAX_INTERIM_RESULTS",
    "Program",
    "ProgramBackend",
    "ProgramMain",
    "ProgramOutcome",
    "ProgramRegistry",
    "ProgramWorkload",
    "UserMessenger",
    "interim_times",
    "prepare_program",
    "run_program",
    "user_program",
]

#: ``main(backend, user_messenger, **inputs)``: a program's entry point (2023 interface).
ProgramMain = Callable[..., Any]
#: ``inputs -> (circuits, shots)``: what a program's job will run, for the duration model.
Estimate = Callable[[dict[str, Any]], tuple[int, int]]
#: ``(circuits, run options) -> qiskit Result``: the executor's simulator behind a program backend.
Runner = Callable[[list[QuantumCircuit], dict[str, Any]], Any]

#: Shots of ``backend.run`` when a program gives none: IBM's backends' default (Aer's is 1024).
DEFAULT_PROGRAM_SHOTS = 4000
#: The most messages one job's program may publish: the fake keeps them all in memory.
MAX_INTERIM_RESULTS = 10_000
#: The longest a user's program may declare its jobs run (``max_execution_time``): 30 days.
MAX_EXECUTION_TIME = int(MAX_JOB_SECONDS)
#: Caps of a job's estimated circuits and shots: however large the inputs, the default duration
#: model stays within a job's 30 days (the program's time limit stops such a job anyway).
MAX_ESTIMATED_CIRCUITS, MAX_ESTIMATED_SHOTS = 10**6, 10**9
#: When the 2023 service's own programs were created and last updated, as ``GET /programs`` says.
BUILTIN_DATE = _dt.datetime(2021, 9, 13, 17, 27, 42, tzinfo=_dt.timezone.utc)
_PROGRAM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
#: Run options a program's ``backend.run`` takes, and IBM's that it accepts and ignores.
_RUN_OPTIONS = frozenset({"shots", "memory", "seed_simulator"})
_IGNORED_RUN_OPTIONS = frozenset(
    {"init_qubits", "rep_delay", "meas_level", "meas_return", "use_measure_esp", "noise_model"}
)


@dataclass(frozen=True)
class Program:
    """A program the fake runs: its metadata as ``GET /programs/{id}`` shows it, and its ``main``.

    ``main`` None: a primitive, which the executor runs, or a program the service runs itself
    (``service``: ``executor``, ``noise-learner``; ``service_programs.py``). ``check_params``,
    when set, checks a job's raw JSON params before anything else (IBM's models; a 400). The JSON
    Schemas (``parameters``...) are copied when given and when read, so nobody shares a dict
    with the fake.
    """

    program_id: str
    name: str
    description: str
    main: ProgramMain | None
    parameters: dict[str, Any] | None = None
    return_values: dict[str, Any] | None = None
    interim_results: dict[str, Any] | None = None
    backend_requirements: dict[str, Any] | None = None
    #: Seconds a job of it may run before it is stopped (``cost`` on the wire; 0: no limit).
    max_execution_time: int = 0
    is_public: bool = True
    created: _dt.datetime = BUILTIN_DATE
    updated: _dt.datetime = BUILTIN_DATE
    estimate: Estimate | None = field(default=None, compare=False)
    service: ServiceProgram | None = field(default=None, compare=False)
    check_params: Callable[[Any], None] | None = field(default=None, compare=False)

    def spec(self) -> dict[str, Any]:
        """``spec`` as the service sends it: only the schemas the program has, copied."""
        parts = {
            "backend_requirements": self.backend_requirements,
            "parameters": self.parameters,
            "return_values": self.return_values,
            "interim_results": self.interim_results,
        }
        return {key: copy.deepcopy(value) for key, value in parts.items() if value}

    @property
    def min_num_qubits(self) -> int:
        found = (self.backend_requirements or {}).get("min_num_qubits", 0)
        return found if is_int(found) else 0


class ProgramRegistry:
    """The programs of one fake: the built-in ones, then users' in the order registered.

    Kept across ``FakeRuntime.reset()`` (programs are configuration, like backends). Its lock is a
    leaf: nothing is called while it is held.
    """

    def __init__(self, builtin: list[Program]) -> None:
        self._builtin = {program.program_id: program for program in builtin}
        self._users: dict[str, Program] = {}
        self._lock = threading.Lock()

    def get(self, program_id: str) -> Program | None:
        with self._lock:
            return self._builtin.get(program_id) or self._users.get(program_id)

    def all(self) -> list[Program]:
        with self._lock:
            return [*self._builtin.values(), *self._users.values()]

    def ids(self) -> list[str]:
        return [program.program_id for program in self.all()]

    def register(self, program: Program, *, replace: bool = False) -> None:
        """Add a user's program; one already registered is replaced only with ``replace``."""
        with self._lock:
            if program.program_id in self._builtin:
                raise ValueError(
                    f"register_program: {program.program_id!r} is one of the fake's built-in "
                    f"programs ({', '.join(self._builtin)}); give yours another id."
                )
            if program.program_id in self._users and not replace:
                raise ValueError(
                    f"register_program: a program {program.program_id!r} is already registered; "
                    "pass replace=True to replace it."
                )
            self._users[program.program_id] = program


def check_program_id(program_id: object) -> str:
    """A user program's id: 1 to 100 letters, digits, ``-``, ``_`` or ``.``, starting alnum."""
    if not isinstance(program_id, str):
        raise TypeError(
            f"register_program: program_id must be a str, got {type(program_id).__name__}"
        )
    if _PROGRAM_ID.fullmatch(program_id) is None:
        raise ValueError(
            f"register_program: program_id {program_id[:120]!r} must be 1 to 100 letters, digits, "
            "'-', '_' or '.', starting with a letter or digit (it travels in URLs), e.g. "
            "'my-program'."
        )
    return program_id


def check_main(main: object) -> ProgramMain:
    """``main`` must take ``(backend, user_messenger, **inputs)``."""
    if not callable(main):
        raise TypeError(
            "register_program: main must be a function main(backend, user_messenger, **inputs), "
            f"got {type(main).__name__} {main!r:.80}"
        )
    try:
        inspect.signature(main).bind(None, None)
    except TypeError:
        raise TypeError(
            "register_program: main must take two positional arguments, (backend, "
            "user_messenger), and the job's inputs as keyword arguments: def main(backend, "
            f"user_messenger, **inputs). {getattr(main, '__name__', main)!r} does not."
        ) from None
    except ValueError:  # no signature (some builtins): trust it
        pass
    return main


def check_schema(method: str, name: str, value: object) -> dict[str, Any] | None:
    """A JSON Schema argument: None, or a dict that is JSON (copied)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(
            f"{method}: {name} must be a JSON Schema dict (or None), got {type(value).__name__}"
        )
    try:
        text = json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{method}: {name} must be JSON (a JSON Schema): {exc}") from None
    schema: dict[str, Any] = json.loads(text)
    properties, required = schema.get("properties", {}), schema.get("required", [])
    if not isinstance(properties, dict) or not (
        isinstance(required, list) and all(isinstance(item, str) for item in required)
    ):
        raise ValueError(
            f"{method}: {name} must have 'properties' as an object and 'required' as a list of "
            "parameter names, as a JSON Schema does: {'properties': {'iterations': {'type': "
            "'integer'}}, 'required': ['iterations']}"
        )
    return schema


# --- what a program gets ----------------------------------------------------------------------


class UserMessenger:
    """How a program talks to its user (2023's ``UserMessenger``): ``publish`` messages.

    Each message is written as JSON by ``encoder`` (default: ``RuntimeEncoder``, which also
    writes circuits, arrays, complex numbers...). ``final=True`` makes the message the job's
    result instead of an interim result. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._interim: list[str] = []
        self._final: str | None = None

    def publish(
        self, message: Any, encoder: type[json.JSONEncoder] | None = None, final: bool = False
    ) -> None:
        try:
            text = json.dumps(message, cls=encoder) if encoder else codec.encode(message)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"user_messenger.publish: the message cannot be written as JSON ({exc}); publish "
                "JSON values, or what RuntimeEncoder writes (circuits, numpy arrays...)."
            ) from exc
        with self._lock:
            if final:
                self._final = text
                return
            if len(self._interim) >= MAX_INTERIM_RESULTS:
                raise RuntimeError(
                    f"user_messenger.publish: the program published more than "
                    f"{MAX_INTERIM_RESULTS} interim results; the fake keeps at most that many "
                    "per job. Publish fewer, larger messages."
                )
            self._interim.append(text)

    @property
    def interim(self) -> list[str]:
        """The interim results published so far, oldest first."""
        with self._lock:
            return list(self._interim)

    @property
    def final(self) -> str | None:
        """The last message published with ``final=True``, if any."""
        with self._lock:
            return self._final


class _DoneJob(JobV1):
    """A ``backend.run`` job inside a program: run at once, so always done."""

    def __init__(self, backend: ProgramBackend, job_id: str, result: Any) -> None:
        super().__init__(backend, job_id)
        self._result = result

    def submit(self) -> None:
        raise NotImplementedError("the job was run when backend.run() returned it")

    def result(self) -> Any:
        return self._result

    def status(self) -> JobStatus:
        return JobStatus.DONE


class ProgramBackend(TargetBackend):
    """The backend a program's ``main`` gets: the job's backend, simulated by the fake.

    ``target`` is the backend's, so ``transpile(circuit, backend)`` works as on the service.
    ``run(circuits, shots=4000, memory=False, seed_simulator=None)`` simulates at once (the job's
    simulated time already covers it) and returns a done job; its ``result()`` is a qiskit
    ``Result`` (``get_counts()``, ``to_dict()``). Without ``seed_simulator``, run ``k`` of the
    program is seeded with ``seed + k``: the same job runs the same way every time. IBM's run
    options ``init_qubits``, ``rep_delay``... are accepted and ignored; others are refused.
    """

    def __init__(
        self,
        name: str,
        target: Target,
        runner: Runner,
        *,
        seed: int,
        job_id: str,
        max_shots: int,
    ) -> None:
        super().__init__(name, target)
        self.description = f"{name}, as a program sees it"
        self._runner = runner
        self._seed, self._job_id, self._max_shots = seed, job_id, max_shots
        self._runs = 0
        self._lock = threading.Lock()

    @property
    def seed(self) -> int:
        """The job's seed: programs that draw random numbers seed from it, to be reproducible."""
        return self._seed

    @classmethod
    def _default_options(cls) -> Options:
        return Options(shots=DEFAULT_PROGRAM_SHOTS, memory=False, seed_simulator=None)

    def run(self, run_input: Any, **options: Any) -> _DoneJob:
        circuits = [run_input] if isinstance(run_input, QuantumCircuit) else run_input
        if not isinstance(circuits, (list, tuple)) or not all(
            isinstance(circuit, QuantumCircuit) for circuit in circuits
        ):
            raise TypeError(
                f"{self.name}.run() takes a QuantumCircuit or a list of them, got "
                f"{type(run_input).__name__}"
            )
        unknown = set(options) - _RUN_OPTIONS - _IGNORED_RUN_OPTIONS
        if unknown:
            raise TypeError(
                f"{self.name}.run() got unknown option(s) {', '.join(sorted(unknown))}; it takes "
                f"{', '.join(sorted(_RUN_OPTIONS))} (and ignores IBM's "
                f"{', '.join(sorted(_IGNORED_RUN_OPTIONS))})."
            )
        defaults = self.options
        shots = options.get("shots", defaults.shots)
        if not is_int(shots) or not 1 <= shots <= self._max_shots:
            raise ValueError(
                f"{self.name}.run(): shots must be an integer from 1 to {self._max_shots}, "
                f"got {shots!r}"
            )
        with self._lock:
            index, self._runs = self._runs, self._runs + 1
        seed = options.get("seed_simulator")
        seed = (self._seed + index) % 2**32 if seed is None else seed
        memory = bool(options.get("memory", defaults.memory))
        result = self._runner(
            list(circuits), {"shots": shots, "seed_simulator": seed, "memory": memory}
        )
        result.backend_name, result.job_id = self.name, self._job_id
        return _DoneJob(self, f"{self._job_id}-{index}", result)


# --- a program's job ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramWorkload:
    """A job of a program (not a primitive): the program as it was when the job was submitted,
    its decoded inputs, and estimates of what it runs (``num_circuits``, ``total_shots``), which
    the duration model reads as for a primitive."""

    program: Program
    inputs: dict[str, Any]
    num_circuits: int
    total_shots: int
    backend_name: str

    @property
    def program_id(self) -> str:
        return self.program.program_id


def prepare_program(program: Program, inputs: Any, entry: BackendEntry) -> ProgramWorkload:
    """Check a program's job before it is queued (a ``BadRequest`` when it cannot run there).

    The inputs are not checked against the program's parameters: as on the 2023 service, the
    program itself refuses what it cannot use, and its job fails with its traceback.
    """
    if not isinstance(inputs, dict):
        raise BadRequest(f"params must be an object of the program's inputs, got {inputs!r:.80}.")
    needed = program.min_num_qubits
    if entry.num_qubits < needed:
        raise BadRequest(
            f"Program {program.program_id!r} needs a backend of at least {needed} qubits; "
            f"{entry.name} has {entry.num_qubits}. Run it on a larger backend."
        )
    circuits, shots = 1, 0
    if program.estimate is not None:
        try:
            circuits, shots = program.estimate(inputs)
        except Exception:  # bad inputs fail the job when it runs, with the program's own error
            circuits, shots = 1, 0
    return ProgramWorkload(
        program,
        inputs,
        min(max(int(circuits), 0), MAX_ESTIMATED_CIRCUITS),
        min(max(int(shots), 0), MAX_ESTIMATED_SHOTS),
        entry.name,
    )


@dataclass(frozen=True)
class ProgramOutcome:
    """What running a program gave: its result text (None if it failed), the failure's
    ``(reason, code)``, and the interim results it published, oldest first."""

    result: str | None
    failure: tuple[str, int] | None
    interim: list[str]


def run_program(
    program: Program, inputs: dict[str, Any], backend: ProgramBackend
) -> ProgramOutcome:
    """Run ``program.main(backend, messenger, **inputs)`` (outside the fake's lock).

    The result is the return value (not None) as JSON, else the last ``final=True`` message,
    else ``null``. An exception fails the job: its text is the traceback from the program down.
    """
    assert program.main is not None, "primitives are run by the executor"
    messenger = UserMessenger()
    try:
        returned = program.main(backend, messenger, **inputs)
        text = codec.encode(returned) if returned is not None else messenger.final or "null"
    except Exception as exc:  # the program's failure is its job's, not the service's
        reason = f"Program {program.program_id} failed: {type(exc).__name__}: {exc}"
        return ProgramOutcome(
            _traceback_text(exc), (reason[:2000], ReasonCode.EXECUTION_FAILED), messenger.interim
        )
    return ProgramOutcome(text, None, messenger.interim)


def _traceback_text(exc: BaseException) -> str:
    """The traceback of ``exc`` from the program's frames down (without ``run_program``'s)."""
    tb = exc.__traceback__
    tb = tb.tb_next if tb is not None and tb.tb_next is not None else tb
    return "".join(traceback.format_exception(type(exc), exc, tb))


def interim_times(count: int, start: _dt.datetime, stop: _dt.datetime) -> Iterator[_dt.datetime]:
    """When each of ``count`` interim results was published: spread evenly over the run, in
    order, each strictly inside ``start``-``stop`` (all at ``start`` for a run of no time)."""
    run = stop - start
    for index in range(count):
        # Multiplied first: a step rounded to microseconds, then added up, could pass ``stop``.
        yield start + run * (index + 1) / (count + 1)


def user_program(
    program_id: object,
    main: object,
    *,
    parameters: object = None,
    description: object = "",
    name: object = None,
    return_values: object = None,
    interim_results: object = None,
    backend_requirements: object = None,
    max_execution_time: object = 300,
    is_public: object = False,
    at: _dt.datetime,
) -> Program:
    """A user's program from ``register_program``'s arguments, each checked (``TypeError`` or
    ``ValueError`` naming it)."""
    method = "register_program"
    program_id = check_program_id(program_id)
    for label, text in (("description", description), ("name", name)):
        if text is not None and not isinstance(text, str):
            raise TypeError(f"{method}: {label} must be a str, got {type(text).__name__}")
    if not is_int(max_execution_time) or not 0 < max_execution_time <= MAX_EXECUTION_TIME:
        raise ValueError(
            f"{method}: max_execution_time must be a whole number of seconds from 1 to "
            f"{MAX_EXECUTION_TIME}, got {max_execution_time!r}"
        )
    if not isinstance(is_public, bool):
        raise TypeError(f"{method}: is_public must be True or False, got {is_public!r}")
    return Program(
        program_id=program_id,
        name=name if isinstance(name, str) and name else program_id,
        description=description if isinstance(description, str) else "",
        main=check_main(main),
        parameters=check_schema(method, "parameters", parameters),
        return_values=check_schema(method, "return_values", return_values),
        interim_results=check_schema(method, "interim_results", interim_results),
        backend_requirements=check_schema(method, "backend_requirements", backend_requirements),
        max_execution_time=max_execution_time,
        is_public=is_public,
        created=at,
        updated=at,
    )
