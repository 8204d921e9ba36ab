"""How a fake is served: the one list of ``serve()``'s options, their defaults and limits.

``FakeRuntime.serve(**options)``, ``FakeServer(fake, **options)`` and the command line
(``qiskit-runtime-double serve``) all take these, checked here once (``check_serve_options``).
"""

from __future__ import annotations

import functools
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from ...wire.control import ArgumentTypeError, ArgumentValueError, argument_error
from .guard import is_loopback

__all__ = [
    "DEFAULT_MAX_WAIT",
    "MAX_WAIT_LIMIT",
    "MIN_TOKEN_LENGTH",
    "SERVE_DEFAULTS",
    "NotLoopback",
    "Pace",
    "ServeOptions",
    "check_serve_options",
]

#: How simulated time moves while served (``pacing.py``): ``"poll"``, ``"real"``, ``"manual"``;
#: ``"off"`` is the in-process pace (nothing moves it but waits).
Pace = Literal["off", "poll", "real", "manual"]
#: Real seconds a polled job is held at the pace of real time before polls skip ahead. One
#: second: longer than the official client's 0.5 s poll interval, so a timeout of up to 0.5 s
#: fires on a long job (0.9 s in a session, which polls every 0.1 s), while a test pays at most
#: about a second per long job.
DEFAULT_MAX_WAIT = 1.0
#: The longest ``max_wait`` accepted: a day (use ``pace="real"`` never to skip).
MAX_WAIT_LIMIT = 86_400.0
#: The shortest control token accepted (a generated one has 43 characters).
MIN_TOKEN_LENGTH = 16


def _positive_finite(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError("a positive number, finite: simulated seconds per real second")
    return value


def _printable_token(token: str) -> str:
    if not (token.isascii() and token.isprintable() and " " not in token):
        raise ValueError("printable ASCII without spaces (it travels in an HTTP header)")
    return token


@with_config(ConfigDict(strict=True, allow_inf_nan=False))
class ServeOptions(TypedDict, total=False):
    """The options of ``serve()`` (each optional; defaults in ``SERVE_DEFAULTS``).

    - ``host``, ``port``: where to listen (loopback; port 0 picks a free one).
    - ``allow_remote``: allow a ``host`` that is not a loopback address (it exposes a service that
      accepts any API key).
    - ``require_auth``: runtime calls need a token from the fake's IAM endpoint.
    - ``pace``, ``speed``, ``max_wait``: how simulated time moves while served (``pacing.py``):
      ``"poll"`` follows real time ``speed`` times as fast and lets a poll skip a job to its next
      status once it has been waited on for ``max_wait`` real seconds; ``"real"`` never skips;
      ``"manual"`` leaves it to the control API.
    - ``control_token``: the control API's secret (None: a random one; else at least 16 printable
      ASCII characters).
    - ``tls``: serve ``https://`` with a throwaway self-signed certificate.
    """

    host: str
    port: Annotated[int, Field(ge=0, le=65535)]
    allow_remote: bool
    require_auth: bool
    pace: Pace
    speed: Annotated[float, AfterValidator(_positive_finite)]
    max_wait: Annotated[float, Field(ge=0, le=MAX_WAIT_LIMIT)]
    control_token: (
        Annotated[str, Field(min_length=MIN_TOKEN_LENGTH), AfterValidator(_printable_token)] | None
    )
    tls: bool


#: What each option is when not given.
SERVE_DEFAULTS: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 0,
    "allow_remote": False,
    "require_auth": True,
    "pace": "poll",
    "speed": 1.0,
    "max_wait": DEFAULT_MAX_WAIT,
    "control_token": None,
    "tls": False,
}


@functools.cache
def _checker() -> TypeAdapter[ServeOptions]:
    """Built at first use (importing the fake stays cheap), once: it never changes."""
    return TypeAdapter(ServeOptions)


def check_serve_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` checked (strictly: ``"1"`` is not a number) and completed with the defaults.

    A wrong type is a ``TypeError``, a bad value or an unknown option a ``ValueError``, naming the
    option (never echoing a control token); a non-loopback ``host`` without ``allow_remote`` is
    refused.
    """
    unknown = sorted(set(options) - set(SERVE_DEFAULTS))
    if unknown:
        known = ", ".join(SERVE_DEFAULTS)
        raise ArgumentTypeError(
            "serve", [(name, f"no such option; the options are {known}") for name in unknown]
        )
    try:
        checked: dict[str, Any] = {**SERVE_DEFAULTS, **_checker().validate_python(options)}
    except ValidationError as exc:
        raise argument_error("serve", exc) from None
    if not checked["allow_remote"] and not is_loopback(checked["host"]):
        raise NotLoopback(checked["host"])
    return checked


class NotLoopback(ArgumentValueError):
    """A ``host`` that is not a loopback address, without ``allow_remote``."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(
            "serve",
            [
                (
                    "host",
                    f"refusing to serve the fake on {host!r}: it is not a loopback address, so "
                    "other machines could reach a service that accepts any API key. Use "
                    "host='127.0.0.1' (the default), or pass allow_remote=True if you really "
                    "mean to expose it.",
                )
            ],
        )
