"""Loading any real subtitle file into a ``Track``, and writing tracks back out.

The steps, each in its own module: bytes to text (``subtitles.encoding``, with the
declared language as a prior), text to a format (``subtitles.formats`` sniffing), text to
cues with source lines and parse problems (the format's tolerant parser), and the
language (explicit, else the file name, else detected from the text). A malformed file
still loads; what was wrong is on ``Track.problems`` with line numbers. Only bytes that
are not text, or text with no recognisable cue at all, raise.

The source file is only ever read.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path, PurePath

from subtitles.atomic import refuse_overwrite_of_inputs, write_text
from subtitles.encoding import decode_bytes
from subtitles.errors import FormatError, InputError, SubpipeError, UsageError
from subtitles.formats import get_format, output_format, sniff_format
from subtitles.formats.base import latest_time
from subtitles.langdetect import LanguageGuess, detect_language
from subtitles.language import Language, language_from_filename
from subtitles.model import Cue, LanguageSource, Track
from subtitles.timing import MAX_TIME_MS, format_ms

log = logging.getLogger(__name__)

#: Subtitle files are text of a few hundred kilobytes; anything far larger is a mistake
#: (a video passed as a subtitle) and is refused before it is read into memory.
MAX_BYTES = 32 * 1024 * 1024

#: A detected language is used only when the detector is at least this sure.
MIN_DETECTION_CONFIDENCE = 0.5


def load_track(
    path: str | Path,
    *,
    language: Language | None = None,
    fps: Fraction | None = None,
    film_fps: Fraction | None = None,
    format_: str | None = None,
    encoding: str | None = None,
) -> Track:
    """Load a subtitle file.

    ``language`` overrides the file name and detection; ``fps`` overrides a frame rate
    declared in a MicroDVD file, ``film_fps`` is used when the file declares none;
    ``format_`` and ``encoding`` override sniffing. Raises ``InputError`` (or a subclass:
    ``EncodingError``, ``FormatError``, ``FrameRateRequired``) naming the file.
    """
    path = Path(path)
    if not path.exists():
        # a link that exists but leads nowhere: a loop, or a target that is gone
        broken = "a symlink that leads nowhere (a loop, or a missing target)"
        raise InputError(broken if path.is_symlink() else "no such file", path=path)
    if path.is_dir():
        raise InputError("is a folder, not a subtitle file", path=path)
    if not path.is_file():  # a FIFO or device would block or never end
        raise InputError("not a regular file", path=path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FormatError(f"too large for a subtitle file ({size // (1024 * 1024)} MiB)", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from None
    return load_bytes(
        data,
        name=str(path),
        language=language,
        fps=fps,
        film_fps=film_fps,
        format_=format_,
        encoding=encoding,
        source=path,
    )


def load_bytes(
    data: bytes,
    *,
    name: str,
    language: Language | None = None,
    fps: Fraction | None = None,
    film_fps: Fraction | None = None,
    format_: str | None = None,
    encoding: str | None = None,
    source: Path | None = None,
    language_guess: LanguageGuess | None = None,
) -> Track:
    """Load subtitle bytes that came from ``name`` (a path or an upload's file name).

    ``language_guess``: what detection would say of this text, known already (``subpipe
    fix`` reading back its own output, whose letters are the source's): not detected again."""
    declared, language_source = _declared_language(language, name)
    text, guess = decode_bytes(data, language=declared, encoding=encoding, path=name)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise FormatError("file is empty", path=name)
    try:
        fmt = get_format(format_) if format_ else sniff_format(text, name)
        outcome = fmt.parse(text, fps=fps, fallback_fps=film_fps)
    except SubpipeError as exc:
        exc.path = exc.path or Path(name)
        raise
    if not outcome.cues:
        first_error = next((p for p in outcome.problems if p.severity == "error"), None)
        detail = f" ({first_error.message})" if first_error else ""
        raise FormatError(
            f"no readable {fmt.id} cues{detail}", path=name, line=first_error.line if first_error else None
        )
    track = Track(
        source=source,
        source_format=fmt.id,
        encoding=guess,
        frame_rate=outcome.frame_rate,
        source_text=text,
        problems=sorted(outcome.problems, key=lambda p: (p.line is None, p.line or 0)),
    )
    if outcome.header is not None:
        track.info = outcome.header.info
        track.styles = outcome.header.styles
        track.aegisub_project = outcome.header.aegisub_project
        track.fonts_opaque = outcome.header.fonts_opaque
        track.graphics_opaque = outcome.header.graphics_opaque
    track.vtt_header = outcome.vtt_header
    track.vtt_blocks = outcome.vtt_blocks
    track.source_canonical = outcome.canonical
    _refuse_absurd_times(outcome.cues, name)
    track.events = list(outcome.cues)
    track.format = fmt.id
    track.fps = float(outcome.frame_rate) if outcome.frame_rate is not None else None
    track.language_guess = language_guess or detect_language(_language_sample(track.cues))
    track.language, track.language_source = _final_language(declared, language_source, track.language_guess)
    log.debug("loaded %s: %s, %s, %d cues", name, fmt.id, guess.encoding, len(track.events))
    return track


#: Language detection reads at most about this many characters of a file: its evidence is
#: capped at a few hundred letters anyway, and counting all 10 million characters of a
#: 200,000-cue file would take most of a second for the same answer.
LANGUAGE_SAMPLE_CHARS = 500_000


def _language_sample(cues: list[Cue]) -> str:
    """The cues' text for language detection: all of it, or for a very long file evenly
    spaced cues (every k-th) adding up to about ``LANGUAGE_SAMPLE_CHARS``."""
    total = sum(len(c.text) for c in cues)
    stride = max(1, -(-total // LANGUAGE_SAMPLE_CHARS))
    return "\n".join(c.text for c in cues[::stride])


def _refuse_absurd_times(cues: list[Cue], name: str) -> None:
    """``InputError`` at the first cue timed past ``MAX_TIME_MS`` (either sign): no film is
    that long, and such a time would overflow the arrays every check and the aligner use."""
    if not cues:
        return
    if latest_time(cues) <= MAX_TIME_MS:
        return
    cue = next(c for c in cues if max(abs(c.start), abs(c.end)) > MAX_TIME_MS)
    worst = cue.start if abs(cue.start) > MAX_TIME_MS else cue.end
    raise InputError(
        f"time {format_ms(worst)} is past {MAX_TIME_MS // 3_600_000:,} hours: no film is that long "
        "(a typo in the hours?)",
        path=name,
        line=cue.source_line,
    )


def _declared_language(language: Language | None, name: str) -> tuple[Language | None, LanguageSource]:
    if language is not None:
        return language, "explicit"
    from_name = language_from_filename(PurePath(name).name)
    if from_name is not None:
        return from_name, "filename"
    return None, "unknown"


def _final_language(
    declared: Language | None, source: LanguageSource, guess: LanguageGuess
) -> tuple[Language | None, LanguageSource]:
    if declared is not None:
        return declared, source
    if guess.language is not None and guess.confidence >= MIN_DETECTION_CONFIDENCE:
        return guess.language, "detected"
    return None, "unknown"


def dump_track(track: Track, format_: str | None = None, *, rate: Fraction | None = None) -> str:
    """Serialise a track as text (``srt`` unless told, or the track's own format) with the
    format plug-in's writer; ``rate`` (else the track's) counts MicroDVD frames."""
    target = get_format(format_ or track.source_format or "srt")
    if target.frame_based and (rate or track.frame_rate) is None:
        raise UsageError(f"writing {target.__name__} needs a frame rate (the track has none)")
    return target.write(track, rate=rate)


def save_track(
    track: Track, path: str | Path, format_: str | None = None, *, rate: Fraction | None = None
) -> None:
    """Write a track as UTF-8, atomically; never over its own source file.

    The format comes from ``format_``, else the extension (``subtitles.formats.output_format``:
    ``.txt`` keeps the source's format when it is a ``.txt`` format, and is refused otherwise).
    """
    path = Path(path)
    format_ = format_ or output_format(path, track.source_format)
    text = dump_track(track, format_, rate=rate)
    refuse_overwrite_of_inputs(path, [track.source] if track.source is not None else [])
    write_text(path, text)
