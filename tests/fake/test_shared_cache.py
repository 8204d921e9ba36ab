"""Fakes of one process share what is immutable (targets, snapshots, noise models), nothing else."""

from __future__ import annotations

from qiskit.providers.fake_provider import GenericBackendV2

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService, SamplerV2, Session
from qiskit_runtime_double.fake.core.shared import SharedCache, target_fingerprint

from ..helpers import bell, isa


def run_bell(fake: FakeRuntime) -> dict[str, int]:
    service = QiskitRuntimeService(fake=fake)
    circuit = isa(service, bell(), "generic_5q")
    with Session(service=service, backend="generic_5q") as session:
        result = SamplerV2(mode=session).run([circuit], shots=256).result()
    counts: dict[str, int] = result[0].data.meas.get_counts()
    return counts


def test_a_second_fake_builds_nothing_the_first_built() -> None:
    cache = SharedCache()
    first = FakeRuntime(seed=4)
    first_counts = run_bell(first)
    builds = cache.builds  # a private cache stays empty: fakes use the process's by default
    assert builds == 0
    from qiskit_runtime_double.fake.core.shared import SHARED

    before = SHARED.builds
    second = FakeRuntime(seed=4)
    assert run_bell(second) == first_counts  # same seed, same noise, same counts
    assert SHARED.builds == before, "the second fake rebuilt shared data"


def test_fakes_share_targets_but_not_backends_or_state() -> None:
    one, two = FakeRuntime(seed=9), FakeRuntime(seed=9)
    a, b = one.catalogue["generic_27q"].backend, two.catalogue["generic_27q"].backend
    assert a is not b and a.target is b.target  # each its own BackendV2 around one Target
    assert FakeRuntime(seed=10).catalogue["generic_27q"].backend.target is not a.target
    one.add_background_jobs("generic_5q", 2)
    assert two.state.jobs == {}


def test_equal_user_backends_share_by_content_and_changed_ones_do_not() -> None:
    first, same, other = (GenericBackendV2(5, seed=s) for s in (1, 1, 2))
    assert target_fingerprint(first.target) == target_fingerprint(same.target)
    assert target_fingerprint(first.target) != target_fingerprint(other.target)
    fakes = [FakeRuntime({"mine": backend}, seed=0) for backend in (first, same, other)]
    keys = [fake.catalogue["mine"].content_key for fake in fakes]
    assert keys[0] == keys[1] != keys[2]


def test_noise_models_are_kept_least_recently_used() -> None:
    cache = SharedCache(max_noise_models=2)
    for key in ("a", "b", "a", "c"):
        cache.noise_model(key, lambda key=key: f"model {key}")
    built = cache.builds
    cache.noise_model("a", lambda: "rebuilt a")  # kept: used recently
    assert cache.builds == built
    assert cache.noise_model("b", lambda: "rebuilt b") == "rebuilt b"  # dropped, so rebuilt


def test_a_session_decodes_each_distinct_circuit_once() -> None:
    fake = FakeRuntime(seed=2)
    service = QiskitRuntimeService(fake=fake)
    circuit = isa(service, bell(), "generic_5q")
    with Session(service=service, backend="generic_5q") as session:
        sampler = SamplerV2(mode=session)
        for _ in range(5):
            sampler.run([circuit], shots=16).result()
    assert fake.state._circuits.hits == 4
