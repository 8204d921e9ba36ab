"""The 2023 inputs and results of the ``sampler`` and ``estimator`` programs (V1 primitives).

The 2023 client sends ``circuits``/``parameters``/``parameter_values`` (and ``observables``) with
``transpilation_settings``, ``resilience_settings`` and ``run_options``, untranspiled; it reads
``quasi_dists`` or ``values`` with per-circuit ``metadata`` (``fake/core/primitives_v1.py``).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import Headers, HttpRequest, HttpResponse

from .. import helpers

BASE = "http://fake.invalid"
DEVICE = "generic_5q"
SIMULATOR = "ibmq_qasm_simulator"


@pytest.fixture(scope="module")
def fake() -> FakeRuntime:
    return FakeRuntime([DEVICE, SIMULATOR], seed=8)


def bell(measure: bool = True) -> QuantumCircuit:
    return helpers.bell(measure="all" if measure else None, metadata={"name": "bell"})


def submit(fake: FakeRuntime, program: str, backend: str, inputs: dict[str, Any]) -> HttpResponse:
    body = {"program_id": program, "backend": backend, "params": codec.to_jsonable(inputs)}
    return fake.app(
        HttpRequest(
            "POST",
            BASE + "/api/v1/jobs",
            Headers({"Content-Type": "application/json"}),
            json.dumps(body).encode(),
        )
    )


def result_of(fake: FakeRuntime, program: str, backend: str, inputs: dict[str, Any]) -> Any:
    answer = submit(fake, program, backend, inputs)
    assert answer.status_code == 200, answer.text
    fake.clock.shift(3600)
    result = fake.app(HttpRequest("GET", BASE + f"/api/v1/jobs/{answer.json()['id']}/results"))
    assert result.status_code == 200, result.text
    return json.loads(result.text)


def test_the_sampler_transpiles_2023_circuits_and_answers_quasi_distributions(
    fake: FakeRuntime,
) -> None:
    """An untranspiled circuit on a device (not ISA: the service transpiled them then)."""
    inputs = {
        "circuits": [bell()],
        "parameters": [[]],
        "parameter_values": [[]],
        "transpilation_settings": {"optimization_settings": {"level": 1}},
        "resilience_settings": {"level": 0},
        "run_options": {"shots": 1000},
    }
    result = result_of(fake, "sampler", DEVICE, inputs)
    assert set(result) == {"quasi_dists", "metadata"}
    (dist,) = result["quasi_dists"]
    assert all(len(key) == 2 and set(key) <= {"0", "1"} for key in dist)
    assert sum(dist.values()) == pytest.approx(1.0)
    assert dist.get("00", 0) + dist.get("11", 0) > 0.8  # a noisy device, still a Bell state
    assert result["metadata"] == [{"shots": 1000, "circuit_metadata": {"name": "bell"}}]


def test_parameter_values_bind_in_the_order_of_the_parameters_sent(fake: FakeRuntime) -> None:
    a, b = Parameter("a"), Parameter("b")
    circuit = QuantumCircuit(2)
    circuit.ry(a, 0)
    circuit.ry(b, 1)
    circuit.measure_all()
    inputs = {
        "circuits": [circuit, circuit],
        "parameters": [[b, a], [a, b]],
        "parameter_values": [[math.pi, 0.0], np.array([math.pi, 0.0])],  # as Session.run may
        "run_options": {"shots": 50},
    }
    result = result_of(fake, "sampler", SIMULATOR, inputs)
    # Bit strings read right to left: qubit 0 is the last character.
    assert result["quasi_dists"] == [{"10": 1.0}, {"01": 1.0}]


def test_the_estimator_answers_values_and_variances(fake: FakeRuntime) -> None:
    theta = Parameter("theta")
    rotation = QuantumCircuit(1)
    rotation.ry(theta, 0)
    inputs = {
        "circuits": [bell(measure=False), rotation],
        "observables": [SparsePauliOp("XX"), SparsePauliOp("Z")],
        "parameters": [[], [theta]],
        "parameter_values": [[], [math.pi / 2]],
        "run_options": {"shots": 4000},
    }
    result = result_of(fake, "estimator", SIMULATOR, inputs)
    assert set(result) == {"values", "metadata"}
    xx, z = result["values"]
    assert xx == pytest.approx(1.0, abs=0.05) and z == pytest.approx(0.0, abs=0.1)
    assert [meta["shots"] for meta in result["metadata"]] == [4000, 4000]
    assert result["metadata"][1]["variance"] == pytest.approx(1.0, abs=0.1)


def test_the_estimator_maps_observables_through_the_transpiled_layout(fake: FakeRuntime) -> None:
    circuit = QuantumCircuit(2)
    circuit.x(1)
    inputs = {
        "circuits": [circuit],
        "observables": [SparsePauliOp("ZI")],  # qubit 1 of the circuit, wherever it is placed
        "transpilation_settings": {"optimization_settings": {"level": 3}},
        "resilience_settings": {"level": 0},
        "run_options": {"shots": 4000},
    }
    (value,) = result_of(fake, "estimator", DEVICE, inputs)["values"]
    assert value == pytest.approx(-1.0, abs=0.15)


@pytest.mark.parametrize(
    ("program", "inputs", "says"),
    [
        ("sampler", {"circuits": []}, "at least one circuit"),
        ("sampler", {"circuits": ["not a circuit"]}, "circuits[0] must be a QuantumCircuit"),
        ("sampler", {"circuits": [bell()], "parameter_values": [[], []]}, "2 entries for 1"),
        ("sampler", {"circuits": [bell()], "parameter_values": [[0.5]]}, "list of 0 numbers"),
        ("sampler", {"circuits": [bell()], "run_options": {"shots": 0}}, "run_options.shots"),
        ("sampler", {"circuits": [bell()], "run_options": []}, "run_options must be an object"),
        (
            "sampler",
            {
                "circuits": [bell()],
                "transpilation_settings": {"optimization_settings": {"level": 7}},
            },
            "optimization_settings.level must be one of [0, 1, 2, 3]",
        ),
        ("sampler", {"circuits": [bell(measure=False)]}, "measures nothing"),
        ("estimator", {"circuits": [bell(False)], "observables": []}, "one observable per"),
        (
            "estimator",
            {
                "circuits": [bell(False)],
                "observables": [SparsePauliOp("ZZ")],
                "resilience_settings": {"level": 9},
            },
            "resilience_settings.level must be 0 to 3",
        ),
        (
            "sampler",
            {"circuits": [bell()], "transpilation_settings": {"skip_transpilation": True}},
            "not an ISA circuit",
        ),
    ],
)
def test_bad_2023_inputs_are_refused_with_what_was_expected(
    fake: FakeRuntime, program: str, inputs: dict[str, Any], says: str
) -> None:
    answer = submit(fake, program, DEVICE, inputs)
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["errors"][0]["message"]
