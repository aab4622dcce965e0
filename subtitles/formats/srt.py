"""SubRip (``.srt``): the format most translators deliver, and the most hand-damaged.

pysubs2 finds cues by looking for any line with two timestamps and treats everything up
to the next such line as text. That loses cues silently: a timing written without
milliseconds (``00:00:02 --> 00:00:03``) is not recognised and its text is glued to the
previous cue, as is the text of a block whose timing line is missing; a last text line
that is a number (``1984``) is stripped as if it were the next index. This reader walks
the blocks itself, keeps every cue it can time, and reports the rest with line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import NamedTuple

from subtitles.formats.base import ParseOutcome, SubtitleFormat, head_lines, split_lines
from subtitles.formats.markup import cue_html, srt_text
from subtitles.model import Cue, Track
from subtitles.timing import format_srt_time

_TS = r"(-?)[ \t]*(?:(\d+)[ \t]*:[ \t]*)?(\d{1,2})[ \t]*:[ \t]*(\d{1,2})(?:[ \t]*([,.])[ \t]*(\d{1,3})\d*)?"
_TIMING = re.compile(rf"^\s*{_TS}[ \t]*(?:-+>|→)[ \t]*{_TS}(?:[ \t]+.*)?\s*$")
_NUMBER = re.compile(r"^\s*\d+\s*$")
#: A timing line as a careful writer spells it (``01:02:03,004 --> 01:02:05,006``, nothing
#: else on the line): read without the tolerant pattern's notes, which it would not have.
_CANONICAL = re.compile(r"(\d+):([0-5]\d):([0-5]\d),(\d\d\d) --> (\d+):([0-5]\d):([0-5]\d),(\d\d\d)")


class _Timing(NamedTuple):
    """A read timing line (a tuple: made once per cue, it costs less than a dataclass)."""

    start: int
    end: int
    notes: tuple[str, ...]


def _time(groups: tuple[str | None, ...]) -> tuple[int, list[str]]:
    sign, hours, minutes, seconds, sep, frac = groups
    notes: list[str] = []
    if hours is None:
        notes.append("time without hours")
    if frac is None:
        notes.append("time without milliseconds")
    elif len(frac) != 3:
        notes.append(f"milliseconds written with {len(frac)} digit(s), read as a decimal fraction")
    if sep == ".":
        notes.append("'.' instead of ',' before the milliseconds")
    if int(minutes or 0) > 59 or int(seconds or 0) > 59:
        notes.append("minutes or seconds above 59")
    ms = int(frac.ljust(3, "0")) if frac else 0  # 1-3 digits: a decimal fraction of a second
    total = ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds or 0)) * 1000 + ms
    if sign:
        notes.append("negative time")
        total = -total
    return total, notes


def parse_timing(line: str) -> _Timing | None:
    """Read a SubRip timing line tolerantly; ``None`` when it cannot be read at all."""
    canonical = _CANONICAL.fullmatch(line)
    if canonical is not None:  # most lines of most files: the same value, no notes
        h1, m1, s1, f1, h2, m2, s2, f2 = map(int, canonical.groups())
        return _Timing(((h1 * 60 + m1) * 60 + s1) * 1000 + f1, ((h2 * 60 + m2) * 60 + s2) * 1000 + f2, ())
    match = _TIMING.match(line)
    if match is None:
        return None
    groups = match.groups()
    start, notes_a = _time(groups[:6])
    end, notes_b = _time(groups[6:12])
    notes = tuple(dict.fromkeys(notes_a + notes_b)) if notes_a or notes_b else ()
    return _Timing(start, end, notes)


class SubRip(SubtitleFormat):
    id = "srt"
    max_time_ms = 100 * 3_600_000 - 1  # hh:mm:ss,mmm: two-digit hours
    extensions = (".srt",)

    @classmethod
    def sniff(cls, text: str) -> float:
        lines = head_lines(text, 400)
        timings = sum(1 for ln in lines if _TIMING.match(ln))
        if timings == 0:
            return 0.0
        comma = sum(1 for ln in lines if _TIMING.match(ln) and "," in ln)
        return 0.9 if comma else 0.6

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        canonical = _parse_canonical(text)
        if canonical is not None:
            return canonical
        return _parse_tolerant(text)

    @classmethod
    def write(cls, track: Track, *, rate: Fraction | None = None) -> str:
        """Numbered blocks; tags as written in a SubRip or WebVTT source (``<font>``
        included), else from the SubStation text (italics, bold, underline, colours,
        ``{\\anN}``). A time before zero keeps its sign (our reader reads it back; a
        player shows nothing, as it showed nothing before) rather than collapse the cue."""
        blocks = []
        for n, cue in enumerate(track.cues, start=1):
            text = cue_html(cue, "srt")
            blocks.append(f"{n}\n{format_srt_time(cue.start)} --> {format_srt_time(cue.end)}\n{text}\n")
        return "\n".join(blocks)


#: One block as a careful writer spells it: index, canonical timing, one or more text lines
#: (none blank; none may hold an arrow that could make it a timing line, which is checked
#: apart, at C speed), then blank lines.
_CANONICAL_BLOCK = re.compile(
    r"(\d+)\n"
    r"(\d+):([0-5]\d):([0-5]\d),(\d\d\d) --> (\d+):([0-5]\d):([0-5]\d),(\d\d\d)\n"
    r"((?:[^\n]*\S[^\n]*\n)+)"
    r"(\n*)"
)


def _parse_canonical(text: str) -> ParseOutcome | None:
    """The cues of a file that is nothing but canonical blocks (what subpipe and most tools
    write), read with one pattern per block; ``None`` at the first thing that is not, and
    the tolerant reader reads the file instead. Gives exactly what the tolerant reader
    gives for such a file (a test compares the two), at a third of its cost: 200,000 cues
    are read twice by ``subpipe fix`` (the upload, and its own output read back)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None  # old Mac line ends: the tolerant reader splits those
    if not text.endswith("\n"):
        text += "\n"
    pos = len(text) - len(text.lstrip("\n"))
    line = pos + 1
    out = ParseOutcome()
    cues = out.cues
    previous: int | None = None
    match = _CANONICAL_BLOCK.match
    size = len(text)
    while pos < size:
        m = match(text, pos)
        if m is None:
            return None
        number_s, h1, m1, s1, f1, h2, m2, s2, f2, body, blank = m.groups()
        if (not blank and m.end() < size) or "->" in body or "→" in body:
            # the next block starts without a blank line, or a text line could be a timing
            # line (the tolerant reader looks for one in any line with an arrow): it decides
            return None
        number = int(number_s)
        if previous is not None and number != previous + 1:
            out.problem(line, f"index {number} follows {previous}", "info", "srt.index-order")
        previous = number
        raw = body[:-1]
        text_lines = raw.split("\n")
        cue = Cue(
            start=int(h1) * 3_600_000 + int(m1) * 60_000 + int(s1) * 1000 + int(f1),
            end=int(h2) * 3_600_000 + int(m2) * 60_000 + int(s2) * 1000 + int(f2),
            text=srt_text(text_lines),
            source_line=line,
        )
        cue.set_markup("srt", raw)
        cues.append(cue)
        line += 2 + len(text_lines) + len(blank)
        pos = m.end()
    out.canonical = True
    return out if cues else None


