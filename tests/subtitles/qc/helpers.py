"""Types and small helpers shared by the QC tests (fixtures are in ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from subtitles.model import Track
from subtitles.qc import Finding

CueSpec = tuple[int, int, str]
#: The ``make_track`` fixture: ``make_track([(start_ms, end_ms, text), ...], "ru", fmt="srt")``.
MakeTrack = Callable[..., Track]
#: The ``check`` fixture: ``check(track, fps="25", **overrides)`` → findings.
Check = Callable[..., list[Finding]]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    """The findings of one rule."""
    return [f for f in findings if f.rule == rule]


def make_font(path: Path, ranges: list[tuple[int, int]], family: str) -> Path:
    """A TrueType font drawing one box glyph for every code point in ``ranges`` (end
    exclusive): glyph-coverage tests need a font whose coverage they know exactly."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    chars = [chr(c) for lo, hi in ranges for c in range(lo, hi)]
    names = [".notdef"] + [f"g{ord(c)}" for c in chars]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): f"g{ord(c)}" for c in chars})
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 500))
    pen.lineTo((500, 0))
    pen.closePath()
    glyph = pen.glyph()
    fb.setupGlyf({n: glyph for n in names})
    fb.setupHorizontalMetrics({n: (600, 0) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))
    return path
