"""Safe fixes: only changes that keep the meaning, each one listed.

What it does: repair mojibake (only an exact, round-tripping repair), strip stray tags
and close unclosed ones, clean whitespace, repair mixed-script letters, normalise quotes,
ellipses and dialogue dashes to the language's style; then timing: trim overlaps, widen
too-small gaps to the minimum (2 frames), close "bridge" gaps to the minimum, and extend
cues that are too short (or read too fast) into free time. What it never does: change a
word, drop, merge, split or reorder a cue. Running it on its own output changes nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from subtitles.model import Track
from subtitles.qc import normalize as nz
from subtitles.qc.context import Context
from subtitles.qc.mojibake import repair
from subtitles.qc.profile import Profile
from subtitles.qc.rules.text import _VOID_TAGS, KNOWN_TAGS
from subtitles.qc.scripts import CYRILLIC, LATIN, repair_mixed, script_of
from subtitles.qc.text import HTML_TAG, visible
from subtitles.qc.view import TrackView
from subtitles.timing import format_ms, format_srt_time, frames_to_ms, ms_to_frames

#: Source formats that count frames, not milliseconds.
FRAME_BASED = frozenset({"microdvd"})

_POSITIONED = re.compile(r"\\(?:an?\d|pos|move)")


@dataclass(frozen=True, slots=True)
class Change:
    """One edit: which rule it answers, where, and the text (or times) before and after."""

    rule: str
    cue: int
    line: int | None
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "cue": self.cue,
            "line": self.line,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class FixResult:
    """The fixed track (a copy; the input is untouched), per-cue raw texts, and the changes."""

    track: Track
    raw: list[str]
    markup: str
    from_source: bool
    changes: list[Change] = field(default_factory=list)


def fix_track(track: Track, profile: Profile, context: Context | None = None) -> FixResult:
    """Apply every safe fix to a copy of ``track``."""
    ctx = context or Context.build()
    view = TrackView(track, profile, ctx)
    texts = view.texts
    fixed = track.copy_track()
    cues = fixed.cues
    raw = list(texts.raw)
    changes: list[Change] = []

    def record(rule: str, i: int, before: str, after: str) -> None:
        changes.append(Change(rule, i + 1, view.line_of(i), before, after))

    damage = view.mojibake[0] if view.mojibake is not None else None
    lang = track.language
    prefer = script_of(lang) if lang is not None else None
    prefer = prefer if prefer in (CYRILLIC, LATIN) else None
    known = KNOWN_TAGS.get(track.source_format or "srt", KNOWN_TAGS["srt"])

    for i in range(len(raw)):
        text = raw[i]
        if (
            damage is not None
            and view.mojibake is not None
            and i in view.mojibake[1]
            and profile.is_enabled("enc.mojibake")
        ):
            repaired = repair(text, damage)
            if repaired is not None:
                record("enc.mojibake", i, text, repaired)
                text = repaired
        if texts.markup == "html" and "<" in text and profile.is_enabled("text.tags"):
            cleaned = _balance_tags(text, known)
            if cleaned != text:
                record("text.tags", i, text, cleaned)
                text = cleaned
        template = nz.Template.of(text, texts.markup)
        if template is not None:
            steps = (
                ("text.whitespace", nz.fix_whitespace),
                ("text.mixed_script", lambda s: repair_mixed(s, prefer)),
                ("typo.quotes", lambda s: nz.normalize_quotes(s, profile.quotes, profile.inner_quotes)),
                ("typo.ellipsis", lambda s: nz.normalize_ellipsis(s, profile.ellipsis)),
                ("typo.dialogue_dash", lambda s: nz.normalize_dashes(s, profile.dialogue_dash)),
            )
            current = template.text
            closing = template.closing
            for rule_id, step in steps:
                if not profile.is_enabled(rule_id):
                    continue
                after = nz.through_tags(current, step, closing)
                if after != current:
                    record(rule_id, i, template.render(current), template.render(after))
                    current = after
            text = template.render(current)
        if texts.markup == "html" and "\n" in text:
            # a SubRip/WebVTT cue ends at a blank line: a line emptied by a fix must go
            kept = "\n".join(ln for ln in text.split("\n") if ln.strip(" \t"))
            if kept != text:
                record("text.whitespace", i, text, kept)
                text = kept
        raw[i] = text
        cues[i].text = text if texts.markup == "ass" else cues[i].text

    _fix_timing(view, cues, raw, texts.markup, profile, ctx, record)
    if texts.markup == "html":
        for i, cue in enumerate(cues):
            cue.text = _html_to_ass(raw[i])
    return FixResult(fixed, raw, texts.markup, texts.from_source, changes)


def _balance_tags(raw: str, known: frozenset[str]) -> str:
    """Drop unknown tags and closers that close nothing; close what is left open at the end."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in HTML_TAG.finditer(raw):
        out.append(raw[pos : m.start()])
        pos = m.end()
        closing, name = m.group(1), (m.group(2) or "").lower()
        token = m.group(0)
        if not name:
            if token[1:2].isdigit():
                out.append(token)  # WebVTT timestamp tag
            continue
        if name not in known and name not in _VOID_TAGS:
            continue
        if closing:
            if name in stack:
                while stack:
                    top = stack.pop()
                    out.append(f"</{top}>" if top != name else token)
                    if top == name:
                        break
            continue
        out.append(token)
        if name not in _VOID_TAGS:
            stack.append(name)
    out.append(raw[pos:])
    out.extend(f"</{name}>" for name in reversed(stack))
    return "".join(out)