def _parse_tolerant(text: str) -> ParseOutcome:
    """Every block as it comes: missing or garbled indexes, timings in any spelling, blank
    lines inside a cue, blocks without a timing line; each oddity reported at its line."""
    out = ParseOutcome()
    lines = split_lines(text)
    n = len(lines)
    blank = [not ln.strip() for ln in lines]
    timing: dict[int, _Timing | None] = {}
    for i, ln in enumerate(lines):
        # a timing needs an arrow (``-+>`` or ``→``): other lines skip the regex
        if "-->" in ln or (("->" in ln or "→" in ln) and _TIMING.match(ln)):
            timing[i] = parse_timing(ln)
    starts = sorted(timing)

    def index_line_of(t: int) -> int | None:
        """The line above a timing line that is its index (number or garbled), if any."""
        j = t - 1
        if j < 0 or blank[j] or j in timing:
            return None
        if _NUMBER.match(lines[j]):
            return j
        if j == 0 or blank[j - 1]:
            return j  # a non-numeric line opening a block: a garbled index
        return None

    first_start = index_line_of(starts[0]) if starts else None
    head_end = (first_start if first_start is not None else starts[0]) if starts else n
    stray = next((i for i in range(head_end) if not blank[i]), None)
    if stray is not None:
        out.problem(stray + 1, "text before the first cue is ignored", "warning", "srt.leading-text")

    previous_index: int | None = None
    index_lines = [index_line_of(t) for t in starts]  # once each (every one is also a "next")
    for k, t in enumerate(starts):
        idx_line = index_lines[k]
        source = (idx_line if idx_line is not None else t) + 1
        nxt = starts[k + 1] if k + 1 < len(starts) else n
        nxt_idx = index_lines[k + 1] if k + 1 < len(starts) else None
        end_region = nxt_idx if nxt_idx is not None else nxt
        body_end = end_region
        while body_end > t + 1 and blank[body_end - 1]:
            body_end -= 1
        if True not in blank[t + 1 : body_end]:
            # no blank line inside: nothing to cut or report (the usual cue), so the
            # general path's steps below would give this same text
            interior_blank: list[int] = []
            text_lines = lines[t + 1 : body_end]
        else:
            body = _cut_orphan_block(list(range(t + 1, end_region)), lines, blank, out)
            while body and blank[body[-1]]:
                body.pop()
            interior_blank = [i for i in body if blank[i]]
            text_lines = [lines[i] for i in body if not blank[i]]

        tm = timing[t]
        previous_index = _check_index(idx_line, t, lines, previous_index, out)
        if tm is None:
            out.problem(
                t + 1,
                f"unreadable timing line {lines[t].strip()!r}; cue skipped",
                "error",
                "srt.bad-timing",
            )
            continue
        for note in tm.notes:
            out.problem(
                t + 1, note, "info" if "without hours" not in note else "warning", "srt.timing-format"
            )
        if interior_blank:
            out.problem(interior_blank[0] + 1, "blank line inside cue text", "warning", "srt.blank-in-text")
        if not text_lines:
            if k + 1 == len(starts) and t + 1 >= n:
                out.problem(
                    t + 1, "file ends right after a timing line (truncated?)", "error", "srt.truncated"
                )
            else:
                out.problem(source, "cue has no text", "warning", "srt.empty-text")
        cue = Cue(start=tm.start, end=tm.end, text=srt_text(text_lines), source_line=source)
        cue.set_markup("srt", "\n".join(text_lines))
        out.cues.append(cue)
    return out


