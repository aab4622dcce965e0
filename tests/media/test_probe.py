"""Probing: generated films with exact rates, both back-ends, captured ffprobe JSON, corpus files."""

from __future__ import annotations

import dataclasses
import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media.ffmpeg import find_ffmpeg, find_ffprobe
from media.probe import (
    MediaInfo,
    StreamInfo,
    choose_frame_rate,
    parse_ffprobe_json,
    parse_mkv_duration_tag,
    probe,
    probe_pyav,
)
from subtitles.errors import FrameRateRequired, InputError
from tests.mediagen import make_audio, make_film

pytestmark = pytest.mark.media

# Real `ffprobe -v error -print_format json -show_format -show_streams` output (ffprobe 8.0),
# trimmed of fields subpipe does not read. Popeye: HEVC 30000/1001 + VobSub in Matroska,
# where stream durations exist only as the DURATION statistics tag (video) or duration_ts.
POPEYE_JSON = """{"streams": [{"index": 0, "codec_name": "hevc", "codec_type": "video", "width": 720,
"height": 478, "r_frame_rate": "30000/1001", "avg_frame_rate": "30000/1001", "time_base": "1/1000",
"start_pts": 0, "start_time": "0.000000", "disposition": {"default": 1, "forced": 0, "attached_pic": 0},
"tags": {"DURATION": "00:01:00.060000000"}},
{"index": 1, "codec_name": "dvd_subtitle", "codec_type": "subtitle", "width": 720, "height": 480,
"r_frame_rate": "0/0", "avg_frame_rate": "0/0", "time_base": "1/1000", "start_pts": 0, "duration_ts": 64988,
"duration": "64.988000", "disposition": {"default": 0, "forced": 0, "attached_pic": 0},
"tags": {"language": "eng", "DURATION": "00:01:04.988000000"}}], "format": {"filename":
"showorder_popeye_T00-1_vobsub.mkv", "nb_streams": 2, "format_name": "matroska,webm",
"start_time": "0.000000", "duration": "64.988000"}}"""

# SubtitleEdit's sample_MP4_SRT.mp4: audio first, an `und` mov_text track, generic handler names.
MP4_SRT_JSON = """{"streams": [{"index": 0, "codec_name": "aac", "codec_type": "audio", "sample_rate":
"32000", "channels": 2, "channel_layout": "stereo", "r_frame_rate": "0/0", "avg_frame_rate": "0/0",
"time_base": "1/32000", "start_time": "0.000000", "duration_ts": 158933, "duration": "4.966656",
"disposition": {"default": 1, "forced": 0, "attached_pic": 0}, "tags": {"language": "eng",
"handler_name": "Apple Sound Media Handler"}}, {"index": 1, "codec_name": "mpeg4", "codec_type": "video",
"width": 190, "height": 240, "r_frame_rate": "30/1", "avg_frame_rate": "30/1", "time_base": "1/30",
"start_time": "0.000000", "duration_ts": 149, "duration": "4.966667", "disposition": {"default": 1,
"forced": 0, "attached_pic": 0}, "tags": {"language": "eng", "handler_name": "Apple Video Media Handler"}},
{"index": 2, "codec_name": "mov_text", "codec_type": "subtitle", "width": 190, "height": 240,
"r_frame_rate": "0/0", "avg_frame_rate": "0/0", "time_base": "1/1000", "start_time": "0.000000",
"duration_ts": 5024, "duration": "5.024000", "disposition": {"default": 1, "forced": 0, "attached_pic": 0},
"tags": {"language": "und", "handler_name": "*srt@GPAC0.5.1-DEV-rev5456"}}], "format": {"filename":
"sample_MP4_SRT.mp4", "nb_streams": 3, "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "start_time":
"0.000000", "duration": "5.024000"}}"""

