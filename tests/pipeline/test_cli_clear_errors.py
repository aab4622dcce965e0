"""Clear errors (issue 7, point 8), through the real CLI: a symlink loop is unusable input
(exit 2), ``--debug`` shows the traceback but keeps the documented exit code, an unreadable
file is named on stderr as the one-line error, and an unreadable font folder in ``$HOME``
is skipped rather than aborting ``validate``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import subtitles.qc.glyphs as glyphs
from tests.pipeline.helpers import run_in_process, subpipe

pytestmark = pytest.mark.usefixtures("restore_cli_logging")

GOOD = "1\n00:00:01,000 --> 00:00:03,500\nThe raids began on Monday morning.\n"
#: Two cues on screen at once: an error finding (exit 1).
FLAWED = GOOD + "\n2\n00:00:02,000 --> 00:00:04,500\nNobody knows how many there are.\n"


def error_lines(stderr: str) -> list[str]:
    assert "internal error" not in stderr, stderr
    return [ln for ln in stderr.splitlines() if ln.startswith("subpipe: error: ")]


@pytest.fixture
def loop(tmp_path: Path) -> Path:
    link = tmp_path / "loop.en.srt"
    link.symlink_to(link.name)  # points at itself
    return link


def test_a_symlink_loop_as_input_is_exit_2_naming_it(tmp_path: Path, loop: Path) -> None:
    commands: list[list[str | Path]] = [
        ["validate", loop],
        ["inspect", loop],
        ["fix", loop, "-o", tmp_path / "x.srt"],
    ]
    for args in commands:
        proc = subpipe(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = error_lines(proc.stderr)
        assert lines and loop.name in lines[0] and ("loop" in lines[0] or "leads nowhere" in lines[0])


def test_a_symlink_loop_as_output_is_exit_2_naming_it(tmp_path: Path, loop: Path) -> None:
    sub = tmp_path / "film.en.srt"
    sub.write_text(GOOD, encoding="utf-8")
    proc = subpipe("fix", sub, "-o", loop)
    assert proc.returncode == 2, proc.stderr
    (line,) = error_lines(proc.stderr)
    assert loop.name in line and "loop" in line
    assert loop.is_symlink()  # left as it was


def test_debug_shows_the_traceback_and_keeps_the_exit_code(tmp_path: Path, loop: Path) -> None:
    flawed = tmp_path / "film.en.srt"
    flawed.write_text(FLAWED, encoding="utf-8")
    cases: list[tuple[list[str | Path], int]] = [
        (["validate", tmp_path / "missing.srt"], 2),  # unreadable input
        (["validate", flawed], 1),  # content failed
        (["fix", loop, "-o", tmp_path / "out.srt"], 2),  # a RuntimeError from pathlib, mapped
        (["validate", flawed, "--fps", "abc"], 2),  # usage error
    ]
    for args, code in cases:
        plain = subpipe(*args)
        debug = subpipe("--debug", *args)
        assert plain.returncode == debug.returncode == code, (args, plain.stderr, debug.stderr)
        assert "Traceback" not in plain.stderr
        assert "Traceback (most recent call last)" in debug.stderr, (args, debug.stderr)
        assert error_lines(debug.stderr), debug.stderr  # the one-line error too


@pytest.mark.parametrize("as_json", [False, True])
def test_an_unreadable_file_is_named_on_stderr(tmp_path: Path, as_json: bool) -> None:
    good = tmp_path / "film.en.srt"
    good.write_text(GOOD, encoding="utf-8")
    missing = tmp_path / "film.pl.srt"
    json_flag = ["--json"] if as_json else []
    proc = subpipe("validate", *json_flag, good, missing)
    assert proc.returncode == 2
    lines = error_lines(proc.stderr)
    assert any(ln.startswith(f"subpipe: error: {missing}: ") for ln in lines), proc.stderr
    assert not any(str(good) in ln for ln in lines)
    # alone, the file's own error is the one line
    alone = subpipe("validate", *json_flag, missing)
    assert error_lines(alone.stderr) == [f"subpipe: error: {missing}: no such file"]


@pytest.fixture
def fresh_font_cache() -> Iterator[None]:
    glyphs.find_font.cache_clear()
    yield
    glyphs.find_font.cache_clear()


def test_an_unreadable_font_folder_in_home_is_skipped(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fresh_font_cache: None,
) -> None:
    home = tmp_path / "home"
    fonts = home / ".local/share/fonts"
    fonts.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    real_is_dir = Path.is_dir

    def is_dir(self: Path) -> bool:
        # what an unreadable ~/.local/share gives a non-root user (root reads everything)
        if self == fonts:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_dir(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    sub = tmp_path / "film.en.srt"
    sub.write_text(GOOD, encoding="utf-8")
    code, out, err = run_in_process(["validate", str(sub)], capsys)
    assert code == 0, err
    assert "Permission denied" not in err and "0 errors" in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder: an unreadable folder needs a user")
def test_an_unreadable_font_folder_in_home_is_skipped_as_a_user(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".local/share/fonts").mkdir(parents=True)
    (home / ".fonts").mkdir()
    sub = tmp_path / "film.en.srt"
    sub.write_text(GOOD, encoding="utf-8")
    for folder in (home / ".local/share", home / ".fonts"):
        folder.chmod(0)
    try:
        proc = subpipe("validate", sub, env={**os.environ, "HOME": str(home)})
    finally:
        for folder in (home / ".local/share", home / ".fonts"):
            folder.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
