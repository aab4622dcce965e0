"""WebVTT (``.vtt``), parsed by the WebVTT specification's own rules.

pysubs2 reads WebVTT with its SubRip reader, so a ``NOTE`` comment or a ``STYLE`` block
after a cue becomes part of that cue's text, a cue identifier that is not a number is
glued to the previous cue, and timestamps the specification rejects (``00:00.00``, one
digit of minutes) are accepted. Browsers would show something else than what we check.
This reader follows the spec's block and timestamp algorithms (the web-platform-tests in
``wpt-webvtt`` are its conformance cases): a cue with an unreadable timing is dropped, as
a browser drops it, and reported with its line so the translator can fix it.
"""

from __future__ import annotations

import re
from fractions import Fraction

from subtitles.errors import ContentError
from subtitles.formats.base import ParseOutcome, SubtitleFormat, head_lines, split_lines
from subtitles.formats.markup import cue_html, top_settings, vtt_text
from subtitles.model import Cue, Track
from subtitles.timing import format_ms

_HEADER = re.compile(r"^\ufeff?WEBVTT(?:[ \t].*)?$")
_LOOSE_TIMING = re.compile(r"\d+:\d+")


def parse_timestamp(text: str, pos: int = 0) -> tuple[int, int] | None:
    """The spec's "collect a WebVTT timestamp": ``(ms, next position)`` or ``None``.

    Hours are optional and may have any number of digits; minutes and seconds must have
    exactly two digits and be at most 59; the fraction must have exactly three digits.
    """

    def digits(at: int) -> tuple[str, int]:
        end = at
        while end < len(text) and text[end].isascii() and text[end].isdigit():
            end += 1
        return text[at:end], end

    first, pos = digits(pos)
    if not first:
        return None
    hours_first = len(first) != 2 or int(first) > 59
    if pos >= len(text) or text[pos] != ":":
        return None
    second, pos = digits(pos + 1)
    if len(second) != 2:
        return None
    if hours_first or (pos < len(text) and text[pos] == ":"):
        if pos >= len(text) or text[pos] != ":":
            return None
        third, pos = digits(pos + 1)
        if len(third) != 2:
            return None
        hours, minutes, seconds = int(first), int(second), int(third)
    else:
        hours, minutes, seconds = 0, int(first), int(second)
    if pos >= len(text) or text[pos] != ".":
        return None
    frac, pos = digits(pos + 1)
    if len(frac) != 3 or minutes > 59 or seconds > 59:
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + int(frac), pos


def _skip_blanks(line: str, pos: int) -> int:
    """The position of the first character at or after ``pos`` that is not a space or tab."""
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    return pos


def parse_timing_line(line: str) -> tuple[int, int, str] | None:
    """``start --> end settings`` per the spec; ``None`` when the cue must be dropped."""
    start = parse_timestamp(line, _skip_blanks(line, 0))
    if start is None:
        return None
    start_ms, pos = start
    pos = _skip_blanks(line, pos)
    if not line.startswith("-->", pos):
        return None
    end = parse_timestamp(line, _skip_blanks(line, pos + 3))
    if end is None:
        return None
    end_ms, pos = end
    if pos < len(line) and line[pos] not in " \t":
        return None
    return start_ms, end_ms, line[pos:].strip()


