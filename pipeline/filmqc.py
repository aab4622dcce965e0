"""The film's shot changes and speech for ``validate --film`` and ``fix --film``, measured
once per film and cached by its content hash.

Both are kept beside each other, as the job runner keeps the film's speech activity:
``<folder>/<film content hash>-a0.npz`` (speech, the format ``pipeline.stages.NpzSpeechCache``
writes, so alignment reuses it and the other way round) and
``<folder>/<film content hash>-shots-v<N>.npz`` (cuts). A job passes its own folder
(``<out>/.subpipe/speech``) and the hash it has; the command line uses
``$SUBPIPE_CACHE_DIR/film`` (default ``$XDG_CACHE_HOME/subpipe/film``, else
``~/.cache/subpipe/film``) and hashes the film once per size, modification time and inode.

A film whose frame rate varies has no frame grid for cuts: the shot checks are skipped with
a warning naming why, and the speech checks still run. A film without audio has no speech to
check against: likewise.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from subtitles.atomic import write_bytes, write_text
from subtitles.errors import FrameRateRequired

if TYPE_CHECKING:
    from media.probe import MediaInfo
    from media.shots import FilmCuts
    from subtitles.align import SpeechSignal

log = logging.getLogger(__name__)

CACHE_ENV = "SUBPIPE_CACHE_DIR"


@dataclass(frozen=True)
class FilmFacts:
    """What the picture and the sound say, for the QC context (``None``: not measured)."""

    cuts: FilmCuts | None
    speech_spans: tuple[tuple[int, int], ...] | None
    notes: tuple[str, ...] = field(default=())
    cached: tuple[str, ...] = field(default=())


def default_cache_dir() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit) / "film"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "subpipe" / "film"


def film_digest(film: Path, folder: Path) -> str:
    """The film's content hash (the job runner's, BLAKE2b-128), remembered in ``folder`` per
    path, size, modification time and inode so an unchanged film is read once."""
    from pipeline.job import file_digest

    st = film.stat()
    key = f"{film.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"
    memo = (
        folder
        / "digests"
        / hashlib.blake2b(key.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    )
    try:
        known = memo.read_text(encoding="ascii").strip()
        if len(known) == 32:
            return known
    except OSError:
        pass
    digest = file_digest(film)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_text(memo, digest + "\n")
    except OSError as exc:  # a read-only cache is slower, not wrong
        log.debug("cannot remember the film's hash in %s: %s", memo, exc)
    return digest


def speech_spans(signal: SpeechSignal) -> tuple[tuple[int, int], ...]:
    """Runs of speech on the detector's 10 ms grid as (start, end) ms pairs."""
    from subtitles.align.signal import FRAME_MS

    mask = np.asarray(signal.speech, dtype=bool)
    if mask.size == 0:
        return ()
    edges = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return tuple((int(a) * FRAME_MS, int(b) * FRAME_MS) for a, b in zip(starts, ends, strict=True))


def _shots_path(folder: Path, digest: str) -> Path:
    from media.shots import VERSION

    return folder / f"{digest}-shots-v{VERSION}.npz"


def _load_cuts(path: Path, fps: Fraction) -> FilmCuts | None:
    from media.shots import FilmCuts

    try:
        with np.load(path, allow_pickle=False) as data:
            rate = Fraction(int(data["fps_num"]), int(data["fps_den"]))
            cuts = FilmCuts(
                rate,
                tuple(int(x) for x in data["frames"].tolist()),
                int(data["frame_count"]),
                str(data["detector"]),
            )
    except (OSError, KeyError, ValueError):
        return None
    return cuts if cuts.fps == fps else None


def _save_cuts(path: Path, cuts: FilmCuts) -> None:
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        frames=np.asarray(cuts.frames, dtype=np.int64),
        frame_count=np.int64(cuts.frame_count),
        fps_num=np.int64(cuts.fps.numerator),
        fps_den=np.int64(cuts.fps.denominator),
        detector=np.str_(cuts.detector),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, buf.getvalue())
    except OSError as exc:
        log.warning("cannot cache the film's cuts in %s: %s", path.parent, exc)


def film_cuts(film: Path, info: MediaInfo, folder: Path, digest: str) -> tuple[FilmCuts, bool]:
    """The film's cuts, from the cache or detected (and cached); whether they were cached.
    ``FrameRateRequired`` for a film without a constant frame rate."""
    from media.shots import detect_cuts, film_rate

    fps = film_rate(info)
    path = _shots_path(folder, digest)
    cached = _load_cuts(path, fps)
    if cached is not None:
        return cached, True
    cuts = detect_cuts(film, info)
    _save_cuts(path, cuts)
    return cuts, False


def film_facts(
    film: Path,
    info: MediaInfo,
    *,
    folder: Path | None = None,
    digest: str | None = None,
    shots: bool = True,
    speech: bool = True,
) -> FilmFacts:
    """Cuts and speech of ``film`` (each from the cache when there), for the QC context."""
    from pipeline.align import film_speech
    from pipeline.stages import NpzSpeechCache

    folder = folder or default_cache_dir()
    digest = digest or film_digest(film, folder)
    notes: list[str] = []
    cached: list[str] = []
    cuts = None
    if shots:
        try:
            cuts, hit = film_cuts(film, info, folder, digest)
            if hit:
                cached.append("cuts")
        except FrameRateRequired as exc:
            notes.append(f"{film}: shot changes not checked: {exc.message}")
    spans = None
    if speech:
        if not info.audio:
            notes.append(f"{film}: no audio stream: speech checks skipped")
        else:
            cache: NpzSpeechCache | None = NpzSpeechCache(folder, digest)
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a read-only cache is slower, not wrong
                log.warning("cannot cache the film's speech in %s: %s", folder, exc)
                cache = None
            signal, _summary = film_speech(film, info, language=None, cache=cache)
            if cache is not None and cache.hits:
                cached.append("speech")
            spans = speech_spans(signal)
    for note in notes:
        log.warning("%s", note)
    return FilmFacts(cuts, spans, tuple(notes), tuple(cached))
