"""The one place where errors become exit codes."""

from __future__ import annotations

import pytest

from pipeline.cli.main import (
    EXIT_CONTENT,
    EXIT_INPUT,
    EXIT_REFUSED,
    EXIT_TOOL,
    exit_code_for,
    run,
)
from subtitles.errors import (
    AlignmentRefused,
    ContentError,
    FormatError,
    FrameRateRequired,
    LanguageError,
    OutputVerificationError,
    SubpipeError,
    ToolNotFound,
    UsageError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ContentError("x"), EXIT_CONTENT),
        (FormatError("x"), EXIT_INPUT),
        (FrameRateRequired("x"), EXIT_INPUT),
        (LanguageError("x"), EXIT_INPUT),
        (UsageError("x"), EXIT_INPUT),
        (AlignmentRefused("x"), EXIT_REFUSED),
        (ToolNotFound("x"), EXIT_TOOL),
        (OutputVerificationError("x"), EXIT_TOOL),
        (SubpipeError("x"), EXIT_CONTENT),
    ],
)
def test_exit_code_mapping(error: SubpipeError, code: int) -> None:
    assert exit_code_for(error) == code


def test_version_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["--version"])
    assert exc.value.code == 0
    assert "subpipe" in capsys.readouterr().out


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["no-such-command"])
    assert exc.value.code == EXIT_INPUT
    assert "No such command" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["probe", "inspect", "mux", "validate", "fix", "align", "demo"])
def test_every_command_has_help_with_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "Example" in out, f"--help of {command} shows no example"
    example = out.split("Example", 1)[1]
    assert f"subpipe {command}" in example, f"the example in --help of {command} does not use it"
