"""Safe fixes: only changes that keep the meaning, each one listed.

What it does: repair mojibake (only an exact, round-tripping repair), strip stray tags
and close unclosed ones, clean whitespace, repair mixed-script letters, normalise quotes,
ellipses (in prose, not inside addresses) and dialogue dashes to the language's style;
then timing: trim overlaps no longer than a bridge gap (``bridge_gap_max_ms``, 500 ms:
a slip, not a deliberate overlap), widen too-small gaps to the minimum (2 frames), close
"bridge" gaps, give zero-length cues their minimum time and extend cues that are too
short (or read too fast) into free time. A trim never takes a cue below the minimum
duration or over the reading-speed limit; what cannot be fixed safely is left and
reported. Times are computed at the output format's resolution, so the list says exactly
what is stored. Writing as UTF-8 with LF line ends, or in another format, is listed too.

What it never does: change a word, drop, merge, split or reorder a cue, or move a start
(except a start before zero of a cue that ends after it). Cues wholly before zero are
left for alignment. Running it on its own output changes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from subtitles.errors import UsageError
from subtitles.formats import get_format
from subtitles.formats.markup import srt_text, vtt_text
from subtitles.formats.microdvd import microdvd_body
from subtitles.formats.mpl2 import mpl2_body, mpl2_time
from subtitles.formats.tmp import tmp_body, tmp_time
from subtitles.model import Track
from subtitles.qc import normalize as nz
from subtitles.qc.context import Context
from subtitles.qc.finding import json_number, json_string
from subtitles.qc.mojibake import repair
from subtitles.qc.profile import Profile
from subtitles.qc.rules.text import _VOID_TAGS, KNOWN_TAGS
from subtitles.qc.scripts import (
    CYR_LETTER,
    CYRILLIC,
    LAT_LETTER,
    LATIN,
    SCRIPT_SWITCH,
    repair_mixed,
    script_of,
)
from subtitles.qc.text import HTML_TAG, visible
from subtitles.qc.view import TrackView
from subtitles.timing import format_ms, frames_to_ms, ms_to_frames

#: Formats whose one-line cues are rewritten in place when written back (spacing kept).
LINE_FORMATS = frozenset({"microdvd", "mpl2", "tmp"})

_POSITIONED = re.compile(r"\\(?:an?\d|pos|move)")


@dataclass(frozen=True, slots=True)
class Resolution:
    """The times an output format stores exactly: a grid of ``step`` ms (SubRip and
    WebVTT 1, SubStation 10, MPL2 100) or the frames of ``rate`` (MicroDVD); TMPlayer
    stores starts in whole seconds and no ends at all (``stores_end`` false)."""

    step: int = 1
    rate: Fraction | None = None
    stores_end: bool = True
    #: The latest time the format can spell (``SubtitleFormat.max_time_ms``): no fix
    #: lengthens a cue past it.
    max_ms: int | None = None

    @classmethod
    def of(cls, format_id: str, rate: Fraction | None = None) -> Resolution:
        max_ms = get_format(format_id).max_time_ms
        if format_id == "microdvd":
            if rate is None:
                raise UsageError("writing MicroDVD needs a frame rate: give --fps or --film")
            return cls(rate=rate, max_ms=max_ms)
        steps = {"ass": 10, "ssa": 10, "mpl2": 100, "tmp": 1000}
        return cls(step=steps.get(format_id, 1), stores_end=format_id != "tmp", max_ms=max_ms)

    def _frame_down(self, ms: int) -> int:
        assert self.rate is not None
        f = ms_to_frames(ms, self.rate)
        while frames_to_ms(f, self.rate) > ms:
            f -= 1
        while frames_to_ms(f + 1, self.rate) <= ms:
            f += 1
        return frames_to_ms(f, self.rate)

    def down(self, ms: int) -> int:
        """The latest storable time not after ``ms``."""
        if self.rate is not None:
            return self._frame_down(ms)
        return ms // self.step * self.step

    def up(self, ms: int) -> int:
        """The earliest storable time not before ``ms``."""
        if self.rate is not None:
            down = self._frame_down(ms)
            return down if down == ms else frames_to_ms(ms_to_frames(down, self.rate) + 1, self.rate)
        return -(-ms // self.step) * self.step

    def stored(self, ms: int) -> int:
        """What the format's writer makes of ``ms``."""
        if self.rate is not None:
            return frames_to_ms(ms_to_frames(ms, self.rate), self.rate)
        if self.step == 1000:
            return ms // 1000 * 1000 if ms >= 0 else -(-ms // 1000 * 1000)
        if self.step == 100:
            return mpl2_time(ms) * 100
        return (ms + self.step // 2) // self.step * self.step


@dataclass(frozen=True, slots=True)
class Change:
    """One edit: which rule it answers, where (``cue`` is ``None`` for a change to the
    whole file, such as its encoding), and the text (or times) before and after."""

    rule: str
    cue: int | None
    line: int | None
    before: str
    after: str

    def describe(self) -> str:
        """One line for people: ``re-encoded cp1250 → UTF-8``, ``'a...' → 'a…'``."""
        if self.cue is not None:
            return f"{self.before!r} → {self.after!r}"
        what = {"enc.utf8": "re-encoded", "text.line_ends": "line ends", "struct.format": "converted"}
        return f"{what.get(self.rule, 'changed')} {self.before} → {self.after}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "cue": self.cue,
            "line": self.line,
            "before": self.before,
            "after": self.after,
        }

    def to_json(self) -> str:
        """``json.dumps(self.to_dict(), ensure_ascii=False)``, written field by field."""
        return (
            f'{{"rule": {json_string(self.rule)}, "cue": {json_number(self.cue)}, '
            f'"line": {json_number(self.line)}, "before": {json_string(self.before)}, '
            f'"after": {json_string(self.after)}}}'
        )


