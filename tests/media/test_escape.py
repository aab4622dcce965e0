"""Filter-graph escaping, proved on paths with every special character by a real libass run."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media.escape import escape_graph, escape_option_value, filter_args, filter_path, filter_spec
from media.ffmpeg import find_ffmpeg
from media.runner import ffmpeg
from subtitles.errors import ToolError
from tests.mediagen import write_srt

NASTY = "it's [a]:b,c;d\\e f"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _unescape(text: str) -> str:
    """One level of ffmpeg's av_get_token: backslash escapes and single-quoted runs."""
    out, i, quoted = [], 0, False
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif ch == "\\" and not quoted and i + 1 < len(text):
            i += 1
            out.append(text[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def test_option_level() -> None:
    assert escape_option_value("a:b") == "a\\:b"
    assert escape_option_value("it's") == "it\\'s"
    assert escape_option_value("c:\\x") == "c\\:\\\\x"
    assert escape_option_value("[a],b;c") == "[a],b;c"  # not special at this level
    assert escape_option_value(" lead") == "\\ lead"
    assert escape_option_value("trail ") == "trail\\ "


def test_graph_level() -> None:
    assert escape_graph("[a],b;c") == "\\[a\\]\\,b\\;c"
    assert escape_graph("a\\:b") == "a\\\\:b"
    assert escape_graph("x:y") == "x:y"  # the option separator must survive this level


def test_filter_path_is_absolute_and_double_escaped(tmp_path: Path) -> None:
    path = tmp_path / NASTY
    escaped = filter_path(path)
    assert _unescape(_unescape(escaped)) == str(path)
    rel = filter_path(Path("a:b.srt"))
    assert _unescape(_unescape(rel)).startswith("/")  # a relative 'a:b' would read as a protocol


@given(st.text(alphabet=st.sampled_from(list("ab :'[],;\\=x/")), max_size=30))
def test_two_levels_round_trip(text: str) -> None:
    assert _unescape(_unescape(escape_graph(escape_option_value(text)))) == text


def test_filter_spec_joins_escaped_options(tmp_path: Path) -> None:
    spec = filter_spec("subtitles", {"filename": tmp_path / "a:b.srt", "force_style": "FontName=DejaVu Sans"})
    assert spec.startswith("subtitles=filename=")
    args = _unescape(spec.removeprefix("subtitles="))
    key_values = []
    for part in _split_unescaped(args, ":"):
        key, value = part.split("=", 1)
        key_values.append((key, _unescape(value)))
    assert key_values == [("filename", str(tmp_path / "a:b.srt")), ("force_style", "FontName=DejaVu Sans")]
    assert filter_spec("null", {}) == "null"
    assert filter_args({"n": 3}) == "n=3"


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if text[i] == sep:
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    parts.append(current)
    return parts


def _render_gray_frame(vf: str) -> tuple[bytes, str]:
    source = ["-f", "lavfi", "-i", "color=black:size=160x90:duration=1"]
    done = ffmpeg(
        [*source, "-vf", vf, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
        timeout=60,
        what="rendering a test frame",
    )
    return done.stdout, done.stderr


@pytest.mark.media
def test_subtitles_filter_reads_a_nasty_path(tmp_path: Path) -> None:
    if not find_ffmpeg().has_filter("subtitles"):
        pytest.skip("this ffmpeg has no libass 'subtitles' filter")
    if not DEJAVU.is_dir():
        pytest.skip(f"DejaVu fonts not installed at {DEJAVU}")
    folder = tmp_path / "dir with spaces, [brackets]; and 'quotes'"
    folder.mkdir()
    srt = write_srt(folder / f"{NASTY}.srt", [(0, 1000, "Права — żółć")])
    spec = filter_spec(
        "subtitles", {"filename": srt, "fontsdir": DEJAVU, "force_style": "FontName=DejaVu Sans,FontSize=40"}
    )
    frame, stderr = _render_gray_frame(spec)
    assert "fontselect: failed" not in stderr
    assert "Glyph 0x" not in stderr
    assert len(frame) == 160 * 90
    assert max(frame) > 200, "no subtitle text was drawn"
    assert sum(1 for px in frame if px > 128) > 50


@pytest.mark.media
def test_unescaped_path_breaks_as_render_notes_say(tmp_path: Path) -> None:
    srt = write_srt(tmp_path / "a:b.srt", [(0, 1000, "x")])
    with pytest.raises(ToolError):
        _render_gray_frame(f"subtitles={srt}")
