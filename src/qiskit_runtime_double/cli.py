"""The ``qiskit-runtime-double`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(seed=args.seed, backend=args.backend)
    return 0


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
