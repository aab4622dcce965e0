"""HLS packaging: a video ladder, one audio group and WebVTT subtitles, with one decode.

The film is decoded once; ``split`` feeds one scaler and one H.264 encoder per height, and
the audio is encoded once into its own rendition (one ``AUDIO`` group shared by every
variant). ffmpeg's own hls muxer writes the media playlists and TS segments; subpipe
writes the WebVTT segments, their playlists and the master playlist itself, because
ffmpeg 5.1 puts a subtitle rendition in each variant, writes no ``X-TIMESTAMP-MAP`` and
knows nothing of native names or forced tracks (``../shared/render-notes.md``).

Traps this module exists to avoid, measured on ffmpeg 5.1 and 9.0:

* Each rendition is its own mpegts muxer, and each shifts its timestamps so that its own
  first DTS lands on ``muxdelay`` (1.4 s). B-frames give video a DTS before its PTS, so
  video and audio come out shifted by *different* amounts (80 ms apart at 25 fps): the
  picture lags the sound. Every output therefore gets ``-muxdelay 0 -muxpreload 0`` and
  the same ``-output_ts_offset`` (:data:`TS_OFFSET_S`): one shift for all.
* The film's first *video frame* is time 0 (``-copyts -itsoffset``, ``media.render``), not
  its container start: measured on ffmpeg 5.1, a film whose sound starts 0.5 s before its
  picture was otherwise re-based to the sound, and the hls muxer's constant-frame-rate
  output then repeated the first frame for 0.5 s, so every cue came 0.5 s early and the
  video was 0.5 s longer than the film's.
* WebVTT cues count from the film's first frame; TS segments do not. Players map them
  through ``X-TIMESTAMP-MAP=MPEGTS:<pts>,LOCAL:00:00:00.000`` in every WebVTT segment,
  and the ``<pts>`` is *measured*: the first frame's PTS in the written video segments,
  never assumed (it is not 1.4 s here, and it moves with B-frames and start offsets).
* Renditions switch cleanly only when their segments start on the same frame with a
  keyframe: fixed GOP of exactly one segment (``-g``/``-keyint_min``, no scene-cut
  keyframes) plus ``-force_key_frames expr:gte(t,n_forced*SEG)``; verified per segment.
* A graph built by hand breaks on odd paths; ``media.render`` builds it with ffmpeg-python
  (keyword form), and the hls muxer reads ``%`` in a segment name as a pattern, so a literal ``%`` in the
  output folder is doubled.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from media.escape import file_arg
from media.render import Output, Picture, encoder_threads, graph_args
from subtitles.language import Language
from subtitles.load import dump_track
from subtitles.model import Cue, Track

log = logging.getLogger(__name__)

#: Every output's timestamps start here (seconds): far enough from 0 that B-frame DTS and
#: AAC priming stay positive, the same for every rendition so they stay in sync.
TS_OFFSET_S = 10

#: MPEG-TS clock.
TS_HZ = 90_000

MASTER_NAME = "master.m3u8"
AUDIO_GROUP = "aud"
SUBTITLE_GROUP = "subs"

#: Standard heights offered when none are asked for (only those at or below the source).
DEFAULT_HEIGHTS = (1080, 720, 480, 360)

#: Peak video bit rate per height (kbit/s), from Apple's HLS authoring ladder; other
#: heights scale by pixel count from 720p.
_MAXRATE_KBPS = {2160: 16800, 1440: 8100, 1080: 6000, 720: 3000, 540: 2000, 480: 1100, 360: 730, 240: 365}


@dataclass(frozen=True, slots=True)
class Rendition:
    """One video rung of the ladder."""

    width: int
    height: int
    maxrate_kbps: int

    @property
    def name(self) -> str:
        return f"video_{self.height}p"

    @property
    def playlist(self) -> str:
        return f"{self.name}.m3u8"

    @property
    def segment_pattern(self) -> str:
        return f"{self.name}_%05d.ts"


@dataclass(frozen=True, slots=True)
class LadderSpec:
    """What to encode: the rungs, the segment length and the encoder settings."""

    renditions: tuple[Rendition, ...]
    segment_s: int
    frame_rate: Fraction
    audio: bool
    audio_channels: int = 2
    audio_bitrate_kbps: int = 128
    crf: int = 23
    preset: str = "veryfast"

    @property
    def gop(self) -> int:
        """Frames per segment: the fixed GOP that puts a keyframe at every boundary."""
        return max(1, round(self.segment_s * self.frame_rate))


AUDIO_PLAYLIST = "audio.m3u8"
AUDIO_SEGMENTS = "audio_%05d.ts"


def even(value: float) -> int:
    """The nearest even integer at least 2 (yuv420p needs even sizes)."""
    return max(2, 2 * round(value / 2))


def plan_renditions(
    source_width: int, source_height: int, heights: Sequence[int], *, source_sar: Fraction = Fraction(1)
) -> tuple[Rendition, ...]:
    """The rungs for ``heights`` at or below the source, widest first, with even sizes.

    The display aspect (width × sample aspect ratio / height) is kept, so anamorphic
    sources come out with square pixels.
    """
    aspect = Fraction(source_width) * source_sar / source_height
    wanted = sorted({h for h in heights if h <= source_height}, reverse=True)
    out = []
    for height in wanted:
        h = even(height)
        w = even(float(aspect * h))
        base = _MAXRATE_KBPS.get(h)
        if base is None:
            base = max(200, round(_MAXRATE_KBPS[720] * (w * h) / (1280 * 720)))
        out.append(Rendition(w, h, base))
    return tuple(out)


def _pattern_path(folder: Path, name: str) -> str:
    """A segment pattern path: the hls muxer expands ``%``, so the folder's own are doubled."""
    return str(folder.absolute()).replace("%", "%%") + "/" + name


