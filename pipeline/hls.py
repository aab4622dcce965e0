"""The ``hls`` stage: a film and its subtitle uploads to a verified HLS folder.

One ffmpeg process decodes the film once and writes every video rung and the audio
rendition (``media.hls.ladder_command``). Then subpipe measures where the video segments
really start, cuts each subtitle track into WebVTT segments on the video's boundaries with
that ``X-TIMESTAMP-MAP``, writes the master playlist, reads everything back
(``media.hls_check``) and only then moves the folder into place: the work happens in a
temporary folder beside the target, so a failure or Ctrl-C leaves nothing under the final
name, and a previous HLS folder there is replaced only by a verified new one.

Subtitle defaults (RFC 8216): no track is ``DEFAULT=YES`` unless asked for
(``default=Language``); every full track is ``AUTOSELECT=YES`` so a player picks the one in
the viewer's language; a forced track (``film.ru.forced.srt``) is ``FORCED=YES``.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from media import hls as H
from media.hls_check import ExpectedHls, ExpectedSubtitles, check_master
from media.probe import MediaInfo, StreamInfo, probe
from media.progress import Progress, ProgressParser
from media.render import picture_length_ms
from media.runner import ffmpeg_streaming
from media.verify import ShownCue
from pipeline.mux import (
    DefaultChoice,
    LoadedTrack,
    SubtitleSpec,
    choose_default,
    ffmpeg_argv,
    load_tracks,
    showable,
)
from subtitles.atomic import temp_dir
from subtitles.errors import InputError, LanguageError, OutputError, OutputVerificationError, UsageError
from subtitles.language import Language

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HlsOptions:
    """Everything ``hls`` needs; shared by ``subpipe hls`` and job specs.

    ``heights`` empty: the standard ladder (1080/720/480/360) cut at the source height
    (the source height itself when it is below all of them). Heights above the source
    are dropped with a warning. ``default``: the subtitle language shown without the
    viewer choosing (``None``: none is; players still auto-select by language).
    """

    film: Path
    subtitles: tuple[SubtitleSpec, ...]
    out_dir: Path
    heights: tuple[int, ...] = ()
    segment_s: int = 6
    crf: int = 23
    preset: str = "veryfast"
    audio_bitrate_kbps: int = 128
    default: DefaultChoice = None
    fps: Fraction | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class HlsSubtitle:
    language: Language
    name: str
    playlist: str
    default: bool
    forced: bool
    sdh: bool
    cues: int
    source: Path

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language.bcp47,
            "name": self.name,
            "playlist": self.playlist,
            "default": self.default,
            "forced": self.forced,
            "sdh": self.sdh,
            "cues": self.cues,
            "source": str(self.source),
        }


@dataclass(frozen=True, slots=True)
class HlsReport:
    out_dir: Path
    master: Path
    film: Path
    renditions: tuple[H.Rendition, ...]
    audio: bool
    subtitles: tuple[HlsSubtitle, ...]
    segment_s: int
    command: tuple[str, ...]
    dry_run: bool = False
    segments: int = 0
    mpegts: int | None = None
    variants: tuple[H.Variant, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        bandwidth = {v.uri: (v.bandwidth, v.average_bandwidth, v.codecs) for v in self.variants}
        return {
            "out_dir": str(self.out_dir),
            "master": str(self.master),
            "film": str(self.film),
            "dry_run": self.dry_run,
            "verified": not self.dry_run,
            "segment_s": self.segment_s,
            "segments": self.segments,
            "timestamp_map_mpegts": self.mpegts,
            "video": [
                {
                    "width": r.width,
                    "height": r.height,
                    "playlist": r.playlist,
                    "bandwidth": bandwidth.get(r.playlist, (None,))[0],
                    "average_bandwidth": bandwidth.get(r.playlist, (None, None))[1],
                    "codecs": bandwidth.get(r.playlist, (None, None, None))[2],
                }
                for r in self.renditions
            ],
            "audio": H.AUDIO_PLAYLIST if self.audio else None,
            "subtitles": [s.to_json() for s in self.subtitles],
            "command": list(self.command),
        }


def _choose_heights(info: MediaInfo, video: StreamInfo, wanted: tuple[int, ...]) -> tuple[int, ...]:
    source = video.height or 0
    if wanted:
        above = [h for h in wanted if h > source]
        if above:
            log.warning("leaving out heights above the source's %dp: %s", source, ", ".join(map(str, above)))
        kept = tuple(h for h in wanted if h <= source)
        if not kept:
            raise UsageError(
                f"every --height is above the source's {source}p: nothing to encode", path=info.path
            )
        return kept
    return tuple(h for h in H.DEFAULT_HEIGHTS if h <= source) or (source,)


def _audio_rendition(info: MediaInfo) -> tuple[StreamInfo | None, H.AudioRendition | None]:
    """The film's default (else first) audio stream, named by its language tag."""
    if not info.audio:
        return None, None
    stream = next((s for s in info.audio if s.default), info.audio[0])
    language = None
    if stream.language and stream.language.lower() not in ("und", "zxx", "mis", "mul"):
        with contextlib.suppress(LanguageError):
            language = Language.parse(stream.language)
    name = language.native_name if language is not None else (stream.title or "Original")
    channels = min(stream.channels or 2, 2)
    return stream, H.AudioRendition(language, name, H.AUDIO_PLAYLIST, channels)


