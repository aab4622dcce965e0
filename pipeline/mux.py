"""The ``mux`` stage: subtitle uploads in, one verified MKV/MP4 with a track per language out.

Each upload goes through ingest (encoding detection, format sniffing, frame rate from the
film for MicroDVD), is normalised to a UTF-8 file the container takes (SRT, or ASS when
the source is ASS/SSA and the output Matroska, to keep its styling), then
``media.mux.mux`` stream-copies the film, adds the tracks, verifies the result by probing
and only then renames it into place.

A track's language comes, in this order, from ``SUB:LANG`` on the command line, from the
file name (``film.ru.srt``), or from what ingest found in the file; a track whose language
is still unknown is refused (an ``und`` track is useless to a viewer picking a language).
File-name qualifiers become dispositions: ``film.ru.forced.srt`` a forced track,
``film.en.sdh.srt`` (or ``.hi``/``.cc``) a hearing-impaired one, each with a title that
says so (``English (SDH)``). The default track is the first full (not forced) track, or
the first full track of ``default`` (``--default pl``), or none (``--default none``).

``load_tracks`` and ``showable`` are shared with the sidecar and HLS stages, so every
rendition reads the uploads, names languages and drops unshowable cues the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import pysubs2

from media.mux import Container, MuxResult, SubtitleStream, container_for, mux, mux_command
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
from subtitles.formats import get_format
from subtitles.language import (
    FORCED_QUALIFIERS,
    SDH_QUALIFIERS,
    Language,
    filename_qualifiers,
    language_from_filename,
)
from subtitles.model import Track
from subtitles.timing import format_ms

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


#: ``--default none``: no track is shown unless the viewer picks one.
NO_DEFAULT = "none"
DefaultChoice = Language | Literal["none"] | None


@dataclass(frozen=True, slots=True)
class LoadedTrack:
    """An upload read through ingest, with its language and file-name qualifiers settled."""

    spec: SubtitleSpec
    track: Track
    language: Language
    forced: bool = False
    sdh: bool = False

    @property
    def title(self) -> str:
        """The native name, plus what kind of track it is: ``Русский``, ``English (SDH)``."""
        kinds = [k for k, on in (("Forced", self.forced), ("SDH", self.sdh)) if on]
        name = self.language.native_name
        return f"{name} ({', '.join(kinds)})" if kinds else name

    @property
    def key(self) -> str:
        """A file-name-safe id, unique per language and kind: ``ru``, ``en.sdh``, ``pl.forced``."""
        return ".".join(
            [self.language.bcp47, *(k for k, on in (("forced", self.forced), ("sdh", self.sdh)) if on)]
        )


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
    forced: bool = False
    sdh: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "language": self.language.iso639_2b,
            "bcp47": self.language.bcp47,
            "title": self.title,
            "default": self.default,
            "forced": self.forced,
            "hearing_impaired": self.sdh,
            "codec": self.codec,
            "cues": self.cues,
            "stream_index": self.stream_index,
        }


@dataclass(frozen=True, slots=True)
class MuxReport:
    output: Path
    container: Container
    film: Path
    info: MediaInfo | None
    tracks: tuple[MuxedTrack, ...]
    command: tuple[str, ...] = ()
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "output": str(self.output),
            "container": self.container,
            "film": str(self.film),
            "duration_ms": self.info.duration_ms if self.info is not None else None,
            "verified": not self.dry_run,
            "dry_run": self.dry_run,
            "command": list(self.command),
            "tracks": [t.to_json() for t in self.tracks],
        }


def _load(path: Path, language: Language | None, fps: Fraction | None, film: Path) -> Track:
    """Through ingest: encoding detection, format sniffing, the film's rate for MicroDVD."""
    return ingest(path, language=language, fps=fps, film=film)


def showable(track: Track, *, keep_comments: bool = False) -> Track:
    """A copy holding only cues a viewer can see: empty cues and cues ending at or before
    0 are left out (logged), a start before 0 is moved to 0 (logged): containers and
    segment timelines cannot hold negative times. The input track is not touched."""
    copy = track.copy_track()
    kept = []
    for event in copy.events:
        if event.is_comment:
            if keep_comments:
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
    return copy


