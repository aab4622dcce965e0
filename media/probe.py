"""What a media file contains: container, duration, start time, exact frame rate, streams.

Two back-ends give the same ``MediaInfo`` (as PySceneDetect puts OpenCV and PyAV behind
one ``VideoStream``):

* **ffprobe JSON** when the chosen ffmpeg's own ffprobe is available (``$SUBPIPE_FFPROBE``
  or beside that ffmpeg, same version: ``media.ffmpeg.find_ffprobe``). It is the reference
  tool users and bug reports speak in.
* **PyAV** otherwise, which is the case wherever ffmpeg comes from the imageio-ffmpeg
  wheel (it ships no ffprobe). PyAV's wheels bundle the same libavformat/libavcodec that
  ffprobe is a thin front-end to, so it reads the same fields (``r_frame_rate``,
  ``avg_frame_rate``, dispositions, tags) as exact rationals, in-process, with no output
  text to scrape. It is maintained by the PyAV/FFmpeg community, releases wheels for
  every current FFmpeg and Python, and is already a dependency for audio decoding.

Both back-ends derive every value the same way (codec descriptor names such as
``subrip``/``dvd_subtitle``, durations from ``duration_ts × time_base``, Matroska's
``DURATION`` statistics tag as fallback), so tests can compare them field by field.

Where libavformat releases disagree, one reading is chosen on purpose:

* ``duration_ms`` is the playable length from the start: the latest stream end minus the
  start. libavformat 59 (ffmpeg 5.1) gives an MP4 with an edit-list lead (a film exported
  to start at 01:00:00) the movie header's length *including* the empty lead (4 s for
  1 s of video starting at 3 s); 6.0 and later give 1 s. Stream starts and lengths agree.
  Matroska's segment duration counts from timestamp 0 in every release, so the first
  frame's time is taken off it.
* ``video_start_ms`` is when the film's first frame is shown: subtitle times count from
  it. The container start differs between releases by the audio encoder's priming (5.1
  shows AAC priming in Matroska as a 21 ms earlier start, later releases hide it), the
  first video frame does not.
* ``variable_frame_rate``: libavformat always reports *some* rate (its guess from the
  first frames and frames over duration); a film whose frames do not advance at one rate
  is flagged, so frame numbers (MicroDVD) are never converted with a rate it does not have.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from media.escape import file_arg
from media.ffmpeg import find_ffprobe
from media.runner import run
from subtitles.errors import FrameRateRequired, InputError, ToolError, ToolNotFound
from subtitles.timing import format_fps, fps_ratio, seconds_to_ms

log = logging.getLogger(__name__)

StreamKind = Literal["video", "audio", "subtitle", "data", "attachment"]
_KINDS: frozenset[str] = frozenset({"video", "audio", "subtitle", "data", "attachment"})

#: Seconds before a probe is abandoned: a local file probes in milliseconds, a stalled
#: network mount must not hang a batch.
PROBE_TIMEOUT_S = 60.0

#: Subtitle codecs that carry pictures, not text: they cannot be validated, aligned or
#: converted as text (codec descriptor names, as ffprobe prints them).
BITMAP_SUBTITLE_CODECS: frozenset[str] = frozenset(
    {"dvd_subtitle", "hdmv_pgs_subtitle", "dvb_subtitle", "xsub", "dvb_teletext", "arib_caption"}
)

#: Common production rates; an average rate within 0.1 % of one of these *is* that rate.
_STANDARD_RATES: tuple[Fraction, ...] = tuple(
    Fraction(n, d)
    for n, d in (
        (24000, 1001), (24, 1), (25, 1), (30000, 1001), (30, 1), (48000, 1001), (48, 1), (50, 1),
        (60000, 1001), (60, 1), (120, 1), (15, 1), (12, 1),
    )
)  # fmt: skip

_MKV_DURATION = re.compile(r"^(\d+):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$")


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """One stream, in the container's own order (``index`` is ffmpeg's ``0:N``).

    ``language`` and ``title`` are the tags as written (``"rus"``, ``"und"``, or ``None``
    when absent): normalising them is the caller's decision. MP4 keeps no per-track title
    tag; its track name travels as ``handler_name``, kept separately because most files
    carry a generic one (``SoundHandler``).
    """

    index: int
    kind: StreamKind
    codec: str
    language: str | None = None
    title: str | None = None
    default: bool = False
    forced: bool = False
    hearing_impaired: bool = False
    channels: int | None = None
    sample_rate: int | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: Fraction | None = None
    duration_ms: int | None = None
    start_ms: int | None = None
    is_bitmap: bool = False
    attached_pic: bool = False
    handler_name: str | None = None
    variable_frame_rate: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "index": self.index,
            "kind": self.kind,
            "codec": self.codec,
            "language": self.language,
            "title": self.title,
            "default": self.default,
            "forced": self.forced,
            "duration_ms": self.duration_ms,
            "start_ms": self.start_ms,
        }
        if self.kind == "audio":
            data |= {"channels": self.channels, "sample_rate": self.sample_rate}
        if self.kind == "video":
            data |= {
                "width": self.width,
                "height": self.height,
                "frame_rate": _fraction_text(self.frame_rate),
                "variable_frame_rate": self.variable_frame_rate,
                "attached_pic": self.attached_pic,
            }
        if self.kind == "subtitle":
            data["is_bitmap"] = self.is_bitmap
            data["hearing_impaired"] = self.hearing_impaired
        if self.handler_name is not None:
            data["handler_name"] = self.handler_name
        return data


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """A probed file. ``frame_rate`` is that of the default (else first) real video stream.

    ``variable_frame_rate`` says that stream's frames do not advance at one rate:
    ``frame_rate`` is then only their average (see :meth:`exact_frame_rate`).
    ``backend`` says which back-end produced it and is left out of equality, so the two
    back-ends' results compare equal when they agree on the content.
    """

    path: Path
    format_name: str
    duration_ms: int | None
    start_ms: int
    frame_rate: Fraction | None
    streams: tuple[StreamInfo, ...]
    backend: str = field(default="", compare=False)
    variable_frame_rate: bool = False

    @property
    def film_video(self) -> StreamInfo | None:
        """The video stream a player shows: the default real video stream, else the first."""
        videos = self.video
        return next((s for s in videos if s.default), videos[0] if videos else None)

    @property
    def video_start_ms(self) -> int | None:
        """When the film's first frame is shown, on the container's clock (``None``: no
        video, or unknown). Subtitle times count from this frame."""
        chosen = self.film_video
        return chosen.start_ms if chosen is not None else None

    def exact_frame_rate(self) -> Fraction:
        """The rate to turn frame numbers into times; ``FrameRateRequired`` (exit 2) when the
        film has no video or a variable frame rate (no single rate converts it exactly)."""
        if self.frame_rate is None:
            raise FrameRateRequired(
                "the film has no video frame rate to count MicroDVD frames with; give --fps", path=self.path
            )
        if self.variable_frame_rate:
            raise FrameRateRequired(
                f"the film has a variable frame rate (average {format_fps(self.frame_rate)} fps): "
                "frame numbers (MicroDVD) cannot be converted to its times exactly; give the rate "
                "the file was made for with --fps",
                path=self.path,
            )
        return self.frame_rate

    def of_kind(self, kind: StreamKind) -> tuple[StreamInfo, ...]:
        return tuple(s for s in self.streams if s.kind == kind)

    @property
    def video(self) -> tuple[StreamInfo, ...]:
        """Real video streams (cover art / attached pictures excluded)."""
        return tuple(s for s in self.of_kind("video") if not s.attached_pic)

    @property
    def audio(self) -> tuple[StreamInfo, ...]:
        return self.of_kind("audio")

    @property
    def subtitles(self) -> tuple[StreamInfo, ...]:
        return self.of_kind("subtitle")

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format_name,
            "duration_ms": self.duration_ms,
            "start_ms": self.start_ms,
            "frame_rate": _fraction_text(self.frame_rate),
            "variable_frame_rate": self.variable_frame_rate,
            "video_start_ms": self.video_start_ms,
            "backend": self.backend,
            "streams": [s.to_json() for s in self.streams],
        }


_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_STR = {"type": ["string", "null"]}
_RATE = {"type": ["string", "null"], "pattern": "^[0-9]+/[0-9]+$"}

#: JSON Schema of ``MediaInfo.to_json()`` (what ``subpipe probe --json`` prints).
MEDIA_INFO_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "path",
        "format",
        "duration_ms",
        "start_ms",
        "frame_rate",
        "variable_frame_rate",
        "video_start_ms",
        "backend",
        "streams",
    ],
    "additionalProperties": False,
    "properties": {
        "path": {"type": "string"},
        "format": {"type": "string"},
        "duration_ms": _NULLABLE_INT,
        "start_ms": {"type": "integer"},
        "frame_rate": _RATE,
        "variable_frame_rate": {"type": "boolean"},
        "video_start_ms": _NULLABLE_INT,
        "backend": {"enum": ["ffprobe", "pyav"]},
        "streams": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "index",
                    "kind",
                    "codec",
                    "language",
                    "title",
                    "default",
                    "forced",
                    "duration_ms",
                    "start_ms",
                ],
                "additionalProperties": False,
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "kind": {"enum": sorted(_KINDS)},
                    "codec": {"type": "string"},
                    "language": _NULLABLE_STR,
                    "title": _NULLABLE_STR,
                    "default": {"type": "boolean"},
                    "forced": {"type": "boolean"},
                    "duration_ms": _NULLABLE_INT,
                    "start_ms": _NULLABLE_INT,
                    "channels": _NULLABLE_INT,
                    "sample_rate": _NULLABLE_INT,
                    "width": _NULLABLE_INT,
                    "height": _NULLABLE_INT,
                    "frame_rate": _RATE,
                    "variable_frame_rate": {"type": "boolean"},
                    "attached_pic": {"type": "boolean"},
                    "is_bitmap": {"type": "boolean"},
                    "hearing_impaired": {"type": "boolean"},
                    "handler_name": {"type": "string"},
                },
            },
        },
    },
}


def _fraction_text(rate: Fraction | None) -> str | None:
    return None if rate is None else fps_ratio(rate)


# -- shared derivations (both back-ends go through these) ----------------------------------


def choose_frame_rate(r_frame_rate: Fraction | None, avg_frame_rate: Fraction | None) -> Fraction | None:
    """The frame rate a subtitle editor means, as an exact fraction.

    ``r_frame_rate`` is libavformat's guess of the base rate (exact for constant-rate
    files: ``24000/1001``); ``avg_frame_rate`` is frames over duration and can be a
    rounded ratio (``2997/125``) or, for telecined or field-coded streams, half of
    ``r_frame_rate``. When they agree within 0.1 % the base rate wins (it is the exact
    one); when they disagree the average is what frames actually advance at, snapped to a
    standard production rate when within 0.1 % of one.
    """
    r = r_frame_rate if r_frame_rate and r_frame_rate > 0 else None
    avg = avg_frame_rate if avg_frame_rate and avg_frame_rate > 0 else None
    if r is not None and (avg is None or abs(r - avg) <= avg / 1000):
        return r
    if avg is None:
        return None
    for standard in _STANDARD_RATES:
        if abs(avg - standard) <= standard / 1000:
            return standard
    return avg


def parse_mkv_duration_tag(text: str | None) -> int | None:
    """Matroska's ``DURATION`` statistics tag (``00:00:04.934000000``) in ms, or ``None``."""
    if not text:
        return None
    match = _MKV_DURATION.match(text.strip())
    if not match:
        return None
    h, m, s, frac = match.groups()
    seconds = Fraction(int(h) * 3600 + int(m) * 60 + int(s)) + Fraction(
        int(frac or "0"), 10 ** len(frac or "0")
    )
    return seconds_to_ms(seconds)


