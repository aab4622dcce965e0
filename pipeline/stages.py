"""Stages as one model: a typed options object in, one result envelope out.

Every stage function takes one frozen options dataclass and returns a ``StageResult``:
``status`` (``StageStatus``), ``outputs``, ``findings``, ``timings``, ``error`` (an
``ErrorInfo``: picklable, so envelopes travel from Dask workers to the coordinator), a
one-line ``summary`` and JSON-ready ``details``. ``enveloped`` turns a stage's own
``SubpipeError`` into a failed envelope with the exit code the CLI would give, so one bad
upload is a result, never an exception escaping a batch.

The registry ``STAGES`` says, per stage, whether it runs once per language (``inspect``,
``fix``, ``align``, ``snap``, ``validate``, ``sidecars``, ``burn``) or once per job (``mux``,
``hls``), what it needs, which options section configures it, whether it encodes (the
Dask ``encode`` resource), and how to build its options from a job (``StageInput``).
Adding a stage (a render stage from ``pipeline/sidecars.py``, say) is one adapter: a
``build`` from ``StageInput`` to that module's options object and a ``run`` that wraps the
module's function into an envelope (see ``pipeline/stages_render.py``).

The library functions themselves (``validate_files``, ``fix_file``, ``align_files``,
``mux_subtitles``, ``ingest``/``describe``) are called as they are: the adapters only
choose file names inside the job's output folder and translate the reports.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from pipeline.stages_options import AlignSettings, MuxSettings, ValidateSettings
from subtitles.atomic import write_text
from subtitles.errors import AlignmentRefused, ContentError, SubpipeError, ToolError
from subtitles.language import Language


class StageStatus(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"  # an error (the error says which, with its exit code)
    REFUSED = "refused"  # alignment refused: exit 3 for the job
    SKIPPED = "skipped"  # not run: a stage it needs did not succeed, or not selected


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A ``SubpipeError`` as data: what the user sees, and the exit code it maps to."""

    type: str
    message: str
    exit_code: int
    path: str | None = None
    line: int | None = None
    #: Worth retrying on the same inputs (a tool or the machine failed), unlike bad content.
    transient: bool = False

    @classmethod
    def of(cls, exc: SubpipeError) -> ErrorInfo:
        from pipeline.cli.main import exit_code_for

        return cls(
            type=type(exc).__name__,
            message=str(exc),
            exit_code=exit_code_for(exc),
            path=str(exc.path) if exc.path is not None else None,
            line=exc.line,
            transient=isinstance(exc, ToolError),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "message": self.message,
            "exit_code": self.exit_code,
            "path": self.path,
            "line": self.line,
            "transient": self.transient,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ErrorInfo:
        return cls(
            type=str(data.get("type")),
            message=str(data.get("message")),
            exit_code=int(data.get("exit_code") or 1),
            path=data.get("path"),
            line=data.get("line"),
            transient=bool(data.get("transient")),
        )


@dataclass(frozen=True)
class StageResult:
    """The one envelope every stage returns (and ``result.json`` lists)."""

    stage: str
    status: StageStatus
    summary: str = ""
    outputs: tuple[str, ...] = ()  # relative to the job's output folder
    findings: tuple[Mapping[str, Any], ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    error: ErrorInfo | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    #: Taken from the stage's stamp: nothing was run.
    reused: bool = False
    key: str = ""

    @property
    def ok(self) -> bool:
        return self.status is StageStatus.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "status": str(self.status),
            "summary": self.summary,
            "outputs": list(self.outputs),
            "findings": [dict(f) for f in self.findings],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "error": self.error.to_json() if self.error is not None else None,
            "details": dict(self.details),
            "reused": self.reused,
            "key": self.key,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StageResult:
        return cls(
            stage=data["stage"],
            status=StageStatus(data["status"]),
            summary=data.get("summary", ""),
            outputs=tuple(data.get("outputs", ())),
            findings=tuple(data.get("findings", ())),
            timings=dict(data.get("timings", {})),
            error=ErrorInfo.from_json(data["error"]) if data.get("error") else None,
            details=dict(data.get("details", {})),
            reused=bool(data.get("reused", False)),
            key=data.get("key", ""),
        )


def failed(stage: str, exc: SubpipeError, seconds: float = 0.0) -> StageResult:
    status = StageStatus.REFUSED if isinstance(exc, AlignmentRefused) else StageStatus.FAILED
    return StageResult(stage, status, summary=str(exc), timings={"seconds": seconds}, error=ErrorInfo.of(exc))


def skipped(stage: str, why: str) -> StageResult:
    return StageResult(stage, StageStatus.SKIPPED, summary=why)


# -- what a stage is given --------------------------------------------------------------------


@dataclass(frozen=True)
class StageInput:
    """What an adapter builds a stage's options from: the job, its files, the upstream results.

    ``current`` maps each live language tag to its latest subtitle file (the upload, then the
    fixed file, then the aligned one), as the demo's ``ctx.subtitles`` did.
    """

    job_name: str
    out_dir: Path
    film: Path
    film_digest: str
    tag: str | None
    languages: Mapping[str, Language]
    current: Mapping[str, Path]
    uploads: Mapping[str, Path]
    settings: Mapping[str, Any]
    encoder_threads: int = 0
    #: Every earlier stage's envelope, for a stage that looks at the whole job (the report).
    results: tuple[StageResult, ...] = ()

    def setting(self, section: str) -> Any:
        from pipeline.stages_options import CONFIG_MAP

        return self.settings.get(section) or CONFIG_MAP[section]()

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.out_dir))
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class StageDef:
    """One stage in the registry."""

    name: str
    per_language: bool
    #: Stages whose results it uses (their instances of the same language, or all languages).
    needs: tuple[str, ...]
    build: Callable[[StageInput], Any]
    run: Callable[[Any], StageResult]
    section: str | None = None
    #: Heavy encoding: the job carries the Dask ``encode`` resource while it runs.
    encode: bool = False
    #: Produces a new version of the language's subtitle file (later stages take it).
    produces_subtitle: bool = False
    #: The ffmpeg command lines it would run, for ``--dry-run`` (may probe the film).
    commands: Callable[[Any], list[list[str]]] | None = None
    #: Bump when the stage's output for the same inputs changes (invalidates stamps).
    version: int = 1
    #: Runs once per job whatever failed before it, given every earlier envelope
    #: (``StageInput.results``): the report, which must describe a failed job too.
    whole_job: bool = False


