"""Error messages name the file and line in one line."""

from __future__ import annotations

from subtitles.errors import (
    AlignmentRefused,
    ContentError,
    EncodingError,
    InputError,
    SubpipeError,
    ToolError,
)


def test_message_names_file_and_line() -> None:
    err = EncodingError("bytes decode in no supported encoding", path="up/film.pl.srt", line=12)
    assert str(err) == "up/film.pl.srt:12: bytes decode in no supported encoding"
    assert isinstance(err, InputError)
    assert isinstance(err, SubpipeError)


def test_message_without_line_or_path() -> None:
    assert str(ContentError("3 errors", path="a.srt")) == "a.srt: 3 errors"
    assert str(ContentError("3 errors")) == "3 errors"


def test_tool_error_shows_last_stderr_line() -> None:
    err = ToolError("muxing failed (exit 1)", path="out.mkv", stderr_tail="noise\nInvalid argument\n")
    assert str(err) == "out.mkv: muxing failed (exit 1) (Invalid argument)"


def test_refusal_carries_confidence() -> None:
    err = AlignmentRefused("no clear peak", path="x.srt", confidence=0.12, reason="no-peak")
    assert err.confidence == 0.12
    assert err.reason == "no-peak"