def _html_to_ass(raw: str) -> str:
    """pysubs2's in-memory text for an SRT/VTT cue (used only for the returned Track)."""
    text = re.sub(r"<(/?)([ibus])>", lambda m: "{\\" + m.group(2) + ("0" if m.group(1) else "1") + "}", raw)
    text = HTML_TAG.sub("", text)
    return text.replace("\n", "\\N")


def _fix_timing(
    view: TrackView,
    cues: list[Any],
    raw: list[str],
    markup: str,
    profile: Profile,
    ctx: Context,
    record: Any,
) -> None:
    gap_ms = math.ceil(profile.min_gap_frames * view.frame)
    threshold = view.frames_ms(profile.min_gap_frames)
    bridge_low = view.frames_ms(3)
    film_end = ctx.film_duration_ms
    chars = [len(visible(r, markup)) - visible(r, markup).count("\n") for r in raw]  # type: ignore[arg-type]

    def times(i: int) -> str:
        return f"{format_ms(cues[i].start)} --> {format_ms(cues[i].end)}"

    # A frame-based file (MicroDVD) stores frames: an end between two frames would move on
    # writing and be "fixed" again next time, so ends are put on frame boundaries.
    rate = view.track.frame_rate if view.track.source_format in FRAME_BASED else None

    def set_end(rule: str, i: int, end: int, limit: int | None = None) -> None:
        if rate is not None:
            frame = ms_to_frames(end, rate)
            down = frames_to_ms(frame, rate)
            up = down if down >= end else frames_to_ms(frame + 1, rate)
            end = up if limit is None or up <= limit else down
        if end == cues[i].end or end <= cues[i].start:
            return
        before = times(i)
        cues[i].end = end
        record(rule, i, before, times(i))

    for i, cue in enumerate(cues):
        if cue.start < 0 or cue.end < 0:
            before = times(i)
            cue.start, cue.end = max(cue.start, 0), max(cue.end, 0)
            record("struct.negative_time", i, before, times(i))

    order = [
        i for i in sorted(range(len(cues)), key=lambda n: (cues[n].start, n)) if cues[i].end > cues[i].start
    ]
    for k, a in enumerate(order):
        b = order[k + 1] if k + 1 < len(order) else None
        ca = cues[a]
        if b is not None:
            cb = cues[b]
            exempt = bool(_POSITIONED.search(raw[a])) != bool(_POSITIONED.search(raw[b])) or (
                markup == "ass" and ca.style != cb.style
            )
            if (
                ca.end > cb.start
                and cb.start > ca.start
                and not exempt
                and profile.is_enabled("timing.overlap")
            ):
                end = cb.start - gap_ms if cb.start - gap_ms > ca.start else cb.start
                set_end("timing.overlap", a, end, limit=end)
            gap = cb.start - ca.end
            if 0 <= gap < threshold and profile.is_enabled("timing.gap"):
                end = cb.start - gap_ms
                if end - ca.start >= min(profile.min_duration_ms, ca.end - ca.start) and end > ca.start:
                    set_end("timing.gap", a, end, limit=end)
        limit = cues[b].start - gap_ms if b is not None else None
        if film_end is not None:
            limit = film_end if limit is None else min(limit, film_end)
        wanted = max(profile.min_duration_ms, math.ceil(chars[a] * 1000 / profile.max_cps))
        wanted = min(wanted, profile.max_duration_ms)
        target = ca.start + wanted
        if limit is not None:
            target = min(target, limit)
        if target > ca.end:
            short = ca.end - ca.start < profile.min_duration_ms
            rule = "timing.min_duration" if short else "read.cps"
            if profile.is_enabled(rule):
                set_end(rule, a, target, limit=limit)
        if b is not None and profile.is_enabled("timing.bridge_gap"):
            gap = cues[b].start - ca.end
            fits = cues[b].start - gap_ms - ca.start <= profile.max_duration_ms
            if bridge_low <= gap < profile.bridge_gap_max_ms and fits:
                set_end("timing.bridge_gap", a, cues[b].start - gap_ms, limit=cues[b].start - gap_ms)


