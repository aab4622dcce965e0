"""MicroDVD (frames, with the frame-rate rules), MPL2 (deciseconds) and TMPlayer."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subtitles.errors import FrameRateRequired
from subtitles.formats.microdvd import MicroDVD, declared_rate
from subtitles.formats.mpl2 import MPL2
from subtitles.formats.tmp import TMPlayer
from subtitles.model import Cue, Track

NTSC = Fraction(24000, 1001)


def test_microdvd_needs_a_rate_and_never_assumes_one() -> None:
    with pytest.raises(FrameRateRequired, match="give --fps or --film"):
        MicroDVD.parse("{0}{25}Hello\n")


def test_microdvd_declared_rate_is_used_exactly_and_not_a_cue() -> None:
    out = MicroDVD.parse("{1}{1}23.976\n{24}{48}Hello|world\n")
    assert out.frame_rate == NTSC and out.declared_fps == NTSC
    assert [(c.start, c.end, c.text, c.source_line) for c in out.cues] == [(1001, 2002, r"Hello\Nworld", 2)]
    assert out.problems == []


def test_microdvd_explicit_rate_wins_over_declared_with_a_warning() -> None:
    out = MicroDVD.parse("{1}{1}23.976\n{25}{50}Hello\n", fps=Fraction(25))
    assert out.frame_rate == 25
    assert (out.cues[0].start, out.cues[0].end) == (1000, 2000)
    assert [p.code for p in out.problems] == ["microdvd.fps-override"]


def test_microdvd_declared_wins_over_film_with_a_warning() -> None:
    out = MicroDVD.parse("{1}{1}25\n{25}{50}Hello\n", fallback_fps=NTSC)
    assert out.frame_rate == 25
    assert [p.code for p in out.problems] == ["microdvd.fps-mismatch"]


def test_microdvd_film_rate_when_nothing_declared() -> None:
    out = MicroDVD.parse("{0}{24}Hello\n", fallback_fps=NTSC)
    assert out.frame_rate == NTSC and out.cues[0].end == 1001


@pytest.mark.parametrize(
    ("first", "rate"),
    [
        ("{1}{1}25", Fraction(25)),
        ("{1}{1}29.97", Fraction(30000, 1001)),
        ("{0}{0}23,976", NTSC),
        ("{1}{1}Hi", None),
    ],
)
def test_declared_rate(first: str, rate: Fraction | None) -> None:
    assert declared_rate(f"{first}\n{{10}}{{20}}x\n") == rate


def test_dump_keeps_whole_cue_italics() -> None:
    cues = [Cue(start=1000, end=2000, text=r"{\i1}Tilted{\i0}"), Cue(start=3000, end=4000, text="Plain")]
    assert (
        MicroDVD.write(_track(cues), rate=Fraction(25)) == "{1}{1}25\n{25}{50}{y:i}Tilted\n{75}{100}Plain\n"
    )


def test_microdvd_styles_bad_lines_and_open_end() -> None:
    text = "{0}{25}{y:i}Italic|line two\ngarbage\n{50}{}Open\n{100}{125}{c:$0000ff}Blue\n"
    out = MicroDVD.parse(text, fps=Fraction(25))
    assert [c.text for c in out.cues] == [r"{\i1}Italic\Nline two", "Open", "Blue"]
    assert out.cues[1].end == 4000  # runs until the next cue
    assert [(p.line, p.code) for p in out.problems] == [(2, "microdvd.bad-line"), (3, "microdvd.no-end")]


@given(st.lists(st.tuples(st.integers(0, 500_000), st.integers(1, 500)), min_size=1, max_size=20))
def test_microdvd_dump_and_parse_round_trip_frames(spans: list[tuple[int, int]]) -> None:
    """Frames survive frames → ms → frames exactly, at a rate whose frames are not whole ms."""
    out = MicroDVD.parse("".join(f"{{{a}}}{{{a + d}}}line {i}\n" for i, (a, d) in enumerate(spans)), fps=NTSC)
    cues = out.cues
    text = MicroDVD.write(_track(cues), rate=NTSC)
    again = MicroDVD.parse(text)
    assert again.frame_rate == NTSC
    assert [(c.start, c.end, c.text) for c in again.cues] == [(c.start, c.end, c.text) for c in cues]
    assert text.splitlines()[1:] == [f"{{{a}}}{{{a + d}}}line {i}" for i, (a, d) in enumerate(spans)]


def test_mpl2_deciseconds_italics_and_lines() -> None:
    out = MPL2.parse("[10][25]Hello|/world\n\nnot mpl2\n[30][]Open\n[50][60]Last\n")
    assert [(c.start, c.end, c.text, c.source_line) for c in out.cues] == [
        (1000, 2500, r"Hello\N{\i1}world{\i0}", 1),
        (3000, 5000, "Open", 4),
        (5000, 6000, "Last", 5),
    ]
    assert [(p.line, p.code) for p in out.problems] == [(3, "mpl2.bad-line"), (4, "mpl2.no-end")]
    assert out.frame_rate is None


def test_tmplayer_estimates_ends_and_says_so() -> None:
    out = TMPlayer.parse("00:00:01:Hello|world\n00:00:02:Next\n0:00:10=Last one\n")
    assert [(c.start, c.source_line) for c in out.cues] == [(1000, 1), (2000, 2), (10000, 3)]
    assert out.cues[0].end == 2000  # cut at the next start
    assert out.cues[2].end == 10000 + 500 + 67 * len("Last one")
    assert out.cues[0].text == r"Hello\Nworld"
    assert [p.code for p in out.problems] == ["tmp.estimated-end"]


def test_sniffers_prefer_their_own_format() -> None:
    assert MicroDVD.sniff("{0}{25}a\n{30}{50}b\n") > MPL2.sniff("{0}{25}a\n{30}{50}b\n")
    assert MPL2.sniff("[0][25]a\n[30][50]b\n") > MicroDVD.sniff("[0][25]a\n[30][50]b\n")
    assert TMPlayer.sniff("00:00:01:a\n") > 0 and TMPlayer.sniff("00:00:01,000 --> 00:00:02,000\n") == 0


def _track(cues: list[Cue]) -> Track:
    track = Track()
    track.events = list(cues)
    return track
