"""TMPlayer (``.txt``): ``hh:mm:ss:text``, start times only; still common in Poland.

The format has no end times. Like pysubs2, a cue is given 0.5 s plus 67 ms per
character (15 characters per second), cut at the next cue's start; the estimate is
reported once so nobody mistakes it for the translator's timing.
"""

from __future__ import annotations

import re
from fractions import Fraction

from subtitles.formats.base import ParseOutcome
from subtitles.formats.lines import LineFormat
from subtitles.formats.markup import srt_text
from subtitles.model import Track

_LINE = re.compile(r"^\s*(-?)(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,3}))?[:=](.*)$")


class TMPlayer(LineFormat):
    id = "tmp"
    max_time_ms = 100 * 3_600_000 - 1000  # hh:mm:ss: two-digit hours, whole seconds
    extensions = (".txt", ".tmp")
    line_pattern = _LINE
    line_name = "a TMPlayer line"
    sniff_weight = 0.9

    @classmethod
    def is_cue_line(cls, line: str) -> bool:
        return super().is_cue_line(line) and "-->" not in line  # a SubRip timing is not a cue

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        out = ParseOutcome()
        for number, match in cls.cue_lines(text, out):
            sign, h, m, s, frac, body = match.groups()
            start = ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + (int(frac.ljust(3, "0")) if frac else 0)
            start = -start if sign else start
            cls.add_cue(out, number, start, start + 500 + 67 * len(body), srt_text(body.split("|")))
        for k in range(len(out.cues) - 1):
            out.cues[k].end = max(out.cues[k].start, min(out.cues[k].end, out.cues[k + 1].start))
        if out.cues:
            out.problem(
                None,
                "TMPlayer has no end times; they are estimated from text length",
                "info",
                "tmp.estimated-end",
            )
        return out

    @classmethod
    def write(cls, track: Track, *, rate: Fraction | None = None) -> str:
        """Starts only, in whole seconds: a reader estimates the ends again."""
        return "".join(f"{tmp_time(c.start)}:{tmp_body(c.text)}\n" for c in track.cues)


_SIMPLE_ASS = {"i1": "<i>", "i0": "</i>", "b1": "<b>", "b0": "</b>", "u1": "<u>", "u0": "</u>"}
_ASS_BLOCK = re.compile(r"\{([^{}]*)\}")


def tmp_body(text: str) -> str:
    """pysubs2 text back to a TMPlayer body, the inverse of reading it: ``\\N`` is ``|``,
    italics, bold and underline are SubRip-style tags, other override blocks go."""

    def block(m: re.Match[str]) -> str:
        codes = [c for c in m.group(1).split("\\") if c]
        return "".join(_SIMPLE_ASS.get(c, "") for c in codes)

    return _ASS_BLOCK.sub(block, text).replace(r"\N", "|")


def tmp_time(ms: int) -> str:
    """``H:MM:SS`` as TMPlayer writes a start: whole seconds (rounded down), sign kept."""
    sign = "-" if ms < 0 else ""
    seconds = abs(ms) // 1000
    return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
