"""The official client's traffic recorded into our cassettes, and replayed to it offline.

Recording from "the live service" is shown against a fake served on 127.0.0.1 standing in for
IBM (``PassThrough`` sends each intercepted request on, as urllib3 would have): the interception
then routes that host too (``hosts=``), as the plugin does for the hosts the client's own
environment variables name.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from qiskit_runtime_double import CassetteTransport, FakeRuntime, SystemClock
from qiskit_runtime_double.interception import (
    DEFAULT_RUNTIME_URL,
    FakeRoutes,
    Interception,
    PassThrough,
    decodable_tokens,
    recorded_hosts,
)

from .conftest import TOKEN, isa_for

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="needs the official client (the compat extra)"
)
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2, Session  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.usefixtures("no_account"),
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]

QPU = "generic_5q"


def workload(service: Any) -> dict[str, Any]:
    """A session with two jobs, then listing: what the replay must see again."""
    backend = service.backend(QPU)
    isa = isa_for(backend)
    with Session(backend=backend, max_time=600) as session:
        sampler = SamplerV2(mode=session)
        first = sampler.run([isa], shots=64)
        second = sampler.run([isa], shots=64)
        counts = [job.result()[0].data.meas.get_counts() for job in (first, second)]
    listed = [job.job_id() for job in service.jobs(limit=5)]
    return {"session": session.session_id, "counts": counts, "listed": listed}


def refuse_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: socket.socket, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("a socket was created")

    monkeypatch.setattr(socket.socket, "__init__", refuse)


def replay(path: Path, monkeypatch: pytest.MonkeyPatch, client: Any) -> dict[str, Any]:
    refuse_sockets(monkeypatch)
    with (
        CassetteTransport(path, "replay") as cassette,
        Interception(cassette, replies=(decodable_tokens,), hosts=recorded_hosts(path)),
    ):
        return workload(client())


def test_recorded_from_the_fake_and_replayed_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "from_fake.yaml"
    fake = FakeRuntime([QPU], seed=8)

    def client() -> Any:
        return QiskitRuntimeService(channel="ibm_quantum_platform", token=TOKEN)

    recorder = CassetteTransport(path, "rewrite", inner=FakeRoutes(fake), recorded_from="fake")
    with recorder, Interception(recorder):
        recorded = workload(client())

    text = path.read_text("utf-8")
    assert "recorded_from: fake" in text
    assert "uri: https://quantum.cloud.ibm.com/api/v1/jobs" in text  # what the client sent
    assert TOKEN not in text
    assert replay(path, monkeypatch, client) == recorded


def test_recorded_from_a_service_over_http_and_replayed_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "from_live.yaml"
    fake = FakeRuntime([QPU], seed=12)
    with fake.serve(max_wait=0.05) as server:
        host = server.url.split("//")[1]
        account = {"url": server.url, "instance": server.instance, "runtime": server.runtime_url}
        # The official client finds IAM, Global Search and the Catalog through these.
        monkeypatch.setenv("IAM_URL", server.iam_url)
        monkeypatch.setenv("GLOBAL_SEARCH_URL", server.search_url)
        monkeypatch.setenv("GLOBAL_CATALOG_URL", server.catalog_url)

        def client() -> Any:
            return QiskitRuntimeService(
                channel="ibm_quantum_platform",
                token=TOKEN,
                url=account["url"],
                instance=account["instance"],
                url_resolver=lambda *_: account["runtime"],
            )

        live = PassThrough(DEFAULT_RUNTIME_URL, SystemClock())
        recorder = CassetteTransport(path, "rewrite", inner=live, recorded_from="live")
        with recorder, Interception(recorder, virtual_time=False, hosts=[host]) as watching:
            recorded = workload(client())
        assert watching.answered > 0
        served = len(server.requests)
    assert served == watching.answered  # every request really went over HTTP while recording

    text = path.read_text("utf-8")
    assert "recorded_from: live" in text and host in text
    assert TOKEN not in text
    assert replay(path, monkeypatch, client) == recorded  # the server is gone