@dataclass
class FixResult:
    """The fixed track (a copy; the input is untouched), per-cue raw texts, the changes,
    and the format (and its time resolution) it is to be written in."""

    track: Track
    raw: list[str]
    markup: str
    from_source: bool
    changes: list[Change] = field(default_factory=list)
    target_format: str = "srt"
    resolution: Resolution = field(default_factory=Resolution)
    source_raw: list[str] = field(default_factory=list)
    source_times: list[tuple[int, int]] = field(default_factory=list)


#: How often the text steps are run over one cue at most: a second round settles what one
#: step's change leaves for another; a third is a guard, never seen needed.
_MAX_ROUNDS = 3

#: The rules whose fixes move cue times (and nothing else).
TIMING_FIX_RULES = (
    "struct.negative_time",
    "struct.end_before_start",
    "timing.overlap",
    "timing.gap",
    "timing.min_duration",
    "read.cps",
    "timing.bridge_gap",
)


def file_changes(track: Track, target_format: str) -> list[Change]:
    """Changes to the file as a whole: output is always UTF-8 (no BOM) with LF line ends,
    in ``target_format``; each of these is a change the user must see listed."""
    out: list[Change] = []
    source_format = track.source_format or "srt"
    if target_format != source_format:
        out.append(Change("struct.format", None, None, source_format, target_format))
    guess = track.encoding
    if guess is not None:
        name = guess.encoding.lower().replace("_", "-")
        if name not in ("utf-8", "utf8", "ascii", "us-ascii"):
            out.append(Change("enc.utf8", None, None, guess.encoding, "UTF-8"))
        elif guess.bom:
            out.append(Change("enc.utf8", None, None, "UTF-8 with byte-order mark", "UTF-8"))
    text = track.source_text
    if "\r" in text:
        kind = "CRLF" if "\r\n" in text else "CR"
        out.append(Change("text.line_ends", None, None, kind, "LF"))
    return out


