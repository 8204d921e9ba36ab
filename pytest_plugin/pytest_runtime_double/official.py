"""``ibm_runtime``: the official ``qiskit_ibm_runtime`` client, unchanged, in every runtime mode.

The application's code imports ``qiskit_ibm_runtime``; the fixture decides where its traffic to
IBM's hosts goes (``qiskit_runtime_double.interception``):

- **fake**: answered by an in-process fake built from ``runtime_config`` (the fixture yields it,
  the same one ``fake_runtime`` gives), in simulated time (``mock_runtime``);
- **replay**: answered from the test's cassette, offline, in the cassette's time;
- **record**: recorded into the test's cassette, from that fake (``--runtime-record-from=fake``,
  simulated time, the fake yielded) or from the live service (real time);
- **live**: sent to the service as it is. The interception only watches job polls for the status
  line (``--runtime-progress``); so does recording from the live service.

Outside fake mode and recording from the fake, the fixture yields None. Hosts besides IBM's:
recording and live runs also take the hosts the client's own environment variables send it to
(``IAM_URL``, ...; ``interception.environment_hosts``), and a replay answers every host its
cassette recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .fixtures import _config, build_fake, finish_recording
from .state import CASSETTE, FAKE, OFFICIAL_CLOCK, SETTINGS, cassette_path

if TYPE_CHECKING:
    from qiskit_runtime_double import FakeRuntime

__all__ = ["ibm_runtime"]


def _no_cassette(nodeid: str, path: object) -> str:
    return (
        f"--runtime-mode=replay, but {nodeid} has no cassette at {path}. Record it: "
        f"pytest --runtime-mode=record '{nodeid}' (add --runtime-record-from=fake to record "
        "against the fake, with no account), then commit the cassette."
    )


@pytest.fixture
def ibm_runtime(request: pytest.FixtureRequest, runtime_mode: str) -> Iterator[FakeRuntime | None]:
    """Intercept the official client's traffic for this test, in this runtime mode (module docs):
    yields the fake in fake mode and when recording from it, else None."""
    from qiskit_runtime_double import CassetteTransport, SystemClock
    from qiskit_runtime_double.interception import (
        DEFAULT_RUNTIME_URL,
        FakeRoutes,
        Interception,
        PassThrough,
        ProgressReported,
        account_instance,
        decodable_tokens,
        environment_hosts,
        instance_restored,
        mock_runtime,
        recorded_hosts,
        tokens_in_simulated_time,
    )

    node = request.node
    settings = request.config.stash[SETTINGS]
    name = f"the ibm_runtime fixture of {node.nodeid}"
    if runtime_mode == "fake":
        in_process: FakeRuntime = request.getfixturevalue("fake_runtime")
        node.stash[FAKE] = in_process
        node.stash[OFFICIAL_CLOCK] = in_process.clock
        with mock_runtime(in_process):
            yield in_process
        return
    if runtime_mode == "live":
        live = PassThrough(DEFAULT_RUNTIME_URL, SystemClock())
        watching = Interception(
            live,
            virtual_time=False,
            replies=(ProgressReported(),),
            hosts=environment_hosts(),
            name=name,
        )
        with watching:
            yield None
        return

    config = _config(request)
    path = cassette_path(settings, node)
    node.stash[CASSETTE] = path
    instance = account_instance()
    replies: list[Any] = [decodable_tokens]
    if instance is not None and instance.startswith("crn:"):
        replies.append(instance_restored(instance))
    if runtime_mode == "replay":
        if not path.exists():  # a test the collection could not judge (skipif, ...)
            pytest.fail(_no_cassette(node.nodeid, path), pytrace=False)
        with CassetteTransport(path, "replay", scrub_rules=config["scrub_rules"]) as cassette:
            node.stash[OFFICIAL_CLOCK] = cassette.clock
            replaying = Interception(
                cassette, replies=tuple(replies), hosts=recorded_hosts(path), name=name
            )
            with replaying:
                yield None
        return

    fake: FakeRuntime | None = None
    inner: Any
    if settings.records_from_fake:
        fake = build_fake(config, instance=instance)
        node.stash[FAKE] = fake
        inner, origin = FakeRoutes(fake), "fake"
    else:
        inner, origin = PassThrough(DEFAULT_RUNTIME_URL, SystemClock()), "live"
        replies.append(ProgressReported())
    cassette = CassetteTransport(
        path,
        settings.record_mode,
        inner=inner,
        scrub_rules=config["scrub_rules"],
        recorded_from=origin,
    )
    simulated = fake is not None or cassette.replaying
    if simulated:
        node.stash[OFFICIAL_CLOCK] = cassette.clock
    recording = Interception(
        cassette,
        virtual_time=simulated,
        usage_data=not simulated,  # the live service gets the client's usage data as usual
        replies=tuple(replies),
        hosts=recorded_hosts(path) | environment_hosts(),
        name=name,
    )
    try:
        if fake is not None:
            with tokens_in_simulated_time(fake), recording:
                yield fake
        else:
            with recording:
                yield None
    finally:
        finish_recording(cassette, node, path)
        cassette.close()
