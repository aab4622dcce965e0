"""A track prepared once for all checks: times as arrays, texts with markup stripped,
line counts, one joined string per file for regex scans. Rules read it; none re-parses.

Preparing costs one pass over the cues; after that most rules are numpy expressions or a
single regex scan of the joined text, which is how validating stays cheaper than parsing.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from subtitles.model import Cue, Track
from subtitles.qc.context import Context
from subtitles.qc.finding import Finding, Severity
from subtitles.qc.mojibake import Damage, diagnose_all
from subtitles.qc.profile import Profile
from subtitles.qc.registry import Rule
from subtitles.qc.text import SEP, CueTexts, cue_texts
from subtitles.timing import frame_ms

IntArray = npt.NDArray[np.int64]


def overlaps(starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray]:
    """Which cues start while an earlier one is still on screen, and which earlier one.

    ``starts``/``ends`` are playable cues in start order. Returns positions in them: each
    overlapping cue, and for each the latest-ending cue before it (the first such, as
    argmax would say). Running maxima, no pair loop: a file of overlaps stays linear. The
    one overlap test, for the ``timing.overlap`` rule and mux's MP4 warning alike.
    """
    if len(starts) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    running = np.maximum.accumulate(ends)
    later = np.flatnonzero(starts[1:] < running[:-1]) + 1
    rises = np.ones(len(ends), dtype=bool)
    rises[1:] = ends[1:] > running[:-1]
    leader = np.maximum.accumulate(np.where(rises, np.arange(len(ends)), 0))
    return later, leader[later - 1]


class TrackView:
    """Read-only, lazily computed facts about one track under one profile."""

    def __init__(self, track: Track, profile: Profile, context: Context) -> None:
        self.track = track
        self.profile = profile
        self.context = context
        self.cues: list[Cue] = track.cues
        self.path: str | None = str(track.source) if track.source is not None else None
        self.fps, self.fps_source = context.frame_rate_for(track, profile.assumed_fps)

    @functools.cached_property
    def texts(self) -> CueTexts:
        return cue_texts(self.track, self.cues)

    @functools.cached_property
    def starts(self) -> IntArray:
        return np.fromiter((c.start for c in self.cues), dtype=np.int64, count=len(self.cues))

    @functools.cached_property
    def ends(self) -> IntArray:
        return np.fromiter((c.end for c in self.cues), dtype=np.int64, count=len(self.cues))

    @functools.cached_property
    def order(self) -> IntArray:
        """Cue indices sorted by start (stable), for rules about neighbours in time."""
        return np.argsort(self.starts, kind="stable")

    @functools.cached_property
    def playable_order(self) -> IntArray:
        """Cue indices in start order, without cues that cannot play (end <= start)."""
        order = self.order
        return order[self.ends[order] > self.starts[order]]

    @functools.cached_property
    def neighbour_gaps(self) -> tuple[IntArray, IntArray, IntArray]:
        """(earlier cue, later cue, gap in ms) for consecutive playable cues in time order,
        as arrays: a rule picks the few it reports with a mask, never a loop over all."""
        order = self.playable_order
        if len(order) < 2:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        gaps = self.starts[order[1:]] - self.ends[order[:-1]]
        return order[:-1], order[1:], gaps

    def gaps_where(self, low: int, high: int) -> Iterator[tuple[int, int, int]]:
        """(earlier cue, later cue, gap) for the neighbour gaps with ``low <= gap < high``."""
        a, b, g = self.neighbour_gaps
        hit = np.flatnonzero((g >= low) & (g < high))
        return zip(a[hit].tolist(), b[hit].tolist(), g[hit].tolist(), strict=True)

    @functools.cached_property
    def visible_chars(self) -> IntArray:
        """Visible characters per cue without line breaks (the reading-speed count), measured
        on the text as it reads after an exact mojibake repair (``Ð¾`` is one letter, ``о``)."""
        return np.fromiter(
            (len(p) - p.count("\n") for p in self.readable_plain), dtype=np.int64, count=len(self.cues)
        )

    @functools.cached_property
    def mojibake(self) -> tuple[Damage, dict[int, str | None]] | None:
        """The code-page damage of this track, if any, and the repaired text per cue."""
        return diagnose_all(self.texts.plain, self.charset)

    @functools.cached_property
    def charset(self) -> set[str]:
        """Every character of the visible text (glyph and mojibake checks start here)."""
        return charset_of(self.joined_plain[0])

    @functools.cached_property
    def readable_plain(self) -> list[str]:
        """Visible texts with exact mojibake repairs applied: what language checks read."""
        if self.mojibake is None:
            return self.texts.plain
        fixed = list(self.texts.plain)
        for i, text in self.mojibake[1].items():
            if text is not None:
                fixed[i] = text
        return fixed

    @functools.cached_property
    def joined_plain(self) -> tuple[str, list[int]]:
        """All visible texts joined by ``SEP`` and the offset where each cue starts."""
        return _join(self.texts.plain)

    @functools.cached_property
    def joined_readable(self) -> tuple[str, list[int]]:
        if self.mojibake is None:
            return self.joined_plain  # the same texts: one joined copy, not two
        return _join(self.readable_plain)

    @functools.cached_property
    def joined_raw(self) -> tuple[str, list[int]]:
        if self.texts.raw is self.texts.plain:
            return self.joined_plain  # no markup anywhere: one joined copy, not two
        return _join(self.texts.raw)

    @property
    def frame(self) -> Fraction:
        return frame_ms(self.fps)

    def frames_ms(self, frames: int) -> int:
        """``frames`` frames in whole ms, rounded down: times on frame boundaries are
        themselves rounded to the ms, so a gap of exactly two frames may be 83 ms at 23.976."""
        return int(frames * self.frame)

    def scan(
        self, pattern: re.Pattern[str], *, raw: bool = False, readable: bool = False
    ) -> Iterator[tuple[int, re.Match[str]]]:
        """Matches of ``pattern`` in every cue's text, as (cue index, match) pairs;
        ``readable`` scans the text after exact mojibake repairs (for measurements)."""
        if raw:
            joined, offsets = self.joined_raw
        elif readable and self.mojibake is not None:
            joined, offsets = self.joined_readable
        else:
            joined, offsets = self.joined_plain
        for m in pattern.finditer(joined):
            yield bisect.bisect_right(offsets, m.start()) - 1, m

    def cues_with(self, *patterns: re.Pattern[str]) -> list[int]:
        """The cues (indices, ascending, each once) where any of ``patterns`` matches the
        visible text: ``scan`` for a rule that needs only which cues, not the matches.

        After a match, the search goes on at the next cue: a cue with many matches (every
        long line, every space) costs one search, not one step per match. A match that runs
        on into the next cue (across the separator) does not hide a match starting there, and
        a match that starts on the separator itself (a pattern for "at the start of a line")
        is the next cue's."""
        joined, offsets = self.joined_plain
        found: set[int] = set()
        n = len(offsets)
        for pattern in patterns:
            search = pattern.search
            pos = 0
            while (m := search(joined, pos)) is not None:
                # ``+ 1``: the separator before cue k + 1 sits at offsets[k + 1] - 1
                k = bisect.bisect_right(offsets, m.start() + 1) - 1
                found.add(k)
                if k + 1 >= n:
                    break
                pos = offsets[k + 1]
        return sorted(found)

    def line_of(self, i: int, text_line: int | None = None) -> int | None:
        """Source line of cue ``i`` (where it starts), or of its ``text_line``-th displayed
        line (0-based) when the text was read from the source."""
        cue = self.cues[i]
        if text_line is None or not self.texts.from_source:
            return cue.source_line
        first = self.texts.first_text_line(cue)
        return first + text_line if first is not None else None

    def text_line_at(self, i: int, pos: int) -> int:
        """Which displayed line (0-based) of cue ``i`` holds position ``pos`` of the joined text."""
        offset = self.joined_plain[1][i]
        return self.texts.plain[i].count("\n", 0, max(pos - offset, 0))


