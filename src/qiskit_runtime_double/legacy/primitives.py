"""The seed-era ``Sampler`` and ``Estimator`` (qiskit-ibm-runtime 0.11-0.15).

A run resolves its options as 0.15.1 does (``Options._merge_options`` of the primitive's options
and the run's keyword arguments, the default levels for the backend, ``validate_options``, the
level-2 resilience defaults) and computes the program inputs 0.15.1 sends
(``Options._get_program_inputs``: ``transpilation_settings``, ``resilience_settings``,
``run_options``). The service of today runs V2 primitives only, and so does the fake, so those
settings are then carried out as the 2023 service carried them out, in V2 terms:

- ``transpilation_settings``: the circuits are transpiled here, for the backend, with the
  optimization level, ``initial_layout``, ``layout_method``, ``routing_method``,
  ``approximation_degree`` and the simulator's ``coupling_map``/``basis_gates`` (not at all
  with ``skip_transpilation``); observables are mapped to the transpiled layout;
- ``run_options``: ``shots`` become each pub's shots (the estimator's precision is
  1/sqrt(shots)); ``seed_simulator``, ``noise_model`` and ``init_qubits=False`` become the V2
  options ``simulator.*`` and ``execution.init_qubits``;
- ``resilience_settings``: the estimator's level goes beside the V2 options (levels 0-2; the 2023
  level 3, PEC, has no V2 level); at level 2 the noise factors, extrapolator and amplifier
  become ``resilience.zne.*``. The sampler's level (0 or 1) has no V2 counterpart;
- the runtime options (``max_execution_time``, ``log_level``, ``job_tags``, ``image``) and the
  environment's ``callback`` go with the job.

Results are the seed-era ``SamplerResult`` (quasi-distributions) and ``EstimatorResult``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any, ClassVar

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.exceptions import QiskitError
from qiskit.primitives import EstimatorResult, PrimitiveResult, SamplerResult
from qiskit.providers import BackendV2
from qiskit.quantum_info import SparsePauliOp
from qiskit.result import QuasiDistribution

from ..errors import IBMInputTypeError, IBMInputValueError
from ..job import RuntimeJob
from ..primitives import Mode, _submit
from ..session import Session, current_session
from ..wire import codec
from .options import Options, set_default_error_levels

__all__ = ["Estimator", "Sampler"]

_OPTION_FIELDS = tuple(f.name for f in fields(Options))
#: 2023 extrapolators -> V2 ``resilience.zne.extrapolator``.
_EXTRAPOLATORS = {
    "LinearExtrapolator": "linear",
    "QuadraticExtrapolator": "polynomial_degree_2",
    "CubicExtrapolator": "polynomial_degree_3",
    "QuarticExtrapolator": "polynomial_degree_4",
}
#: 2023 noise amplifiers -> V2 ``resilience.zne.amplifier``.
_AMPLIFIERS = {"LocalFoldingAmplifier": "gate_folding"}
#: The V2 estimator's resilience levels.
_V2_RESILIENCE_LEVELS = (0, 1, 2)


def _as_list(circuits: QuantumCircuit | Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
    found = [circuits] if isinstance(circuits, QuantumCircuit) else list(circuits)
    if not found or not all(isinstance(c, QuantumCircuit) for c in found):
        raise IBMInputValueError("circuits must be a QuantumCircuit or a non-empty list of them.")
    return found


def _check_keys(given: dict[str, Any], kind: str) -> None:
    unknown = sorted(key for key in given if key not in _OPTION_FIELDS)
    if unknown:
        raise IBMInputValueError(
            f"Unknown {kind} options {unknown}: the seed-era primitives take Options fields, "
            "flat (shots=100, seed_simulator=1) or in their group "
            "(execution={'shots': 100}), and image=."
        )


def _options_from(options: Any) -> Options:
    """``Options``, from ``Options``, a dict of its fields (flat keys too, as 0.15.1) or None."""
    if options is None:
        return Options()
    if isinstance(options, Options):
        return options
    if not isinstance(options, dict):
        raise IBMInputTypeError(
            f"options must be an Options or a dict of its fields, got {type(options).__name__}."
        )
    merged = Options._merge_options(asdict(Options()), options)
    _check_keys(merged, "primitive")
    return Options(**merged)


class _SeedPrimitive:
    _program: ClassVar[str]
    _max_resilience_level: ClassVar[int]

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
        self._image: str | None = None
        self.options = _options_from(options)

    @property
    def session(self) -> Session | None:
        return self._session

    def set_options(self, **fields: Any) -> None:
        """Update the options, flat (``shots=100``) or by group (``execution={...}``)."""
        self._image = fields.pop("image", self._image)
        merged = Options._merge_options(asdict(self.options), fields)
        _check_keys(merged, "primitive")
        self.options = Options(**merged)

    # --- where the job goes --------------------------------------------------------------------

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
                    "create it with Session(backend=...)."
                )
            return mode.service.backend(name)
        raise IBMInputValueError(
            "Pass session= (or backend=), or create the primitive inside `with Session(...)`."
        )

    # --- options, as 0.15.1 resolves them -------------------------------------------------------

    def _resolve(self, run_options: dict[str, Any], backend: BackendV2) -> dict[str, Any]:
        """The job's options: merged, defaulted for ``backend``, checked, without None values."""
        given = dict(run_options)
        image = given.pop("image", self._image)
        merged = Options._merge_options(asdict(self.options), given)
        _check_keys(merged, "run")
        set_default_error_levels(
            merged, backend, Options._DEFAULT_OPTIMIZATION_LEVEL, Options._DEFAULT_RESILIENCE_LEVEL
        )
        self._validate_options(merged, backend)
        Options._set_default_resilience_options(merged)
        resolved = Options._remove_none_values(merged)
        if image is not None:
            resolved["image"] = image
        return resolved

    def _validate_options(self, options: dict[str, Any], backend: BackendV2) -> None:
        level = options.get("resilience_level")
        top = self._max_resilience_level
        if level not in range(top + 1):
            raise IBMInputValueError(
                f"resilience_level can only take the values {list(range(top + 1))} in "
                f"{type(self).__name__}, got {level!r}."
            )
        Options.validate_options(options)

    # --- carrying the 2023 inputs out in V2 terms ----------------------------------------------

    def _transpile(
        self, circuits: list[QuantumCircuit], backend: BackendV2, inputs: dict[str, Any]
    ) -> list[QuantumCircuit]:
        from qiskit.transpiler import generate_preset_pass_manager

        settings = inputs["transpilation_settings"]
        if settings.get("skip_transpilation"):
            return circuits
        arguments: dict[str, Any] = {
            "optimization_level": settings["optimization_settings"]["level"],
            "backend": backend,
            "seed_transpiler": inputs["run_options"].get("seed_simulator"),
        }
        for name in (
            "initial_layout",
            "layout_method",
            "routing_method",
            "approximation_degree",
            "coupling_map",
            "basis_gates",
        ):
            if settings.get(name) is not None:
                arguments[name] = settings[name]
        try:
            manager = generate_preset_pass_manager(**arguments)
            return list(manager.run(circuits))
        except (QiskitError, ValueError, TypeError, KeyError) as exc:
            shown = {k: v for k, v in arguments.items() if k != "backend"}
            raise IBMInputValueError(
                f"The circuits cannot be transpiled for {backend.name} with the transpilation "
                f"options {shown}: {exc}. Change Options.transpilation (or simulator), or "
                "transpile them yourself and set transpilation.skip_transpilation."
            ) from exc

    @staticmethod
    def _v2_options(inputs: dict[str, Any]) -> dict[str, Any]:
        run = inputs["run_options"]
        found: dict[str, Any] = {}
        for name in ("seed_simulator", "noise_model"):
            if run.get(name) is not None:
                found.setdefault("simulator", {})[name] = run[name]
        if run.get("init_qubits") is False:
            found["execution"] = {"init_qubits": False}
        return found

    def _submit(
        self,
        mode: Mode,
        params: dict[str, Any],
        resolved: dict[str, Any],
        decoder: Any,
    ) -> RuntimeJob:
        runtime = Options._get_runtime_options(resolved)
        job_options = {key: value for key, value in runtime.items() if value not in (None, [])}
        callback = resolved.get("environment", {}).get("callback")
        return _submit(mode, self._program, params, job_options, decoder, callback)


