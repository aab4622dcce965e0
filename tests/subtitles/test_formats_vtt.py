"""WebVTT: the specification's block and timestamp rules, with problems at their lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subtitles.formats.vtt import WebVTT, parse_timestamp, parse_timing_line


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("00:00.000", 0),
        ("01:02.003", 62003),
        ("00:01:02.003", 62003),
        ("1:00:00.000", 3600000),  # one-digit hours are fine
        ("123:00:00.000", 123 * 3600000),  # and three
    ],
)
def test_valid_timestamps(text: str, ms: int) -> None:
    assert parse_timestamp(text) == (ms, len(text))


@pytest.mark.parametrize(
    "text",
    [
        "00:00.00",
        "00:00.0000",
        "60:00.000",
        "0:00.000",
        "00:0.000",
        "00:00,000",
        "00:60.000",
        "00:00:60.000",
        "00:00",
        "aa:bb.ccc",
    ],
)
def test_invalid_timestamps(text: str) -> None:
    assert parse_timestamp(text) is None


def test_timing_line_with_settings() -> None:
    assert parse_timing_line("00:01.000 --> 00:02.000 align:start line:0") == (
        1000,
        2000,
        "align:start line:0",
    )
    assert parse_timing_line("00:01.000-->00:02.000") == (1000, 2000, "")
    assert parse_timing_line("00:01.000 --> 00:02.000x") is None
    assert parse_timing_line("00:01.000 -> 00:02.000") is None


def test_blocks_notes_styles_identifiers() -> None:
    text = (
        "WEBVTT - a title\nKind: captions\n\nSTYLE\n::cue { color: red }\n\nNOTE a comment\nover lines\n\n"
        "intro\n00:00:01.000 --> 00:00:02.000 align:start\n<v Anna>Hello</v> &amp; <i>welcome</i>\n\n"
        "NOTE between cues\n\n00:00:03.000 --> 00:00:04.000\nsecond\nline\n"
    )
    out = WebVTT.parse(text)
    assert [(c.start, c.end, c.text, c.source_line) for c in out.cues] == [
        (1000, 2000, r"Hello & {\i1}welcome{\i0}", 11),
        (3000, 4000, r"second\Nline", 16),
    ]
    assert out.problems == []


def test_missing_header_still_loads_with_a_warning() -> None:
    out = WebVTT.parse("00:00:01.000 --> 00:00:02.000\nHi\n")
    assert len(out.cues) == 1
    assert [(p.line, p.code, p.severity) for p in out.problems] == [(1, "vtt.missing-header", "warning")]


def test_bad_timing_drops_the_cue_like_a_browser() -> None:
    text = "WEBVTT\n\n00:00.000 --> 00:01.000\nA\n\n00:02.00 --> 00:03.000\nB\n\n00:04.000 --> 00:05.000\nC\n"
    out = WebVTT.parse(text)
    assert [c.text for c in out.cues] == ["A", "C"]
    assert [(p.line, p.code, p.severity) for p in out.problems] == [(6, "vtt.bad-timing", "error")]


def test_arrow_line_inside_text_starts_a_new_cue() -> None:
    out = WebVTT.parse("WEBVTT\n\n00:00.000 --> 00:01.000\nA\n00:02.000 --> 00:03.000\nB\n")
    assert [(c.text, c.source_line) for c in out.cues] == [("A", 3), ("B", 5)]


def test_end_before_start_is_still_a_cue() -> None:
    out = WebVTT.parse("WEBVTT\n\n00:00:01.000 --> 00:00:00.999\nback\n")
    assert (out.cues[0].start, out.cues[0].end) == (1000, 999)


def test_sniff() -> None:
    assert WebVTT.sniff("WEBVTT\n\n00:00.000 --> 00:01.000\nA\n") == 1.0
    assert WebVTT.sniff("\ufeffWEBVTT\n") == 1.0
    assert 0 < WebVTT.sniff("00:00.000 --> 00:01.000\nA\n") < 1
    assert WebVTT.sniff("1\n00:00:01,000 --> 00:00:02,000\nA\n") == 0.0


@given(st.text(max_size=300))
def test_never_crashes(text: str) -> None:
    out = WebVTT.parse("WEBVTT\n\n" + text)
    assert all(c.source_line is not None and c.source_line >= 3 for c in out.cues)
