"""The instances the fake serves (name, CRN, plan, region, backends, usage), and its plan limits."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from ...wire.numbers import is_real

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_INSTANCE",
    "DEFAULT_INSTANCE_NAME",
    "FREE_PLANS",
    "Instance",
    "Plan",
    "instance_crn",
]

#: The fake's IBM Cloud account: obviously not a real one.
DEFAULT_ACCOUNT = "0" * 32
#: A syntactically valid instance CRN (us-east) with an obviously fake account.
DEFAULT_INSTANCE = (
    "crn:v1:bluemix:public:quantum-computing:us-east:a/00000000000000000000000000000000:"
    "00000000-0000-0000-0000-000000000000::"
)
#: The name Global Search gives the default instance.
DEFAULT_INSTANCE_NAME = "qiskit-runtime-double"
DEFAULT_REGION = "us-east"

_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_PLAN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}")
_NAME_LIMIT = 200
#: Plans the official client treats as free; every other plan is reported as paid.
FREE_PLANS = frozenset({"open", "lite", "free"})


def instance_crn(name: str, region: str = DEFAULT_REGION, account: str = DEFAULT_ACCOUNT) -> str:
    """The CRN the fake gives an instance called ``name`` in ``region``: stable across runs (its
    last part is a UUID derived from the region and the name), so cassettes and logs repeat."""
    unique = uuid.uuid5(uuid.NAMESPACE_URL, f"qiskit-runtime-double/instance/{region}/{name}")
    return f"crn:v1:bluemix:public:quantum-computing:{region}:a/{account}:{unique}::"


def _crn_region(crn: str) -> str:
    """The region of an instance CRN, which must be ``crn:v1:<cname>:<ctype>:quantum-computing:
    <region>:a/<account>:<instance>::`` (the official client reads the region from field 6)."""
    fields = crn.split(":")
    if (
        len(fields) != 10
        or fields[:2] != ["crn", "v1"]
        or fields[4] != "quantum-computing"
        or not _REGION.fullmatch(fields[5])
        or not fields[6].startswith("a/")
        or not fields[7]
    ):
        raise ValueError(
            f"Instance.crn {crn[:120]!r} is not an instance CRN: expected "
            "'crn:v1:bluemix:public:quantum-computing:<region>:a/<account>:<instance id>::', "
            "or leave crn out to have one made from the name and region."
        )
    return fields[5]


def _texts(what: str, values: object) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(
            f"Instance.{what} must be a list of strings (not a single string), got "
            f"{type(values).__name__} {values!r:.80}"
        )
    found = tuple(values)
    for index, value in enumerate(found):
        if not isinstance(value, str) or not value:
            raise TypeError(f"Instance.{what}[{index}] must be a non-empty str, got {value!r:.80}")
    return found


@dataclass(frozen=True)
class Instance:
    """One service instance of the fake, as IBM Cloud lists it and the runtime API scopes by it.

    ``name`` is what Global Search calls it (names need not be unique; CRNs are). ``plan`` is the
    plan's name as the Catalog reports it (``open``, ``premium``, ``flex``, ...): ``open``,
    ``lite`` and ``free`` are free plans, every other one is paid, which decides the order in which
    the official client tries instances when none is given. ``crn`` is made from ``name`` and
    ``region`` (``instance_crn``) unless given; given, its region field is the region.
    ``backends``: the names of the fake's backends this instance may use (None: all of them).
    ``usage_allocation_seconds``: the instance's allocation of quantum time (None: unlimited).
    ``tags``: the IBM Cloud tags Global Search reports (the official client can filter on them).
    """

    name: str = DEFAULT_INSTANCE_NAME
    plan: str = "premium"
    region: str = ""
    crn: str = ""
    backends: tuple[str, ...] | None = None
    usage_allocation_seconds: float | None = None
    tags: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        # Callers without type checking pass anything: check what the annotations promise.
        name: object = self.name
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"Instance.name must be a non-empty str, got {name!r:.80}")
        if len(name) > _NAME_LIMIT or not name.isprintable():
            raise ValueError(
                f"Instance.name must be printable text of at most {_NAME_LIMIT} characters, got "
                f"{name!r:.80}"
            )
        plan: object = self.plan
        if not isinstance(plan, str) or not _PLAN.fullmatch(plan):
            raise ValueError(
                "Instance.plan must be a plan name such as 'open' or 'premium' (letters, digits, "
                f"spaces, '.', '_', '-'; at most 100), got {plan!r:.80}"
            )
        texts: tuple[tuple[str, object], ...] = (("region", self.region), ("crn", self.crn))
        for what, text in texts:
            if not isinstance(text, str):
                raise TypeError(f"Instance.{what} must be a str, got {type(text).__name__}")
        if self.crn:
            region = _crn_region(self.crn)
            if self.region and self.region != region:
                raise ValueError(
                    f"Instance.region {self.region!r} contradicts the region of its CRN "
                    f"({region!r}): give one or the other."
                )
            object.__setattr__(self, "region", region)
        else:
            region = self.region or DEFAULT_REGION
            if not _REGION.fullmatch(region):
                raise ValueError(
                    "Instance.region must be a region such as 'us-east' or 'eu-de' (lower-case "
                    f"letters, digits and '-'), got {region!r:.80}"
                )
            object.__setattr__(self, "region", region)
            object.__setattr__(self, "crn", instance_crn(self.name, region))
        if self.backends is not None:
            object.__setattr__(self, "backends", _texts("backends", self.backends))
        object.__setattr__(self, "tags", _texts("tags", self.tags))
        allocation: object = self.usage_allocation_seconds
        if allocation is not None and (
            not is_real(allocation) or not math.isfinite(allocation) or allocation < 0
        ):
            raise ValueError(
                "Instance.usage_allocation_seconds must be a finite number of seconds >= 0, or "
                f"None for no limit; got {allocation!r:.80}"
            )

    @property
    def free(self) -> bool:
        """Whether the plan is a free one (the official client tries those first)."""
        return self.plan.lower() in FREE_PLANS


@dataclass(frozen=True)
class Plan:
    """Limits of the fake's instances, and the default instance when none are configured.

    ``max_ttl_cap`` is the system-imposed maximum of a session's ``max_time`` (above it a
    session is refused, naming the limit);
    ``default_max_ttl`` applies when a session asks for none. ``interactive_ttl`` is how long a
    dedicated session keeps the backend waiting for its next job. ``name``, ``instance`` and
    ``usage_allocation_seconds`` (None: no usage limit) describe the one instance a fake built
    without ``instances=`` serves; with ``instances=``, they describe the first of them.
    """

    name: str = "premium"
    instance: str = DEFAULT_INSTANCE
    default_max_ttl: int = 28_800
    max_ttl_cap: int = 28_800
    interactive_ttl: int = 60
    usage_allocation_seconds: float | None = None

    def __post_init__(self) -> None:
        for field_name in ("default_max_ttl", "max_ttl_cap", "interactive_ttl"):
            value = getattr(self, field_name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Plan.{field_name} must be a positive int of seconds, got {value!r}"
                )
        if self.default_max_ttl > self.max_ttl_cap:
            raise ValueError(
                f"Plan.default_max_ttl ({self.default_max_ttl}) exceeds "
                f"max_ttl_cap ({self.max_ttl_cap})"
            )
