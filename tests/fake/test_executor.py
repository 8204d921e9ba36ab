"""The fake's executors: V2 sampler and estimator semantics on Aer, and workload validation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, qasm2, qasm3
from qiskit.circuit import Parameter
from qiskit.primitives import BitArray, PrimitiveResult, StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

from qiskit_runtime_double.fake.core.catalogue import BackendEntry, build_catalogue
from qiskit_runtime_double.fake.core.executor import (
    AerExecutor,
    InvalidWorkload,
    NoOpExecutor,
    Workload,
)
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.spans import DoubleSliceSpan, ExecutionSpans

from .. import helpers

SIM = "ibmq_qasm_simulator"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, BackendEntry]:
    return build_catalogue()


@pytest.fixture(scope="module")
def executor() -> AerExecutor:
    return AerExecutor()  # one per module: its noise models are cached across tests


def transpile(circuit: QuantumCircuit, entry: BackendEntry) -> QuantumCircuit:
    manager = generate_preset_pass_manager(
        backend=entry.backend, optimization_level=1, seed_transpiler=0
    )
    return manager.run(circuit)


def bell(measure: bool = True) -> QuantumCircuit:
    return helpers.bell(measure="c" if measure else None)


def run(
    executor: AerExecutor,
    entry: BackendEntry,
    program: str,
    pubs: list[Any],
    options: dict[str, Any] | None = None,
    seed: int = 1,
) -> Any:
    params = {"pubs": pubs, "options": options or {}, "version": 2, "support_qiskit": True}
    return executor.execute(executor.prepare(program, params, entry), entry, seed)


# --- sampler --------------------------------------------------------------------------------------


def test_sampler_bell_on_the_ideal_simulator(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    circuit = transpile(bell(), entry)
    circuit.metadata = {"experiment": "bell"}

    result = run(executor, entry, "sampler", [[circuit, None, 1000]])

    assert isinstance(result, PrimitiveResult)
    assert result.metadata["version"] == 2
    (pub,) = result
    bits = pub.data.c  # a DataBin field per classical register, named after it
    assert isinstance(bits, BitArray)
    assert bits.shape == ()
    assert bits.num_shots == 1000
    assert bits.num_bits == 2
    counts = bits.get_counts()
    assert set(counts) <= {"00", "11"}
    assert sum(counts.values()) == 1000
    assert pub.metadata["circuit_metadata"] == {"experiment": "bell"}


def test_each_register_is_its_own_field(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    a, b = ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    circuit = QuantumCircuit(QuantumRegister(2), a, b)
    circuit.x(1)
    circuit.measure(0, a[0])
    circuit.measure(1, b[0])
    circuit.measure(0, b[1])

    (pub,) = run(executor, entry, "sampler", [[transpile(circuit, entry), None, 50]])

    assert pub.data.a.get_counts() == {"0": 50}
    assert pub.data.b.get_counts() == {"01": 50}  # b[0] = 1 is the last character


def test_shots_precedence_pub_then_default_shots_then_4096(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    circuit = transpile(bell(), entry)

    with_option = run(
        executor,
        entry,
        "sampler",
        [[circuit, None, 100], [circuit], circuit],
        {"default_shots": 300},
    )
    without = run(executor, entry, "sampler", [(circuit,)])

    assert [pub.data.c.num_shots for pub in with_option] == [100, 300, 300]
    assert without[0].data.c.num_shots == 4096


def test_parameter_values_broadcast_to_the_pub_shape(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    angle = Parameter("a")
    circuit = QuantumCircuit(1, 1)
    circuit.rx(angle, 0)
    circuit.measure(0, 0)
    isa = transpile(circuit, entry)

    (pub,) = run(executor, entry, "sampler", [[isa, np.array([[0.0], [np.pi], [np.pi / 2]]), 200]])
    assert pub.data.c.shape == (3,)
    assert pub.data.c[0].get_counts() == {"0": 200}
    assert pub.data.c[1].get_counts() == {"1": 200}
    assert set(pub.data.c[2].get_counts()) == {"0", "1"}

    (grid,) = run(executor, entry, "sampler", [[isa, np.zeros((2, 3, 1)), 10]])
    assert grid.data.c.shape == (2, 3)

    # Pubs with and without parameters share an Aer run; each gets its own experiments back.
    plain = transpile(bell(), entry)
    mixed = run(
        executor, entry, "sampler", [[plain, None, 20], [isa, [[np.pi]] * 3, 20], [plain, None, 20]]
    )
    assert [pub.data.c.shape for pub in mixed] == [(), (3,), ()]
    assert mixed[1].data.c.get_counts() == {"1": 60}
    assert set(mixed[2].data.c.get_counts()) <= {"00", "11"}


def test_openqasm_pubs_are_parsed(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue["generic_5q"]
    isa = transpile(bell(), entry)

    result = run(
        executor, entry, "sampler", [[qasm3.dumps(isa), None, 100], [qasm2.dumps(isa), None, 100]]
    )

    for pub in result:
        assert pub.data.c.num_shots == 100
        assert pub.data.c.get_counts().get("11", 0) > 30


def test_same_seed_same_bits_and_other_seed_other_bits_on_a_noisy_backend(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue["generic_5q"]
    pubs = [[transpile(bell(), entry), None, 500]]

    first = run(executor, entry, "sampler", pubs, seed=11)[0].data.c
    again = run(executor, entry, "sampler", pubs, seed=11)[0].data.c
    other = run(executor, entry, "sampler", pubs, seed=12)[0].data.c
    assert np.array_equal(first.array, again.array)
    assert not np.array_equal(first.array, other.array)

    # options.simulator.seed_simulator overrides the job's seed
    fixed = {"simulator": {"seed_simulator": 5}}
    one = run(executor, entry, "sampler", pubs, fixed, seed=1)[0].data.c
    two = run(executor, entry, "sampler", pubs, fixed, seed=2)[0].data.c
    assert np.array_equal(one.array, two.array)


def test_noise_matches_aer_with_the_full_device_noise_model(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    from qiskit_aer import AerSimulator

    entry = catalogue["generic_5q"]
    circuit = QuantumCircuit(3, 3)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    circuit.delay(100, 0)  # relaxation noise comes from a noise pass, not a gate error
    circuit.measure(range(3), range(3))
    isa = transpile(circuit, entry)

    ours = run(executor, entry, "sampler", [[isa, None, 2000]], seed=42)[0].data.c.get_counts()
    full = AerSimulator.from_backend(entry.backend).run(isa, shots=2000, seed_simulator=42)

    assert ours == full.result().get_counts()
    assert len(ours) > 2  # noisy: more than the two GHZ outcomes


def test_a_bell_job_on_127_qubits_simulates_only_its_qubits_noise(
    catalogue: dict[str, BackendEntry], executor: AerExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What makes a small job on a big device fast: Aer gets the noise of the qubits the circuit
    touches, not the whole device's, built once. (The speed: ``bench/bench_executor.py``.)"""
    from qiskit_aer import AerSimulator

    given: list[Any] = []
    aer_run = AerSimulator.run

    def spy(self: AerSimulator, circuits: Any, **options: Any) -> Any:
        given.append(options.get("noise_model"))
        return aer_run(self, circuits, **options)

    monkeypatch.setattr(AerSimulator, "run", spy)
    entry = catalogue["generic_127q"]
    isa = transpile(bell(), entry)
    touched = {isa.find_bit(q).index for inst in isa.data for q in inst.qubits}

    counts = [
        run(executor, entry, "sampler", [[isa, None, 4096]])[0].data.c.get_counts()
        for _ in range(2)
    ]

    first, second = given
    assert first is second  # built for the first job, reused by the next
    assert first.noise_qubits and set(first.noise_qubits) <= touched
    assert len(touched) == 2 < entry.backend.num_qubits == 127
    assert all(c["00"] + c["11"] > 0.9 * 4096 for c in counts)  # noisy, but still a Bell pair


