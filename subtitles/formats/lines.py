"""Formats with one cue per line (MicroDVD, MPL2, TMPlayer): what they share.

Each of them is recognised by one regular expression per line, so sniffing is the share
of non-blank lines it matches, and parsing is the same walk: skip blank lines, report a
line that does not match at its number and go on, report a cue whose text is empty. Only
how a match becomes times differs, and that stays in each format's module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from subtitles.formats.base import ParseOutcome, SubtitleFormat, head_lines, split_lines
from subtitles.model import Cue

#: Lines read when sniffing: enough to judge, cheap on a feature film.
_SNIFF_LINES = 400
#: How long a cue written without an end lasts when no cue follows it.
_LAST_OPEN_CUE_MS = 3000


class LineFormat(SubtitleFormat):
    """A format plug-in whose cues are single lines matched by ``line_pattern``."""

    line_pattern: ClassVar[re.Pattern[str]]
    #: The line as named in "not a MicroDVD line" (with its article).
    line_name: ClassVar[str]
    #: The sniff score when every non-blank line is a cue line.
    sniff_weight: ClassVar[float] = 0.95

    @classmethod
    def is_cue_line(cls, line: str) -> bool:
        return cls.line_pattern.match(line) is not None

    @classmethod
    def sniff(cls, text: str) -> float:
        lines = [ln for ln in head_lines(text, _SNIFF_LINES) if ln.strip()]
        if not lines:
            return 0.0
        hits = sum(1 for ln in lines if cls.is_cue_line(ln))
        return cls.sniff_weight * hits / len(lines) if hits else 0.0

    @classmethod
    def cue_lines(cls, text: str, out: ParseOutcome) -> Iterator[tuple[int, re.Match[str]]]:
        """``(line number, match)`` for each cue line; other non-blank lines are reported."""
        for number, line in enumerate(split_lines(text), start=1):
            if not line.strip():
                continue
            match = cls.line_pattern.match(line)
            if match is None:
                out.problem(
                    number,
                    f"not {cls.line_name}: {line.strip()[:40]!r}; skipped",
                    "error",
                    f"{cls.id}.bad-line",
                )
                continue
            yield number, match

    @classmethod
    def add_cue(cls, out: ParseOutcome, number: int, start: int, end: int, text: str) -> None:
        """Append a cue read at line ``number``, reporting it when it has no text."""
        if not text.replace(r"\N", "").strip():
            out.problem(number, "cue has no text", "warning", f"{cls.id}.empty-text")
        out.cues.append(Cue(start=start, end=end, text=text, source_line=number))


def close_open_ended(cues: list[Cue], indices: list[int]) -> None:
    """Cues written without an end run until the next cue starts (3 s for the last one)."""
    for k in indices:
        following = cues[k + 1].start if k + 1 < len(cues) else cues[k].start + _LAST_OPEN_CUE_MS
        cues[k].end = max(cues[k].start, following)
