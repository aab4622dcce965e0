"""TMPlayer (``.txt``): ``hh:mm:ss:text``, start times only; still common in Poland.

The format has no end times. Like pysubs2, a cue is given 0.5 s plus 67 ms per
character (15 characters per second), cut at the next cue's start; the estimate is
reported once so nobody mistakes it for the translator's timing.
"""

from __future__ import annotations

import re
from fractions import Fraction

from subtitles.formats.base import ParseOutcome, SubtitleFormat, split_lines
from subtitles.formats.markup import srt_text
from subtitles.model import Cue

_LINE = re.compile(r"^\s*(-?)(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,3}))?[:=](.*)$")


class TMPlayer(SubtitleFormat):
    id = "tmp"
    extensions = (".txt", ".tmp")

    @classmethod
    def sniff(cls, text: str) -> float:
        lines = [ln for ln in split_lines(text)[:400] if ln.strip()]
        if not lines:
            return 0.0
        hits = sum(1 for ln in lines if _LINE.match(ln) and "-->" not in ln)
        return 0.9 * hits / len(lines) if hits else 0.0

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        out = ParseOutcome()
        for i, line in enumerate(split_lines(text)):
            if not line.strip():
                continue
            match = _LINE.match(line)
            if match is None:
                out.problem(
                    i + 1, f"not a TMPlayer line: {line.strip()[:40]!r}; skipped", "error", "tmp.bad-line"
                )
                continue
            sign, h, m, s, frac, body = match.groups()
            start = ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + (int(frac.ljust(3, "0")) if frac else 0)
            start = -start if sign else start
            text_ = srt_text(body.split("|"))
            if not text_.replace(r"\N", "").strip():
                out.problem(i + 1, "cue has no text", "warning", "tmp.empty-text")
            end = start + 500 + 67 * len(body)
            out.cues.append(Cue(start=start, end=end, text=text_, source_line=i + 1))
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