# --- estimator ------------------------------------------------------------------------------------


def test_estimator_bell_zz_is_one_on_the_ideal_simulator(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    isa = transpile(bell(measure=False), entry)

    (pub,) = run(
        executor, entry, "estimator", [[isa, {"ZZ": 1.0}], [isa, [{"XX": 1.0}, {"YY": 1.0}]]]
    )[:1]
    assert pub.data.evs.shape == ()
    assert float(pub.data.evs) == pytest.approx(1.0, abs=1e-9)  # no shot noise on an eigenstate
    assert float(pub.data.stds) == pytest.approx(0.0, abs=1e-9)


def test_estimator_observables_broadcast_and_follow_the_layout(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue["generic_127q"]
    isa = transpile(bell(measure=False), entry)
    observables = [[SparsePauliOp(label).apply_layout(isa.layout)] for label in ("ZZ", "XX", "ZI")]

    (pub,) = run(executor, entry, "estimator", [[isa, observables, None, 0.02]])

    assert pub.data.evs.shape == (3, 1)
    assert pub.data.evs[0, 0] == pytest.approx(1.0, abs=0.05)  # noisy, but close
    assert pub.data.evs[1, 0] == pytest.approx(1.0, abs=0.05)
    assert pub.data.evs[2, 0] == pytest.approx(0.0, abs=0.1)


def test_precision_sets_shots_and_standard_errors(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    isa = transpile(bell(measure=False), entry)
    zi = {"IZ": 1.0}  # <Z> of one qubit of a Bell pair is 0: each shot is +-1, the variance 1

    coarse, fine = run(executor, entry, "estimator", [[isa, zi, None, 0.1], [isa, zi, None, 0.02]])
    (default,) = run(executor, entry, "estimator", [[isa, zi]])
    (option,) = run(executor, entry, "estimator", [[isa, zi]], {"default_precision": 0.05})

    assert coarse.metadata["target_precision"] == 0.1
    assert coarse.metadata["shots"] == 128  # 1/0.1² = 100, in whole randomizations of 32
    assert coarse.metadata["num_randomizations"] == 32
    assert float(coarse.data.stds) == pytest.approx(0.1, rel=0.15)
    assert float(fine.data.stds) == pytest.approx(0.02, rel=0.05)
    assert abs(float(fine.data.evs)) < 5 * 0.02
    # The ensemble standard error comes from the spread of the 32 randomizations' means: another
    # estimate of the same error, so close to stds but not equal to it.
    assert float(fine.data.ensemble_standard_error) == pytest.approx(0.02, rel=0.35)
    assert float(fine.data.ensemble_standard_error) != float(fine.data.stds)
    assert default.metadata["target_precision"] == 0.015625
    assert default.metadata["shots"] == 4096
    assert option.metadata["target_precision"] == 0.05


def test_estimator_parameters_and_observables_broadcast_together(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    angle = Parameter("t")
    circuit = QuantumCircuit(1)
    circuit.ry(angle, 0)
    isa = transpile(circuit, entry)
    values = np.array([[0.0], [np.pi]])  # shape (2,)
    observables = [[{"Z": 1.0}], [{"X": 1.0}]]  # shape (2, 1)

    (pub,) = run(executor, entry, "estimator", [[isa, observables, values, 0.01]], seed=3)

    assert pub.data.evs.shape == (2, 2)
    assert pub.data.evs[0] == pytest.approx([1.0, -1.0], abs=1e-9)
    assert pub.data.evs[1] == pytest.approx([0.0, 0.0], abs=0.05)


# --- pubs as qiskit coerces them, results as the service returns them ----------------------------

#: Every way of saying "no parameter values" for a circuit without parameters. qiskit reads the
#: shape from all but the last axis, so [[]] and zeros((2, 0)) make pubs of 1 and 2 bindings.
EMPTY_VALUES = [(), [], [[]], np.array([]), np.zeros((2, 0)), np.zeros((2, 3, 0)), None]


@pytest.mark.parametrize("values", EMPTY_VALUES, ids=repr)
@pytest.mark.parametrize("container", [tuple, list])
def test_parameterless_circuits_take_empty_values_in_every_form(
    values: Any,
    container: type,
    catalogue: dict[str, BackendEntry],
    executor: AerExecutor,
) -> None:
    entry = catalogue[SIM]
    sampled, estimated = transpile(bell(), entry), transpile(bell(measure=False), entry)
    reference = StatevectorEstimator().run([(estimated, "ZZ", values)]).result()[0]
    expected = reference.data.evs.shape

    (sampler_pub,) = run(executor, entry, "sampler", [container([sampled, values, 16])])
    (estimator_pub,) = run(executor, entry, "estimator", [container([estimated, "ZZ", values])])

    assert sampler_pub.data.c.shape == expected
    assert sampler_pub.data.c.num_shots == 16
    for at in np.ndindex(expected):  # every binding sampled on its own, all 16 shots
        assert sum(sampler_pub.data.c[at].get_counts().values()) == 16
    assert estimator_pub.data.evs.shape == expected
    assert np.allclose(estimator_pub.data.evs, 1.0)  # Bell ZZ on the ideal simulator


def test_estimator_data_are_arrays_of_the_pub_shape_also_for_a_scalar_pub(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    isa = transpile(bell(measure=False), entry)

    scalar, vector = run(executor, entry, "estimator", [[isa, {"XI": 1.0}], [isa, ["ZZ", "XX"]]])
    decoded = codec.decode(codec.encode(PrimitiveResult([scalar, vector])))

    for pub, shape in ((scalar, ()), (vector, (2,))):
        for name in ("evs", "stds", "ensemble_standard_error"):
            assert isinstance(pub.data[name], np.ndarray), name
            assert pub.data[name].shape == shape and pub.data[name].dtype == np.float64
    assert [(type(p.data.stds), p.data.stds.shape) for p in decoded] == [
        (np.ndarray, ()),
        (np.ndarray, (2,)),
    ]
    assert list(scalar.data) == ["evs", "stds", "ensemble_standard_error"]


def test_estimator_metadata_is_the_services(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    isa = transpile(bell(measure=False), entry)
    isa.metadata = {"name": "bell"}

    defaulted = run(executor, entry, "estimator", [[isa, "ZZ"]])
    options = {
        "resilience_level": 2,
        "dynamical_decoupling": {"enable": True, "sequence_type": "XY4"},
        "twirling": {"enable_gates": False, "num_randomizations": 32},
        "resilience": {"measure_mitigation": False},
    }
    configured = run(executor, entry, "estimator", [[isa, "ZZ", None, 0.1]], options)

    assert defaulted[0].metadata == {
        "shots": 4096,
        "target_precision": 0.015625,
        "circuit_metadata": {"name": "bell"},
        "resilience": {},
        "num_randomizations": 32,
    }
    assert list(defaulted[0].metadata) == [
        "shots",
        "target_precision",
        "circuit_metadata",
        "resilience",
        "num_randomizations",
    ]
    assert defaulted.metadata == {
        "dynamical_decoupling": {
            "enable": False,
            "sequence_type": "XX",
            "extra_slack_distribution": "middle",
            "scheduling_method": "alap",
        },
        "twirling": {
            "enable_gates": False,
            "enable_measure": True,
            "num_randomizations": "auto",
            "shots_per_randomization": "auto",
            "interleave_randomizations": True,
            "strategy": "active-accum",
        },
        "resilience": {
            "measure_mitigation": True,
            "zne_mitigation": False,
            "pec_mitigation": False,
        },
        "version": 2,
    }
    assert configured[0].metadata["shots"] == 128
    assert configured.metadata["dynamical_decoupling"]["enable"] is True
    assert configured.metadata["dynamical_decoupling"]["sequence_type"] == "XY4"
    assert configured.metadata["twirling"]["enable_gates"] is False  # set, so not the level's
    assert configured.metadata["twirling"]["enable_measure"] is True  # level 2
    assert configured.metadata["twirling"]["num_randomizations"] == 32
    assert configured.metadata["resilience"] == {
        "measure_mitigation": False,
        "zne_mitigation": True,
        "pec_mitigation": False,
    }
    # The official client sends the level beside the options; that one wins.
    params = {"pubs": [[isa, "ZZ"]], "options": {"resilience_level": 2}, "resilience_level": 0}
    level_0 = executor.execute(executor.prepare("estimator", params, entry), entry, 1)
    assert level_0.metadata["resilience"]["measure_mitigation"] is False
    assert level_0.metadata["twirling"]["enable_measure"] is False


def test_sampler_spans_divide_the_run_window_among_the_pubs(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    bell_isa = transpile(bell(), entry)
    rotation = transpile(parametrised(), entry)
    params = {"pubs": [[bell_isa, None, 100], [rotation, np.zeros((3, 2)), 100]]}
    start = dt.datetime(2025, 3, 1, 12, tzinfo=dt.timezone.utc)
    stop = start + dt.timedelta(seconds=2)
    workload = executor.prepare("sampler", params, entry).ran_during(start, stop)

    result = executor.execute(workload, entry, 5)

    spans = result.metadata["execution"]["execution_spans"]
    assert isinstance(spans, ExecutionSpans) and list(result.metadata) == ["execution", "version"]
    assert [type(span) for span in spans] == [DoubleSliceSpan, DoubleSliceSpan]
    assert (spans.start, spans.stop) == (start, stop)
    first, second = spans
    assert first.pub_idxs == [0] and second.pub_idxs == [1]
    assert first.stop == second.start  # one after the other, each its share of the shots
    assert first.duration == pytest.approx(0.5) and second.duration == pytest.approx(1.5)
    assert first.mask(0).shape == (100,) and first.mask(0).all()
    assert second.mask(1).shape == (3, 100) and second.mask(1).all()
    assert (first.size, second.size) == (100, 300)


def test_a_workload_that_never_ran_has_no_spans(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    workload = executor.prepare("sampler", {"pubs": [transpile(bell(), entry)]}, entry)

    assert workload.ran_during(None, None) is workload
    assert executor.execute(workload, entry, 1).metadata == {"version": 2}


# --- validation -----------------------------------------------------------------------------------


def parametrised() -> QuantumCircuit:
    a, b = Parameter("a"), Parameter("b")
    circuit = QuantumCircuit(1, 1)
    circuit.rz(a, 0)
    circuit.rz(b, 0)
    circuit.measure(0, 0)
    return circuit


INVALID = {
    "unknown program": ("runner", {"pubs": ["BELL"]}, "programs"),
    "params not a dict": ("sampler", ["BELL"], "params must be an object"),
    "no pubs": ("sampler", {"options": {}}, "'pubs'"),
    "empty pubs": ("sampler", {"pubs": []}, "'pubs'"),
    "version 1": ("sampler", {"pubs": ["BELL"], "version": 1}, "version 2"),
    "not ISA": ("sampler", {"pubs": [bell()]}, "generate_preset_pass_manager"),
    "no measurements": ("sampler", {"pubs": ["BELL_NO_MEASURE"]}, "measures nothing"),
    "zero shots": ("sampler", {"pubs": [["BELL", None, 0]]}, "shots"),
    "too many shots": ("sampler", {"pubs": [["BELL", None, 100_001]]}, "shots"),
    "bad default shots": (
        "sampler",
        {"pubs": ["BELL"], "options": {"default_shots": "many"}},
        "default_shots",
    ),
    "too many circuits": ("sampler", {"pubs": ["BELL"] * 301}, "at most 300"),
    "long pub": ("sampler", {"pubs": [["BELL", None, 10, 4]]}, "a pub is"),
    "bad qasm": ("sampler", {"pubs": ["OPENQASM 3.0; qubit q; nonsense q;"]}, "OpenQASM"),
    "not a circuit": ("sampler", {"pubs": [[42]]}, "QuantumCircuit"),
    "missing values": ("sampler", {"pubs": [["PARAMETRISED"]]}, "parameters"),
    "values of the wrong shape": (
        "sampler",
        {"pubs": [["PARAMETRISED", np.zeros((4, 3))]]},
        "inconsistent",
    ),
    "values without parameters": (
        "sampler",
        {"pubs": [["BELL", np.zeros((3, 2))]]},
        "circuit has no parameters: leave its values out",
    ),
    "resilience level 3": (
        "estimator",
        {"pubs": [["BELL_NO_MEASURE", {"ZZ": 1.0}]], "options": {"resilience_level": 3}},
        "options.resilience_level must be one of [0, 1, 2]",
    ),
    "resilience level beside the options": (
        "estimator",
        {"pubs": [["BELL_NO_MEASURE", {"ZZ": 1.0}]], "resilience_level": "high"},
        "resilience_level must be one of [0, 1, 2], got 'high'",
    ),
    "wrong observable size": (
        "estimator",
        {"pubs": [["BELL_NO_MEASURE", {"ZZZ": 1.0}]]},
        "apply_layout",
    ),
    "complex coefficient": (
        "estimator",
        {"pubs": [["BELL_NO_MEASURE", {"ZZ": 1j}]]},
        "real coefficients",
    ),
    "zero precision": (
        "estimator",
        {"pubs": [["BELL_NO_MEASURE", {"ZZ": 1.0}, None, 0]]},
        "precision",
    ),
    "negative default precision": (
        "estimator",
        {"pubs": [["BELL_NO_MEASURE", {"ZZ": 1.0}]], "options": {"default_precision": -0.1}},
        "default_precision",
    ),
    "bad seed": (
        "sampler",
        {"pubs": ["BELL"], "options": {"simulator": {"seed_simulator": "x"}}},
        "seed",
    ),
    "estimator pub without observables": ("estimator", {"pubs": [["BELL_NO_MEASURE"]]}, "a pub is"),
}


def _substitute(value: Any, circuits: dict[str, QuantumCircuit]) -> Any:
    if isinstance(value, str) and value in circuits:
        return circuits[value]
    if isinstance(value, list):
        return [_substitute(item, circuits) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, circuits) for key, item in value.items()}
    return value


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_workloads_are_refused_with_a_helpful_message(
    case: str, catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue["generic_5q"]
    program, params, fragment = INVALID[case]
    circuits = {
        "BELL": transpile(bell(), entry),
        "BELL_NO_MEASURE": transpile(bell(measure=False), entry),
        "PARAMETRISED": transpile(parametrised(), entry),
    }

    with pytest.raises(InvalidWorkload) as caught:
        executor.prepare(program, _substitute(params, circuits), entry)

    assert caught.value.code == "1002"
    assert fragment in caught.value.message
    if "pubs" in str(params) and "Pub" in caught.value.message:
        assert "Pub 0" in caught.value.message


def test_the_isa_message_names_the_pub_and_the_fix(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue["generic_5q"]
    pubs = [transpile(bell(), entry), bell()]

    with pytest.raises(InvalidWorkload) as caught:
        executor.prepare("sampler", {"pubs": pubs}, entry)

    message = caught.value.message
    assert message.startswith("Pub 1: the circuit is not an ISA circuit of generic_5q")
    assert "'h'" in message and "optimization_level=1" in message


def test_simulators_take_any_circuit_that_fits(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]

    (pub,) = run(executor, entry, "sampler", [[bell(), None, 100]])  # h and cx: not ISA
    assert set(pub.data.c.get_counts()) <= {"00", "11"}
    too_big = QuantumCircuit(33)
    too_big.measure_all()
    with pytest.raises(InvalidWorkload, match="33 qubits"):
        executor.prepare("sampler", {"pubs": [too_big]}, entry)


# --- workloads and the no-op executor -------------------------------------------------------------


def test_workloads_count_circuits_and_shots(
    catalogue: dict[str, BackendEntry], executor: AerExecutor
) -> None:
    entry = catalogue[SIM]
    sampled = transpile(bell(), entry)
    values = np.zeros((3, 2))
    params = {"pubs": [[sampled, None, 100], [transpile(parametrised(), entry), values, 10]]}

    workload = executor.prepare("sampler", params, entry)

    assert isinstance(workload, Workload)
    assert workload.program_id == "sampler"
    assert workload.backend_name == SIM
    assert workload.num_circuits == 2
    assert workload.total_shots == 100 + 3 * 10
    estimated = executor.prepare(
        "estimator", {"pubs": [[transpile(bell(False), entry), "ZZ", None, 0.1]]}, entry
    )
    assert estimated.total_shots == 128


def test_noop_executor_counts_without_coercing(catalogue: dict[str, BackendEntry]) -> None:
    entry = catalogue["generic_5q"]
    noop = NoOpExecutor()
    params = {"pubs": [[bell(), None, 100], [bell()], bell()], "options": {"default_shots": 10}}

    workload = noop.prepare("sampler", params, entry)  # not ISA: the no-op does not look
    result = noop.execute(workload, entry, seed=0)

    assert (workload.num_circuits, workload.total_shots) == (3, 120)
    assert isinstance(result, PrimitiveResult) and len(result) == 0
    assert (
        noop.prepare("estimator", {"pubs": [[bell(False), "ZZ", None, 0.1]]}, entry).total_shots
        == 128
    )
    with pytest.raises(InvalidWorkload, match="'pubs'"):
        noop.prepare("sampler", {"pubs": []}, entry)
