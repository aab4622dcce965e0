"""Text: tags, whitespace, control characters, letters from the wrong script."""

from __future__ import annotations

import bisect
import re

from subtitles.qc import normalize as nz
from subtitles.qc.finding import Severity
from subtitles.qc.mojibake import C1_IN_WORD
from subtitles.qc.registry import rule
from subtitles.qc.scripts import CYRILLIC, LATIN, mixed_words, repair_word, script_of
from subtitles.qc.text import ASS_BLOCK, HTML_TAG
from subtitles.qc.view import Emit, TrackView

#: Tags players understand, per format (SubRip: the de-facto set; WebVTT: the spec's).
KNOWN_TAGS = {
    "srt": frozenset({"i", "b", "u", "s", "font"}),
    "vtt": frozenset({"i", "b", "u", "c", "v", "lang", "ruby", "rt"}),
}
_VOID_TAGS = frozenset({"br"})


@rule(
    "text.tags",
    Severity.WARNING,
    "Unbalanced or unknown tags (shown as text, or styling that leaks).",
    fixable=True,
)
def tags(view: TrackView, out: Emit) -> None:
    texts = view.texts
    if texts.markup == "ass":
        for i, m in view.scan(re.compile(r"[{}]")):
            out.cue(
                i,
                f"stray {m.group(0)!r}: an override block that is not closed shows as text",
                text_line=view.text_line_at(i, m.start()),
                fixable=False,
            )
        return
    known = KNOWN_TAGS.get(view.track.source_format or "srt", KNOWN_TAGS["srt"])
    for i, raw in enumerate(texts.raw):
        if "<" not in raw:
            continue
        stack: list[str] = []
        problems: list[str] = []
        for m in HTML_TAG.finditer(raw):
            closing, name = m.group(1), (m.group(2) or "").lower()
            if not name:
                if not m.group(0)[1:2].isdigit():
                    problems.append(f"empty tag {m.group(0)}")
                continue
            if name not in known and name not in _VOID_TAGS:
                problems.append(
                    f"unknown tag <{closing}{name}> (not a {view.track.source_format or 'srt'} tag)"
                )
                continue
            if closing:
                if name in stack:
                    while stack and (top := stack.pop()) != name:
                        problems.append(f"<{top}> is never closed before </{name}>")
                else:
                    problems.append(f"</{name}> closes nothing")
            elif name not in _VOID_TAGS:
                stack.append(name)
        problems.extend(f"<{name}> is never closed" for name in stack)
        if problems:
            out.cue(i, "; ".join(problems), text_line=0)


@rule("text.ass_override", Severity.WARNING, "ASS override codes ({\\...}) inside SubRip/WebVTT text.")
def ass_override(view: TrackView, out: Emit) -> None:
    if view.texts.markup != "html":
        return
    for i, raw in enumerate(view.texts.raw):
        if "{" not in raw:
            continue
        blocks = ASS_BLOCK.findall(raw)
        if not blocks:
            continue
        if all(re.fullmatch(r"\{\\an[1-9]\}", b) for b in blocks):
            out.cue(
                i,
                f"{blocks[0]} positions this cue; libass and most players honour it, "
                "some web players show it",
                severity=Severity.INFO,
                text_line=0,
            )
        else:
            out.cue(
                i,
                f"ASS override code {', '.join(blocks)} in {view.track.source_format} text: "
                "most players show it",
                text_line=0,
            )


_WS_PROBLEMS = (
    (nz.LEADING_SPACE, "line starts with a space"),
    (nz.TRAILING_SPACE, "line ends with a space"),
    (nz.DOUBLE_SPACE, "double space or tab"),
    (nz.SPACE_BEFORE_PUNCT, "space before punctuation"),
    (nz.MISSING_SPACE_COMMA, "no space after a comma"),
    (nz.MISSING_SPACE_STOP, "no space after the end of a sentence"),
)
#: A superset of the problems above, in patterns that each start with one character class
#: so a whole file scans fast (one alternation of them all tries every branch at every
#: position); candidates are then checked with the exact patterns. A space or tab at the
#: start of a line, before a line end, before a space or a punctuation mark; any tab; a
#: comma before a letter; a sentence end before a word.
_WS_CANDIDATES = (
    re.compile("[\n\x1e][ \t\u00a0]"),
    re.compile("[ \t\u00a0](?:(?<=\t)|[\n\x1e]|(?<= )[ ,.!?:;…])"),
    re.compile(r",[^\W\d_]"),
    re.compile("[.!?][A-ZА-ЯЁ][a-zа-яё]"),
)


@rule(
    "text.whitespace",
    Severity.WARNING,
    "Stray whitespace: leading, trailing, doubled, or a missing space.",
    fixable=True,
)
def whitespace(view: TrackView, out: Emit) -> None:
    plain = view.texts.plain
    candidates = set(view.cues_with(*_WS_CANDIDATES))
    if plain:
        candidates.update(
            i for i in (0, len(plain) - 1) if plain[i][:1] in " \t\u00a0" or plain[i][-1:] in " \t\u00a0"
        )
    for i in sorted(candidates):
        text = plain[i]
        hits = [(m.start(), msg) for pattern, msg in _WS_PROBLEMS if (m := pattern.search(text))]
        if hits:
            first = min(pos for pos, _ in hits)
            out.cue(
                i,
                ", ".join(msg for _, msg in hits) + f": {text!r}",
                text_line=text.count("\n", 0, first),
                suggestion=nz.fix_whitespace(text),
            )


