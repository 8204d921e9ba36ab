"""The ``qiskit-runtime-double`` command line."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any, Final

from .errors import ClockError
from .fake.http.pacing import DEFAULT_MAX_WAIT

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(seed=args.seed, backend=args.backend)
    return 0


#: The environment variable that chooses the served fake's control token (else a random one).
CONTROL_TOKEN_ENV = "QISKIT_RUNTIME_DOUBLE_CONTROL_TOKEN"


def _control_token_lines(token: str, from_env: bool) -> list[str]:
    """How to use the control token. One chosen through the environment is not printed: stdout
    often ends up in CI logs, and whoever set the variable knows it."""
    shown = f"the value of ${CONTROL_TOKEN_ENV}" if from_env else token
    return [
        "",
        f"Control API token: {shown}",
        "    send it as the header X-Runtime-Double-Control on /_double/... requests, e.g.",
        "    curl -X POST -H 'X-Runtime-Double-Control: <token>' <url>/_double/reset",
    ]


def _page_lines(url: str, page_url: str, from_env: bool) -> list[str]:
    """Where the live page is. Its address carries the token (in the fragment, which browsers
    keep to themselves), so it is printed only when the token itself is."""
    if from_env:
        where = f"{url}/#token=<the value of ${CONTROL_TOKEN_ENV}>"
        return ["", f"Live page: {where}", f"    (or open {url}/ and paste the token there)"]
    return [
        "",
        f"Live page: {page_url}",
        "    (sessions, jobs, queues, timeline; clock and faults)",
    ]


def _start_option(text: str) -> Any:
    """``--start``: ``now``, or an ISO 8601 date and time with its time zone."""
    import datetime as dt

    if text == "now":
        return "now"
    try:
        start = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--start must be 'now' or an ISO 8601 date and time such as 2025-01-01T09:00:00Z, "
            f"got {text!r}"
        ) from None
    if start.tzinfo is None:
        raise ValueError(
            f"--start {text} has no time zone; add one, e.g. {text}Z or {text}+00:00 for UTC"
        )
    return start


#: How ``FakeServer``'s errors spell its arguments, and how the command line spells them.
_CLI_SPELLINGS: Final = (
    (re.compile(r"\bhost='([^']*)'"), r"--host \1"),
    (re.compile(r"\ballow_remote=True\b"), "--allow-remote"),
    (re.compile(r"\bport=(\d+)"), r"--port \1"),
    (re.compile(r"^port\b(?= must)"), "--port"),
    (re.compile(r"\bpace='(\w+)'"), r"--pace \1"),
    (re.compile(r"\bmax_wait\b"), "--max-wait"),
    (re.compile(r"\bspeed\b(?= must)"), "--speed"),
    (re.compile(r"\btls=True\b"), "--tls"),
    (re.compile(r"\bapi_keys\[\d+\]"), "an --api-key"),
    (re.compile(r"\bapi_keys\b"), "--api-key"),
)


def _as_options(message: str) -> str:
    """An error of the Python API, with its argument spellings as ``serve``'s options."""
    for pattern, spelling in _CLI_SPELLINGS:
        message = pattern.sub(spelling, message)
    return message


def _serve(args: argparse.Namespace) -> int:
    import os
    import threading

    from .fake import FakeRuntime, VirtualClock
    from .fake.http.server import FakeServer

    backends = [name.strip() for name in args.backends.split(",") if name.strip()] or None
    chosen = os.environ.get(CONTROL_TOKEN_ENV) or None
    try:
        clock = VirtualClock(start=_start_option(args.start))
        fake = FakeRuntime(backends, clock=clock, seed=args.seed, api_keys=args.api_key)
        server = FakeServer(
            fake,
            host=args.host,
            port=args.port,
            allow_remote=args.allow_remote,
            require_auth=not args.no_auth,
            pace=args.pace,
            speed=args.speed,
            max_wait=args.max_wait,
            control_token=chosen,
            tls=args.tls,
        ).start()
    except (TypeError, ValueError, OSError, ClockError) as exc:
        where = f" (${CONTROL_TOKEN_ENV})" if chosen and "control_token" in str(exc) else ""
        print(f"qiskit-runtime-double serve: {_as_options(str(exc))}{where}", file=sys.stderr)
        return 2
    try:
        from_env = chosen is not None
        lines = [
            server.describe(),
            *_control_token_lines(server.control_token, from_env),
            *_page_lines(server.url, server.dashboard_url, from_env),
        ]
        print("\n".join(lines), "\nPress Ctrl-C to stop.", flush=True)
        threading.Event().wait()  # until Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("stopped", flush=True)
    return 0


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="serve the fake over HTTP (runtime API, IAM, Global Search, Catalog)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port, 0 for any (default 8080)")
    serve.add_argument("--seed", type=int, default=1, help="seed for ids and results (default 1)")
    serve.add_argument(
        "--backends", default="", help="comma-separated backend names (default: the catalogue)"
    )
    serve.add_argument(
        "--pace",
        choices=["poll", "real", "manual"],
        default="poll",
        help="how simulated time moves (default poll: real time, and a job waited on for "
        "--max-wait seconds skips to its next status at each poll)",
    )
    serve.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated seconds per real second for --pace poll and real (default 1)",
    )
    serve.add_argument(
        "--max-wait",
        type=float,
        default=DEFAULT_MAX_WAIT,
        help=f"real seconds a job is held before polls skip ahead (default {DEFAULT_MAX_WAIT:g})",
    )
    serve.add_argument(
        "--start",
        default="now",
        help="where simulated time starts: now (default) or e.g. 2025-01-01T09:00:00Z",
    )
    serve.add_argument(
        "--api-key", action="append", help="accept only this API key (repeatable; default any)"
    )
    serve.add_argument("--no-auth", action="store_true", help="accept runtime calls without token")
    serve.add_argument(
        "--tls",
        action="store_true",
        help="serve https:// with a throwaway self-signed certificate (its path is printed)",
    )
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (exposes it; any Host name is then accepted)",
    )
    serve.set_defaults(handler=_serve)


