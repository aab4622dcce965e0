"""``subpipe probe``: what a film contains, as text or JSON."""

from __future__ import annotations

from pathlib import Path

import click

from media.probe import MediaInfo, StreamInfo, probe
from media.shots import FilmCuts
from pipeline.cli.output import emit_json
from subtitles.timing import format_fps, format_ms

#: Handler names muxers write by default: not a track name anyone chose.
_GENERIC_HANDLERS = frozenset(
    {"VideoHandler", "SoundHandler", "SubtitleHandler", "DataHandler", "TextHandler", "Core Media Video"}
)


def _stream_line(s: StreamInfo) -> str:
    parts = [f"#{s.index}", f"{s.kind:<8}", s.codec]
    if s.kind == "video":
        if s.width and s.height:
            parts.append(f"{s.width}x{s.height}")
        if s.frame_rate is not None:
            vfr = "variable, average " if s.variable_frame_rate else ""
            parts.append(f"{vfr}{format_fps(s.frame_rate)} fps")
        if s.attached_pic:
            parts.append("cover picture")
    if s.kind == "audio":
        if s.channels:
            parts.append(f"{s.channels} ch")
        if s.sample_rate:
            parts.append(f"{s.sample_rate} Hz")
    if s.kind == "subtitle":
        parts.append("bitmap (not text)" if s.is_bitmap else "text")
    parts.append(f"lang={s.language or '-'}")
    if s.title:
        parts.append(f"title={s.title!r}")
    elif s.handler_name and s.handler_name not in _GENERIC_HANDLERS:
        parts.append(f"name={s.handler_name!r}")  # MP4 carries track names here
    if s.default:
        parts.append("default")
    if s.forced:
        parts.append("forced")
    return "  " + "  ".join(parts)


def _rate_text(info: MediaInfo) -> str:
    if info.frame_rate is None:
        return "none (no video)"
    if info.variable_frame_rate:
        # Never printed as if exact: frame numbers cannot be converted with it.
        return f"variable (VFR), average {format_fps(info.frame_rate)}"
    return format_fps(info.frame_rate)


def format_info(info: MediaInfo) -> str:
    """The human-readable report ``subpipe probe`` prints."""
    lines = [
        f"{info.path}",
        f"  format:     {info.format_name}",
        f"  duration:   {format_ms(info.duration_ms) if info.duration_ms is not None else 'unknown'}",
        f"  start:      {format_ms(info.start_ms)}",
        f"  first frame: {format_ms(info.video_start_ms) if info.video_start_ms is not None else '-'}",
        f"  frame rate: {_rate_text(info)}",
        f"  streams:    {len(info.streams)}",
    ]
    lines += [_stream_line(s) for s in info.streams]
    return "\n".join(lines)


@click.command("probe")
@click.argument("film", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option(
    "--shots",
    is_flag=True,
    help="Also list the shot changes (frame number and time; decodes the picture once, then cached).",
)
def command(film: Path, as_json: bool, shots: bool) -> None:
    """Show a film's duration, exact frame rate, start time and streams.

    The frame rate is exact (24000/1001, not 23.976): give it to frame-based subtitle
    formats (MicroDVD) and to alignment. A film whose frames do not advance at one rate is
    reported as variable (VFR) with its average, which is not exact. Bitmap subtitle
    tracks (DVD/Blu-ray) are marked: they cannot be read as text.

    \b
    Example:
      subpipe probe film.mp4
      subpipe probe film.mkv --json
      subpipe probe film.mp4 --shots

    \b
    JSON (--json; full JSON Schema: media.probe.MEDIA_INFO_SCHEMA):
      {"path": str, "format": str, "duration_ms": int|null, "start_ms": int,
       "frame_rate": "num/den"|null (the average when variable), "variable_frame_rate": bool,
       "video_start_ms": int|null (the first frame: subtitle time 0), "backend": "ffprobe"|"pyav",
       "streams": [{"index": int, "kind": "video"|"audio"|"subtitle"|"data"|"attachment",
                    "codec": str, "language": str|null, "title": str|null,
                    "default": bool, "forced": bool, "duration_ms": int|null, "start_ms": int|null,
                    video: "width", "height": int, "frame_rate": "num/den"|null,
                           "variable_frame_rate": bool,
                           "attached_pic": bool,
                    audio: "channels", "sample_rate": int,
                    subtitle: "is_bitmap": bool,
                    "handler_name": str (when the container has one)}]}

    With --shots, "shots": {"frame_rate": "num/den", "frames": int, "detector": str,
    "cuts": [{"frame": int, "time_ms": int, "timecode": "hh:mm:ss.mmm"}]}: each cut is the first
    frame of a new shot, counted from the film's first frame (subtitle time 0). A film whose
    frame rate varies has no frame grid for cuts: exit 2 saying so.

    Exit codes: 0 read, 2 missing or not a media file (or --shots on a variable-rate film),
    4 the probe tool failed.
    """
    info = probe(film)
    cuts = _film_cuts(film, info) if shots else None
    if as_json:
        data = info.to_json()
        if cuts is not None:
            data["shots"] = cuts.to_json()
        emit_json(data)
    else:
        click.echo(format_info(info))
        if cuts is not None:
            click.echo(format_cuts(cuts))


def _film_cuts(film: Path, info: MediaInfo) -> FilmCuts:
    from pipeline.filmqc import default_cache_dir, film_cuts, film_digest

    folder = default_cache_dir()
    cuts, _cached = film_cuts(film, info, folder, film_digest(film, folder))
    return cuts


def format_cuts(cuts: FilmCuts) -> str:
    """``  shot changes: 4 (content detector, 650 frames at 25 fps)`` and one line per cut."""
    lines = [
        f"  shot changes: {len(cuts.frames)} ({cuts.detector} detector, {cuts.frame_count} frames at "
        f"{format_fps(cuts.fps)} fps)"
    ]
    lines += [f"    frame {f:>7}  {format_ms(t)}" for f, t in zip(cuts.frames, cuts.times_ms, strict=True)]
    return "\n".join(lines)
