"""The ``mux`` stage: subtitle uploads in, one verified MKV/MP4 with a track per language out.

Each upload goes through ingest (encoding detection, format sniffing, frame rate from the
film for MicroDVD), is normalised to a UTF-8 file the container takes (SRT, or ASS when
the source is ASS/SSA and the output Matroska, to keep its styling), then
``media.mux.mux`` stream-copies the film, adds the tracks, verifies the result by probing
and only then renames it into place.

A track's language comes, in this order, from ``SUB:LANG`` on the command line, from the
file name (``film.ru.srt``), or from what ingest found in the file; a track whose language
is still unknown is refused (an ``und`` track is useless to a viewer picking a language).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pysubs2

from media.mux import Container, MuxResult, SubtitleStream, container_for, mux
from media.probe import MediaInfo, probe
from media.progress import Progress
from pipeline.ingest import ingest
from subtitles.atomic import refuse_overwrite_of_inputs, scratch_dir
from subtitles.errors import (
    ContentError,
    InputError,
    LanguageError,
    UsageError,
)
from subtitles.language import Language, language_from_filename
from subtitles.model import Track

log = logging.getLogger(__name__)

#: ``FILE:LANG`` where LANG is a code or a name (``ru``, ``pl-PL``, ``English``, ``русский``).
_LANG_SUFFIX = re.compile(r"^(?P<path>.+):(?P<lang>[^\W\d_][\w-]*)$")


@dataclass(frozen=True, slots=True)
class SubtitleSpec:
    """One subtitle argument: a path and, when given explicitly, its language."""

    path: Path
    language: Language | None = None

    @classmethod
    def parse(cls, text: str) -> SubtitleSpec:
        """``film.srt:ru`` → (film.srt, ru); ``film.ru.srt`` → (film.ru.srt, None).

        The ``:LANG`` suffix is only read as a language when the whole argument is not an
        existing file, so a file really named ``a:b.srt`` still works.
        """
        match = _LANG_SUFFIX.match(text)
        if match and not Path(text).exists():
            try:
                return cls(Path(match["path"]), Language.parse(match["lang"]))
            except LanguageError as exc:
                raise LanguageError(exc.message, path=match["path"]) from None
        return cls(Path(text))


@dataclass(frozen=True, slots=True)
class MuxedTrack:
    """What ended up in the output, for the report."""

    source: Path
    language: Language
    title: str
    default: bool
    codec: str
    cues: int
    stream_index: int

    def to_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "language": self.language.iso639_2b,
            "bcp47": self.language.bcp47,
            "title": self.title,
            "default": self.default,
            "codec": self.codec,
            "cues": self.cues,
            "stream_index": self.stream_index,
        }


@dataclass(frozen=True, slots=True)
class MuxReport:
    output: Path
    container: Container
    film: Path
    info: MediaInfo
    tracks: tuple[MuxedTrack, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "output": str(self.output),
            "container": self.container,
            "film": str(self.film),
            "duration_ms": self.info.duration_ms,
            "verified": True,
            "tracks": [t.to_json() for t in self.tracks],
        }


def _load(path: Path, language: Language | None, fps: Fraction | None, film: Path) -> Track:
    """Through ingest: encoding detection, format sniffing, the film's rate for MicroDVD."""
    return ingest(path, language=language, fps=fps, film=film)


def _prepare(track: Track, container: Container, folder: Path, n: int) -> tuple[Path, int, int | None]:
    """Write the track as UTF-8 SRT/ASS into ``folder``; return (path, cue count, last end).

    Cues that are empty or end at or before 0 cannot be shown and are left out (logged);
    a start before 0 is moved to 0 (logged): the container cannot hold negative times.
    """
    as_ass = container == "matroska" and (track.source_format or "") in ("ass", "ssa")
    copy = track.copy_track()
    kept = []
    for event in copy.events:
        if event.is_comment:
            if as_ass:
                kept.append(event)
            continue
        if not event.plaintext.strip() or event.end <= 0:
            log.warning("%s: leaving out a cue that cannot be shown (%d-%d ms)", track.name, *_span(event))
            continue
        if event.start < 0:
            log.warning("%s: cue at %d ms starts before the film; muxed from 0", track.name, event.start)
            event.start = 0
        kept.append(event)
    copy.events = kept
    fmt = "ass" if as_ass else "srt"
    text = copy.to_string(fmt)
    out = folder / f"track{n}.{fmt}"
    out.write_bytes(text.encode("utf-8"))
    written = pysubs2.SSAFile.from_string(text, format_=fmt)
    visible = [e for e in written.events if not e.is_comment]
    end = max((e.end for e in visible), default=None)
    return out, len(visible), end