def fix_track(
    track: Track,
    profile: Profile,
    context: Context | None = None,
    *,
    target_format: str | None = None,
    rate: Fraction | None = None,
    copy: bool = True,
) -> FixResult:
    """Apply every safe fix to a copy of ``track``, for writing as ``target_format``
    (the source format unless told; ``rate`` is the frame rate for MicroDVD output).

    ``copy=False`` fixes ``track`` itself: for a caller that is done with the original
    (``subpipe fix`` writes the result and reads it back), one set of cues, not two."""
    ctx = context or Context.build()
    view = TrackView(track, profile, ctx)
    texts = view.texts
    source_format = track.source_format or "srt"
    target = get_format(target_format).id if target_format else source_format
    res = Resolution.of(target, rate or track.frame_rate)
    # what a one-line format's line held (``_render_lines`` rewrites only times that changed)
    source_times = [(c.start, c.end) for c in track.cues] if source_format in LINE_FORMATS else []
    fixed = track.copy_track() if copy else track
    cues = fixed.cues
    raw = list(texts.raw)
    changes: list[Change] = file_changes(track, target)

    def record(rule: str, i: int, before: str, after: str, text_line: int | None = None) -> None:
        changes.append(Change(rule, i + 1, view.line_of(i, text_line), before, after))

    def record_text(rule: str, i: int, before: str, after: str) -> None:
        """Cite the displayed line the change starts on, as the check does."""
        a, b = before.split("\n"), after.split("\n")
        k = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)) - 1)
        record(rule, i, before, after, 0 if rule == "enc.mojibake" else max(k, 0))

    if target != source_format:
        for c in cues:  # times as the output format will store them
            c.start, c.end = res.stored(c.start), res.stored(c.end)

    damage = view.mojibake[0] if view.mojibake is not None else None
    lang = track.language
    prefer = script_of(lang) if lang is not None else None
    prefer = prefer if prefer in (CYRILLIC, LATIN) else None
    known = KNOWN_TAGS.get(track.source_format or "srt", KNOWN_TAGS["srt"])
    # Each enabled text step, with the test that finds where it could change anything (its
    # own patterns): most cues need no step, and a long file is not put through five
    # normalisers cue by cue. A step is the identity on a text its test does not match.
    ellipsis_test = _DOTS_ANY.search if profile.ellipsis == "…" else _ELLIPSIS_ANY.search
    steps: list[tuple[str, Callable[[str], str], Callable[[str], object]]] = [
        (rule_id, step, test)
        for rule_id, step, test in (
            ("text.whitespace", nz.fix_whitespace, _could_fix_whitespace),
            ("text.mixed_script", lambda s: repair_mixed(s, prefer), _mixes_scripts),
            (
                "typo.quotes",
                lambda s: nz.normalize_quotes(s, profile.quotes, profile.inner_quotes),
                _QUOTE_ANY.search,
            ),
            ("typo.ellipsis", lambda s: nz.normalize_ellipsis(s, profile.ellipsis), ellipsis_test),
            ("typo.dialogue_dash", lambda s: nz.normalize_dashes(s, profile.dialogue_dash), _could_fix_dash),
        )
        if profile.is_enabled(rule_id)
    ]
    fix_mojibake = profile.is_enabled("enc.mojibake")
    fix_tags = profile.is_enabled("text.tags")

    for i in range(len(raw)):
        text = raw[i]
        if damage is not None and view.mojibake is not None and i in view.mojibake[1] and fix_mojibake:
            repaired = repair(text, damage)
            if repaired is not None:
                record_text("enc.mojibake", i, text, repaired)
                text = repaired
        if texts.markup == "html" and "<" in text and fix_tags:
            cleaned = _balance_tags(text, known)
            if cleaned != text:
                record_text("text.tags", i, text, cleaned)
                text = cleaned
        # a SubRip/WebVTT text without tags is its own template: when no step's test matches
        # it (most cues), no template need be made (200,000 of them for a long file)
        untagged = texts.markup == "html" and "<" not in text and "{" not in text
        quiet = untagged and not any(test(text) for _rule, _step, test in steps)
        template = None if quiet else nz.Template.of(text, texts.markup)
        if template is not None:
            current = template.text
            closing = template.closing
            # one step can make work for an earlier one (a quote turned closing makes the
            # space after it a space before punctuation): round again until none changes
            # anything, so that fixing a fixed file changes nothing
            for _round in range(_MAX_ROUNDS):
                before_round = current
                for rule_id, step, test in steps:
                    if not test(current.replace(nz.P, "") if nz.P in current else current):
                        continue  # what the step would see holds nothing it changes
                    after = nz.through_tags(current, step, closing)
                    if after != current:
                        record_text(rule_id, i, template.render(current), template.render(after))
                        current = after
                if current == before_round:
                    break
            if current is not template.text:  # unchanged, the template renders ``text`` itself
                text = template.render(current)
        if texts.markup == "html" and "\n" in text:
            # a SubRip/WebVTT cue ends at a blank line: a line emptied by a fix must go
            kept = "\n".join(ln for ln in text.split("\n") if ln.strip(" \t"))
            if kept != text:
                record_text("text.whitespace", i, text, kept)
                text = kept
        raw[i] = text
        cues[i].text = text if texts.markup == "ass" else cues[i].text

    _fix_timing(view, cues, raw, texts.markup, profile, ctx, record, res)
    if ctx.cut_frames and res.stores_end:  # the film's cuts (fix --film): subtitles.qc.shotfix
        from subtitles.qc.shotfix import fix_shots

        fix_shots(view, cues, raw, texts.markup, profile, ctx, record, res)
    if texts.markup == "html":
        read = vtt_text if source_format == "vtt" else srt_text
        for i, cue in enumerate(cues):
            if raw[i] != texts.raw[i]:
                cue.text = read(raw[i].split("\n"))  # as the reader reads the fixed text
            cue.set_markup(source_format, raw[i])  # what the writers write
    return FixResult(
        fixed,
        raw,
        texts.markup,
        texts.from_source,
        changes,
        target,
        res,
        list(texts.raw),
        source_times,
    )