def _tag(tags: dict[str, str], key: str) -> str | None:
    for k, v in tags.items():
        if k.lower() == key and v != "":
            return v
    return None


def _stream_duration_ms(
    duration_ts: int | None, time_base: Fraction | None, tags: dict[str, str]
) -> int | None:
    if duration_ts is not None and duration_ts > 0 and time_base:
        return seconds_to_ms(duration_ts * time_base)
    return parse_mkv_duration_tag(_tag(tags, "duration"))


def _make_stream(
    *,
    index: int,
    kind: str,
    codec: str,
    tags: dict[str, str],
    disposition: dict[str, bool],
    channels: int | None,
    sample_rate: int | None,
    width: int | None,
    height: int | None,
    r_frame_rate: Fraction | None,
    avg_frame_rate: Fraction | None,
    duration_ts: int | None,
    time_base: Fraction | None,
    start_ts: int | None,
) -> StreamInfo:
    stream_kind: StreamKind = kind if kind in _KINDS else "data"  # type: ignore[assignment]
    is_video = stream_kind == "video"
    is_audio = stream_kind == "audio"
    return StreamInfo(
        index=index,
        kind=stream_kind,
        codec=codec,
        language=_tag(tags, "language"),
        title=_tag(tags, "title"),
        default=disposition.get("default", False),
        forced=disposition.get("forced", False),
        hearing_impaired=disposition.get("hearing_impaired", False),
        channels=channels if is_audio and channels else None,
        sample_rate=sample_rate if is_audio and sample_rate else None,
        width=width if is_video and width else None,
        height=height if is_video and height else None,
        frame_rate=choose_frame_rate(r_frame_rate, avg_frame_rate) if is_video else None,
        duration_ms=_stream_duration_ms(duration_ts, time_base, tags),
        start_ms=seconds_to_ms(start_ts * time_base) if start_ts is not None and time_base else None,
        is_bitmap=stream_kind == "subtitle" and codec in BITMAP_SUBTITLE_CODECS,
        attached_pic=disposition.get("attached_pic", False),
        handler_name=_tag(tags, "handler_name"),
    )


