"""``subpipe fix`` as a library call: apply the safe fixes to one file, write the result
atomically as UTF-8, and validate what was written.

The output format is the one the output's extension names (``.srt``, ``.vtt``, ``.ass``,
``.ssa``, ``.sub`` for MicroDVD, ``.mpl``/``.tmp``), converted when it differs from the
source; ``.txt`` names three formats, so it keeps the source's format when that is one of
them (MPL2, TMPlayer, MicroDVD) and is refused otherwise, as is an unknown extension.

The input is never modified unless ``in_place`` is asked for. Then the original is first
copied to a backup that never replaces an earlier one (``SUB.bak``, else ``SUB.bak.1``,
``SUB.bak.2``...), and a file that fixing would not change at all is not rewritten. A
file with parts the loader could not read (a garbled timing line) is refused: writing it
back would drop that text.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from pipeline.validate import ValidateOptions, build_context, load_for_qc
from subtitles import formats
from subtitles.atomic import DEFAULT_NAME_MAX, copy_file, refuse_overwrite_of_inputs, write_bytes
from subtitles.errors import ContentError, UsageError
from subtitles.load import load_bytes
from subtitles.model import Track
from subtitles.qc import Finding, ProfileSource, Severity, build_profile, validate_track
from subtitles.qc.context import Context
from subtitles.qc.fix import TIMING_FIX_RULES, Change, fix_track, render_fixed
from subtitles.qc.rules.language import effective_language

SCHEMA_VERSION = 1

#: The fixes that change no letter and no word boundary (the only things language detection
#: counts): punctuation, spaces, line ends, times, the file's encoding. After only these, the
#: output's letters and words are the source's, and so is what detection says of them.
_LETTERS_KEPT = frozenset(
    {
        "enc.utf8",
        "text.line_ends",
        "text.whitespace",
        "typo.quotes",
        "typo.ellipsis",
        "typo.dialogue_dash",
        *TIMING_FIX_RULES,
    }
)

#: How many numbered backups are tried before giving up (a folder full of them is a mistake).
_MAX_BACKUPS = 1000


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
            **self._head(),
            "changes": [c.to_dict() for c in self.changes],
            "remaining": [f.to_dict() for f in self.remaining],
        }

    def _head(self) -> dict[str, Any]:
        return {
            "schema": "subpipe-fix",
            "schema_version": SCHEMA_VERSION,
            "source": str(self.source),
            "output": str(self.output) if self.output else None,
            "written": self.written,
            "backup": str(self.backup) if self.backup else None,
            "cues": {"before": self.cues_before, "after": self.cues_after},
        }

    def json_chunks(self) -> Iterator[str]:
        """``to_dict()`` as indented JSON text, in pieces: the small parts dumped as usual,
        each change and finding one line by the C encoder. At 200,000 cues (125,000 changes,
        270,000 findings) a dict per item and ``indent`` in pure Python would cost seconds
        and hundreds of megabytes; this parses to exactly ``to_dict()``."""
        hole = json.dumps(_HOLE)
        skeleton = {**self._head(), "changes": _HOLE, "remaining": _HOLE}
        text = json.dumps(skeleton, ensure_ascii=False, indent=2)
        parts = text.split(hole)
        items: list[Iterator[str]] = [
            (c.to_json() for c in self.changes),
            (f.to_json() for f in self.remaining),
        ]
        yield parts[0]
        for part, lines in zip(parts[1:], items, strict=True):
            opening = "[\n    "
            for line in lines:
                yield opening + line
                opening = ",\n    "
            yield "[]" if opening == "[\n    " else "\n  ]"
            yield part
        yield "\n"

    def text_lines(self) -> Iterator[str]:
        """The human report, a line at a time: every change (``file:line: rule (cue N):
        before → after``), every finding left, and the counts."""
        sub = str(self.source)
        for c in self.changes:
            where = f"{sub}:{c.line}" if c.line is not None else sub
            cue = f" (cue {c.cue})" if c.cue is not None else ""
            yield f"{where}: {c.rule}{cue}: {c.describe()}"
        for f in self.remaining:
            yield f"remaining: {f.format()}"
        errors = sum(1 for f in self.remaining if f.severity is Severity.ERROR)
        warnings = sum(1 for f in self.remaining if f.severity is Severity.WARNING)
        yield f"{len(self.changes)} changes; remaining: {errors} errors, {warnings} warnings"


#: Stands for a list in the JSON skeleton that is then written an item at a time.
_HOLE = "\x00subpipe-items\x00"


def output_format(output: Path, source_format: str) -> str:
    """The format ``output``'s extension names (the one extension table, in
    ``subtitles.formats``); ``UsageError`` when it names none (or ``.txt`` for a source
    that is not a ``.txt`` format)."""
    return formats.output_format(output, source_format)


def free_backup(path: Path) -> Path:
    """``SUB.bak``, or the first free ``SUB.bak.N``: an earlier backup is never replaced.

    A name already at the file system's limit (255 bytes) would not take the suffix: its
    part before the first dot is shortened (by whole characters) so the backup fits, and
    the report names the backup it made."""
    try:
        name_max = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = DEFAULT_NAME_MAX
    for n in range(_MAX_BACKUPS):
        candidate = path.with_name(_fit_name(path.name, ".bak" if n == 0 else f".bak.{n}", name_max))
        if not candidate.exists():
            return candidate
    raise UsageError(f"{_MAX_BACKUPS} backups of this file exist already; remove some", path=path)


def _fit_name(name: str, suffix: str, name_max: int) -> str:
    """``name + suffix``, the part of ``name`` before its first dot cut short when the whole
    would pass ``name_max`` bytes (the rest of ``name`` when there is no such part)."""
    head, dot, rest = name.partition(".")
    if not head:  # ".hidden" or no dot to keep: shorten the whole name
        head, dot, rest = name, "", ""
    while head and len(os.fsencode(head + dot + rest + suffix)) > name_max:
        head = head[:-1]
    return head + dot + rest + suffix


def _output_rate(track: Track, target: str, context: Context, options: ValidateOptions) -> Fraction | None:
    """The frame rate MicroDVD output is counted in: never an assumed one."""
    if target != "microdvd":
        return None
    if options.fps is not None or context.fps is not None:
        return options.fps or context.fps
    if track.frame_rate is not None:
        return track.frame_rate
    raise UsageError("writing MicroDVD (.sub) counts frames: give --fps or --film")


def fix_file(
    path: Path,
    *,
    output: Path | None = None,
    in_place: bool = False,
    dry_run: bool = False,
    options: ValidateOptions | None = None,
) -> FixReport:
    """Fix ``path`` into ``output`` (or over itself with ``in_place``, keeping a backup)."""
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
    source_format = track.source_format or "srt"
    fmt = output_format(target, source_format) if target is not None and not in_place else source_format
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
    rate = _output_rate(track, fmt, context, options)
    language, frame_rate, cues_before = track.language, track.frame_rate, len(track.cues)
    source_lines = [c.source_line for c in track.cues] if dry_run else []
    result = fix_track(track, profile, context, target_format=fmt, rate=rate, copy=False)
    text = render_fixed(result)
    changes = result.changes
    same_letters = fmt == source_format and all(c.rule in _LETTERS_KEPT for c in changes)
    # the source's guess stands for the output's when no fix touched a letter (0.85 s at 200k cues)
    guess = track.language_guess if same_letters and language is not None else None
    # What was written is read back below: the source's cues and the fixed copy are let go
    # first, so a long file is not held three times over.
    del result, track
    data = text.encode("utf-8")
    del text  # what is read back and written is ``data``: one copy of the output, not two
    shown = target or path
    fixed = load_bytes(
        data,
        name=str(shown),
        language=language,
        fps=rate or frame_rate,
        format_=fmt,
        encoding="utf-8",
        source=shown,
        language_guess=guess,
    )
    cues_after = len(fixed.cues)
    if cues_after != cues_before:  # the promise: never drop a cue
        raise RuntimeError(f"fix changed the number of cues ({cues_before} → {cues_after}): a bug")
    # Written once read back whole, before validating: validation only reports, and the
    # bytes (20 MB at 200k cues) are let go before the findings are made, not held beside them.
    backup: Path | None = None
    written = False
    if not dry_run and target is not None:
        if in_place:
            if data != path.read_bytes():  # nothing to change: leave the file (and no backup) alone
                # through a symlink, the file it names is fixed (and backed up beside it); the
                # link stays a link, as an editor saving through it would leave it
                real = path.resolve()
                backup = free_backup(real)
                copy_file(real, backup)  # with the file's permissions
                write_bytes(real, data)
                written = True
        else:
            write_bytes(target, data)
            written = True
    del data
    remaining = validate_track(fixed, profile, context)
    if dry_run:
        remaining = _cite_source(remaining, fixed, path, source_lines)
    del fixed
    return FixReport(
        source=path,
        output=target,
        written=written,
        backup=backup,
        changes=changes,
        remaining=remaining,
        cues_before=cues_before,
        cues_after=cues_after,
    )


def _cite_source(
    findings: list[Finding], fixed: Track, source: Path, source_lines: list[int | None]
) -> list[Finding]:
    """A dry run writes nothing: cite what remains at the source file's lines (the same
    cue, the same line within it) so the list points into a file that exists.
    ``source_lines``: where each cue starts in the source."""
    path = str(source)
    fixed_cues = fixed.cues  # built once: ``cues`` makes a new list
    out = []
    for f in findings:
        line = f.line
        if f.cue is not None and line is not None:
            new_at = fixed_cues[f.cue - 1].source_line
            old_at = source_lines[f.cue - 1]
            if new_at is not None and old_at is not None:
                line = old_at + (line - new_at)
        if line == f.line and path == f.path:  # the usual case: the same lines, nothing to copy
            out.append(f)
            continue
        values = list(_finding_values(f))
        values[_PATH_AT], values[_LINE_AT] = path, line
        out.append(Finding(*values))
    return out


#: ``dataclasses.replace`` by position (a frozen dataclass's ``replace`` costs ~15 µs a finding).
_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_finding_values = operator.attrgetter(*_FINDING_FIELDS)
_PATH_AT, _LINE_AT = _FINDING_FIELDS.index("path"), _FINDING_FIELDS.index("line")
