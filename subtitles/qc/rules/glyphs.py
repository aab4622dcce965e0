"""Glyph coverage of the burn-in font, read from the font file itself (fontTools)."""

from __future__ import annotations

from collections import Counter

from subtitles.qc.finding import Severity
from subtitles.qc.glyphs import NOT_DRAWN, font_codepoints, font_name, missing_characters
from subtitles.qc.registry import rule
from subtitles.qc.view import Emit, TrackView

#: Cues located for the missing characters (the first carries the list for the file).
_CUE_LOCATIONS = 3
#: Characters named in one message; a whole alphabet missing is summarised after these.
_LISTED_CHARS = 40


@rule(
    "glyph.missing",
    Severity.ERROR,
    "Characters the burn-in font has no glyph for (drawn as boxes or nothing).",
)
def missing(view: TrackView, out: Emit) -> None:
    """One finding for the file listing every missing character (how often, and its first
    cue), at the first cue that needs one; then the next few such cues, so an editor can
    jump there. A Russian file with a Latin-only font is one problem, not 21 errors."""
    path = view.context.font_path
    if path is None:
        return
    covered = font_codepoints(path)
    joined = view.joined_plain[0]
    if all(ord(ch) in covered or ch.isspace() or ch in NOT_DRAWN for ch in view.charset):
        return
    absent = missing_characters(joined.replace("\x1e", ""), covered)
    if not absent:
        return
    lacking = frozenset(absent)
    plain = view.texts.plain
    cues = [i for i, t in enumerate(plain) if not lacking.isdisjoint(t)]
    counts = Counter(ch for ch in joined if ch in lacking)
    first_cue = {ch: next(i for i in cues if ch in plain[i]) for ch in absent}
    shown = absent[:_LISTED_CHARS]
    listed = ", ".join(
        f"{ch!r} U+{ord(ch):04X} ×{counts[ch]} (first in cue {first_cue[ch] + 1})" for ch in shown
    )
    if len(absent) > len(shown):
        listed += f" and {len(absent) - len(shown)} more"
    name = font_name(path)
    for n, i in enumerate(cues[:_CUE_LOCATIONS]):
        text = plain[i]
        here = [ch for ch in absent if ch in text]
        pos = min(text.index(ch) for ch in here)
        if n == 0:
            message = (
                f"{len(absent)} characters are not in the font {name} ({path}), "
                f"in {len(cues)} of {len(plain)} cues: {listed}"
            )
        else:
            message = (
                f"also here: {', '.join(repr(ch) for ch in here[:_LISTED_CHARS])} not in the font {name}"
            )
        out.cue(i, message, text_line=text.count("\n", 0, pos))


@rule("glyph.font", Severity.WARNING, "No burn-in font was found, so glyph coverage was not checked.")
def font(view: TrackView, out: Emit) -> None:
    if view.context.font_path is None:
        out.file("no burn-in font found (DejaVu Sans or --font PATH): glyph coverage NOT checked")
