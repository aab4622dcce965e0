"""Outputs appear atomically and inputs are never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from subtitles.atomic import atomic_path, refuse_overwrite_of_inputs, write_text
from subtitles.errors import InputError, OutputError


def test_write_text_replaces_whole_file(tmp_path: Path) -> None:
    out = tmp_path / "film.ru.srt"
    out.write_text("old")
    write_text(out, "Привет\n")
    assert out.read_bytes() == "Привет\n".encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.ru.srt"]


def test_failure_leaves_no_file_under_final_name(tmp_path: Path) -> None:
    out = tmp_path / "film.mkv"
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        assert tmp.suffix == ".mkv"
        assert tmp.parent == tmp_path
        tmp.write_bytes(b"half")
        raise RuntimeError("crash mid-write")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "film.srt"
    out.write_text("previous")
    with pytest.raises(KeyboardInterrupt), atomic_path(out) as tmp:
        tmp.write_text("partial")
        raise KeyboardInterrupt
    assert out.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["film.srt"]


def test_creates_missing_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "x.vtt"
    write_text(out, "WEBVTT\n")
    assert out.read_text() == "WEBVTT\n"


def test_output_equal_to_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "film.pl.srt"
    src.write_text("x")
    with pytest.raises(InputError, match="overwrite an input"):
        refuse_overwrite_of_inputs(tmp_path / "." / "film.pl.srt", [src])
    refuse_overwrite_of_inputs(tmp_path / "other.srt", [src])


def test_output_permissions_follow_umask(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        out = tmp_path / "film.srt"
        write_text(out, "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_file_where_a_folder_should_be_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="a file stands where a folder"):
        write_text(tmp_path / "afile" / "x.srt", "y")


def test_folder_as_output_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        write_text(tmp_path, "y")


def test_unwritable_folder_is_an_output_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import tempfile

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OutputError) as exc:
        write_text(tmp_path / "x.srt", "y")
    assert str(exc.value) == f"{tmp_path / 'x.srt'}: cannot write: Read-only file system"
    assert list(tmp_path.iterdir()) == []
