"""Bridges to the official ``qiskit-ibm-runtime`` client (the ``compat`` extra).

``official_service(server)`` returns an official ``QiskitRuntimeService`` talking to a running
``FakeServer``, so the official client can be tested against the fake, or the fake against it.

The official client finds IBM Cloud through three environment variables: ``IAM_URL`` (read by
every ``CloudAuth`` it builds, and by the Global Search authenticator), ``GLOBAL_SEARCH_URL`` and
``GLOBAL_CATALOG_URL`` (read when it lists instances). The runtime URL comes from ``url_resolver``.
Most reads happen in the constructor: the token manager keeps the IAM URL it was built with, so
token refreshes reach the fake. But some later operations read ``IAM_URL`` again: copying an
``IBMBackend`` (``copy.deepcopy`` rebuilds its ``CloudAuth``) and switching to another instance
build new authenticators; with the variable gone they would call the real
``https://iam.cloud.ibm.com``. ``official_service`` restores the environment after construction
(enough for constructing, running jobs, polling and sessions); ``official_service_context`` keeps
the variables set for a whole block, which is what test suites should use.

``legacy_environment(server, channel)`` is for the 2023 client (``qiskit-ibm-runtime`` 0.11 to
0.15, in an interpreter of its own: it needs qiskit 0.45): the ``QISKIT_IBM_*`` environment
variables its default account is read from, so its code runs unchanged against the fake
(``docs/running-2023-code.md``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qiskit_ibm_runtime import QiskitRuntimeService

    from .fake.http.server import FakeServer

__all__ = [
    "LEGACY_CHANNELS",
    "legacy_environment",
    "legacy_url",
    "official_environment",
    "official_service",
    "official_service_context",
]

#: The environment variables the official client reads to find IBM Cloud's services.
ENV_VARS = ("IAM_URL", "GLOBAL_SEARCH_URL", "GLOBAL_CATALOG_URL")
#: The 2023 client's channels: IBM Quantum's own (its default then) and IBM Cloud.
LEGACY_CHANNELS = ("ibm_quantum", "ibm_cloud")


def _official() -> Any:
    try:
        import qiskit_ibm_runtime
    except ImportError as exc:
        raise ImportError(
            "qiskit_runtime_double.compat needs the official client, qiskit-ibm-runtime, which is "
            "not installed. Install the compat extra: pip install 'qiskit-runtime-double[compat]'."
        ) from exc
    return qiskit_ibm_runtime


def _check_running(server: FakeServer) -> None:
    if not server.running:
        raise RuntimeError(
            f"{server!r} is not running, so the official client cannot reach it. Start it first: "
            "server = fake.serve() (or use it as a context manager)."
        )


@contextmanager
def official_environment(server: FakeServer) -> Iterator[None]:
    """Point ``IAM_URL``, ``GLOBAL_SEARCH_URL`` and ``GLOBAL_CATALOG_URL`` at ``server``.

    The previous values (or their absence) come back when the block ends. The environment is
    process-wide: do not run two of these blocks for different servers at once in one process.
    """
    _check_running(server)
    saved = {name: os.environ.get(name) for name in ENV_VARS}
    os.environ.update(
        IAM_URL=server.iam_url,
        GLOBAL_SEARCH_URL=server.search_url,
        GLOBAL_CATALOG_URL=server.catalog_url,
    )
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _construct(server: FakeServer, token: str, kwargs: dict[str, Any]) -> QiskitRuntimeService:
    official = _official()
    runtime_url = server.runtime_url
    options: dict[str, Any] = {
        "channel": "ibm_quantum_platform",
        "token": token,
        "instance": server.instance,
        # The resolver's default drops the port of ``url``; ours ignores its arguments.
        "url": server.url,
        "url_resolver": lambda *_args: runtime_url,
    }
    options.update(kwargs)
    service: QiskitRuntimeService = official.QiskitRuntimeService(**options)
    return service


def official_service(
    server: FakeServer, *, token: str = "fake-api-key", **kwargs: Any
) -> QiskitRuntimeService:
    """An official ``QiskitRuntimeService`` connected to the running ``server``.

    ``token`` is the API key it trades for IAM tokens (any non-empty key, unless the fake was
    given ``api_keys``). ``kwargs`` go to ``QiskitRuntimeService`` and override the defaults
    (``channel="ibm_quantum_platform"``, ``instance=server.instance``, ``url_resolver``):
    ``instance=None`` makes the client list the fake's instances through its Global Search and
    use them all (``region=``, ``plans_preference=``, ``tags=`` filter them), and an instance
    name is resolved the same way. Every region's runtime API is the server's ``runtime_url``.
    The environment variables are set only while the constructor runs: see the module doc for
    the later operations that need ``official_service_context`` instead.
    """
    _official()  # fail on a missing extra before touching the environment
    with official_environment(server):
        return _construct(server, token, kwargs)


@contextmanager
def official_service_context(
    server: FakeServer, *, token: str = "fake-api-key", **kwargs: Any
) -> Iterator[QiskitRuntimeService]:
    """Like ``official_service``, with the environment pointing at ``server`` for the block."""
    _official()
    with official_environment(server):
        yield _construct(server, token, kwargs)


def legacy_url(server: FakeServer, channel: str = "ibm_quantum") -> str:
    """The ``url`` that points the 2023 client's ``channel`` at ``server``.

    ``ibm_quantum``: the server's copy of IBM Quantum's auth API (``{server.url}/api``, as
    ``https://auth.quantum-computing.ibm.com/api`` was); the client learns the runtime URL from
    it. ``ibm_cloud``: ``{server.url}/experimental/api/v1``: that client builds the runtime host
    from the CRN's region and the URL's host name, dropping the port, unless the URL contains
    "experimental", which it then uses as given (``fake/http/legacy_platform.py``).
    """
    from .fake.http.legacy_platform import AUTH_PREFIX, EXPERIMENTAL_PREFIX
    from .wire.vocabulary import API_PREFIX

    if channel == "ibm_quantum":
        return server.url + AUTH_PREFIX
    if channel == "ibm_cloud":
        return server.url + EXPERIMENTAL_PREFIX + API_PREFIX
    raise ValueError(
        f"channel must be one of {', '.join(LEGACY_CHANNELS)} (the 2023 client's channels), "
        f"got {channel!r}."
    )


def legacy_environment(
    server: FakeServer, channel: str = "ibm_quantum", *, token: str = "fake-api-key"
) -> dict[str, str]:
    """``QISKIT_IBM_CHANNEL``, ``QISKIT_IBM_URL``, ``QISKIT_IBM_TOKEN`` and
    ``QISKIT_IBM_INSTANCE`` for a 2023 client talking to the running ``server`` on ``channel``.

    That client's ``QiskitRuntimeService()`` (and so a ``Session`` made without a service) reads
    its account from these variables. ``token`` is its IBM Quantum API token or IBM Cloud API
    key (any non-empty one, unless the fake was given ``api_keys``). The instance is the fake's
    default one: its CRN on ``ibm_cloud``, its hub/group/project (``ibm-q/open/main``) on
    ``ibm_quantum``. Pass the result as the environment of the process that runs the client.
    A server started with ``tls=True`` (needed for the client's websocket result stream, which
    it opens only over ``https``) adds ``REQUESTS_CA_BUNDLE`` and ``WEBSOCKET_CLIENT_CA_BUNDLE``
    naming its certificate.
    """
    from .fake.http.legacy_platform import DEFAULT_HGP

    _check_running(server)
    if not token:
        raise ValueError("token must be a non-empty API key (the 2023 client refuses an empty one)")
    url = legacy_url(server, channel)
    instance = server.instance if channel == "ibm_cloud" else "/".join(DEFAULT_HGP)
    environment = {
        "QISKIT_IBM_CHANNEL": channel,
        "QISKIT_IBM_URL": url,
        "QISKIT_IBM_TOKEN": token,
        "QISKIT_IBM_INSTANCE": instance,
    }
    if server.ca_bundle is not None:  # served with TLS: trust its certificate, and only there
        environment["REQUESTS_CA_BUNDLE"] = server.ca_bundle
        environment["WEBSOCKET_CLIENT_CA_BUNDLE"] = server.ca_bundle
    return environment