class WebVTT(SubtitleFormat):
    id = "vtt"
    extensions = (".vtt", ".webvtt")

    @classmethod
    def sniff(cls, text: str) -> float:
        first = split_lines(text[:200])[:1]
        if first and _HEADER.match(first[0].lstrip("\ufeff")):
            return 1.0
        lines = head_lines(text, 400)
        arrows = [ln for ln in lines if "-->" in ln]
        if arrows and sum(1 for ln in arrows if parse_timing_line(ln)) > 0.5 * len(arrows):
            return 0.5  # WebVTT timings without the header: SubRip with dots scores lower
        return 0.0

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        out = ParseOutcome()
        lines = split_lines(text)
        n = len(lines)
        i = 0
        if lines and _HEADER.match(lines[0].lstrip("\ufeff")):
            i = 1
            while i < n and lines[i].strip():
                if "-->" in lines[i]:
                    out.problem(
                        i + 1,
                        "cue inside the header block (a blank line must follow WEBVTT)",
                        "error",
                        "vtt.header",
                    )
                    break
                i += 1
            out.vtt_header = "\n".join(lines[:i]).lstrip("\ufeff")
        else:
            bad = lines[0].strip()[:40] if lines else ""
            out.problem(
                1, f"missing 'WEBVTT' header (first line is {bad!r})", "warning", "vtt.missing-header"
            )
        seen_cue = False
        while i < n:
            while i < n and not lines[i].strip():
                i += 1
            if i >= n:
                break
            block_start = i
            block: list[int] = []
            while i < n and lines[i].strip():
                if block and "-->" in lines[i] and any("-->" in lines[j] for j in block):
                    break  # an arrow line inside cue text starts a new block, per the spec
                block.append(i)
                i += 1
            first = lines[block[0]]
            if "-->" not in first and (len(block) < 2 or "-->" not in lines[block[1]]):
                keyword = first.strip().split(" ", 1)[0].split("\t", 1)[0]
                if keyword in ("NOTE", "STYLE", "REGION"):
                    out.vtt_blocks.append((len(out.cues), "\n".join(lines[j] for j in block)))
                    if keyword != "NOTE" and seen_cue:
                        out.problem(
                            block_start + 1,
                            f"{keyword} block after the first cue is ignored",
                            "warning",
                            "vtt.late-block",
                        )
                    continue
                if _LOOSE_TIMING.search(first) and len(block) > 1:
                    out.problem(
                        block_start + 1,
                        "block without a '-->' timing line; skipped",
                        "error",
                        "vtt.missing-timing",
                    )
                else:
                    out.problem(
                        block_start + 1,
                        f"unrecognised block {first.strip()[:40]!r}; skipped",
                        "warning",
                        "vtt.stray-block",
                    )
                continue
            timing_idx = block[0] if "-->" in first else block[1]
            timed = parse_timing_line(lines[timing_idx])
            if timed is None:
                out.problem(
                    timing_idx + 1,
                    f"invalid WebVTT timing {lines[timing_idx].strip()!r}; cue dropped",
                    "error",
                    "vtt.bad-timing",
                )
                continue
            start, end, settings = timed
            text_lines = [lines[j] for j in block if j > timing_idx]
            if not text_lines:
                out.problem(block_start + 1, "cue has no text", "warning", "vtt.empty-text")
            seen_cue = True
            cue = Cue(start=start, end=end, text=vtt_text(text_lines), source_line=timing_idx + 1)
            cue.set_markup("vtt", "\n".join(text_lines))
            cue.settings = settings
            if timing_idx != block[0]:
                cue.identifier = lines[block[0]].strip()
            out.cues.append(cue)
        return out

    @classmethod
    def write(cls, track: Track, *, rate: Fraction | None = None) -> str:
        """The header, STYLE/REGION/NOTE blocks where they were, and every cue with its
        identifier and settings; text as written in a WebVTT source, else converted
        (``<font>`` and SubStation codes dropped, ``&`` and ``<`` escaped; a cue placed at
        the top with ``{\\an8}`` gets ``line:0``). WebVTT has no time before zero."""
        header = track.vtt_header or "WEBVTT"
        parts = [header, ""]
        blocks = sorted(track.vtt_blocks, key=lambda b: b[0])
        b = 0
        k = -1
        for event in track.events:
            if event.is_comment:  # a SubStation comment is a NOTE, where it was
                note = _note(event.text)
                parts += [note, ""] if note else []
                continue
            if not isinstance(event, Cue):
                continue
            k += 1
            cue = event
            while b < len(blocks) and blocks[b][0] <= k:
                parts += [blocks[b][1], ""]
                b += 1
            if cue.start < 0 or cue.end < 0:
                raise ContentError(
                    f"cue {k + 1} lies before zero ({format_ms(cue.start)} --> {format_ms(cue.end)}) and "
                    "WebVTT cannot store that; shift the track first (subpipe align --offset)",
                    path=track.source,
                    line=cue.source_line,
                )
            settings = top_settings(cue)
            timing = f"{format_ms(cue.start)} --> {format_ms(cue.end)}" + (f" {settings}" if settings else "")
            ident = cue.identifier if cue.identifier and "-->" not in cue.identifier else ""
            text = cue_html(cue, "vtt")
            parts.append("\n".join(x for x in (ident, timing, text) if x))
            parts.append("")
        for _at, block in blocks[b:]:
            parts += [block, ""]
        return "\n".join(parts)


def _note(text: str) -> str:
    """A SubStation comment as a WebVTT NOTE block (no blank line, no ``-->`` inside)."""
    lines = [ln.strip().replace("-->", "->") for ln in re.split(r"\\[Nn]|\n", text)]
    body = "\n".join(ln for ln in lines if ln)
    return f"NOTE {body}" if body else ""
