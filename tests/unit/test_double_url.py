"""``QISKIT_RUNTIME_DOUBLE_URL`` points an unchanged ``QiskitRuntimeService()`` at a served fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qiskit_runtime_double import FakeRuntime, IBMInputValueError, QiskitRuntimeService
from qiskit_runtime_double.double_url import ENV_URL, double_endpoints
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.transports.cassette import CassetteTransport
from qiskit_runtime_double.transports.live import LiveTransport

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/abc:def::"


@pytest.fixture(autouse=True)
def account(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An account from the environment only (no saved file), and no variable of ours set."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "any-key")
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", CRN)
    for name in (ENV_URL, "IAM_URL", "QISKIT_IBM_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "value",
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080/", "http://127.0.0.1:8080/api/v1"],
)
def test_the_server_root_or_its_runtime_api(value: str) -> None:
    assert double_endpoints({ENV_URL: value}) == (
        "http://127.0.0.1:8080/api/v1",
        "http://127.0.0.1:8080",
    )


def test_unset_or_empty_means_ibm_and_iam_url_wins_for_the_key_exchange() -> None:
    assert double_endpoints({}) is None
    assert double_endpoints({ENV_URL: "  "}) is None
    runtime, iam = double_endpoints({ENV_URL: "http://h:1", "IAM_URL": "http://iam:2"}) or ("", "")
    assert (runtime, iam) == ("http://h:1/api/v1", "http://iam:2")


@pytest.mark.parametrize("value", ["127.0.0.1:8080", "ftp://h/", "http://", "http://h/?x=1"])
def test_a_value_that_is_not_a_url_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(IBMInputValueError, match=f"\\${ENV_URL} is .*qiskit-runtime-double serve"):
        double_endpoints({ENV_URL: value})


def _live(service: QiskitRuntimeService) -> LiveTransport:
    transport = service.client.transport
    assert isinstance(transport, LiveTransport)
    return transport


def test_without_it_the_service_targets_ibm(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = _live(QiskitRuntimeService())
    assert transport.base_url == "https://quantum.cloud.ibm.com/api/v1"
    assert transport.iam_url == "https://iam.cloud.ibm.com"


def test_explicit_arguments_win_over_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_URL, "http://127.0.0.1:9")
    transport = _live(
        QiskitRuntimeService(runtime_url="http://127.0.0.1:7/api/v1", iam_url="http://127.0.0.1:7")
    )
    assert (transport.base_url, transport.iam_url) == (
        "http://127.0.0.1:7/api/v1",
        "http://127.0.0.1:7",
    )
    monkeypatch.setenv(ENV_URL, "not a url")
    with pytest.raises(IBMInputValueError, match=ENV_URL):
        QiskitRuntimeService()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeRuntime(backends=["generic_5q"], seed=3).serve() as running:
        yield running


def test_an_unchanged_script_talks_to_the_served_fake(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_URL, server.url)
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", server.instance)
    with QiskitRuntimeService() as service:  # what the user's script says, unchanged
        assert [backend.name for backend in service.backends()] == ["generic_5q"]
    paths = {request.path for request in server.requests}
    assert {"/identity/token", "/api/v1/backends"} <= paths  # the key went to the fake's IAM
    # Recording such a script against the served fake works the same way.
    cassette = tmp_path / "script.yaml"
    with QiskitRuntimeService(cassette=cassette, record_mode="once") as service:
        service.backends()
        transport = service.client.transport
        assert isinstance(transport, CassetteTransport) and not transport.replaying
    assert "recorded_from: live" in cassette.read_text(encoding="utf-8")
