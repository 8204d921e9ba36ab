"""Issue 10, points 3 and 4: the official client's pubs and result types against the fake.

Pubs: the official client coerces each pub (qiskit's ``SamplerPub``/``EstimatorPub``) and sends
``(circuit, values as an array, shots)``; for a circuit without parameters, "no values" in any
form becomes an empty array whose shape, but for the last axis, is the pub's. The service runs
them all; so does the fake, with qiskit's shapes.

Results: what the real service returns, as the official decoder rebuilds it. Estimator data are
arrays of the pub's shape (0-d for a scalar pub) with the service's pub and job metadata;
sampler results carry ``ExecutionSpans`` of ``DoubleSliceSpan`` (one per pub here) within the
job's run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import PubResult, StatevectorEstimator, StatevectorSampler

from .conftest import SIMULATOR, Official

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="the fidelity suite needs the official client (compat extra)"
)
from qiskit_ibm_runtime import EstimatorV2, SamplerV2  # noqa: E402
from qiskit_ibm_runtime.execution_span import DoubleSliceSpan, ExecutionSpans  # noqa: E402

from .. import helpers  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    # 0.50 deprecated the V2 primitives in favour of client-side ones; 0.51 still submits them.
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]

#: "No parameter values", as a user may write it; qiskit reads [[]] and zeros((2, 0)) as pubs of
#: 1 and 2 bindings. Each in a tuple pub and in a list pub.
EMPTY_VALUES: list[Any] = [(), [], [[]], np.array([]), np.zeros((2, 0)), np.zeros((2, 3, 0))]
FORMS = [(form, values) for values in EMPTY_VALUES for form in (tuple, list)]


@pytest.fixture(scope="module")
def bell() -> QuantumCircuit:
    return helpers.bell(measure=None)


def test_parameterless_sampler_pubs_with_empty_values_in_every_form(
    official: Official, bell: QuantumCircuit
) -> None:
    measured = bell.measure_all(inplace=False)
    pubs = [form((measured, values)) for form, values in FORMS]
    expected = StatevectorSampler().run(pubs, shots=8).result()

    job = SamplerV2(mode=official.backend(SIMULATOR)).run(pubs, shots=8)
    result = job.result()

    assert official.calls()[-1].status == 200  # the submission was accepted, then the result
    assert [pub.data.meas.shape for pub in result] == [pub.data.meas.shape for pub in expected]
    assert {pub.data.meas.shape for pub in result} == {(), (1,), (2,), (2, 3)}
    for pub in result:
        assert pub.data.meas.num_shots == 8
        assert set(pub.data.meas.get_counts()) <= {"00", "11"}  # every binding ran the circuit


def test_parameterless_estimator_pubs_with_empty_values_in_every_form(
    official: Official, bell: QuantumCircuit
) -> None:
    pubs = [form((bell, "ZZ", values)) for form, values in FORMS]
    expected = StatevectorEstimator().run(pubs).result()

    result = EstimatorV2(mode=official.backend(SIMULATOR)).run(pubs, precision=0.1).result()

    for mine, reference in zip(result, expected, strict=True):
        assert mine.data.evs.shape == reference.data.evs.shape
        assert mine.data.stds.shape == reference.data.stds.shape
        np.testing.assert_allclose(mine.data.evs, reference.data.evs)  # <ZZ> = 1, no noise


def test_estimator_results_are_arrays_with_the_services_metadata(
    official: Official, bell: QuantumCircuit
) -> None:
    observables = [["ZZ"], ["XX"], ["XI"]]  # shape (3, 1)

    estimator = EstimatorV2(mode=official.backend(SIMULATOR))
    # One precision per job: the official client deprecates mixing them.
    result = estimator.run([(bell, "XI")]).result()
    (grid,) = estimator.run([(bell, observables, None, 0.05)]).result()

    (scalar,) = result
    for pub, shape in ((scalar, ()), (grid, (3, 1))):
        assert type(pub) is PubResult  # as the service tags it (not EstimatorPubResult)
        assert list(pub.data) == ["evs", "stds", "ensemble_standard_error"]
        for name in pub.data:
            value = pub.data[name]
            assert isinstance(value, np.ndarray) and value.shape == shape, name
            assert value.dtype == np.float64, name
    assert scalar.metadata == {
        "shots": 4096,
        "target_precision": 0.015625,
        "circuit_metadata": {},
        "resilience": {},
        "num_randomizations": 32,
    }
    assert (grid.metadata["shots"], grid.metadata["target_precision"]) == (416, 0.05)
    assert result.metadata == {
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


def test_estimator_metadata_follows_the_options_sent(
    official: Official, bell: QuantumCircuit
) -> None:
    estimator = EstimatorV2(mode=official.backend(SIMULATOR))
    estimator.options.resilience_level = 2
    estimator.options.dynamical_decoupling.enable = True
    estimator.options.dynamical_decoupling.sequence_type = "XY4"
    estimator.options.twirling.enable_gates = False

    job = estimator.run([(bell, "ZZ")])
    metadata = job.result().metadata

    params = official.fake.job(job.job_id()).params
    assert params["resilience_level"] == 2  # beside the options, not in them
    assert params["options"]["twirling"] == {"enable_gates": False}
    assert metadata["dynamical_decoupling"]["enable"] is True
    assert metadata["dynamical_decoupling"]["sequence_type"] == "XY4"
    assert metadata["twirling"]["enable_gates"] is False  # set by the user
    assert metadata["resilience"]["zne_mitigation"] is True  # resolved from level 2


def test_sampler_results_carry_the_official_execution_spans(
    official: Official, bell_isa: QuantumCircuit
) -> None:
    # One shot count per job: the official client deprecates mixing them.
    job = SamplerV2(mode=official.backend()).run([(bell_isa,), (bell_isa, [[], [], []])], shots=32)

    result = job.result()

    spans = result.metadata["execution"]["execution_spans"]
    record = official.fake.job(job.job_id())
    assert list(result.metadata) == ["execution", "version"] and result.metadata["version"] == 2
    assert isinstance(spans, ExecutionSpans) and len(spans) == 2
    assert all(isinstance(span, DoubleSliceSpan) for span in spans)
    assert (spans.start, spans.stop) == (record.running_at, record.finished_at)
    assert spans[0].stop == spans[1].start  # the pubs ran one after the other, each its share
    assert spans[1].duration == pytest.approx(3 * spans[0].duration, abs=1e-5)
    for index, span in enumerate(spans):
        assert span.pub_idxs == [index]
        assert span.mask(index).shape == result[index].data.meas.array.shape[:-1]
        assert span.mask(index).all()
    assert spans.filter_by_pub(1)[1].size == 3 * 32
