"""``subpipe hls``: a film and its subtitles as an HLS stream (video ladder, audio, WebVTT)."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from pipeline.cli.output import emit_json
from pipeline.cli.progress import progress_mode, progress_sink
from pipeline.hls import HlsOptions, HlsReport, hls
from pipeline.mux import SubtitleSpec, parse_default
from subtitles.timing import parse_fps


def format_report(report: HlsReport) -> str:
    if report.dry_run:
        lines = [
            f"would write {report.master} (ffmpeg writes into a temporary folder beside it first):",
            "  " + shlex.join(report.command),
        ]
    else:
        lines = [f"wrote {report.master} ({report.segments} segments of {report.segment_s} s, verified)"]
    for r in report.renditions:
        lines.append(f"  video {r.width}x{r.height}  {r.playlist}")
    if report.audio:
        lines.append("  audio         audio.m3u8")
    for s in report.subtitles:
        flags = [f for f, on in (("default", s.default), ("forced", s.forced), ("SDH", s.sdh)) if on]
        extra = f" ({', '.join(flags)})" if flags else ""
        lines.append(f"  subtitles {s.language.bcp47:<4} {s.name!r}{extra}  {s.playlist}  {s.cues} cues")
    if report.mpegts is not None:
        lines.append(f"  X-TIMESTAMP-MAP=MPEGTS:{report.mpegts},LOCAL:00:00:00.000 (measured)")
    return "\n".join(lines)


@click.command("hls")
@click.argument("film", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("subs", nargs=-1, metavar="SUB[:LANG]...")
@click.option(
    "-o",
    "--out-dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="HLS folder to write.",
)
@click.option(
    "--height",
    "heights",
    multiple=True,
    type=click.IntRange(min=16),
    help="A video height of the ladder (repeat). Default: 1080, 720, 480, 360 at or below the source.",
)
@click.option("--segment", "segment_s", type=click.IntRange(min=1), default=6, show_default=True,
              help="Segment length in seconds.")  # fmt: skip
@click.option("--crf", type=click.IntRange(0, 51), default=23, show_default=True, help="x264 quality.")
@click.option("--preset", default="veryfast", show_default=True, help="x264 preset.")
@click.option("--default", "default", metavar="LANG", default=None,
              help="Subtitle language shown without the viewer choosing (default: none).")  # fmt: skip
@click.option("--fps", default=None, help="Frame rate for frame-based subtitles (MicroDVD).")
@click.option(
    "--dry-run", is_flag=True, help="Read and check the inputs, print the ffmpeg command, write nothing."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Report as JSON on stdout; progress as JSON lines on stderr."
)
def command(
    film: Path,
    subs: tuple[str, ...],
    out_dir: Path,
    heights: tuple[int, ...],
    segment_s: int,
    crf: int,
    preset: str,
    default: str | None,
    fps: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Package FILM as HLS in OUT_DIR with one WebVTT subtitle rendition per SUB.

    One ffmpeg process decodes FILM once and encodes every height (only heights at or
    below the source) with keyframes on the segment boundaries, plus one AAC audio
    rendition. Each SUB becomes a WebVTT rendition in one subtitle group: LANGUAGE as
    BCP-47 (ru), NAME native (Русский, English, Polski), AUTOSELECT=YES, FORCED=YES for
    film.ru.forced.srt, DEFAULT=YES only for --default. Every WebVTT segment carries an
    X-TIMESTAMP-MAP measured from the written video segments. OUT_DIR/master.m3u8 ties
    it together. Everything is read back (playlists parsed, every segment present,
    keyframes aligned, cues compared) before the folder is moved into place; an existing
    OUT_DIR is replaced only if it is an earlier HLS folder (has master.m3u8) or empty.

    \b
    Examples:
      subpipe hls film.mp4 film.ru.srt film.en.srt film.pl.srt -o web/film
      subpipe hls film.mkv film.ru.srt film.pl.srt -o web/film --height 720 --height 360
      subpipe hls film.mp4 film.pl.srt --default pl --segment 4 --dry-run

    \b
    JSON (--json): {"out_dir": str, "master": str, "film": str, "dry_run": bool,
      "verified": bool, "segment_s": int, "segments": int, "timestamp_map_mpegts": int|null,
      "video": [{"width": int, "height": int, "playlist": str, "bandwidth": int|null,
                 "average_bandwidth": int|null, "codecs": str|null}],
      "audio": str|null, "subtitles": [{"language": "ru", "name": str, "playlist": str,
        "default": bool, "forced": bool, "sdh": bool, "cues": int, "source": str}],
      "command": [str]}; progress lines on stderr:
      {"event": "progress", "stage": "encoding", "percent", "eta_s", ...}

    Exit codes: 0 written and verified, 1 a subtitle has no cues, 2 bad arguments or
    unreadable input, 4 ffmpeg failed or the output failed verification (nothing is left
    under OUT_DIR), 130 interrupted (ffmpeg stopped, the temporary folder removed).
    """
    options = HlsOptions(
        film=film,
        subtitles=tuple(SubtitleSpec.parse(s) for s in subs),
        out_dir=out_dir,
        heights=tuple(heights),
        segment_s=segment_s,
        crf=crf,
        preset=preset,
        default=parse_default(default),
        fps=parse_fps(fps) if fps is not None else None,
        dry_run=dry_run,
    )
    with progress_sink(progress_mode(as_json=as_json, dry_run=dry_run), "encoding") as sink:
        report = hls(options, on_progress=sink)
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(format_report(report))
