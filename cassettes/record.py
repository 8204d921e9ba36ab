"""Record the project's committed cassettes: ``.venv/bin/python cassettes/record.py [NAME ...]``.

Each scenario of ``tests/cassettes/scenarios.py`` runs against a seeded ``FakeRuntime`` served
on 127.0.0.1, standing in for IBM, and its traffic is recorded into ``cassettes/<name>.yaml``:

- our client's scenarios through its live HTTP transport (IAM token exchange, ``Authorization``
  and ``Service-CRN`` headers, polling over HTTP), as a recording of the real service is made.
  One difference: the transport waits on the fake's clock and the server never moves time by
  itself (``pace="manual"``, as in the contract suite). Waiting for a job then moves simulated
  time, so the recorded times are simulated ones: the file says a job queued for an hour (the
  real service's recording would too), re-recording changes no time, and nothing sleeps;
- ``official_client_session``: the official ``qiskit-ibm-runtime`` client's traffic (the
  ``compat`` extra), recorded by a cassette placed in the server, in front of the fake's app.

Every file is written with ``record_mode="rewrite"`` (this run only), scrubbed, then replayed once
here to check that the replay sees what the recording saw, and finally passed through
``qiskit-runtime-double cassette check``. The outcomes are printed: when a re-recording changes
them (new ids or counts after a change to the fake, new qiskit-aer samples), update the expected
values in ``tests/cassettes/test_committed_cassettes.py``.

``--out DIR`` writes elsewhere (to try a change without touching the committed files).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from pprint import pformat
from typing import Any

from qiskit_runtime_double import (
    FakeRuntime,
    InProcessTransport,
    LiveTransport,
    QiskitRuntimeService,
)
from qiskit_runtime_double.cli import main as cli_main
from qiskit_runtime_double.fake.http.server import FakeServer
from qiskit_runtime_double.transports.cassette import CassetteTransport

ROOT = Path(__file__).resolve().parent.parent
# The scenarios live with the tests that replay them (one copy of the user code); this script
# runs from a checkout, where the repository root makes ``tests`` importable.
sys.path.insert(0, str(ROOT))
from tests.cassettes import scenarios  # noqa: E402 (needs the path above)

HERE = Path(__file__).resolve().parent
#: Any non-empty key opens the fake's IAM endpoint; scrubbing keeps it out of the files anyway.
RECORDING_KEY = "cassette-recording-key"


def record_scenario(scenario: scenarios.Scenario, path: Path) -> scenarios.Outcome:
    """Run ``scenario`` against a served fake through our client's live transport; record it."""
    fake = FakeRuntime(scenarios.BACKENDS, seed=scenario.seed)
    scenario.prepare(fake)
    with fake.serve(pace="manual") as server:
        live = LiveTransport(
            runtime_url=server.runtime_url,
            iam_url=server.iam_url,
            api_key=RECORDING_KEY,
            instance=server.instance,
            clock=fake.clock,  # see the module doc
        )
        recorder = CassetteTransport(path, "rewrite", inner=live)
        service = QiskitRuntimeService(transport=recorder, instance=server.instance)
        try:
            outcome = scenario.run(service)
        except BaseException:
            service.discard_recording()  # no half-recorded cassette
            raise
        finally:
            service.close()  # writes the file (unless discarded)
    replayed = replay_scenario(scenario, path)
    if replayed.comparable() != outcome.comparable():
        raise SystemExit(
            f"{path}: the replay saw something other than the recording did:\n"
            f"recorded: {pformat(outcome.comparable())}\nreplayed: {pformat(replayed.comparable())}"
        )
    return outcome


def replay_scenario(scenario: scenarios.Scenario, path: Path) -> scenarios.Outcome:
    with QiskitRuntimeService(cassette=path, record_mode="replay") as service:
        return scenario.run(service)


def record_official(path: Path) -> dict[str, Any]:
    """The official client's Session, recorded by a cassette in front of the served fake's app."""
    from qiskit_runtime_double.compat import official_service_context

    fake = FakeRuntime(scenarios.BACKENDS, seed=scenarios.OFFICIAL_SEED)
    recorder = CassetteTransport(path, "rewrite", inner=InProcessTransport(fake.app))
    # The server hands every request (IAM, Global Search, Catalog and the runtime API) to
    # recorder.handle, which passes it to the fake and keeps both sides; the recording clock is
    # the fake's, so recorded times are simulated ones. The official client sleeps for real
    # between polls, so the server moves simulated time at each poll (its default pace).
    with (
        recorder,
        FakeServer(fake, app=recorder.handle) as server,
        official_service_context(server) as service,
    ):
        return scenarios.official_session(service)


def main(argv: Sequence[str] | None = None) -> int:
    names = [s.name for s in scenarios.SCENARIOS] + [scenarios.OFFICIAL]
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"some of: {', '.join(names)}")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: here)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(names)}")
    chosen = args.names or names
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for scenario in scenarios.SCENARIOS:
        if scenario.name in chosen:
            path = args.out / f"{scenario.name}.yaml"
            outcome = record_scenario(scenario, path)
            written.append(path)
            print(f"== {path}\n{pformat(outcome.comparable(), width=100)}")
    if scenarios.OFFICIAL in chosen:
        path = args.out / f"{scenarios.OFFICIAL}.yaml"
        seen = record_official(path)
        written.append(path)
        print(f"== {path}\n{pformat(seen, width=100)}")
    return cli_main(["cassette", "check", *map(str, written)])


if __name__ == "__main__":
    sys.exit(main())
