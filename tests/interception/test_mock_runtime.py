"""``mock_runtime``: the official client (0.51 here), unchanged, answered by a fake in process."""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from qiskit_runtime_double import FakeRuntime, Instance, InterceptionError, mock_runtime

from .conftest import TOKEN, isa_for

qiskit_ibm_runtime = pytest.importorskip(
    "qiskit_ibm_runtime", reason="needs the official client (the compat extra)"
)
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2  # noqa: E402

pytestmark = [
    pytest.mark.compat,
    pytest.mark.usefixtures("no_account"),
    pytest.mark.filterwarnings("ignore:The (SamplerV2|EstimatorV2) class is deprecated"),
]


def official_service(**options: Any) -> Any:
    return QiskitRuntimeService(channel="ibm_quantum_platform", token=TOKEN, **options)


def bell_counts(service: Any, backend_name: str = "generic_5q") -> dict[str, int]:
    backend = service.backend(backend_name)
    job = SamplerV2(mode=backend).run([isa_for(backend)], shots=100)
    counts: dict[str, int] = job.result()[0].data.meas.get_counts()
    return counts


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Creating a socket fails: whatever the test does next cannot reach any network."""

    def refuse(self: socket.socket, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("a socket was created")

    monkeypatch.setattr(socket.socket, "__init__", refuse)


def test_a_bell_job_runs_without_a_socket(no_sockets: None) -> None:
    with mock_runtime(seed=3) as fake:
        counts = bell_counts(official_service())

    assert sum(counts.values()) == 100
    assert set(counts) <= {"00", "01", "10", "11"}
    (job,) = fake.jobs()
    assert job.status == "Completed"


def test_the_client_is_answered_as_against_ibm(no_sockets: None) -> None:
    with mock_runtime(seed=3) as fake:
        service = official_service()
        backends = sorted(b.name for b in service.backends())
        instances = service.instances()

    assert backends == sorted(fake.backend_names)
    assert [i["crn"] for i in instances] == [fake.plan.instance]


def test_leaving_puts_everything_back() -> None:
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    before = (
        HTTPConnectionPool._make_request,
        HTTPSConnectionPool._prepare_proxy,
        time.time,
        time.time_ns,
        time.sleep,
    )
    with mock_runtime() as fake:
        official_service()
        assert time.sleep != before[4]
        wall = fake.platform.wall_clock
    after = (
        HTTPConnectionPool._make_request,
        HTTPSConnectionPool._prepare_proxy,
        time.time,
        time.time_ns,
        time.sleep,
    )

    assert after == before
    assert wall is fake.clock  # tokens lived in simulated time inside the block
    assert fake.platform.wall_clock is not fake.clock


def test_usage_data_is_off_inside_and_the_users_choice_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("USAGE_DATA_OPT_OUT", raising=False)
    with mock_runtime():
        inside = os.environ.get("USAGE_DATA_OPT_OUT")
    assert inside == "True"  # the client then skips its stack walk on every request
    assert "USAGE_DATA_OPT_OUT" not in os.environ
    monkeypatch.setenv("USAGE_DATA_OPT_OUT", "False")
    with mock_runtime():
        pass
    assert os.environ["USAGE_DATA_OPT_OUT"] == "False"


def test_leaving_on_an_exception_puts_everything_back() -> None:
    before = time.sleep
    with pytest.raises(KeyError), mock_runtime():
        raise KeyError("boom")

    assert time.sleep == before
    with mock_runtime():  # a new block can start
        pass


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from loopback"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_other_hosts_are_untouched(loopback_server: str) -> None:
    import requests

    with mock_runtime() as fake, requests.Session() as http_session:
        answer = http_session.get(loopback_server, timeout=10)
        official_service()  # IBM's hosts are still answered by the fake meanwhile

    assert answer.text == "hello from loopback"
    assert fake.platform is not None


def test_an_unserved_ibm_host_gets_a_404_not_the_network(no_sockets: None) -> None:
    import requests

    with mock_runtime(), requests.Session() as http_session:
        answer = http_session.get("https://cloud.ibm.com/docs", timeout=10)

    assert answer.status_code == 404
    assert "does not serve GET https://cloud.ibm.com/docs" in answer.json()["errors"][0]["message"]


def test_nesting_is_an_error_that_names_the_active_block() -> None:
    nested = r"already intercepted \(mock_runtime\(\) made at .*test_mock_runtime.py"
    with mock_runtime() as fake:
        with pytest.raises(InterceptionError, match=nested), mock_runtime():
            pass
        counts = bell_counts(official_service())  # the outer block still works

    assert sum(counts.values()) == 100
    assert len(fake.jobs()) == 1


def test_the_same_block_cannot_be_entered_twice() -> None:
    mock = mock_runtime()
    with mock, pytest.raises(RuntimeError, match="already active"), mock:
        pass


def test_threads_share_the_fake_and_its_time() -> None:
    with mock_runtime(seed=5) as fake:
        service = official_service()
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda _: bell_counts(service), range(4)))

    assert [sum(r.values()) for r in results] == [100] * 4
    assert sorted(job.status for job in fake.jobs()) == ["Completed"] * 4


def test_a_decorated_function_gets_a_fresh_fake_per_call() -> None:
    seen: list[int] = []

    @mock_runtime()
    def pipeline() -> None:
        service = official_service()
        seen.append(len(service.jobs()))
        bell_counts(service)

    pipeline()
    pipeline()

    assert seen == [0, 0]
    assert time.sleep.__module__ == "time"  # nothing left behind


def test_a_given_fake_is_used_as_it_is() -> None:
    fake = FakeRuntime(["generic_27q"], seed=9)

    with mock_runtime(fake) as yielded:
        names = [b.name for b in official_service().backends()]

    assert yielded is fake
    assert names == ["generic_27q"]


def test_the_accounts_instance_is_served(monkeypatch: pytest.MonkeyPatch) -> None:
    crn = "crn:v1:bluemix:public:quantum-computing:eu-de:a/1234:5678-90::"
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", crn)

    with mock_runtime() as fake:
        service = official_service(instance=crn)
        counts = bell_counts(service)

    assert [i.crn for i in fake.instances] == [crn]
    assert sum(counts.values()) == 100


def test_an_instance_by_name() -> None:
    instances = [Instance(name="research", plan="premium", region="eu-de")]

    with mock_runtime(instances=instances) as fake:
        service = official_service(instance="research")
        bell_counts(service)

    (job,) = fake.jobs()
    assert job.instance == fake.instances.default.crn


def test_an_injected_502_is_retried_by_the_clients_own_retries() -> None:
    with mock_runtime() as fake:
        service = official_service()
        fake.inject_http_error("list_jobs", 502, times=2)
        jobs = service.jobs()

    assert jobs == []
    assert not fake.faults.take("list_jobs")  # both were used: urllib3 retried twice


def test_bad_arguments_are_refused_with_what_to_do() -> None:
    with pytest.raises(TypeError, match="first argument is a FakeRuntime, got str"):
        mock_runtime("fake")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"pass backends=\[\.\.\.\]"):
        mock_runtime(["generic_5q"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"a fake and options for a new one \(seed\)"):
        mock_runtime(FakeRuntime(), seed=3)
    with pytest.raises(TypeError, match="instance must be a CRN or an instance name"):
        mock_runtime(instance="")
    with pytest.raises(TypeError, match="decorates functions and methods, not classes"):
        mock_runtime()(type("Tests", (), {}))
