"""Subtitle formats as plug-ins: one small module per format, and a registry.

Loading is "sniff, then dispatch", as in pysubs2: every format scores how much the
decoded text looks like it, the file extension breaks ties, and the winner's tolerant
parser produces cues with their source lines and the problems found on the way.
"""

from __future__ import annotations

from pathlib import PurePath

from subtitles.errors import FormatError
from subtitles.formats.ass import AdvancedSubStation, SubStation
from subtitles.formats.base import ParseOutcome, SubtitleFormat, split_lines
from subtitles.formats.microdvd import MicroDVD
from subtitles.formats.mpl2 import MPL2
from subtitles.formats.srt import SubRip
from subtitles.formats.tmp import TMPlayer
from subtitles.formats.vtt import WebVTT

#: Registry, by pysubs2 format id. Order breaks exact ties.
FORMATS: dict[str, type[SubtitleFormat]] = {
    f.id: f for f in (AdvancedSubStation, SubStation, WebVTT, SubRip, MicroDVD, MPL2, TMPlayer)
}

#: Spellings users type for ``--format``.
ALIASES = {
    "subrip": "srt", "webvtt": "vtt", "sub": "microdvd", "mdvd": "microdvd", "mpl": "mpl2", "tmplayer": "tmp",
}  # fmt: skip

_EXTENSION_BONUS = 0.15


def get_format(format_id: str) -> type[SubtitleFormat]:
    """The plug-in for a format id (``srt``, ``vtt``, ``ass``, ``ssa``, ``microdvd``, ``mpl2``)."""
    key = format_id.strip().lower().lstrip(".")
    key = ALIASES.get(key, key)
    try:
        return FORMATS[key]
    except KeyError:
        known = ", ".join(FORMATS)
        raise FormatError(f"unknown subtitle format {format_id!r} (known: {known})") from None


def sniff_format(text: str, name: str | None = None) -> type[SubtitleFormat]:
    """The format the content looks most like; the extension only breaks close calls.

    Raises ``FormatError`` when no format recognises the content at all.
    """
    suffix = PurePath(name).suffix.lower() if name else ""
    best: type[SubtitleFormat] | None = None
    best_score = 0.0
    for fmt in FORMATS.values():
        score = fmt.sniff(text)
        if score <= 0.0:
            continue
        if suffix and suffix in fmt.extensions:
            score += _EXTENSION_BONUS
        if score > best_score:
            best, best_score = fmt, score
    if best is None:
        raise FormatError(
            "not a subtitle format subpipe reads (SubRip, WebVTT, ASS/SSA, MicroDVD, MPL2, TMPlayer)"
        )
    return best


__all__ = [
    "ALIASES",
    "FORMATS",
    "ParseOutcome",
    "SubtitleFormat",
    "get_format",
    "sniff_format",
    "split_lines",
]
