"""``subpipe inspect``: what subpipe makes of each subtitle file, before anything else runs."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import click

from pipeline.cli.output import emit_json
from pipeline.ingest import ingest_each
from pipeline.inspect import describe, describe_error
from subtitles.errors import InputError
from subtitles.formats import get_format
from subtitles.language import Language
from subtitles.model import Track
from subtitles.timing import format_fps, parse_fps

#: Below this encoding confidence the text report names the runners-up.
CLOSE_CALL = 0.99


def _human(info: dict[str, Any]) -> list[str]:
    lines = [str(info["path"])]
    enc = info["encoding"]
    if enc is not None:
        extra = " with BOM" if enc["bom"] else ""
        # Runners-up are worth a word only when the choice was close (JSON keeps them all).
        close = enc["alternatives"] and enc["confidence"] < CLOSE_CALL
        alts = f"; runner-up: {', '.join(enc['alternatives'])}" if close else ""
        lines.append(f"  encoding    {enc['name']}{extra} (confidence {enc['confidence']:.2f}{alts})")
    lines.append(f"  format      {info['format']}")
    if info["language"]:
        declared = f"{info['language']} ({info['language_name']}, {info['language_source']})"
    else:
        declared = "unknown"
    detected = info["detected_language"] or "undetermined"
    lines.append(f"  language    {declared}; text reads as {detected} ({info['detected_confidence']:.2f})")
    lines.append(f"  cues        {info['cues']}, {info['first_start']} → {info['last_end']}")
    if info["frame_rate"]:
        rate = format_fps(Fraction(info["frame_rate"]))
        lines.append(f"  frame rate  {rate} ({info['frame_rate_source']})")
    problems = info["problems"]
    lines.append(f"  problems    {len(problems)}")
    for p in problems:
        where = f"line {p['line']}" if p["line"] is not None else "file"
        lines.append(f"    {where}: {p['severity']}: {p['message']}")
    return lines


def _fps_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Fraction | None:
    return None if value is None else parse_fps(value)


def _lang_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Language | None:
    return None if value is None else Language.parse(value)


@click.command("inspect")
@click.argument("subs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--fps",
    callback=_fps_option,
    metavar="RATE",
    help="Frame rate for MicroDVD files (25, 23.976, 24000/1001); overrides the file's own.",
)
@click.option(
    "--film",
    type=click.Path(path_type=Path),
    metavar="FILM",
    help="The film: its exact frame rate is used for MicroDVD files that declare none.",
)
@click.option(
    "--lang",
    "lang",
    callback=_lang_option,
    metavar="LANG",
    help="Language of the files (ru, pol, en-GB, Russian...), instead of file name or detection.",
)
@click.option(
    "--format",
    "format_",
    metavar="FORMAT",
    help="Read as this format (srt, vtt, ass, ssa, microdvd, mpl2, tmp) instead of sniffing.",
)
@click.option(
    "--encoding", metavar="CODEC", help="Decode with this encoding (cp1250, koi8-r...) instead of detecting."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (schema below) instead of text.")
def command(
    subs: tuple[Path, ...],
    fps: Fraction | None,
    film: Path | None,
    lang: Language | None,
    format_: str | None,
    encoding: str | None,
    as_json: bool,
) -> None:
    """Show how subpipe reads each subtitle file: format, encoding, language, cues,
    frame rate and every parse problem with its line number.

    \b
    Examples:
      subpipe inspect film.ru.srt film.pl.srt film.en.vtt
      subpipe inspect film.pl.sub --film film.mp4
      subpipe inspect film.pl.sub --fps 25 --json
      subpipe inspect napisy.txt --format mpl2 --encoding cp1250

    \b
    --json prints a list with one object per file, in argument order:
      path                 the file as given
      ok                   false when the file could not be read (then only "error")
      error                null, or {type, message, line} for an unreadable file
      format               srt | vtt | ass | ssa | microdvd | mpl2 | tmp
      encoding             {name, confidence 0..1, bom, alternatives [names]}
      language             BCP-47 tag used (ru, pl, en-GB) or null
      language_name        English name of that language, or null
      language_source      explicit | filename | detected | unknown
      detected_language    tag the text itself reads as, or null (too little text)
      detected_confidence  0..1
      cues                 number of dialogue cues
      first_start_ms, last_end_ms   earliest start, latest end (integer ms)
      first_start, last_end         the same as HH:MM:SS.mmm
      frame_rate           exact rate used for frame-based files ("24000/1001"), or null
      frame_rate_source    explicit | declared | film, or null
      problems             [{line, severity (error|warning|info), code, message}]

    \b
    Exit codes: 0 when every file was read (problems do not fail inspect), 2 when a file
    is missing, not text, not a subtitle format, or a MicroDVD file has no frame rate.
    """
    if film is not None:
        from media.probe import check_input_file

        check_input_file(film, "film")
    if format_ is not None:
        get_format(format_)  # an unknown format is a usage error before any file is read
    results = ingest_each(list(subs), language=lang, fps=fps, film=film, format_=format_, encoding=encoding)
    infos: list[dict[str, Any]] = []
    errors: list[InputError] = []
    for path, result in zip(subs, results, strict=True):
        if isinstance(result, Track):
            infos.append(describe(result, fps=fps))
        else:
            infos.append(describe_error(path, result))
            errors.append(result)
    if as_json:
        emit_json(infos)
    else:
        for info in infos:
            if info["ok"]:
                click.echo("\n".join(_human(info)))
    if errors:
        for error in errors[:-1]:
            click.echo(f"subpipe: error: {error}", err=True)
        raise errors[-1]