def _cues_of(item: LoadedTrack) -> list[ShownCue]:
    track = showable(item.track)
    return sorted(((c.start, c.end, c.text) for c in track.cues), key=lambda c: (c[0], c[1]))


def _work_dir(out_dir: Path) -> Path:
    """A temporary folder beside the target, so the final move is a rename."""
    return temp_dir(out_dir)  # named for its run: a later run removes it if this one is killed


def _check_target(out_dir: Path) -> None:
    """The target must be new, empty, or an earlier HLS folder (it has our master)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError("exists and is not a folder", path=out_dir)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / H.MASTER_NAME).is_file():
        raise OutputError(
            f"folder is not empty and holds no {H.MASTER_NAME}: choose an empty or new folder", path=out_dir
        )


def _move_into_place(work: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``work`` with renames: the old folder goes only once the new is in."""
    old = None
    if out_dir.exists():
        old = temp_dir(out_dir)
        out_dir.replace(old / "hls")
    try:
        work.replace(out_dir)
    except OSError as exc:
        if old is not None:
            (old / "hls").replace(out_dir)
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=out_dir) from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _bandwidth(folder: Path, playlist: str) -> tuple[float, float]:
    """(peak, average) bit rate of a media playlist's segments, bits per second."""
    import m3u8

    parsed = m3u8.loads((folder / playlist).read_text(encoding="utf-8"))
    rates, bits, seconds = [], 0, 0.0
    for segment in parsed.segments:
        size = (folder / segment.uri).stat().st_size * 8
        duration = float(segment.duration) or 0.001
        rates.append(size / duration)
        bits += size
        seconds += duration
    return (max(rates, default=0.0), bits / seconds if seconds else 0.0)


def _durations(folder: Path, playlist: str) -> list[tuple[str, float]]:
    import m3u8

    parsed = m3u8.loads((folder / playlist).read_text(encoding="utf-8"))
    return [(s.uri, float(s.duration)) for s in parsed.segments]