# Where a text step could change anything: tests that are supersets of the step's own
# patterns on a text without tag placeholders (what ``through_tags`` hands a step); a step
# whose test fails is the identity, and skipping it changes nothing. Each pattern starts
# with one character class, which the regex engine skips along at C speed: one
# alternation of them all tries every branch at every position, twice the cost over the
# 12 million characters of a 200,000-cue file.
_SPACE = " \t\u00a0"
#: ``nz.fix_whitespace``'s six patterns (leading, trailing, doubled, before punctuation,
#: after a comma, after a full stop) without their look-arounds: a space or tab at the
#: start of the text or of a line, before the end, a line end, another space or a
#: punctuation mark; any tab; a comma before a letter; a sentence end before a word.
_WS_AFTER = re.compile("[ \t\u00a0](?:(?<=\t)|$|\n|[ \t,.!?:;…])")
_WS_LINE_START = re.compile("\n[ \t\u00a0]")
_COMMA_LETTER = re.compile(",[^\\W\\d_]")
_SENTENCE_GLUED = re.compile("[.!?][A-ZА-ЯЁ][a-zа-яё]")


def _could_fix_whitespace(text: str) -> bool:
    return text[:1] in _SPACE or bool(
        _WS_AFTER.search(text)
        or _WS_LINE_START.search(text)
        or _COMMA_LETTER.search(text)
        or _SENTENCE_GLUED.search(text)
    )


def _mixes_scripts(text: str) -> bool:
    """``SCRIPT_SWITCH.search``, after the two one-class searches that rule out nearly
    every cue (a Russian cue has no Latin letter, an English one no Cyrillic)."""
    return bool(LAT_LETTER.search(text) and CYR_LETTER.search(text) and SCRIPT_SWITCH.search(text))


#: ``nz.normalize_quotes`` changes only the double quotes it finds.
_QUOTE_ANY = re.compile('["“”„‟«»]')
#: ``nz.normalize_ellipsis``: three dots (to "…"), or "…" (to the profile's spelling).
_DOTS_ANY = re.compile(r"\.\.\.|\. \. \.")
_ELLIPSIS_ANY = re.compile("…")
#: ``nz.normalize_dashes``: a dash at the start of a line.
_DASHES = "-‐‑–—"
_DASH_LINE_START = re.compile("\n[-‐‑–—]")


def _could_fix_dash(text: str) -> bool:
    return text[:1] in _DASHES or bool(_DASH_LINE_START.search(text))


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


