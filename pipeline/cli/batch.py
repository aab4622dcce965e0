"""``subpipe batch DIR...``: every job under the folders, in parallel, with a live view."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from pipeline.cli.output import emit_json
from pipeline.cli.run import command_line, engine_options, open_ledger
from pipeline.stages_options import pop_cli_overrides


@click.command("batch")
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@engine_options
def command(**params: Any) -> None:
    """Run every job found under DIR... (a folder with a film and its uploads, or a
    job.toml) on an embedded Dask cluster of --workers processes, or on --cluster.

    One bad upload never stops the others: each failure is reported with its reason. On a
    terminal a live view shows the jobs running, their current stage and an ETA; at the
    end a table lists every job. Jobs already done with the same inputs are reported from
    their stamps without starting a cluster or ffmpeg.

    \b
    Examples:
      subpipe batch uploads/
      subpipe batch uploads/ --out /srv/out --workers 2
      subpipe batch uploads/ --cluster tcp://10.0.0.5:8786 --json

    Exit codes: 0 only if every job succeeded, 1 otherwise (2 when no job was found).
    """
    from pipeline.batch import LiveView, batch_json, discover_paths, make_plans, summary_table, write_index
    from pipeline.engine import Coordinator, EngineSettings

    overrides = pop_cli_overrides(params)
    as_json: bool = params["as_json"]
    started = time.perf_counter()
    listings: dict[str, Any] = {}
    paths = discover_paths(list(params["dirs"]), listings)
    if not paths:
        raise click.UsageError(
            "no job found (a folder with a film, or a job.toml) under " + ", ".join(map(str, params["dirs"]))
        )
    engine = EngineSettings(workers=params["workers"], cluster=params["cluster"])
    with open_ledger(params["ledger"]) as ledger:
        planned = make_plans(
            paths,
            ledger=ledger,
            out_root=params["out"],
            engine=engine,
            overrides=overrides,
            listings=listings,
        )
        plans, bad = planned.plans, planned.bad
        coordinator = Coordinator(ledger, engine)
        view = LiveView(coordinator.progress, engine.worker_count())
        if not as_json:
            coordinator.listener = view
            for u in bad:
                click.echo(f"FAILED  {u.name}: {u.reason}", err=True)
        with coordinator:
            results = coordinator.run(plans, command=command_line(), known=planned.known)
            cluster = coordinator.cluster_started
        view.finish()
    everything: list[Any] = [*results, *bad]
    index = write_index(everything, params["out"], list(params["dirs"]))
    if as_json:
        data = batch_json(everything, time.perf_counter() - started, cluster)
        emit_json({**data, "index": str(index) if index is not None else None})
    else:
        click.echo(summary_table(everything))
        if index is not None:
            click.echo(f"index: {index}")
        failed = sum(1 for r in everything if not getattr(r, "ok", False))
        note = "" if cluster else "; nothing needed running: no cluster, no ffmpeg started"
        click.echo(f"{len(everything)} jobs, {failed} failed, {time.perf_counter() - started:.1f} s{note}")
    if any(not getattr(r, "ok", False) for r in everything):
        sys.exit(1)
