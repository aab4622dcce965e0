"""Many jobs at once: finding them, planning them, running them, showing them.

Used by ``subpipe run`` (one job), ``subpipe batch`` (every job under some folders) and
``subpipe watch`` (jobs as they become complete). A job that cannot even be read (a spec
with a path leading outside its folder, a folder without a film) is a failed job with its
reason, like one whose stage failed: one bad upload never stops the others.

Outputs: ``--out DIR`` puts each job's artifacts in ``DIR/<job name>/`` (one job: ``DIR``
itself); without it, in ``<job folder>/subpipe-out/``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pipeline.engine import EngineSettings
from pipeline.job import Hasher, JobPlan, JobResult, plan_job, versions
from pipeline.ledger import Ledger
from pipeline.spec import IGNORED_NAMES, SPEC_NAME, VIDEO_SUFFIXES, JobSpec, JobSpecError, load_job
from subtitles.errors import SubpipeError

OUT_NAME = "subpipe-out"


@dataclass(frozen=True)
class Unplanned:
    """A job that could not be planned, and why."""

    path: Path
    name: str
    reason: str
    exit_code: int

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "job": str(self.path),
            "status": "failed",
            "exit_code": self.exit_code,
            "reason": self.reason,
            "stages": [],
        }


def discover(roots: Sequence[Path], listings: dict[str, list[os.DirEntry[str]]] | None = None) -> list[Path]:
    """Jobs under ``roots``: a root that is a job, else the job folders (and ``*.toml``
    specs) below it, not descending into a job or into output folders.

    One ``os.scandir`` per folder (its entries' types come with the listing); each job
    folder's entries go into ``listings`` (by absolute path) when given, so planning lists
    no folder twice."""
    return [Path(p) for p in discover_paths(roots, listings)]


def discover_paths(
    roots: Sequence[Path], listings: dict[str, list[os.DirEntry[str]]] | None = None
) -> list[str]:
    """``discover`` as absolute path strings (for ten thousand jobs, building ``Path``
    objects is a noticeable share of planning them; ``make_plans`` takes either)."""
    found: list[str] = []
    for given in roots:
        if given.is_file():
            if given.suffix.lower() != ".toml":  # as ``subpipe run`` says: not a job at all
                raise JobSpecError("a job is a folder (film and subtitles) or a .toml spec", path=given)
            found.append(str(given))
            continue
        root = os.path.abspath(given)  # noqa: PTH100 - absolute, not resolved (no stat per part)
        top = _listing(root)
        if top is not None and _is_job(top):
            found.append(root)
            if listings is not None:
                listings[root] = top
            continue
        stack: list[list[os.DirEntry[str]] | None] = [top]
        while stack:
            entries = stack.pop()
            for entry in entries or ():
                name = entry.name
                if name[0] == "." or name in IGNORED_NAMES:
                    continue
                try:
                    if not entry.is_dir():
                        continue
                except OSError:
                    continue
                sub = _listing(entry.path)
                if sub is not None and _is_job(sub):
                    found.append(entry.path)
                    if listings is not None:
                        listings[entry.path] = sub
                else:
                    stack.append(sub)
    return sorted(set(found))


def _listing(folder: str) -> list[os.DirEntry[str]] | None:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return None


def _is_job(entries: Sequence[os.DirEntry[str]]) -> bool:
    """A spec or a video file among the entries (names only, as ``is_job_folder``)."""
    return any(e.name == SPEC_NAME or e.name[e.name.rfind(".") :].lower() in VIDEO_SUFFIXES for e in entries)


def output_for(spec: JobSpec, out_root: Path | None, single: bool) -> Path:
    if out_root is None:
        return spec.folder / OUT_NAME
    return out_root if single else out_root / _safe_name(spec.name)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_. " else "_" for c in name).strip() or "job"


@dataclass(frozen=True)
class Planned:
    """What ``make_plans`` found: plans to run, jobs that could not be planned, and jobs
    known finished and unchanged from their recorded signature (not planned at all)."""

    plans: list[JobPlan]
    bad: list[Unplanned]
    known: list[JobResult]


def run_context(
    out_root: Path | None,
    single: bool,
    overrides: Mapping[str, Mapping[str, Any]] | None,
    vers: Mapping[str, str],
) -> str:
    """Everything outside the job folder that its outcome depends on (``pipeline.signature``)."""
    from pipeline.job import RESULT_SCHEMA_VERSION
    from pipeline.signature import context_digest
    from pipeline.stages import STAGES

    return context_digest(
        str(out_root.absolute()) if out_root is not None else None,
        single,
        overrides or {},
        dict(vers),
        [(s.name, s.version, s.per_language, s.needs) for s in STAGES.values()],
        RESULT_SCHEMA_VERSION,
    )


def make_plans(
    paths: Sequence[Path | str],
    *,
    ledger: Ledger,
    out_root: Path | None,
    engine: EngineSettings,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    from_stage: str | None = None,
    only_stage: str | None = None,
    single: bool = False,
    listings: Mapping[str, list[os.DirEntry[str]]] | None = None,
    signatures: bool = True,
) -> Planned:
    """Read every job and plan it; one that cannot be read becomes an ``Unplanned``.

    A job whose recorded signature still matches (its folder listed once, its output
    folders stat'ed) is not read or planned at all: it is ``known``, with its last result.
    ``listings``: folders ``discover`` already listed, by absolute path; ``signatures=False``
    plans every job (a dry run shows each stage)."""
    from pipeline.signature import absolute, scan
    from pipeline.stages_options import SettingError

    hasher = Hasher(ledger)
    vers = versions(ledger)
    context = run_context(out_root, single, overrides, vers)
    forced = from_stage is not None or only_stage is not None
    rows = ledger.load_signatures() if signatures and not forced else {}
    plans: list[JobPlan] = []
    bad: list[Unplanned] = []
    known: list[JobResult] = []
    names: dict[str, str] = {}  # output folder -> job name
    cache_loaded = False
    for given in paths:
        request = absolute(given)
        folder = os.path.dirname(request) if request.endswith(".toml") else request  # noqa: PTH120
        listing = scan(folder, (listings or {}).get(folder))
        row = rows.get(request)
        if row is not None and row.out_dir not in names and row.matches(context, listing):
            names[row.out_dir] = row.name
            known.append(JobResult.known(row))
            continue
        if not cache_loaded:  # every file hash in one query, only when something is planned
            ledger.load_file_cache()
            cache_loaded = True
        path = Path(given)
        try:
            spec = load_job(path)
            out = output_for(spec, out_root, single)
            if str(out) in names:
                raise JobSpecError(f"two jobs named {spec.name!r} would share {out}", path=path)
            names[str(out)] = spec.name
            plan = plan_job(
                spec,
                out,
                hasher=hasher,
                versions=vers,
                overrides=overrides,
                from_stage=from_stage,
                only_stage=only_stage,
                encoder_threads=engine.encoder_threads(),
            )
            plans.append(dataclasses.replace(plan, request=request, listing=listing, context=context))
        except SettingError as exc:
            bad.append(Unplanned(path, path.name, f"--{exc.key.replace('_', '-')}: {exc.message}", 2))
        except SubpipeError as exc:
            from pipeline.cli.main import exit_code_for

            bad.append(
                Unplanned(path, path.stem if path.is_file() else path.name, str(exc), exit_code_for(exc))
            )
        except OSError as exc:
            bad.append(Unplanned(path, path.name, f"{exc.filename or path}: {exc.strerror or exc}", 2))
    hasher.flush()
    for u in bad:
        job_id = ledger.job_id(str(u.path.resolve()), u.name, "")
        run_id = ledger.start_run(job_id, "plan", vers)
        ledger.finish_run(run_id, job_id, "failed", u.exit_code, u.reason, u.to_json())
    return Planned(plans, bad, known)


# -- the live view ---------------------------------------------------------------------------


class LiveView:
    """Progress on a terminal: a few lines redrawn in place (jobs done, ETA, what each
    running job is doing); elsewhere one plain line per finished job."""

    def __init__(self, coordinator_progress: Any, workers: int, stream: TextIO | None = None) -> None:
        self.progress = coordinator_progress
        self.workers = workers
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self.drawn = 0
        self.last = 0.0

    def __call__(self, kind: str, data: Mapping[str, Any]) -> None:
        if kind == "job-done":
            result = data["result"]
            self._clear()
            mark = "ok" if result.ok else "FAILED"
            how = "up to date" if result.ran == 0 and result.ok else f"{result.seconds:.1f} s"
            line = f"{mark:<7} {result.name}  ({how})"
            if not result.ok:
                line += f": {result.reason}"
            print(line, file=self.stream, flush=True)
            self._draw(force=True)
        elif kind == "attempt" and data.get("number", 1) > 1:
            self._clear()
            print(f"retry   {data['job']}: attempt {data['number']} on {data['worker']}", file=self.stream)
            self._draw(force=True)
        else:
            self._draw()

    def _clear(self) -> None:
        if self.tty and self.drawn:
            self.stream.write(f"\x1b[{self.drawn}F\x1b[J")
            self.drawn = 0

    def _draw(self, force: bool = False) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        self._clear()
        p = self.progress
        eta = p.eta(self.workers)
        head = f"[{p.done}/{p.total} jobs, {p.failed} failed, {len(p.running)} running"
        head += f", ETA {eta:.0f} s]" if eta is not None else "]"
        lines = [head] + [f"  {job}: {stage}" for job, stage in list(p.running.items())[:10]]
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
        self.drawn = len(lines)

    def finish(self) -> None:
        self._clear()


# -- the summary -----------------------------------------------------------------------------


def summary_table(results: Iterable[JobResult | Unplanned]) -> str:
    rows = [("job", "status", "languages", "findings", "time", "reason / output")]
    for r in results:
        if isinstance(r, Unplanned):
            rows.append((r.name, "FAILED", "-", "-", "-", r.reason))
            continue
        langs = " ".join(f"{t}" if s == "ok" else f"{t}✗" for t, s in r.languages().items()) or "-"
        f = r.finding_counts()
        findings = f"{f.get('error', 0)}E {f.get('warning', 0)}W"
        took = "cached" if r.ran == 0 and r.error is None else f"{r.seconds:.1f}s"
        rows.append(
            (
                r.name,
                r.status.upper() if not r.ok else "ok",
                langs,
                findings,
                took,
                r.reason if not r.ok and r.reason else str(r.out_dir),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5])
    return "\n".join(lines)


def batch_json(
    results: Sequence[JobResult | Unplanned], seconds: float, cluster_started: bool
) -> dict[str, Any]:
    jobs = [r.to_json() for r in results]
    failed = sum(1 for r in results if isinstance(r, Unplanned) or not r.ok)
    return {
        "schema": "subpipe-batch",
        "schema_version": 1,
        "ok": failed == 0,
        "jobs": len(results),
        "failed": failed,
        "seconds": round(seconds, 3),
        "cluster_started": cluster_started,
        "results": jobs,
    }


def write_index(
    results: Sequence[JobResult | Unplanned], out_root: Path | None, dirs: Sequence[Path]
) -> Path | None:
    """The batch's ``index.html`` (one row per job, linking each job's ``report.html``) in
    ``--out``, else in ``subpipe-out/`` of the first folder given; ``None`` (and a warning)
    when it cannot be written: the jobs' own results stand either way."""
    import logging

    from pipeline.report import index_folder, write_batch_index

    folder = index_folder(out_root, dirs)
    title = ", ".join(d.resolve().name or str(d) for d in dirs)
    try:
        return write_batch_index(folder, [r.to_json() for r in results], title=title)
    except (OSError, SubpipeError) as exc:
        logging.getLogger("subpipe").warning("no batch index written in %s: %s", folder, exc)
        return None
