"""``QISKIT_RUNTIME_DOUBLE_URL``: point an unchanged ``QiskitRuntimeService()`` at a served fake.

The official client has no environment variable for the runtime URL (it derives it from
``QISKIT_IBM_URL``, a cloud URL, and the instance's region), so this one is ours. Set it to where
``qiskit-runtime-double serve`` listens (``http://127.0.0.1:8080``) or to its runtime API
(``http://127.0.0.1:8080/api/v1``): our client then sends runtime calls there, and exchanges the
API key at that server's IAM endpoint (or at ``IAM_URL`` when that is set), never at IBM's.
Explicit ``runtime_url=``/``iam_url=`` arguments still win.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from .errors import IBMInputValueError
from .wire.vocabulary import API_PREFIX

__all__ = ["ENV_URL", "double_endpoints"]

ENV_URL = "QISKIT_RUNTIME_DOUBLE_URL"


def double_endpoints(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(runtime_url, iam_url)`` from ``QISKIT_RUNTIME_DOUBLE_URL``, or None when it is unset.

    A value that is not an http(s) URL with a host raises ``IBMInputValueError`` naming it.
    """
    env = os.environ if environ is None else environ
    value = env.get(ENV_URL, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise IBMInputValueError(
            f"${ENV_URL} is {value!r}; expected the URL of a served fake, such as "
            f"'http://127.0.0.1:8080' (what `qiskit-runtime-double serve` prints), or its "
            f"runtime API 'http://127.0.0.1:8080{API_PREFIX}'. Unset it to reach IBM."
        )
    root = value.rstrip("/")
    if root.endswith(API_PREFIX):
        root = root[: -len(API_PREFIX)]
    iam = env.get("IAM_URL") or root
    return root + API_PREFIX, iam
