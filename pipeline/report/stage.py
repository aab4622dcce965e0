"""The report as the job's last stage: ``report.html`` in the job's output folder.

Registered in ``pipeline.stages.STAGES`` as a ``whole_job`` stage: it runs once per job
whatever failed before it (a failed job needs its page most), and is given every earlier
envelope. Its key is made of every earlier instance's key and status, so a re-run with
nothing changed takes it from its stamp like any stage, and any change upstream redraws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.report import REPORT_NAME
from pipeline.stages import StageDef, StageInput, StageResult, StageStatus, enveloped


@dataclass(frozen=True)
class ReportStageOptions:
    stage: str
    out_dir: Path
    #: Every earlier envelope, as ``StageResult.to_json`` gives it (so as ``result.json`` has it).
    stages: tuple[dict[str, Any], ...] = ()
    #: Name, job folder, film, output folder: shown on the page and kept in the envelope.
    meta: dict[str, Any] = field(default_factory=dict)


@enveloped(lambda o: o.stage)
def run_report(o: ReportStageOptions) -> StageResult:
    """Draw the page from the envelopes and the artifacts; a rendition that cannot be probed
    is shown as such, never a reason to fail the job."""
    from pipeline.report import write_job_report
    from subtitles.errors import OutputError

    try:
        path = write_job_report(o.out_dir, o.stages, o.meta)
    except OSError as exc:
        raise OutputError(
            f"cannot write the report: {exc.strerror or exc}", path=o.out_dir / REPORT_NAME
        ) from None
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{path.name}: {len(o.stages)} stage results",
        outputs=(REPORT_NAME,),
        details={**o.meta, "page": REPORT_NAME},
    )


def build_report(si: StageInput) -> ReportStageOptions:
    return ReportStageOptions(
        stage="report",
        out_dir=si.out_dir,
        stages=tuple(r.to_json() for r in si.results if r.stage != "report"),
        meta={
            "name": si.job_name,
            "job": str(si.film.parent),
            "film": str(si.film),
            "output": str(si.out_dir),
        },
    )


REPORT_STAGE = StageDef("report", False, (), build_report, run_report, section=None, whole_job=True)
