"""HLS building blocks: the ladder, the one-decode command, WebVTT segments, the master
playlist, and the read-back check catching what a player would trip on."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import m3u8
import pytest

from media import hls as H
from media.hls_check import ExpectedHls, ExpectedSubtitles, check_master
from pipeline.hls import HlsOptions, HlsReport, hls
from pipeline.mux import SubtitleSpec
from subtitles.language import Language
from subtitles.model import Cue, Track
from tests.mediagen import make_film, write_srt


def test_ladder_keeps_only_heights_at_or_below_the_source_with_even_sizes() -> None:
    rungs = H.plan_renditions(1920, 1080, (2160, 1080, 720, 480, 360))
    assert [(r.width, r.height) for r in rungs] == [(1920, 1080), (1280, 720), (854, 480), (640, 360)]
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in rungs)
    # Anamorphic 720x576 at 16:15 SAR shows as 768x576: square pixels out.
    (sd,) = H.plan_renditions(720, 576, (576,), source_sar=Fraction(16, 15))
    assert (sd.width, sd.height) == (768, 576)
    assert H.plan_renditions(320, 180, (720, 480)) == ()


def test_command_decodes_once_and_aligns_keyframes(tmp_path: Path) -> None:
    spec = H.LadderSpec(
        renditions=H.plan_renditions(1280, 720, (720, 360)), segment_s=4, frame_rate=Fraction(24000, 1001),
        audio=True,
    )  # fmt: skip
    folder = tmp_path / "50% [done], 'x'"
    args = H.ladder_command(tmp_path / "film.mp4", spec, folder)
    assert args.count("-i") == 1
    graph = args[args.index("-filter_complex") + 1]
    assert "split=2" in graph and graph.count("scale=") == 2
    assert spec.gop == 96  # 4 s at 23.976 fps, the same for every rung
    assert [args[i + 1] for i, a in enumerate(args) if a == "-g"] == ["96", "96"]
    assert [args[i + 1] for i, a in enumerate(args) if a == "-sc_threshold"] == ["0", "0"]
    assert [args[i + 1] for i, a in enumerate(args) if a == "-force_key_frames"] == [
        "expr:gte(t,n_forced*4)"
    ] * 2
    # One timestamp shift for every output (video, video, audio): they stay in sync.
    assert [args[i + 1] for i, a in enumerate(args) if a == "-output_ts_offset"] == [str(H.TS_OFFSET_S)] * 3
    assert [args[i + 1] for i, a in enumerate(args) if a == "-muxdelay"] == ["0"] * 3
    patterns = [args[i + 1] for i, a in enumerate(args) if a == "-hls_segment_filename"]
    assert patterns[0].endswith("50%% [done], 'x'/video_720p_%05d.ts")  # a literal % doubled


def _cues(*spans: tuple[int, int]) -> list[Cue]:
    return [Cue(start=a, end=b, text=f"c{a}") for a, b in spans]


def test_cues_go_to_every_segment_they_touch() -> None:
    windows = H.segment_windows([2.0, 2.0, 1.5])
    assert windows == [(0, 2000), (2000, 4000), (4000, 5500)]
    cues = _cues((500, 1500), (1800, 2300), (4000, 4100), (6000, 6500))
    picked = [
        [c.start for c in H.cues_in_window(cues, a, b, last=n == 2)] for n, (a, b) in enumerate(windows)
    ]
    assert picked == [[500, 1800], [1800], [4000, 6000]]  # a cue past the end goes to the last


def test_webvtt_segment_has_the_timestamp_map_in_its_header() -> None:
    track = Track(language=Language.parse("pl"))
    text = H.webvtt_segment(track, [Cue(start=1000, end=2000, text=r"{\i1}Żółć{\i0} & co")], 900000)
    head, _, body = text.partition("\n\n")
    assert head.splitlines() == ["WEBVTT", "X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000"]
    assert "00:00:01.000 --> 00:00:02.000" in body and "<i>Żółć</i> &amp; co" in body


def test_master_playlist_follows_rfc_8216() -> None:
    variants = [H.Variant("v.m3u8", 900_000, 600_000, 1280, 720, Fraction(25), "avc1.64001f")]
    audio = H.AudioRendition(Language.parse("ru"), "Русский", "audio.m3u8", 2)
    subs = [
        H.SubtitleRendition(Language.parse("ru"), "Русский", "ru.m3u8"),
        H.SubtitleRendition(Language.parse("pl"), "Polski", "pl.m3u8", default=True, autoselect=False),
        H.SubtitleRendition(Language.parse("en"), "English (SDH)", "en.m3u8", sdh=True),
        H.SubtitleRendition(Language.parse("ru"), 'Русский "(Forced)"', "f.m3u8", forced=True),
    ]
    text = H.master_playlist(variants, audio, subs)
    parsed = m3u8.loads(text)
    media = {m.uri: m for m in parsed.media}
    assert media["pl.m3u8"].default == "YES" and media["pl.m3u8"].autoselect == "YES"  # AUTOSELECT forced on
    assert media["f.m3u8"].forced == "YES" and media["audio.m3u8"].forced is None
    assert media["f.m3u8"].name == "Русский '(Forced)'"  # no double quote inside a quoted-string
    assert "public.accessibility.describes-music-and-sound" in (media["en.m3u8"].characteristics or "")
    assert {m.group_id for m in parsed.media if m.type == "SUBTITLES"} == {H.SUBTITLE_GROUP}
    info = parsed.playlists[0].stream_info
    assert (info.resolution, info.audio, info.subtitles, info.closed_captions) == (
        (1280, 720),
        "aud",
        "subs",
        "NONE",
    )
    assert info.codecs == "avc1.64001f,mp4a.40.2" and info.average_bandwidth == 600_000


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> HlsReport:
    root = tmp_path_factory.mktemp("hls")
    film = make_film(root / "film.mp4", duration_s=5, size=(320, 180), fps=25)
    sub = write_srt(
        root / "film.pl.srt", [(500, 1500, "Raz"), (1800, 2600, "Dwa — żółć"), (4200, 4800, "Trzy")]
    )
    return hls(HlsOptions(film, (SubtitleSpec(sub),), root / "out", heights=(180, 90), segment_s=2))


def _expected(report: HlsReport) -> ExpectedHls:
    cues = ((500, 1500, "Raz"), (1800, 2600, "Dwa — żółć"), (4200, 4800, "Trzy"))
    assert report.mpegts is not None
    return ExpectedHls(
        sizes=((320, 180), (160, 90)), audio=True,
        subtitles=(ExpectedSubtitles("pl", "Polski", False, True, False, cues),),
        duration_ms=5000, frame_ms=Fraction(40), mpegts=report.mpegts, segment_s=2,
    )  # fmt: skip


@pytest.mark.media
def test_a_packaged_folder_checks_clean_and_each_damage_is_named(packaged: HlsReport, tmp_path: Path) -> None:
    assert check_master(packaged.out_dir, H.MASTER_NAME, _expected(packaged)) == []
    assert packaged.mpegts == H.TS_OFFSET_S * H.TS_HZ  # measured: the first frame at the offset

    def damaged(change: str) -> list[str]:
        copy = tmp_path / change
        shutil.copytree(packaged.out_dir, copy)
        if change == "segment":
            (copy / "video_90p_00001.ts").unlink()
        elif change == "map":
            seg = copy / "subs_pl_00001.vtt"
            seg.write_text(
                seg.read_text(encoding="utf-8").replace("MPEGTS:900000", "MPEGTS:126000"), encoding="utf-8"
            )
        elif change == "cue":
            seg = copy / "subs_pl_00001.vtt"
            seg.write_text(seg.read_text(encoding="utf-8").replace("Dwa", "Dwie"), encoding="utf-8")
        elif change == "captions":
            master = copy / H.MASTER_NAME
            master.write_text(
                master.read_text(encoding="utf-8").replace(",CLOSED-CAPTIONS=NONE", ""), encoding="utf-8"
            )
        return check_master(copy, H.MASTER_NAME, _expected(packaged))

    assert any("video_90p_00001.ts missing" in p for p in damaged("segment"))
    assert any("X-TIMESTAMP-MAP 'MPEGTS:126000" in p for p in damaged("map"))
    assert any("Dwie" in p for p in damaged("cue"))
    assert any("CLOSED-CAPTIONS=NONE" in p for p in damaged("captions"))


@pytest.mark.media
def test_segments_start_on_keyframes_at_the_same_pts_in_every_rung(packaged: HlsReport) -> None:
    folder = packaged.out_dir
    per_rung = []
    for rung in packaged.renditions:
        playlist = m3u8.load(str(folder / rung.playlist))
        starts = [H.probe_segment_start(folder / s.uri) for s in playlist.segments]
        assert all(s.keyframe for s in starts)
        per_rung.append([s.start_pts for s in starts])
    assert per_rung[0] == per_rung[1]
    assert per_rung[0] == [900000 + n * 2 * 90000 for n in range(len(per_rung[0]))]
