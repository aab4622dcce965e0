"""Ingest: subtitle uploads for one film become ``Track`` objects.

The film matters for one thing at this stage: frame-based files (MicroDVD) count frames,
and the film's exact frame rate is the right one to count with when neither the user nor
the file says otherwise. The film is probed only when a frame-based file needs it, and
once for all the files of a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TypedDict, Unpack

from media.probe import MediaInfo, probe
from subtitles.errors import FrameRateRequired, InputError
from subtitles.formats import get_format
from subtitles.language import Language
from subtitles.load import load_track
from subtitles.model import Track


@dataclass
class FilmRate:
    """The film's frame rate, probed on first use and remembered."""

    film: Path
    _info: MediaInfo | None = field(default=None, init=False, repr=False)

    def info(self) -> MediaInfo:
        if self._info is None:
            self._info = probe(self.film)
        return self._info

    def rate(self) -> Fraction:
        """The film's exact rate; ``FrameRateRequired`` without video or with a variable rate."""
        return self.info().exact_frame_rate()


def _film_rate(film: str | Path | FilmRate | None) -> FilmRate | None:
    return FilmRate(Path(film)) if isinstance(film, (str, Path)) else film


class LoadOptions(TypedDict, total=False):
    """How to read the subtitle files of one film: ``load_track``'s options but the film's rate.

    ``language`` overrides the file name and detection; ``fps`` (explicit) overrides a
    rate declared in a frame-based file; ``format_`` and ``encoding`` skip sniffing.
    """

    language: Language | None
    fps: Fraction | None
    format_: str | None
    encoding: str | None


def ingest(
    sub_path: str | Path, *, film: Path | FilmRate | None = None, **options: Unpack[LoadOptions]
) -> Track:
    """Load one subtitle file for a film.

    ``fps`` (explicit) wins over a rate declared in the file, which wins over the film's
    rate. Without any of them a frame-based file raises ``FrameRateRequired``.
    """
    film_rate = _film_rate(film)
    format_ = options.get("format_")

    def load(film_fps: Fraction | None = None) -> Track:
        return load_track(sub_path, film_fps=film_fps, **options)

    if film_rate is None or options.get("fps") is not None:
        return load()
    if format_ is not None and not get_format(format_).frame_based:
        return load()
    try:
        track = load()
    except FrameRateRequired:
        return load(film_rate.rate())
    if get_format(track.source_format or "srt").frame_based:
        # the file declared its own rate; load again so a mismatch with the film is reported
        return load(film_rate.rate())
    return track


def ingest_many(
    sub_paths: Sequence[str | Path], *, film: Path | None = None, **options: Unpack[LoadOptions]
) -> list[Track]:
    """Load several subtitle files of one film, probing the film at most once."""
    film_rate = _film_rate(film)
    return [ingest(p, film=film_rate, **options) for p in sub_paths]


def ingest_each(
    sub_paths: Sequence[str | Path], *, film: Path | None = None, **options: Unpack[LoadOptions]
) -> list[Track | InputError]:
    """Like ``ingest_many`` but one unreadable file does not stop the others: its error
    takes its place in the result, for reports that cover every file."""
    film_rate = _film_rate(film)
    results: list[Track | InputError] = []
    for path in sub_paths:
        try:
            results.append(ingest(path, film=film_rate, **options))
        except InputError as exc:
            results.append(exc)
    return results
