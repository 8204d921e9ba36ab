"""Re-recording the same seeded run gives the same cassette, byte for byte.

Two identifiers are random on every run and mean nothing to a replay: the idempotency keys of
our client's job submissions, and the UUIDs (and default names) qiskit gives parameters and
circuits, which the QPY of every submitted circuit carries. The recorder writes them in a
canonical form (``transports/cassettes/stable.py``); the replay still matches and answers.
"""

from __future__ import annotations

import base64
import io
import zlib
from pathlib import Path
from typing import Any

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.qpy import dump, load

from qiskit_runtime_double import (
    FakeRuntime,
    HttpRequest,
    HttpResponse,
    QiskitRuntimeService,
    SamplerV2,
    Session,
)
from qiskit_runtime_double.transports.cassettes.fileformat import Interaction
from qiskit_runtime_double.transports.cassettes.stable import stable_identities

QPU = "generic_5q"


def isa_circuit() -> QuantumCircuit:
    """A parameterised circuit native to generic_5q, made afresh (new parameter UUID, new
    default name) at every call, as user code makes them."""
    theta = Parameter("θ")
    circuit = QuantumCircuit(5)
    circuit.rz(theta, 0)
    circuit.sx(0)
    circuit.cz(0, 1)
    circuit.measure_all()
    return circuit


def our_run(path: Path) -> list[dict[str, int]]:
    fake = FakeRuntime([QPU], seed=4)
    with QiskitRuntimeService(fake=fake, cassette=path, record_mode="rewrite") as service:
        backend = service.backend(QPU)
        with Session(backend=backend, max_time="10m") as session:
            jobs = [
                SamplerV2(mode=session).run([(isa_circuit(), [value])], shots=20)
                for value in (0.1, 0.2, 0.3)
            ]
            return [job.result()[0].data.meas.get_counts() for job in jobs]


def test_our_client_rerecords_byte_for_byte(tmp_path: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    counts = our_run(first)
    assert our_run(second) == counts

    text = first.read_text("utf-8")
    assert second.read_text("utf-8") == text
    assert "qrd-submit-00000000000000000001" in text
    assert "qrd-submit-00000000000000000003" in text

    with QiskitRuntimeService(cassette=first, record_mode="replay") as replay:
        backend = replay.backend(QPU)
        with Session(backend=backend, max_time="10m") as session:
            again = [
                SamplerV2(mode=session)
                .run([(isa_circuit(), [value])], shots=20)
                .result()[0]
                .data.meas.get_counts()
                for value in (0.1, 0.2, 0.3)
            ]
    assert again == counts


def official_run(path: Path) -> Any:
    from qiskit_ibm_runtime import QiskitRuntimeService as Official
    from qiskit_ibm_runtime import SamplerV2 as OfficialSampler
    from qiskit_ibm_runtime import Session as OfficialSession

    from qiskit_runtime_double import CassetteTransport
    from qiskit_runtime_double.interception import (
        FakeRoutes,
        Interception,
        tokens_in_simulated_time,
    )

    fake = FakeRuntime([QPU], seed=4)
    recorder = CassetteTransport(path, "rewrite", inner=FakeRoutes(fake), recorded_from="fake")
    with tokens_in_simulated_time(fake), recorder, Interception(recorder):
        backend = Official(channel="ibm_quantum_platform", token="key").backend(QPU)
        with OfficialSession(backend=backend) as session:
            sampler = OfficialSampler(mode=session)
            jobs = [sampler.run([(isa_circuit(), [v])], shots=20) for v in (0.1, 0.2, 0.3)]
            return [job.result()[0].data.meas.get_counts() for job in jobs]


@pytest.mark.compat
@pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated")
def test_the_official_client_rerecords_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (compat extra)")
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"

    assert official_run(first) == official_run(second)

    assert second.read_bytes() == first.read_bytes()


# --- the rewriting itself ----------------------------------------------------------------------


def blob(circuit: QuantumCircuit) -> str:
    buffer = io.BytesIO()
    dump(circuit, buffer)
    return base64.standard_b64encode(zlib.compress(buffer.getvalue())).decode("ascii")


def submission(circuit: QuantumCircuit, key: str) -> Interaction:
    body = (
        '{"program_id": "sampler", "tags": ["mine", "' + key + '"], '
        '"params": {"pubs": [[{"__type__": "QuantumCircuit", "__value__": "'
        + blob(circuit)
        + '"}]]}}'
    )
    request = HttpRequest("POST", "http://x/api/v1/jobs", content=body.encode())
    return Interaction(request, HttpResponse.from_json(200, {"id": "job1"}))


def circuit_of(interaction: Interaction) -> QuantumCircuit:
    import json

    value = json.loads(interaction.request.content)["params"]["pubs"][0][0]["__value__"]
    (circuit,) = load(io.BytesIO(zlib.decompress(base64.standard_b64decode(value))))
    return circuit  # type: ignore[no-any-return]


def test_keys_uuids_and_default_names_take_canonical_values() -> None:
    one, two = isa_circuit(), isa_circuit()
    recorded = [
        submission(one, "qrd-submit-" + "ab" * 10),
        submission(two, "qrd-submit-" + "cd" * 10),
    ]

    stable = stable_identities(recorded)

    first, second = circuit_of(stable[0]), circuit_of(stable[1])
    assert (first.name, second.name) == ("circuit-1", "circuit-2")
    assert [p.name for p in first.parameters] == ["θ"]
    assert first.parameters[0].uuid != one.parameters[0].uuid
    assert first.parameters[0].uuid != second.parameters[0].uuid  # two parameters stay two
    assert [op.operation.name for op in first.data] == [op.operation.name for op in one.data]
    assert b'"qrd-submit-00000000000000000001"' in stable[0].request.content
    assert b'"mine"' in stable[0].request.content
    assert stable_identities(stable) == stable  # already canonical: unchanged


def test_what_is_not_qpy_is_left_alone() -> None:
    body = b'{"params": {"x": {"__type__": "QuantumCircuit", "__value__": "bm90IHFweQ=="}}}'
    request = HttpRequest("POST", "http://x/api/v1/jobs", content=body)
    recorded = [Interaction(request, HttpResponse(204))]

    assert stable_identities(recorded)[0].request.content == body