def _stream_end(start_ts: int | None, duration_ts: int | None, time_base: Fraction | None) -> Fraction | None:
    """Where a stream ends on the container clock (s), when its start and length are exact."""
    if start_ts is None or duration_ts is None or duration_ts <= 0 or not time_base:
        return None
    return (start_ts + duration_ts) * time_base


def _media_info(
    path: Path,
    *,
    format_name: str,
    format_duration_ms: int | None,
    start: Fraction | None,
    streams: list[StreamInfo],
    ends: list[Fraction | None],
    backend: str,
) -> MediaInfo:
    """The one assembly of a ``MediaInfo`` both back-ends go through (see the module notes)."""
    start_ms = seconds_to_ms(start) if start is not None else 0
    known = [e for e in ends if e is not None]
    # The length from the start to the last stream end, where streams say exactly (MP4, TS):
    # libavformat 59 gives an MP4 edit list's empty lead as part of the format duration.
    duration_ms = seconds_to_ms(max(known) - (start or 0)) if known else format_duration_ms
    infos = tuple(streams)
    info = MediaInfo(
        path=path,
        format_name=format_name,
        duration_ms=duration_ms,
        start_ms=start_ms,
        frame_rate=None,
        streams=infos,
        backend=backend,
    )
    if not known and duration_ms is not None and format_name.startswith("matroska"):
        # Matroska's segment duration counts from timestamp 0, not from the first frame
        # (whose time, unlike the container start, no release reads differently).
        first = info.video_start_ms if info.video_start_ms is not None else start_ms
        info = dataclasses.replace(info, duration_ms=max(0, duration_ms - max(0, first)))
    film = info.film_video
    if film is None:
        return info
    variable = film.frame_rate is not None and frames_are_irregular(path, film.index, film.frame_rate)
    if variable:
        infos = tuple(dataclasses.replace(s, variable_frame_rate=True) if s is film else s for s in infos)
    return dataclasses.replace(info, frame_rate=film.frame_rate, streams=infos, variable_frame_rate=variable)


