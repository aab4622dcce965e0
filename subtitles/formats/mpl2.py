"""MPL2 (``.txt``): ``[start][end]text`` in deciseconds, common in Poland.

No frame rate is involved: ``[123]`` is 12.3 s. pysubs2's reader is correct but silent
about lines it does not understand; this one reports them and keeps line numbers.
"""

from __future__ import annotations

import re
from fractions import Fraction

from subtitles.formats.base import ParseOutcome, SubtitleFormat, split_lines
from subtitles.formats.markup import mpl2_text
from subtitles.formats.microdvd import close_open_ended
from subtitles.model import Cue

_LINE = re.compile(r"^\s*\[\s*(-?\d+)\s*\]\s*\[\s*(-?\d*)\s*\](.*)$")


class MPL2(SubtitleFormat):
    id = "mpl2"
    extensions = (".txt", ".mpl")

    @classmethod
    def sniff(cls, text: str) -> float:
        lines = [ln for ln in split_lines(text)[:400] if ln.strip()]
        if not lines:
            return 0.0
        hits = sum(1 for ln in lines if _LINE.match(ln))
        return 0.95 * hits / len(lines) if hits else 0.0

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        out = ParseOutcome()
        open_ended: list[int] = []
        for i, line in enumerate(split_lines(text)):
            if not line.strip():
                continue
            match = _LINE.match(line)
            if match is None:
                out.problem(
                    i + 1, f"not an MPL2 line: {line.strip()[:40]!r}; skipped", "error", "mpl2.bad-line"
                )
                continue
            first, last, body = match.groups()
            start = int(first) * 100
            text_ = mpl2_text(body)
            if not text_.replace(r"\N", "").strip():
                out.problem(i + 1, "cue has no text", "warning", "mpl2.empty-text")
            cue = Cue(start=start, end=int(last) * 100 if last else start, text=text_, source_line=i + 1)
            if not last:
                out.problem(
                    i + 1, "no end time; the cue ends when the next one starts", "warning", "mpl2.no-end"
                )
                open_ended.append(len(out.cues))
            out.cues.append(cue)
        close_open_ended(out.cues, open_ended)
        return out
