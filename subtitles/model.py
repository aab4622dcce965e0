"""The data model: a ``Track`` of ``Cue`` objects, built on pysubs2.

``Track`` *is* a ``pysubs2.SSAFile`` and ``Cue`` *is* a ``pysubs2.SSAEvent``: every
pysubs2 writer, ``shift`` and style operation works on them unchanged. What subpipe adds
is what a pipeline over uploads needs to explain itself: where a track came from (path,
format, detected encoding), its language, the exact frame rate used for frame-based
formats, and for every cue the 1-based line of the source file where it starts, so that
every finding and error can point at ``film.pl.srt:212``.

Times are integer milliseconds, as in pysubs2.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pysubs2 import SSAEvent, SSAFile

from subtitles.langdetect import LanguageGuess
from subtitles.language import Language

#: Where ``Track.language`` came from.
LanguageSource = Literal["explicit", "filename", "detected", "unknown"]


@dataclass(frozen=True, slots=True)
class SourceMarkup:
    """A SubRip or WebVTT cue's text exactly as written (tags, entities, line breaks as
    ``\n``), and the pysubs2 ``text`` it was read as.

    pysubs2 keeps styling as SubStation override tags, which have no spelling for
    ``<font color>``, WebVTT classes, voices or entities: a writer of the same family uses
    the text as written instead, as long as ``Cue.text`` still is what it was read as (an
    edit through ``Cue.text`` makes the copy stale, and the writers then convert ``text``).
    """

    format: str
    raw: str
    text: str


@dataclasses.dataclass(repr=False, eq=False, order=False)
class Cue(SSAEvent):
    """A subtitle event that remembers its source line (1-based), when it has one, and
    what only its source format can say: markup as written (``markup``, SubRip and
    WebVTT), a WebVTT cue identifier and cue settings (``line:0 align:start``)."""

    source_line: int | None = None
    markup: SourceMarkup | None = None
    identifier: str = ""
    settings: str = ""

    @classmethod
    def from_event(cls, event: SSAEvent, source_line: int | None = None) -> Cue:
        values = {f.name: getattr(event, f.name) for f in dataclasses.fields(SSAEvent)}
        return cls(**values, source_line=source_line)

    def copy(self) -> Cue:  # pysubs2's copy() would return a plain SSAEvent
        return copy.copy(self)

    def source_markup(self) -> SourceMarkup | None:
        """The markup as written, while ``text`` is still what it was read as."""
        markup = self.markup
        return markup if markup is not None and markup.text == self.text else None

    def set_markup(self, format_id: str, raw: str) -> None:
        """Record ``raw`` as this cue's text in ``format_id``'s own markup (for the current
        ``text``); nothing is kept when ``text`` says the same (no tags, no entities), so
        plain cues cost no memory."""
        if "\\" in raw or "{" in raw or raw.replace("\n", r"\N") != self.text:
            self.markup = SourceMarkup(format_id, raw, self.text)
        else:
            self.markup = None

    def __repr__(self) -> str:
        line = f" line={self.source_line}" if self.source_line is not None else ""
        return f"<Cue {self.start}-{self.end} ms{line} {self.text[:30]!r}>"


@dataclass(frozen=True, slots=True)
class EncodingGuess:
    """What the loader decided about a file's bytes.

    ``confidence`` is in [0, 1]: how far the winning candidate is ahead of the runner-up
    on the detector's score, not a probability. ``alternatives`` keeps the runners-up so a
    report can say "cp1251 (KOI8-R was also plausible)".
    """

    encoding: str
    confidence: float
    bom: bool = False
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Something wrong in the source text, found while loading, at a 1-based line.

    ``severity`` is ``error`` when content was lost (a cue dropped, a timing unreadable),
    ``warning`` when the loader had to guess (a missing index, a missing header), and
    ``info`` for harmless oddities. ``code`` is a short stable id (``srt.bad-timing``) that
    the validator turns into a ``parse.*`` rule id.
    """

    line: int | None
    message: str
    severity: Literal["error", "warning", "info"] = "warning"
    code: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.severity}: {self.message}"


