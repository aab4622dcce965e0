"""Muxing subtitle tracks: languages, titles, dispositions, the ffmpeg traps, atomicity."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from media.mux import SubtitleStream, container_for, expectation_for, mux, mux_command
from media.probe import probe
from media.progress import Progress
from media.runner import ffmpeg
from media.verify import Expectation
from subtitles.atomic import MARKER
from subtitles.errors import InputError, OutputVerificationError, ToolError, UsageError
from subtitles.language import Language
from tests.mediagen import make_film, write_srt

pytestmark = pytest.mark.media

LANGS = ("ru", "en", "pl")


def _streams(tri_subs: dict[str, Path]) -> list[SubtitleStream]:
    return [SubtitleStream(tri_subs[c], Language.parse(c), cues=2, end_ms=1800) for c in LANGS]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if MARKER in p.name)


def _first_cue_ms(path: Path, stream_index: int) -> int:
    """When the first cue shows, counted from the first video frame: what a viewer sees.

    Not the raw packet time: ffmpeg 5.1 shifts a whole Matroska output by the AAC priming
    (picture and cues alike, +21 ms), 6.0 and later keep the priming as a negative start.
    """
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.start_time is not None and video.time_base is not None
        first_frame = video.start_time * video.time_base
        stream = container.streams[stream_index]
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size > 2:
                assert packet.time_base is not None
                return round((packet.pts * packet.time_base - first_frame) * 1000)
    raise AssertionError("no subtitle packet")


def test_mkv_three_tracks(tmp_path: Path, film_mp4: Path, tri_subs: dict[str, Path]) -> None:
    out = tmp_path / "out.mkv"
    blocks: list[Progress] = []
    result = mux(film_mp4, _streams(tri_subs), out, on_progress=lambda b, _d: blocks.append(b))
    assert result.output == out and out.is_file() and result.container == "matroska"
    info = probe(out)
    subs = info.subtitles
    assert [s.language for s in subs] == ["rus", "eng", "pol"]
    assert [s.title for s in subs] == ["Русский", "English", "Polski"]
    assert [s.default for s in subs] == [True, False, False]
    assert {s.codec for s in subs} == {"subrip"}
    assert [s.codec for s in info.video] == ["h264"] and [s.codec for s in info.audio] == ["aac"]
    assert info.audio[0].language == "rus"  # the film's own tags are kept
    assert _first_cue_ms(out, subs[0].index) == 200
    assert blocks and blocks[-1].done
    assert _leftovers(tmp_path) == []


def test_mp4_three_tracks(tmp_path: Path, film_mp4: Path, tri_subs: dict[str, Path]) -> None:
    out = tmp_path / "out.mp4"
    result = mux(film_mp4, _streams(tri_subs), out)
    subs = result.info.subtitles
    assert result.info.path == out
    assert [s.codec for s in subs] == ["mov_text"] * 3
    assert [s.language for s in subs] == ["rus", "eng", "pol"]
    assert [s.handler_name for s in subs] == ["Русский", "English", "Polski"]  # MP4's track name
    assert [s.default for s in subs] == [True, False, False]
    assert _first_cue_ms(out, subs[2].index) == 200


def test_ass_stays_ass_in_mkv(tmp_path: Path, film_mkv: Path) -> None:
    ass = tmp_path / "styled.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 160\nPlayResY: 90\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Default,DejaVu Sans,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,"
        "0,0,1,1,0,2,10,10,10,1\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:00.50,0:00:01.50,Default,,0,0,0,,{\\i1}Cześć{\\i0}\n",
        encoding="utf-8",
    )
    result = mux(
        film_mkv, [SubtitleStream(ass, Language.parse("pl"), cues=1, end_ms=1500)], tmp_path / "o.mkv"
    )
    (sub,) = result.info.subtitles
    assert (sub.codec, sub.language, sub.title, sub.default) == ("ass", "pol", "Polski", True)


def test_command_sets_every_disposition_explicitly(tri_subs: dict[str, Path]) -> None:
    args = mux_command(Path("f.mp4"), _streams(tri_subs), Path("o.mkv"), "matroska")
    assert args[args.index("-disposition:s:0") + 1] == "default"
    assert args[args.index("-disposition:s:1") + 1] == "0"
    assert args[args.index("-disposition:s:2") + 1] == "0"
    assert "language=rus" in args and "language=ru" not in args
    assert args[args.index("-c:v") + 1] == "copy" and args[args.index("-c:a") + 1] == "copy"
    forced = SubtitleStream(tri_subs["pl"], Language.parse("pl"), forced=True)
    args = mux_command(Path("f.mp4"), [forced], Path("o.mp4"), "mp4")
    assert args[args.index("-disposition:s:0") + 1] == "default+forced"
    assert "handler_name=Polski" in args and args[args.index("-c:s:0") + 1] == "mov_text"


def test_container_from_suffix() -> None:
    assert container_for("a.MKV") == "matroska" and container_for("a.mp4") == "mp4"
    with pytest.raises(UsageError, match=r"\.mkv or \.mp4"):
        container_for("a.avi")


# -- the traps, pinned on raw ffmpeg (what our explicit options are there for) ---------------------


def _raw_mux(film: Path, subs: list[Path], out: Path, extra: list[str]) -> None:
    args = ["-i", str(film)]
    for s in subs:
        args += ["-i", str(s)]
    args += ["-map", "0:v", "-map", "0:a"] + [a for n in range(len(subs)) for a in ("-map", f"{n + 1}:0")]
    ffmpeg([*args, "-c:v", "copy", "-c:a", "copy", *extra, "-y", str(out)], timeout=60, what="raw mux")


def test_trap_mp4_drops_two_letter_language(
    tmp_path: Path, film_mp4: Path, tri_subs: dict[str, Path]
) -> None:
    out = tmp_path / "two.mp4"
    _raw_mux(film_mp4, [tri_subs["ru"]], out, ["-c:s", "mov_text", "-metadata:s:s:0", "language=ru"])
    assert probe(out).subtitles[0].language in (None, "und")


def test_trap_mp4_first_text_track_always_default(
    tmp_path: Path, film_mp4: Path, tri_subs: dict[str, Path]
) -> None:
    out = tmp_path / "nodefault.mp4"
    subs = [tri_subs["ru"], tri_subs["en"]]
    _raw_mux(film_mp4, subs, out, ["-c:s", "mov_text", "-disposition:s:0", "0", "-disposition:s:1", "0"])
    assert [s.default for s in probe(out).subtitles] == [True, False]


def test_trap_mkv_first_subtitle_default_without_dispositions(
    tmp_path: Path, film_mp4: Path, tri_subs: dict[str, Path]
) -> None:
    out = tmp_path / "implicit.mkv"
    _raw_mux(film_mp4, [tri_subs["ru"], tri_subs["en"]], out, ["-c:s", "srt"])
    assert [s.default for s in probe(out).subtitles] == [True, False]


def test_trap_mp4_keeps_no_track_title(tmp_path: Path, film_mp4: Path, tri_subs: dict[str, Path]) -> None:
    out = tmp_path / "title.mp4"
    _raw_mux(film_mp4, [tri_subs["ru"]], out, ["-c:s", "mov_text", "-metadata:s:s:0", "title=Русский"])
    assert probe(out).subtitles[0].title is None


# -- failures leave nothing behind -------------------------------------------------------------------


def test_ffmpeg_failure_leaves_no_output(tmp_path: Path, film_mp4: Path) -> None:
    garbage = tmp_path / "garbage.srt"
    garbage.write_bytes(b"\x00\xff" * 500)
    out = tmp_path / "out.mkv"
    with pytest.raises(ToolError) as err:
        mux(film_mp4, [SubtitleStream(garbage, Language.parse("ru"))], out)
    assert err.value.stderr_tail and err.value.returncode not in (None, 0)
    assert not out.exists() and _leftovers(tmp_path) == []


def test_verification_failure_leaves_no_output(
    tmp_path: Path, film_mp4: Path, tri_subs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import media.mux

    def wrong(*args: object, **kwargs: object) -> Expectation:
        real: Expectation = expectation_for(*args, **kwargs)  # type: ignore[arg-type]
        first = real.subtitles[0]
        return Expectation(
            subtitles=(type(first)("fre", first.title, True, codec=first.codec, cues=first.cues),),
            video_codecs=real.video_codecs,
            audio_codecs=real.audio_codecs,
        )

    monkeypatch.setattr(media.mux, "expectation_for", wrong)
    out = tmp_path / "out.mkv"
    with pytest.raises(OutputVerificationError, match="language 'rus', expected 'fre'") as err:
        mux(film_mp4, _streams(tri_subs)[:1], out)
    assert err.value.path == out
    assert not out.exists() and _leftovers(tmp_path) == []


def test_cue_count_is_verified(tmp_path: Path, film_mp4: Path, tri_subs: dict[str, Path]) -> None:
    claim = SubtitleStream(tri_subs["ru"], Language.parse("ru"), cues=3)
    with pytest.raises(OutputVerificationError, match="2 cues, expected 3"):
        mux(film_mp4, [claim], tmp_path / "o.mp4")
    assert _leftovers(tmp_path) == [] and not (tmp_path / "o.mp4").exists()


def test_output_must_not_be_an_input(film_mp4: Path, tri_subs: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="overwrite an input"):
        mux(film_mp4, _streams(tri_subs), film_mp4)
    protected = tri_subs["ru"].with_suffix(".mkv")
    with pytest.raises(InputError, match="overwrite an input"):
        mux(film_mp4, _streams(tri_subs), protected, protect=[protected])


def test_refuses_film_without_video(tmp_path: Path, tri_subs: dict[str, Path]) -> None:
    from tests.mediagen import make_audio

    audio = make_audio(tmp_path / "a.m4a", duration_s=1)
    with pytest.raises(InputError, match="no video"):
        mux(audio, _streams(tri_subs), tmp_path / "o.mkv")
    with pytest.raises(UsageError):
        mux(audio, [], tmp_path / "o.mkv")


@pytest.mark.parametrize(
    ("name", "codec"), [("late.mp4", "aac"), ("late.mkv", "aac"), ("late.mkv", "libopus"), ("late.ts", "aac")]
)
@pytest.mark.parametrize("out_name", ["o.mkv", "o.mp4"])
def test_late_starting_film_keeps_cues_relative_to_first_frame(
    tmp_path: Path, name: str, codec: str, out_name: str
) -> None:
    """The audio's priming starts these films 7-22 ms before their first frame, and each
    ffmpeg release re-bases them differently: the cue still shows 500 ms after the first
    frame, and the output starts near 0 (not at the film's 10 s)."""
    film = make_film(tmp_path / name, duration_s=2, start_time_s=10, audio_codec=codec)
    film_info = probe(film)
    assert film_info.video_start_ms is not None and film_info.video_start_ms >= 10_000  # TS adds 1.4 s
    srt = write_srt(tmp_path / "s.srt", [(500, 1500, "Тест")])
    out = tmp_path / out_name
    result = mux(film, [SubtitleStream(srt, Language.parse("ru"), cues=1, end_ms=1500)], out)
    assert _first_cue_ms(result.output, result.info.subtitles[0].index) == 500
    assert result.info.video_start_ms is not None and 0 <= result.info.video_start_ms <= 30
    assert result.info.duration_ms is not None and abs(result.info.duration_ms - 2000) <= 100


def test_film_without_audio_and_with_own_subtitles(tmp_path: Path, tri_subs: dict[str, Path]) -> None:
    silent = make_film(tmp_path / "silent.mp4", duration_s=1, audio=None)
    first = mux(silent, _streams(tri_subs)[:1], tmp_path / "first.mkv")
    assert first.info.audio == () and len(first.info.subtitles) == 1
    # Remuxing a film that already has subtitle tracks replaces them rather than stacking.
    again = mux(first.output, _streams(tri_subs)[1:], tmp_path / "again.mkv")
    assert [s.language for s in again.info.subtitles] == ["eng", "pol"]


def test_film_whose_bitmap_track_outlasts_the_video(
    tmp_path: Path, corpus: Path, tri_subs: dict[str, Path]
) -> None:
    """The Popeye MKV is 65 s by its VobSub track, 60 s by its video: only the video is
    copied, so the output is 60 s long and must still verify."""
    film = corpus / "popeye_bitmap_subs" / "showorder_popeye_T00-1_vobsub.mkv"
    out = tmp_path / "popeye.mkv"
    sub = SubtitleStream(tri_subs["ru"], Language.parse("ru"))
    mux(film, [sub], out)
    info = probe(out)
    assert [s.language for s in info.subtitles] == ["rus"]
    assert info.duration_ms is not None and info.duration_ms < 62_000
