"""``subpipe validate`` as a library call: load each file, probe the film, run the QC
rules per file and across files, and return one report.

Files that cannot be read at all (missing, undecodable, no cue) do not stop the run:
the others are still checked and reported, the unreadable one is listed with its error,
and the exit code is 2 (an unreadable input outranks content errors, exit code 1).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from operator import attrgetter
from pathlib import Path
from typing import Any

from subtitles.errors import InputError
from subtitles.language import Language
from subtitles.load import load_track
from subtitles.model import Track
from subtitles.qc import Context, Finding, Overrides, ProfileSource, Severity, build_profile, validate_tracks
from subtitles.qc.rules.language import effective_language
from subtitles.timing import format_fps

log = logging.getLogger(__name__)

#: Version of the JSON document below; bump on any incompatible change.
SCHEMA_VERSION = 1

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


@dataclass(frozen=True)
class ValidateOptions:
    """Everything ``validate`` and ``fix`` accept besides the file names."""

    language: Language | None = None
    fps: Fraction | None = None
    film: Path | None = None
    profile: Path | None = None
    font: Path | None = None
    overrides: Overrides = field(default_factory=Overrides)
    format_: str | None = None
    encoding: str | None = None
    cross: bool = True
    #: With ``film``: check against its shot changes and speech (decodes the film once, cached).
    film_checks: bool = True
    #: Where the film's cuts and speech are cached, and its content hash (a job passes both;
    #: ``None``: ``pipeline.filmqc.default_cache_dir()`` and the hash computed there).
    film_cache: Path | None = None
    film_digest: str | None = None


@dataclass
class FileReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    language: str | None = None
    language_source: str | None = None
    profile: str | None = None
    format: str | None = None
    encoding: str | None = None
    cues: int = 0
    error: str | None = None
    error_line: int | None = None

    def counts(self) -> Counter[str]:
        # Counted by member, then named: ``Severity.value`` is a Python-level descriptor,
        # and a report of 300,000 findings is counted several times.
        by_severity = Counter(map(_SEVERITY, self.findings))
        return Counter({s.value: n for s, n in by_severity.items()})

    def to_dict(self, *, findings: bool = True) -> dict[str, Any]:
        c = self.counts()
        return {
            "path": self.path,
            "readable": self.error is None,
            "error": {"message": self.error, "line": self.error_line} if self.error is not None else None,
            "language": self.language,
            "language_source": self.language_source,
            "profile": self.profile,
            "format": self.format,
            "encoding": self.encoding,
            "cues": self.cues,
            "counts": {s.value: c.get(s.value, 0) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)},
            "findings": [f.to_dict() for f in self.findings] if findings else [],
        }


@dataclass
class ValidationReport:
    files: list[FileReport]
    frame_rate: str | None
    frame_rate_source: str
    film: str | None
    film_duration_ms: int | None
    font: str | None

    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.counts())
        return total

    @property
    def unreadable(self) -> int:
        return sum(1 for f in self.files if f.error is not None)

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return EXIT_UNREADABLE
        return EXIT_FINDINGS if self.counts().get("error", 0) else EXIT_OK

    def summary(self) -> str:
        """``3 files: 2 errors, 5 warnings, 1 info`` (plus unreadable files, if any)."""
        c = self.counts()
        n = len(self.files)
        parts = [
            _plural(c.get("error", 0), "error"),
            _plural(c.get("warning", 0), "warning"),
            f"{c.get('info', 0)} info",
        ]
        text = f"{_plural(n, 'file')}: {', '.join(parts)}"
        if self.unreadable:
            text += f"; {self.unreadable} unreadable"
        return text

    def to_dict(self, *, findings: bool = True) -> dict[str, Any]:
        """The ``--json`` document (``findings=False``: each file's list left empty)."""
        c = self.counts()
        return {
            "schema": "subpipe-validate",
            "schema_version": SCHEMA_VERSION,
            "ok": self.exit_code == EXIT_OK,
            "exit_code": self.exit_code,
            "summary": {
                "files": len(self.files),
                "unreadable": self.unreadable,
                "error": c.get("error", 0),
                "warning": c.get("warning", 0),
                "info": c.get("info", 0),
            },
            "context": {
                "frame_rate": self.frame_rate,
                "frame_rate_source": self.frame_rate_source,
                "film": self.film,
                "film_duration_ms": self.film_duration_ms,
                "font": self.font,
            },
            "files": [f.to_dict(findings=findings) for f in self.files],
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def build_context(options: ValidateOptions) -> Context:
    """Probe the film (when given) and resolve the frame rate and font."""
    if options.film is None:
        return Context.build(fps=options.fps, font=options.font)
    from media.probe import probe

    info = probe(options.film)
    if not info.video:
        # a subtitle or audio file probes fine (ffmpeg reads SubRip), but has no frames
        raise InputError(
            "no video stream: --film wants the film itself (the frame rate and length come from it)",
            path=options.film,
        )
    if info.variable_frame_rate and options.fps is None:
        log.warning(
            "%s: variable frame rate (average %s fps): frame-based checks and MicroDVD files need --fps",
            options.film, format_fps(info.frame_rate) if info.frame_rate else "?",
        )  # fmt: skip
    cut_frames: tuple[int, ...] | None = None
    spans: tuple[tuple[int, int], ...] | None = None
    if options.film_checks:
        from pipeline.filmqc import film_facts

        facts = film_facts(options.film, info, folder=options.film_cache, digest=options.film_digest)
        cut_frames = facts.cuts.frames if facts.cuts is not None else None
        spans = facts.speech_spans
    return Context.build(
        fps=options.fps,
        film_path=options.film,
        film_fps=None if info.variable_frame_rate else info.frame_rate,
        film_duration_ms=info.duration_ms,
        film_start_ms=info.start_ms,
        font=options.font,
        cut_frames=cut_frames,
        speech_spans=spans,
    )


def load_for_qc(path: Path, options: ValidateOptions, context: Context) -> Track:
    return load_track(
        path,
        language=options.language,
        fps=options.fps,
        film_fps=context.fps if context.fps_from_film else None,
        format_=options.format_,
        encoding=options.encoding,
    )


def validate_files(paths: list[Path], options: ValidateOptions | None = None) -> ValidationReport:
    """Validate subtitle files of one film; cross-language rules run when there are several."""
    options = options or ValidateOptions()
    context = build_context(options)
    source = ProfileSource.read(options.profile)
    reports: list[FileReport] = []
    tracks: list[Track] = []
    loaded: list[FileReport] = []
    for path in paths:
        try:
            track = load_for_qc(path, options, context)
        except InputError as exc:
            reports.append(FileReport(str(path), error=exc.message, error_line=exc.line))
            continue
        report = FileReport(
            str(path),
            language=track.language.tag if track.language else None,
            language_source=track.language_source,
            format=track.source_format,
            encoding=track.encoding.encoding if track.encoding else None,
            cues=len(track.cues),
        )
        reports.append(report)
        tracks.append(track)
        loaded.append(report)
    languages = [effective_language(t) for t in tracks]
    profiles = [build_profile(lang, source, options.overrides) for lang in languages]
    for report, lang in zip(loaded, languages, strict=True):
        report.language = lang.tag if lang is not None else None
        if lang is not None and report.language_source in (None, "unknown"):
            report.language_source = "detected"  # from the text after an exact mojibake repair
    if tracks:
        if options.cross:
            results = validate_tracks(tracks, profiles, context)
        else:
            results = [validate_tracks([t], [p], context)[0] for t, p in zip(tracks, profiles, strict=True)]
        for report, prof, findings in zip(loaded, profiles, results, strict=True):
            report.findings = findings
            report.profile = prof.name
    fps, fps_source = _describe_rate(context, tracks)
    return ValidationReport(
        files=reports,
        frame_rate=fps,
        frame_rate_source=fps_source,
        film=context.film_path,
        film_duration_ms=context.film_duration_ms,
        font=str(context.font_path) if context.font_path else None,
    )


def _describe_rate(context: Context, tracks: list[Track]) -> tuple[str | None, str]:
    if context.fps is not None:
        return format_fps(context.fps), "film" if context.fps_from_film else "fps"
    rates = {t.frame_rate for t in tracks if t.frame_rate is not None}
    if len(rates) == 1:
        return format_fps(rates.pop()), "track"
    return None, "assumed"


def format_text(report: ValidationReport, *, min_severity: Severity = Severity.INFO) -> str:
    """The human report: per file, findings grouped by severity, then one summary line."""
    return "\n".join(text_lines(report, min_severity=min_severity))


def text_lines(report: ValidationReport, *, min_severity: Severity = Severity.INFO) -> Iterator[str]:
    """``format_text`` a line at a time (a file with 200,000 findings is printed as it goes)."""
    for f in report.files:
        if f.error is not None:
            where = f"{f.path}:{f.error_line}" if f.error_line else f.path
            yield f"{f.path}: UNREADABLE"
            yield f"  {where}: error: {f.error}"
            yield ""
            continue
        c = f.counts()
        lang = f"{f.language} ({f.language_source})" if f.language else "language unknown"
        yield (
            f"{f.path}: {f.format}, {f.encoding}, {lang}, profile {f.profile}, {f.cues} cues — "
            f"{_plural(c.get('error', 0), 'error')}, {_plural(c.get('warning', 0), 'warning')}, "
            f"{c.get('info', 0)} info"
        )
        for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO):
            if sev.rank < min_severity.rank or not c.get(sev.value, 0):
                continue
            yield f"  {sev.value}s:" if sev is not Severity.INFO else "  info:"
            yield from (f"    {x.format()}" for x in f.findings if x.severity is sev)
        yield ""
    yield report.summary()


_SEVERITY = attrgetter("severity")

#: Stands for a list in a JSON skeleton that is then written an item at a time.
_HOLE = "\x00subpipe-items\x00"


def json_chunks(report: ValidationReport) -> Iterator[str]:
    """``report.to_dict()`` as indented JSON text, in pieces, a finding at a time.

    ``json.dumps`` of the whole document would first build a dict per finding and then the
    whole text (with ``indent``, in pure Python): for 200,000 findings, gigabytes and many
    seconds. Here the small parts are dumped as usual and each finding is one line, dumped
    by the C encoder; the document parses to exactly ``report.to_dict()``.
    """
    doc = report.to_dict(findings=False)
    files = doc["files"]
    doc["files"] = _HOLE
    head, tail = _split_at_hole(json.dumps(doc, ensure_ascii=False, indent=2))
    yield head
    if not files:
        yield "[]"
    else:
        yield "["
        for k, (entry, fr) in enumerate(zip(files, report.files, strict=True)):
            entry["findings"] = _HOLE
            text = json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            before, after = _split_at_hole(text)
            yield ("\n    " if k == 0 else ",\n    ") + before
            if not fr.findings:
                yield "[]"
            else:
                for n, finding in enumerate(fr.findings):
                    line = finding.to_json()
                    yield ("[\n        " if n == 0 else ",\n        ") + line
                yield "\n      ]"
            yield after
        yield "\n  ]"
    yield tail + "\n"


def _split_at_hole(text: str) -> tuple[str, str]:
    hole = json.dumps(_HOLE)
    at = text.index(hole)
    return text[:at], text[at + len(hole) :]