def _span(event: pysubs2.SSAEvent) -> tuple[int, int]:
    return event.start, event.end


def _overlaps(track: Track) -> int:
    """Cues that start while an earlier one is still on screen."""
    count, shown_until = 0, None
    for cue in sorted((c for c in track.cues if c.plaintext.strip()), key=lambda c: (c.start, c.end)):
        if shown_until is not None and cue.start < shown_until:
            count += 1
        shown_until = cue.end if shown_until is None else max(shown_until, cue.end)
    return count


def _language_for(spec: SubtitleSpec, track: Track | None = None) -> Language | None:
    if spec.language is not None:
        return spec.language
    named = language_from_filename(spec.path)
    if named is not None:
        return named
    return track.language if track is not None else None


def mux_subtitles(
    film: str | Path,
    specs: Sequence[SubtitleSpec],
    output: str | Path,
    *,
    fps: Fraction | None = None,
    on_progress: Callable[[Progress, int | None], None] | None = None,
) -> MuxReport:
    """Ingest each subtitle file, normalise it, mux all into ``output``, verify, report.

    The first spec becomes the default track. Raises ``UsageError``/``InputError`` before
    any work for a bad output name, a missing file or an unknown language.
    """
    film, output = Path(film), Path(output)
    if not specs:
        raise UsageError("give at least one subtitle file to mux")
    container = container_for(output)
    refuse_overwrite_of_inputs(output, [film, *(s.path for s in specs)])
    for spec in specs:
        if not spec.path.is_file():
            raise InputError("subtitle file not found", path=spec.path)
    info = probe(film)
    if not info.video:
        raise InputError("has no video stream to add subtitles to", path=film)
    tracks: list[tuple[SubtitleSpec, Track, Language]] = []
    for spec in specs:
        track = _load(spec.path, _language_for(spec), fps, film)
        language = _language_for(spec, track)
        if language is None:
            raise LanguageError(
                "cannot tell the language of this file: name it like film.ru.srt or write FILE:LANG",
                path=spec.path,
            )
        if not track.cues:
            raise ContentError("has no cues to mux", path=spec.path)
        if container == "mp4" and (overlaps := _overlaps(track)):
            log.warning(
                "%s: %d overlapping cue(s); MP4 text tracks cannot overlap, so each is cut short "
                "where the next starts (use .mkv to keep them)",
                spec.path,
                overlaps,
            )
        tracks.append((spec, track, language))
    seen: dict[str, Path] = {}
    for spec, _, language in tracks:
        if language.iso639_2b in seen:
            log.warning("%s and %s are both %s", seen[language.iso639_2b], spec.path, language.english_name)
        seen[language.iso639_2b] = spec.path
    with scratch_dir("mux") as tmp:
        streams = []
        for n, (spec, track, language) in enumerate(tracks):
            path, cues, end = _prepare(track, container, Path(tmp), n)
            if cues == 0:
                raise ContentError(
                    "has no cue that can be shown (all empty or before the film)", path=spec.path
                )
            streams.append(SubtitleStream(path, language, cues=cues, end_ms=end, source=spec.path))
        result: MuxResult = mux(
            film, streams, output, film_info=info, protect=[s.path for s in specs], on_progress=on_progress
        )
    by_order = result.info.subtitles
    muxed = tuple(
        MuxedTrack(
            source=spec.path,
            language=stream.language,
            title=stream.shown_title,
            default=got.default,
            codec=got.codec,
            cues=stream.cues or 0,
            stream_index=got.index,
        )
        for (spec, _, _), stream, got in zip(tracks, streams, by_order, strict=True)
    )
    return MuxReport(output=result.output, container=container, film=film, info=result.info, tracks=muxed)
