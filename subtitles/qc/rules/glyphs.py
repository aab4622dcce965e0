"""Glyph coverage of the burn-in font, read from the font file itself (fontTools)."""

from __future__ import annotations

from subtitles.qc.finding import Severity
from subtitles.qc.glyphs import NOT_DRAWN, font_codepoints, font_name, missing_characters
from subtitles.qc.registry import rule
from subtitles.qc.view import Emit, TrackView


@rule(
    "glyph.missing",
    Severity.ERROR,
    "Characters the burn-in font has no glyph for (drawn as boxes or nothing).",
)
def missing(view: TrackView, out: Emit) -> None:
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
    name = font_name(path)
    for ch in absent:
        cues = [i for i, t in enumerate(view.texts.plain) if ch in t]
        listed = ", ".join(str(i + 1) for i in cues[:10]) + (
            f" and {len(cues) - 10} more" if len(cues) > 10 else ""
        )
        first = view.texts.plain[cues[0]]
        out.cue(
            cues[0],
            f"{ch!r} (U+{ord(ch):04X}) is not in the font {name} ({path}); cues {listed}",
            text_line=first.count("\n", 0, first.index(ch)),
        )


@rule("glyph.font", Severity.WARNING, "No burn-in font was found, so glyph coverage was not checked.")
def font(view: TrackView, out: Emit) -> None:
    if view.context.font_path is None:
        out.file("no burn-in font found (DejaVu Sans or --font PATH): glyph coverage NOT checked")
