"""Frame and time helpers: exact fractions, round trips, parsing."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subtitles.errors import UsageError
from subtitles.timing import (
    format_fps,
    format_ms,
    format_srt_time,
    frames_duration_ms,
    frames_to_ms,
    ms_to_frames,
    parse_fps,
    parse_timecode,
    seconds_to_ms,
)

RATES = [
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(50),
    Fraction(60000, 1001),
]


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("24000/1001", Fraction(24000, 1001)),
        ("23.976", Fraction(24000, 1001)),
        ("23.98", Fraction(24000, 1001)),
        (23.976, Fraction(24000, 1001)),
        ("29.97", Fraction(30000, 1001)),
        ("59.94", Fraction(60000, 1001)),
        ("25", Fraction(25)),
        ("24", Fraction(24)),
        (25, Fraction(25)),
        ("30", Fraction(30)),
        (Fraction(25), Fraction(25)),
        ("12.5", Fraction(25, 2)),
    ],
)
def test_parse_fps_is_exact(text: str | float | int | Fraction, rate: Fraction) -> None:
    assert parse_fps(text) == rate


@pytest.mark.parametrize("bad", ["", "abc", "0", "-25", "25/0", "2000"])
def test_parse_fps_rejects_nonsense(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_fps(bad)


def test_format_fps() -> None:
    assert format_fps(Fraction(25)) == "25"
    assert format_fps(Fraction(24000, 1001)) == "24000/1001 (23.976)"


def test_known_frame_times() -> None:
    ntsc = Fraction(24000, 1001)
    assert frames_to_ms(24, ntsc) == 1001
    assert frames_to_ms(25, Fraction(25)) == 1000
    assert ms_to_frames(1001, ntsc) == 24
    assert ms_to_frames(1000, Fraction(25)) == 25
    assert ms_to_frames(999, Fraction(25)) == 24
    assert frames_to_ms(3, ntsc) == 125  # 125.125 rounded
    assert ms_to_frames(125, ntsc) == 3  # still frame 3, not frame 2
    assert ms_to_frames(-42, ntsc) == -1
    # 90 minutes at 23.976 counted as 25 would drift by over three and a half minutes
    frames = ms_to_frames(90 * 60_000, ntsc)
    assert frames_to_ms(frames, Fraction(25)) < 90 * 60_000 - 210_000


@given(st.integers(min_value=-1_000_000, max_value=10_000_000), st.sampled_from(RATES))
def test_frames_round_trip(frames: int, rate: Fraction) -> None:
    assert ms_to_frames(frames_to_ms(frames, rate), rate) == frames


@given(st.integers(min_value=0, max_value=36_000_000), st.sampled_from(RATES))
def test_ms_to_frames_gives_the_frame_on_screen(ms: int, rate: Fraction) -> None:
    frame = ms_to_frames(ms, rate)
    # a whole ms stands for the instant up to half a millisecond after it
    assert Fraction(frame * 1000) / rate <= ms + Fraction(1, 2)
    assert Fraction((frame + 1) * 1000) / rate > ms + Fraction(1, 2)


@given(st.integers(min_value=0, max_value=10_000), st.sampled_from(RATES))
def test_frames_duration_never_undercuts(frames: int, rate: Fraction) -> None:
    assert frames_duration_ms(frames, rate) >= Fraction(frames * 1000) / rate
    assert frames_duration_ms(frames, rate) - Fraction(frames * 1000) / rate < 1


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_format_and_parse_timecode_round_trip(ms: int) -> None:
    text = format_ms(ms)
    if ms >= 0:
        assert parse_timecode(text) == ms
    else:
        assert text.startswith("-") and parse_timecode(text[1:]) == -ms


def test_format_ms() -> None:
    assert format_ms(3723004) == "01:02:03.004"
    assert format_ms(0) == "00:00:00.000"
    assert format_ms(-1500) == "-00:00:01.500"
    assert format_srt_time(3723004) == "01:02:03,004"  # SubRip's decimal comma


@pytest.mark.parametrize(
    ("text", "ms"),
    [("1:02:03.5", 3723500), ("02:03,500", 123500), ("12.5", 12500), ("0", 0), ("00:00:01", 1000)],
)
def test_parse_timecode(text: str, ms: int) -> None:
    assert parse_timecode(text) == ms


def test_parse_timecode_rejects_garbage() -> None:
    with pytest.raises(UsageError):
        parse_timecode("soon")


def test_seconds_to_ms_rounds_half_away_from_zero() -> None:
    assert seconds_to_ms(Fraction(1, 2000)) == 1
    assert seconds_to_ms(-Fraction(1, 2000)) == -1
    assert seconds_to_ms(Fraction(12345, 10000)) == 1235