#: ``charset_of`` reads a long text this many characters at a time (a 2-byte copy of each).
_CHARSET_CHUNK = 1 << 20


def charset_of(text: str) -> set[str]:
    """``set(text)``, counted in numpy for a long text: ``set`` makes a string object for
    every character outside Latin-1, 0.2 s for the 12 million characters of a 200,000-cue
    Russian file; marking UTF-16 code units in a table of 65,536 takes a tenth of that.
    A text outside the Basic Multilingual Plane (emoji: surrogate pairs) is counted by ``set``."""
    if len(text) < _CHARSET_CHUNK:
        return set(text)
    seen = np.zeros(0x10000, dtype=bool)
    for pos in range(0, len(text), _CHARSET_CHUNK):
        chunk = text[pos : pos + _CHARSET_CHUNK].encode("utf-16-le", "surrogatepass")
        seen[np.frombuffer(chunk, dtype="<u2")] = True
    if seen[0xD800:0xE000].any():
        return set(text)
    return {chr(code) for code in np.flatnonzero(seen).tolist()}


def _join(parts: list[str]) -> tuple[str, list[int]]:
    offsets = []
    pos = 0
    for p in parts:
        offsets.append(pos)
        pos += len(p) + len(SEP)
    return SEP.join(parts), offsets


