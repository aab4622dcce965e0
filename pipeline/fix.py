"""``subpipe fix`` as a library call: apply the safe fixes to one file, write the result
atomically in the source format (UTF-8), and validate what was written.

The input is never modified unless ``in_place`` is asked for, and then a backup
``SUB.bak`` is written (atomically) before the file is replaced (atomically). A file with
parts the loader could not read (a garbled timing line) is refused: writing it back
would drop that text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.validate import ValidateOptions, build_context, load_for_qc
from subtitles.atomic import refuse_overwrite_of_inputs, write_bytes, write_text
from subtitles.errors import ContentError, UsageError
from subtitles.load import load_bytes
from subtitles.qc import Finding, ProfileSource, build_profile, validate_track
from subtitles.qc.fix import Change, fix_track, render_fixed
from subtitles.qc.rules.language import effective_language

SCHEMA_VERSION = 1


@dataclass
class FixReport:
    source: Path
    output: Path | None
    written: bool
    backup: Path | None
    changes: list[Change] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    cues_before: int = 0
    cues_after: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "subpipe-fix",
            "schema_version": SCHEMA_VERSION,
            "source": str(self.source),
            "output": str(self.output) if self.output else None,
            "written": self.written,
            "backup": str(self.backup) if self.backup else None,
            "cues": {"before": self.cues_before, "after": self.cues_after},
            "changes": [c.to_dict() for c in self.changes],
            "remaining": [f.to_dict() for f in self.remaining],
        }


def fix_file(
    path: Path,
    *,
    output: Path | None = None,
    in_place: bool = False,
    dry_run: bool = False,
    options: ValidateOptions | None = None,
) -> FixReport:
    """Fix ``path`` into ``output`` (or over itself with ``in_place``, keeping ``.bak``)."""
    options = options or ValidateOptions()
    if in_place and output is not None:
        raise UsageError("give either -o OUT or --in-place, not both")
    if not in_place and output is None and not dry_run:
        raise UsageError("give -o OUT (or --in-place, or --dry-run)")
    target = path if in_place else output
    if target is not None and not in_place:
        refuse_overwrite_of_inputs(target, [path])
    context = build_context(options)
    track = load_for_qc(path, options, context)
    lost = [p for p in track.problems if p.severity == "error"]
    if lost:
        # Writing the track back would silently drop what the loader could not read.
        where = ", ".join(str(p.line) for p in lost[:10] if p.line is not None)
        raise ContentError(
            f"{len(lost)} part(s) of the file could not be read (line {where}: {lost[0].message}); "
            "repair them by hand first: fix never drops text",
            path=path,
            line=lost[0].line,
        )
    profile = build_profile(effective_language(track), ProfileSource.read(options.profile), options.overrides)
    result = fix_track(track, profile, context)
    text = render_fixed(result)
    name = str(target or path)
    fixed = load_bytes(
        text.encode("utf-8"),
        name=name,
        language=track.language,
        fps=track.frame_rate,
        format_=track.source_format,
        encoding="utf-8",
        source=target,
    )
    if len(fixed.cues) != len(track.cues):  # the promise: never drop a cue
        raise RuntimeError(f"fix changed the number of cues ({len(track.cues)} → {len(fixed.cues)}): a bug")
    remaining = validate_track(fixed, profile, context)
    backup: Path | None = None
    written = False
    if not dry_run and target is not None:
        if in_place:
            backup = path.with_name(path.name + ".bak")
            write_bytes(backup, path.read_bytes())
        write_text(target, text)
        written = True
    return FixReport(
        source=path,
        output=target,
        written=written,
        backup=backup,
        changes=result.changes,
        remaining=remaining,
        cues_before=len(track.cues),
        cues_after=len(fixed.cues),
    )