def _prepare(track: Track, container: Container, folder: Path, n: int) -> tuple[Path, int, int | None]:
    """Write the track as UTF-8 SRT/ASS into ``folder``; return (path, cue count, last end)."""
    as_ass = container == "matroska" and (track.source_format or "") in ("ass", "ssa")
    copy = showable(track, keep_comments=as_ass)
    fmt = "ass" if as_ass else "srt"
    text = get_format(fmt).write(copy)  # the format's one writer: <font>, \an8 and styles kept
    out = folder / f"track{n}.{fmt}"
    out.write_bytes(text.encode("utf-8"))
    written = pysubs2.SSAFile.from_string(text, format_=fmt)
    visible = [e for e in written.events if not e.is_comment]
    end = max((e.end for e in visible), default=None)
    return out, len(visible), end


def refuse_non_file(path: Path) -> None:
    """``InputError`` unless ``path`` is a regular file, saying what it is instead (before
    any work starts; ``subtitles.load`` says the same when it reads the file)."""
    if path.is_file():
        return
    if path.is_symlink() and not path.exists():
        raise InputError("a symlink that leads nowhere (a loop, or a missing target)", path=path)
    if path.is_dir():
        raise InputError("is a folder, not a subtitle file", path=path)
    raise InputError("not a regular file" if path.exists() else "subtitle file not found", path=path)


def refuse_cues_after_the_film(track: Track, length_ms: int | None) -> None:
    """``InputError`` naming the file and line of the first cue that starts after the film
    ends: no player shows it, and a container track reaching it stretches the output to its
    time (a cue typed at 50 hours made a 3-second film a 50-hour MKV)."""
    if length_ms is None:
        return
    for number, cue in enumerate(track.cues, 1):
        if cue.start >= length_ms and cue.plaintext.strip():
            raise InputError(
                f"cue {number} starts at {format_ms(cue.start)}, after the film ends "
                f"({format_ms(length_ms)}): it would never be shown; fix the time (a typo in the hours?) "
                "or align the file to this film",
                path=track.source,
                line=cue.source_line,
            )


def _span(event: pysubs2.SSAEvent) -> tuple[int, int]:
    return event.start, event.end


def _overlaps(track: Track) -> int:
    """Cues that start while an earlier one is still on screen (QC's one overlap test; in
    MP4 every one counts, positioned or styled apart, since ``mov_text`` cuts each short)."""
    import numpy as np

    from subtitles.qc.view import overlaps

    spans = sorted((c.start, c.end) for c in track.cues if c.plaintext.strip() and c.end > c.start)
    times = np.array(spans, dtype=np.int64).reshape(-1, 2)
    later, _ = overlaps(times[:, 0], times[:, 1])
    return len(later)


def _language_for(spec: SubtitleSpec, track: Track | None = None) -> Language | None:
    if spec.language is not None:
        return spec.language
    named = language_from_filename(spec.path)
    if named is not None:
        return named
    return track.language if track is not None else None


def load_tracks(
    specs: Sequence[SubtitleSpec], *, film: Path | None = None, fps: Fraction | None = None
) -> list[LoadedTrack]:
    """Ingest every upload and settle its language and qualifiers; refuse what cannot be used.

    Raises ``InputError`` for a missing file, ``LanguageError`` for a track of unknown
    language and ``ContentError`` for a track without cues, naming the file, before any
    output work starts. Two tracks of the same language and kind are logged.
    """
    if not specs:
        raise UsageError("give at least one subtitle file")
    for spec in specs:
        refuse_non_file(spec.path)
    loaded: list[LoadedTrack] = []
    for spec in specs:
        track = ingest(spec.path, language=_language_for(spec), fps=fps, film=film)
        language = _language_for(spec, track)
        if language is None:
            raise LanguageError(
                "cannot tell the language of this file: name it like film.ru.srt or write FILE:LANG",
                path=spec.path,
            )
        if not track.cues:
            raise ContentError("has no cues", path=spec.path)
        qualifiers = filename_qualifiers(spec.path)
        loaded.append(
            LoadedTrack(
                spec,
                track,
                language,
                forced=bool(qualifiers & FORCED_QUALIFIERS),
                sdh=bool(qualifiers & SDH_QUALIFIERS),
            )
        )
    seen: dict[str, Path] = {}
    for item in loaded:
        if item.key in seen:
            log.warning("%s and %s are both %s", seen[item.key], item.spec.path, item.title)
        seen[item.key] = item.spec.path
    return loaded