class Sampler(_SeedPrimitive):
    """The seed-era sampler: ``Sampler(session=session, options=options).run(circuits)``.

    Its job's ``result()`` is a ``SamplerResult`` of quasi-distributions, as in 2023.
    """

    _program: ClassVar[str] = "sampler"
    _max_resilience_level: ClassVar[int] = Options._MAX_RESILIENCE_LEVEL_SAMPLER

    def run(
        self,
        circuits: QuantumCircuit | Sequence[QuantumCircuit],
        parameter_values: Sequence[Sequence[float]] | Sequence[float] | None = None,
        **kwargs: Any,
    ) -> RuntimeJob:
        """Sample ``circuits``; ``kwargs`` override options for this run (``shots=100``...)."""
        originals = _as_list(circuits)
        values = _seed_parameter_values(originals, parameter_values)
        mode = self._mode()
        backend = self._target_backend(mode)
        resolved = self._resolve(kwargs, backend)
        inputs = Options._get_program_inputs(resolved)
        isa = self._transpile(originals, backend, inputs)
        shots = inputs["run_options"]["shots"]
        pubs = [
            [circuit, np.asarray(value, dtype=float), shots]
            for circuit, value in zip(isa, values, strict=True)
        ]
        params = {
            "pubs": pubs,
            "options": self._v2_options(inputs),
            "version": 2,
            "support_qiskit": True,
        }
        return self._submit(mode, params, resolved, _to_sampler_result)