def _fix_timing(
    view: TrackView,
    cues: list[Any],
    raw: list[str],
    markup: str,
    profile: Profile,
    ctx: Context,
    record: Any,
    res: Resolution,
) -> None:
    """Timing fixes at the output format's resolution.

    Every new end is a time the output format stores exactly, rounded in the direction
    that keeps the constraint (gaps and durations up), so what is listed is what is
    written and a second run finds nothing. Starts never move, except a start before zero
    of a cue that ends after zero (the part before zero is never shown anyway). Cues
    wholly before zero are left alone and reported: shifting a track is alignment's job.
    """
    threshold = view.frames_ms(profile.min_gap_frames)
    # two frames in whole ms: rounded up on a ms grid, to be safe; on a frame grid exactly
    # two frames (83 ms at 23.976), or the gap would become three frames, a "bridge gap"
    gap_ms = threshold if res.rate is not None else math.ceil(profile.min_gap_frames * view.frame)
    bridge_low = view.frames_ms(3)
    film_end = ctx.film_duration_ms
    if res.max_ms is not None:  # a cue is not lengthened past what the format can spell
        film_end = res.max_ms if film_end is None else min(film_end, res.max_ms)
    shown = [visible(r, markup) for r in raw]  # type: ignore[arg-type]
    chars = [len(v) - v.count("\n") for v in shown]
    del shown
    # whether each cue is positioned: asked twice a cue below; every such tag has a backslash
    positioned = [bool("\\" in r and _POSITIONED.search(r)) for r in raw]

    def times(i: int) -> str:
        return f"{format_ms(cues[i].start)} --> {format_ms(cues[i].end)}"

    def cps(i: int, end: int) -> float:
        duration = end - cues[i].start
        return chars[i] * 1000 / duration if duration > 0 else math.inf

    def set_end(rule: str, i: int, end: int) -> None:
        cue = cues[i]
        if end == cue.end or end <= cue.start:
            return
        start = format_ms(cue.start)  # ``times`` before and after, the start spelt once
        before = f"{start} --> {format_ms(cue.end)}"
        cue.end = end
        record(rule, i, before, f"{start} --> {format_ms(end)}")

    min_duration, max_cps = profile.min_duration_ms, profile.max_cps

    def shortening_keeps_readable(i: int, end: int) -> bool:
        """A trimmed cue must stay long enough and readable: never below the minimum
        duration, never over the reading-speed limit (unless it already was)."""
        c = cues[i]
        start = c.start
        if end - start < min(min_duration, c.end - start):
            return False
        return cps(i, end) <= max(max_cps, cps(i, c.end))

    # each rule asked once, not once a cue (``is_enabled`` matches patterns: 400,000 calls at 200k cues)
    on = {rule: profile.is_enabled(rule) for rule in TIMING_FIX_RULES}
    for i, cue in enumerate(cues):
        # TMPlayer's ends are a reader's estimate from the text (a fixed text reads longer):
        # whether its cue crosses zero is a guess, so its start is never moved for it
        if cue.start < 0 < cue.end and res.stores_end and on["struct.negative_time"]:
            before = times(i)
            cue.start = res.up(0)
            if cue.end <= cue.start:
                cue.end = res.up(cue.start + 1)
            record("struct.negative_time", i, before, times(i))
    if not res.stores_end:
        return  # TMPlayer: a reader estimates every end again, nothing to fix there

    # start order, ties in file order (a stable sort of the starts, in numpy)
    starts = np.fromiter((c.start for c in cues), dtype=np.int64, count=len(cues))
    order: list[int] = np.argsort(starts, kind="stable").tolist()
    # the first later start after each position in start order (one pass, not one per cue)
    later_start: list[int | None] = [None] * len(order)
    for k in range(len(order) - 2, -1, -1):
        here, then = cues[order[k]].start, cues[order[k + 1]].start
        later_start[k] = then if then > here else later_start[k + 1]
    for k, a in enumerate(order):
        ca = cues[a]
        if ca.end != ca.start or ca.start < 0 or not on["struct.end_before_start"]:
            continue
        # zero-length: never shown; give it its minimum time, into free time when there is some
        nxt = later_start[k]
        wanted = min(
            max(profile.min_duration_ms, math.ceil(chars[a] * 1000 / profile.max_cps)),
            profile.max_duration_ms,
        )
        end = res.up(ca.start + wanted)
        if nxt is not None and res.down(nxt - gap_ms) > ca.start:
            end = min(end, res.down(nxt - gap_ms))
        set_end("struct.end_before_start", a, end)

    order = [i for i in order if cues[i].end > cues[i].start and cues[i].end > 0]
    film_limit = res.down(film_end) if film_end is not None else None
    # how long each cue wants to be: its minimum, or long enough to read, within the maximum
    # (the same float arithmetic as ``math.ceil(chars * 1000 / max_cps)``, for all at once)
    reading_ms = np.ceil(np.asarray(chars, dtype=np.float64) * 1000 / profile.max_cps)
    wanted_ms: list[int] = (
        np.minimum(np.maximum(reading_ms, profile.min_duration_ms), profile.max_duration_ms)
        .astype(np.int64)
        .tolist()
    )
    overlap_max = profile.bridge_gap_max_ms
    for k, a in enumerate(order):
        b = order[k + 1] if k + 1 < len(order) else None
        ca = cues[a]
        if b is not None:
            cb = cues[b]
            exempt = positioned[a] != positioned[b] or (markup == "ass" and ca.style != cb.style)
            overlap = ca.end - cb.start
            if 0 < overlap <= overlap_max and cb.start > ca.start and not exempt and on["timing.overlap"]:
                end = res.down(cb.start - gap_ms)
                if end > ca.start and shortening_keeps_readable(a, end):
                    set_end("timing.overlap", a, end)
            gap = cb.start - ca.end
            if 0 <= gap < threshold and on["timing.gap"]:
                end = res.down(cb.start - gap_ms)
                if end > ca.start and shortening_keeps_readable(a, end):
                    set_end("timing.gap", a, end)
        limit = res.down(cues[b].start - gap_ms) if b is not None else None
        if film_limit is not None:
            limit = film_limit if limit is None else min(limit, film_limit)
        target = res.up(ca.start + wanted_ms[a])
        if target > res.down(ca.start + profile.max_duration_ms):
            target = res.down(ca.start + profile.max_duration_ms)
        if limit is not None:
            target = min(target, limit)
        if target > ca.end:
            short = ca.end - ca.start < profile.min_duration_ms
            rule = "timing.min_duration" if short else "read.cps"
            if on[rule]:
                set_end(rule, a, target)
        if b is not None and on["timing.bridge_gap"]:
            gap = cues[b].start - ca.end
            end = res.down(cues[b].start - gap_ms)
            if ctx.cut_frames:  # a gap with a cut in it closes to the cut, not across it
                from subtitles.qc.shotfix import bridge_limit

                end = bridge_limit(ctx, profile, view.fps, ca.end, end, res)
            fits = end - ca.start <= profile.max_duration_ms
            if bridge_low <= gap < profile.bridge_gap_max_ms and fits and end > ca.end:
                set_end("timing.bridge_gap", a, end)