# --- cassette show / check (record/replay files) ------------------------------------------------


def _cassette_show(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .errors import CassetteError
    from .transports.cassettes import read_cassette
    from .transports.cassettes.summary import render, summarize

    failed = False
    for index, name in enumerate(args.files):
        path = Path(name)
        try:
            data = read_cassette(path)
        except CassetteError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        if data is None:
            print(f"{path}: no cassette (missing or empty file)", file=sys.stderr)
            failed = True
            continue
        if index:
            print()
        print(render(summarize(data), str(path)))
    return 1 if failed else 0


def _cassette_check(args: argparse.Namespace) -> int:
    """Format, version and secrets of each file; non-zero exit on any finding (for pre-commit)."""
    from pathlib import Path

    from .errors import CassetteError
    from .transports.cassette import vcrpy_reads
    from .transports.cassettes import DEFAULT_SCRUB_RULES, Scrubber, read_cassette
    from .transports.cassettes.summary import secret_findings

    scrubber = Scrubber(DEFAULT_SCRUB_RULES)
    failed = False
    for name in args.files:
        path = Path(name)
        try:
            data = read_cassette(path)
        except CassetteError as exc:
            failed = True
            print(f"{path}: {exc}")
            continue
        if data is None:
            failed = True
            print(f"{path}: no cassette (missing or empty file)")
            continue
        problems = [f"possible secret at {where}" for where in secret_findings(data, scrubber)]
        try:
            read_by_vcrpy = vcrpy_reads(path)
        except Exception as exc:  # whatever vcrpy raises, the file is not a vcrpy cassette
            problems.append(f"vcrpy cannot load it: {type(exc).__name__}: {exc}")
        else:
            if read_by_vcrpy != len(data.interactions):
                problems.append(
                    f"vcrpy reads {read_by_vcrpy} interactions, not {len(data.interactions)}"
                )
        if problems:
            failed = True
            print("\n".join(f"{path}: {problem}" for problem in problems))
        else:
            print(f"{path}: ok ({len(data.interactions)} interactions, no secrets found)")
    return 1 if failed else 0


def _add_cassette(commands: Any) -> None:
    cassette = commands.add_parser("cassette", help="inspect and check recorded cassettes")
    actions = cassette.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser(
        "show", help="sessions, jobs, backends and durations in each cassette"
    )
    show.add_argument("files", nargs="+", metavar="FILE", help="cassettes (YAML)")
    show.set_defaults(handler=_cassette_show)
    check = actions.add_parser(
        "check", help="format, version and secret scan; exits 1 on a finding (pre-commit)"
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="cassettes (YAML)")
    check.set_defaults(handler=_cassette_check)


# --- end of cassette commands -------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qiskit-runtime-double",
        description="A test double and record/replay toolkit for the Qiskit Runtime Session.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run the seed Session example against the in-process fake"
    )
    demo.add_argument(
        "--seed", type=int, default=1, help="seed for ids and simulator results (default 1)"
    )
    demo.add_argument(
        "--backend",
        default="ibmq_qasm_simulator",
        help="fake backend to run on (default ibmq_qasm_simulator)",
    )
    demo.set_defaults(handler=_demo)
    _add_serve(commands)
    _add_cassette(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
