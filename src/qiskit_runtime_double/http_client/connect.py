"""How a service gets its transport and instance: the live connection of an account, and the
instance a given transport's requests act for.

``LiveSettings.connect`` is ``QiskitRuntimeService()`` with no transport: the account is found as
the official client finds it (``accounts.find_account``: a saved account, the environment, or
``token=``); the runtime and IAM URLs derive from its URL and instance CRN
(``transports/endpoints.py``), from ``$QISKIT_RUNTIME_DOUBLE_URL`` (``double_url.py``), or from
``runtime_url=``/``iam_url=``; an instance name, or none, is resolved through IBM Cloud Global
Search and Catalog (``discovery.py``), reached with the same API key.

``instance_for`` is the same resolution over a transport the caller gave: a CRN is used as given;
with none, the transport's own (``InstanceDirectory.instance``); a name, or none when the
transport has none, is looked up through the Global Search and Catalog the transport serves, if it
serves them (``fake.transport()`` does); otherwise the instance is used as given.

The service (``service.py``) calls these two and knows nothing of accounts, URLs or Global Search.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from ..accounts import Account, find_account
from ..double_url import double_endpoints
from ..errors import IBMError, IBMInputTypeError, IBMInputValueError
from ..transports.base import InstanceDirectory, Transport
from ..transports.endpoints import (
    DEFAULT_CLOUD_URL,
    catalog_url_for,
    iam_url_for,
    is_crn,
    is_ibm_cloud_url,
    runtime_url_for,
    search_url_for,
)
from ..validation import check_str
from .client import RuntimeClient
from .discovery import InstancePreferences, resolve_instance
from .retry import RetryPolicy

__all__ = ["LiveSettings", "instance_for", "preferences"]


def preferences(
    account: Account | None,
    region: str | None,
    plans_preference: Sequence[str] | None,
    tags: Sequence[str] | None,
) -> InstancePreferences:
    """The arguments, checked, else the saved account's preferences."""
    if region is not None:
        check_str("region", region)
    lists: dict[str, tuple[str, ...] | None] = {}
    for what, given in (("plans_preference", plans_preference), ("tags", tags)):
        if given is None:
            lists[what] = None
            continue
        if isinstance(given, str) or not isinstance(given, (list, tuple)):
            raise IBMInputTypeError(
                f"{what} must be a list of strings, e.g. {what}=['open'], got "
                f"{type(given).__name__}."
            )
        lists[what] = tuple(check_str(f"{what}[{i}]", item) for i, item in enumerate(given))
    return InstancePreferences(
        region=region or (account.region if account else None),
        plans_preference=lists["plans_preference"]
        or (account.plans_preference if account else None),
        tags=lists["tags"] or (account.tags if account else None),
    )


def _has_backends(transport: Transport, crn: str, retry: RetryPolicy | None) -> bool:
    """Whether ``crn`` lists any backend (a refusal counts as none, as for the official client)."""
    try:
        return bool(RuntimeClient(transport, instance=crn, retry=retry).list_backends().devices)
    except IBMError:
        return False


def instance_for(
    transport: Transport,
    wanted: str | None,
    choice: InstancePreferences,
    retry: RetryPolicy | None,
) -> str | None:
    """The CRN requests over ``transport`` act for (module docstring); ``wanted`` as given when
    the transport cannot resolve it."""
    directory = transport if isinstance(transport, InstanceDirectory) else None
    if not wanted and directory is not None:
        wanted = directory.instance
    if wanted and is_crn(wanted):
        return wanted
    search = directory.search_url if directory is not None else None
    catalog = directory.catalog_url if directory is not None else None
    if search is None or catalog is None:
        return wanted  # no Global Search to ask: the caller's instance, or the service's default
    _, crn = resolve_instance(
        transport,
        search,
        catalog,
        wanted,
        choice,
        lambda _crn: transport,  # one transport acts for every instance: the header says which
        lambda candidate, crn: _has_backends(candidate, crn, retry),
    )
    return crn


