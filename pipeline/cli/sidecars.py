"""``subpipe sidecars``: per-language SRT and WebVTT files for YouTube, Vimeo and Facebook."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.output import emit_json
from pipeline.mux import SubtitleSpec
from pipeline.sidecars import FORMATS, SidecarFormat, SidecarOptions, SidecarReport, sidecars
from subtitles.errors import UsageError
from subtitles.timing import parse_fps


def _formats(text: str) -> tuple[SidecarFormat, ...]:
    chosen: list[SidecarFormat] = []
    for word in (w.strip().lower().lstrip(".") for w in text.split(",")):
        word = {"webvtt": "vtt", "subrip": "srt"}.get(word, word)
        if word == "srt":
            chosen.append("srt")
        elif word == "vtt":
            chosen.append("vtt")
        elif word:
            raise UsageError(f"--format {word!r}: choose from {', '.join(FORMATS)}")
    return tuple(chosen)


def format_report(report: SidecarReport) -> str:
    verb = "would write" if report.dry_run else "wrote"
    lines = []
    for f in report.files:
        kinds = [k for k, on in (("forced", f.forced), ("SDH", f.sdh)) if on]
        extra = f" ({', '.join(kinds)})" if kinds else ""
        check = "" if report.dry_run else ", verified"
        lines.append(f"{verb} {f.path} ({f.format}, {f.language.bcp47}{extra}, {f.cues} cues{check})")
    return "\n".join(lines)


@click.command("sidecars")
@click.argument("subs", nargs=-1, required=True, metavar="SUB[:LANG]...")
@click.option(
    "-o",
    "--out-dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the files.",
)
@click.option(
    "--naming",
    type=click.Choice(["bcp47", "facebook"]),
    default="bcp47",
    show_default=True,
    help="bcp47: film.ru.srt (YouTube, Vimeo); facebook: film.ru_RU.srt.",
)
@click.option("--format", "formats", default="srt,vtt", show_default=True, help="Comma-separated: srt, vtt.")
@click.option(
    "--plain-srt", is_flag=True, help="SRT without any markup (italics dropped), as YouTube wants it."
)
@click.option("--stem", default=None, help="File-name stem of every output (default: each upload's own).")
@click.option(
    "--fps", default=None, help="Frame rate for frame-based subtitles (MicroDVD), e.g. 25 or 24000/1001."
)
@click.option("--dry-run", is_flag=True, help="Read and check the inputs, list the files, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def command(
    subs: tuple[str, ...],
    out_dir: Path,
    naming: str,
    formats: str,
    plain_srt: bool,
    stem: str | None,
    fps: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Write one UTF-8 SRT and one WebVTT file per SUB, named by language.

    Names are <stem>.<bcp47>.srt|vtt (film.ru.srt, film.pl.vtt), with .forced or .sdh
    kept from the upload's name (film.en.sdh.vtt); --naming facebook gives
    film.ru_RU.srt, film.pl_PL.srt, film.en_US.srt. WebVTT keeps italics, bold and
    underline; SRT keeps them as <i> <b> <u> unless --plain-srt. Every file is read back
    and compared with its upload cue by cue before it counts as written; inputs are never
    overwritten. The language of a SUB comes from SUB:LANG, else from a file name like
    film.ru.srt, else from the file itself.

    \b
    Examples:
      subpipe sidecars film.ru.srt film.en.srt film.pl.srt -o out/
      subpipe sidecars film.ru.srt film.pl.srt -o out/ --naming facebook --format srt
      subpipe sidecars russian.srt:ru -o out/ --stem film --plain-srt --json

    \b
    JSON (--json): {"out_dir": str, "dry_run": bool,
      "files": [{"path": str, "format": "srt"|"vtt", "language": "ru", "forced": bool,
                 "sdh": bool, "cues": int, "source": str, "verified": bool}]}

    Exit codes: 0 written and verified, 1 a subtitle has no cue to show, 2 bad arguments
    or unreadable input, 4 a written file failed verification.
    """
    options = SidecarOptions(
        subtitles=tuple(SubtitleSpec.parse(s) for s in subs),
        out_dir=out_dir,
        naming="facebook" if naming == "facebook" else "bcp47",
        formats=_formats(formats),
        plain_srt=plain_srt,
        stem=stem,
        fps=parse_fps(fps) if fps is not None else None,
        dry_run=dry_run,
    )
    report = sidecars(options)
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(format_report(report))


__all__ = ["command"]
