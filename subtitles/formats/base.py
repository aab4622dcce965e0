"""What every format plug-in provides, and the values they hand back.

A format module owns three things about its format: how to recognise it from content
(``sniff``), how to walk its text and say where every cue starts and what is wrong with
it (``parse``), and how to write a track in it (``write``): the one writer of the format,
used by ``align``, ``fix``, ``mux`` and every other output, as pysubs2 keeps reading and
writing a format in one class. Parsing is tolerant on purpose:
uploads from translators are often hand-edited, and a file with one garbled timestamp
must still load, with the problem reported at its line, rather than be refused whole.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar, Literal

from pysubs2 import SSAFile

from subtitles.errors import InputError
from subtitles.model import Cue, ParseProblem, Track
from subtitles.timing import format_ms

Severity = Literal["error", "warning", "info"]

#: Line ends as editors count them: ``\r\n``, bare ``\n`` and bare ``\r`` (old Mac files).
_LINE_END = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Split into lines the way an editor numbers them (``lines[0]`` is line 1).

    ``str.splitlines`` would also split on form feeds and U+2028, shifting every later
    line number away from what the user sees in an editor.
    """
    lines = _LINE_END.split(text) if "\r" in text else text.split("\n")  # the same, faster
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def head_lines(text: str, n: int) -> list[str]:
    """``split_lines(text)[:n]`` without splitting all of a long file (sniffers read a head)."""
    end = -1
    for _ in range(n):
        end = text.find("\n", end + 1)
        if end < 0:
            return split_lines(text)[:n]
    return split_lines(text[: end + 1])[:n]


@dataclass
class ParseOutcome:
    """Cues in file order, problems found on the way, and format metadata."""

    cues: list[Cue] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    #: Frame rate declared inside the file itself (MicroDVD ``{1}{1}25``), if any.
    declared_fps: Fraction | None = None
    #: Frame rate actually used to convert frames to ms (frame-based formats only).
    frame_rate: Fraction | None = None
    #: For SubStation files: the parsed file whose info, styles and attachments the
    #: Track keeps (other formats get pysubs2's default style).
    header: SSAFile | None = None

    #: For WebVTT files: the header block, and the STYLE, REGION and NOTE blocks with the
    #: number of cues before each (see ``Track.vtt_blocks``).
    vtt_header: str | None = None
    vtt_blocks: list[tuple[int, str]] = field(default_factory=list)
    #: Every cue was read from a canonical SubRip block (index, timing, its text lines as
    #: they are, a blank line): what each cue's text is as written needs no second look at
    #: the source (``Track.source_canonical``).
    canonical: bool = False

    def problem(self, line: int | None, message: str, severity: Severity = "warning", code: str = "") -> None:
        self.problems.append(ParseProblem(line=line, message=message, severity=severity, code=code))


_START = operator.attrgetter("start")
_END = operator.attrgetter("end")


def latest_time(cues: list[Cue]) -> int:
    """The largest absolute start or end time of ``cues`` (not empty), without a Python
    step per cue: checked on every load and every write."""
    starts: Iterator[int] = map(_START, cues)
    ends: Iterator[int] = map(_END, cues)
    return max(max(map(abs, starts)), max(map(abs, ends)))


def refuse_times_past(fmt: type[SubtitleFormat], track: Track) -> None:
    """``InputError`` naming the file and line of the first cue whose time ``fmt`` cannot spell."""
    limit = fmt.max_time_ms
    if limit is None:
        return
    cues = track.cues
    if not cues or latest_time(cues) <= limit:  # the usual answer, found in C
        return
    for cue in cues:
        worst = max(abs(cue.start), abs(cue.end))
        if worst > limit:
            raise InputError(
                f"time {format_ms(worst)} cannot be written as {fmt.__name__} (its latest time is "
                f"{format_ms(limit)}): a typo in the hours? Fix the time, or write WebVTT (.vtt)",
                path=track.source,
                line=cue.source_line,
            )


class SubtitleFormat:
    """Base of the format plug-ins; subclasses are stateless and used as classes."""

    #: pysubs2 format identifier (``srt``, ``vtt``, ``ass``, ``ssa``, ``microdvd``, ``mpl2``).
    id: ClassVar[str]
    #: File extensions that suggest this format (lower case, with dot).
    extensions: ClassVar[tuple[str, ...]] = ()
    #: Whether times are counted in frames and need a frame rate.
    frame_based: ClassVar[bool] = False
    #: The latest time the format can spell (SubRip's two-digit hours: 99:59:59,999), or
    #: ``None`` when its numbers have no fixed width (WebVTT hours, MPL2, MicroDVD frames).
    max_time_ms: ClassVar[int | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every format's own ``write`` first refuses times past ``max_time_ms``: a writer
        that clamps them (pysubs2 writes 100 hours as 99:59:59,999) or spells them wider
        than the format allows would change the timing without a word."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("write")
        if isinstance(own, classmethod):
            write = own.__func__

            @functools.wraps(write)
            def checked(fmt: type[SubtitleFormat], track: Track, *, rate: Fraction | None = None) -> str:
                refuse_times_past(fmt, track)
                return str(write(fmt, track, rate=rate))

            cls.write = classmethod(checked)  # type: ignore[method-assign,assignment]

    @classmethod
    def sniff(cls, text: str) -> float:
        """How strongly the content looks like this format, from 0 (not at all) to 1."""
        raise NotImplementedError

    @classmethod
    def parse(
        cls, text: str, *, fps: Fraction | None = None, fallback_fps: Fraction | None = None
    ) -> ParseOutcome:
        """Tolerantly parse decoded text; never raises for malformed content.

        ``fps`` is an explicit rate that overrides anything the file declares;
        ``fallback_fps`` (the film's rate) is used only when the file declares none.
        Formats timed in clock time ignore both. A frame-based format with no rate from
        any of the three sources raises ``FrameRateRequired``.
        """
        raise NotImplementedError

    @classmethod
    def write(cls, track: Track, *, rate: Fraction | None = None) -> str:
        """The track's dialogue as this format's text (``rate``: the frame rate to count
        in, for frame-based formats; the track's own rate otherwise).

        Everything the format can hold is kept: markup (from the source's own markup when
        the cue text is unchanged), styles, WebVTT identifiers, settings and blocks; what
        it cannot hold is left out cleanly, never written as stray tags. A time past the
        largest the format can spell (``max_time_ms``) raises ``InputError`` (exit 2) naming
        the file and the cue's line, before the format's own writer runs; a writer that
        cannot say a time before zero (WebVTT) raises ``ContentError`` (exit 1) naming the cue.
        """
        raise NotImplementedError