class Track(SSAFile):
    """A subtitle track: pysubs2 events plus provenance.

    Attributes beyond ``SSAFile``:
        language: the declared (or detected) language, ``None`` when unknown.
        source: path of the file it was loaded from (never written to).
        source_format: pysubs2 format id of the source (``srt``, ``ass``, ``vtt``,
            ``microdvd``, ``mpl2``, ...).
        encoding: the encoding decision for the source bytes.
        frame_rate: the exact rate used to convert frame-based sources, if any.
        source_text: the decoded source text, kept for structural checks.
        language_source: where ``language`` came from: ``explicit`` (caller),
            ``filename`` (``film.ru.srt``), ``detected`` (from the text) or ``unknown``.
        language_guess: the text-based detection result, also when the language was
            declared (so a report can show "declared pl, text looks Czech").
        problems: parse problems found while loading, in source order.
        vtt_header: a WebVTT source's header block (``WEBVTT - title`` and metadata
            lines), written back when the track is written as WebVTT.
        vtt_blocks: a WebVTT source's STYLE, REGION and NOTE blocks as written, each
            with the number of dialogue cues before it (where it goes back).
        source_canonical: the source is SubRip in canonical blocks only (index, timing,
            the text lines, a blank line), so each cue's text as written is its
            ``markup`` (or, without one, its ``text`` with ``\\N`` as line breaks).
    """

    def __init__(
        self,
        *,
        language: Language | None = None,
        source: Path | None = None,
        source_format: str | None = None,
        encoding: EncodingGuess | None = None,
        frame_rate: Fraction | None = None,
        source_text: str = "",
        language_source: LanguageSource = "unknown",
        language_guess: LanguageGuess | None = None,
        problems: list[ParseProblem] | None = None,
    ) -> None:
        super().__init__()
        self.language_source: LanguageSource = language_source
        self.language_guess = language_guess
        self.problems: list[ParseProblem] = list(problems or [])
        self.language = language
        self.source = source
        self.source_format = source_format
        self.encoding = encoding
        self.frame_rate = frame_rate
        self.source_text = source_text
        self.vtt_header: str | None = None
        self.vtt_blocks: list[tuple[int, str]] = []
        self.source_canonical = False

    @property
    def cues(self) -> list[Cue]:
        """Dialogue events as ``Cue`` objects (comments and drawings excluded)."""
        # ``type`` read directly: ``is_comment`` is a property call per event (a long file asks often)
        return [e for e in self.events if isinstance(e, Cue) and e.type != "Comment"]

    @property
    def name(self) -> str:
        return str(self.source) if self.source is not None else "<memory>"

    def copy_track(self) -> Track:
        """A deep copy: events, styles and info are independent of the original."""
        new = Track(
            language=self.language,
            source=self.source,
            source_format=self.source_format,
            encoding=self.encoding,
            frame_rate=self.frame_rate,
            source_text=self.source_text,
            language_source=self.language_source,
            language_guess=self.language_guess,
            problems=list(self.problems),
        )
        new.vtt_header = self.vtt_header
        new.vtt_blocks = list(self.vtt_blocks)
        new.source_canonical = self.source_canonical
        new.info = dict(self.info)
        new.styles = {name: style.copy() for name, style in self.styles.items()}
        new.aegisub_project = dict(self.aegisub_project)
        new.fonts_opaque = dict(self.fonts_opaque)
        new.graphics_opaque = dict(self.graphics_opaque)
        new.events = [e.copy() if isinstance(e, Cue) else Cue.from_event(e) for e in self.events]
        return new

    @classmethod
    def from_ssafile(
        cls, subs: SSAFile, source_lines: list[int | None] | None = None, **meta: object
    ) -> Track:
        """Wrap a parsed ``SSAFile``; ``source_lines`` runs parallel to ``subs.events``."""
        track = cls(**meta)  # type: ignore[arg-type]
        track.info = subs.info
        track.styles = subs.styles
        track.aegisub_project = subs.aegisub_project
        track.fonts_opaque = subs.fonts_opaque
        track.graphics_opaque = subs.graphics_opaque
        lines = source_lines or [None] * len(subs.events)
        track.events = [Cue.from_event(e, ln) for e, ln in zip(subs.events, lines, strict=True)]
        return track

    def span(self) -> tuple[int, int] | None:
        """(first start, last end) over dialogue cues, or ``None`` when empty."""
        cues = self.cues
        if not cues:
            return None
        return min(c.start for c in cues), max(c.end for c in cues)
