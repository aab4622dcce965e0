"""``subpipe report DIR``: a job's ``report.html`` (or a batch's ``index.html``) again, from
the artifacts alone: no film, no decode, no ledger."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.output import emit_json


@click.command("report")
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the pages written as JSON on stdout.")
def command(directory: Path, as_json: bool) -> None:
    """Rebuild the HTML report of a job's output folder (the one holding result.json),
    or the index of a batch (a folder holding batch.json, or job output folders below it).

    The page is self-contained (pictures and script inline, no network) and the same,
    byte for byte, for the same artifacts: nothing on it comes from the clock.

    \b
    Examples:
      subpipe report uploads/crackdown/subpipe-out      # -> .../report.html
      subpipe report /srv/out                           # a batch's --out: -> /srv/out/index.html
    """
    from pipeline.report import BATCH_NAME, RESULT_NAME, rebuild_batch_index, rebuild_job_report

    written: list[Path] = []
    if (directory / RESULT_NAME).is_file():
        written.append(rebuild_job_report(directory))
        if (directory / BATCH_NAME).is_file():  # a one-job batch keeps its index beside the job
            written.append(rebuild_batch_index(directory))
    else:
        written.append(rebuild_batch_index(directory))
    if as_json:
        emit_json({"written": [str(p) for p in written]})
    else:
        for path in written:
            click.echo(f"report: {path}")
