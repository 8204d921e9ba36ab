"""The instance the fake serves: its CRN, plan limits and session timeouts."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_INSTANCE", "Plan"]

#: A syntactically valid instance CRN (us-east) with an obviously fake account.
DEFAULT_INSTANCE = (
    "crn:v1:bluemix:public:quantum-computing:us-east:a/00000000000000000000000000000000:"
    "00000000-0000-0000-0000-000000000000::"
)


@dataclass(frozen=True)
class Plan:
    """Limits of the fake's instance.

    ``max_ttl_cap`` is the system-imposed maximum a session's ``max_time`` is capped to;
    ``default_max_ttl`` applies when a session asks for none. ``interactive_ttl`` is how long a
    dedicated session keeps the backend waiting for its next job. ``usage_allocation_seconds``
    of None means no usage limit.
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