# An MKV with Opus audio: ffprobe reports the Opus pre-skip as a negative start (-7 ms).
OPUS_MKV_JSON = """{"streams": [{"index": 0, "codec_name": "h264", "codec_type": "video", "width": 160,
"height": 90, "r_frame_rate": "30000/1001", "avg_frame_rate": "30000/1001", "time_base": "1/1000",
"start_time": "0.000000", "disposition": {"default": 0, "forced": 0, "attached_pic": 0}, "tags":
{"DURATION": "00:00:02.002000000"}}, {"index": 1, "codec_name": "opus", "codec_type": "audio",
"sample_rate": "48000", "channels": 2, "channel_layout": "stereo", "r_frame_rate": "0/0",
"avg_frame_rate": "0/0", "time_base": "1/1000", "start_time": "-0.007000", "disposition": {"default": 0,
"forced": 0, "attached_pic": 0}, "tags": {"DURATION": "00:00:02.008000000"}}], "format": {"filename":
"f2.mkv", "nb_streams": 2, "format_name": "matroska,webm", "start_time": "-0.007000", "duration":
"2.008000"}}"""


# -- captured ffprobe JSON --------------------------------------------------------------------


def test_ffprobe_json_bitmap_mkv() -> None:
    info = parse_ffprobe_json(json.loads(POPEYE_JSON), "popeye.mkv")
    assert info == MediaInfo(
        path=Path("popeye.mkv"),
        format_name="matroska,webm",
        duration_ms=64988,
        start_ms=0,
        frame_rate=Fraction(30000, 1001),
        streams=(
            StreamInfo(
                index=0, kind="video", codec="hevc", default=True, width=720, height=478,
                frame_rate=Fraction(30000, 1001), duration_ms=60060, start_ms=0,
            ),
            StreamInfo(
                index=1, kind="subtitle", codec="dvd_subtitle", language="eng", default=False,
                duration_ms=64988, start_ms=0, is_bitmap=True,
            ),
        ),
    )  # fmt: skip
    assert info.backend == "ffprobe"
    assert [s.index for s in info.video] == [0] and info.audio == ()
    assert info.video_start_ms == 0 and not info.variable_frame_rate


def test_ffprobe_json_mp4_with_und_text_track() -> None:
    info = parse_ffprobe_json(json.loads(MP4_SRT_JSON), "s.mp4")
    audio, video, text = info.streams
    assert (audio.kind, audio.codec, audio.channels, audio.sample_rate) == ("audio", "aac", 2, 32000)
    assert audio.duration_ms == 4967  # 158933 / 32000 s, rounded to the ms
    assert audio.frame_rate is None and audio.width is None
    assert (video.codec, video.frame_rate, video.width, video.height) == ("mpeg4", Fraction(30), 190, 240)
    assert video.channels is None
    assert (text.codec, text.language, text.title, text.is_bitmap) == ("mov_text", "und", None, False)
    assert text.handler_name == "*srt@GPAC0.5.1-DEV-rev5456"
    assert text.width is None  # subtitle canvas sizes are not film sizes
    assert info.frame_rate == 30 and info.duration_ms == 5024


def test_ffprobe_json_negative_start_and_missing_fields() -> None:
    info = parse_ffprobe_json(json.loads(OPUS_MKV_JSON), "f2.mkv")
    assert info.start_ms == -7
    assert info.streams[1].duration_ms == 2008  # from the DURATION tag
    bare = parse_ffprobe_json({"format": {"format_name": "srt"}, "streams": [{"index": 0}]}, "x.srt")
    assert bare.duration_ms is None and bare.start_ms == 0 and bare.frame_rate is None
    assert bare.streams[0].kind == "data" and bare.streams[0].codec == "unknown"


# -- pure helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("r", "avg", "expected"),
    [
        (Fraction(24000, 1001), Fraction(24000, 1001), Fraction(24000, 1001)),
        (Fraction(24000, 1001), Fraction(2997, 125), Fraction(24000, 1001)),  # rounded average
        (Fraction(50), Fraction(25), Fraction(25)),  # field rate vs frame rate
        (Fraction(90000), Fraction(23976, 1000), Fraction(24000, 1001)),  # VFR timebase guess
        (None, Fraction(30000, 1001), Fraction(30000, 1001)),
        (Fraction(25), None, Fraction(25)),
        (Fraction(0), Fraction(0), None),
        (None, Fraction(1234, 100), Fraction(1234, 100)),  # no standard rate near: kept exact
    ],
)
def test_choose_frame_rate(r: Fraction | None, avg: Fraction | None, expected: Fraction | None) -> None:
    assert choose_frame_rate(r, avg) == expected


