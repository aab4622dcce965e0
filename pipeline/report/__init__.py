"""Reports people would rather look at: ``report.html`` per job, ``index.html`` per batch.

A job's page is drawn from its artifacts alone (``result.json`` or the envelopes in memory,
the stamps, the validate reports, the subtitle files, ``aligned/<tag>.alignment.json``)
plus a probe of each rendition: no film, no decode. The job runner writes it as its last
stage (``pipeline.report.stage``); ``subpipe report OUTPUT_DIR`` writes it again, byte for
byte the same for the same artifacts (nothing on the page comes from the clock).

This module stays light (the stage registry imports it at start-up): Jinja2 and
matplotlib are imported only when a page is drawn.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPORT_NAME = "report.html"
INDEX_NAME = "index.html"
#: Beside a batch's index: the batch's results (unplanned jobs included), to rebuild it.
BATCH_NAME = "batch.json"
RESULT_NAME = "result.json"


def write_job_report(out_dir: Path, stages: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> Path:
    """Draw ``out_dir/report.html`` from the envelopes (as JSON, the report's own left out)."""
    from pipeline.report.model import job_model
    from pipeline.report.render import render_job
    from subtitles.atomic import write_text

    shown = [s for s in stages if s["stage"] != "report"]
    page = render_job(job_model(out_dir, shown, meta))
    path = out_dir / REPORT_NAME
    write_text(path, page)
    return path


def job_meta(result: Mapping[str, Any]) -> dict[str, Any]:
    """What the page says about the job, from ``result.json``: the report stage's own record
    of it when there is one (so a rebuilt page equals the one the job wrote)."""
    report = next((s for s in result.get("stages", ()) if s["stage"] == "report"), None)
    details = dict(report.get("details", {})) if report is not None else {}
    if not details.get("film"):
        mux = next((s for s in result.get("stages", ()) if s["stage"] == "mux"), None)
        film = (mux or {}).get("details", {}).get("film")
        job = Path(str(result.get("job", "")))
        details["film"] = str(job / film) if film and not Path(film).is_absolute() else film
    return {
        "name": details.get("name") or result.get("name"),
        "job": details.get("job") or result.get("job"),
        "film": details.get("film"),
        "output": details.get("output") or result.get("output"),
    }


def read_result(out_dir: Path) -> dict[str, Any]:
    from subtitles.errors import InputError

    path = out_dir / RESULT_NAME
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError("no result.json: not a job's output folder", path=out_dir) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable result.json: {exc}", path=path) from None
    if not isinstance(data, dict) or data.get("schema") != "subpipe-job-result":
        raise InputError("not a subpipe job result", path=path)
    return data


def rebuild_job_report(out_dir: Path) -> Path:
    """``subpipe report OUTPUT_DIR``: the page again, from the folder's artifacts alone."""
    result = read_result(out_dir)
    return write_job_report(out_dir, result.get("stages", []), job_meta(result))


def index_folder(out_root: Path | None, dirs: Sequence[Path]) -> Path:
    """Where a batch's index goes: ``--out DIR``, else ``subpipe-out/`` in the first folder
    given (beside the job outputs subpipe already writes there)."""
    if out_root is not None:
        return out_root
    first = dirs[0] if dirs else Path.cwd()
    return (first if first.is_dir() else first.parent) / "subpipe-out"


def write_batch_index(
    folder: Path,
    results: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    seconds: float | None = None,
) -> Path:
    """``folder/index.html`` (and ``batch.json``): one row per job, linking its page.
    ``results``: each job's ``result.json`` content, or an unplanned job's record."""
    from pipeline.report.model import index_row
    from pipeline.report.render import render_index
    from subtitles.atomic import write_text

    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for r in results:
        out = Path(r["output"]) if r.get("output") else None
        rows.append(index_row(r, folder, out))
    rows.sort(key=lambda row: (row["status"] == "ok", str(row["name"]).casefold()))
    record = {"schema": "subpipe-batch-index", "schema_version": 1, "title": title, "seconds": seconds,
              "results": [dict(r) for r in results]}  # fmt: skip
    write_text(folder / BATCH_NAME, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    path = folder / INDEX_NAME
    write_text(path, render_index(title or folder.name, rows, seconds))
    return path


def rebuild_batch_index(folder: Path) -> Path:
    """``subpipe report BATCH_DIR``: the index again, from ``batch.json`` (each job's
    ``result.json`` re-read, so a job run since shows its latest state), or else from every
    job output folder found under ``folder``."""
    from subtitles.errors import InputError

    for candidate in (folder / BATCH_NAME, folder / "subpipe-out" / BATCH_NAME):
        if candidate.is_file():
            try:
                record = json.loads(candidate.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(f"unreadable batch record: {exc}", path=candidate) from None
            results = []
            for r in record.get("results", []):
                fresh = None
                if r.get("output") and (Path(r["output"]) / RESULT_NAME).is_file():
                    try:
                        fresh = read_result(Path(r["output"]))
                    except InputError:
                        fresh = None
                results.append(fresh or r)
            return write_batch_index(
                candidate.parent, results, title=record.get("title"), seconds=record.get("seconds")
            )
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if RESULT_NAME in files:
            try:
                found.append(read_result(Path(root)))
            except InputError:
                continue
            dirs[:] = []
    if not found:
        raise InputError("no job output (result.json) and no batch.json under it", path=folder)
    return write_batch_index(folder, found, title=folder.name)