def choose_default(tracks: Sequence[LoadedTrack], default: DefaultChoice = None) -> int | None:
    """Index of the default track: the first full (not forced) one of ``default``'s
    language, preferring one that is not SDH; the first full track when ``default`` is
    ``None``; no track for ``"none"``. ``UsageError`` when no track has that language."""
    if default == NO_DEFAULT:
        return None
    full = [n for n, t in enumerate(tracks) if not t.forced]
    if default is None:
        return full[0] if full else None
    assert isinstance(default, Language)
    matching = [n for n in full if tracks[n].language.same_language(default)]
    if not matching:
        have = ", ".join(sorted({t.language.bcp47 for t in tracks}))
        raise UsageError(
            f"--default {default.bcp47}: no full (not forced) track in that language (have {have})"
        )
    plain = [n for n in matching if not tracks[n].sdh]
    return (plain or matching)[0]


def ffmpeg_argv(args: Sequence[str]) -> tuple[str, ...]:
    """The whole command line a run would start: the discovered ffmpeg, then ``args``."""
    from media.ffmpeg import find_ffmpeg

    return (str(find_ffmpeg().path), "-hide_banner", "-nostdin", *args)


def parse_default(text: str | None) -> DefaultChoice:
    """``--default`` as given: a language, ``none``, or not given."""
    if text is None:
        return None
    if text.strip().lower() == NO_DEFAULT:
        return "none"
    return Language.parse(text)


def mux_subtitles(
    film: str | Path,
    specs: Sequence[SubtitleSpec],
    output: str | Path,
    *,
    fps: Fraction | None = None,
    default: DefaultChoice = None,
    dry_run: bool = False,
    on_progress: Callable[[Progress, int | None], None] | None = None,
) -> MuxReport:
    """Ingest each subtitle file, normalise it, mux all into ``output``, verify, report.

    The default track is chosen by ``choose_default``; forced and SDH tracks (from the
    file-name qualifiers) get those dispositions. With ``dry_run`` the inputs are read and
    checked and the report carries the ffmpeg command, but nothing is written (the
    command names the temporary subtitle files a real run would make). Raises
    ``UsageError``/``InputError`` before any work for a bad output name, a missing file or
    an unknown language.
    """
    film, output = Path(film), Path(output)
    if not specs:
        raise UsageError("give at least one subtitle file to mux")
    container = container_for(output)
    refuse_overwrite_of_inputs(output, [film, *(s.path for s in specs)])
    for spec in specs:
        refuse_non_file(spec.path)
    info = probe(film)
    if not info.video:
        raise InputError("has no video stream to add subtitles to", path=film)
    tracks = load_tracks(specs, film=film, fps=fps)
    for item in tracks:
        refuse_cues_after_the_film(item.track, info.duration_ms)
    chosen = choose_default(tracks, default)
    if container == "mp4":
        for item in tracks:
            if overlaps := _overlaps(item.track):
                log.warning(
                    "%s: %d overlapping cue(s); MP4 text tracks cannot overlap, so each is cut short "
                    "where the next starts (use .mkv to keep them)",
                    item.spec.path,
                    overlaps,
                )
    with scratch_dir("mux") as tmp:
        streams = []
        for n, item in enumerate(tracks):
            path, cues, end = _prepare(item.track, container, Path(tmp), n)
            if cues == 0:
                raise ContentError(
                    "has no cue that can be shown (all empty or before the film)", path=item.spec.path
                )
            streams.append(
                SubtitleStream(
                    path,
                    item.language,
                    title=item.title,
                    forced=item.forced,
                    sdh=item.sdh,
                    default=n == chosen,
                    cues=cues,
                    end_ms=end,
                    source=item.spec.path,
                )
            )
        if dry_run:
            command = ffmpeg_argv(
                mux_command(film, streams, output, container, video_start_ms=info.video_start_ms)
            )
            planned = tuple(
                MuxedTrack(item.spec.path, s.language, s.shown_title, bool(s.default), "", s.cues or 0, -1,
                           item.forced, item.sdh)
                for item, s in zip(tracks, streams, strict=True)
            )  # fmt: skip
            return MuxReport(output, container, film, None, planned, command=command, dry_run=True)
        result: MuxResult = mux(
            film, streams, output, film_info=info, protect=[s.path for s in specs], on_progress=on_progress
        )
    muxed = tuple(
        MuxedTrack(
            source=item.spec.path,
            language=stream.language,
            title=stream.shown_title,
            default=got.default,
            codec=got.codec,
            cues=stream.cues or 0,
            stream_index=got.index,
            forced=got.forced,
            sdh=got.hearing_impaired,
        )
        for item, stream, got in zip(tracks, streams, result.info.subtitles, strict=True)
    )
    return MuxReport(
        output=result.output,
        container=container,
        film=film,
        info=result.info,
        tracks=muxed,
        command=result.command,
    )
