"""Glyph coverage: does the burn-in font have a glyph for every character of every cue?

libass substitutes a fallback font for a missing glyph when fontconfig finds one, and
draws nothing (exit code 0) when it does not, so the check reads the actual font file's
character map with fontTools instead of trusting the renderer. Fonts are found by
scanning the standard font folders in Python (no ``fc-match`` subprocess in this layer).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from subtitles.errors import InputError

log = logging.getLogger(__name__)

#: The font burn-in uses unless told otherwise: it covers Cyrillic and Polish letters.
DEFAULT_FONT_FILE = "DejaVuSans.ttf"


def font_dirs() -> list[Path]:
    """Standard font folders of Linux, macOS and Windows, the user's own first."""
    dirs: list[Path] = []
    try:
        home = Path.home()
        dirs += [home / ".local/share/fonts", home / ".fonts"]
    except RuntimeError:  # no home directory (a service account)
        pass
    dirs += [Path("/usr/local/share/fonts"), Path("/usr/share/fonts"), Path("/Library/Fonts"),
             Path("/System/Library/Fonts")]  # fmt: skip
    if "WINDIR" in os.environ:
        dirs.append(Path(os.environ["WINDIR"]) / "Fonts")
    return dirs


#: Characters a renderer never draws as glyphs: line breaks, joiners, direction marks.
NOT_DRAWN = frozenset("\n\r\t\u200b\u200c\u200d\u200e\u200f\u2060\ufeff")


@functools.cache
def find_font(file_name: str = DEFAULT_FONT_FILE) -> Path | None:
    """The first readable font file called ``file_name`` in the standard font folders.

    A folder or font file that cannot be read (a ``~/.fonts`` left unreadable by another
    account, a broken mount) is skipped, not an error: the user asked for no particular
    folder, and the system's copy of the font serves as well.
    """
    for root in font_dirs():
        try:
            if not root.is_dir():
                continue
        except OSError as exc:
            log.debug("font folder %s skipped: %s", root, exc.strerror or exc)
            continue
        for dirpath, _dirs, files in os.walk(root, onerror=lambda exc: log.debug("skipped: %s", exc)):
            if file_name in files and _readable(Path(dirpath) / file_name):
                return Path(dirpath) / file_name
    return None


def _readable(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            fh.read(4)
        return True
    except OSError as exc:
        log.debug("font %s skipped: %s", path, exc.strerror or exc)
        return False


@contextlib.contextmanager
def open_font(path: Path) -> Iterator[Any]:
    """A font file opened (lazily) for reading its tables, closed afterwards: the one place
    fonts are opened. One that cannot be read is an ``InputError`` naming it, not a crash."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(str(path), fontNumber=0, lazy=True)
    except (OSError, TTLibError) as exc:
        raise InputError(f"cannot read font: {exc}", path=path) from None
    try:
        yield font
    finally:
        font.close()


@functools.cache
def font_codepoints(path: Path) -> frozenset[int]:
    """Every code point the font maps to a glyph (union of its Unicode cmaps)."""
    with open_font(path) as font:
        points: set[int] = set()
        for table in font["cmap"].tables:
            if table.isUnicode():
                points.update(table.cmap.keys())
        return frozenset(points)


@functools.cache
def font_name(path: Path) -> str:
    with open_font(path) as font:
        name = font["name"].getDebugName(4)
        return str(name) if name else path.stem


def missing_characters(text: str, covered: frozenset[int]) -> list[str]:
    """Characters of ``text`` the font cannot draw, in order of first appearance.

    Control characters are left to ``text.control_chars``: no font draws them."""
    absent = [
        ch
        for ch in set(text)
        if ord(ch) not in covered
        and ch not in NOT_DRAWN
        and not ch.isspace()
        and unicodedata.category(ch) != "Cc"
    ]
    return sorted(absent, key=text.index)