# -- writing -------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def render_fixed(result: FixResult) -> str:
    """The fixed track as UTF-8 text in its target format, through the format's writer.

    SubRip and WebVTT cues carry their fixed text as written (``Cue.markup``), so every
    tag, WebVTT identifier, cue setting and STYLE/REGION/NOTE block survives, also into
    another format where it can be said there. One-line formats (MPL2, MicroDVD, TMPlayer)
    written in their own format have each cue line rewritten in place instead, so spacing,
    codes and the frame-rate line stay as the translator wrote them. A cue wholly before
    zero is written as it was where the format can say so (SubRip, SubStation, the one-line
    formats); WebVTT cannot, and its writer refuses rather than collapse it to a cue at
    zero that nobody ever sees.
    """
    track = result.track
    fmt = track.source_format or "srt"
    target = result.target_format
    if target == fmt and fmt in LINE_FORMATS and track.source_text:
        rendered = _render_lines(result)
        if rendered is not None:
            return rendered
    return get_format(target).write(track, rate=result.resolution.rate)


def _line_time(format_id: str, ms: int, result: FixResult) -> str:
    """A time as an MPL2 (deciseconds) or MicroDVD (frames) line writes it."""
    if format_id == "mpl2":
        return str(mpl2_time(ms))
    rate = result.resolution.rate
    assert rate is not None, "a MicroDVD resolution always has its rate"
    return str(ms_to_frames(ms, rate))


def _render_lines(result: FixResult) -> str | None:
    """Rewrite each cue's line of a one-line format in place: only the times that changed
    and, when the text changed, the body (after the source's own spacing)."""
    track = result.track
    fmt = get_format(track.source_format or "")
    pattern: re.Pattern[str] = getattr(fmt, "line_pattern")  # noqa: B009 (LineFormat only)
    lines = _LINE_BREAK.split(track.source_text)
    if lines and lines[-1] == "":
        lines.pop()
    original = result.source_times or None
    for i, cue in enumerate(track.cues):
        at = (cue.source_line or 0) - 1
        match = pattern.match(lines[at]) if 0 <= at < len(lines) else None
        if match is None:
            return None
        before = original[i] if original is not None else None
        edits: list[tuple[int, int, str]] = []
        body_group = match.lastindex or 0
        if fmt.id == "tmp":
            if before is None or cue.start != before[0]:
                edits.append(
                    (match.start(1), match.end(5) if match.group(5) else match.end(4), tmp_time(cue.start))
                )
        else:
            for group, (ms, old) in enumerate(
                ((cue.start, before[0] if before else None), (cue.end, before[1] if before else None)),
                start=1,
            ):
                if ms != old:
                    edits.append((match.start(group), match.end(group), _line_time(fmt.id, ms, result)))
        if result.raw[i] != result.source_raw[i]:
            body = match.group(body_group)
            lead = body[: len(body) - len(body.lstrip())]
            if fmt.id == "mpl2":
                new_body = mpl2_body(cue.text)
            elif fmt.id == "tmp":
                new_body = tmp_body(cue.text)
            else:
                new_body = microdvd_body(cue.text, upper=body.lstrip().startswith("{Y:"))
            edits.append((match.start(body_group), match.end(body_group), lead + new_body))
        line = lines[at]
        for at_start, at_end, replacement in sorted(edits, reverse=True):
            line = line[:at_start] + replacement + line[at_end:]
        lines[at] = line
    return "\n".join(lines) + "\n"
