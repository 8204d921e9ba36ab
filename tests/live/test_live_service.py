"""``QiskitRuntimeService`` selecting ``LiveTransport`` from arguments, saved accounts and env."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qiskit_runtime_double import IBMInputValueError, MockTransport, QiskitRuntimeService
from qiskit_runtime_double.transports.live import LiveTransport
from qiskit_runtime_double.wire.http import HttpResponse

from .http_stub import API_KEY, CRN, Stub

EU = "crn:v1:bluemix:public:quantum-computing:eu-de:a/acct0123:inst4567::"
LOOPBACK = "http://127.0.0.1:1"


def test_explicit_token_and_instance_select_the_live_transport(stub: Stub) -> None:
    service = QiskitRuntimeService(
        token=API_KEY, instance=CRN, runtime_url=stub.runtime_url, iam_url=stub.iam_url
    )
    assert [d.name for d in service.client.list_backends().devices] == ["stub_5q"]
    assert service.instance == CRN
    call = stub.seen[-1]
    assert call.headers["service-crn"] == CRN and "ibm-api-version" in call.headers
    assert API_KEY not in repr(service)


def test_saved_account_and_environment_give_the_derived_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = tmp_path / "qiskit-ibm.json"
    saved.write_text(
        json.dumps({"default-ibm-quantum-platform": {"token": API_KEY, "instance": EU}})
    )
    transport = QiskitRuntimeService(filename=str(saved)).client.transport
    assert isinstance(transport, LiveTransport)
    assert transport.base_url == "https://eu-de.quantum.cloud.ibm.com/api/v1"
    assert transport.iam_url == "https://iam.cloud.ibm.com"

    monkeypatch.setenv("QISKIT_IBM_TOKEN", API_KEY)
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", CRN)
    monkeypatch.setenv("IAM_URL", "http://127.0.0.1:9")
    service = QiskitRuntimeService(filename=str(tmp_path / "none.json"), private_endpoint=True)
    transport = service.client.transport
    assert isinstance(transport, LiveTransport)
    assert transport.base_url == "https://private.us-east.quantum.cloud.ibm.com/api/v1"
    assert transport.iam_url == "http://127.0.0.1:9"
    assert service.instance == CRN


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        # Without a CRN the instance is looked up at IBM Cloud: never with another IAM's token.
        (
            {"token": API_KEY, "runtime_url": "http://127.0.0.1:1/api/v1", "iam_url": LOOPBACK},
            "search_url and catalog_url=",
        ),
        ({"token": API_KEY, "instance": "my-instance", "iam_url": LOOPBACK}, "search_url"),
        (
            {"token": API_KEY, "url": LOOPBACK, "search_url": "https://x.cloud.ibm.com"},
            "search_url=",
        ),
        ({"token": API_KEY, "plans_preference": "open"}, "list of strings"),
        ({"token": API_KEY, "tags": [1]}, "tags"),
        (
            {"token": API_KEY, "instance": CRN, "runtime_url": "http://127.0.0.1:1/api/v1"},
            "iam_url=",
        ),
        ({"url": "https://cloud.ibm.com"}, "not valid on its own"),
        ({"transport": MockTransport(HttpResponse.empty), "runtime_url": "http://x"}, "cannot be"),
    ],
)
def test_service_refuses_incomplete_live_configuration(
    tmp_path: Path, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(IBMInputValueError, match=match):
        QiskitRuntimeService(filename=str(tmp_path / "none.json"), **kwargs)
