"""The service's limits on job tags, over every transport: tags at the limits go through; tags
over them are refused by the client before anything is sent, naming the argument."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit

from qiskit_runtime_double import IBMInputValueError, SamplerV2
from qiskit_runtime_double.wire.models import MAX_JOB_TAGS, MAX_TAG_LENGTH

from .conftest import Runtime

AT_THE_LIMIT = [str(i).rjust(MAX_TAG_LENGTH, "t") for i in range(MAX_JOB_TAGS)]


def test_tags_at_the_limits_are_accepted_on_submission_and_update(
    runtime: Runtime, bell: QuantumCircuit
) -> None:
    # Over HTTP the live transport adds its idempotency tag, one too many: the fake answers 1204
    # and the transport resubmits without it, as it would against the real service.
    sampler = SamplerV2(mode=runtime.backend(), options={"job_tags": AT_THE_LIMIT})
    job = sampler.run([runtime.isa(bell)], shots=5)
    assert job.tags == AT_THE_LIMIT
    assert runtime.service.job(job.job_id()).tags == AT_THE_LIMIT
    assert job.update_tags(list(reversed(AT_THE_LIMIT))) == list(reversed(AT_THE_LIMIT))
    assert len(runtime.service.jobs(limit=None)) == 1


@pytest.mark.parametrize(
    "tags",
    [
        [*AT_THE_LIMIT, "one more"],
        ["t" * (MAX_TAG_LENGTH + 1)],
        ["t"] * 10_000,
        ["t" * (10 * 1024 * 1024)],
    ],
    ids=["9 tags", "87 characters", "10,000 tags", "10 MiB"],
)
def test_tags_over_the_limits_are_refused_before_sending(
    runtime: Runtime, bell: QuantumCircuit, tags: list[str]
) -> None:
    isa = runtime.isa(bell)
    sampler = SamplerV2(mode=runtime.backend())
    with pytest.raises(IBMInputValueError, match="job_tags"):
        sampler.options.job_tags = tags
    with pytest.raises(IBMInputValueError, match="job_tags"):
        runtime.service.run("sampler", {"pubs": [[isa]]}, {"job_tags": tags}, backend_name="x")
    job = sampler.run([isa], shots=5)
    with pytest.raises(IBMInputValueError, match="new_tags"):
        job.update_tags(tags)
    assert runtime.service.job(job.job_id()).tags == []
    assert len(runtime.service.jobs(limit=None)) == 1