def ladder_command(
    film: Path,
    spec: LadderSpec,
    folder: Path,
    *,
    audio_stream: int | None = None,
    origin_ms: int | None = None,
) -> list[str]:
    """The ffmpeg arguments (after ``ffmpeg``) that encode and segment the whole ladder.

    One input, one decode: ``split`` into one ``scale`` + libx264 per rung; the audio is
    encoded once (AAC-LC) into its own rendition. The graph is compiled by
    ``media.render.graph_args`` (the one ffmpeg-python module). ``origin_ms``: the film's
    first video frame on its own clock, which becomes time 0 (then ``TS_OFFSET_S``).
    """
    hls_common: dict[str, Any] = {
        "f": "hls",
        "hls_time": spec.segment_s,
        "hls_playlist_type": "vod",
        "hls_list_size": 0,
        "hls_flags": "independent_segments",
        "start_number": 0,
        "muxdelay": 0,
        "muxpreload": 0,
        "output_ts_offset": TS_OFFSET_S,
    }
    keyframes = f"expr:gte(t,n_forced*{spec.segment_s})"
    threads = encoder_threads(len(spec.renditions))
    outputs = []
    for rung in spec.renditions:
        video_opts: dict[str, Any] = {
            "c:v": "libx264",
            "preset": spec.preset,
            "crf": spec.crf,
            "maxrate": f"{rung.maxrate_kbps}k",
            "bufsize": f"{2 * rung.maxrate_kbps}k",
            "profile:v": "high",
            "pix_fmt": "yuv420p",
            "g": spec.gop,
            "keyint_min": spec.gop,
            "sc_threshold": 0,
            "force_key_frames": keyframes,
            "threads": threads,
            "hls_segment_filename": _pattern_path(folder, rung.segment_pattern),
        }
        outputs.append(
            Output(
                target=str(folder / rung.playlist),
                picture=Picture(rung.width, rung.height),
                options={**video_opts, **hls_common},
            )
        )
    if spec.audio:
        audio_opts: dict[str, Any] = {
            "c:a": "aac",
            "b:a": f"{spec.audio_bitrate_kbps}k",
            "ac": spec.audio_channels,
            "hls_segment_filename": _pattern_path(folder, AUDIO_SEGMENTS),
        }
        outputs.append(
            Output(
                target=str(folder / AUDIO_PLAYLIST),
                audio=f"{audio_stream}" if audio_stream is not None else "a",
                options={**audio_opts, **hls_common},
            )
        )
    return graph_args(film, outputs, video="v", origin_ms=origin_ms)


