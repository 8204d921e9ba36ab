"""qiskit-runtime-double: a test double and record/replay toolkit for the Qiskit Runtime Session.

One ``Session`` implementation over swappable transports: the in-process fake
(``QiskitRuntimeService(fake=FakeRuntime())``), a mock, cassettes, or live HTTP. Public names mirror
the official ``qiskit_ibm_runtime`` client, so switching an import is enough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .wire.lazy import lazy_exports

__version__ = "0.1.0"

#: Each public name and the module it lives in. Importing the package imports none of them (not
#: even qiskit): a name's module is imported the first time the name is used, so a test that
#: needs only the fake never pays for the cassette stack, the CLI or the live transport.
_EXPORTS: dict[str, str] = {
    "AccountNotFoundError": ".errors",
    "BackendNotFoundError": ".errors",
    "BackendStatusInfo": ".backend",
    "Batch": ".session",
    "CassetteError": ".errors",
    "CassetteFormatError": ".errors",
    "CassetteMismatchError": ".errors",
    "CassetteNotFoundError": ".errors",
    "CassetteSecretError": ".errors",
    "CassetteTransport": ".transports",
    "Clock": ".clock",
    "ClockError": ".errors",
    "EnvironmentOptions": ".options",
    "Estimator": ".legacy.primitives",
    "EstimatorOptions": ".options",
    "EstimatorV2": ".primitives",
    "ExecutionOptions": ".options",
    "FakeRuntime": ".fake",
    "HttpRequest": ".wire.http",
    "HttpResponse": ".wire.http",
    "IBMApiError": ".errors",
    "IBMBackend": ".backend",
    "IBMError": ".errors",
    "IBMInputTypeError": ".errors",
    "IBMInputValueError": ".errors",
    "IBMNotAuthorizedError": ".errors",
    "IBMRuntimeError": ".errors",
    "InProcessTransport": ".transports",
    "Instance": ".fake",
    "Interception": ".interception",
    "InterceptionError": ".interception",
    "JobStatus": ".job",
    "LiveTransport": ".transports",
    "MockTransport": ".transports",
    "Options": ".options",
    "ParameterNamespace": ".legacy.runtime_program",
    "Plan": ".fake",
    "QiskitRuntimeService": ".service",
    "RequestNotSent": ".errors",
    "RequestsApiError": ".errors",
    "ResilienceOptions": ".options",
    "ResultDecoder": ".legacy.result_decoder",
    "RuntimeBackend": ".backend",
    "RuntimeInvalidStateError": ".errors",
    "RuntimeJob": ".job",
    "RuntimeJobFailureError": ".errors",
    "RuntimeJobMaxTimeoutError": ".errors",
    "RuntimeJobNotFound": ".errors",
    "RuntimeJobTimeoutError": ".errors",
    "RuntimeJobV2": ".job",
    "RuntimeOptions": ".legacy.runtime_options",
    "RuntimeProgram": ".legacy.runtime_program",
    "RuntimeProgramNotFound": ".errors",
    "Sampler": ".legacy.primitives",
    "SamplerOptions": ".options",
    "SamplerV2": ".primitives",
    "ScrubRule": ".transports.cassettes.rules",
    "Session": ".session",
    "SessionClosedError": ".errors",
    "SimulationProbe": ".probe",
    "SimulationStalledError": ".errors",
    "SimulatorOptions": ".options",
    "SystemClock": ".clock",
    "TranspilationOptions": ".options",
    "Transport": ".transports",
    "TransportError": ".errors",
    "TransportSource": ".service",
    "VirtualClock": ".fake",
    "current_session": ".session",
    "default_service": ".service",
    "get_default_service": ".service",
    "mock_runtime": ".interception",
    "parse_max_time": ".session",
    "scrub_rules_from_patterns": ".transports.cassettes.user_rules",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from .backend import BackendStatusInfo, IBMBackend, RuntimeBackend
    from .clock import Clock, SystemClock
    from .errors import (
        AccountNotFoundError,
        BackendNotFoundError,
        CassetteError,
        CassetteFormatError,
        CassetteMismatchError,
        CassetteNotFoundError,
        CassetteSecretError,
        ClockError,
        IBMApiError,
        IBMError,
        IBMInputTypeError,
        IBMInputValueError,
        IBMNotAuthorizedError,
        IBMRuntimeError,
        RequestNotSent,
        RequestsApiError,
        RuntimeInvalidStateError,
        RuntimeJobFailureError,
        RuntimeJobMaxTimeoutError,
        RuntimeJobNotFound,
        RuntimeJobTimeoutError,
        RuntimeProgramNotFound,
        SessionClosedError,
        SimulationStalledError,
        TransportError,
    )
    from .fake import FakeRuntime, Instance, Plan, VirtualClock
    from .interception import Interception, InterceptionError, mock_runtime
    from .job import JobStatus, RuntimeJob, RuntimeJobV2
    from .legacy.primitives import Estimator, Sampler
    from .legacy.result_decoder import ResultDecoder
    from .legacy.runtime_options import RuntimeOptions
    from .legacy.runtime_program import ParameterNamespace, RuntimeProgram
    from .options import (
        EnvironmentOptions,
        EstimatorOptions,
        ExecutionOptions,
        Options,
        ResilienceOptions,
        SamplerOptions,
        SimulatorOptions,
        TranspilationOptions,
    )
    from .primitives import EstimatorV2, SamplerV2
    from .probe import SimulationProbe
    from .service import (
        QiskitRuntimeService,
        TransportSource,
        default_service,
        get_default_service,
    )
    from .session import Batch, Session, current_session, parse_max_time
    from .transports import (
        CassetteTransport,
        InProcessTransport,
        LiveTransport,
        MockTransport,
        Transport,
    )
    from .transports.cassettes.rules import ScrubRule
    from .transports.cassettes.user_rules import scrub_rules_from_patterns
    from .wire.http import HttpRequest, HttpResponse

__all__ = [
    "AccountNotFoundError",
    "BackendNotFoundError",
    "BackendStatusInfo",
    "Batch",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteNotFoundError",
    "CassetteSecretError",
    "CassetteTransport",
    "Clock",
    "ClockError",
    "EnvironmentOptions",
    "Estimator",
    "EstimatorOptions",
    "EstimatorV2",
    "ExecutionOptions",
    "FakeRuntime",
    "HttpRequest",
    "HttpResponse",
    "IBMApiError",
    "IBMBackend",
    "IBMError",
    "IBMInputTypeError",
    "IBMInputValueError",
    "IBMNotAuthorizedError",
    "IBMRuntimeError",
    "InProcessTransport",
    "Instance",
    "Interception",
    "InterceptionError",
    "JobStatus",
    "LiveTransport",
    "MockTransport",
    "Options",
    "ParameterNamespace",
    "Plan",
    "QiskitRuntimeService",
    "RequestNotSent",
    "RequestsApiError",
    "ResilienceOptions",
    "ResultDecoder",
    "RuntimeBackend",
    "RuntimeInvalidStateError",
    "RuntimeJob",
    "RuntimeJobFailureError",
    "RuntimeJobMaxTimeoutError",
    "RuntimeJobNotFound",
    "RuntimeJobTimeoutError",
    "RuntimeJobV2",
    "RuntimeOptions",
    "RuntimeProgram",
    "RuntimeProgramNotFound",
    "Sampler",
    "SamplerOptions",
    "SamplerV2",
    "ScrubRule",
    "Session",
    "SessionClosedError",
    "SimulationProbe",
    "SimulationStalledError",
    "SimulatorOptions",
    "SystemClock",
    "TranspilationOptions",
    "Transport",
    "TransportError",
    "TransportSource",
    "VirtualClock",
    "current_session",
    "default_service",
    "get_default_service",
    "mock_runtime",
    "parse_max_time",
    "scrub_rules_from_patterns",
]