@given(st.fractions(min_value=Fraction(1, 10), max_value=Fraction(300)))
def test_choose_frame_rate_agreeing_rates_give_the_base_rate(rate: Fraction) -> None:
    assert choose_frame_rate(rate, rate) == rate
    assert choose_frame_rate(None, None) is None


def test_mkv_duration_tag() -> None:
    assert parse_mkv_duration_tag("00:00:04.934000000") == 4934
    assert parse_mkv_duration_tag("01:02:03.0005") == 3723001
    assert parse_mkv_duration_tag("00:00:02") == 2000
    assert parse_mkv_duration_tag("garbage") is None
    assert parse_mkv_duration_tag(None) is None


# -- generated films (PyAV back-end, always) -----------------------------------------------------


@pytest.mark.parametrize(
    ("fps", "suffix"),
    [(Fraction(25), ".mp4"), (Fraction(24000, 1001), ".mkv"), (Fraction(30000, 1001), ".mp4")],
)
def test_exact_frame_rate(tmp_path: Path, fps: Fraction, suffix: str) -> None:
    film = make_film(tmp_path / f"f{suffix}", duration_s=1, fps=fps, audio_codec="aac")
    info = probe_pyav(film)
    assert info.frame_rate == fps and not info.variable_frame_rate
    assert info.exact_frame_rate() == fps
    assert type(info.frame_rate) is Fraction
    assert info.video[0].frame_rate == fps
    assert (info.video[0].width, info.video[0].height) == (160, 90)
    assert info.duration_ms is not None and abs(info.duration_ms - 1000) <= 60


def test_film_stream_details(film_mp4: Path) -> None:
    info = probe(film_mp4)
    assert info.format_name.startswith("mov,mp4")
    assert [s.kind for s in info.streams] == ["video", "audio"]
    video, audio = info.streams
    assert video.codec == "h264" and video.default
    assert (audio.codec, audio.language, audio.channels, audio.sample_rate) == ("aac", "rus", 1, 48000)
    assert info.frame_rate == Fraction(24000, 1001)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_non_zero_start_time(tmp_path: Path, suffix: str) -> None:
    film = make_film(tmp_path / f"late{suffix}", duration_s=1, start_time_s=5, audio_codec="aac")
    info = probe(film)
    # AAC priming moves the first audio packet ~21 ms before the requested offset.
    assert 4950 <= info.start_ms <= 5000
    assert info.frame_rate == 25


def test_audio_only_file(tmp_path: Path) -> None:
    info = probe(make_audio(tmp_path / "a.m4a", duration_s=1, channels=2, sample_rate=44100))
    assert info.video == () and info.frame_rate is None
    (audio,) = info.streams
    assert (audio.kind, audio.channels, audio.sample_rate) == ("audio", 2, 44100)


def test_film_without_audio(tmp_path: Path) -> None:
    info = probe(make_film(tmp_path / "mute.mp4", duration_s=1, audio=None))
    assert info.audio == () and len(info.video) == 1 and info.frame_rate == 25


def test_json_form_is_serialisable(film_mp4: Path) -> None:
    data = json.loads(json.dumps(probe(film_mp4).to_json()))
    assert data["frame_rate"] == "24000/1001"
    assert data["streams"][1]["language"] == "rus"
    assert data["streams"][0]["frame_rate"] == "24000/1001"


# -- unreadable inputs ------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found") as err:
        probe(tmp_path / "nope.mp4")
    assert err.value.path == tmp_path / "nope.mp4"


@pytest.mark.parametrize("content", [b"", b"this is not a film\n" * 20, bytes(range(256)) * 64])
def test_not_a_media_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(InputError, match="not a media file") as err:
        probe(bad)
    assert str(err.value).startswith(f"{bad}: ")