@rule(
    "text.mixed_script",
    Severity.WARNING,
    "Latin and Cyrillic letters inside one word (OCR, keyboard layout).",
    fixable=True,
)
def mixed_script(view: TrackView, out: Emit) -> None:
    lang = view.track.language
    prefer = script_of(lang) if lang is not None else None
    prefer = prefer if prefer in (CYRILLIC, LATIN) else None
    joined, offsets = view.joined_plain
    for a, b in mixed_words(joined):
        i = bisect.bisect_right(offsets, a) - 1
        word = joined[a:b]
        fixed = repair_word(word, prefer)
        k = view.text_line_at(i, a)
        if fixed is not None:
            foreign = ", ".join(f"{a} (U+{ord(a):04X})" for a, b in zip(word, fixed, strict=True) if a != b)
            out.cue(
                i,
                f"{word!r} mixes Latin and Cyrillic letters ({foreign}); should be {fixed!r}",
                text_line=k,
                suggestion=fixed,
            )
        else:
            out.cue(
                i,
                f"{word!r} mixes Latin and Cyrillic letters; no look-alike repair",
                text_line=k,
                fixable=False,
            )


_REPLACEMENT = re.compile("\ufffd")
#: Bidirectional overrides: the letters between them are drawn in the forced order, so a cue
#: can show text that reads differently from what it holds (``U+202E`` turns "gnp" into "png").
BIDI_OVERRIDES = frozenset("\u202d\u202e")
#: Bidi embeddings, their terminator and the isolates: they change how a line is laid out.
#: Right-to-left subtitles use them to keep punctuation at the right end; elsewhere they
#: only reorder neutral characters invisibly.
BIDI_EMBEDDINGS = frozenset("\u202a\u202b\u202c\u2066\u2067\u2068\u2069")
#: Direction marks (LRM, RLM, ALM): invisible and ordinary in right-to-left text.
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
#: Scripts written right to left (ISO 15924), where embeddings and marks belong.
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr"})
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1d\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _bidi_severity(ch: str, rtl: bool, severity: Severity) -> Severity | None:
    """How bad a character of ``_CONTROL`` is in this track (``None``: fine here).

    Overrides are the rule's severity everywhere (they can make a cue read as something it
    does not say). Embeddings and isolates are too in a left-to-right language, a warning in
    a right-to-left one; direction marks are a warning in a left-to-right language and
    ordinary in a right-to-left one.
    """
    lesser = severity if severity.rank < Severity.WARNING.rank else Severity.WARNING
    if ch in BIDI_MARKS:
        return None if rtl else lesser
    if ch in BIDI_EMBEDDINGS:
        return lesser if rtl else severity
    return severity


@rule("text.control_chars", Severity.ERROR, "Control, bidi-override or invisible characters in the text.")
def control_chars(view: TrackView, out: Emit) -> None:
    damaged = view.mojibake[1] if view.mojibake is not None else {}
    lang = view.track.language
    rtl = lang is not None and script_of(lang) in RTL_SCRIPTS
    found: dict[int, list[str]] = {}
    where: dict[int, int] = {}
    worst: dict[int, Severity] = {}
    for i, m in view.scan(_CONTROL):
        ch = m.group(0)
        if i in damaged and "\x80" <= ch <= "\x9f":
            continue  # part of mojibake, reported by enc.mojibake
        severity = _bidi_severity(ch, rtl, out.severity)
        if severity is None:
            continue
        if i not in worst or severity.rank > worst[i].rank:
            worst[i] = severity
        found.setdefault(i, []).append(f"U+{ord(ch):04X}")
        where.setdefault(i, view.text_line_at(i, m.start()))
    for i, codes in found.items():
        c1 = [c for c in codes if "0080" <= c[2:] <= "009F"]
        hint = (
            " (bytes of another code page read as Latin-1?)"
            if c1 and C1_IN_WORD.search(view.texts.plain[i])
            else ""
        )
        if any(chr(int(c[2:], 16)) in BIDI_OVERRIDES for c in codes):
            hint += " (a bidi override: the letters after it are drawn in another order than written)"
        elif any(chr(int(c[2:], 16)) in BIDI_EMBEDDINGS | BIDI_MARKS for c in codes):
            hint += " (invisible bidi controls: they reorder how the line is drawn)"
        out.cue(
            i,
            f"control characters {', '.join(dict.fromkeys(codes))}{hint}",
            text_line=where[i],
            severity=worst[i],
        )


@rule("text.replacement_char", Severity.ERROR, "U+FFFD: text lost to a wrong decoding before it reached us.")
def replacement_char(view: TrackView, out: Emit) -> None:
    hit: dict[int, int] = {}
    for i, m in view.scan(_REPLACEMENT):
        hit.setdefault(i, view.text_line_at(i, m.start()))
    for i, k in hit.items():
        out.cue(
            i,
            f"U+FFFD replacement character: letters were lost by a wrong decoding: {view.texts.plain[i]!r}",
            text_line=k,
        )
