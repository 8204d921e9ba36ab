"""The ``qiskit-runtime-double`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .errors import ClockError
from .fake.http.serve_options import SERVE_DEFAULTS

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


def _option(name: str) -> str:
    """A Python argument of ``serve()`` as this command spells it (``max_wait``: ``--max-wait``)."""
    return "--" + name.replace("_", "-")


def _serve_error(exc: Exception) -> str:
    """What a refused ``serve`` says, in the command line's words: its problems are structured
    (``ArgumentError``), so each is told under its option's name."""
    from .fake.http.serve_options import NotLoopback
    from .wire.control import ArgumentError

    if isinstance(exc, NotLoopback):
        return (
            f"refusing to serve the fake on {exc.host!r}: it is not a loopback address, so other "
            "machines could reach a service that accepts any API key. Use --host 127.0.0.1 (the "
            "default), or pass --allow-remote if you really mean to expose it."
        )
    if isinstance(exc, ArgumentError):
        return "; ".join(f"{_option(name)}: {what}" for name, what in exc.problems)
    return str(exc)


def _api_keys(given: list[str] | None) -> list[str] | None:
    if given is not None and not all(key.strip() for key in given):
        raise ValueError("an --api-key is empty: give each --api-key a non-empty key")
    return given


def _serve(args: argparse.Namespace) -> int:
    import os
    import threading

    from .fake import FakeRuntime, VirtualClock

    backends = [name.strip() for name in args.backends.split(",") if name.strip()] or None
    chosen = os.environ.get(CONTROL_TOKEN_ENV) or None
    try:
        clock = VirtualClock(start=_start_option(args.start))
        keys = _api_keys(args.api_key)
        fake = FakeRuntime(backends, clock=clock, seed=args.seed, api_keys=keys)
        server = fake.serve(
            host=args.host,
            port=args.port,
            allow_remote=args.allow_remote,
            require_auth=not args.no_auth,
            pace=args.pace,
            speed=args.speed,
            max_wait=args.max_wait,
            control_token=chosen,
            tls=args.tls,
        )
    except (TypeError, ValueError, OSError, ClockError) as exc:
        about_token = any(name == "control_token" for name, _ in getattr(exc, "problems", ()))
        where = f" (${CONTROL_TOKEN_ENV})" if chosen and about_token else ""
        print(f"qiskit-runtime-double serve: {_serve_error(exc)}{where}", file=sys.stderr)
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
    host = SERVE_DEFAULTS["host"]
    serve.add_argument("--host", default=host, help=f"address (default {host})")
    serve.add_argument("--port", type=int, default=8080, help="port, 0 for any (default 8080)")
    serve.add_argument("--seed", type=int, default=1, help="seed for ids and results (default 1)")
    serve.add_argument(
        "--backends", default="", help="comma-separated backend names (default: the catalogue)"
    )
    serve.add_argument(
        "--pace",
        choices=["poll", "real", "manual"],
        default=SERVE_DEFAULTS["pace"],
        help="how simulated time moves (default poll: real time, and a job waited on for "
        "--max-wait seconds skips to its next status at each poll)",
    )
    serve.add_argument(
        "--speed",
        type=float,
        default=SERVE_DEFAULTS["speed"],
        help="simulated seconds per real second for --pace poll and real (default 1)",
    )
    serve.add_argument(
        "--max-wait",
        type=float,
        default=SERVE_DEFAULTS["max_wait"],
        help="real seconds a job is held before polls skip ahead "
        f"(default {SERVE_DEFAULTS['max_wait']:g})",
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
    from .errors import IBMInputValueError
    from .transports.cassette import check_cassette

    try:
        rules, origin = _rules(args)
    except IBMInputValueError as exc:
        print(f"qiskit-runtime-double cassette check: {exc}", file=sys.stderr)
        return 2
    if origin:
        print(f"secret patterns: {origin}")
    failed = False
    for name in args.files:
        checked = check_cassette(name, rules)
        if checked.ok:
            print(f"{name}: ok ({checked.interactions} interactions, no secrets found)")
        else:
            failed = True
            print("\n".join(f"{name}: {problem}" for problem in checked.problems))
    return 1 if failed else 0


def _rules(args: argparse.Namespace) -> tuple[list[Any], str]:
    """The default rules and the user's secret patterns: ``--pattern``s, and those of the pytest
    configuration file (``--patterns-from``, else the one in the current directory); and a
    sentence that says where the patterns came from (empty: none declared)."""
    from pathlib import Path

    from .transports.cassettes.user_rules import (
        SETTING,
        find_pytest_config,
        patterns_in_file,
        scrub_rules_from_patterns,
    )

    config: Path | None = None
    if args.patterns_from:
        config = Path(args.patterns_from)
        if not config.is_file():
            from .errors import IBMInputValueError

            raise IBMInputValueError(f"--patterns-from {args.patterns_from}: no such file.")
    else:
        config = find_pytest_config(Path.cwd())
    from_file = patterns_in_file(config) if config is not None else []
    given = args.pattern or []
    rules = scrub_rules_from_patterns(from_file, f"{SETTING} in {config}")
    rules += scrub_rules_from_patterns(given, "--pattern", base=())
    origins = [f"{len(from_file)} from {config}"] if from_file else []
    origins += [f"{len(given)} from --pattern"] if given else []
    total = len(from_file) + len(given)
    return rules, f"{total} declared ({', '.join(origins)})" if total else ""


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
    check.add_argument(
        "--pattern",
        action="append",
        metavar="REGEX",
        help="also look for this secret pattern (a Python regular expression; name it with a "
        "leading (?#name) comment; repeatable)",
    )
    check.add_argument(
        "--patterns-from",
        metavar="FILE",
        help="read the runtime_secret_patterns setting from this pytest configuration file "
        "(pyproject.toml, pytest.ini, tox.ini, setup.cfg; default: the one in the current "
        "directory, if any)",
    )
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
