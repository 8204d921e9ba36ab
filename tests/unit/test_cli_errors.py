"""``qiskit-runtime-double serve`` says what is wrong in the command line's own words."""

from __future__ import annotations

import pytest

from qiskit_runtime_double.cli import main


@pytest.mark.parametrize(
    ("options", "said", "not_said"),
    [
        (
            ["--host", "0.0.0.0"],
            ["Use --host 127.0.0.1", "pass --allow-remote"],
            ["allow_remote=True", "host='"],
        ),
        (
            ["--port", "99999"],
            ["--port: Input should be less than or equal to 65535"],
            ["serve: port:"],
        ),
        (["--max-wait", "-1"], ["--max-wait: Input should be greater than or equal to 0"], []),
        (["--speed", "0"], ["--speed: Value error, a positive number"], []),
        (["--api-key="], ["an --api-key is empty"], ["api_keys["]),
    ],
)
def test_serve_errors_name_the_options(
    options: list[str], said: list[str], not_said: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *options]) == 2

    error = capsys.readouterr().err
    for text in said:
        assert text in error
    for text in not_said:
        assert text not in error
