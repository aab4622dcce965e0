"""Resolving the burn-in font to a real file before anything is encoded.

libass asks fontconfig for a ``FontName``; an unknown name is silently replaced by some
other font, and with no usable font at all ffmpeg exits 0 and draws no text (render-notes).
So subpipe decides the font file itself, up front: ``--font FILE``, else fontconfig's
match for the style's family (``fc-match``, through the one subprocess layer), else the
standard font folders. The file is named in the report, its glyph coverage is checked
against every cue before encoding, and it is handed to libass in a folder of its own
(``fontsdir``) under its exact family name, so fontconfig has nothing to substitute.
"""

from __future__ import annotations

import functools
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from media.runner import run
from subtitles.errors import ToolError, UsageError
from subtitles.qc.glyphs import DEFAULT_FONT_FILE, find_font, font_codepoints, open_font

log = logging.getLogger(__name__)

FC_MATCH_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class ResolvedFont:
    """A font file and the family name libass will be asked for."""

    path: Path
    family: str
    full_name: str
    requested: str
    how: str  # "--font", "fontconfig", "font folders"

    @property
    def substituted(self) -> bool:
        """fontconfig answered with another family than the style asked for."""
        return self.how == "fontconfig" and self.family.casefold() != self.requested.casefold()

    def to_json(self) -> dict[str, str | bool]:
        return {
            "file": str(self.path),
            "family": self.family,
            "name": self.full_name,
            "requested": self.requested,
            "found_by": self.how,
            "substituted": self.substituted,
        }


def font_names(path: Path) -> tuple[str, str]:
    """(family, full name) from the font's name table (typographic family first)."""
    family, full, _ = _names(path)
    return family, full


def postscript_name(path: Path) -> str:
    """The PostScript name (name ID 6): what libass prints for a font it loaded from ``fontsdir``."""
    return _names(path)[2]


@functools.cache
def _names(path: Path) -> tuple[str, str, str]:
    with open_font(path) as font:
        table = font["name"]
        family = table.getDebugName(16) or table.getDebugName(1) or path.stem
        full = table.getDebugName(4) or family
        ps = table.getDebugName(6) or str(full).replace(" ", "")
        return str(family), str(full), str(ps)


def fc_match(family: str) -> Path | None:
    """fontconfig's file for ``family`` (``None`` when fontconfig's tools are absent)."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = run([exe, "-f", "%{file}", family], timeout=FC_MATCH_TIMEOUT_S, what="font lookup")
    except ToolError as exc:
        log.warning("fc-match failed for %r: %s", family, exc)
        return None
    text = done.stdout.decode("utf-8", "replace").strip()
    return Path(text) if text and Path(text).is_file() else None


def resolve_font(family: str, font_file: Path | None = None) -> ResolvedFont:
    """The font to burn with. ``UsageError`` when none can be found or read."""
    if font_file is not None:
        path = Path(font_file)
        if not path.is_file():
            raise UsageError("font file not found", path=path)
        font_codepoints(path)  # readable as a font, or InputError naming it
        name, full = font_names(path)
        return ResolvedFont(path.absolute(), name, full, family, "--font")
    matched = fc_match(family)
    if matched is not None:
        name, full = font_names(matched)
        resolved = ResolvedFont(matched, name, full, family, "fontconfig")
        if resolved.substituted:
            log.warning("font %r is not installed; fontconfig substitutes %s (%s)", family, name, matched)
        return resolved
    if family.casefold() == "dejavu sans":
        found = find_font(DEFAULT_FONT_FILE)
        if found is not None:
            name, full = font_names(found)
            return ResolvedFont(found, name, full, family, "font folders")
    raise UsageError(
        f"cannot find the font {family!r} (no fontconfig match): install it (Debian: fonts-dejavu-core) "
        "or give --font FILE"
    )


def stage_fonts(fonts: list[ResolvedFont], folder: Path) -> Path:
    """Copy the resolved font files into ``folder`` (libass's ``fontsdir``): libass then has
    exactly these files under their family names, and loads nothing else from the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for font in fonts:
        target = folder / font.path.name
        if not target.exists():
            shutil.copyfile(font.path, target)
    return folder