def enveloped(
    stage_of: Callable[[Any], str],
) -> Callable[[Callable[[Any], StageResult]], Callable[[Any], StageResult]]:
    """Time the stage, put the time in ``timings`` and any ``SubpipeError`` in the envelope."""

    def wrap(fn: Callable[[Any], StageResult]) -> Callable[[Any], StageResult]:
        def runner(options: Any) -> StageResult:
            started = time.perf_counter()
            name = stage_of(options)
            try:
                result = fn(options)
            except SubpipeError as exc:
                return failed(name, exc, time.perf_counter() - started)
            seconds = time.perf_counter() - started
            timings = {"seconds": seconds, **{k: v for k, v in result.timings.items() if k != "seconds"}}
            return StageResult(
                name,
                result.status,
                result.summary,
                result.outputs,
                result.findings,
                timings,
                result.error,
                result.details,
            )

        runner.__name__ = fn.__name__
        runner.__doc__ = fn.__doc__
        return runner

    return wrap


def _write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# -- inspect ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InspectStageOptions:
    stage: str
    source: Path
    language: Language
    film: Path
    record: Path
    encoding: str | None = None


@enveloped(lambda o: o.stage)
def run_inspect(o: InspectStageOptions) -> StageResult:
    """Read the upload (encoding, format, language, frame rate): unreadable is exit 2."""
    from pipeline.ingest import ingest
    from pipeline.inspect import describe

    track = ingest(o.source, film=o.film, language=o.language, encoding=o.encoding)
    if not track.cues:
        raise ContentError("has no cues", path=o.source)
    record = describe(track)
    _write_json(o.record, record)
    enc = record["encoding"]["name"] if record["encoding"] else "?"
    findings = tuple(
        {
            "rule": f"struct.{p['code']}",
            "severity": p["severity"],
            "message": p["message"],
            "path": str(o.source),
            "line": p["line"],
        }
        for p in record["problems"]
    )
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{record['format']}, {enc}, {record['cues']} cues",
        outputs=(f"inspect/{o.record.name}",),
        findings=findings,
        details={"record": f"inspect/{o.record.name}"},
    )


