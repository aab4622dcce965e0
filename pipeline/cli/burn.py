"""``subpipe burn``: burned-in MP4s per language, height and aspect, from one decode, verified."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import click

from media.render_style import preset_names
from pipeline.burn import PRESETS, BurnOptions, BurnResult, burn
from pipeline.cli.output import emit_json
from pipeline.cli.progress import progress_mode, progress_sink
from pipeline.mux import SubtitleSpec
from subtitles.timing import parse_fps


def format_report(result: BurnResult) -> str:
    lines = []
    for f in result.fonts:
        lines.append(f"font: {f.family} ({f.path}, by {f.how})")
    if result.dry_run:
        lines.append("dry run: nothing written; the command would be:")
        lines.append(result.command_line)
    for o in result.outputs:
        verdict = (
            f"verified, {o.frames_checked} frames checked"
            if o.frames_checked
            else ("planned" if result.dry_run else "written")
        )
        aspect = o.aspect or "source"
        lines.append(f"{'would write' if result.dry_run else 'wrote'} {o.path}  {o.language.bcp47} "
                     f"{o.width}x{o.height} {aspect} [{o.style}] {verdict}")  # fmt: skip
    if result.proof_sheet is not None:
        lines.append(f"proof sheet: {result.proof_sheet} (at {(result.proof_time_ms or 0) / 1000:.3f} s)")
    if not result.dry_run:
        lines.append(f"{result.ffmpeg}, {result.elapsed_s:.1f} s")
    return "\n".join(lines)


@click.command("burn")
@click.argument("film", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("subs", nargs=-1, required=True, metavar="SUB[:LANG]...")
@click.option("-o", "--out-dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the outputs (created if missing).")  # fmt: skip
@click.option("--height", "heights", multiple=True, type=click.IntRange(min=2),
              help="Output height; repeat for several (default: the source's). "
              "Heights above the source are skipped.")  # fmt: skip
@click.option("--aspect", "aspects", multiple=True, metavar="A",
              help="Aspect: source (default), 1:1, 9:16, 4:5 or W:H (a centre crop); "
              "repeat for several.")  # fmt: skip
@click.option("--crop-x", default=None, metavar="X",
              help="Crop position: source pixels from the left (320) or a share of the "
              "slack (30%). Default: centre.")  # fmt: skip
@click.option("--style", default=None, metavar="S",
              help=f"Preset ({', '.join(preset_names())}) or a TOML style file. Default: 'default' for text "
              "uploads; ASS/SSA uploads keep their own styles unless a style is given.")  # fmt: skip
@click.option("--font", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Font file to burn with (default: fontconfig's match for the style's font).")  # fmt: skip
@click.option(
    "--crf", type=click.IntRange(0, 51), default=20, show_default=True, help="x264 quality (lower is better)."
)
@click.option(
    "--preset", type=click.Choice(PRESETS), default="medium", show_default=True, help="x264 speed preset."
)
@click.option("--fps", default=None, help="Frame rate for frame-based subtitles (MicroDVD).")
@click.option("--no-proof", is_flag=True, help="Do not write the PNG proof sheet.")
@click.option("--dry-run", is_flag=True, help="Check everything and print the ffmpeg command; write nothing.")
@click.option(
    "--json", "as_json", is_flag=True, help="Report as JSON on stdout; progress as JSON lines on stderr."
)
def command(
    film: Path, subs: tuple[str, ...], out_dir: Path, heights: tuple[int, ...], aspects: tuple[str, ...],
    crop_x: str | None, style: str | None, font: Path | None, crf: int, preset: str, fps: str | None,
    no_proof: bool, dry_run: bool, as_json: bool,
) -> None:  # fmt: skip
    """Burn each SUB into FILM: one H.264/AAC MP4 per language, height and aspect.

    All outputs come from one ffmpeg process (the film is decoded once). Text is drawn by
    libass at each output's own resolution in a style (size as a share of the frame height,
    inside the title-safe area; {\\an8} cues stay on top). The font is resolved to a file
    and every character checked in it before encoding. Each output is verified (streams,
    duration within one frame, the picture changes in the subtitle band at cue midpoints
    and not in gaps) before it is renamed into place; a proof sheet PNG shows one frame
    per language and aspect. Outputs are named FILM-STEM.LANG.HEIGHTp[.9x16].mp4.

    \b
    Examples:
      subpipe burn film.mp4 film.ru.srt film.en.srt film.pl.srt -o out/
      subpipe burn film.mp4 film.ru.srt --height 720 --height 480 --aspect source --aspect 9:16 -o out/
      subpipe burn film.mp4 film.pl.ass --style box --font MyFont.ttf -o out/ --dry-run

    \b
    JSON (--json): {"film", "dry_run", "verified", "ffmpeg", "command": [...],
      "fonts": [{"file", "family", ...}], "outputs": [{"path", "language", "width",
      "height", "aspect", "crop", "style", "cues_needing_3_lines", "frames_checked", ...}],
      "proof_sheet", "libass": {...}, "warnings": [...]}; progress lines on stderr:
      {"event": "progress", "stage": "burning", "percent", "eta_s", ...}

    Exit codes: 0 written and verified, 1 characters missing from the font, 2 bad
    arguments or unreadable input, 4 ffmpeg failed or an output failed verification
    (nothing is left under a final name), 130 interrupted (ffmpeg stopped, temporaries removed).
    """
    options = BurnOptions(
        film=film,
        subtitles=tuple(SubtitleSpec.parse(s) for s in subs),
        out_dir=out_dir,
        heights=heights,
        aspects=aspects,
        style=style,
        font=font,
        crf=crf,
        preset=preset,
        crop_x=crop_x,
        fps=_rate(fps),
        proof=not no_proof,
        dry_run=dry_run,
    )
    with progress_sink(progress_mode(as_json=as_json, dry_run=dry_run), "burning") as sink:
        result = burn(options, on_progress=sink)
    if as_json:
        emit_json(_json(result))
    else:
        click.echo(format_report(result))


def _rate(fps: str | None) -> Fraction | None:
    return parse_fps(fps) if fps is not None else None


def _json(result: BurnResult) -> dict[str, Any]:
    data = result.to_json()
    data["command_line"] = result.command_line
    return data