class Estimator(_SeedPrimitive):
    """The seed-era estimator: ``Estimator(session=...).run(circuits, observables)``.

    Its job's ``result()`` is an ``EstimatorResult`` of values with variance metadata.
    """

    _program: ClassVar[str] = "estimator"
    _max_resilience_level: ClassVar[int] = Options._MAX_RESILIENCE_LEVEL_ESTIMATOR

    def _validate_options(self, options: dict[str, Any], backend: BackendV2) -> None:
        super()._validate_options(options, backend)
        simulator = options.get("simulator") or {}
        configuration = getattr(backend, "configuration", None)
        on_simulator = bool(configuration().simulator) if callable(configuration) else False
        if (
            options.get("resilience_level") == 3
            and on_simulator
            and not simulator.get("coupling_map")
        ):
            raise IBMInputValueError(
                "When the backend is a simulator and resilience_level == 3, a coupling map is "
                "required: set simulator.coupling_map."
            )

    def run(
        self,
        circuits: QuantumCircuit | Sequence[QuantumCircuit],
        observables: Any,
        parameter_values: Sequence[Sequence[float]] | Sequence[float] | None = None,
        **kwargs: Any,
    ) -> RuntimeJob:
        """Estimate each observable on its circuit; ``kwargs`` override options for this run."""
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
        mode = self._mode()
        backend = self._target_backend(mode)
        resolved = self._resolve(kwargs, backend)
        inputs = Options._get_program_inputs(resolved)
        level = inputs["resilience_settings"]["level"]
        if level not in _V2_RESILIENCE_LEVELS:
            raise IBMInputValueError(
                f"resilience_level {level} (PEC, in 2023) has no counterpart on today's service, "
                f"whose estimator levels are {list(_V2_RESILIENCE_LEVELS)}: use "
                "resilience_level=2 (ZNE), or EstimatorV2 with "
                "options.resilience.pec_mitigation = True."
            )
        isa = self._transpile(originals, backend, inputs)
        shots = inputs["run_options"]["shots"]
        pubs = []
        for circuit, observable, value in zip(isa, observable_list, values, strict=True):
            operator = (
                observable if isinstance(observable, SparsePauliOp) else SparsePauliOp(observable)
            )
            # Transpiled: the observable follows the layout; as given: padded to the circuit.
            layout = circuit.layout
            mapped = (
                operator.apply_layout(layout)
                if layout is not None
                else operator.apply_layout(None, circuit.num_qubits)
            )
            coeffs = {label: float(np.real(c)) for label, c in mapped.to_list()}
            pubs.append([circuit, coeffs, np.asarray(value, dtype=float), 1 / np.sqrt(shots)])
        options = self._v2_options(inputs)
        zne = _zne_options(inputs["resilience_settings"])
        if zne:
            options["resilience"] = {"zne": zne}
        params = {
            "pubs": pubs,
            "options": options,
            "version": 2,
            "support_qiskit": True,
            "resilience_level": level,
        }
        return self._submit(mode, params, resolved, _to_estimator_result)


def _zne_options(settings: dict[str, Any]) -> dict[str, Any]:
    """The V2 ``resilience.zne`` options of the 2023 level-2 settings (empty below level 2)."""
    if settings.get("level") != 2:
        return {}
    found: dict[str, Any] = {}
    if settings.get("noise_factors"):
        found["noise_factors"] = [float(f) for f in settings["noise_factors"]]
    if settings.get("extrapolator"):
        found["extrapolator"] = _EXTRAPOLATORS[settings["extrapolator"]]
    if settings.get("noise_amplifier"):
        found["amplifier"] = _AMPLIFIERS[settings["noise_amplifier"]]
    return found


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