def _build_inspect(si: StageInput) -> InspectStageOptions:
    assert si.tag is not None
    return InspectStageOptions(
        stage=f"inspect:{si.tag}",
        source=si.uploads[si.tag],
        language=si.languages[si.tag],
        film=si.film,
        record=si.out_dir / "inspect" / f"{si.tag}.json",
        encoding=si.setting("validate").encoding,
    )


# -- validate options from the settings (the same builder the validate/fix commands use) -------


def validate_options(si: StageInput, language: Language | None) -> Any:
    from pipeline.cli.qcoptions import build_options

    s: ValidateSettings = si.setting("validate")
    base = build_options(
        film=si.film,
        fps=si.setting("align").fps,
        lang=None,
        profile=_in_job(si, s.profile),
        font=_in_job(si, s.font),
        max_cps=s.max_cps,
        max_line_length=s.max_line_length,
        enable=s.enable,
        disable=s.disable,
        severity=s.severity,
        encoding=s.encoding,
    )
    import dataclasses

    # the film's cuts and speech are cached beside the speech alignment caches, by the film's hash
    return dataclasses.replace(
        base,
        language=language,
        film_cache=si.out_dir / ".subpipe" / "speech",
        film_digest=si.film_digest,
    )


def _in_job(si: StageInput, value: str | None) -> Path | None:
    """A path setting: relative to the job folder (checked when the spec was read)."""
    if value is None:
        return None
    return si.film.parent / value if not Path(value).is_absolute() else Path(value)


# -- fix --------------------------------------------------------------------------------------

#: Sources whose format the fixed copy keeps; the others are written as SRT (frame-based
#: formats would need a frame rate to write, and SRT is what every later stage takes).
_KEEP_SUFFIX = {".srt", ".vtt", ".ass", ".ssa"}


@dataclass(frozen=True)
class FixStageOptions:
    stage: str
    source: Path
    output: Path
    qc: Any  # ValidateOptions


@enveloped(lambda o: o.stage)
def run_fix(o: FixStageOptions) -> StageResult:
    """The safe fixes into ``fixed/``; what remains is listed as findings."""
    from pipeline.fix import fix_file

    report = fix_file(o.source, output=o.output, options=o.qc)
    remaining = tuple(f.to_dict() for f in report.remaining)
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{len(report.changes)} changes, {len(remaining)} findings left",
        outputs=(f"fixed/{o.output.name}",),
        findings=remaining,
        details={"changes": [c.to_dict() for c in report.changes], "output": f"fixed/{o.output.name}"},
    )


def _build_fix(si: StageInput) -> FixStageOptions:
    assert si.tag is not None
    source = si.current[si.tag]
    suffix = source.suffix.lower() if source.suffix.lower() in _KEEP_SUFFIX else ".srt"
    name = f"{si.film.stem}.{si.tag}{suffix}"
    return FixStageOptions(
        stage=f"fix:{si.tag}",
        source=source,
        output=si.out_dir / "fixed" / name,
        # before alignment the upload may be timed for another cut: no moving it onto this
        # film's shot changes yet (validate, after align, checks them)
        qc=dataclasses.replace(validate_options(si, si.languages[si.tag]), film_checks=False),
    )


# -- align ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlignStageOptions:
    stage: str
    source: Path
    film: Path
    out_dir: Path
    language: Language
    settings: AlignSettings
    #: Where the film's speech activity is cached, and the film's content hash (its key).
    speech_cache_dir: Path
    film_digest: str


