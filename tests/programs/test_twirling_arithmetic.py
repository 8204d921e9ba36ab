"""Twirling arithmetic: with ``num_randomizations`` and ``shots_per_randomization`` both given,
a pub runs their product of shots in that many randomizations, through the official client's
``EstimatorV2`` and ``SamplerV2`` (the service resolves it) and its executor-based primitives
(the client builds the randomizations, the fake runs them all)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from qiskit.quantum_info import SparsePauliOp

from qiskit_runtime_double import mock_runtime

from .conftest import QPU, bell, isa_for, official_service

pytest.importorskip("qiskit_ibm_runtime", reason="needs the official client (the compat extra)")
from qiskit_ibm_runtime import EstimatorV2, SamplerV2

pytestmark = [
    pytest.mark.compat,
    pytest.mark.usefixtures("no_account"),
    # 0.50 deprecated the V2 primitives in favour of the executor-based ones; 0.51 still runs them.
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]

SIXTEEN_BY_100: dict[str, Any] = {"num_randomizations": 16, "shots_per_randomization": 100}


def bell_zz(backend: Any) -> tuple[Any, SparsePauliOp]:
    isa = isa_for(backend, bell(measure=False))
    return isa, SparsePauliOp("ZZ").apply_layout(isa.layout)


def test_estimator_v2_runs_the_product_of_its_randomization_options() -> None:
    with mock_runtime(seed=2):
        backend = official_service().backend(QPU)
        pub = bell_zz(backend)
        fixed = EstimatorV2(backend, options={"twirling": SIXTEEN_BY_100}).run([pub]).result()
        only_count = EstimatorV2(backend, options={"twirling": {"num_randomizations": 16}})
        counted = only_count.run([pub], precision=0.05).result()
        auto = EstimatorV2(backend).run([pub], precision=0.05).result()

    assert (fixed[0].metadata["shots"], fixed[0].metadata["num_randomizations"]) == (1600, 16)
    assert fixed[0].metadata["target_precision"] == pytest.approx(0.025)  # 1/sqrt(1600)
    assert fixed.metadata["twirling"]["num_randomizations"] == 16  # the options, as set
    assert fixed.metadata["twirling"]["shots_per_randomization"] == 100
    # A pub's own precision is obeyed: 400 shots, over the 16 randomizations asked for (16 x 25).
    assert (counted[0].metadata["shots"], counted[0].metadata["num_randomizations"]) == (400, 16)
    # Both "auto": randomizations of at least 64 shots, ceil(400 / 64) = 7 of them.
    assert (auto[0].metadata["shots"], auto[0].metadata["num_randomizations"]) == (448, 7)


def test_a_randomization_product_beyond_the_backends_shots_is_a_400_naming_the_options() -> None:
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError

    with mock_runtime(seed=2):
        backend = official_service().backend(QPU)
        limit = backend.configuration().max_shots
        twirling = {"num_randomizations": limit, "shots_per_randomization": 2}
        estimator = EstimatorV2(backend, options={"twirling": twirling})
        with pytest.raises(IBMRuntimeError) as raised:
            estimator.run([bell_zz(backend)])

    assert "400" in str(raised.value)
    assert "options.twirling.num_randomizations x shots_per_randomization" in str(raised.value)


def test_a_twirled_sampler_v2_runs_the_product_unless_the_pub_gives_its_shots() -> None:
    twirled = {"twirling": {"enable_gates": True, "enable_measure": True, **SIXTEEN_BY_100}}
    with mock_runtime(seed=2):
        backend = official_service().backend(QPU)
        isa = isa_for(backend)
        product = SamplerV2(backend, options=twirled).run([isa]).result()
        given = SamplerV2(backend, options=twirled).run([isa], shots=200).result()
        untwirled = SamplerV2(backend, options={"twirling": SIXTEEN_BY_100}).run([isa]).result()

    assert product[0].data.meas.num_shots == 1600
    assert given[0].data.meas.num_shots == 200  # shots given to run() are always obeyed
    assert untwirled[0].data.meas.num_shots == 4096  # no twirling: default_shots


def test_the_executor_based_estimator_runs_each_randomization_its_options_ask_for() -> None:
    pytest.importorskip("samplomatic", reason="needs samplomatic (the programs extra)")
    from qiskit_ibm_runtime.executor_estimator import Estimator

    with mock_runtime(seed=2) as fake:
        backend = official_service().backend(QPU)
        estimator = Estimator(backend, options={"twirling": SIXTEEN_BY_100})
        job = estimator.run([bell_zz(backend)])
        value = float(job.result()[0].data.evs)
        program = job.inputs["quantum_program"]  # read back from the fake
        (record,) = fake.jobs()

    assert program.shots == 100 and all(item.shape[0] == 16 for item in program.items)
    items = json.loads(record.result_text)["data"]
    measured = [item["results"]["_meas"]["shape"] for item in items]
    assert measured and all(shape[0] == 16 and shape[-2] == 100 for shape in measured)
    assert abs(value - 1.0) < 0.2  # a noisy Bell pair, measurement twirling undone
