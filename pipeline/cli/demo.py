"""``subpipe demo [DIR]``: build the demo film and its flawed uploads, run the pipeline."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.output import emit_json
from pipeline.demo_stages import DemoReport, StageRecord, run_demo
from pipeline.job import shown_outputs

_MARK = {"ok": "ok", "failed": "FAILED", "refused": "REFUSED", "skipped": "skipped"}


def _show(record: StageRecord, root: Path) -> None:
    took = "reused" if record.reused else f"{record.seconds:.1f} s"
    click.echo(f"  {_MARK[record.status]:<8} {record.name:<14} {record.summary}  ({took})")
    shown, more = shown_outputs(record.to_json(root)["outputs"])
    for path in shown:
        click.echo(f"{'':26}{path}")
    if more:
        click.echo(f"{'':26}(and {more} more files)")


@click.command("demo")
@click.argument(
    "directory", metavar="[DIR]", required=False, default="subpipe-demo", type=click.Path(path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the stage records as JSON on stdout.")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Dask worker processes."
)
def command(directory: Path, as_json: bool, workers: int) -> None:
    """Make a short demo film with Russian speech and its ru/en/pl subtitle uploads, as
    translators deliver them (KOI8-R, cp1250 and 2.5 s late, planted flaws), then run the
    pipeline on them as a job with every stage on (the same as subpipe run DIR/input --out
    DIR/output --sidecars --burn --hls, on an embedded Dask cluster, recorded in
    DIR/ledger.sqlite) and show where every output is: the soft-subtitle MKV, the sidecar
    files, a burned-in MP4 per language, the proof sheet, the HLS master playlist and the
    job's report.html.
    The demo then checks what it planted: every flaw found, fixed where safe, the late
    Polish file aligned back onto the truth.

    DIR defaults to ./subpipe-demo. Inputs go to DIR/input (with planted_flaws.json and
    the truth timing in DIR/input/truth), results to DIR/output. Running it again into
    the same DIR overwrites only the demo's own files. Nothing is downloaded.

    \b
    Example:
      subpipe demo
      subpipe demo /tmp/demo --json
      subpipe probe subpipe-demo/output/crackdown.mkv
    """
    root = directory.resolve()
    if root.exists() and not root.is_dir():
        raise click.BadParameter(f"{directory} exists and is not a folder", param_hint="DIR")
    if not as_json:
        click.echo(f"subpipe demo in {root}")
    report: DemoReport = run_demo(
        root, on_record=None if as_json else (lambda r: _show(r, root)), workers=workers
    )
    page = report.result_file.with_name("report.html") if report.result_file is not None else None
    if as_json:
        emit_json({**report.to_json(), "report": str(page) if page is not None and page.is_file() else None})
    else:
        counts = {s: sum(1 for r in report.stages if r.status == s) for s in _MARK}
        shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        click.echo(f"{shown}; inputs in {root / 'input'}, results in {root / 'output'}")
        if report.result_file is not None:
            click.echo(f"result: {report.result_file}")
        if report.outputs:
            click.echo("\nWhere everything is:")
            width = max(len(what) for what, _ in report.outputs)
            for what, path in report.outputs:
                click.echo(f"  {what:<{width}}  {path}")
    if report.error is not None:
        raise report.error
