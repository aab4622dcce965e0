"""The Track/Cue model: pysubs2 objects that remember where they came from."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pysubs2

from subtitles.langdetect import detect_language
from subtitles.language import Language
from subtitles.model import Cue, EncodingGuess, ParseProblem, Track


def _track() -> Track:
    subs = pysubs2.SSAFile.from_string(
        "1\n00:00:01,000 --> 00:00:02,500\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n"
    )
    subs.events.append(pysubs2.SSAEvent(start=0, end=10_000, text="note", type="Comment"))
    return Track.from_ssafile(
        subs,
        [1, 5, None],
        language=Language.parse("en"),
        source=Path("film.en.srt"),
        source_format="srt",
        encoding=EncodingGuess("utf-8", 1.0),
        frame_rate=None,
        source_text="...",
    )


def test_from_ssafile_keeps_lines_and_metadata() -> None:
    track = _track()
    assert [c.source_line for c in track.cues] == [1, 5]
    assert all(isinstance(e, Cue) for e in track.events)
    assert track.language == Language.parse("eng")
    assert track.name == "film.en.srt"
    assert track.language_source == "unknown" and track.problems == []


def test_cues_exclude_comments_and_span_covers_dialogue() -> None:
    track = _track()
    assert [c.text for c in track.cues] == ["Hello", "World"]
    assert track.span() == (1000, 4000)
    assert Track().span() is None
    assert Track().name == "<memory>"


def test_copy_track_is_deep() -> None:
    track = _track()
    track.problems.append(ParseProblem(3, "odd", "warning", "srt.x"))
    track.language_guess = detect_language("Hello there, how are you doing today my friend?")
    track.frame_rate = Fraction(25)
    copy = track.copy_track()
    copy.cues[0].text = "changed"
    copy.cues[0].start = 0
    copy.styles["Default"].fontsize = 99
    copy.problems.clear()
    assert track.cues[0].text == "Hello" and track.cues[0].start == 1000
    assert track.styles["Default"].fontsize != 99
    assert len(track.problems) == 1
    assert copy.cues[1].source_line == 5
    assert (copy.frame_rate, copy.language_guess, copy.encoding) == (
        track.frame_rate,
        track.language_guess,
        track.encoding,
    )


def test_cue_copy_and_repr() -> None:
    cue = Cue(start=1, end=2, text="x" * 40, source_line=7)
    dup = cue.copy()
    assert isinstance(dup, Cue) and dup.source_line == 7 and dup is not cue
    assert "line=7" in repr(cue)
    assert Cue.from_event(pysubs2.SSAEvent(start=5, end=6, text="a"), 3).source_line == 3


def test_track_is_a_pysubs2_file() -> None:
    track = _track()
    text = track.to_string("srt")
    assert "00:00:01,000 --> 00:00:02,500\nHello" in text
    track.shift(s=1)
    assert track.cues[0].start == 2000 and track.cues[0].source_line == 1


def test_parse_problem_str() -> None:
    assert str(ParseProblem(12, "bad timing", "error")) == "line 12: error: bad timing"
    assert str(ParseProblem(None, "estimated", "info")) == "info: estimated"