@dataclass
class Emit:
    """Collects findings of one rule on one track, with the profile's severity."""

    rule: Rule
    severity: Severity
    view: TrackView
    findings: list[Finding] = field(default_factory=list)

    def cue(
        self,
        i: int,
        message: str,
        *,
        text_line: int | None = None,
        suggestion: str | None = None,
        severity: Severity | None = None,
        fixable: bool | None = None,
    ) -> None:
        """A finding at cue ``i`` (0-based index into ``view.cues``); ``text_line`` (0-based)
        points at one displayed line of the cue, otherwise the cue's first source line."""
        # Called once per finding (300,000 of them at 200,000 cues): positional arguments,
        # and ``line_of``'s common case inline.
        view = self.view
        cue = view.cues[i]
        line = cue.source_line if text_line is None else view.line_of(i, text_line)
        self.findings.append(
            Finding(
                self.rule.id,
                severity or self.severity,
                message,
                view.path,
                line,
                i + 1,
                cue.start,
                cue.end,
                self.rule.fixable if fixable is None else fixable,
                suggestion,
            )
        )

    def cues(self, found: Iterable[tuple[int, str]]) -> None:
        """``cue(i, message)`` for each (0-based cue, message) pair, in one loop: a rule
        that reports most cues of a long file (reading speed, gaps: 200,000 findings) spends
        more on calls than on the messages."""
        view, rule = self.view, self.rule
        cues, path, rule_id, severity, fixable = view.cues, view.path, rule.id, self.severity, rule.fixable
        append = self.findings.append
        for i, message in found:
            cue = cues[i]
            append(
                Finding(rule_id, severity, message, path, cue.source_line, i + 1, cue.start, cue.end, fixable)
            )

    def file(self, message: str, *, line: int | None = None, severity: Severity | None = None) -> None:
        """A finding about the file as a whole."""
        self.findings.append(
            Finding(
                rule=self.rule.id,
                severity=severity or self.severity,
                message=message,
                path=self.view.path,
                line=line,
                fixable=False,
            )
        )


@dataclass
class CrossEmit:
    """Collects findings of one cross-track rule; each finding names the file it concerns."""

    rule: Rule
    findings: list[tuple[TrackView, Finding]] = field(default_factory=list)

    def at(
        self, view: TrackView, message: str, *, cue: int | None = None, severity: Severity | None = None
    ) -> None:
        sev = severity or view.profile.severity_for(self.rule.id, self.rule.severity)
        c = view.cues[cue] if cue is not None else None
        self.findings.append(
            (
                view,
                Finding(
                    rule=self.rule.id,
                    severity=sev,
                    message=message,
                    path=view.path,
                    line=view.line_of(cue) if cue is not None else None,
                    cue=cue + 1 if cue is not None else None,
                    start_ms=c.start if c is not None else None,
                    end_ms=c.end if c is not None else None,
                ),
            )
        )
