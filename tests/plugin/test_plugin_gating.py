"""Which tests run in which mode: replay skips what record mode skips, a test that sends nothing
records an empty cassette, and the ``modes`` marker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DOCS = Path(__file__).resolve().parents[2] / "docs"
FILE_BLOCK = re.compile(r"<!-- pytest: ([\w.]+) -->\s*```python\n(.*?)```", re.S)


@pytest.fixture
def no_account(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials anywhere: recording from the fake must not need them."""
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "QISKIT_RUNTIME_DOUBLE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(pytester.path))


def _docs_example(pytester: pytest.Pytester) -> None:
    """The expiry and priority example of docs/pytest-plugin.md, as its files."""
    text = (DOCS / "pytest-plugin.md").read_text(encoding="utf-8")
    for name, code in FILE_BLOCK.findall(text):
        (pytester.path / name).write_text(code, encoding="utf-8")


def test_the_docs_expiry_example_records_from_the_fake_and_replays(
    pytester: pytest.Pytester, no_account: None
) -> None:
    _docs_example(pytester)
    recorded = pytester.runpytest(
        "--runtime-mode=record", "--runtime-record-from=fake", "-rs", "-p", "no:randomly"
    )
    recorded.assert_outcomes(passed=1, skipped=1)  # test_priority needs fake_runtime
    recorded.stdout.fnmatch_lines(
        [
            "*runtime mode record*record mode: once, recording from fake*",
            "*SKIPPED*needs the in-process fake*records from a fake built from runtime_config*",
        ]
    )
    cassette = pytester.path / "cassettes" / "test_expiry" / "test_expiry.yaml"
    assert "recorded_from: fake" in cassette.read_text(encoding="utf-8")
    replayed = pytester.runpytest("--runtime-mode=replay", "-rs", "-p", "no:randomly")
    replayed.assert_outcomes(passed=1, skipped=1)


def test_replay_skips_what_recording_from_the_live_service_skips(
    pytester: pytest.Pytester, no_account: None
) -> None:
    _docs_example(pytester)
    # No cassette at all: recording from IBM skips both tests, so replay has nothing to replay.
    result = pytester.runpytest("--runtime-mode=replay", "-rs", "-p", "no:randomly")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*test_expiry.py:*no cassette to replay: record mode skips this test (it uses "
            "runtime_clock, which a recording from the live service cannot move; record it from "
            "the fake with --runtime-record-from=fake)*",
        ]
    )
    # Recording from the fake is configured (in the ini file): then the cassette is expected.
    pytester.makeini("[pytest]\nruntime_record_from = fake\n")
    result = pytester.runpytest("--runtime-mode=replay", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*replay, but 1 test(s) have no cassette*", "*test_expiry.py::test_expiry*"]
    )


def test_a_test_that_sends_nothing_records_an_empty_cassette_and_its_replay_is_strict(
    pytester: pytest.Pytester, no_account: None
) -> None:
    pytester.makepyfile(test_quiet="def test_quiet(runtime_service):\n    pass\n")
    pytester.runpytest(
        "--runtime-mode=record", "--runtime-record-from=fake", "-p", "no:randomly"
    ).assert_outcomes(passed=1)
    assert (pytester.path / "cassettes" / "test_quiet" / "test_quiet.yaml").is_file()
    pytester.runpytest("--runtime-mode=replay", "-p", "no:randomly").assert_outcomes(passed=1)
    # The code under test changed: it now sends a request the recording never saw.
    pytester.makepyfile(
        test_quiet="def test_quiet(runtime_service):\n    runtime_service.backends()\n"
    )
    result = pytester.runpytest("--runtime-mode=replay", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*CassetteMismatchError*no recorded answer for GET /backends*",
            "*- qiskit-runtime-double: cassette -*",
            "This test's cassette: *test_quiet.yaml (recorded from the fake)",
            "*record it again (no account needed):",
            "  pytest --runtime-mode=record --runtime-record-mode=rewrite "
            "--runtime-record-from=fake 'test_quiet.py::test_quiet'",
        ]
    )


def test_the_modes_marker_skips_a_test_in_the_other_modes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_modes="""
        import pytest

        @pytest.mark.runtime(modes=("fake",))
        def test_offline(runtime_service):
            runtime_service.backends()

        @pytest.mark.runtime(modes=["live", "record"])
        def test_online(runtime_service):
            runtime_service.backends()
        """
    )
    result = pytester.runpytest("-rs", "-p", "no:randomly")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.runtime(modes=('live', 'record')) leaves out fake"])
    # In replay neither has a cassette, and neither needs one.
    result = pytester.runpytest("--runtime-mode=replay", "-rs", "-p", "no:randomly")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*modes=('fake',)) leaves out replay"])


def test_a_test_with_skip_marks_is_judged_when_it_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marks="""
        import pytest

        @pytest.mark.skipif("True", reason="not on this machine")
        def test_skipped(runtime_service):
            pass

        @pytest.mark.skipif("False", reason="not on this machine")
        def test_runs(runtime_service):
            pass
        """
    )
    result = pytester.runpytest("--runtime-mode=replay", "-p", "no:randomly")
    result.assert_outcomes(skipped=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*--runtime-mode=replay, but test_marks.py::test_runs has no cassette at *"
            "test_runs.yaml. Record it: pytest --runtime-mode=record 'test_marks.py::test_runs'*",
        ]
    )


@pytest.mark.parametrize(
    "modes", ["'fake'", "()", "('fake', 'offline')", "(1,)"], ids=["str", "empty", "unknown", "int"]
)
def test_bad_modes_are_a_usage_error(pytester: pytest.Pytester, modes: str) -> None:
    pytester.makepyfile(
        f"import pytest\n\n@pytest.mark.runtime(modes={modes})\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*modes must be a non-empty tuple of modes from fake, replay*"])