# -- writing -------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_VTT_TIMES = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(.*)$")


def render_fixed(result: FixResult) -> str:
    """The fixed track as UTF-8 text in its source format.

    SubRip and WebVTT read from source are written from the fixed source text, so every
    tag and WebVTT cue setting survives (pysubs2 would drop ``<font>`` and settings);
    other formats go through the loader's writers.
    """
    track = result.track
    fmt = track.source_format or "srt"
    if result.markup == "html" and result.from_source and fmt in ("srt", "vtt"):
        return _render_srt(result) if fmt == "srt" else _render_vtt(result)
    from subtitles.load import dump_track

    return dump_track(track, fmt)


def _srt_time(ms: int) -> str:
    return format_srt_time(max(ms, 0))


def _render_srt(result: FixResult) -> str:
    blocks = []
    for n, (cue, text) in enumerate(zip(result.track.cues, result.raw, strict=True), start=1):
        blocks.append(f"{n}\n{_srt_time(cue.start)} --> {_srt_time(cue.end)}\n{text}\n")
    return "\n".join(blocks)


def _render_vtt(result: FixResult) -> str:
    track = result.track
    lines = _LINE_BREAK.split(track.source_text)
    cues = track.cues
    first = (cues[0].source_line or 1) - 1 if cues else len(lines)
    header = lines[:first]
    while header and not header[-1].strip():
        header.pop()
    if not header or not header[0].lstrip("\ufeff").startswith("WEBVTT"):
        header = ["WEBVTT", *header]
    out = ["\n".join(header), ""]
    block_end = first  # where the previous cue's block ended in the source
    for cue, text in zip(cues, result.raw, strict=True):
        ident: str | None = None
        settings = ""
        at = (cue.source_line or 0) - 1
        out.extend(_vtt_blocks_between(lines[block_end:at]))
        timing_at = at
        for j in range(max(at, 0), min(len(lines), at + 3)):
            m = _VTT_TIMES.match(lines[j])
            if m and "-->" in lines[j]:
                settings = m.group(3).rstrip()
                timing_at = j
                if j > at and lines[at].strip():
                    ident = lines[at].strip()
                break
        block_end = timing_at + 1
        while block_end < len(lines) and lines[block_end].strip():
            block_end += 1
        block = [ident] if ident else []
        start, end = format_ms(max(cue.start, 0)), format_ms(max(cue.end, 0))
        block.append(f"{start} --> {end}{settings}")
        block.extend(text.split("\n") if text else [])
        out.append("\n".join(block))
        out.append("")
    out.extend(_vtt_blocks_between(lines[block_end:]))
    return "\n".join(out)


def _vtt_blocks_between(lines: list[str]) -> list[str]:
    """NOTE, STYLE and REGION blocks between cues, kept verbatim (each followed by a blank)."""
    blocks: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            if not any("-->" in c for c in current) and current[0].split(" ", 1)[0] in (
                "NOTE",
                "STYLE",
                "REGION",
            ):
                blocks += ["\n".join(current), ""]
            current = []
    return blocks
