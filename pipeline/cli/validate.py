"""``subpipe validate``: the QC gate every rendition passes."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.output import emit_chunks, emit_json, emit_lines
from pipeline.cli.qcoptions import build_options, qc_options
from pipeline.validate import EXIT_FINDINGS, EXIT_UNREADABLE, json_chunks, text_lines, validate_files
from subtitles.errors import ContentError, InputError, UsageError
from subtitles.qc import Severity, all_rules


@click.command("validate")
@click.argument("subs", nargs=-1, type=click.Path(path_type=Path))
@qc_options
@click.option("--no-cross", is_flag=True, help="Do not compare the files with each other.")
@click.option(
    "--show",
    type=click.Choice(["error", "warning", "info"]),
    default="info",
    show_default=True,
    help="Least severe findings to print in the text report.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the report as JSON (schema: subtitles/qc/finding.schema.json).",
)
@click.option("--list-rules", is_flag=True, help="List every rule with its id, severity and description.")
def command(
    subs: tuple[Path, ...], no_cross: bool, show: str, as_json: bool, list_rules: bool, **qc: object
) -> None:
    """Check subtitle files before they are burned in or published.

    Every finding has a rule id, a severity and a location (file:line, cue, time). With
    --film, the cues are also checked against the film's shot changes and speech (shot.*,
    speech.*: the film is decoded once, then its cuts and speech come from a cache).
    Exit code 0: no errors; 1: at least one error finding; 2: a file could not be
    read at all (the other files are still checked and reported).

    \b
    Examples:
      subpipe validate film.ru.srt film.en.srt film.pl.srt --film film.mp4
      subpipe validate film.pl.srt --fps 25 --max-cps 15 --disable typo.quotes
      subpipe validate film.ru.srt --profile broadcaster.toml --json
    """
    if list_rules:
        _print_rules(as_json)
        return
    if not subs:
        raise UsageError("give at least one subtitle file (or --list-rules)")
    options = build_options(cross=not no_cross, **qc)  # type: ignore[arg-type]
    report = validate_files(list(subs), options)
    # written as it is made: the whole report as one string (or one dict per finding) of a
    # 200,000-cue file would cost more memory than checking it
    if as_json:
        emit_chunks(json_chunks(report))
    else:
        emit_lines(text_lines(report, min_severity=Severity(show)))
    if report.exit_code == EXIT_UNREADABLE:
        # Each unreadable file is named on stderr as the one-line error a script reads, not
        # only in the report on stdout (which may be JSON, or piped away).
        unreadable = [f for f in report.files if f.error is not None]
        errors = [InputError(f.error or "", path=f.path, line=f.error_line) for f in unreadable]
        if len(errors) == 1:
            raise errors[0]
        for error in errors:
            click.echo(f"subpipe: error: {error}", err=True)
        raise InputError(f"{report.unreadable} of {len(report.files)} files could not be read")
    if report.exit_code == EXIT_FINDINGS:
        raise ContentError(f"validation failed: {report.summary()}")


def _print_rules(as_json: bool) -> None:
    rules = sorted(all_rules().values(), key=lambda r: r.id)
    if as_json:
        emit_json(
            [
                {"id": r.id, "severity": r.severity.value, "fixable": r.fixable, "description": r.description}
                for r in rules
            ]
        )
        return
    for r in rules:
        fix = " (fixable)" if r.fixable else ""
        click.echo(f"{r.id:28} {r.severity.value:8} {r.description}{fix}")