#: Video packets read per sample window to tell a constant from a variable frame rate.
VFR_SAMPLE_PACKETS = 240
#: Packets at the end of a window left out: with B-frames, frames shown in the window
#: may still be on their way (decode order), which would look like a gap.
_REORDER_SLACK = 16
#: A film longer than this also gets a sample window in its middle.
_SECOND_WINDOW_S = 60


def frames_are_irregular(path: Path, index: int, rate: Fraction) -> bool:
    """Whether the frames of video stream ``index`` do not advance at one constant ``rate``.

    Reads (demuxes, no decoding) the presentation times of up to ``VFR_SAMPLE_PACKETS``
    packets at the start, and in the middle of a long film. Irregular: two or more frame
    intervals off the typical one by more than the clock's rounding (1.5 ticks, as
    Matroska's 1 ms clock gives 23.976 fps as 41/42 ms) and 0.5 %, or the sampled frames'
    mean rate more than 1 % from ``rate`` (libavformat's rate then describes other parts
    of the film). Unreadable packets count as regular: the probe itself succeeded.
    """
    import av

    windows: list[list[int]] = []
    try:
        with av.open(file_arg(path), metadata_errors="replace") as container:
            stream = container.streams[index]
            time_base = stream.time_base
            seeks: list[int | None] = [None]
            if container.duration and container.duration > _SECOND_WINDOW_S * 1_000_000:
                seeks.append((container.start_time or 0) + container.duration // 2)
            for seek in seeks:
                if seek is not None:
                    container.seek(seek)
                pts: list[int] = []
                for packet in container.demux(stream):
                    if packet.pts is not None:
                        pts.append(packet.pts)
                    if len(pts) >= VFR_SAMPLE_PACKETS:
                        break
                windows.append(pts)
    except (av.error.FFmpegError, IndexError) as exc:
        log.debug("frame timing sample of %s unreadable: %s", path, exc)
        return False
    if not time_base:
        return False
    for pts in windows:
        ordered = sorted(pts)
        if len(ordered) > 2 * _REORDER_SLACK + 10:
            ordered = ordered[:-_REORDER_SLACK]
        deltas = [b - a for a, b in itertools.pairwise(ordered)]
        if len(deltas) < 10:
            continue
        typical = sorted(deltas)[len(deltas) // 2]
        slack = max(Fraction(3, 2), Fraction(typical) / 200)
        if sum(1 for d in deltas if abs(d - typical) > slack) >= 2:
            return True
        mean_rate = len(deltas) / ((ordered[-1] - ordered[0]) * time_base)
        if abs(mean_rate - rate) > rate / 100:
            return True
    return False


# -- ffprobe back-end -----------------------------------------------------------------------


def _ratio(text: Any) -> Fraction | None:
    if not isinstance(text, str) or "/" not in text:
        return None
    num, den = text.split("/", 1)
    try:
        n, d = int(num), int(den)
    except ValueError:
        return None
    return Fraction(n, d) if n > 0 and d > 0 else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", "N/A") else None
    except (TypeError, ValueError):
        return None


def _seconds(value: Any) -> Fraction | None:
    if value in (None, "", "N/A"):
        return None
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None


def _seconds_ms(value: Any) -> int | None:
    seconds = _seconds(value)
    return seconds_to_ms(seconds) if seconds is not None else None


def parse_ffprobe_json(data: dict[str, Any], path: str | Path) -> MediaInfo:
    """``ffprobe -print_format json -show_format -show_streams`` output as ``MediaInfo``."""
    fmt = data.get("format") or {}
    streams = []
    ends = []
    for raw in data.get("streams") or []:
        disposition = {k: bool(v) for k, v in (raw.get("disposition") or {}).items()}
        time_base = _ratio(raw.get("time_base"))
        start_ts = _int(raw.get("start_pts"))
        ends.append(_stream_end(start_ts, _int(raw.get("duration_ts")), time_base))
        streams.append(
            _make_stream(
                index=int(raw["index"]),
                kind=str(raw.get("codec_type") or "data"),
                codec=str(raw.get("codec_name") or "unknown"),
                tags={str(k): str(v) for k, v in (raw.get("tags") or {}).items()},
                disposition=disposition,
                channels=_int(raw.get("channels")),
                sample_rate=_int(raw.get("sample_rate")),
                width=_int(raw.get("width")),
                height=_int(raw.get("height")),
                r_frame_rate=_ratio(raw.get("r_frame_rate")),
                avg_frame_rate=_ratio(raw.get("avg_frame_rate")),
                duration_ts=_int(raw.get("duration_ts")),
                time_base=time_base,
                start_ts=start_ts,
            )
        )
    return _media_info(
        Path(path),
        format_name=str(fmt.get("format_name") or "unknown"),
        format_duration_ms=_seconds_ms(fmt.get("duration")),
        start=_seconds(fmt.get("start_time")),
        streams=streams,
        ends=ends,
        backend="ffprobe",
    )


def probe_ffprobe(path: str | Path, ffprobe: Path, *, timeout: float = PROBE_TIMEOUT_S) -> MediaInfo:
    target = check_input_file(path)
    args: list[str | Path] = [
        ffprobe,
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        file_arg(target),
    ]
    try:
        done = run(args, timeout=timeout, what="probing", path=target)
    except ToolError as exc:
        if exc.returncode is None:  # timed out or could not start: a tool problem, not the file's
            raise
        reason = _last_line(exc.stderr_tail)
        for name in (file_arg(target), str(target)):  # ffprobe prefixes the input's name
            reason = reason.removeprefix(f"{name}: ")
        raise _unreadable(target, reason) from None
    try:
        data = json.loads(done.stdout.decode("utf-8", "replace"))
    except json.JSONDecodeError as exc:
        raise ToolError(f"ffprobe printed invalid JSON: {exc}", path=target, command=done.args) from None
    if not data.get("format"):
        raise InputError("not a media file ffmpeg can read (no format found)", path=target)
    return parse_ffprobe_json(data, target)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no details"


# -- PyAV back-end --------------------------------------------------------------------------


def probe_pyav(path: str | Path, *, timeout: float = PROBE_TIMEOUT_S) -> MediaInfo:
    import av

    target = check_input_file(path)
    try:
        # timeout arms libavformat's interrupt callback, so a stalled read gives up.
        container = av.open(file_arg(target), timeout=(timeout, timeout), metadata_errors="replace")
    except av.error.ExitError:
        raise ToolError(f"probing timed out after {timeout:.0f} s", path=target) from None
    except av.error.FFmpegError as exc:
        raise _unreadable(target, str(exc.strerror)) from None
    with container:
        streams = [_pyav_stream(s) for s in container.streams]
        ends = [_stream_end(s.start_time, s.duration, s.time_base) for s in container.streams]
        duration = container.duration  # AV_TIME_BASE (µs) or None
        start = container.start_time
        format_name = container.format.name
    return _media_info(
        target,
        format_name=format_name,
        format_duration_ms=seconds_to_ms(Fraction(duration, 1_000_000)) if duration is not None else None,
        start=Fraction(start, 1_000_000) if start is not None else None,
        streams=streams,
        ends=ends,
        backend="pyav",
    )


def _pyav_stream(stream: Any) -> StreamInfo:
    import av

    ctx = stream.codec_context
    codec = "unknown"
    channels = sample_rate = width = height = None
    if ctx is not None:
        codec = ctx.codec.canonical_name  # the descriptor name, as ffprobe prints it
        if stream.type == "audio":
            channels, sample_rate = ctx.channels, ctx.sample_rate
        elif stream.type == "video":
            width, height = ctx.width, ctx.height
    flags = stream.disposition
    disposition = {
        "default": bool(flags & av.stream.Disposition.default),
        "forced": bool(flags & av.stream.Disposition.forced),
        "hearing_impaired": bool(flags & av.stream.Disposition.hearing_impaired),
        "attached_pic": bool(flags & av.stream.Disposition.attached_pic),
    }
    is_video = stream.type == "video"
    return _make_stream(
        index=stream.index,
        kind=str(stream.type),
        codec=codec,
        tags={str(k): str(v) for k, v in stream.metadata.items()},
        disposition=disposition,
        channels=channels,
        sample_rate=sample_rate,
        width=width,
        height=height,
        r_frame_rate=stream.base_rate if is_video else None,
        avg_frame_rate=stream.average_rate if is_video else None,
        duration_ts=stream.duration,
        time_base=stream.time_base,
        start_ts=stream.start_time,
    )


# -- a film cut short --------------------------------------------------------------------------

#: Decoded audio may fall short of the container's length by encoder padding and rounding;
#: a film is called truncated only past this (or 5 % of its length, whichever is more).
TRUNCATION_SLACK_MS = 2000


def check_complete(info: MediaInfo, decoded_ms: int) -> None:
    """``InputError`` (exit 2) when the audio decoded from the film (``decoded_ms`` from its
    first frame) ends well before the length its container declares: a copy or download
    cut short, whose missing part would otherwise read as "no speech" to alignment.
    Matroska and most containers write their length at the start, so a cut file still
    declares the full length; MP4 loses its index instead (see ``_mp4_without_index``).
    """
    declared = info.duration_ms
    if declared is None or declared <= 0:
        return
    if decoded_ms + max(TRUNCATION_SLACK_MS, declared // 20) < declared:
        from subtitles.timing import format_ms

        raise InputError(
            f"the film is truncated: its audio ends at {format_ms(decoded_ms)} but the file declares "
            f"{format_ms(declared)} (a copy or download cut short?)",
            path=info.path,
        )


# -- the one entry point --------------------------------------------------------------------

#: ISO base media (MP4/MOV) top-level box types that can open a file.
_ISO_FIRST_BOXES = frozenset({b"ftyp", b"free", b"skip", b"wide", b"mdat", b"moov", b"pdin", b"styp"})


def _mp4_without_index(path: Path) -> bool:
    """An MP4/MOV whose top-level boxes stop before any ``moov`` (its index): a copy or
    download cut short, or a recording still being written. Reads only box headers."""
    try:
        size_total = path.stat().st_size
        with path.open("rb") as fh:
            offset, first = 0, True
            while offset + 8 <= size_total:
                fh.seek(offset)
                header = fh.read(16)
                size, kind = int.from_bytes(header[:4], "big"), header[4:8]
                if first and kind not in _ISO_FIRST_BOXES:
                    return False
                first = False
                if kind == b"moov":
                    return False
                if size == 1 and len(header) == 16:
                    size = int.from_bytes(header[8:16], "big")
                if size < 8:
                    return size == 0  # 0: "to the end of the file" with no moov seen
                offset += size
            return not first
    except OSError:
        return False


def _unreadable(target: Path, reason: str) -> InputError:
    """The one-line error for a file libavformat cannot open, the same from both back-ends."""
    if _mp4_without_index(target):
        return InputError(
            "the film is truncated: its MP4 index ('moov' box) is missing "
            "(a copy or download cut short, or a recording still being written)",
            path=target,
        )
    return InputError(f"not a media file ffmpeg can read ({reason})", path=target)


def check_input_file(path: str | Path, what: str = "file") -> Path:
    """``path`` as a readable regular file, else one ``InputError`` saying what it is instead
    (missing, a folder or FIFO whose open would block, unreadable): every command that takes a
    film checks it here first."""
    target = Path(path)
    if not target.exists():
        raise InputError(f"{what} not found", path=target)
    if target.is_dir():
        raise InputError(f"is a folder, not a {what}", path=target)
    if not target.is_file():  # a FIFO or device, whose open() could block forever
        raise InputError(f"not a regular file (a FIFO or device), not a {what}", path=target)
    if not os.access(target, os.R_OK):
        raise InputError("file is not readable (permission denied)", path=target)
    return target


def probe(path: str | Path, *, backend: Literal["auto", "ffprobe", "pyav"] = "auto") -> MediaInfo:
    """Probe a media file. Raises ``InputError`` (exit 2) for a missing or unreadable file.

    ``backend="auto"`` uses ffprobe when one is found, else PyAV; both give the same result.
    """
    if backend == "pyav":
        return probe_pyav(path)
    ffprobe = find_ffprobe()
    if backend == "ffprobe":
        if ffprobe is None:
            raise ToolNotFound(
                "no ffprobe of the chosen ffmpeg's build (put it beside ffmpeg or set SUBPIPE_FFPROBE)",
                path=path,
            )
        return probe_ffprobe(path, ffprobe)
    return probe_ffprobe(path, ffprobe) if ffprobe is not None else probe_pyav(path)