class NpzSpeechCache:
    """The film's speech activity as ``.npz`` files, keyed by the film's content hash and
    the audio stream chosen: re-aligning a re-uploaded translation decodes nothing."""

    def __init__(self, folder: Path, film_digest: str) -> None:
        self.folder = folder
        self.digest = film_digest
        self.hits = 0

    def _path(self, stream_key: str) -> Path:
        return self.folder / f"{self.digest}-{stream_key}.npz"

    def load(self, stream_key: str) -> Any:
        import numpy as np

        from subtitles.align import SpeechSignal

        path = self._path(stream_key)
        try:
            with np.load(path, allow_pickle=False) as data:
                signal = SpeechSignal(
                    speech=data["speech"].astype(bool),
                    onsets_ms=data["onsets_ms"].astype(np.float64),
                    duration_ms=int(data["duration_ms"]),
                    source=str(data["source"]),
                )
        except (OSError, KeyError, ValueError):
            return None
        self.hits += 1
        return signal

    def save(self, stream_key: str, signal: Any) -> None:
        import io

        import numpy as np

        from subtitles.atomic import write_bytes

        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            speech=signal.speech,
            onsets_ms=signal.onsets_ms,
            duration_ms=np.int64(signal.duration_ms),
            source=np.str_(signal.source),
        )
        write_bytes(self._path(stream_key), buf.getvalue())


@enveloped(lambda o: o.stage)
def run_align(o: AlignStageOptions) -> StageResult:
    """Time the file to the film's speech; a refusal stops this language (exit 3)."""
    from pipeline.align import align_files
    from subtitles.timing import parse_fps

    cache = NpzSpeechCache(o.speech_cache_dir, o.film_digest)
    s = o.settings
    run = align_files(
        [o.source],
        film=o.film,
        out_dir=o.out_dir,
        max_offset_ms=round(s.max_offset * 1000),
        splits=s.splits,
        min_confidence=s.min_confidence,
        force=s.force,
        language=None,
        fps=parse_fps(s.fps) if s.fps else None,
        speech_cache=cache,
    )
    result = run.files[0]
    data = result.to_json()
    timings = {"decode": (run.audio.decode_ms / 1000) if run.audio else 0.0}
    # the data behind the report's alignment picture: speech, cues before/after, transform
    from pipeline.report.alignment import SUFFIX, save_alignment

    tag = o.stage.split(":", 1)[-1]
    picture = f"aligned/{save_alignment(o.out_dir / f'{tag}{SUFFIX}', run, 0, tag).name}"
    details = {**data, "speech_cached": cache.hits > 0, "alignment_data": picture}
    if result.output is None or (str(result.status) == "refused" and not s.force):
        exc = AlignmentRefused(
            f"alignment refused: {data['reason']} (confidence {data['confidence']:.2f} < "
            f"{data['threshold']:.2f})",
            path=o.source,
            confidence=data["confidence"],
            reason=data["reason"] or "",
        )
        return StageResult(
            o.stage,
            StageStatus.REFUSED,
            str(exc),
            outputs=(picture,),
            timings=timings,
            error=ErrorInfo.of(exc),
            details=details,
        )
    findings: tuple[Mapping[str, Any], ...] = ()
    if str(result.status) == "refused":
        findings = (
            {
                "rule": "align.forced",
                "severity": "warning",
                "path": str(o.source),
                "line": None,
                "message": f"alignment kept although refused ({data['reason']})",
            },
        )
    shift = f"{data['offset_ms']:+d} ms" if data["status"] == "aligned" else "in sync"
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{data['status']} {shift}, confidence {data['confidence']:.2f}"
        + (" (speech from cache)" if cache.hits else ""),
        outputs=(f"aligned/{result.output.name}", picture),  # the subtitle first: later stages take it
        findings=findings,
        timings=timings,
        details=details,
    )


def _build_align(si: StageInput) -> AlignStageOptions:
    assert si.tag is not None
    return AlignStageOptions(
        stage=f"align:{si.tag}",
        source=si.current[si.tag],
        film=si.film,
        out_dir=si.out_dir / "aligned",
        language=si.languages[si.tag],
        settings=si.setting("align"),
        speech_cache_dir=si.out_dir / ".subpipe" / "speech",
        film_digest=si.film_digest,
    )


