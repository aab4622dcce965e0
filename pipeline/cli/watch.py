"""``subpipe watch DIR``: run each job under DIR when its uploads are complete, and again
when one of them is replaced; SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import click

from pipeline.cli.output import emit_json
from pipeline.cli.run import engine_options, open_ledger
from pipeline.stages_options import pop_cli_overrides


@click.command("watch")
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--settle",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds a job's files must keep their size and mtime before it runs.",
)
@click.option(
    "--ready-marker",
    "marker",
    is_flag=True,
    help="Run a job only once a .ready file appears in its folder (instead of --settle).",
)
@click.option(
    "--interval",
    type=click.FloatRange(0.05),
    default=2.0,
    show_default=True,
    help="Seconds between polls (polling works on network mounts, where change events do not).",
)
@click.option("--max-seconds", type=click.FloatRange(0), default=None, hidden=True)
@engine_options
def command(**params: Any) -> None:
    """Watch DIR for uploads: a job folder (a film and its subtitles, or a job.toml) runs
    once its files are complete (unchanged for --settle seconds, or a .ready marker with
    --ready-marker); a file replaced later re-runs the stages that depend on it.

    SIGTERM (or Ctrl-C) stops it: running stages are recorded as interrupted in the
    ledger, temporaries are removed, and it exits 0 (130 for Ctrl-C). Started again, it
    picks up where the ledger says: finished stages are not redone.

    \b
    Examples:
      subpipe watch /srv/uploads --out /srv/out
      subpipe watch /mnt/nfs/uploads --ready-marker --interval 10 --workers 2
    """
    from pipeline.engine import EngineSettings
    from pipeline.watch import Watcher

    overrides = pop_cli_overrides(params)
    as_json: bool = params["as_json"]
    engine = EngineSettings(workers=params["workers"], cluster=params["cluster"])
    got: list[int] = []

    def on_result(result: Any) -> None:
        if as_json:
            emit_json(result.to_json())
        else:
            ok = getattr(result, "ok", False)
            reason = "" if ok else f": {result.reason}"
            up = " (up to date)" if ok and getattr(result, "ran", 1) == 0 else ""
            click.echo(f"{'ok' if ok else 'FAILED':<7} {result.name}{up}{reason}", err=not as_json)
        sys.stdout.flush()

    with open_ledger(params["ledger"]) as ledger:
        watcher = Watcher(
            params["directory"],
            ledger,
            engine,
            out_root=params["out"],
            settle=params["settle"],
            interval=params["interval"],
            marker=params["marker"],
            overrides=overrides,
            on_result=on_result,
        )

        def stop(signum: int, frame: FrameType | None) -> None:
            got.append(signum)
            watcher.stop()

        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            if not as_json:
                mode = ".ready marker" if params["marker"] else f"{params['settle']:g} s without change"
                click.echo(f"watching {params['directory']} (complete = {mode}; SIGTERM to stop)", err=True)
            watcher.run(max_seconds=params["max_seconds"])
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
    if not as_json:
        click.echo(f"stopped: {len(watcher.results)} job runs; the ledger is up to date", err=True)
    if got and got[-1] == signal.SIGINT:
        sys.exit(130)
