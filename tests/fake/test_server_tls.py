"""``serve(tls=True)``: https with a throwaway certificate that clients trust explicitly."""

from __future__ import annotations

import os
import ssl

import pytest
import requests
import websocket

from qiskit_runtime_double import FakeRuntime, QiskitRuntimeService
from qiskit_runtime_double.compat import legacy_environment

VERSION = {"IBM-API-Version": "2026-04-15"}


def test_a_tls_server_answers_https_with_its_own_certificate() -> None:
    fake = FakeRuntime(backends=["ibmq_qasm_simulator"], seed=1)
    with fake.serve(tls=True) as server:
        assert server.url.startswith("https://127.0.0.1:") and server.tls
        bundle = server.ca_bundle
        assert bundle is not None and os.path.exists(bundle)
        with requests.Session() as http:
            answer = http.get(f"{server.runtime_url}/backends", headers=VERSION, verify=bundle)
            assert answer.status_code == 401  # reached, and asks for a token as over http
        with requests.Session() as http, pytest.raises(requests.exceptions.SSLError):
            http.get(f"{server.runtime_url}/backends", headers=VERSION, timeout=10)  # untrusted
        environment = legacy_environment(server, "ibm_cloud")
        assert environment["REQUESTS_CA_BUNDLE"] == bundle
        assert environment["WEBSOCKET_CLIENT_CA_BUNDLE"] == bundle
    assert not os.path.exists(bundle)  # the certificate and its key are gone with the server


def test_the_guard_takes_the_https_origin_as_the_servers_own() -> None:
    fake = FakeRuntime(backends=["ibmq_qasm_simulator"], seed=1)
    with fake.serve(tls=True, require_auth=False) as server:
        own = {**VERSION, "Origin": server.url}
        foreign = {**VERSION, "Origin": server.url.replace("https", "http")}
        url = f"{server.runtime_url}/backends"
        with requests.Session() as http:
            assert http.get(url, headers=own, verify=server.ca_bundle).status_code == 200
            assert http.get(url, headers=foreign, verify=server.ca_bundle).status_code == 403


def test_a_result_stream_over_tls() -> None:
    fake = FakeRuntime(backends=["ibmq_qasm_simulator"], seed=1)
    # Held until the stream is open: a stream carries what happens while it is open, and served,
    # simulated time follows real time (a free job could end before the handshake does).
    fake.set_backend_status("ibmq_qasm_simulator", operational=False)
    job = QiskitRuntimeService(fake=fake).run(
        "hello-world", {"iterations": 1}, options={"backend": "ibmq_qasm_simulator"}
    )
    with fake.serve(tls=True, require_auth=False) as server:
        url = server.runtime_url.replace("https://", "wss://") + f"/stream/jobs/{job.job_id()}"
        stream = websocket.create_connection(
            url,
            sslopt={"ca_certs": server.ca_bundle, "cert_reqs": ssl.CERT_REQUIRED},
            timeout=300,  # a hang guard: the stream waits for a cold Aer run
        )
        messages = [stream.recv()]  # the acknowledgement: the stream is open
        fake.set_backend_status("ibmq_qasm_simulator", operational=True)
        while True:
            message = stream.recv()
            if not message:
                break
            messages.append(message)
        stream.shutdown()  # close() does nothing once the server closed: free the socket
    assert messages[0].startswith("Listening to results for job")
    assert messages[-1] == '"Hello, World!"'


def test_tls_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="tls"):
        FakeRuntime().serve(tls="yes")  # type: ignore[arg-type]
