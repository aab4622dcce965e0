"""Batch throughput, idempotency and planning cost of the job engine.

Measured in one run, on generated jobs (a ~25 s speech film with ru/en/pl uploads, copied
into 20 job folders under ``bench/out/batch/``):

1. the 20 jobs run directly in this process, one after another (the same task function,
   no Dask): the baseline;
2. the same through the embedded Dask cluster with 1 worker: the Dask path's overhead
   against (1), cluster start-up included (target <= 5 %);
3. with 2 workers: jobs per minute against (2) (target >= 1.4x on 2 cores; encoder
   threads are shared out, ``cores // workers`` each);
4. a no-op re-run of all 20 through the real CLI (``subpipe batch``): wall time (target
   < 2 s), ffmpeg calls (target 0, counted by an ffmpeg wrapper) and whether a cluster
   started (target: no);
5. planning 10,000 finished jobs again, as every later batch or watch poll does (one
   folder listing per job, its signature looked up in the ledger: ``pipeline.signature``):
   seconds (target < 1 s); also the first plan of them from an empty ledger, and a check
   that a file rewritten with the same size is planned again.

    .venv/bin/python bench/batch.py                   # everything (~5-10 min on a busy 2-core machine)
    .venv/bin/python bench/batch.py --jobs 6          # fewer jobs, quicker
    .venv/bin/python bench/batch.py --only planning   # part 5 alone (no media; ~3 min on a busy 2-core box)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from media.ffmpeg import find_ffmpeg  # noqa: E402
from pipeline.batch import discover, discover_paths, make_plans  # noqa: E402
from pipeline.engine import Coordinator, EngineSettings  # noqa: E402
from pipeline.job import predict  # noqa: E402
from pipeline.ledger import Ledger  # noqa: E402
from tests.pipeline.jobmedia import job_folder, speech_film  # noqa: E402

OUT = REPO / "bench" / "out" / "batch"


def make_jobs(n: int) -> Path:
    root = OUT / f"jobs-{n}"
    if root.is_dir() and len(list(root.iterdir())) == n:
        return root
    shutil.rmtree(root, ignore_errors=True)
    film = OUT / "base.mp4"
    if not film.exists():
        speech_film(film)
    for i in range(n):
        job_folder(root / f"film{i:02d}", film)
    return root


def timed_run(jobs: Path, work: Path, *, workers: int | None, inline: bool) -> tuple[float, float, int]:
    """(wall seconds, seconds after the cluster was up, failed jobs) on fresh outputs and ledger."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    engine = EngineSettings(workers=workers)
    started = time.perf_counter()
    with Ledger(work / "ledger.sqlite") as ledger:
        planned = make_plans(discover([jobs]), ledger=ledger, out_root=work / "out", engine=engine)
        plans, bad = planned.plans, planned.bad
        with Coordinator(ledger, engine) as coordinator:
            up = time.perf_counter()
            if not inline:
                coordinator._start()
                up = time.perf_counter()
            results = coordinator.run(plans, command="bench", inline=inline)
            done = time.perf_counter()
    failed = len(bad) + sum(1 for r in results if not r.ok)
    return done - started, done - up, failed


def noop_rerun(jobs: Path, work: Path) -> tuple[float, int, bool, int]:
    """The real CLI on jobs already done: (wall s, ffmpeg calls, cluster started, exit code)."""
    log = work / "ffmpeg.log"
    log.unlink(missing_ok=True)
    spy = work / "ffmpeg-spy.sh"
    spy.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{find_ffmpeg().path}" "$@"\n', encoding="utf-8")
    spy.chmod(0o755)
    env = {**os.environ, "SUBPIPE_FFMPEG": str(spy), "SUBPIPE_LEDGER": str(work / "ledger.sqlite")}
    # first a run through the CLI with the spy, so the ledger knows this ffmpeg's version
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "batch", str(jobs), "--out", str(work / "out"), "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    log.unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "batch", str(jobs), "--out", str(work / "out"), "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    import json

    report = json.loads(done.stdout) if done.stdout.strip() else {"cluster_started": None}
    calls = len(log.read_text("utf-8").splitlines()) if log.exists() else 0
    return wall, calls, bool(report.get("cluster_started")), done.returncode


