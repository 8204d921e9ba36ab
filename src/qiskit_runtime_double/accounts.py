"""Saved accounts, read the way the official client reads them (``~/.qiskit/qiskit-ibm.json``)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import AccountNotFoundError, IBMInputValueError

__all__ = ["CHANNELS", "Account", "default_account_file", "find_account", "load_account"]

CHANNELS = ("ibm_quantum_platform", "ibm_cloud")
_DEFAULT_NAMES = {
    "ibm_cloud": "default-ibm-cloud",
    "ibm_quantum_platform": "default-ibm-quantum-platform",
}


def default_account_file() -> Path:
    return Path.home() / ".qiskit" / "qiskit-ibm.json"


@dataclass(frozen=True)
class Account:
    """Where and as whom to reach the live service. The token never appears in a repr.

    ``instance`` is a CRN or an instance name (resolved through IBM Cloud Global Search); without
    one, ``region``, ``plans_preference`` and ``tags`` narrow the instances the service chooses
    from, as the official client's saved preferences do.
    """

    channel: str = "ibm_quantum_platform"
    token: str | None = field(default=None, repr=False)
    url: str | None = None
    instance: str | None = None
    verify: bool = True
    private_endpoint: bool = False
    region: str | None = None
    plans_preference: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise IBMInputValueError(
                f"'channel' can only be {' or '.join(repr(c) for c in CHANNELS)}, "
                f"got {self.channel!r}. "
                "The legacy 'ibm_quantum' channel was retired."
            )

    @classmethod
    def from_saved(cls, data: Mapping[str, Any]) -> Account:
        return cls(
            channel=data.get("channel") or "ibm_quantum_platform",
            token=data.get("token"),
            url=data.get("url"),
            instance=data.get("instance"),
            verify=bool(data.get("verify", True)),
            private_endpoint=bool(data.get("private_endpoint", False)),
            region=data.get("region"),
            plans_preference=_texts(data.get("plans_preference"), "plans_preference"),
            tags=_texts(data.get("tags"), "tags"),
        )


def _texts(value: object, what: str) -> tuple[str, ...] | None:
    """A saved list of strings (``plans_preference``, ``tags``) as a tuple; None if absent."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, list):
        raise AccountNotFoundError(
            f"The saved account's {what} must be a list of strings, got {type(value).__name__}; "
            "fix the account file or save the account again."
        )
    return tuple(str(item) for item in value)


def _read(filename: Path) -> dict[str, Any]:
    if not filename.exists():
        return {}
    try:
        data = json.loads(filename.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise AccountNotFoundError(
            f"The account file {filename} is not valid JSON ({exc}); fix or remove it."
        ) from exc
    if not isinstance(data, dict):
        raise AccountNotFoundError(
            f"The account file {filename} should hold a JSON object of named accounts."
        )
    return data


def load_account(
    *,
    name: str | None = None,
    channel: str | None = None,
    filename: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Account:
    """Find the account to use, with the official client's precedence.

    1. the saved account called ``name``;  2. ``QISKIT_IBM_TOKEN`` (+ ``QISKIT_IBM_URL``,
    ``QISKIT_IBM_INSTANCE``); 3. the saved default account of ``channel`` (or
    ``QISKIT_IBM_CHANNEL``); 4. any saved default account.
    """
    env = os.environ if environ is None else environ
    path = Path(filename).expanduser() if filename else default_account_file()
    if name:
        saved = _read(path).get(name)
        if not isinstance(saved, dict):
            raise AccountNotFoundError(f"Account with the name {name!r} does not exist in {path}.")
        return Account.from_saved(saved)
    wanted = channel or env.get("QISKIT_IBM_CHANNEL") or "ibm_quantum_platform"
    if env.get("QISKIT_IBM_TOKEN"):
        return Account(
            channel=wanted,
            token=env["QISKIT_IBM_TOKEN"],
            url=env.get("QISKIT_IBM_URL"),
            instance=env.get("QISKIT_IBM_INSTANCE"),
        )
    accounts = {k: v for k, v in _read(path).items() if isinstance(v, dict)}
    for data in accounts.values():
        if data.get("is_default_account") and (channel is None or data.get("channel") == channel):
            return Account.from_saved(data)
    for candidate in (wanted, *CHANNELS):
        if _DEFAULT_NAMES.get(candidate) in accounts:
            return Account.from_saved(accounts[_DEFAULT_NAMES[candidate]])
        for data in accounts.values():
            if data.get("channel") == candidate:
                return Account.from_saved(data)
    raise AccountNotFoundError(
        "No account found: no QISKIT_IBM_TOKEN environment variable and no saved account in "
        f"{path}. "
        "Save one with the official client's QiskitRuntimeService.save_account(...), set "
        "QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE, or test offline with "
        "QiskitRuntimeService(fake=FakeRuntime())."
    )


def find_account(
    channel: str | None,
    token: str | None,
    url: str | None,
    filename: str | None,
    name: str | None,
    instance: str | None,
) -> Account:
    """The account to use, with the official client's precedence (``_discover_account``).

    ``name`` wins (channel, token and url are ignored); then an explicit ``token``; then the saved
    account of ``channel`` (url ignored); ``url`` alone is refused; else the environment variables
    or the default saved account (``load_account``). An explicit ``instance`` overrides the
    account's.
    """
    if name:
        account = load_account(name=name, filename=filename)
    elif token:
        account = Account(
            channel=channel or "ibm_quantum_platform", token=token, url=url, instance=instance
        )
    elif channel:
        account = load_account(channel=channel, filename=filename)
    elif url:
        raise IBMInputValueError(
            "'url' is not valid on its own: pass token= with it, or name= of a saved account "
            "(the official client refuses it the same way). To reach a runtime at a URL of your "
            "own, pass runtime_url= and iam_url=."
        )
    else:
        account = load_account(filename=filename)
    if instance:
        account = replace(account, instance=instance)
    if not account.token:
        raise AccountNotFoundError(
            f"The {account.channel} account has no token (API key): pass token=, set "
            "QISKIT_IBM_TOKEN, or save the account again with its token."
        )
    return account
