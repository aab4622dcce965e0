"""The one place where errors become exit codes."""

from __future__ import annotations

from pathlib import Path

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


def test_unwritable_output_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file where an output folder should be: exit 2 and one line, not an internal error."""
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SystemExit) as exc:
        run(["demo", str(tmp_path / "afile" / "demo")])
    assert exc.value.code == EXIT_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("subpipe: error: ")
    assert "afile" in err[0]
    assert "internal error" not in err[0]


def test_click_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["probe", str(tmp_path)])
    assert exc.value.code == EXIT_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "is a directory" in err[0]
    assert "subpipe probe --help" in err[0]


def test_no_arguments_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run([])
    out = capsys.readouterr()
    assert exc.value.code == 0
    assert "Commands:" in out.out
    assert out.err == ""
