"""SamplerV2 and EstimatorV2: V2 primitives on a session, batch or backend.

V2 primitives send circuits as given (they must be ISA for the backend, as on the real service).
The seed-era ``Sampler``/``Estimator`` are in ``seed_primitives``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import (
    BaseEstimatorV2,
    BaseSamplerV2,
)
from qiskit.primitives.containers.estimator_pub import EstimatorPub, EstimatorPubLike
from qiskit.primitives.containers.sampler_pub import SamplerPub, SamplerPubLike
from qiskit.providers import BackendV2

from .errors import IBMInputTypeError, IBMInputValueError
from .job import RuntimeJob
from .options import EstimatorOptions, SamplerOptions
from .session import Session, current_session
from .validation import check_positive_finite, check_positive_int

if TYPE_CHECKING:
    from .job import Callback
    from .service import QiskitRuntimeService

__all__ = ["EstimatorV2", "SamplerV2"]

Mode: TypeAlias = "Session | BackendV2 | None"
_Opts = TypeVar("_Opts", SamplerOptions, EstimatorOptions)


def _submit(
    mode: Mode,
    program_id: str,
    params: dict[str, Any],
    job_options: dict[str, Any],
    result_decoder: Any = None,
    callback: Callback | None = None,
) -> RuntimeJob:
    """Send a job in ``mode`` (a session or batch, or a backend for a job outside any session)."""
    mode = mode if mode is not None else current_session()
    options = {"log_level": "WARNING", **job_options}
    if isinstance(mode, Session):
        return mode.run(
            program_id, params, options, callback=callback, result_decoder=result_decoder
        )
    if isinstance(mode, BackendV2):
        service: QiskitRuntimeService | None = getattr(mode, "service", None)
        if service is None:
            raise IBMInputValueError(
                f"Backend {mode.name!r} does not belong to a QiskitRuntimeService; get it with "
                "service.backend(name), or pass a Session."
            )
        return service.run(
            program_id,
            params,
            options,
            callback=callback,
            result_decoder=result_decoder,
            backend_name=mode.name,
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
        _check_pub_shape(kind, index, pub)
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


def _check_pub_shape(kind: str, index: int, pub: Any) -> None:
    """``IBMInputTypeError`` for a pub that is not shaped like one at all (a dict, a string, a
    tuple not starting with a circuit), before qiskit's coercion fails on it with a bare
    ``KeyError`` or ``AttributeError``."""
    if isinstance(pub, (QuantumCircuit, SamplerPub, EstimatorPub)):
        return
    if isinstance(pub, (tuple, list)) and pub and isinstance(pub[0], QuantumCircuit):
        return
    got = f"a {type(pub).__name__}"
    if isinstance(pub, (tuple, list)):
        got += " not starting with a QuantumCircuit" if pub else " that is empty"
    elif isinstance(pub, dict):
        got += " (pubs are positional tuples, not dicts of named fields)"
    raise IBMInputTypeError(f"Invalid pubs[{index}] for {kind}.run: got {got}. {_PUB_FORMS[kind]}")


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
