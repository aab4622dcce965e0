"""A file name with a newline, an escape sequence, a bidi override or bytes that are not
UTF-8 is shown on one line, and cannot rewrite the terminal or the line's reading order."""

from __future__ import annotations

import os

import pytest

from subtitles.errors import InputError, ToolError, display_path, one_line


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("film\n.ru.srt", "film\\n.ru.srt"),
        ("a\r\tb.srt", "a\\r\\tb.srt"),
        ("\x1b[2Jwiped.srt", "\\x1b[2Jwiped.srt"),
        ("bell\x07\x7f\x85.srt", "bell\\x07\\x7f\\x85.srt"),
        ("cod\u202egnp.exe", "cod\\u202egnp.exe"),
        ("iso\u2066late\u2069.srt", "iso\\u2066late\\u2069.srt"),
        ("line\u2028sep.srt", "line\\u2028sep.srt"),
        (os.fsdecode(b"caf\xe9.srt"), "caf\\xe9.srt"),
        ("фильм żółć 映画 .srt", "фильм żółć 映画 .srt"),
        ("back\\slash and 'quotes'.srt", "back\\slash and 'quotes'.srt"),
    ],
)
def test_names_are_shown_on_one_safe_line(name: str, shown: str) -> None:
    assert display_path(name) == shown
    assert one_line(name) == shown


def test_every_error_class_renders_names_through_the_helper() -> None:
    err = InputError("file not found", path="up/film\n2.ru.srt", line=3)
    assert str(err) == "up/film\\n2.ru.srt:3: file not found"
    assert "\n" not in str(err)
    tool = ToolError(
        "muxing failed (exit 1)", path="out\x1b]0;x\x07.mkv", stderr_tail="a\nout\n.mkv: Invalid\x1b[0m"
    )
    text = str(tool)
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert text.startswith("out\\x1b]0;x\\x07.mkv: muxing failed (exit 1) (")


def test_a_message_that_quotes_a_name_stays_on_one_line() -> None:
    assert str(InputError("output would overwrite a\nb.srt")) == "output would overwrite a\\nb.srt"
