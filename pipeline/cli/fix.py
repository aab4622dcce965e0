"""``subpipe fix``: apply only the fixes that keep the meaning, and list every change."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.output import emit_chunks, emit_lines, note
from pipeline.cli.qcoptions import build_options, qc_options
from pipeline.fix import fix_file
from subtitles.errors import ContentError
from subtitles.qc import Severity


@click.command("fix")
@click.argument("sub", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the fixed file."
)
@click.option(
    "--in-place", is_flag=True, help="Replace SUB itself, keeping the original as SUB.bak (or SUB.bak.N)."
)
@click.option("--dry-run", is_flag=True, help="List the changes without writing anything.")
@qc_options
@click.option("--json", "as_json", is_flag=True, help="Print the changes and remaining findings as JSON.")
def command(
    sub: Path, output: Path | None, in_place: bool, dry_run: bool, as_json: bool, **qc: object
) -> None:
    """Apply safe fixes: timing gaps and small overlaps, too-short cues, quotes, ellipses,
    dialogue dashes, mixed-script letters, stray tags and whitespace, exact mojibake repair.

    Words are never changed and no cue is dropped; fixing a fixed file changes nothing.
    Times are fixed at what the output format stores (MPL2 100 ms, MicroDVD a frame, ASS
    10 ms), and every change is listed, re-encoding to UTF-8 and line ends included.
    The output is written atomically as UTF-8, in the format its extension names (.srt
    .vtt .ass .ssa .sub .mpl .tmp; .txt keeps an MPL2/TMPlayer/MicroDVD source's format),
    then validated; the exit code is 1 when error findings remain, else 0.

    With --film, in- and out-times near the film's shot changes are moved as a timer would
    (within 7 frames: in-times onto the cut, out-times 2 frames before it; 8-11 frames before a
    cut: 12 frames before it), unless that breaks the 2-frame gap, the minimum duration or the
    reading speed (then the finding stays, saying why); gaps are closed up to a cut, never across.

    --in-place copies the original to SUB.bak first (SUB.bak.1, .bak.2... when that
    exists: a backup is never replaced) and leaves a file that needs no change untouched.

    \b
    Examples:
      subpipe fix film.ru.srt -o film.ru.fixed.srt
      subpipe fix film.pl.srt --in-place --fps 25      # keeps film.pl.srt.bak
      subpipe fix film.pl.txt -o film.pl.ass --fps 25  # MPL2 in, ASS out
      subpipe fix film.en.vtt --dry-run --json
      subpipe fix film.ru.srt --film film.mp4 -o film.ru.fixed.srt   # snap to the shot changes
    """
    options = build_options(**qc)  # type: ignore[arg-type]
    report = fix_file(sub, output=output, in_place=in_place, dry_run=dry_run, options=options)
    if as_json:
        emit_chunks(report.json_chunks())
    else:
        emit_lines(report.text_lines())
    if report.written:
        note(f"wrote {report.output}" + (f" (backup {report.backup})" if report.backup else ""))
    elif dry_run:
        note("dry run: nothing written")
    elif in_place:
        note(f"nothing to change: {sub} left as it was")
    if any(f.severity is Severity.ERROR for f in report.remaining):
        raise ContentError(f"{sub}: errors remain after fixing (see the list above)")
