"""Fidelity scenario 40: the 2023 (0.11-0.15) session protocol, sent through our own client.

The first job carries ``start_session: true`` and ``session_time``; its id becomes the session id,
which later jobs send as ``session_id``; closing is ``PATCH /sessions/{job id}``.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit

from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.models import JobCreateRequest

from .conftest import Runtime


def test_first_job_starts_a_session_named_after_it(runtime: Runtime, bell: QuantumCircuit) -> None:
    client = runtime.service.client
    params = codec.to_jsonable({"pubs": [[runtime.isa(bell), np.zeros((0,)), 10]], "version": 2})
    first = client.submit_job(
        JobCreateRequest(
            program_id="sampler",
            params=params,
            backend="generic_5q",
            start_session=True,
            session_time=600,
        )
    )
    details = client.session_details(first.id)  # no POST /sessions was ever sent
    assert details.id == first.id and details.max_ttl == 600 and details.mode == "dedicated"
    second = client.submit_job(
        JobCreateRequest(program_id="sampler", params=params, session_id=first.id)
    )
    assert second.session_id == first.id
    assert runtime.service.job(second.id).session_id == first.id
    client.close_session(first.id)
    assert client.session_details(first.id).accepting_jobs is False
    runtime.service.job(second.id).wait_for_final_state()
    assert client.session_details(first.id).state == "closed"
