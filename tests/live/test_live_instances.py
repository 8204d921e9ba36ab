"""Our client finding its instance over HTTP as the official client does: an instance name looked
up through Global Search, or none (the official order: free plans first, then the first instance
with backends), against a served fake with several instances; and in process, through ``fake=``."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qiskit_runtime_double import IBMInputValueError, IBMNotAuthorizedError, QiskitRuntimeService
from qiskit_runtime_double.fake import FakeRuntime, Instance
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.http_client.discovery import InstanceInfo, order_instances
from qiskit_runtime_double.transports.endpoints import catalog_url_for, search_url_for

QPU, SIMULATOR = "generic_5q", "ibmq_qasm_simulator"
PREMIUM = Instance("team-premium", plan="premium", region="eu-de", tags=["team-a"])
OPEN = Instance("my-open", plan="open", backends=[QPU], usage_allocation_seconds=600)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    fake = FakeRuntime([QPU, SIMULATOR], seed=4, instances=[PREMIUM, OPEN], api_keys=["key-1"])
    with fake.serve(pace="manual") as running:
        yield running


def connect(server: FakeServer, **kwargs: Any) -> QiskitRuntimeService:
    """Our client onto ``server``, every endpoint given; ``kwargs`` add or replace arguments."""
    options: dict[str, Any] = {
        "token": "key-1",
        "runtime_url": server.runtime_url,
        "iam_url": server.iam_url,
        "search_url": server.search_url,
        "catalog_url": server.catalog_url,
    }
    return QiskitRuntimeService(**{**options, **kwargs})


def backend_names(service: QiskitRuntimeService) -> list[str]:
    """The instance's backends (its mock devices, listed with ``include_mocks``, left out)."""
    return [backend.name for backend in service.backends()]


def test_an_instance_name_is_resolved_through_global_search(server: FakeServer) -> None:
    with connect(server, instance="team-premium") as service:
        assert service.instance == service.active_instance() == PREMIUM.crn
        assert backend_names(service) == [QPU, SIMULATOR]
        assert service.usage()["instance_id"] == PREMIUM.crn
    with connect(server, instance="my-open") as service:
        assert service.instance == OPEN.crn and backend_names(service) == [QPU]
        assert service.usage()["usage_allocation_seconds"] == 600


def test_an_unknown_name_is_refused_with_the_names_there_are(server: FakeServer) -> None:
    with pytest.raises(IBMInputValueError, match="not a valid instance name") as refused:
        connect(server, instance="nope")
    assert "'my-open'" in str(refused.value) and "'team-premium'" in str(refused.value)


def test_without_an_instance_a_free_plan_is_chosen_first_and_said(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="qiskit_runtime_double"):
        service = connect(server)

    assert service.instance == OPEN.crn  # listed second, but free
    assert "No instance was given: using 'my-open'" in caplog.text


@pytest.mark.parametrize(
    "preference",
    [{"plans_preference": ["premium"]}, {"region": "eu-de"}, {"tags": ["TEAM-A"]}],
)
def test_preferences_narrow_the_choice(server: FakeServer, preference: dict[str, Any]) -> None:
    assert connect(server, **preference).instance == PREMIUM.crn


def test_preferences_that_leave_nothing_are_refused(server: FakeServer) -> None:
    with pytest.raises(IBMInputValueError, match=r"No matching instances.*region: us-south"):
        connect(server, region="us-south")


