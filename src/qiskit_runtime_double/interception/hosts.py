"""Which of IBM's host names the official client calls, and where each lands in the fake.

Pure functions on URLs: no I/O. Every release of ``qiskit-ibm-runtime`` since the first on qiskit
1.x (0.2x) builds these hosts itself (``utils.py``, ``api/auth.py``, ``accounts/account.py``):

========================  =====================================================  ================
family                    hosts                                                   fake's path
========================  =====================================================  ================
``iam``                   ``iam.cloud.ibm.com``, ``iam.test.cloud.ibm.com``,      as sent
                          with ``private.`` in front for private endpoints        (``/identity``)
``search``                ``api.global-search-tagging.cloud.ibm.com``             as sent (``/v3``)
``catalog``               ``globalcatalog.cloud.ibm.com`` (``/api/v1/<plan>``)    ``/catalog/<id>``
``resource_controller``   ``resource-controller.cloud.ibm.com`` (0.2x-0.4x:       answered here
                          an instance given by name)                             (``fake_edge``)
``runtime``               ``quantum.cloud.ibm.com``, ``<region>.quantum.cloud     as sent
                          .ibm.com``, ``private.<region>.quantum.cloud.ibm.com``  (``/api/v1``)
``runtime_root``          ``<region>.quantum-computing.cloud.ibm.com`` (the       ``/api/v1`` + path
                          ``ibm_cloud`` channel before 0.40: the API at ``/``)
``quantum_auth``          ``auth.quantum-computing.ibm.com``,                     as sent (``/api``)
                          ``auth.quantum.ibm.com`` (the ``ibm_quantum`` channel,
                          until 0.40; the runtime API is then under ``/api/v1``)
``unserved``              any other host of ``cloud.ibm.com``, ``quantum.ibm.com`` a 404 that names
                          or ``quantum-computing.ibm.com``                        the host: nothing
                                                                                  leaks to IBM
========================  =====================================================  ================

Every family accepts IBM's staging cloud (``test.cloud.ibm.com``) as well. Other hosts are not
IBM's: the interception leaves them alone.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Final
from urllib.parse import urlsplit, urlunsplit

__all__ = ["RUNTIME_PREFIX", "Family", "fake_url", "family_of", "is_ibm_host"]

#: Where the fake (and today's API) serves the runtime REST API.
RUNTIME_PREFIX: Final = "/api/v1"
#: Where the fake serves the Global Catalog (IBM's is ``globalcatalog.<cloud>/api/v1``).
CATALOG_PREFIX: Final = "/catalog"


class Family(Enum):
    """What an IBM host serves (see the module docs)."""

    IAM = "iam"
    SEARCH = "search"
    CATALOG = "catalog"
    RESOURCE_CONTROLLER = "resource_controller"
    RUNTIME = "runtime"
    RUNTIME_ROOT = "runtime_root"
    QUANTUM_AUTH = "quantum_auth"
    UNSERVED = "unserved"


_CLOUD = r"(?:test\.)?cloud\.ibm\.com"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_FAMILIES: Final = (
    (Family.IAM, re.compile(rf"(?:private\.)?iam\.{_CLOUD}")),
    (Family.SEARCH, re.compile(rf"(?:private\.)?api\.global-search-tagging\.{_CLOUD}")),
    (Family.CATALOG, re.compile(rf"(?:private\.)?globalcatalog\.{_CLOUD}")),
    (Family.RESOURCE_CONTROLLER, re.compile(rf"(?:private\.)?resource-controller\.{_CLOUD}")),
    (Family.RUNTIME, re.compile(rf"(?:private\.)?(?:{_LABEL}\.)?quantum\.{_CLOUD}")),
    (Family.RUNTIME_ROOT, re.compile(rf"(?:private\.)?{_LABEL}\.quantum-computing\.{_CLOUD}")),
    (Family.QUANTUM_AUTH, re.compile(r"auth\.quantum(?:-computing)?\.ibm\.com")),
)
#: IBM's domains: a host under one of them that no family serves is answered with a 404.
_IBM_DOMAINS: Final = ("cloud.ibm.com", "quantum.ibm.com", "quantum-computing.ibm.com")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_ibm_host(host: str) -> bool:
    """Whether ``host`` (a name, no port) belongs to IBM Cloud or IBM Quantum."""
    name = host.lower().rstrip(".")
    return any(name == domain or name.endswith("." + domain) for domain in _IBM_DOMAINS)


def family_of(url: str) -> Family | None:
    """The family of ``url``'s host, ``Family.UNSERVED`` for another IBM host, None for the rest."""
    host = _host(url)
    for family, pattern in _FAMILIES:
        if pattern.fullmatch(host):
            return family
    return Family.UNSERVED if is_ibm_host(host) else None


def fake_url(url: str, family: Family) -> str:
    """``url`` with its path moved to where the fake serves ``family`` (scheme and host kept: the
    fake's 2023 login endpoints build the URLs they return from them, so the client keeps calling
    IBM's hosts)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if family is Family.CATALOG:
        rest = path[len(RUNTIME_PREFIX) :] if path.startswith(RUNTIME_PREFIX + "/") else path
        path = CATALOG_PREFIX + rest
    elif family is Family.RUNTIME_ROOT and not path.startswith(RUNTIME_PREFIX + "/"):
        path = RUNTIME_PREFIX + path
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