def _align_commands(o: AlignStageOptions) -> list[list[str]]:
    from media.audio import _decode_args, choose_audio
    from media.probe import probe

    cached = any(o.speech_cache_dir.glob(f"{o.film_digest}-*.npz")) if o.speech_cache_dir.is_dir() else False
    if cached:
        return []
    info = probe(o.film)
    return [_decode_args(o.film, choose_audio(info, o.language), 8000)]


# -- snap -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapStageOptions:
    stage: str
    source: Path
    output: Path
    qc: Any  # ValidateOptions, with the film's checks on


@enveloped(lambda o: o.stage)
def run_snap(o: SnapStageOptions) -> StageResult:
    """The film-aware fixes of ``fix --film`` on the aligned file: in- and out-times onto the
    film's shot changes (cuts detected once, cached by the film's hash beside its speech).

    Only now is the file timed to this film: ``fix`` runs before alignment, when an upload may
    be timed for another cut, so it never snaps. A move that would break the gap, minimum
    duration or reading-speed rules is left (validate reports it). Every move is a change."""
    from pipeline.fix import fix_file

    report = fix_file(o.source, output=o.output, options=o.qc)
    changes = [c.to_dict() for c in report.changes]
    snapped = sum(1 for c in changes if str(c.get("rule", "")).startswith("shot."))
    remaining = tuple(f.to_dict() for f in report.remaining)
    out = f"snap/{o.output.name}"
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{snapped} cue time(s) moved onto shot changes, {len(changes) - snapped} other change(s)",
        outputs=(out,),
        findings=remaining,
        details={"changes": changes, "snapped": snapped, "output": out},
    )


def _build_snap(si: StageInput) -> SnapStageOptions:
    assert si.tag is not None
    source = si.current[si.tag]
    suffix = source.suffix.lower() if source.suffix.lower() in _KEEP_SUFFIX else ".srt"
    return SnapStageOptions(
        stage=f"snap:{si.tag}",
        source=source,
        output=si.out_dir / "snap" / f"{si.film.stem}.{si.tag}{suffix}",
        qc=validate_options(si, si.languages[si.tag]),
    )


# -- validate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidateStageOptions:
    stage: str
    path: Path
    #: The other languages' current files: cross-language rules compare against them.
    others: tuple[Path, ...]
    qc: Any  # ValidateOptions
    report: Path


@enveloped(lambda o: o.stage)
def run_validate(o: ValidateStageOptions) -> StageResult:
    """QC of the file that will ship: an error-severity finding stops this language."""
    from pipeline.validate import validate_files

    report = validate_files([o.path, *o.others], o.qc)
    mine = report.files[0]
    _write_json(o.report, {**report.to_dict(), "files": [mine.to_dict()]})
    if mine.error is not None:
        raise ContentError(f"cannot be validated: {mine.error}", path=o.path, line=mine.error_line)
    findings = tuple(f.to_dict() for f in mine.findings)
    counts = mine.counts()
    summary = (
        f"{counts.get('error', 0)} errors, {counts.get('warning', 0)} warnings, {counts.get('info', 0)} info"
    )
    rel = f"validate/{o.report.name}"
    errors = [f for f in mine.findings if f.severity.value == "error"]
    if errors:
        first = errors[0]
        exc = ContentError(
            f"{len(errors)} error-severity finding(s), first: {first.rule}: {first.message}",
            path=o.path,
            line=first.line,
        )
        return StageResult(
            o.stage, StageStatus.FAILED, summary, outputs=(rel,), findings=findings, error=ErrorInfo.of(exc)
        )
    return StageResult(o.stage, StageStatus.OK, summary, outputs=(rel,), findings=findings)


def _build_validate(si: StageInput) -> ValidateStageOptions:
    assert si.tag is not None
    others = tuple(p for t, p in si.current.items() if t != si.tag)
    return ValidateStageOptions(
        stage=f"validate:{si.tag}",
        path=si.current[si.tag],
        others=others,
        qc=validate_options(si, None),
        report=si.out_dir / "validate" / f"{si.tag}.json",
    )


