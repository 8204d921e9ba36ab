"""Issue 17.4: sixteen kinds of secrets planted in real recordings (``planted_kinds.py``).

Before the fix, 15 of the 16 survived in the cassette and 10 of those passed ``cassette check``
(tokens in job tags, a circuit's name, parameter and register names, instruction labels, a query
parameter). Now none survives unflagged: every one a rule can know is scrubbed (in the payload
too), the random key that no rule can know is flagged, and the same recordings made with
scrubbing off are all flagged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qiskit_runtime_double import QiskitRuntimeService

from .planted_kinds import PLACES, findings, kinds, measure, record_with, run_workload, survives


def test_no_planted_kind_survives_unflagged(tmp_path: Path) -> None:
    clean, outcomes = measure(tmp_path)

    assert clean == []  # so a finding in a planted recording is the plant's
    assert len(outcomes) == 16
    assert {o.kind.place for o in outcomes} == set(PLACES)
    assert [o.kind.name for o in outcomes if o.unflagged] == []
    # What a rule can know is gone from the file, blobs included.
    assert [o.kind.name for o in outcomes if o.kind.labelled and o.survived] == []
    # With scrubbing switched off, cassette check flags every one.
    assert [o.kind.name for o in outcomes if not o.raw_flagged] == []


@pytest.mark.parametrize(
    "kind",
    [k for k in kinds() if "circuit" in k.place or "name" in k.place or "label" in k.place],
    ids=lambda kind: kind.place,
)
def test_a_scrubbed_payload_still_replays(kind: object, tmp_path: Path) -> None:
    from .planted_kinds import Kind

    assert isinstance(kind, Kind)
    path = tmp_path / "c.yaml"
    recorded = record_with(kind, path)
    assert not survives(kind, path) and findings(path) == []
    # The same code replays from the masked recording: the request (scrubbed the same way before
    # it is matched) matches, and the result is the recorded one.
    with QiskitRuntimeService(cassette=path, record_mode="replay") as service:
        assert run_workload(service, kind) == recorded
