"""Which instances an API key may use, read from IBM Cloud as the official client 0.51 reads them,
and its rules for choosing one.

``list_instances`` is the official ``Account.list_instances``: IBM Cloud Global Search
(``POST {search}/v3/resources/search?limit=100`` with the query
``service_name:quantum-computing``, paged with ``search_cursor`` until an answer has none),
skipping items without ``doc.extensions`` (instances with no backend allocation), then each plan's
Global Catalog entry (``GET {catalog}/{plan id}``): the plan name is its English display name in
lower case, the pricing type its ``metadata.pricing.type``; an entry the Catalog refuses gives
``unknown`` for both. ``order_instances`` is the official client's choice when no instance is
given (``_filter_instances_by_saved_preferences``): tags, region and plan preferences filter;
without plan preferences, free and trial plans come first.

No I/O of its own: requests go through a ``Transport`` (``LiveTransport`` adds the IAM token; an
``InProcessTransport`` onto a fake answers in process), one at a time (``client.send_once``); a
refusal becomes an exception in the client's error table (``error_table.search_error``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..errors import IBMApiError, IBMInputValueError
from ..transports.base import Transport
from ..wire.http import Headers, HttpRequest, build_url
from .client import send_once
from .error_table import search_error

__all__ = [
    "PRICING_ORDER",
    "InstanceInfo",
    "InstancePreferences",
    "list_instances",
    "named",
    "order_instances",
    "resolve_instance",
]

_log = logging.getLogger("qiskit_runtime_double")

SEARCH_PATH = "/v3/resources/search"
SEARCH_QUERY = "service_name:quantum-computing"
SEARCH_FIELDS = ("crn", "service_plan_unique_id", "name", "doc", "tags")
PAGE_SIZE = 100
#: A bound on paging: a search that kept returning cursors would otherwise never end.
MAX_PAGES = 1000
#: The official client's order of pricing types when no plan preference is given.
PRICING_ORDER = ("free", "trial", "paygo", "paid", "subscription", "unknown")
UNKNOWN = "unknown"
_JSON = {"Accept": "application/json"}


@dataclass(frozen=True)
class InstanceInfo:
    """An instance as the official ``service.instances()`` lists it."""

    crn: str
    name: str
    plan: str
    tags: tuple[str, ...]
    pricing_type: str

    @property
    def region(self) -> str:
        """The region of the CRN (its 6th ``:`` field), or ``""`` if it has none."""
        fields = self.crn.split(":")
        return fields[5] if len(fields) > 5 else ""

    def as_dict(self) -> dict[str, Any]:
        """The dict the official ``instances()`` returns for it."""
        return {
            "crn": self.crn,
            "plan": self.plan,
            "name": self.name,
            "tags": list(self.tags),
            "pricing_type": self.pricing_type,
        }


@dataclass(frozen=True)
class InstancePreferences:
    """What narrows the instances to choose from when none is given (the official filters)."""

    region: str | None = None
    plans_preference: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None


def _search_page(
    transport: Transport, url: str, cursor: str | None, page: int
) -> tuple[list[Any], str | None]:
    """One page of Global Search: its items and the cursor of the next page (None: the last)."""
    body: dict[str, Any] = {"query": SEARCH_QUERY, "fields": list(SEARCH_FIELDS)}
    if cursor is not None:
        body["search_cursor"] = cursor
    headers = Headers({**_JSON, "Content-Type": "application/json"})
    request = HttpRequest("POST", url, headers, json.dumps(body).encode())
    response = send_once(transport, request)
    where = url.split("?", 1)[0]
    if not response.is_success:
        raise search_error(response, where)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("items", []), list):
        raise IBMApiError(
            f"Global Search at {where} answered page {page + 1} with something that is not a "
            "search result (a JSON object with an 'items' list); check search_url=."
        )
    next_cursor = answer.get("search_cursor")
    return list(answer.get("items", [])), next_cursor if isinstance(next_cursor, str) else None


def _catalog_plan(transport: Transport, catalog_url: str, plan_id: str) -> tuple[str, str]:
    """``(plan name, pricing type)`` of a Catalog entry; ``unknown`` for both if it is refused."""
    url = build_url(catalog_url, quote(plan_id, safe=""))
    response = send_once(transport, HttpRequest("GET", url, Headers(_JSON)))
    try:
        entry = response.json() if response.is_success else None
    except ValueError:
        entry = None
    if not isinstance(entry, dict):
        # The Catalog refuses archived plans (403); the official client then says "unknown".
        return UNKNOWN, UNKNOWN
    overview = entry.get("overview_ui") or {}
    english = overview.get("en") if isinstance(overview, dict) else None
    name = english.get("display_name", "") if isinstance(english, dict) else ""
    metadata = entry.get("metadata") or {}
    pricing = metadata.get("pricing") if isinstance(metadata, dict) else None
    kind = pricing.get("type", "") if isinstance(pricing, dict) else ""
    return str(name).lower(), str(kind).lower()


def list_instances(transport: Transport, search_url: str, catalog_url: str) -> list[InstanceInfo]:
    """The instances Global Search lists for the transport's credentials, with their plans.

    Raises ``IBMNotAuthorizedError`` when the search is refused (401, 403), ``IBMApiError`` for
    any other failure of the search itself; a Catalog refusal only makes a plan ``unknown``.
    """
    url = build_url(search_url, SEARCH_PATH, {"limit": PAGE_SIZE})
    plans: dict[str, tuple[str, str]] = {}
    found: list[InstanceInfo] = []
    cursor: str | None = None
    for page in range(MAX_PAGES):
        items, cursor = _search_page(transport, url, cursor, page)
        for item in items:
            if not isinstance(item, dict):
                continue
            doc = item.get("doc")
            crn = item.get("crn")
            # Instances without a backend allocation have no ``doc.extensions``: skipped.
            if not (isinstance(doc, dict) and doc.get("extensions")) or not isinstance(crn, str):
                continue
            plan_id = str(item.get("service_plan_unique_id") or "")
            if plan_id not in plans:
                plans[plan_id] = _catalog_plan(transport, catalog_url, plan_id)
            plan, pricing = plans[plan_id]
            tags = item.get("tags")
            found.append(
                InstanceInfo(
                    crn=crn,
                    name=str(item.get("name") or ""),
                    plan=plan,
                    tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
                    pricing_type=pricing,
                )
            )
        if cursor is None:
            return found
    raise IBMApiError(
        f"Global Search at {search_url} kept returning a search_cursor after {MAX_PAGES} pages; "
        "giving up rather than paging forever."
    )


def named(instances: Iterable[InstanceInfo], name: str) -> list[InstanceInfo]:
    """The instances called ``name`` (names, unlike CRNs, need not be unique)."""
    return [instance for instance in instances if instance.name == name]


def _pricing_rank(instance: InstanceInfo) -> int:
    try:
        return PRICING_ORDER.index(instance.pricing_type)
    except ValueError:
        return len(PRICING_ORDER)  # a type the official list lacks: after every known one


def order_instances(
    instances: Sequence[InstanceInfo],
    *,
    region: str | None = None,
    plans_preference: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
) -> list[InstanceInfo]:
    """The instances to try, best first, when none is given (the official client's rules).

    ``tags``: only instances carrying all of them; ``region``: only instances of that region;
    ``plans_preference``: only instances of those plans, in that order of preference. Without
    plan preferences, by pricing type: free, trial, pay-as-you-go, paid, subscription, unknown
    (stable: Global Search's order otherwise). Nothing left is an ``IBMInputValueError``.
    """
    chosen = list(instances)
    if tags:
        chosen = [i for i in chosen if all(tag.lower() in i.tags for tag in tags)]
    if region:
        chosen = [i for i in chosen if i.region == region]
    if plans_preference:
        plans = [plan.lower() for plan in plans_preference]
        chosen = sorted((i for i in chosen if i.plan in plans), key=lambda i: plans.index(i.plan))
    else:
        chosen = sorted(chosen, key=_pricing_rank)
    if not chosen:
        filters = ", ".join(
            f"{what}: {value}"
            for what, value in (("tags", tags), ("region", region), ("plan", plans_preference))
            if value
        )
        listed = ", ".join(f"{i.name!r} ({i.plan}, {i.region})" for i in instances) or "none"
        raise IBMInputValueError(
            f"No matching instances found for the following filters: {filters or 'none'}. "
            f"Instances of this account: {listed}. Create an instance on IBM Quantum Platform, "
            "or change the filters."
        )
    return chosen


def resolve_instance(
    discovery: Transport,
    search_url: str,
    catalog_url: str,
    wanted: str | None,
    preferences: InstancePreferences,
    connect: Callable[[str], Transport],
    has_backends: Callable[[Transport, str], bool],
) -> tuple[Transport, str]:
    """The transport and CRN of the instance called ``wanted``, or, with none wanted, of the one
    the official client would use first: in its order (``order_instances``), the first instance
    that lists backends (else the first). ``connect(crn)`` makes the transport of an instance;
    ``has_backends(transport, crn)`` asks it for its backends (False on any refusal)."""
    found = list_instances(discovery, search_url, catalog_url)
    if wanted:
        matches = named(found, wanted)
        if not matches:
            names = ", ".join(sorted({repr(i.name) for i in found})) or "none"
            raise IBMInputValueError(
                f"The instance specified ({wanted!r}) is not a valid instance name. Instances "
                f"this API key can use: {names}. Pass one of those names, or an instance CRN."
            )
        if len(matches) > 1:
            _log.warning(
                "Several instances are named %r; using the first Global Search lists, %s. Pass "
                "instance=<CRN> to use another.",
                wanted,
                matches[0].crn,
            )
        return connect(matches[0].crn), matches[0].crn
    ordered = order_instances(
        found,
        region=preferences.region,
        plans_preference=preferences.plans_preference,
        tags=preferences.tags,
    )
    chosen = ordered[0]
    transport: Transport | None = None
    for candidate in ordered:
        attempt = connect(candidate.crn)
        if has_backends(attempt, candidate.crn):
            chosen, transport = candidate, attempt
            break
        if attempt is not discovery:
            attempt.close()
    _log.warning(
        "No instance was given: using %r (plan %s, %s), the first instance with backends in the "
        "official client's order (free and trial plans first; region=, plans_preference= and "
        "tags= narrow it). Pass instance= to choose.",
        chosen.name,
        chosen.plan,
        chosen.crn,
    )
    return (transport or connect(chosen.crn)), chosen.crn
