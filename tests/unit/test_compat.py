"""``compat``: the official client pointed at a served fake, and the environment it needs."""

from __future__ import annotations

import os
import sys

import pytest

from qiskit_runtime_double.compat import ENV_VARS, official_environment, official_service
from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.server import FakeServer


@pytest.fixture
def stopped() -> FakeServer:
    return FakeServer(FakeRuntime(["ibmq_qasm_simulator"], seed=1))


def test_the_environment_points_at_the_server_and_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IAM_URL", "http://before.invalid")
    monkeypatch.delenv("GLOBAL_SEARCH_URL", raising=False)
    monkeypatch.delenv("GLOBAL_CATALOG_URL", raising=False)
    fake = FakeRuntime(["ibmq_qasm_simulator"], seed=1)
    with fake.serve() as server, official_environment(server):
        assert [os.environ[name] for name in ENV_VARS] == [
            server.url,
            server.url,
            server.url + "/catalog",
        ]
    assert os.environ["IAM_URL"] == "http://before.invalid"
    assert "GLOBAL_SEARCH_URL" not in os.environ and "GLOBAL_CATALOG_URL" not in os.environ


def test_a_server_that_is_not_running_is_refused(stopped: FakeServer) -> None:
    pytest.importorskip("qiskit_ibm_runtime")

    with pytest.raises(RuntimeError, match=r"not running.*fake\.serve"):
        official_service(stopped)


def test_without_the_official_client_the_error_names_the_extra(
    stopped: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "qiskit_ibm_runtime", None)

    with pytest.raises(ImportError, match=r"qiskit-runtime-double\[compat\]"):
        official_service(stopped)
