"""``subpipe mux``: add subtitle tracks to a film (MKV or MP4) without re-encoding it."""

from __future__ import annotations

import shlex
from fractions import Fraction
from pathlib import Path

import click

from pipeline.cli.output import emit_json
from pipeline.cli.progress import progress_mode, progress_sink
from pipeline.mux import MuxReport, SubtitleSpec, mux_subtitles, parse_default
from subtitles.timing import parse_fps


def format_report(report: MuxReport) -> str:
    if report.dry_run:
        lines = [f"would write {report.output} ({report.container}); command (subtitle files are temporary):",
                 "  " + shlex.join(report.command)]  # fmt: skip
    else:
        lines = [f"wrote {report.output} ({report.container}, verified)"]
    for t in report.tracks:
        flags = [f for f, on in (("default", t.default), ("forced", t.forced), ("SDH", t.sdh)) if on]
        index = f"#{t.stream_index}" if t.stream_index >= 0 else "  "
        lines.append(
            f"  {index} {t.language.iso639_2b} {t.title!r:<14} {','.join(flags) or '-':<15} "
            f"{t.codec or '':<8} {t.cues} cues  from {t.source}"
        )
    return "\n".join(lines)


@click.command("mux")
@click.argument("film", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("subs", nargs=-1, required=True, metavar="SUB[:LANG]...")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Output film: .mkv (SRT/ASS tracks) or .mp4 (mov_text tracks).",
)
@click.option(
    "--fps", default=None, help="Frame rate for frame-based subtitles (MicroDVD), e.g. 25 or 24000/1001."
)
@click.option(
    "--default",
    "default",
    metavar="LANG|none",
    default=None,
    help="The track shown by default: the first full track of LANG (default: the first full track; "
    "'none': no default).",
)
@click.option(
    "--dry-run", is_flag=True, help="Read and check the inputs, print the ffmpeg command, write nothing."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Report as JSON on stdout; progress as JSON lines on stderr."
)
def command(
    film: Path,
    subs: tuple[str, ...],
    output: Path,
    fps: str | None,
    default: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Add one subtitle track per SUB to FILM, stream-copying video and audio.

    Each SUB is read with encoding detection, converted to UTF-8 and muxed with its
    ISO 639-2 language code (rus, eng, pol) and its native name as title (Русский,
    English, Polski). The first full SUB is the default track (or the first of --default
    LANG; --default none for no default), the others are explicitly not default. The
    language of a SUB comes from SUB:LANG, else from a file name like film.ru.srt, else
    from the file itself; a track of unknown language is refused. File-name qualifiers
    set dispositions: film.ru.forced.srt is a forced track ("Русский (Forced)"),
    film.en.sdh.srt (or .hi, .cc) a hearing-impaired one ("English (SDH)"). An ASS/SSA
    SUB stays ASS in MKV, with its styles and positions.

    The output is written under a temporary name, probed to check every track's language,
    title and default flag, the video and audio streams and the duration, and only then
    renamed: on any failure no output is left. Inputs are never overwritten. Subtitle
    tracks already inside FILM are not copied: the SUB files replace them.

    \b
    Examples:
      subpipe mux film.mp4 film.ru.srt film.en.srt film.pl.srt -o film.mkv
      subpipe mux film.mp4 russian.srt:ru english.srt:en -o film.subs.mp4
      subpipe mux film.mkv film.pl.sub --fps 25 -o out.mkv --json
      subpipe mux film.mp4 film.ru.srt film.ru.forced.srt film.en.sdh.srt --default en -o film.mkv

    \b
    JSON (--json): {"output": str, "container": "matroska"|"mp4", "film": str,
      "duration_ms": int|null, "verified": bool, "dry_run": bool, "command": [str],
      "tracks": [{"source": str, "language": "rus", "bcp47": "ru", "title": str,
                  "default": bool, "forced": bool, "hearing_impaired": bool,
                  "codec": str, "cues": int, "stream_index": int}]}; progress lines on stderr:
      {"event": "progress", "stage": "muxing", "percent", "eta_s", ...}

    Exit codes: 0 written and verified, 1 a subtitle has no cues, 2 bad arguments or
    unreadable input, 4 ffmpeg failed or the output failed verification.
    """
    rate: Fraction | None = parse_fps(fps) if fps is not None else None
    specs = [SubtitleSpec.parse(s) for s in subs]
    with progress_sink(progress_mode(as_json=as_json, dry_run=dry_run), "muxing") as sink:
        report = mux_subtitles(
            film, specs, output, fps=rate, default=parse_default(default), dry_run=dry_run, on_progress=sink
        )
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(format_report(report))