def subrip_cue(start: int, end: int, raw: str) -> Cue:
    """A cue whose SubRip text is ``raw`` exactly as given (tags, spacing, flaws and all),
    read as the reader reads it: what test files and generated uploads are made of."""
    cue = Cue(start=start, end=end, text=srt_text(raw.split("\n")))
    cue.set_markup("srt", raw)
    return cue


def subrip_text(cues: Iterable[tuple[int, int, str]]) -> str:
    """SubRip text for ``(start_ms, end_ms, raw text)`` triples, by the SubRip writer."""
    track = Track()
    track.events = [subrip_cue(a, b, raw) for a, b, raw in cues]
    return SubRip.write(track)


def _cut_orphan_block(body: list[int], lines: list[str], blank: list[bool], out: ParseOutcome) -> list[int]:
    """End a cue's text at a blank line followed by a bare number: that number opens a
    block whose timing line is missing (or the file was cut off after it), and its text
    must not be glued to the cue before, as pysubs2 would."""
    for pos, i in enumerate(body):
        if blank[i] and pos + 1 < len(body) and _NUMBER.match(lines[body[pos + 1]]):
            orphan = body[pos + 1]
            number = lines[orphan].strip()
            if any(not blank[j] for j in body[pos + 2 :]):
                message = f"cue {number} has no timing line; its text is skipped"
                out.problem(orphan + 1, message, "error", "srt.missing-timing")
            else:
                out.problem(
                    orphan + 1, f"file ends after index {number} (truncated?)", "error", "srt.truncated"
                )
            return body[:pos]
    return body


def _check_index(
    idx_line: int | None, timing_line: int, lines: list[str], previous: int | None, out: ParseOutcome
) -> int | None:
    """Report a missing, garbled or out-of-sequence index; return the last good index."""
    if idx_line is None:
        out.problem(timing_line + 1, "cue has no index number", "info", "srt.missing-index")
        return previous
    text = lines[idx_line].strip()
    if not _NUMBER.match(text):
        out.problem(idx_line + 1, f"index is not a number: {text!r}", "warning", "srt.bad-index")
        return previous
    number = int(text)
    if previous is not None and number != previous + 1:
        out.problem(idx_line + 1, f"index {number} follows {previous}", "info", "srt.index-order")
    return number