# -- measuring what ffmpeg wrote -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SegmentProbe:
    """The first video frame of one TS segment: its PTS (90 kHz) and whether it is a keyframe."""

    start_pts: int
    keyframe: bool
    width: int | None = None
    height: int | None = None


def probe_segment_start(path: Path) -> SegmentProbe:
    """Read the first few video packets of a TS segment (demux only, no decode)."""
    import av

    with av.open(file_arg(path)) as container:
        streams = container.streams.video
        if not streams:
            raise ValueError("no video stream")
        stream = streams[0]
        first_key = None
        pts: list[int] = []
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            if first_key is None:
                first_key = packet.is_keyframe
            pts.append(int(packet.pts))
            if len(pts) >= 8:  # past any B-frame reordering of the first GOP
                break
        if not pts:
            raise ValueError("no video packets")
        ctx = stream.codec_context
        return SegmentProbe(min(pts), bool(first_key), ctx.width or None, ctx.height or None)


def avc_codec_string(path: Path) -> str | None:
    """``avc1.PPCCLL`` from the SPS in the first keyframe of a TS segment (RFC 6381).

    The profile, constraint flags and level are the three bytes after the SPS NAL header;
    ``None`` when no SPS is found (the master playlist then goes without ``CODECS``).
    """
    import av

    with av.open(file_arg(path)) as container:
        if not container.streams.video:
            return None
        for packet in container.demux(container.streams.video[0]):
            data = bytes(packet)
            at = 0
            while (at := data.find(b"\x00\x00\x01", at)) != -1 and at + 6 < len(data):
                if data[at + 3] & 0x1F == 7:
                    profile, flags, level = data[at + 4], data[at + 5], data[at + 6]
                    return f"avc1.{profile:02x}{flags:02x}{level:02x}"
                at += 3
            if packet.is_keyframe:
                return None
    return None


# -- WebVTT segmentation ---------------------------------------------------------------------


def timestamp_map(mpegts: int) -> str:
    """The header line tying local cue time 0 to a TS presentation time (RFC 8216 3.5)."""
    return f"X-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000"


def segment_windows(durations_s: Sequence[float]) -> list[tuple[int, int]]:
    """(start, end) in ms of each segment from the playlist's ``EXTINF`` durations."""
    windows, at = [], 0.0
    for duration in durations_s:
        windows.append((round(at * 1000), round((at + duration) * 1000)))
        at += duration
    return windows


def cues_in_window(cues: Sequence[Cue], start_ms: int, end_ms: int, *, last: bool) -> list[Cue]:
    """Cues shown during ``[start, end)``; the last segment also takes anything later.

    A cue spanning a boundary goes into every segment it touches, with its full times:
    players drop the repeats (same times, same text), and a viewer who seeks into the
    middle of it still sees it.
    """
    return [c for c in cues if c.start < end_ms and c.end > start_ms] + (
        [c for c in cues if c.start >= end_ms] if last else []
    )


def webvtt_segment(track: Track, cues: Sequence[Cue], mpegts: int) -> str:
    """One WebVTT segment: the track's writer output with ``X-TIMESTAMP-MAP`` in its header."""
    part = track.copy_track()
    part.events = [c.copy() for c in cues]
    # STYLE and REGION apply to every segment (at its head); NOTE blocks belong to the file
    part.vtt_blocks = [(0, b) for _at, b in track.vtt_blocks if not b.startswith("NOTE")]
    text = dump_track(part, "vtt")
    head, sep, rest = text.partition("\n")
    if not head.lstrip("\ufeff").startswith("WEBVTT"):
        raise ValueError("the WebVTT writer produced no WEBVTT header")
    return f"{head}\n{timestamp_map(mpegts)}{sep}{rest}"


