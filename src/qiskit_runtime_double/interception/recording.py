"""Which hosts a recording or a replay of the official client's traffic covers, besides IBM's.

Recording from "the live service" usually means IBM; a test suite may point the official client
somewhere else instead (a fake served on loopback, a staging copy) with the client's own
environment variables, and those hosts are then the service: ``environment_hosts``. A replay
answers every host its cassette recorded: ``recorded_hosts``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from .hosts import family_of

__all__ = ["REDIRECTING_VARIABLES", "environment_hosts", "recorded_hosts"]

#: The official client's environment variables that send it to hosts other than IBM's.
REDIRECTING_VARIABLES: Final = (
    "IAM_URL",
    "GLOBAL_SEARCH_URL",
    "GLOBAL_CATALOG_URL",
    "QISKIT_IBM_URL",
)


def _netloc(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def environment_hosts(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The ``host[:port]`` of each redirecting variable set to a URL outside IBM's hosts."""
    env = os.environ if environ is None else environ
    found = set()
    for name in REDIRECTING_VARIABLES:
        url = env.get(name, "")
        netloc = _netloc(url) if url else None
        if netloc is not None and family_of(url) is None:
            found.add(netloc)
    return frozenset(found)


def recorded_hosts(path: str | os.PathLike[str]) -> frozenset[str]:
    """The ``host[:port]`` of every recorded request outside IBM's hosts (IBM's are always
    routed). A missing or unreadable file has none."""
    from ..errors import CassetteError
    from ..transports.cassettes.fileformat import read_cassette

    try:
        data = read_cassette(Path(path))
    except (CassetteError, OSError, ValueError):
        return frozenset()  # the replay itself reports what is wrong with the file
    if data is None:
        return frozenset()
    found = set()
    for interaction in data.interactions:
        url = interaction.request.url
        netloc = _netloc(url)
        if netloc is not None and family_of(url) is None:
            found.add(netloc)
    return frozenset(found)
