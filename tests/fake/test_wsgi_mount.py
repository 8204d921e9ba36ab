"""The fake's app mounted under a WSGI server of the user's own (``wsgi.wsgi_adapter``).

``FakeServer`` speaks HTTP itself; a user who wants another server (the stdlib's ``wsgiref``
here; werkzeug's ``run_simple``, waitress or gunicorn alike) mounts ``wsgi_adapter(fake.app)``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests

from qiskit_runtime_double.fake import FakeRuntime
from qiskit_runtime_double.fake.http.wsgi import wsgi_adapter
from qiskit_runtime_double.wire.vocabulary import API_PREFIX

BACKEND = "ibmq_qasm_simulator"
TIMEOUT = 30


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def wsgi_server() -> Iterator[WSGIServer]:
    fake = FakeRuntime([BACKEND], seed=3)
    server = make_server("127.0.0.1", 0, wsgi_adapter(fake.app), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _url(server: WSGIServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_port}{API_PREFIX}{path}"


def test_the_runtime_api_answers_under_a_wsgi_server(wsgi_server: WSGIServer) -> None:
    answer = requests.get(_url(wsgi_server, "/backends"), timeout=TIMEOUT)

    assert answer.status_code == 200
    assert BACKEND in answer.text


def test_an_unknown_job_is_a_404_in_the_service_error_shape(wsgi_server: WSGIServer) -> None:
    answer = requests.get(_url(wsgi_server, "/jobs/no-such-job"), timeout=TIMEOUT)

    assert answer.status_code == 404
    assert answer.json()["errors"][0]["code"]
