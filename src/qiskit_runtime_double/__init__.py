"""qiskit-runtime-double: a test double and record/replay toolkit for the Qiskit Runtime Session.

One ``Session`` implementation over swappable transports: the in-process fake
(``QiskitRuntimeService(fake=FakeRuntime())``), a mock, cassettes, or live HTTP. Public names mirror
the official ``qiskit_ibm_runtime`` client, so switching an import is enough.
"""

from __future__ import annotations

from .backend import IBMBackend, RuntimeBackend
from .clock import Clock, SimulatedClock, SystemClock
from .errors import (
    AccountNotFoundError,
    BackendNotFoundError,
    CassetteError,
    CassetteFormatError,
    CassetteMismatchError,
    CassetteNotFoundError,
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
from .job import JobStatus, RuntimeJob, RuntimeJobV2
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
from .result_decoder import ResultDecoder
from .runtime_options import RuntimeOptions
from .runtime_program import ParameterNamespace, RuntimeProgram
from .seed_primitives import Estimator, Sampler
from .service import BackendStatusInfo, QiskitRuntimeService, default_service, get_default_service
from .session import Batch, Session, current_session, parse_max_time
from .transports import (
    CassetteTransport,
    InProcessTransport,
    LiveTransport,
    MockTransport,
    Transport,
)
from .wire.http import HttpRequest, HttpResponse

__version__ = "0.1.0"

__all__ = [
    "AccountNotFoundError",
    "BackendNotFoundError",
    "BackendStatusInfo",
    "Batch",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteNotFoundError",
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
    "Session",
    "SessionClosedError",
    "SimulatedClock",
    "SimulationStalledError",
    "SimulatorOptions",
    "SystemClock",
    "TranspilationOptions",
    "Transport",
    "TransportError",
    "VirtualClock",
    "current_session",
    "default_service",
    "get_default_service",
    "parse_max_time",
]
