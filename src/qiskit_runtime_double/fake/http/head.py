"""A served request's URL, rebuilt from its ``Host`` header and request target, checked.

Both HTTP front ends (``http11.py`` for ``FakeServer``, ``wsgi.py`` for any WSGI server) build
the fake's ``HttpRequest`` URL here, so they accept and refuse the same ``Host`` values.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["BadHost", "request_url"]


class BadHost(ValueError):
    """The request's Host header is not ``host[:port]`` (HTTP answers that with 400)."""


#: RFC 3986 ``host [":" port]``: a bracketed IPv6 literal, or a name or IPv4 address.
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(:[0-9]{0,5})?")


def _splits(url: str) -> bool:
    """Whether ``urlsplit`` takes ``url`` (it refuses bad IPv6 literals such as ``[1.2.3.4]``)."""
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


def request_url(scheme: str, host: str, target: str) -> str:
    """``scheme://host`` + ``target`` (an origin-form target, ``/path?query``).

    Raises ``BadHost`` when ``host`` is not ``host[:port]``: one with ``/``, ``?`` or ``[`` would
    move or break the path.
    """
    if _HOST.fullmatch(host) is None or not _splits(f"{scheme}://{host}/"):
        raise BadHost(
            f"The Host header {host[:80]!r} is not host[:port]. Send the server's address, "
            "e.g. Host: 127.0.0.1:8080."
        )
    return f"{scheme}://{host}{target}"
