"""The fake's instances: which one a request speaks for, and what each one may see.

On the real service every runtime request names its instance in the ``Service-CRN`` header; the
backends, usage, jobs and sessions it sees are that instance's. ``Instances`` holds the fake's
instances (the first is the default, used by requests without the header, as in-process tests
send them) and answers those questions for the REST facade and for Global Search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from .errors import Forbidden
from .plan import DEFAULT_INSTANCE_NAME, Instance, Plan

__all__ = ["Instances", "configure_instances"]

#: What the real service says to a request for an instance the caller cannot use.
NOT_AUTHORIZED_TEXT = "You are not authorized to perform this action."


def _shown(text: str, limit: int = 120) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} chars)"


class Instances:
    """The instances of one fake, in the order given; ``default`` is the first."""

    def __init__(self, instances: Sequence[Instance], backend_names: Sequence[str]) -> None:
        self.all: tuple[Instance, ...] = tuple(instances)
        if not self.all:
            raise ValueError("A fake needs at least one instance.")
        self._backend_names = tuple(backend_names)
        #: Mock device -> its device (``add_mocks``): seen by instances whose plan has dry runs.
        self._mocks: dict[str, str] = {}
        self._by_crn: dict[str, Instance] = {}
        for index, instance in enumerate(self.all):
            if instance.crn in self._by_crn:
                raise ValueError(
                    f"instances[{index}] ({instance.name!r}) has the CRN of an earlier instance "
                    f"({instance.crn}): CRNs identify instances, so each must be unique. Give "
                    "instances of the same name different regions, or explicit crn= values."
                )
            unknown = [b for b in instance.backends or () if b not in self._backend_names]
            if unknown:
                raise ValueError(
                    f"instances[{index}] ({instance.name!r}) names backends the fake does not "
                    f"have: {', '.join(unknown)}. Its backends: {', '.join(self._backend_names)}."
                )
            self._by_crn[instance.crn] = instance

    @property
    def default(self) -> Instance:
        return self.all[0]

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.all)

    def __len__(self) -> int:
        return len(self.all)

    def by_crn(self, crn: str) -> Instance | None:
        return self._by_crn.get(crn)

    def named(self, name: str) -> list[Instance]:
        """The instances called ``name`` (names, unlike CRNs, may repeat)."""
        return [instance for instance in self.all if instance.name == name]

    def for_request(self, service_crn: str | None) -> Instance:
        """The instance a request's ``Service-CRN`` header names (none or empty: the default).

        An unknown CRN is refused as the real service refuses an instance the caller has no
        access to: 403, code 1200.
        """
        if not service_crn:
            return self.default
        found = self._by_crn.get(service_crn)
        if found is None:
            known = "; ".join(f"{i.name!r} {i.crn}" for i in self.all)
            raise Forbidden(
                f"{NOT_AUTHORIZED_TEXT} The Service-CRN header names no instance of this fake "
                f"({_shown(service_crn)}). Its instances: {known}."
            )
        return found

    def add_backends(self, names: Iterable[str]) -> None:
        """More backends, after the fake's own (the official devices a served fake offers)."""
        self._backend_names += tuple(n for n in names if n not in self._backend_names)

    def add_mocks(self, mocks: Mapping[str, str]) -> None:
        """Mock devices (``mock name -> device name``): an instance sees a device's mock when it
        may use the device and its plan has dry runs (``Instance.dry_runs``)."""
        self._mocks.update(mocks)

    def backends_of(self, instance: Instance, *, include_mocks: bool = False) -> list[str]:
        """The backends ``instance`` may use, in the fake's catalogue order (then their mocks,
        with ``include_mocks``)."""
        allowed = instance.backends
        names = [n for n in self._backend_names if allowed is None or n in allowed]
        if include_mocks and instance.dry_runs:
            names += [mock for mock, device in self._mocks.items() if device in names]
        return names

    def may_use(self, instance: Instance, backend: str) -> bool:
        device = self._mocks.get(backend)
        if device is not None:
            return instance.dry_runs and self.may_use(instance, device)
        return backend in self._backend_names and (
            instance.backends is None or backend in instance.backends
        )


def configure_instances(
    plan: Plan | None, instances: object, backend_names: Sequence[str]
) -> tuple[Plan, Instances]:
    """``FakeRuntime``'s ``plan=`` and ``instances=`` arguments, checked and made consistent.

    Without ``instances``, the fake serves one instance described by the plan (its ``name``,
    ``instance`` CRN and ``usage_allocation_seconds``). With them, the plan only gives the session
    limits, and the returned plan describes the first instance (``fake.plan.instance`` is the
    default instance's CRN either way).
    """
    given = plan or Plan()
    if instances is None:
        default = Instance(
            name=DEFAULT_INSTANCE_NAME,
            plan=given.name,
            crn=given.instance,
            usage_allocation_seconds=given.usage_allocation_seconds,
        )
        return given, Instances([default], backend_names)
    if isinstance(instances, (str, bytes, Instance)) or not isinstance(instances, Iterable):
        raise TypeError(
            "FakeRuntime: instances must be a list of Instance objects, e.g. "
            "[Instance('my-open', plan='open'), Instance('my-premium')], got "
            f"{type(instances).__name__}"
        )
    listed = list(instances)
    for index, item in enumerate(listed):
        if not isinstance(item, Instance):
            raise TypeError(
                f"FakeRuntime: instances[{index}] must be an Instance, got {type(item).__name__}"
            )
    if not listed:
        raise ValueError(
            "FakeRuntime: instances is empty; give at least one Instance, or leave it out for "
            "the default instance."
        )
    defaults = Plan()
    clashing = [
        name
        for name in ("name", "instance", "usage_allocation_seconds")
        if getattr(given, name) != getattr(defaults, name)
    ]
    if clashing:
        raise ValueError(
            f"FakeRuntime: with instances=, give the plan name, CRN and usage allocation on each "
            f"Instance; plan= then sets only session limits, but it sets {', '.join(clashing)}."
        )
    directory = Instances(listed, backend_names)
    first = directory.default
    described = replace(
        given,
        name=first.plan,
        instance=first.crn,
        usage_allocation_seconds=first.usage_allocation_seconds,
    )
    return described, directory
