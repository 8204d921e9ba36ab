"""Where the live service lives: runtime, IAM, Global Search and Global Catalog URLs derived from
a cloud URL and a CRN.

These reproduce the official client 0.51 (``default_runtime_url_resolver`` in
``qiskit_ibm_runtime/api/utils.py`` and the IAM URL of ``CloudAuth`` in ``api/auth.py``) with two
deliberate differences, both only visible for URLs that are not IBM Cloud's own:

- **The port is kept.** The official resolver rebuilds the host from ``urlparse(url).hostname``,
  which drops it: ``url="http://127.0.0.1:8080"`` becomes ``http://quantum.127.0.0.1/api/v1``.
  Here it becomes ``http://quantum.127.0.0.1:8080/api/v1``.
- **The IAM host follows a non-IBM ``url``.** ``CloudAuth`` always sends the API key to
  ``iam.cloud.ibm.com`` (or ``iam.test.cloud.ibm.com`` for staging CRNs), even when ``url`` points
  elsewhere. Here a ``url`` outside ``cloud.ibm.com`` gives ``{scheme}://iam.{host[:port]}`` (the
  rule the official client uses to list instances), so an API key is never sent to IBM while the
  runtime calls go to another host.

Global Search and the Global Catalog (which list instances, to resolve an instance name or pick
one when none is given) follow the official ``Account.list_instances``:
``{scheme}://api.global-search-tagging.{host}`` and ``{scheme}://globalcatalog.{host}/api/v1``,
again keeping the port.

Pure functions: no I/O, no environment variables (``service.py`` reads ``IAM_URL``,
``GLOBAL_SEARCH_URL`` and ``GLOBAL_CATALOG_URL``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import IBMInputValueError

__all__ = [
    "DEFAULT_CLOUD_URL",
    "catalog_url_for",
    "iam_url_for",
    "is_crn",
    "is_ibm_cloud_url",
    "region_from_crn",
    "runtime_url_for",
    "search_url_for",
]

#: The official client's default ``url`` (``IBM_QUANTUM_PLATFORM_API_URL``).
DEFAULT_CLOUD_URL = "https://cloud.ibm.com"
_CLOUD_IAM_HOST = "iam.cloud.ibm.com"
_STAGING_IAM_HOST = "iam.test.cloud.ibm.com"
#: The region whose runtime host has no region prefix.
_HOME_REGION = "us-east"


def is_crn(value: str | None) -> bool:
    """Whether ``value`` is a Cloud Resource Name (the official test: it starts with ``crn:``)."""
    return isinstance(value, str) and value.startswith("crn:")


def _crn_field(crn: str, index: int, what: str) -> str:
    fields = crn.split(":")
    # A CRN has 10 fields; the official regex needs at least 7 (it reads up to the 6th).
    if len(fields) < 7:
        raise IBMInputValueError(
            f"The instance {crn!r} is not a well-formed CRN (expected "
            "'crn:v1:<cname>:<ctype>:<service>:<region>:a/<account>:<instance>::'), so its "
            f"{what} cannot be read. Copy the instance CRN from the IBM Quantum Platform dashboard."
        )
    return fields[index]


def region_from_crn(crn: str) -> str:
    """The region (location) of a CRN: its 6th ``:``-separated field, e.g. ``us-east``."""
    return _crn_field(crn, 5, "region")


def _cname_from_crn(crn: str) -> str:
    """``bluemix`` for production, ``staging`` for IBM's test cloud (the 3rd field)."""
    return _crn_field(crn, 2, "cloud name")


def _host_and_port(url: str) -> tuple[str, str, str]:
    """``(scheme, host, ":port" or "")`` of ``url``; the host keeps IPv6 brackets."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise IBMInputValueError(
            f"The URL {url!r} has no scheme or host; pass a full URL such as {DEFAULT_CLOUD_URL!r}."
        )
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return parts.scheme, host, port


def runtime_url_for(url: str, instance: str | None, private_endpoint: bool = False) -> str:
    """The runtime API base (``.../api/v1``) for a cloud ``url`` and an instance CRN.

    ``https://cloud.ibm.com`` with a ``us-east`` CRN gives ``https://quantum.cloud.ibm.com/api/v1``;
    another region ``r`` gives ``https://r.quantum.cloud.ibm.com/api/v1``; a private endpoint gives
    ``https://private.r.quantum.cloud.ibm.com/api/v1`` (for every region, us-east included). A URL
    containing ``experimental``, or an instance that is not a CRN, leaves ``url`` as it is, like the
    official resolver. Unlike it, the port of ``url`` is kept.
    """
    if "experimental" in url or not is_crn(instance):
        return url
    assert instance is not None  # is_crn said so; this narrows the type
    scheme, host, port = _host_and_port(url)
    region = region_from_crn(instance)
    if private_endpoint:
        return f"{scheme}://private.{region}.quantum.{host}{port}/api/v1"
    prefix = "" if region == _HOME_REGION else f"{region}."
    return f"{scheme}://{prefix}quantum.{host}{port}/api/v1"


def _is_ibm_cloud(host: str) -> bool:
    return host == "cloud.ibm.com" or host.endswith(".cloud.ibm.com")


def is_ibm_cloud_url(url: str) -> bool:
    """Whether ``url``'s host is IBM Cloud's (``cloud.ibm.com`` or one of its subdomains)."""
    return _is_ibm_cloud((urlsplit(url).hostname or "").lower())


def search_url_for(url: str) -> str:
    """The Global Search base for a cloud ``url``: ``https://cloud.ibm.com`` gives
    ``https://api.global-search-tagging.cloud.ibm.com`` (``/v3/resources/search`` is appended)."""
    scheme, host, port = _host_and_port(url)
    return f"{scheme}://api.global-search-tagging.{host}{port}"


def catalog_url_for(url: str) -> str:
    """The Global Catalog base for a cloud ``url``: ``https://cloud.ibm.com`` gives
    ``https://globalcatalog.cloud.ibm.com/api/v1`` (``/{plan id}`` is appended)."""
    scheme, host, port = _host_and_port(url)
    return f"{scheme}://globalcatalog.{host}{port}/api/v1"


def iam_url_for(url: str | None, instance: str | None, private_endpoint: bool = False) -> str:
    """The IAM base URL (without ``/identity/token``) that exchanges API keys for tokens.

    For IBM Cloud URLs (the default, ``*.cloud.ibm.com``, and ``experimental`` ones), the
    official ``CloudAuth`` rule: ``https://iam.cloud.ibm.com``, ``https://iam.test.cloud.ibm.com``
    when the CRN's cloud name is ``staging``, with ``private.`` in front for a private endpoint.
    For any other ``url``, ``{scheme}://iam.{host[:port]}``: the key goes where the user pointed,
    never to IBM.
    """
    if url and "experimental" not in url:
        scheme, host, port = _host_and_port(url)
        if not _is_ibm_cloud(host.strip("[]")):
            return f"{scheme}://iam.{host}{port}"
    staging = is_crn(instance) and _cname_from_crn(str(instance)) == "staging"
    iam_host = _STAGING_IAM_HOST if staging else _CLOUD_IAM_HOST
    return f"https://{'private.' if private_endpoint else ''}{iam_host}"
