"""Advanced SubStation Alpha (``.ass``) and SubStation Alpha (``.ssa``).

pysubs2's reader is the reference for this format and is used as is. What it lacks for
uploads: one ``Dialogue:`` line with an unreadable timestamp raises and loses the whole
file, and events do not know their line. This module checks every event line first,
blanks the broken ones (keeping line numbers) with a problem each, lets pysubs2 parse the
rest, and pairs its events, in order, with the event lines it found.
"""

from __future__ import annotations

import io
import re
import warnings
from fractions import Fraction

import pysubs2
from pysubs2.formats.substation import EVENT_FIELDS, SubstationFormat
from pysubs2.time import TIMESTAMP, TIMESTAMP_SHORT

from subtitles.formats.base import ParseOutcome, SubtitleFormat, split_lines
from subtitles.formats.markup import cue_ass
from subtitles.model import Cue, Track

_SECTION = re.compile(r"^\[[^]]+\]$")


def _time_ok(value: str) -> bool:
    value = value.strip().lstrip("-")
    return bool(TIMESTAMP.match(value) or TIMESTAMP_SHORT.match(value))


def _pysubs2_parse(lines: list[str], format_id: str) -> tuple[pysubs2.SSAFile, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        subs = pysubs2.SSAFile.from_file(io.StringIO("\n".join(lines) + "\n"), format_=format_id)
    return subs, list(caught)


class _SubStation(SubtitleFormat):
    """ASS and SSA differ only in how they are recognised and in pysubs2's format id."""

    max_time_ms = 10 * 3_600_000 - 10  # h:mm:ss.cc: one-digit hours (Aegisub, the specification)

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        format_id = cls.id
        out = ParseOutcome()
        lines = split_lines(text)
        n_fields = len(EVENT_FIELDS[format_id])
        event_lines: list[int] = []
        section = ""
        for i, raw in enumerate(lines):
            line = raw.strip()
            if _SECTION.match(line):
                section = line.lower()
                continue
            if section in ("[fonts]", "[graphics]"):
                continue
            if not (line.startswith("Dialogue:") or line.startswith("Comment:")):
                continue
            fields = line.split(":", 1)[1].strip().split(",", n_fields - 1)
            if len(fields) < n_fields:
                out.problem(
                    i + 1,
                    f"event line has {len(fields)} of {n_fields} fields; skipped",
                    "error",
                    "ass.fields",
                )
                lines[i] = ""
                continue
            if not (_time_ok(fields[1]) and _time_ok(fields[2])):
                out.problem(
                    i + 1,
                    f"unreadable time {fields[1].strip()!r} or {fields[2].strip()!r}; event skipped",
                    "error",
                    "ass.bad-timing",
                )
                lines[i] = ""
                continue
            if section != "[events]":
                out.problem(i + 1, "event line outside the [Events] section", "warning", "ass.section")
            event_lines.append(i + 1)
        if not any(ln.strip().lower() == "[script info]" for ln in lines[:50]):
            out.problem(1, "missing [Script Info] section", "warning", "ass.missing-header")
        try:
            subs, caught = _pysubs2_parse(lines, format_id)
        except (ValueError, KeyError, NotImplementedError, IndexError) as exc:
            # a broken Style: line (a font size "big", a colour "red") sinks pysubs2's whole
            # parse: keep the events, fall back to the default style, and say so
            style_lines = [i for i, ln in enumerate(lines) if ln.strip().startswith("Style:")]
            for i in style_lines:
                lines[i] = ""
            try:
                subs, caught = _pysubs2_parse(lines, format_id)
            except (ValueError, KeyError, NotImplementedError, IndexError) as exc2:
                out.problem(None, f"pysubs2 could not read the file: {exc2}", "error", "ass.unreadable")
                return out
            first = style_lines[0] + 1 if style_lines else None
            out.problem(
                first, f"unreadable style definitions ({exc}); default style used", "error", "ass.style"
            )
        for warning in caught:
            out.problem(None, str(warning.message), "warning", "ass.style")
        if len(subs.events) != len(event_lines):  # cannot happen unless pysubs2 changes its rules
            out.problem(
                None,
                "event lines could not be matched to events; line numbers unknown",
                "warning",
                "ass.lines",
            )
            event_lines_opt: list[int | None] = [None] * len(subs.events)
        else:
            event_lines_opt = list(event_lines)
        out.cues = [Cue.from_event(e, ln) for e, ln in zip(subs.events, event_lines_opt, strict=True)]
        out.header = subs
        return out

    @classmethod
    def write(cls, track: Track, *, rate: Fraction | None = None) -> str:
        """pysubs2's writer (styles, info, fonts, comments and override tags as they are),
        with two things it cannot do: ``<font>`` from a SubRip source becomes colour, font
        and size codes, and a time before zero keeps its sign instead of being set to zero
        (which would collapse the cue to one nobody sees); a player reading the sign as
        absent sees a cue that ends before it starts and shows nothing, as before."""
        copy = track.copy_track()
        for event in copy.events:
            if isinstance(event, Cue) and not event.is_comment:
                event.text = cue_ass(event)
        if any(block.startswith("NOTE") for _at, block in track.vtt_blocks):
            copy.events = _with_notes(copy.events, track.vtt_blocks)
        if not any(e.start < 0 or e.end < 0 for e in copy.events):
            return copy.to_string(cls.id)
        original = [(e.start, e.end) for e in copy.events]
        for n, event in enumerate(copy.events):  # placeholders, replaced in order by the real times
            event.start, event.end = 20 * n, 20 * n + 10
        text = copy.to_string(cls.id)
        out: list[str] = []
        pos = 0
        for n, (start, end) in enumerate(original):
            placeholder = f"{_signed(20 * n)},{_signed(20 * n + 10)}"
            at = text.find(placeholder, pos)
            if at < 0:
                continue
            out += [text[pos:at], f"{_signed(start)},{_signed(end)}"]
            pos = at + len(placeholder)
        return "".join(out) + text[pos:]


def _with_notes(events: list[pysubs2.SSAEvent], blocks: list[tuple[int, str]]) -> list[pysubs2.SSAEvent]:
    """WebVTT NOTE blocks as SubStation comments, each before the cue it preceded (timed
    as that cue, so sorting keeps it there)."""
    notes = sorted((at, block) for at, block in blocks if block.startswith("NOTE"))
    out: list[pysubs2.SSAEvent] = []
    k = 0
    n = 0
    dialogue = [e for e in events if not e.is_comment]
    for event in events:
        if not event.is_comment:
            while n < len(notes) and notes[n][0] <= k:
                out.append(_comment(notes[n][1], event))
                n += 1
            k += 1
        out.append(event)
    last = dialogue[-1] if dialogue else None
    out += [_comment(block, last) for _at, block in notes[n:]]
    return out


def _comment(block: str, near: pysubs2.SSAEvent | None) -> Cue:
    text = block.removeprefix("NOTE").strip().replace("\n", r"\N")
    start, end = (near.start, near.end) if near is not None else (0, 0)
    return Cue(start=start, end=end, text=text, type="Comment")


def _signed(ms: int) -> str:
    """A SubStation time with its sign (``-0:00:04.57``)."""
    return ("-" if ms < 0 else "") + SubstationFormat.ms_to_timestamp(abs(ms))


class AdvancedSubStation(_SubStation):
    id = "ass"
    extensions = (".ass",)

    @classmethod
    def sniff(cls, text: str) -> float:
        head = text[:4000]
        if "[V4+ Styles]" in head or re.search(r"(?im)^\s*ScriptType:\s*v4\.00\+", head):
            return 1.0
        if "[Script Info]" in head or re.search(r"(?m)^\s*Dialogue:", head):
            return 0.8 if "[V4 Styles]" not in head else 0.0
        return 0.0


class SubStation(_SubStation):
    id = "ssa"
    extensions = (".ssa",)

    @classmethod
    def sniff(cls, text: str) -> float:
        head = text[:4000]
        if "[V4 Styles]" in head or re.search(r"(?im)^\s*ScriptType:\s*v4\.00\s*$", head):
            return 1.0
        return 0.0
