"""``subpipe run JOB``: one job (a folder or a ``.toml`` spec) through every stage.

The engine options (``--workers``, ``--cluster``, ``--ledger``, ``--out``) and the stage
options (one flag per spec key, from ``pipeline.stages_options.CONFIG_MAP``) are shared
with ``subpipe batch`` and ``subpipe watch`` through ``engine_options``.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.cli.output import emit_json
from pipeline.stages import STAGES, load_render_stages
from pipeline.stages_options import click_options, pop_cli_overrides

F = TypeVar("F", bound=Callable[..., Any])

load_render_stages()


def engine_options(fn: F) -> F:
    """``--out``, ``--ledger``, ``--workers``, ``--cluster``, ``--json`` and the stage flags."""
    decorators = [
        click.option(
            "-o",
            "--out",
            type=click.Path(path_type=Path, file_okay=False),
            help="Output folder (batch: one sub-folder per job). Default: JOB/subpipe-out.",
        ),
        click.option(
            "--ledger",
            type=click.Path(path_type=Path, dir_okay=False),
            help="The SQLite ledger. Default: $SUBPIPE_LEDGER or ~/.local/state/subpipe/ledger.sqlite.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(1, 512),
            default=None,
            help="Worker processes of the embedded Dask cluster (default: the core count).",
        ),
        click.option(
            "--cluster",
            metavar="tcp://HOST:8786",
            help="Run on this Dask scheduler's workers instead of an embedded cluster.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout."),
    ]
    fn = click_options(fn)
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def open_ledger(path: Path | None) -> Any:
    from pipeline.ledger import Ledger, default_path

    return Ledger(path or default_path())


def command_line() -> str:
    return shlex.join(["subpipe", *sys.argv[1:]])


_STAGE_CHOICE = click.Choice(list(STAGES))


@click.command("run")
@click.argument("job", type=click.Path(path_type=Path, exists=True))
@click.option("--from", "from_stage", type=_STAGE_CHOICE, help="Run this stage and every later one again.")
@click.option(
    "--only", "only_stage", type=_STAGE_CHOICE, help="Run only this stage (earlier results must exist)."
)
@click.option("--dry-run", is_flag=True, help="Print the plan and the ffmpeg commands; run nothing.")
@engine_options
def command(**params: Any) -> None:
    """Run JOB (a folder with the film and its uploads, or a .toml spec) through inspect,
    fix, align, validate and mux (and the render stages), in dependency order.

    A folder holding film.mp4 and film.ru.srt, film.en.srt, film.pl.srt needs no spec.
    Every stage's artifacts go into one output folder with result.json (machine-readable)
    and summary.txt. A stage already done with the same inputs, options and versions is
    not run again (its stamp says so); replacing one subtitle file redoes only what
    depends on it. An error-severity finding or a refused alignment stops that language's
    later stages only; the others go on. The work runs on an embedded Dask cluster (or
    --cluster), recorded in the ledger.

    Spec keys (each also a flag; the flag wins):

    \b
    {keys}

    \b
    Examples:
      subpipe run uploads/crackdown/
      subpipe run uploads/crackdown/job.toml --out out/crackdown --max-cps 15
      subpipe run uploads/crackdown --dry-run
      subpipe run uploads/crackdown --from align

    Exit codes: 0 every stage succeeded (or was already done), 1 a content failure
    (validation errors, a failed job), 2 unreadable input or a bad spec, 3 an alignment
    refused, 4 ffmpeg failed.
    """
    from pipeline.batch import make_plans
    from pipeline.engine import Coordinator, EngineSettings
    from pipeline.job import summary_text
    from pipeline.spec import load_job

    overrides = pop_cli_overrides(params)
    job: Path = params["job"]
    as_json: bool = params["as_json"]
    # one job is one task: one worker unless told otherwise (it gets every core for encodes)
    engine = EngineSettings(
        workers=params["workers"] or (None if params["cluster"] else 1), cluster=params["cluster"]
    )
    load_job(job)  # a bad spec: one line naming file, line and key, exit 2
    with open_ledger(params["ledger"]) as ledger:
        planned = make_plans(
            [job],
            ledger=ledger,
            out_root=params["out"],
            engine=engine,
            overrides=overrides,
            from_stage=params["from_stage"],
            only_stage=params["only_stage"],
            single=True,
            signatures=not params["dry_run"],  # a dry run shows every stage: it needs the plan
        )
        if planned.bad:
            raise click.ClickException(planned.bad[0].reason)
        if params["dry_run"]:
            _dry_run(planned.plans[0], ledger, as_json)
            return
        if planned.known:  # its signature matched: nothing changed since it finished
            result = planned.known[0].full()
            started = False
        else:
            listener = None if as_json else _stage_printer()
            with Coordinator(ledger, engine, listener=listener) as coordinator:
                result = coordinator.run(planned.plans, command=command_line())[0]
                started = coordinator.cluster_started
    if as_json:
        emit_json(result.to_json())
    else:
        if result.ran == 0 and result.error is None and not started:
            click.echo(
                f"{result.name}: up to date: every stage's stamp matches its inputs; nothing run, no ffmpeg "
                "started"
            )
        click.echo(summary_text(result), nl=False)
        click.echo(f"result: {result.out_dir / 'result.json'}" + ("" if started else " (no cluster started)"))
    if result.exit_code:
        sys.exit(result.exit_code)


def _stage_printer() -> Callable[[str, Any], None]:
    def show(kind: str, data: Any) -> None:
        if kind == "stage-start":
            click.echo(f"  … {data['stage']}", err=True)
        elif kind == "attempt" and data.get("number", 1) > 1:
            click.echo(f"  retry: attempt {data['number']} on {data['worker']}", err=True)

    return show


def _dry_run(plan: Any, ledger: Any, as_json: bool) -> None:
    """The plan (each stage instance: reuse or run) and the ffmpeg commands of those that run."""
    from pipeline.job import Step, walk
    from pipeline.stages import StageResult, StageStatus

    done = ledger.load_done()
    from pipeline.job import predict

    predicted = {p.instance: p for p in predict(plan, done)}
    rows: list[dict[str, Any]] = []

    def obtain(step: Step) -> StageResult | None:
        p = predicted.get(step.instance)
        action = p.action if p else "skip"
        commands: list[list[str]] = []
        sd = STAGES[step.stage]
        if action == "run" and sd.commands is not None:
            try:
                commands = sd.commands(sd.build(step.stage_input))
            except Exception as exc:
                commands = [[f"(cannot show: {exc})"]]
        rows.append({"stage": step.instance, "action": action, "key": step.key, "commands": commands})
        if p is not None and p.envelope is not None:
            return p.envelope
        return StageResult(step.instance, StageStatus.OK, key=step.key)

    walk(plan, obtain)
    if as_json:
        emit_json({"job": plan.ident, "name": plan.name, "output": str(plan.out_dir), "stages": rows})
        return
    click.echo(
        f"{plan.name}: {plan.spec.film.name} with {', '.join(s.tag for s in plan.spec.subtitles)} → "
        f"{plan.out_dir}"
    )
    for row in rows:
        click.echo(f"  {row['action']:<6} {row['stage']}")
        for cmd in row["commands"]:
            click.echo(f"           $ {shlex.join(cmd)}")
    runs = sum(1 for r in rows if r["action"] == "run")
    click.echo(f"{runs} stage(s) would run, {len(rows) - runs} reused or skipped")


command.help = (command.help or "").replace(
    "{keys}",
    "\n    ".join(
        __import__("pipeline.stages_options", fromlist=["spec_keys_doc"]).spec_keys_doc().splitlines()
    ),
)
