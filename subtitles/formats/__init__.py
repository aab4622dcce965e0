"""Subtitle formats as plug-ins: one small module per format, and a registry.

Loading is "sniff, then dispatch", as in pysubs2: every format scores how much the
decoded text looks like it, the file extension breaks ties, and the winner's tolerant
parser produces cues with their source lines and the problems found on the way.
"""

from __future__ import annotations

from pathlib import PurePath

from subtitles.errors import FormatError, UsageError
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

#: The one extension table: each extension and the formats that use it, from the plug-ins'
#: own ``extensions`` (``.txt`` is MicroDVD, MPL2 or TMPlayer; the others name one format).
EXTENSIONS: dict[str, tuple[str, ...]] = {}
for _fmt in FORMATS.values():
    for _ext in _fmt.extensions:
        EXTENSIONS[_ext] = (*EXTENSIONS.get(_ext, ()), _fmt.id)


def get_format(format_id: str) -> type[SubtitleFormat]:
    """The plug-in for a format id (``srt``, ``vtt``, ``ass``, ``ssa``, ``microdvd``, ``mpl2``)."""
    key = format_id.strip().lower().lstrip(".")
    key = ALIASES.get(key, key)
    try:
        return FORMATS[key]
    except KeyError:
        known = ", ".join(FORMATS)
        raise FormatError(f"unknown subtitle format {format_id!r} (known: {known})") from None


def output_format(path: str | PurePath, source_format: str | None = None) -> str:
    """The format an output file's extension names (``.srt``, ``.vtt``, ``.ass``, ``.ssa``,
    ``.sub`` MicroDVD, ``.mpl`` MPL2, ``.tmp`` TMPlayer). ``.txt`` names three formats: it
    keeps the source's format when that is one of them. ``UsageError`` naming the file
    otherwise."""
    suffix = PurePath(path).suffix.lower()
    claims = EXTENSIONS.get(suffix, ())
    if len(claims) == 1:
        return claims[0]
    if claims:
        if source_format in claims:
            return source_format
        names = sorted((FORMATS[c].__name__ for c in claims), key=lambda n: (len(n), n))
        named = ", ".join(names[:-1]) + f" or {names[-1]}"
        others = [e for e, ids in EXTENSIONS.items() if len(ids) == 1 and ids[0] in claims]
        choose = ", ".join(others[:-1]) + f" or {others[-1]}"
        keep = f"name the output .{source_format} to keep the format, or " if source_format else "use "
        raise UsageError(f"'{suffix}' may be {named}; {keep}{choose} to convert", path=str(path))
    known = " ".join(sorted(EXTENSIONS))
    raise UsageError(
        f"cannot tell the output format from {suffix or 'no extension'!r} (use one of {known})",
        path=str(path),
    )


def default_extension(format_id: str) -> str:
    """The extension a file of this format is written with when nothing else says
    (the first one a plug-in lists that names it alone, else its first)."""
    fmt = get_format(format_id)
    alone = [e for e in fmt.extensions if EXTENSIONS.get(e) == (fmt.id,)]
    return (alone or list(fmt.extensions) or [f".{fmt.id}"])[0]


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
    "EXTENSIONS",
    "FORMATS",
    "ParseOutcome",
    "SubtitleFormat",
    "default_extension",
    "get_format",
    "output_format",
    "sniff_format",
    "split_lines",
]