def test_directory_and_fifo_are_refused_without_blocking(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        probe(tmp_path)
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        probe(fifo)  # opening a FIFO with no writer would block forever


# -- both back-ends agree, and ffprobe is the chosen ffmpeg's own ---------------------------------


def _agree(a: MediaInfo, b: MediaInfo, film: Path) -> None:
    """Equal but for where the audio's encoder priming starts: libavformat 59 (ffmpeg 5.1)
    shows Matroska's AAC/Opus priming as an earlier audio and container start, 60+ hides
    it (at most one 1024-sample frame: 21 ms at 48 kHz). The first frame never differs."""
    assert abs(a.start_ms - b.start_ms) <= 22, film
    assert a.video_start_ms == b.video_start_ms, film
    for x, y in zip(a.streams, b.streams, strict=True):
        if x.kind == "audio" and x.start_ms is not None and y.start_ms is not None:
            assert abs(x.start_ms - y.start_ms) <= 22, film
            y = dataclasses.replace(y, start_ms=x.start_ms)
        assert x == y, film
    rest_a, rest_b = (dataclasses.replace(i, start_ms=0, streams=()) for i in (a, b))
    assert rest_a == rest_b, film


def test_ffprobe_and_pyav_agree(tmp_path: Path, film_mp4: Path, film_mkv: Path) -> None:
    ffprobe = find_ffprobe()
    if ffprobe is None:
        pytest.skip(f"no ffprobe beside {find_ffmpeg().path}: only the PyAV back-end can run here")
    late = make_film(tmp_path / "late.mp4", duration_s=1, start_time_s=3, audio=None)
    opus = make_film(tmp_path / "late.mkv", duration_s=1, start_time_s=3, audio_codec="libopus")
    for film in (film_mp4, film_mkv, late, opus):
        a, b = probe(film, backend="pyav"), probe(film, backend="ffprobe")
        assert (a.backend, b.backend) == ("pyav", "ffprobe")
        _agree(a, b, film)
    # An MP4 exported to start at 3 s: 1 s of picture, not the 4 s ffprobe 5.1's format reads.
    info = probe(late)
    assert (info.start_ms, info.video_start_ms, info.duration_ms) == (3000, 3000, 1000)


@pytest.fixture
def fresh_discovery(monkeypatch: pytest.MonkeyPatch) -> object:
    """Binary discovery is cached per process: forget it before and after the test."""
    for name in ("SUBPIPE_FFMPEG", "SUBPIPE_FFPROBE"):
        monkeypatch.delenv(name, raising=False)
    find_ffmpeg.cache_clear()
    find_ffprobe.cache_clear()
    yield
    find_ffmpeg.cache_clear()
    find_ffprobe.cache_clear()


def _fake_tool(folder: Path, name: str, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / name
    tool.write_text(f"#!/bin/sh\necho '{name} version {version} Copyright (c) the FFmpeg developers'\n")
    tool.chmod(0o755)
    return tool


@pytest.mark.usefixtures("fresh_discovery")
def test_ffprobe_comes_from_the_chosen_ffmpegs_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ffmpeg = _fake_tool(tmp_path / "a", "ffmpeg", "7.1-test")
    same = _fake_tool(tmp_path / "a", "ffprobe", "7.1-test")
    monkeypatch.setenv("SUBPIPE_FFMPEG", str(ffmpeg))
    assert find_ffmpeg().path == ffmpeg and find_ffprobe() == same
    # another build's ffprobe beside it, or named explicitly, is never used: PyAV probes
    _fake_tool(tmp_path / "a", "ffprobe", "5.1-other")
    other = _fake_tool(tmp_path / "b", "ffprobe", "6.0-other")
    monkeypatch.setenv("SUBPIPE_FFPROBE", str(other))
    find_ffprobe.cache_clear()
    assert find_ffprobe() is None
    assert "6.0-other" in caplog.text and "5.1-other" in caplog.text
    # a same-build ffprobe named explicitly is used
    monkeypatch.setenv("SUBPIPE_FFPROBE", str(_fake_tool(tmp_path / "c", "ffprobe", "7.1-test")))
    find_ffprobe.cache_clear()
    assert find_ffprobe() == tmp_path / "c" / "ffprobe"


@pytest.mark.usefixtures("fresh_discovery")
def test_an_ffmpeg_without_its_ffprobe_probes_with_pyav(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, film_mp4: Path
) -> None:
    """The bundled static ffmpeg has no ffprobe: an ffprobe on PATH (Debian's 5.1 beside a
    bundled 9.x) must not stand in for it."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    bundled = Path(imageio_ffmpeg.get_ffmpeg_exe())
    assert not (bundled.parent / "ffprobe").exists()
    monkeypatch.setenv("SUBPIPE_FFMPEG", str(bundled))
    on_path = _fake_tool(tmp_path / "path", "ffprobe", "0.1")
    monkeypatch.setenv("PATH", f"{on_path.parent}:{os.environ['PATH']}")
    assert find_ffmpeg().path == bundled and find_ffprobe() is None
    assert probe(film_mp4).backend == "pyav"


# -- variable frame rate ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_variable_frame_rate_is_detected(tmp_path: Path, suffix: str) -> None:
    """One second at 25 fps, then frames 80 ms apart: libavformat reports a rate (25 for
    Matroska, 1875/124 for MP4) that no stretch of the film has."""
    film = make_film(
        tmp_path / f"vfr{suffix}", duration_s=3, fps=25, audio=None,
        extra_args=["-vf", r"setpts=if(lt(N\,25)\,N\,25+(N-25)*2)/25/TB", "-fps_mode", "vfr"],
    )  # fmt: skip
    info = probe(film)
    assert info.variable_frame_rate and info.video[0].variable_frame_rate
    assert info.to_json()["variable_frame_rate"] is True
    with pytest.raises(FrameRateRequired, match="variable frame rate"):
        info.exact_frame_rate()
    assert probe(film, backend="pyav").variable_frame_rate


def test_constant_rates_are_not_variable(tmp_path: Path, film_mp4: Path, film_mkv: Path) -> None:
    """Matroska's 1 ms clock gives 23.976 fps as 41/42 ms frames: still constant."""
    mkv = make_film(tmp_path / "ntsc.mkv", duration_s=4, fps=Fraction(24000, 1001), audio=None)
    for film in (film_mp4, film_mkv, mkv):
        info = probe(film)
        assert not info.variable_frame_rate, film
        assert info.exact_frame_rate() == info.frame_rate


# -- the shared corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
def test_corpus_subtitleedit_containers(corpus: Path) -> None:
    folder = corpus / "subtitleedit"
    mkv = probe(folder / "sample_MKV_SRT.mkv")
    assert [(s.kind, s.codec) for s in mkv.streams] == [("video", "mpeg4"), ("subtitle", "subrip")]
    assert mkv.subtitles[0].language is None  # no language element at all
    assert mkv.frame_rate == 15 and mkv.subtitles[0].duration_ms == 4024
    mp4 = probe(folder / "sample_MP4_SRT.mp4")
    assert [(s.kind, s.codec) for s in mp4.streams] == [
        ("audio", "aac"),
        ("video", "mpeg4"),
        ("subtitle", "mov_text"),
    ]
    assert mp4.subtitles[0].language == "und" and mp4.frame_rate == 30
    bare = probe(folder / "seconv-container_text_undeclared_lang.mkv")
    assert bare.video == () and bare.frame_rate is None and bare.subtitles[0].codec == "subrip"
    assert bare.duration_ms == 12000


@pytest.mark.corpus
def test_corpus_video_without_audio(corpus: Path) -> None:
    info = probe(corpus / "gaupol" / "video.mp4")
    assert info.audio == () and info.frame_rate == 25 and info.duration_ms == 36000
    assert (info.video[0].width, info.video[0].height) == (720, 480)


@pytest.mark.corpus
def test_corpus_bitmap_subtitles(corpus: Path) -> None:
    info = probe(corpus / "popeye_bitmap_subs" / "showorder_popeye_T00-1_vobsub.mkv")
    (sub,) = info.subtitles
    assert sub.is_bitmap and sub.codec == "dvd_subtitle" and sub.language == "eng" and not sub.default
    assert info.frame_rate == Fraction(30000, 1001) and info.video[0].codec == "hevc"
    # the captured ffprobe JSON of this very file gives the same answer as PyAV
    assert parse_ffprobe_json(json.loads(POPEYE_JSON), info.path) == info


@pytest.mark.corpus
def test_corpus_friday(corpus: Path) -> None:
    info = probe(corpus / "mdn_friday" / "friday.mp4")
    assert [s.kind for s in info.streams] == ["audio", "video"]
    assert info.frame_rate == 30 and info.duration_ms == 6166
    assert (info.audio[0].channels, info.audio[0].sample_rate) == (2, 44100)