def planning(n: int) -> dict[str, float]:
    """Plan ``n`` jobs as ``subpipe batch`` does (discover, plan, triage), in seconds of wall
    and CPU time: ``first`` from an empty ledger (hashing every file); ``replan`` once every
    job has finished, the cost every later batch or watch poll pays (each job's folder
    listed once and its signature looked up); ``changed``: one upload rewritten with the same
    size, which must be planned again (checked, not timed)."""
    from pipeline.job import JobResult, write_result
    from pipeline.signature import RACY_NS
    from pipeline.stages import StageResult, StageStatus

    root = OUT / f"plan-{n}"
    if not (root / f"j{n - 1:05d}").is_dir():
        shutil.rmtree(root, ignore_errors=True)
        srt = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n"
        for i in range(n):
            d = root / f"j{i:05d}"
            d.mkdir(parents=True)
            (d / "film.mp4").write_bytes(i.to_bytes(4, "little"))
            for lang in ("ru", "en", "pl"):
                (d / f"film.{lang}.srt").write_text(srt, encoding="utf-8")
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine = EngineSettings(workers=1)

        def plan_all() -> tuple[Any, list[Any], list[Any]]:
            with Ledger(Path(tmp) / "ledger.sqlite") as ledger:
                listings: dict[str, Any] = {}
                planned = make_plans(
                    discover_paths([root], listings),
                    ledger=ledger,
                    out_root=Path(tmp) / "out",
                    engine=engine,
                    listings=listings,
                )
                todo, finished = Coordinator(ledger, engine).triage(planned.plans)
            return planned, todo, finished

        wall, cpu = time.perf_counter(), time.process_time()
        planned, todo, _ = plan_all()
        out["first"], out["first_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
        assert not planned.bad and len(todo) == n, (len(planned.bad), len(todo))
        # every job finished, as the coordinator leaves them: outputs, result.json, signature
        # (recorded once the outputs' timestamps are older than the racy margin, as on the
        # next batch after a real one)
        steps_of = [predict(p) for p in planned.plans]
        results = []
        for plan, steps in zip(planned.plans, steps_of, strict=True):
            stages = tuple(StageResult(p.instance, StageStatus.OK, key=p.key) for p in steps)
            result = JobResult(plan.name, plan.ident, plan.out_dir, stages)
            write_result(result)
            results.append(result)
        time.sleep(RACY_NS / 1e9 + 0.1)
        with Ledger(Path(tmp) / "ledger.sqlite") as ledger:
            coordinator = Coordinator(ledger, engine)
            for plan, result in zip(planned.plans, results, strict=True):
                coordinator._remember(plan, result)
        # the floor, in the same conditions: the system calls alone (one listing of each job
        # folder, a stat of each file in it and of its output folder), no Python logic
        wall, cpu = time.perf_counter(), time.process_time()
        for folder in os.scandir(root):
            with os.scandir(folder.path) as it:
                for entry in it:
                    entry.stat()
            os.stat(os.path.join(tmp, "out", folder.name))  # noqa: PTH116, PTH118 - the bare call is the floor
        out["floor"], out["floor_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        planned, todo, _ = plan_all()
        out["replan"], out["replan_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
        assert not todo and not planned.plans and len(planned.known) == n, (len(todo), len(planned.known))
        # one upload rewritten in place with the same size: that job (only) is planned again
        victim = root / "j00007" / "film.ru.srt"
        victim.write_bytes(victim.read_bytes())
        planned, todo, _ = plan_all()
        out["changed"] = len(planned.plans)
        assert [p.spec.folder.name for p in planned.plans] == ["j00007"], [p.name for p in planned.plans]
    return out


def print_planning(n: int) -> None:
    fig = planning(n)
    verdict = "OK" if fig["replan"] < 1 else "MISSED"
    print(
        f"planning {n} finished jobs again (one listing per folder, signatures from the ledger): "
        f"{fig['replan']:.2f} s wall, {fig['replan_cpu']:.2f} s CPU  (target < 1 s)  {verdict}"
    )
    print(
        f"  floor (the same listings and stats, nothing else): {fig['floor']:.2f} s wall, "
        f"{fig['floor_cpu']:.2f} s CPU; re-plan / floor: {fig['replan'] / fig['floor']:.2f}x wall"
    )
    print(
        f"  first plan of them (hashing every file, empty ledger): {fig['first']:.2f} s wall, "
        f"{fig['first_cpu']:.2f} s CPU"
    )
    print(f"  one upload rewritten (same size, new mtime): {fig['changed']:.0f} job planned again (want 1)")
    load = os.getloadavg()[0]
    print(f"  load average during the run: {load:.1f} on {os.cpu_count()} cores")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--plan-jobs", type=int, default=10_000)
    parser.add_argument(
        "--only", choices=("planning",), help="Only this part (planning: no media, a few minutes)."
    )
    args = parser.parse_args()
    if args.only == "planning":
        print_planning(args.plan_jobs)
        return 0
    ff = find_ffmpeg()
    print(
        f"ffmpeg {ff.version} ({ff.origin}); {os.cpu_count()} cores; {args.jobs} jobs (25 s film, ru/en/pl)"
    )
    jobs = make_jobs(args.jobs)
    work = OUT / "work"

    direct, _, f0 = timed_run(jobs, work / "direct", workers=1, inline=True)
    one, one_up, f1 = timed_run(jobs, work / "w1", workers=1, inline=False)
    two, two_up, f2 = timed_run(jobs, work / "w2", workers=2, inline=False)
    rate = {k: args.jobs / v * 60 for k, v in (("direct", direct), ("one", one), ("two", two))}
    print(f"\n{'run':<34}{'wall s':>9}{'jobs/min':>10}{'failed':>8}")
    print(f"{'direct, in this process':<34}{direct:>9.1f}{rate['direct']:>10.1f}{f0:>8}")
    for label, wall, n, failed, up in (
        ("Dask, 1 worker", one, rate["one"], f1, one_up),
        ("Dask, 2 workers", two, rate["two"], f2, two_up),
    ):
        print(f"{label:<34}{wall:>9.1f}{n:>10.1f}{failed:>8}   (after cluster start: {up:.1f} s)")
    speedup = rate["two"] / rate["one"]
    overhead = one / direct - 1
    verdict = "OK" if speedup >= 1.4 else "MISSED"
    print(f"\n2 workers / 1 worker:       {speedup:.2f}x   (target >= 1.4x)  {verdict}")
    verdict = "OK" if overhead <= 0.05 else "MISSED"
    print(f"Dask overhead vs direct:    {overhead * 100:+.1f} %  (target <= 5 %)   {verdict}")
    print(f"  (without cluster start-up: {(one_up / direct - 1) * 100:+.1f} %)")

    wall, calls, cluster, code = noop_rerun(jobs, work / "w2")
    ok = wall < 2 and calls == 0 and not cluster and code == 0
    print(
        f"no-op re-run of {args.jobs} (CLI): {wall:.2f} s, {calls} ffmpeg calls, cluster started: {cluster}, "
        f"exit {code}  (target < 2 s, 0, no)  {'OK' if ok else 'MISSED'}"
    )

    print_planning(args.plan_jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
