"""Cue text as the checks see it: raw markup, visible text, lines and character counts.

Counting follows ``qc-rules.md`` (Netflix, Subtitle Edit): every visible character counts,
spaces and punctuation included, tags excluded; reading speed does not count line breaks.

Two markups exist. SubRip and WebVTT cues keep their *source* text (HTML-like tags, real
newlines), because pysubs2 rewrites ``<i>`` as ``{\\i1}`` and drops ``<font>`` on load, which
would hide stray tags and invent ASS codes that were never in the file. Other formats use
pysubs2's ASS text (``{\\...}`` override blocks, ``\\N`` breaks).
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from typing import Literal

import numpy as np

from subtitles.model import Cue, Track

Markup = Literal["html", "ass"]

#: Formats whose source text is read directly (tags as written, one text line per line).
HTML_FORMATS = frozenset({"srt", "vtt"})

#: SubRip/WebVTT tags: ``<i>``, ``</font>``, ``<c.yellow>``, ``<v Bob>``, WebVTT timestamps.
HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)(?:[.\s][^<>]*)?>|</?>|<\d[\d:.]*>")
ASS_BLOCK = re.compile(r"\{[^{}]*\}")
_ASS_BREAK = re.compile(r"\\[Nn]")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "\u200e", "&rlm;": "\u200f"}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))
#: Only CR/LF break lines: ``str.splitlines`` would also split on U+0085, which mojibake contains.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_INDEX = re.compile(r"^\s*\S+\s*$")

#: Separates cues when the checks scan one joined string (one regex pass per file, in C).
SEP = "\x1e"


class SourceLines:
    """The lines of a source text, looked up by number without keeping a list of them.

    A list of a 200,000-cue file's lines costs about 100 bytes a line for as long as the
    checks run; this keeps the text (which the track holds anyway) and, once a line is first
    asked for, where each line starts: 8 bytes a line.
    """

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: array[int] | None = None

    def _index(self) -> array[int]:
        if self._starts is None:
            self._starts = _line_starts(self._text)
        return self._starts

    def __len__(self) -> int:
        return len(self._index())

    def __getitem__(self, i: int) -> str:
        starts = self._index()
        if not 0 <= i < len(starts):
            raise IndexError(i)
        end = starts[i + 1] if i + 1 < len(starts) else len(self._text)
        return self._text[starts[i] : end].rstrip("\r\n")


#: ``_line_starts`` reads a long text this many characters at a time (a 2-byte copy of each).
_CHUNK = 1 << 20


def _line_starts(text: str) -> array[int]:
    """Where each line of ``text`` starts. A text with only LF line ends in the Basic
    Multilingual Plane (where a UTF-16 code unit is a character) is searched in numpy, a
    chunk at a time: a regex match object per line costs 0.15 s for the 900,000 lines of a
    200,000-cue file. Anything else (CR line ends, emoji) is found by the regex."""
    starts = array("q", [0])
    if "\r" not in text:
        for pos in range(0, len(text), _CHUNK):
            units = np.frombuffer(text[pos : pos + _CHUNK].encode("utf-16-le", "surrogatepass"), dtype="<u2")
            if len(units) != min(_CHUNK, len(text) - pos):
                break  # a surrogate pair: code units are not characters here
            starts.extend((np.flatnonzero(units == 10) + (pos + 1)).tolist())
        else:
            return starts
        starts = array("q", [0])
    starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
    return starts


@dataclass(frozen=True, slots=True)
class CueTexts:
    """Per-cue texts of one track, in cue order.

    ``raw``: markup as in the source; ``plain``: visible text, lines joined by ``\\n``;
    ``source_lines``: the source's lines when ``raw`` was read from it, so the line of a
    finding can be looked up when there is one (not for every cue up front).
    """

    markup: Markup
    raw: list[str]
    plain: list[str]
    from_source: bool
    source_lines: SourceLines | None = None

    def first_text_line(self, cue: Cue) -> int | None:
        """1-based source line of the first text line of ``cue`` (its own line otherwise)."""
        at = cue.source_line
        lines = self.source_lines
        if at is None or lines is None or not 1 <= at <= len(lines):
            return at
        for i in range(at - 1, min(len(lines), at + 2)):
            if "-->" in lines[i]:
                j = i + 1
                while j < len(lines) and not lines[j].strip(" \t") and j < i + 3:
                    j += 1
                return j + 1
        return at


def visible_html(raw: str) -> str:
    text = ASS_BLOCK.sub("", HTML_TAG.sub("", raw))
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text) if "&" in text else text


def visible_ass(raw: str) -> str:
    return _ASS_BREAK.sub("\n", ASS_BLOCK.sub("", raw)).replace("\\h", "\u00a0")


def visible(raw: str, markup: Markup) -> str:
    return visible_html(raw) if markup == "html" else visible_ass(raw)


def cue_texts(track: Track, cues: list[Cue] | None = None) -> CueTexts:
    """Raw and visible text of every dialogue cue of ``track``.

    Source text is used for SubRip/WebVTT when every cue knows its source line and the
    timing line is found there; otherwise pysubs2's text, so a check is never skipped.
    """
    cues = track.cues if cues is None else cues
    if track.source_format == "srt" and track.source_canonical and track.source_text:
        # the reader kept each cue's text as written: no second pass over the source
        written = [_as_written(c) for c in cues]
        return CueTexts("html", written, _visible_all(written, "html"), True, SourceLines(track.source_text))
    if track.source_format in HTML_FORMATS and track.source_text:
        raw = _raw_by_blocks(track.source_text, cues)
        if raw is None:
            raw = _raw_from_source(_LINE_BREAK.split(track.source_text), cues)
        if raw is not None:
            return CueTexts("html", raw, _visible_all(raw, "html"), True, SourceLines(track.source_text))
    ass = [c.text for c in cues]
    return CueTexts("ass", ass, _visible_all(ass, "ass"), False)


def _as_written(cue: Cue) -> str:
    """A cue's SubRip text as the canonical reader read it: its markup as written, or (a
    cue whose text said the same, and kept none) its text with ``\\N`` as line breaks."""
    markup = cue.markup
    if markup is not None and markup.text == cue.text:
        return markup.raw
    return cue.text.replace("\\N", "\n") if "\\N" in cue.text else cue.text


#: A line end and one or more blank lines after it (text with LF line ends only).
_BLANK_RUN = re.compile(r"\n(?:[ \t]*\n)+")


def _raw_by_blocks(source: str, cues: list[Cue]) -> list[str] | None:
    """Fast path: blank-line separated blocks, one per cue, timing on the block's first or
    second line. ``None`` when the file is irregular (the careful path then decides)."""
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b for b in _BLANK_RUN.split(source.strip("\n")) if "-->" in b]
    if len(blocks) != len(cues):
        return None
    raw = []
    for block, cue in zip(blocks, cues, strict=True):
        first, _, rest = block.partition("\n")
        if "-->" in first:
            text = rest
        else:
            second, _, text = rest.partition("\n")
            if "-->" not in second:
                return None
        # a one-line cue without markup reads as written: keep the cue's own string, not a
        # second copy of it (20 MB for a long file, for as long as the checks run)
        raw.append(cue.text if text == cue.text else text)
    return raw


def _visible_all(raw: list[str], markup: Markup) -> list[str]:
    """Strip markup from all cues in one regex pass (per-cue calls cost more than parsing)."""
    joined = SEP.join(raw)
    shown = visible(joined, markup)
    if shown == joined:
        return raw  # no markup anywhere: the same strings, not a second copy of every text
    plain = shown.split(SEP)
    if len(plain) != len(raw):  # a cue contained the separator itself
        plain = [visible(r, markup) for r in raw]
    return plain


def _raw_from_source(lines: list[str], cues: list[Cue]) -> list[str] | None:
    """Each cue's text lines as written: after its timing line, up to the next timing line
    (or the next cue), blank lines skipped as the SubRip loader skips them."""
    n = len(lines)
    raw: list[str] = []
    for k, cue in enumerate(cues):
        at = cue.source_line
        if at is None or not 1 <= at <= n:
            return None
        i = at - 1
        limit = min(n, i + 3)
        while i < limit and "-->" not in lines[i]:
            i += 1
        if i >= limit:
            return None
        nxt = cues[k + 1].source_line if k + 1 < len(cues) else None
        stop = min(n, nxt - 1) if nxt is not None and nxt - 1 > i else n
        j = i + 1
        while j < stop and "-->" not in lines[j]:
            j += 1
        body = list(range(i + 1, j))
        # the line above another timing line is that cue's index (after a blank line)
        next_is_timing = j < n and "-->" in lines[j]
        if (
            next_is_timing
            and len(body) >= 2
            and _INDEX.match(lines[body[-1]])
            and not lines[body[-2]].strip(" \t")
        ):
            body.pop()
        block = [lines[b] for b in body if lines[b].strip(" \t")]
        raw.append("\n".join(block))
    return raw
