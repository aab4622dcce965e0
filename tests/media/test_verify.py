"""Output verification: every difference is named, nothing passes by default."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from media.probe import MediaInfo, StreamInfo
from media.verify import Expectation, ExpectedSubtitle, compare, count_subtitle_packets, verify_output
from subtitles.errors import OutputVerificationError
from tests.mediagen import make_film


def _info(*subs: StreamInfo, duration: int | None = 2000) -> MediaInfo:
    video = StreamInfo(index=0, kind="video", codec="h264", default=True, frame_rate=Fraction(25))
    audio = StreamInfo(index=1, kind="audio", codec="aac", default=True, channels=2)
    return MediaInfo(Path("o.mkv"), "matroska,webm", duration, 0, Fraction(25), (video, audio, *subs))


def _sub(index: int, lang: str | None, title: str | None, default: bool, codec: str = "subrip") -> StreamInfo:
    return StreamInfo(index=index, kind="subtitle", codec=codec, language=lang, title=title, default=default)


GOOD = Expectation(
    subtitles=(
        ExpectedSubtitle("rus", "Русский", True, codec="subrip", cues=2),
        ExpectedSubtitle("pol", "Polski", False, codec="subrip", cues=2),
    ),
    video_codecs=("h264",),
    audio_codecs=("aac",),
    min_duration_ms=1750,
    max_duration_ms=2250,
)


def test_matching_output_has_no_problems() -> None:
    info = _info(_sub(2, "rus", "Русский", True), _sub(3, "pol", "Polski", False))
    assert compare(info, GOOD, {2: 2, 3: 2}) == []


def test_every_mismatch_is_reported() -> None:
    info = _info(_sub(2, "ru", None, True, codec="ass"), _sub(3, "pol", "Polski", True), duration=9000)
    problems = compare(info, GOOD, {2: 1, 3: 2})
    text = "\n".join(problems)
    assert "language 'ru', expected 'rus'" in text
    assert "title None, expected 'Русский'" in text
    assert "codec ass, expected subrip" in text
    assert "subtitle stream 1 (#3): default=True, expected default=False" in text
    assert "1 cues, expected 2" in text
    assert "duration 00:00:09.000" in text
    assert len(problems) == 6


def test_missing_streams_and_unknown_duration() -> None:
    bare = MediaInfo(Path("o.mkv"), "matroska,webm", None, 0, None, (_sub(0, "rus", "Русский", True),))
    problems = compare(bare, GOOD, None)
    assert "video streams [], expected ['h264']" in problems
    assert "audio streams [], expected ['aac']" in problems
    assert "1 subtitle streams, expected 2" in problems
    assert "duration unknown" in problems


def test_title_may_live_in_handler_name() -> None:
    sub = StreamInfo(
        index=2, kind="subtitle", codec="mov_text", language="rus", default=True, handler_name="Русский"
    )
    want = Expectation(subtitles=(ExpectedSubtitle("rus", "Русский", True),), title_tag="handler_name")
    assert compare(MediaInfo(Path("o.mp4"), "mov", 1, 0, None, (sub,)), want) == []


@pytest.mark.media
def test_verify_output_raises_with_the_final_name(tmp_path: Path) -> None:
    film = make_film(tmp_path / "f.mkv", duration_s=1, audio=None)
    assert count_subtitle_packets(film, []) == {}
    with pytest.raises(OutputVerificationError, match="0 subtitle streams, expected 2") as err:
        verify_output(film, GOOD, shown_as=tmp_path / "final.mkv")
    assert err.value.path == tmp_path / "final.mkv"
    ok = Expectation(subtitles=(), video_codecs=("h264",), min_duration_ms=900, max_duration_ms=1100)
    assert verify_output(film, ok).video[0].codec == "h264"
