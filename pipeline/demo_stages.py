"""Running the demo: the pipeline's stages, one after another, on the demo's uploads.

A stage is a name, what it produces, and a function of the shared ``DemoContext`` that
returns a ``StageResult`` (summary, output paths, JSON-ready details). ``run_demo`` times
each stage and turns it into a ``StageRecord``; a stage that raises a ``SubpipeError`` is
``failed`` with that error kept, and the stages that need it are ``skipped``. Adding a
stage (render, say) is adding one function and one ``Stage`` to ``DEFAULT_STAGES``: a stage
that improves subtitle files records the new versions in ``ctx.subtitles`` so the stages
after it (mux) take the improved files.
"""

from __future__ import annotations

import codecs
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.align import align_files
from pipeline.demo import LANGS, STEM, DemoInputs, PlantedFlaw, build_demo_inputs
from pipeline.fix import fix_file
from pipeline.ingest import ingest
from pipeline.mux import SubtitleSpec, mux_subtitles
from pipeline.validate import ValidateOptions, validate_files
from subtitles.errors import AlignmentRefused, ContentError, SubpipeError
from subtitles.language import Language

Status = Literal["ok", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class StageResult:
    """What a stage function returns."""

    summary: str
    outputs: tuple[Path, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    status: Status = "ok"


@dataclass(frozen=True, slots=True)
class StageRecord:
    """One stage as it ran: for the report and for ``--json``."""

    name: str
    status: Status
    summary: str
    outputs: tuple[Path, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: SubpipeError | None = None

    def to_json(self, root: Path | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "outputs": [_shown(p, root) for p in self.outputs],
            "seconds": round(self.seconds, 3),
            "details": dict(self.details),
            "error": str(self.error) if self.error is not None else None,
        }


@dataclass
class DemoContext:
    """State shared by the stages of one run."""

    root: Path
    inputs: DemoInputs | None = None
    #: The current version of each language's subtitle file (uploads first; a fixing or
    #: aligning stage replaces them with its outputs).
    subtitles: dict[str, Path] = field(default_factory=dict)
    records: dict[str, StageRecord] = field(default_factory=dict)

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    def need_inputs(self) -> DemoInputs:
        if self.inputs is None:
            raise ContentError("the demo inputs were not built", path=self.root)
        return self.inputs


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    produces: str
    run: Callable[[DemoContext], StageResult]
    needs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoReport:
    root: Path
    stages: tuple[StageRecord, ...]

    @property
    def error(self) -> SubpipeError | None:
        """The first stage error, which decides the exit code."""
        return next((r.error for r in self.stages if r.error is not None), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "ok": self.error is None,
            "stages": [r.to_json(self.root) for r in self.stages],
        }


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


# -- stages -------------------------------------------------------------------------------


def stage_inputs(ctx: DemoContext) -> StageResult:
    inputs = build_demo_inputs(ctx.root)
    ctx.inputs = inputs
    ctx.subtitles = dict(inputs.subtitles)
    flaws = sum(1 for f in inputs.flaws if f.rule)
    return StageResult(
        summary=(
            f"film {inputs.duration_ms / 1000:.1f} s with Russian speech on a music bed; uploads "
            f"ru (KOI8-R), en (UTF-8), pl (cp1250, 2.5 s late); {flaws} planted flaws"
        ),
        outputs=tuple(inputs.outputs),
        details={
            "film": str(inputs.film),
            "duration_ms": inputs.duration_ms,
            "uploads": {lang: str(p) for lang, p in inputs.subtitles.items()},
            "encodings": dict(inputs.encodings),
            "planted_flaws": [f.to_json() for f in inputs.flaws],
        },
    )


def _same_encoding(found: str, expected: str) -> bool:
    a, b = codecs.lookup(found).name, codecs.lookup(expected).name
    return a == b or (b == "utf-8" and a in ("ascii", "utf-8-sig"))


def stage_inspect(ctx: DemoContext) -> StageResult:
    """Ingest each upload: detected encoding and language against what the demo knows."""
    inputs = ctx.need_inputs()
    files: dict[str, Any] = {}
    wrong: list[str] = []
    parts = []
    for lang in LANGS:
        path = inputs.subtitles[lang]
        track = ingest(path, film=inputs.film)
        encoding = track.encoding.encoding if track.encoding is not None else None
        language = track.language
        expected_language = Language.parse(lang)
        files[lang] = {
            "path": str(path),
            "encoding": encoding,
            "encoding_confidence": track.encoding.confidence if track.encoding is not None else None,
            "expected_encoding": inputs.encodings[lang],
            "language": language.bcp47 if language is not None else None,
            "format": track.source_format,
            "cues": len(track.cues),
        }
        if encoding is None or not _same_encoding(encoding, inputs.encodings[lang]):
            wrong.append(f"{path.name}: encoding {encoding}, expected {inputs.encodings[lang]}")
        if language != expected_language:
            wrong.append(f"{path.name}: language {language}, expected {lang}")
        shown = language.english_name if language is not None else "language unknown"
        parts.append(f"{lang}: {encoding}, {shown}, {len(track.cues)} cues")
    if wrong:
        raise ContentError("inspect got the demo wrong: " + "; ".join(wrong), path=inputs.input_dir)
    return StageResult(summary="; ".join(parts), details={"files": files})


def stage_mux(ctx: DemoContext) -> StageResult:
    """One MKV with the film and a subtitle track per language, ru first and default."""
    inputs = ctx.need_inputs()
    out = ctx.output_dir / f"{STEM}.mkv"
    specs = [SubtitleSpec(ctx.subtitles[lang], Language.parse(lang)) for lang in LANGS]
    report = mux_subtitles(inputs.film, specs, out)
    tracks = ", ".join(
        f"{t.language.iso639_2b} “{t.title}”{' (default)' if t.default else ''}" for t in report.tracks
    )
    return StageResult(summary=f"{out.name}: {tracks}; verified", outputs=(out,), details=report.to_json())


def _matches(flaw: PlantedFlaw, finding: Any) -> bool:
    """Same rule at the flaw's own lines (the cue's first line, the flawed text line, or for
    an overlap the cue it runs into); a flaw of the whole file matches only a finding about
    the whole file. Matching on the rule alone would let a second finding of a planted rule
    elsewhere in the file pass as the planted one."""
    if flaw.rule != finding.rule:
        return False
    if flaw.line is None and flaw.cue is None:
        return finding.line is None and finding.cue is None
    lines = {flaw.line, flaw.text_line, flaw.next_line} - {None}
    return finding.line in lines


def stage_validate(ctx: DemoContext) -> StageResult:
    """``subpipe validate`` on the three uploads with the film: every planted flaw must be
    found, and nothing else at warning or error severity."""
    inputs = ctx.need_inputs()
    paths = [ctx.subtitles[lang] for lang in LANGS]
    report = validate_files(paths, ValidateOptions(film=inputs.film))
    planted = [f for f in inputs.flaws if f.rule is not None]
    found: list[dict[str, Any]] = []
    missed: list[str] = []
    unexpected: list[str] = []
    parts = []
    for lang, path, file_report in zip(LANGS, paths, report.files, strict=True):
        if file_report.error is not None:
            raise ContentError(f"validate could not read it: {file_report.error}", path=path)
        findings = file_report.findings
        mine = [f for f in planted if f.file == path.name]
        for flaw in mine:
            hit = next((g for g in findings if _matches(flaw, g)), None)
            if hit is None:
                missed.append(f"{flaw.file} {flaw.rule} (cue {flaw.cue})")
            else:
                found.append({**flaw.to_json(), "reported_line": hit.line, "reported_cue": hit.cue})
        serious = [g for g in findings if g.severity.value in ("warning", "error")]
        unexpected += [g.format() for g in serious if not any(_matches(f, g) for f in mine)]
        counts = file_report.counts()
        parts.append(f"{lang}: {counts.get('error', 0)} errors, {counts.get('warning', 0)} warnings")
    details = {"report": report.to_dict(), "planted_found": found, "missed": missed, "unexpected": unexpected}
    if missed or unexpected:
        problems = [f"missed {m}" for m in missed] + [f"unexpected {u}" for u in unexpected]
        raise ContentError(
            "validation disagrees with the planted flaws: " + "; ".join(problems), path=inputs.flaws_file
        )
    summary = "; ".join(parts) + f"; all {len(planted)} planted flaws found, nothing else"
    return StageResult(summary=summary, details=details)


#: Planted flaws the safe fixes must remove (the others need a person, or alignment).
FIXABLE_RULES = frozenset({"typo.quotes", "text.mixed_script", "timing.overlap", "typo.ellipsis"})


def stage_fix(ctx: DemoContext) -> StageResult:
    """``subpipe fix`` on each file, into output/fixed/: the planted typography, script and
    overlap flaws must be gone; the fixed files go on to alignment."""
    inputs = ctx.need_inputs()
    out_dir = ctx.output_dir / "fixed"
    files: dict[str, Any] = {}
    outputs: list[Path] = []
    parts: list[str] = []
    left: list[str] = []
    for lang in LANGS:
        source = ctx.subtitles[lang]
        target = out_dir / source.name
        report = fix_file(
            source, output=target, options=ValidateOptions(film=inputs.film, language=Language.parse(lang))
        )
        files[lang] = report.to_dict()
        outputs.append(target)
        ctx.subtitles[lang] = target
        remaining = [f for f in report.remaining if f.severity.value in ("warning", "error")]
        left += [f.format() for f in remaining if f.rule in FIXABLE_RULES]
        rest = (
            f", {len(remaining)} left ({', '.join(sorted({f.rule for f in remaining}))})" if remaining else ""
        )
        parts.append(f"{lang}: {len(report.changes)} changes{rest}")
    if left:
        raise ContentError("fix left planted flaws it should repair: " + "; ".join(left), path=out_dir)
    return StageResult(summary="; ".join(parts), outputs=tuple(outputs), details=files)


def _median_start_error(path: Path, truth: Path) -> float:
    import pysubs2

    got = [e.start for e in pysubs2.load(str(path), encoding="utf-8").events if not e.is_comment]
    want = [e.start for e in pysubs2.load(str(truth), encoding="utf-8").events if not e.is_comment]
    if len(got) != len(want):
        raise ContentError(f"has {len(got)} cues after alignment, {len(want)} in the truth", path=path)
    return float(statistics.median(abs(a - b) for a, b in zip(got, want, strict=True)))


#: Largest median cue-start error against the truth an aligned demo file may have. The
#: truth starts each cue 100-140 ms before its speech (a subtitler's lead-in, on frames);
#: an aligner that puts cue starts on the speech onsets is right within that lead-in.
ALIGN_TOLERANCE_MS = 150


def stage_align(ctx: DemoContext) -> StageResult:
    """Align every file to the film's speech; the late Polish file must come back on time."""
    inputs = ctx.need_inputs()
    out_dir = ctx.output_dir / "aligned"
    paths = [ctx.subtitles[lang] for lang in LANGS]
    run = align_files(paths, film=inputs.film, out_dir=out_dir)
    files: dict[str, Any] = {}
    parts = []
    outputs = []
    for lang, result in zip(LANGS, run.files, strict=True):
        data = result.to_json()
        if result.output is None:
            raise AlignmentRefused(
                f"alignment refused ({data['reason']})", path=result.input, confidence=data["confidence"]
            )
        error = _median_start_error(result.output, inputs.truth[lang])
        data["median_error_vs_truth_ms"] = error
        files[lang] = data
        outputs.append(result.output)
        ctx.subtitles[lang] = result.output
        parts.append(
            f"{lang}: {data['status']} {data['offset_ms']:+d} ms (confidence {data['confidence']:.2f})"
        )
        if error > ALIGN_TOLERANCE_MS:
            raise ContentError(
                f"aligned {error:.0f} ms from the truth (median cue start); the demo expects within "
                f"{ALIGN_TOLERANCE_MS} ms",
                path=result.output,
            )
    return StageResult(summary="; ".join(parts) + "; all on the truth", outputs=tuple(outputs), details=files)


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("inputs", "input/: film, uploads, planted_flaws.json, truth/", stage_inputs),
    Stage("inspect", "encoding and language of each upload", stage_inspect, needs=("inputs",)),
    Stage(
        "validate", "findings per file, checked against planted_flaws.json", stage_validate, needs=("inputs",)
    ),
    Stage("fix", "output/fixed/: safe fixes applied, UTF-8", stage_fix, needs=("inputs",)),
    Stage("align", "output/aligned/: each file timed to the film's speech", stage_align, needs=("inputs",)),
    Stage("mux", "output/crackdown.mkv with rus/eng/pol tracks", stage_mux, needs=("inputs",)),
)


def run_demo(
    root: Path,
    *,
    stages: Sequence[Stage] = DEFAULT_STAGES,
    on_record: Callable[[StageRecord], None] | None = None,
) -> DemoReport:
    """Build the demo inputs under ``root`` and run every stage; never raises a stage's
    ``SubpipeError`` (it is in the report: ``DemoReport.error``)."""
    ctx = DemoContext(root=Path(root))
    records: list[StageRecord] = []
    for stage in stages:
        blocked = [n for n in stage.needs if n not in ctx.records or ctx.records[n].status != "ok"]
        started = time.perf_counter()
        if blocked:
            record = StageRecord(stage.name, "skipped", f"needs {', '.join(blocked)}")
        else:
            try:
                result = stage.run(ctx)
            except SubpipeError as exc:
                record = StageRecord(
                    stage.name, "failed", str(exc), seconds=time.perf_counter() - started, error=exc
                )
            else:
                record = StageRecord(
                    stage.name,
                    result.status,
                    result.summary,
                    result.outputs,
                    result.details,
                    time.perf_counter() - started,
                )
        ctx.records[stage.name] = record
        records.append(record)
        if on_record is not None:
            on_record(record)
    return DemoReport(ctx.root, tuple(records))
