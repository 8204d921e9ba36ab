"""Sampler and Estimator: V2 primitives on a session, batch or backend, and the seed-era pair.

V2 primitives send circuits as given (they must be ISA for the backend, as on the real service).
The seed-era ``Sampler``/``Estimator`` transpile for the backend first, as the service did in 2023,
and return the seed-era ``SamplerResult``/``EstimatorResult``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import (
    BaseEstimatorV2,
    BaseSamplerV2,
    EstimatorResult,
    PrimitiveResult,
    SamplerResult,
)
from qiskit.primitives.containers.estimator_pub import EstimatorPub, EstimatorPubLike
from qiskit.primitives.containers.sampler_pub import SamplerPub, SamplerPubLike
from qiskit.providers import BackendV2
from qiskit.quantum_info import SparsePauliOp
from qiskit.result import QuasiDistribution

from .errors import IBMInputTypeError, IBMInputValueError
from .job import RuntimeJob
from .options import EstimatorOptions, Options, SamplerOptions
from .session import Session, current_session
from .validation import check_positive_finite, check_positive_int
from .wire import codec

if TYPE_CHECKING:
    from .service import QiskitRuntimeService

__all__ = ["Estimator", "EstimatorV2", "Sampler", "SamplerV2"]

Mode: TypeAlias = "Session | BackendV2 | None"
_Opts = TypeVar("_Opts", SamplerOptions, EstimatorOptions, Options)


def _submit(
    mode: Mode,
    program_id: str,
    params: dict[str, Any],
    job_options: dict[str, Any],
    result_decoder: Any = None,
) -> RuntimeJob:
    """Send a job in ``mode`` (a session or batch, or a backend for a job outside any session)."""
    mode = mode if mode is not None else current_session()
    options = {"log_level": "WARNING", **job_options}
    if isinstance(mode, Session):
        return mode.run(program_id, params, options, result_decoder=result_decoder)
    if isinstance(mode, BackendV2):
        service: QiskitRuntimeService | None = getattr(mode, "service", None)
        if service is None:
            raise IBMInputValueError(
                f"Backend {mode.name!r} does not belong to a QiskitRuntimeService; get it with "
                "service.backend(name), or pass a Session."
            )
        return service.run(
            program_id, params, options, backend_name=mode.name, result_decoder=result_decoder
        )
    raise IBMInputValueError(
        f"Invalid mode {mode!r}: pass mode= a Session, a Batch or a backend from "
        "service.backend(name), "
        "or create the primitive inside a `with Session(...)` block."
    )


_PUB_FORMS = {
    "sampler": "A sampler pub is a circuit or a tuple (circuit, parameter_values, shots), shots a "
    "positive int.",
    "estimator": "An estimator pub is a tuple (circuit, observables, parameter_values, precision),"
    " precision a finite number > 0.",
}


def _coerce(kind: str, pubs: Iterable[Any], coerce: Callable[[Any], Any]) -> list[Any]:
    """``coerce`` each pub (qiskit's own checks), re-raised naming the pub that failed.

    qiskit raises ``TypeError`` for a value of the wrong type (``shots=1.5``) and ``ValueError``
    for a bad value; they become ``IBMInputTypeError`` and ``IBMInputValueError``.
    """
    if isinstance(pubs, QuantumCircuit) or not isinstance(pubs, Iterable):
        # A bare circuit is a ValueError in qiskit too; anything else not iterable, a TypeError.
        error = IBMInputValueError if isinstance(pubs, QuantumCircuit) else IBMInputTypeError
        raise error(
            f"pubs must be a list of {kind} pubs, got {type(pubs).__name__}: wrap a single "
            f"circuit in a list, e.g. {kind}.run([circuit])."
        )
    form = _PUB_FORMS[kind]
    coerced = []
    for index, pub in enumerate(pubs):
        try:
            coerced.append(coerce(pub))
        except TypeError as exc:
            raise IBMInputTypeError(f"Invalid pubs[{index}] for {kind}.run: {exc}. {form}") from exc
        except ValueError as exc:
            raise IBMInputValueError(
                f"Invalid pubs[{index}] for {kind}.run: {exc}. {form}"
            ) from exc
    if not coerced:
        example = "[circuit]" if kind == "sampler" else "[(circuit, observable)]"
        raise IBMInputValueError(f"run() needs at least one pub, e.g. {kind}.run({example}).")
    return coerced


def _check_mode(mode: Any) -> Mode:
    if mode is not None and not isinstance(mode, (Session, BackendV2)):
        raise IBMInputTypeError(
            f"mode must be a Session, a Batch, a backend from service.backend(name) or None, got "
            f"{mode!r}. A backend name is not enough: pass service.backend({mode!r})."
            if isinstance(mode, str)
            else f"mode must be a Session, a Batch, a backend or None, got {type(mode).__name__}."
        )
    return mode


def _options(options: Any, kind: type[_Opts]) -> _Opts:
    if isinstance(options, kind):
        return options
    if options is not None and not isinstance(options, dict):
        raise IBMInputTypeError(
            f"options must be a {kind.__name__} or a dict of its fields, got "
            f"{type(options).__name__}."
        )
    return kind(**(options or {}))


def _parameter_array(pub: SamplerPub | EstimatorPub) -> np.ndarray:
    return np.asarray(pub.parameter_values.as_array(pub.circuit.parameters))


class SamplerV2(BaseSamplerV2):
    """Samples bitstrings from ISA circuits on Qiskit Runtime."""

    def __init__(
        self, mode: Mode = None, options: SamplerOptions | dict[str, Any] | None = None
    ) -> None:
        self._mode = _check_mode(mode)
        self._options = _options(options, SamplerOptions)

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def options(self) -> SamplerOptions:
        return self._options

    def run(self, pubs: Iterable[SamplerPubLike], *, shots: int | None = None) -> RuntimeJob:
        """Sample each pub; ``shots`` (a positive int) applies to pubs that do not set theirs."""
        if shots is not None:
            shots = check_positive_int("shots", shots)
        coerced: list[SamplerPub] = _coerce(
            "sampler", pubs, lambda pub: SamplerPub.coerce(pub, shots)
        )
        for index, pub in enumerate(coerced):
            if pub.circuit.num_clbits == 0:
                raise IBMInputValueError(
                    f"Pub {index} has a circuit with no classical bits: the sampler returns "
                    "measured "
                    "bits, so add measurements (circuit.measure_all())."
                )
        params = {
            "pubs": [
                [pub.circuit, _parameter_array(pub), None if pub.shots is None else int(pub.shots)]
                for pub in coerced
            ],
            "options": self._options.program_options(),
            "version": 2,
            "support_qiskit": True,
        }
        return _submit(self._mode, "sampler", params, self._options.job_options())


class EstimatorV2(BaseEstimatorV2):
    """Estimates expectation values of observables on ISA circuits on Qiskit Runtime."""

    def __init__(
        self, mode: Mode = None, options: EstimatorOptions | dict[str, Any] | None = None
    ) -> None:
        self._mode = _check_mode(mode)
        self._options = _options(options, EstimatorOptions)

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def options(self) -> EstimatorOptions:
        return self._options

    def run(
        self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None
    ) -> RuntimeJob:
        """Estimate each pub; ``precision`` (finite, > 0) applies to pubs that do not set theirs."""
        if precision is not None:
            precision = check_positive_finite("precision", precision)
        coerced: list[EstimatorPub] = _coerce(
            "estimator", pubs, lambda pub: EstimatorPub.coerce(pub, precision)
        )
        # qiskit lets a pub's precision be 0, NaN or infinite; the service does not.
        pub_precisions = [
            None
            if pub.precision is None
            else check_positive_finite(f"pubs[{index}] precision", pub.precision)
            for index, pub in enumerate(coerced)
        ]
        options = self._options.program_options()
        # As the official client: the resilience level goes beside the options, not in them.
        level = options.pop("resilience_level", None)
        params = {
            "pubs": [
                [pub.circuit, pub.observables.tolist(), _parameter_array(pub), pub_precision]
                for pub, pub_precision in zip(coerced, pub_precisions, strict=True)
            ],
            "options": options,
            "version": 2,
            "support_qiskit": True,
            **({} if level is None else {"resilience_level": level}),
        }
        return _submit(self._mode, "estimator", params, self._options.job_options())


# --- seed era --------------------------------------------------------------------------------


def _as_list(circuits: QuantumCircuit | Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
    found = [circuits] if isinstance(circuits, QuantumCircuit) else list(circuits)
    if not found or not all(isinstance(c, QuantumCircuit) for c in found):
        raise IBMInputValueError("circuits must be a QuantumCircuit or a non-empty list of them.")
    return found


class _SeedPrimitive:
    def __init__(
        self,
        session: Session | None = None,
        options: Options | dict[str, Any] | None = None,
        backend: BackendV2 | str | None = None,
    ) -> None:
        if session is not None and not isinstance(session, Session):
            raise IBMInputTypeError(
                f"session must be a Session, a Batch or None, got {type(session).__name__}."
            )
        if backend is not None and not isinstance(backend, (BackendV2, str)):
            raise IBMInputTypeError(
                f"backend must be a backend, a backend name or None, got {type(backend).__name__}."
            )
        self._session = session
        self._backend = backend
        self.options = _options(options, Options)

    def _mode(self) -> Mode:
        if self._session is not None:
            return self._session
        if isinstance(self._backend, BackendV2):
            return self._backend
        found = current_session()
        if isinstance(self._backend, str) and found is None:
            raise IBMInputValueError(
                f"A backend name ({self._backend!r}) needs a session: "
                "pass session=Session(backend=...)."
            )
        return found

    def _target_backend(self, mode: Mode) -> BackendV2:
        if isinstance(mode, BackendV2):
            return mode
        if isinstance(mode, Session):
            name = mode.backend()
            if name is None:
                raise IBMInputValueError(
                    "The session has no backend yet, so circuits cannot be transpiled for it: "
                    "create "
                    "it with Session(backend=...)."
                )
            return mode.service.backend(name)
        raise IBMInputValueError(
            "Pass session= (or backend=), or create the primitive inside `with Session(...)`."
        )

    def _transpile(
        self, circuits: list[QuantumCircuit], backend: BackendV2
    ) -> list[QuantumCircuit]:
        from qiskit.transpiler import generate_preset_pass_manager

        manager = generate_preset_pass_manager(
            optimization_level=self.options.optimization_level,
            backend=backend,
            seed_transpiler=self.options.simulator.seed_simulator,
        )
        return list(manager.run(circuits))

    def _job_options(self) -> dict[str, Any]:
        found: dict[str, Any] = {"log_level": self.options.environment.log_level}
        if self.options.max_execution_time:
            found["max_execution_time"] = self.options.max_execution_time
        if self.options.environment.job_tags:
            found["job_tags"] = self.options.environment.job_tags
        return found

    def _program_options(self) -> dict[str, Any]:
        seed = self.options.simulator.seed_simulator
        return {} if seed is None else {"simulator": {"seed_simulator": seed}}


class Sampler(_SeedPrimitive):
    """The seed-era sampler: ``Sampler(session=session, options=options).run(circuits)``.

    Its job's ``result()`` is a ``SamplerResult`` of quasi-distributions, as in 2023.
    """

    def run(
        self,
        circuits: QuantumCircuit | Sequence[QuantumCircuit],
        parameter_values: Sequence[Sequence[float]] | Sequence[float] | None = None,
        **run_options: Any,
    ) -> RuntimeJob:
        originals = _as_list(circuits)
        values = _seed_parameter_values(originals, parameter_values)
        shots = check_positive_int("shots", run_options.pop("shots", self.options.execution.shots))
        if run_options:
            raise IBMInputValueError(
                f"Unknown run options {sorted(run_options)}; the sampler takes shots=."
            )
        mode = self._mode()
        isa = self._transpile(originals, self._target_backend(mode))
        pubs = [
            [circuit, np.asarray(value, dtype=float), shots]
            for circuit, value in zip(isa, values, strict=True)
        ]
        params = {
            "pubs": pubs,
            "options": self._program_options(),
            "version": 2,
            "support_qiskit": True,
        }
        return _submit(
            mode, "sampler", params, self._job_options(), result_decoder=_to_sampler_result
        )


class Estimator(_SeedPrimitive):
    """The seed-era estimator: ``Estimator(session=...).run(circuits, observables)``.

    Its job's ``result()`` is an ``EstimatorResult`` of values with variance metadata.
    """

    def run(
        self,
        circuits: QuantumCircuit | Sequence[QuantumCircuit],
        observables: Any,
        parameter_values: Sequence[Sequence[float]] | Sequence[float] | None = None,
        **run_options: Any,
    ) -> RuntimeJob:
        originals = _as_list(circuits)
        observable_list = (
            [observables] if not isinstance(observables, (list, tuple)) else list(observables)
        )
        if len(observable_list) != len(originals):
            raise IBMInputValueError(
                f"Got {len(originals)} circuits but {len(observable_list)} observables: pass one "
                "observable per circuit."
            )
        values = _seed_parameter_values(originals, parameter_values)
        shots = check_positive_int("shots", run_options.pop("shots", self.options.execution.shots))
        if run_options:
            raise IBMInputValueError(
                f"Unknown run options {sorted(run_options)}; the estimator takes shots=."
            )
        mode = self._mode()
        isa = self._transpile(originals, self._target_backend(mode))
        pubs = []
        for circuit, observable, value in zip(isa, observable_list, values, strict=True):
            operator = (
                SparsePauliOp(observable)
                if not isinstance(observable, SparsePauliOp)
                else observable
            )
            mapped = operator.apply_layout(circuit.layout)
            coeffs = {label: float(np.real(c)) for label, c in mapped.to_list()}
            pubs.append([circuit, coeffs, np.asarray(value, dtype=float), 1 / np.sqrt(shots)])
        params = {
            "pubs": pubs,
            "options": self._program_options(),
            "version": 2,
            "support_qiskit": True,
        }
        return _submit(
            mode, "estimator", params, self._job_options(), result_decoder=_to_estimator_result
        )


def _seed_parameter_values(circuits: list[QuantumCircuit], values: Any) -> list[list[float]]:
    if values is None:
        found: list[list[float]] = [[] for _ in circuits]
    elif len(circuits) == 1 and values and not isinstance(values[0], (list, tuple, np.ndarray)):
        found = [list(values)]
    else:
        found = [list(v) for v in values]
    if len(found) != len(circuits):
        raise IBMInputValueError(
            f"Got {len(circuits)} circuits but {len(found)} sets of parameter values."
        )
    for index, (circuit, value) in enumerate(zip(circuits, found, strict=True)):
        if len(value) != circuit.num_parameters:
            raise IBMInputValueError(
                f"Circuit {index} has {circuit.num_parameters} parameters but {len(value)} "
                "values were given."
            )
    return found


def _to_sampler_result(text: str) -> SamplerResult:
    result = codec.decode(text)
    if not isinstance(result, PrimitiveResult):
        raise IBMInputValueError(
            f"Expected a PrimitiveResult from the sampler, got {type(result).__name__}."
        )
    dists, metadata = [], []
    for pub_result in result:
        bits = pub_result.join_data()
        shots = bits.num_shots
        counts = bits.get_int_counts()
        dists.append(QuasiDistribution({k: v / shots for k, v in counts.items()}, shots=shots))
        metadata.append({"shots": shots})
    return SamplerResult(quasi_dists=dists, metadata=metadata)


def _to_estimator_result(text: str) -> EstimatorResult:
    result = codec.decode(text)
    if not isinstance(result, PrimitiveResult):
        raise IBMInputValueError(
            f"Expected a PrimitiveResult from the estimator, got {type(result).__name__}."
        )
    values, metadata = [], []
    for pub_result in result:
        values.append(float(np.asarray(pub_result.data.evs)))
        std = float(np.asarray(pub_result.data.stds))
        shots = pub_result.metadata.get("shots")
        metadata.append({"variance": std**2 * (shots or 1), "shots": shots})
    return EstimatorResult(values=np.asarray(values), metadata=metadata)
