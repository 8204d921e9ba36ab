"""The official client, which does not check tag limits itself, meets the fake's over HTTP: the
fake answers 400 with the service's codes (1204 too many tags, 1205 a tag too long)."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double.wire.models import MAX_JOB_TAGS, MAX_TAG_LENGTH

from .conftest import Official

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit_ibm_runtime import SamplerV2  # noqa: E402
from qiskit_ibm_runtime.exceptions import IBMError, IBMRuntimeError  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


def test_the_official_client_gets_the_services_tag_limit_codes(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    sampler = SamplerV2(mode=official.backend())
    sampler.options.environment.job_tags = [f"t{i}" for i in range(MAX_JOB_TAGS + 1)]
    with pytest.raises(IBMRuntimeError, match="1204"):
        sampler.run([bell_isa], shots=5)
    assert official.service.jobs(limit=None) == []  # nothing was created

    sampler.options.environment.job_tags = ["ok"]
    job = sampler.run([bell_isa], shots=5)
    with pytest.raises(IBMError, match="1205"):
        job.update_tags(["x" * (MAX_TAG_LENGTH + 1)])
    assert official.fake.job(job.job_id()).tags == ["ok"]
    puts = [(r.method, r.status) for r in official.calls() if r.method in ("POST", "PUT")]
    assert ("PUT", 400) in puts and ("POST", 400) in puts