# -- mux --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MuxStageOptions:
    stage: str
    film: Path
    tracks: tuple[tuple[Path, Language], ...]
    output: Path
    fps: Fraction | None = None


@enveloped(lambda o: o.stage)
def run_mux(o: MuxStageOptions) -> StageResult:
    """One film with a soft track per language that passed, verified by a probe."""
    from pipeline.mux import SubtitleSpec, mux_subtitles

    report = mux_subtitles(o.film, [SubtitleSpec(p, lang) for p, lang in o.tracks], o.output, fps=o.fps)
    tracks = ", ".join(f"{t.language.iso639_2b}{' (default)' if t.default else ''}" for t in report.tracks)
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{o.output.name}: {tracks}; verified",
        outputs=(o.output.name,),
        details=report.to_json() | {"output": o.output.name, "film": o.film.name},
    )


def _build_mux(si: StageInput) -> MuxStageOptions:
    s: MuxSettings = si.setting("mux")
    tags = list(si.current)
    want = Language.parse(s.default) if s.default is not None else _film_language(si.film)
    if want is not None:
        tags.sort(key=lambda t: si.languages[t] != want)  # the default first, order kept otherwise
    return MuxStageOptions(
        stage="mux",
        film=si.film,
        tracks=tuple((si.current[t], si.languages[t]) for t in tags),
        output=si.out_dir / f"{si.film.stem}.{s.container}",
    )


def _film_language(film: Path) -> Language | None:
    """The language of the film's first audio stream: its subtitles make the default track
    (a viewer of a Russian film who wants subtitles most likely wants Russian ones)."""
    from media.probe import probe
    from subtitles.errors import LanguageError

    audio = probe(film).audio
    if not audio or not audio[0].language or audio[0].language == "und":
        return None
    try:
        return Language.parse(audio[0].language)
    except LanguageError:
        return None


def _mux_commands(o: MuxStageOptions) -> list[list[str]]:
    from media.ffmpeg import find_ffmpeg
    from media.mux import SubtitleStream, container_for, mux_command

    streams = [SubtitleStream(Path(f"<tmp>/track{n}.srt"), lang) for n, (_, lang) in enumerate(o.tracks)]
    args = mux_command(
        o.film,
        streams,
        o.output.with_name(f".{o.output.name}.tmp-XXXX{o.output.suffix}"),
        container_for(o.output),
    )
    return [[str(find_ffmpeg().path), "-hide_banner", "-nostdin", *args]]


# -- the registry -----------------------------------------------------------------------------

STAGES: dict[str, StageDef] = {}


def register(stage: StageDef) -> None:
    STAGES[stage.name] = stage
    if stage.name != "report" and "report" in STAGES:  # the report stays last: it reads every result
        STAGES["report"] = STAGES.pop("report")


register(StageDef("inspect", True, (), _build_inspect, run_inspect, section=None))
register(StageDef("fix", True, ("inspect",), _build_fix, run_fix, section="fix", produces_subtitle=True))
register(
    StageDef(
        "align",
        True,
        ("fix",),
        _build_align,
        run_align,
        section="align",
        produces_subtitle=True,
        commands=_align_commands,
        version=2,  # 2: saves the alignment picture's data
    )
)
register(StageDef("snap", True, ("align",), _build_snap, run_snap, section="snap", produces_subtitle=True))
register(StageDef("validate", True, ("snap",), _build_validate, run_validate, section="validate"))
register(
    StageDef(
        "mux",
        False,
        ("validate",),
        _build_mux,
        run_mux,
        section="mux",
        commands=_mux_commands,
    )
)


def _register_report() -> None:
    from pipeline.report.stage import REPORT_STAGE

    register(REPORT_STAGE)


_register_report()


def load_render_stages() -> list[str]:
    """Register the render stages whose modules exist (built alongside); names registered."""
    import importlib

    try:
        module = importlib.import_module("pipeline.stages_render")
    except ImportError:
        return []
    names: list[str] = module.register_all()
    return names


load_render_stages()  # the render stages whose modules exist (workers import only this module)
