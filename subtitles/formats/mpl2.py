"""MPL2 (``.txt``): ``[start][end]text`` in deciseconds, common in Poland.

No frame rate is involved: ``[123]`` is 12.3 s. pysubs2's reader is correct but silent
about lines it does not understand; this one reports them and keeps line numbers.
"""

from __future__ import annotations

import re
from fractions import Fraction

from subtitles.formats.base import ParseOutcome
from subtitles.formats.lines import LineFormat, close_open_ended
from subtitles.formats.markup import mpl2_text
from subtitles.model import Track

_LINE = re.compile(r"^\s*\[\s*(-?\d+)\s*\]\s*\[\s*(-?\d*)\s*\](.*)$")


class MPL2(LineFormat):
    id = "mpl2"
    extensions = (".txt", ".mpl")
    line_pattern = _LINE
    line_name = "an MPL2 line"

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        out = ParseOutcome()
        open_ended: list[int] = []
        for number, match in cls.cue_lines(text, out):
            first, last, body = match.groups()
            start = int(first) * 100
            cls.add_cue(out, number, start, int(last) * 100 if last else start, mpl2_text(body))
            if not last:
                out.problem(
                    number, "no end time; the cue ends when the next one starts", "warning", "mpl2.no-end"
                )
                open_ended.append(len(out.cues) - 1)
        close_open_ended(out.cues, open_ended)
        return out

    @classmethod
    def write(cls, track: Track, *, rate: Fraction | None = None) -> str:
        """Times rounded to the 100 ms MPL2 stores (negative ones kept); italic lines
        with the leading ``/``, other styling has no MPL2 spelling."""
        return "".join(f"[{mpl2_time(c.start)}][{mpl2_time(c.end)}]{mpl2_body(c.text)}\n" for c in track.cues)


_ASS_BLOCK = re.compile(r"\{([^{}]*)\}")
_ITALIC_CODE = re.compile(r"\\i(\d)")


def mpl2_body(text: str) -> str:
    """pysubs2 text back to an MPL2 line body, the inverse of ``mpl2_text``: a line whose
    words are all in italics (italics carry over line breaks, as in SubStation) gets the
    leading ``/``; other styling has no MPL2 spelling."""
    italic = False
    parts = []
    for line in text.split(r"\N"):
        words: list[bool] = []  # per visible chunk: was it italic
        plain: list[str] = []
        pos = 0
        for m in _ASS_BLOCK.finditer(line):
            chunk = line[pos : m.start()]
            if chunk.strip():
                words.append(italic)
            plain.append(chunk)
            for code in _ITALIC_CODE.finditer(m.group(1)):
                italic = code.group(1) != "0"
            pos = m.end()
        chunk = line[pos:]
        if chunk.strip():
            words.append(italic)
        plain.append(chunk)
        body = "".join(plain)
        parts.append("/" + body if words and all(words) else body)
    return "|".join(parts)


def mpl2_time(ms: int) -> int:
    """Deciseconds as MPL2 stores them, rounded half up (what a fix rounds to first)."""
    return (ms + 50) // 100