def media_playlist(segments: Sequence[tuple[str, float]], *, target_s: int) -> str:
    """A VOD media playlist for segments given as (URI, duration in seconds)."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{target_s}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    for uri, duration in segments:
        lines += [f"#EXTINF:{duration:.6f},", uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def target_duration(durations_s: Sequence[float]) -> int:
    """``EXT-X-TARGETDURATION``: every segment rounded to the nearest second fits (RFC 8216 4.3.3.1)."""
    return max((math.floor(d + 0.5) for d in durations_s), default=1) or 1


# -- the master playlist ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubtitleRendition:
    """One ``EXT-X-MEDIA:TYPE=SUBTITLES`` entry."""

    language: Language
    name: str
    uri: str
    default: bool = False
    autoselect: bool = True
    forced: bool = False
    sdh: bool = False


@dataclass(frozen=True, slots=True)
class AudioRendition:
    language: Language | None
    name: str
    uri: str
    channels: int


@dataclass(frozen=True, slots=True)
class Variant:
    """One ``EXT-X-STREAM-INF`` entry (a video rung plus the audio group)."""

    uri: str
    bandwidth: int
    average_bandwidth: int
    width: int
    height: int
    frame_rate: Fraction
    codecs: str | None


def _quoted(value: str) -> str:
    """A quoted-string attribute: RFC 8216 forbids only CR, LF and the double quote."""
    return '"' + value.replace('"', "'").replace("\r", " ").replace("\n", " ") + '"'


def _yes(flag: bool) -> str:
    return "YES" if flag else "NO"


#: Apple's accessibility characteristics of an SDH track.
SDH_CHARACTERISTICS = (
    "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"
)


def master_playlist(
    variants: Sequence[Variant], audio: AudioRendition | None, subtitles: Sequence[SubtitleRendition]
) -> str:
    """The master playlist: audio and subtitle groups, then one stream per video rung.

    RFC 8216 4.3.4.1: ``AUTOSELECT=YES`` whenever ``DEFAULT=YES``; ``FORCED`` only on
    SUBTITLES; at most one default per group. ``CLOSED-CAPTIONS=NONE`` because no variant
    carries CEA-608/708 captions (Apple's authoring rules ask to say so).
    """
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio is not None:
        attrs = [f"TYPE=AUDIO,GROUP-ID={_quoted(AUDIO_GROUP)},NAME={_quoted(audio.name)}"]
        if audio.language is not None:
            attrs.append(f"LANGUAGE={_quoted(audio.language.bcp47)}")
        attrs.append(f"DEFAULT=YES,AUTOSELECT=YES,CHANNELS={_quoted(str(audio.channels))}")
        attrs.append(f"URI={_quoted(audio.uri)}")
        lines.append("#EXT-X-MEDIA:" + ",".join(attrs))
    for sub in subtitles:
        autoselect = sub.autoselect or sub.default
        attrs = [
            f"TYPE=SUBTITLES,GROUP-ID={_quoted(SUBTITLE_GROUP)},NAME={_quoted(sub.name)}",
            f"LANGUAGE={_quoted(sub.language.bcp47)}",
            f"DEFAULT={_yes(sub.default)},AUTOSELECT={_yes(autoselect)},FORCED={_yes(sub.forced)}",
        ]
        if sub.sdh:
            attrs.append(f"CHARACTERISTICS={_quoted(SDH_CHARACTERISTICS)}")
        attrs.append(f"URI={_quoted(sub.uri)}")
        lines.append("#EXT-X-MEDIA:" + ",".join(attrs))
    for v in variants:
        codecs = [v.codecs] if v.codecs else []
        if codecs and audio is not None:
            codecs.append("mp4a.40.2")
        attrs = [
            f"BANDWIDTH={v.bandwidth}",
            f"AVERAGE-BANDWIDTH={v.average_bandwidth}",
            f"RESOLUTION={v.width}x{v.height}",
            f"FRAME-RATE={float(v.frame_rate):.3f}",
        ]
        if codecs:
            attrs.append(f"CODECS={_quoted(','.join(codecs))}")
        if audio is not None:
            attrs.append(f"AUDIO={_quoted(AUDIO_GROUP)}")
        if subtitles:
            attrs.append(f"SUBTITLES={_quoted(SUBTITLE_GROUP)}")
        attrs.append("CLOSED-CAPTIONS=NONE")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), v.uri]
    return "\n".join(lines) + "\n"
