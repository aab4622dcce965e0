"""MicroDVD (``.sub``, ``.txt``): ``{start}{end}text``, times counted in frames.

Frames mean nothing without a frame rate, and a wrong rate drifts a whole film (23.976
against 25 is four percent: over a minute by the end of a 90-minute documentary). So the
rate is never assumed: an explicit rate wins, then the rate the file declares in its
first cue (``{1}{1}23.976``, VLC's convention), then the film's rate from the caller;
with none of these, ``FrameRateRequired``. Frame maths goes through ``subtitles.timing``
on exact fractions; pysubs2's reader would use float rates.
"""

from __future__ import annotations

import re
from fractions import Fraction

from subtitles.errors import FrameRateRequired, UsageError
from subtitles.formats.base import ParseOutcome, split_lines
from subtitles.formats.lines import LineFormat, close_open_ended
from subtitles.formats.markup import microdvd_text
from subtitles.model import Track
from subtitles.timing import format_fps, frames_to_ms, ms_to_frames, parse_fps

_LINE = re.compile(r"^\s*\{\s*(-?\d+)\s*\}\s*\{\s*(-?\d*)\s*\}(.*)$")
_RATE = re.compile(r"^\s*(\d{1,3}(?:[.,]\d+)?|\d+/\d+)\s*$")


def declared_rate(text: str) -> Fraction | None:
    """The rate a MicroDVD file declares in a first ``{1}{1}`` (or ``{0}{0}``) cue."""
    for line in split_lines(text):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            return None
        start, end, body = match.groups()
        if start == end and start in ("0", "1") and _RATE.match(body):
            try:
                return parse_fps(body.strip().replace(",", "."))
            except UsageError:
                return None
        return None
    return None


class MicroDVD(LineFormat):
    id = "microdvd"
    extensions = (".sub", ".txt")
    frame_based = True
    line_pattern = _LINE
    line_name = "a MicroDVD line"

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        out = ParseOutcome()
        declared = declared_rate(text)
        out.declared_fps = declared
        rate = fps or declared or fallback_fps
        if rate is None:
            raise FrameRateRequired("MicroDVD counts frames: give --fps or --film")
        if fps is not None and declared is not None and fps != declared:
            out.problem(
                1,
                f"file declares {format_fps(declared)} fps; using {format_fps(fps)} as given",
                "warning",
                "microdvd.fps-override",
            )
        if fps is None and declared is not None and fallback_fps is not None and declared != fallback_fps:
            out.problem(
                1,
                f"file declares {format_fps(declared)} fps but the film runs at "
                f"{format_fps(fallback_fps)}; using the declared rate",
                "warning",
                "microdvd.fps-mismatch",
            )
        out.frame_rate = rate
        skipped_declaration = declared is None
        open_ended: list[int] = []
        for number, match in cls.cue_lines(text, out):
            if not skipped_declaration:
                skipped_declaration = True
                continue
            first, last, body = match.groups()
            start = frames_to_ms(int(first), rate)
            if last == "":
                out.problem(
                    number,
                    "no end frame; the cue ends when the next one starts",
                    "warning",
                    "microdvd.no-end",
                )
                open_ended.append(len(out.cues))
                end = start
            else:
                end = frames_to_ms(int(last), rate)
            cls.add_cue(out, number, start, end, microdvd_text(body))
        close_open_ended(out.cues, open_ended)
        return out

    @classmethod
    def write(cls, track: Track, *, rate: Fraction | None = None) -> str:
        """Frames at ``rate`` (else the track's own), declared in a first ``{1}{1}`` cue as
        VLC expects; styling that MicroDVD can spell (``{y:i}``, font, size, position)."""
        rate = rate or track.frame_rate
        if rate is None:
            raise UsageError("writing MicroDVD needs a frame rate: give --fps or --film")
        declared = str(rate.numerator) if rate.denominator == 1 else f"{float(rate):.3f}"
        out = [f"{{1}}{{1}}{declared}"]
        for cue in track.cues:
            start, end = ms_to_frames(cue.start, rate), ms_to_frames(cue.end, rate)
            out.append(f"{{{start}}}{{{end}}}{microdvd_body(cue.text)}")
        return "\n".join(out) + "\n"


_ASS_BLOCK = re.compile(r"\{([^{}]*)\}")
_POS = re.compile(r"pos\((\d+),(\d+)\)")


def microdvd_body(text: str, upper: bool = False) -> str:
    """pysubs2 text back to a MicroDVD body, the inverse of ``microdvd_text``: ``\\N`` is
    ``|``, ``{\\i1}`` and friends are ``{y:i}`` (``{Y:i}`` when ``upper``: the whole cue),
    font, size and position codes come back; codes MicroDVD has no spelling for go."""
    y = "Y" if upper else "y"

    def block(m: re.Match[str]) -> str:
        codes = [c for c in m.group(1).split("\\") if c]
        out = []
        styles = "".join(c[0] for c in codes if len(c) == 2 and c[0] in "biu" and c[1] == "1")
        if styles:
            out.append(f"{{{y}:{styles}}}")
        for c in codes:
            if c.startswith("fn") and len(c) > 2:
                out.append(f"{{f:{c[2:]}}}")
            elif c.startswith("fs") and len(c) > 2:
                out.append(f"{{s:{c[2:]}}}")
            elif (pos := _POS.fullmatch(c)) is not None:
                out.append(f"{{P:{pos.group(1)},{pos.group(2)}}}")
        return "".join(out)

    return _ASS_BLOCK.sub(block, text).replace(r"\N", "|")
