"""A service is built from a transport: ``from_transport``, ``fake=`` (anything that hands out a
transport, as ``FakeRuntime.transport()`` does) and ``transport=`` all meet in one place, and the
service module knows nothing of the fake."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import qiskit_runtime_double
from qiskit_runtime_double import (
    FakeRuntime,
    IBMInputTypeError,
    InProcessTransport,
    Instance,
    MockTransport,
    QiskitRuntimeService,
    Transport,
    TransportSource,
    VirtualClock,
)
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse

QPU, SIMULATOR = "generic_5q", "ibmq_qasm_simulator"
PREMIUM = Instance("team-premium", plan="premium", region="eu-de")
OPEN = Instance("my-open", plan="open", backends=[QPU])


class Recording:
    """A ``TransportSource`` that is not a fake: it hands out a transport onto a fake's
    transport, and remembers every request sent through it."""

    def __init__(self, fake: FakeRuntime) -> None:
        self.inner = fake.transport()
        self.seen: list[HttpRequest] = []

    def transport(self) -> InProcessTransport:
        def app(request: HttpRequest) -> HttpResponse:
            self.seen.append(request)
            return self.inner.handle(request)

        return InProcessTransport(
            app,
            clock=self.inner.clock,
            instance=self.inner.instance,
            search_url=self.inner.search_url,
            catalog_url=self.inner.catalog_url,
        )


def test_a_fake_transport_acts_for_the_fake_instance() -> None:
    fake = FakeRuntime([QPU], seed=4)
    transport = fake.transport()
    assert isinstance(transport, Transport) and transport.instance == fake.plan.instance

    service = QiskitRuntimeService.from_transport(transport)

    assert service.instance == service.active_instance() == fake.plan.instance
    assert [b.name for b in service.backends()] == [QPU]
    assert service.usage()["instance_id"] == fake.plan.instance


def test_from_transport_resolves_names_through_the_global_search_the_transport_serves() -> None:
    fake = FakeRuntime([QPU, SIMULATOR], seed=4, instances=[PREMIUM, OPEN])
    assert fake.transport().instance is None  # several: the service chooses

    chosen = QiskitRuntimeService.from_transport(fake.transport())
    named = QiskitRuntimeService.from_transport(fake.transport(), instance="team-premium")
    given = QiskitRuntimeService.from_transport(fake.transport(), instance=OPEN.crn)

    assert chosen.instance == OPEN.crn  # the official order: free plans first
    assert named.instance == PREMIUM.crn
    assert given.instance == OPEN.crn
    assert [b.name for b in named.backends()] == [QPU, SIMULATOR]


def test_fake_takes_any_transport_source_and_asks_only_its_transport() -> None:
    fake = FakeRuntime([QPU, SIMULATOR], seed=4, instances=[PREMIUM, OPEN])
    source = Recording(fake)
    assert isinstance(source, TransportSource)

    service = QiskitRuntimeService(fake=source, instance="team-premium")

    assert service.instance == PREMIUM.crn
    searched = [r for r in source.seen if r.path.endswith("/v3/resources/search")]
    assert searched, "the instance name was resolved through the transport's Global Search"
    service.backends()
    assert source.seen[-1].headers["Service-CRN"] == PREMIUM.crn


def test_a_transport_without_a_directory_gets_the_instance_as_given() -> None:
    seen: list[HttpRequest] = []

    def handler(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse.from_json(200, {"usage_consumed_seconds": 0})

    mock = MockTransport(handler, clock=VirtualClock())
    service = QiskitRuntimeService.from_transport(mock, instance="my-name")
    service.usage()

    assert service.instance == "my-name"
    assert [r.path for r in seen] == ["/api/v1/instances/usage"]  # no search was attempted
    assert seen[0].headers["Service-CRN"] == "my-name"


def test_a_hand_made_in_process_transport_still_acts_for_the_default_instance() -> None:
    fake = FakeRuntime([QPU, SIMULATOR], seed=4, instances=[PREMIUM, OPEN])
    service = QiskitRuntimeService(transport=InProcessTransport(fake.app))

    assert service.instance is None
    assert service.usage()["instance_id"] == PREMIUM.crn  # the fake's first, as before


@pytest.mark.parametrize("given", [object(), "fake", MockTransport(lambda r: HttpResponse(200))])
def test_fake_refuses_what_hands_out_no_transport(given: object) -> None:
    with pytest.raises(IBMInputTypeError, match=r"fake must be a FakeRuntime.*transport\(\)"):
        QiskitRuntimeService(fake=given)  # type: ignore[arg-type]


def test_fake_refuses_a_source_whose_transport_is_not_one() -> None:
    class Broken:
        def transport(self) -> object:
            return "not a transport"

    with pytest.raises(IBMInputTypeError, match=r"Broken.transport\(\) returned str"):
        QiskitRuntimeService(fake=Broken())  # type: ignore[arg-type]


def test_the_service_module_imports_nothing_of_the_fake() -> None:
    source = Path(qiskit_runtime_double.__file__).parent / "service.py"
    imported: list[str] = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    assert not [name for name in imported if "fake" in name.split(".")]