def test_the_environment_variables_of_the_official_client_are_read(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IAM_URL", server.iam_url)
    monkeypatch.setenv("GLOBAL_SEARCH_URL", server.search_url)
    monkeypatch.setenv("GLOBAL_CATALOG_URL", server.catalog_url)

    service = QiskitRuntimeService(token="key-1", instance="team-premium", url=server.url)

    assert service.instance == PREMIUM.crn


def test_a_refused_key_stops_the_search(server: FakeServer) -> None:
    with pytest.raises(IBMNotAuthorizedError, match="refused the API key"):
        connect(server, token="wrong-key")


def test_an_instance_without_backends_is_passed_over() -> None:
    empty = Instance("empty-open", plan="open", backends=[])
    fake = FakeRuntime([QPU], seed=4, instances=[empty, Instance("paid")])
    with fake.serve() as server:
        assert connect(server).instance == Instance("paid").crn


def test_in_process_names_and_choices_go_through_the_fake_global_search() -> None:
    fake = FakeRuntime([QPU, SIMULATOR], seed=4, instances=[PREMIUM, OPEN])

    assert QiskitRuntimeService(fake=fake, instance="team-premium").instance == PREMIUM.crn
    assert QiskitRuntimeService(fake=fake).instance == OPEN.crn
    assert QiskitRuntimeService(fake=fake, region="eu-de").instance == PREMIUM.crn
    assert QiskitRuntimeService(fake=fake, instance=PREMIUM.crn).instance == PREMIUM.crn
    one = FakeRuntime([QPU], seed=4)
    assert QiskitRuntimeService(fake=one).instance == one.plan.instance


# --- the rules, without a server ------------------------------------------------------------------


def info(name: str, pricing: str, region: str = "us-east", plan: str = "p") -> InstanceInfo:
    crn = f"crn:v1:bluemix:public:quantum-computing:{region}:a/acct:{name}::"
    return InstanceInfo(crn=crn, name=name, plan=plan, tags=(), pricing_type=pricing)


def test_the_pricing_order_is_the_official_one_and_stable() -> None:
    found = [
        info("a", "subscription"),
        info("b", "paid"),
        info("c", "unknown"),
        info("d", "brand-new"),
        info("e", "free"),
        info("f", "paygo"),
        info("g", "trial"),
        info("h", "free"),
    ]

    assert [i.name for i in order_instances(found)] == ["e", "h", "g", "f", "b", "a", "c", "d"]
    preferred = order_instances(
        [info("x", "free", plan="open"), info("y", "paid", plan="premium")],
        plans_preference=["Premium", "open"],
    )
    assert [i.name for i in preferred] == ["y", "x"]


@pytest.mark.parametrize(
    ("url", "search", "catalog"),
    [
        (
            "https://cloud.ibm.com",
            "https://api.global-search-tagging.cloud.ibm.com",
            "https://globalcatalog.cloud.ibm.com/api/v1",
        ),
        (
            "http://127.0.0.1:8080",
            "http://api.global-search-tagging.127.0.0.1:8080",
            "http://globalcatalog.127.0.0.1:8080/api/v1",
        ),
    ],
)
def test_search_and_catalog_urls_follow_the_cloud_url(url: str, search: str, catalog: str) -> None:
    assert (search_url_for(url), catalog_url_for(url)) == (search, catalog)


@pytest.mark.compat
def test_search_and_catalog_urls_match_the_official_client_without_a_port() -> None:
    utils = pytest.importorskip("qiskit_ibm_runtime.accounts.utils")
    for url in ("https://cloud.ibm.com", "https://test.cloud.ibm.com"):
        assert search_url_for(url) == utils.get_global_search_api_url(url)
        assert catalog_url_for(url) == utils.get_global_catalog_api_url(url)


def test_a_saved_account_preferences_choose_the_instance(
    server: FakeServer, tmp_path: Path
) -> None:
    saved = tmp_path / "qiskit-ibm.json"
    account = {"token": "key-1", "plans_preference": ["premium"], "tags": ["team-a"]}
    saved.write_text(json.dumps({"default-ibm-quantum-platform": account}))
    options = {"runtime_url": server.runtime_url, "iam_url": server.iam_url}
    urls = {"search_url": server.search_url, "catalog_url": server.catalog_url}

    assert QiskitRuntimeService(filename=str(saved), **options, **urls).instance == PREMIUM.crn
    saved.write_text(json.dumps({"default-ibm-quantum-platform": {**account, "tags": "team-a"}}))
    with pytest.raises(IBMInputValueError, match="tags must be a list of strings"):
        QiskitRuntimeService(filename=str(saved), **options, **urls)