def hls(
    options: HlsOptions, *, on_progress: Callable[[Progress, int | None], None] | None = None
) -> HlsReport:
    """Package ``options.film`` with its subtitles as HLS in ``options.out_dir``; verify; report.

    Raises ``InputError`` (missing or unreadable film or subtitle, unknown language,
    heights all above the source), ``OutputError`` (target not usable), ``ToolError``
    (ffmpeg failed) or ``OutputVerificationError`` (the result is wrong); on any failure
    the target is left as it was.
    """
    film, out_dir = Path(options.film), Path(options.out_dir)
    if options.segment_s < 1:
        raise UsageError("segment length must be at least 1 s")
    _check_target(out_dir)
    info = probe(film)
    if not info.video:
        raise InputError("has no video stream to package", path=film)
    video = next((s for s in info.video if s.default), info.video[0])
    if not video.width or not video.height:
        raise InputError("video size unknown", path=film)
    tracks = load_tracks(options.subtitles, film=film, fps=options.fps) if options.subtitles else []
    chosen = None if options.default is None else choose_default(tracks, options.default)
    rate = info.frame_rate or Fraction(25)
    if info.frame_rate is None:
        log.warning("%s: frame rate unknown; GOP sized for 25 fps", film)
    audio_stream, audio = _audio_rendition(info)
    spec = H.LadderSpec(
        renditions=H.plan_renditions(
            video.width, video.height, _choose_heights(info, video, options.heights)
        ),
        segment_s=options.segment_s,
        frame_rate=rate,
        audio=audio is not None,
        audio_channels=audio.channels if audio is not None else 2,
        audio_bitrate_kbps=options.audio_bitrate_kbps,
        crf=options.crf,
        preset=options.preset,
    )
    names = _subtitle_names(tracks)
    planned = tuple(
        HlsSubtitle(t.language, names[n], f"subs_{t.key}.m3u8", n == chosen, t.forced, t.sdh,
                    len(_cues_of(t)), t.spec.path)
        for n, t in enumerate(tracks)
    )  # fmt: skip
    audio_index = audio_stream.index if audio_stream is not None else None
    if options.dry_run:
        command = H.ladder_command(
            film, spec, out_dir.absolute(), audio_stream=audio_index, origin_ms=info.video_start_ms
        )
        return HlsReport(out_dir, out_dir / H.MASTER_NAME, film, spec.renditions, spec.audio, planned,
                         spec.segment_s, ffmpeg_argv(command), dry_run=True)  # fmt: skip
    work = _work_dir(out_dir)
    try:
        command = H.ladder_command(film, spec, work, audio_stream=audio_index, origin_ms=info.video_start_ms)
        parser = ProgressParser()

        def on_line(line: bytes) -> None:
            block = parser.feed(line)
            if block is not None and on_progress is not None:
                on_progress(block, info.duration_ms)

        seconds = (info.duration_ms or 60_000) / 1000
        ffmpeg_streaming(
            command, timeout=600 + 20 * seconds, what="HLS encoding", on_line=on_line, path=out_dir
        )
        report = _finish(work, film, info, spec, tracks, planned, audio, ffmpeg_argv(command), out_dir)
        _move_into_place(work, out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("wrote HLS to %s (%d rungs, %d subtitle tracks)", out_dir, len(spec.renditions), len(tracks))
    return report


def _subtitle_names(tracks: list[LoadedTrack]) -> list[str]:
    """Native names, unique within the group (RFC 8216 wants NAME unique per group)."""
    names: list[str] = []
    for t in tracks:
        name, n = t.title, 2
        while name in names:
            name, n = f"{t.title} {n}", n + 1
        names.append(name)
    return names


def _finish(
    work: Path,
    film: Path,
    info: MediaInfo,
    spec: H.LadderSpec,
    tracks: list[LoadedTrack],
    planned: tuple[HlsSubtitle, ...],
    audio: H.AudioRendition | None,
    command: tuple[str, ...],
    out_dir: Path,
) -> HlsReport:
    """Measure the segments, write the WebVTT and master playlists, verify."""
    reference = spec.renditions[0]
    segments = _durations(work, reference.playlist)
    if not segments:
        raise OutputVerificationError("ffmpeg wrote no video segments", path=out_dir)
    # Subtitle time 0 is the film's first frame (as in ``media.mux``): where that frame
    # really is in the written segments is the map's MPEGTS.
    mpegts = H.probe_segment_start(work / segments[0][0]).start_pts
    durations = [d for _, d in segments]
    windows = H.segment_windows(durations)
    target = H.target_duration(durations)
    for item, sub in zip(tracks, planned, strict=True):
        cues = showable(item.track).cues
        cues.sort(key=lambda c: (c.start, c.end))
        stem = sub.playlist.removesuffix(".m3u8")
        entries = []
        for n, (start, end) in enumerate(windows):
            part = H.cues_in_window(cues, start, end, last=n == len(windows) - 1)
            name = f"{stem}_{n:05d}.vtt"
            (work / name).write_bytes(H.webvtt_segment(item.track, part, mpegts).encode("utf-8"))
            entries.append((name, durations[n]))
        (work / sub.playlist).write_text(H.media_playlist(entries, target_s=target), encoding="utf-8")
    audio_peak, audio_avg = _bandwidth(work, H.AUDIO_PLAYLIST) if audio is not None else (0.0, 0.0)
    variants = []
    for rung in spec.renditions:
        peak, average = _bandwidth(work, rung.playlist)
        seg = H.probe_segment_start(work / _durations(work, rung.playlist)[0][0])
        variants.append(
            H.Variant(
                uri=rung.playlist,
                bandwidth=round(peak + audio_peak),
                average_bandwidth=round(average + audio_avg),
                width=seg.width or rung.width,
                height=seg.height or rung.height,
                frame_rate=spec.frame_rate,
                codecs=H.avc_codec_string(work / _durations(work, rung.playlist)[0][0]),
            )
        )
    renditions = [
        H.SubtitleRendition(
            s.language, s.name, s.playlist, default=s.default, autoselect=True, forced=s.forced, sdh=s.sdh
        )
        for s in planned
    ]  # fmt: skip
    (work / H.MASTER_NAME).write_text(H.master_playlist(variants, audio, renditions), encoding="utf-8")
    expected = ExpectedHls(
        sizes=tuple((v.width, v.height) for v in variants),
        audio=audio is not None,
        subtitles=tuple(
            ExpectedSubtitles(s.language.bcp47, s.name, s.default, True, s.forced, tuple(_cues_of(t)))
            for s, t in zip(planned, tracks, strict=True)
        ),
        duration_ms=_video_duration_ms(info),
        frame_ms=Fraction(1000) / spec.frame_rate,
        mpegts=mpegts,
        segment_s=spec.segment_s,
    )
    problems = check_master(work, H.MASTER_NAME, expected)
    if problems:
        raise OutputVerificationError(
            "HLS output failed verification: " + "; ".join(problems[:8]), path=out_dir
        )
    return HlsReport(
        out_dir, out_dir / H.MASTER_NAME, film, spec.renditions, audio is not None, planned, spec.segment_s,
        command, segments=len(segments), mpegts=mpegts, variants=tuple(variants),
    )  # fmt: skip


def _video_duration_ms(info: MediaInfo) -> int:
    """The source's picture length (``media.render.picture_length_ms``), 0 when unknown."""
    return picture_length_ms(info) or 0