def _discovery_urls(
    cloud_url: str,
    *,
    iam_url: str | None,
    runtime_url: str | None,
    search_url: str | None,
    catalog_url: str | None,
) -> tuple[str, str, str]:
    """IAM, Global Search and Global Catalog URLs to list instances with: the arguments, else the
    official client's environment variables, else derived from ``cloud_url``."""
    iam = iam_url or os.environ.get("IAM_URL") or iam_url_for(cloud_url, None)
    search = search_url or os.environ.get("GLOBAL_SEARCH_URL") or search_url_for(cloud_url)
    catalog = catalog_url or os.environ.get("GLOBAL_CATALOG_URL") or catalog_url_for(cloud_url)
    elsewhere = not is_ibm_cloud_url(iam) or (
        runtime_url is not None and not is_ibm_cloud_url(runtime_url)
    )
    at_ibm = [
        n for n, u in (("search_url", search), ("catalog_url", catalog)) if is_ibm_cloud_url(u)
    ]
    if elsewhere and at_ibm:
        # A token of another IAM (a test server's) must not go to IBM Cloud, nor our searches.
        raise IBMInputValueError(
            f"Resolving the instance needs IBM Cloud Global Search and Catalog, but the IAM or "
            f"runtime URL you gave is not IBM Cloud's: pass {' and '.join(at_ibm)}= too (or set "
            "GLOBAL_SEARCH_URL and GLOBAL_CATALOG_URL), or pass instance= as a CRN."
        )
    return iam, search, catalog


@dataclass(frozen=True)
class LiveSettings:
    """What ``QiskitRuntimeService``'s arguments say about reaching the live service.

    The first six find the account (``accounts.find_account``); ``verify`` and
    ``private_endpoint`` override the account's; the ``*_url`` ones replace the endpoints derived
    from it; ``region``, ``plans_preference`` and ``tags`` narrow the choice of an instance when
    none is given (``docs/live.md``).
    """

    channel: str | None = None
    token: str | None = None
    url: str | None = None
    filename: str | None = None
    name: str | None = None
    instance: str | None = None
    verify: bool | str | None = None
    private_endpoint: bool | None = None
    runtime_url: str | None = None
    iam_url: str | None = None
    search_url: str | None = None
    catalog_url: str | None = None
    region: str | None = None
    plans_preference: Sequence[str] | None = None
    tags: Sequence[str] | None = None

    def connect(self, retry: RetryPolicy | None) -> tuple[Transport, str]:
        """The live transport of the account's instance, and its CRN: the instance CRN as given,
        or an instance name (or none) resolved through IBM Cloud Global Search."""
        from ..transports.live import LiveTransport  # requests: imported only when going live

        account = find_account(
            self.channel, self.token, self.url, self.filename, self.name, self.instance
        )
        choice = preferences(account, self.region, self.plans_preference, self.tags)
        private = self.private_endpoint
        private = account.private_endpoint if private is None else private
        cloud_url = account.url or DEFAULT_CLOUD_URL
        runtime_url = self.runtime_url
        iam = self.iam_url or os.environ.get("IAM_URL")
        served = None if runtime_url is not None else double_endpoints()  # the env variable
        if served is not None:
            runtime_url, iam = served[0], iam or served[1]
        if runtime_url is not None and iam is None and not is_ibm_cloud_url(runtime_url):
            raise IBMInputValueError(
                f"runtime_url={runtime_url!r} is not an IBM Cloud URL: pass iam_url= too (or set "
                "IAM_URL), so that the API key is exchanged where you mean, not at IBM Cloud's "
                "IAM."
            )
        assert account.token is not None  # find_account checked it
        api_key = account.token
        verify = account.verify if self.verify is None else self.verify

        def connect(crn: str) -> Transport:
            return LiveTransport(
                runtime_url=runtime_url or runtime_url_for(cloud_url, crn, private),
                iam_url=iam or iam_url_for(cloud_url, crn, private),
                api_key=api_key,
                instance=crn,
                verify=verify,
            )

        if account.instance and is_crn(account.instance):
            return connect(account.instance), account.instance
        search_iam, search, catalog = _discovery_urls(
            cloud_url,
            iam_url=iam,
            runtime_url=runtime_url,
            search_url=self.search_url,
            catalog_url=self.catalog_url,
        )
        # Requests of this one carry absolute Global Search and Catalog URLs; its base is unused.
        with LiveTransport(
            runtime_url=search,
            iam_url=search_iam,
            api_key=api_key,
            instance=None,
            verify=verify,
        ) as discovery:
            return resolve_instance(
                discovery,
                search,
                catalog,
                account.instance,
                choice,
                connect,
                lambda transport, crn: _has_backends(transport, crn, retry),
            )
