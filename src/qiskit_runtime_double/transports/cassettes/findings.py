"""What scrubbing and ``cassette check`` report: a place and a reason, never a value."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Finding", "Found"]


@dataclass(frozen=True)
class Finding:
    """A possible secret: where, and why (a rule, a name, a shape); never the value itself."""

    rule: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}"


@dataclass
class Found:
    """What scrubbing found, as it goes: findings, and secrets it could not replace."""

    items: list[Finding] = field(default_factory=list)
    #: Secrets found where they cannot be replaced (a saved cassette would still hold them).
    unscrubbable: list[Finding] = field(default_factory=list)

    def add(self, rule: str, where: str) -> None:
        self.items.append(Finding(rule, where))
