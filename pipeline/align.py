"""Aligning subtitle files to a film: load, listen once, align each file, write atomically.

The library entry point behind ``subpipe align`` (usable without click):
``align_files(subs, film=..., reference=..., ...)`` returns an ``AlignRun`` whose ``files``
say, per input, what was found, what was written, and why a file was refused.

Decisions worth knowing:

* The film is probed once and its audio decoded once, however many subtitle files share
  it; the speech signal is kept, the PCM is not.
* Subtitle time 0 is the film's presentation start (players subtract the container's
  start time before showing subtitles), so speech times are measured from there.
* Reference mode (``reference=``) uses a well-timed subtitle file's cue intervals instead
  of the film's speech: same maths, exact onsets. A film, if also given, still supplies its
  duration (for clamping) and frame rate (for frame-based inputs).
* Default output: ``<stem>.aligned<ext>`` in the current directory, never beside the
  input (upload folders may be read-only) and never over an input. MicroDVD and MPL2 are
  written as SRT (their frame or decisecond grid would round the new timing away).
* A file already in sync is still written (timing untouched, UTF-8), so an output
  folder always holds every accepted file.
* A refused file is not written unless ``force``; it still counts as refused (exit 3).
* Lead-in (``lead_in_ms``, ``--lead-in``): by default a moved file keeps its own lead-ins when
  they spread cue by cue as a professional subtitler's do, and otherwise its starts go onto
  the speech onsets; a number puts starts that many ms before the onsets instead. Files in
  sync are left alone either way (see ``subtitles.align.refine.lead_in_profile``).
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from subtitles.align import (
    DEFAULT_THRESHOLD,
    Alignment,
    AlignOptions,
    AppliedTiming,
    SpeechSignal,
    align,
    apply_transform,
    signal_from_intervals,
)
from subtitles.align.confidence import REASON_NO_SPEECH
from subtitles.align.signal import analysis_window
from subtitles.atomic import refuse_overwrite_of_inputs
from subtitles.errors import FrameRateRequired, UsageError
from subtitles.formats import default_extension, get_format, output_format
from subtitles.language import Language
from subtitles.model import Track

if TYPE_CHECKING:
    from media.probe import MediaInfo

log = logging.getLogger(__name__)

#: Why a reference track is refused when its cues cover too little time to align to.
REASON_THIN_REFERENCE = "the reference has too little timed text to align to"

#: Formats written as SRT instead of their own (frame- or decisecond-based timing).
_WRITE_AS_SRT = {"microdvd", "mpl2", "tmp"}


class Status(enum.StrEnum):
    ALIGNED = "aligned"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class AudioSummary:
    decode_ms: int
    speech_ms: int
    duration_ms: int
    stream: str

    def to_json(self) -> dict[str, int]:
        return {"decode_ms": self.decode_ms, "speech_ms": self.speech_ms, "duration_ms": self.duration_ms}


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one subtitle file."""

    input: Path
    output: Path | None
    status: Status
    alignment: Alignment
    applied: AppliedTiming
    #: Cues no allowed transform could bring inside the film (a mistyped hour): left out of
    #: the analysis, moved with their neighbours and clamped (counted in ``cues_clamped``).
    outside: int = 0

    def to_json(self) -> dict[str, Any]:
        tr = self.alignment.transform
        first = tr.segments[0]
        return {
            "input": str(self.input),
            "output": str(self.output) if self.output is not None else None,
            "status": str(self.status),
            "confidence": round(self.alignment.confidence, 4),
            "threshold": self.alignment.threshold,
            "reason": self.alignment.reason,
            "offset_ms": round(first.offset_ms),
            "scale": first.scale,
            "fps_change": [_fps_text(f) for f in tr.fps_change] if tr.fps_change else None,
            "splits": [{"at_ms": at, "offset_ms": off} for at, off in tr.splits],
            "segments": [
                {
                    "start_ms": s.start_ms,
                    "end_ms": s.end_ms,
                    "offset_ms": round(s.offset_ms),
                    "scale": s.scale,
                }
                for s in tr.segments
            ],
            "cues": self.applied.cues,
            "cues_moved": self.applied.moved,
            "cues_clamped": self.applied.clamped,
            "cues_outside_film": self.outside,
            "agreement_before": round(self.alignment.agreement_before, 4),
            "agreement_after": round(self.alignment.agreement_after, 4),
            "lead_in": _lead_in_json(self.alignment),
        }


@dataclass(frozen=True, slots=True)
class AlignRun:
    film: Path | None
    reference: Path | None
    audio: AudioSummary | None
    files: list[FileResult]
    #: What the files were aligned to (the film's speech activity, or the reference's cues)
    #: and the inputs as loaded (cue times before alignment): the job's align stage saves
    #: them beside its output so a report can draw before/after without the film.
    signal: SpeechSignal | None = None
    tracks: tuple[Track, ...] = ()

    @property
    def refused(self) -> list[FileResult]:
        return [f for f in self.files if f.status is Status.REFUSED]

    def to_json(self) -> dict[str, Any]:
        return {
            "film": str(self.film) if self.film is not None else None,
            "reference": str(self.reference) if self.reference is not None else None,
            "audio": self.audio.to_json() if self.audio is not None else None,
            "files": [f.to_json() for f in self.files],
        }


def _lead_in_json(alignment: Alignment) -> dict[str, Any] | None:
    """``setting``: "auto" or the fixed ms; ``placed``: how starts were placed (own, onsets,
    fixed, reference, unchanged); ``median_ms``: the result's median lead before the onsets."""
    lead = alignment.lead_in
    if lead is None:
        return None
    setting: str | float = "auto" if lead.setting_ms is None else lead.setting_ms
    return {"setting": setting, "placed": lead.placed, "median_ms": lead.median_ms}


def _fps_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def output_path(sub: Path, track: Track, *, output: Path | None, out_dir: Path | None) -> Path:
    """Where the aligned copy of ``sub`` goes (see the module notes)."""
    fmt = _default_format(track)
    suffix = sub.suffix if _names(sub, fmt) else default_extension(fmt)
    if output is not None:
        return output
    if out_dir is not None:
        return out_dir / (sub.stem + suffix if suffix != sub.suffix else sub.name)
    return Path.cwd() / f"{sub.stem}.aligned{suffix}"


def _default_format(track: Track) -> str:
    fmt = track.source_format or "srt"
    return "srt" if fmt in _WRITE_AS_SRT else fmt


def _names(path: Path, fmt: str) -> bool:
    try:
        return output_format(path, fmt) == fmt
    except UsageError:
        return False


def write_format(out: Path, track: Track) -> str:
    """The format an aligned copy is written in: the one its name says (``-o out.vtt`` is
    WebVTT whatever the source), ``.txt`` keeping a ``.txt`` source's format."""
    return output_format(out, track.source_format or _default_format(track))


class SpeechCache(Protocol):
    """Where a caller keeps films' speech signals (the job runner: ``.npz`` by the film's
    content hash), so a film is decoded once however often its subtitles are re-aligned.
    ``stream_key`` names the audio stream chosen (``a0``, ``a1c`` for a centre channel)."""

    def load(self, stream_key: str) -> SpeechSignal | None: ...

    def save(self, stream_key: str, signal: SpeechSignal) -> None: ...


def film_speech(
    film: Path, info: MediaInfo | None, *, language: Language | None, cache: SpeechCache | None = None
) -> tuple[SpeechSignal, AudioSummary]:
    """Decode the film's chosen audio stream once and detect speech in it (or take it from ``cache``)."""
    from media.audio import choose_audio
    from media.vad import detect_film_speech

    choice = choose_audio(info, language)
    stream_key = f"a{choice.ordinal}{'c' if choice.centre_channel else ''}"
    started = time.monotonic()
    cached = cache.load(stream_key) if cache is not None else None
    if cached is not None:
        log.info("speech of %s of %s from the cache", choice.label, film)
        signal = cached
    else:
        log.info("listening to %s of %s", choice.label, film)
        duration_s = ((info.duration_ms if info else None) or 4 * 3600_000) / 1000
        known_ms = info.duration_ms if info is not None else None
        signal = detect_film_speech(film, choice, duration_ms=known_ms, timeout_s=300 + duration_s)
        if info is not None:  # a cut-off film is named as such, not reported as "no speech"
            from media.probe import check_complete

            check_complete(info, signal.duration_ms)
        if cache is not None:
            cache.save(stream_key, signal)
    decode_ms = round((time.monotonic() - started) * 1000)
    duration = info.duration_ms if info is not None and info.duration_ms else signal.duration_ms
    return signal, AudioSummary(decode_ms, signal.speech_ms, duration, choice.label)


def _intervals(track: Track) -> tuple[np.ndarray, np.ndarray]:
    cues = track.cues
    starts = np.array([c.start for c in cues], dtype=np.float64)
    ends = np.array([c.end for c in cues], dtype=np.float64)
    return starts, ends


def align_files(
    subs: Sequence[Path],
    *,
    film: Path | None = None,
    reference: Path | None = None,
    output: Path | None = None,
    out_dir: Path | None = None,
    max_offset_ms: int = 120_000,
    splits: bool = True,
    min_confidence: float = DEFAULT_THRESHOLD,
    force: bool = False,
    language: Language | None = None,
    fps: Fraction | None = None,
    speech_cache: SpeechCache | None = None,
    lead_in_ms: float | None = None,
) -> AlignRun:
    """Align every file in ``subs`` to ``film`` (its speech) or to ``reference``."""
    from subtitles.load import load_track, save_track

    subs = [Path(s) for s in subs]
    if not subs:
        raise UsageError("give at least one subtitle file to align")
    if film is None and reference is None:
        raise UsageError(
            "give the film to align to (--film FILM) or a reference subtitle file (--reference REF)"
        )
    if output is not None and out_dir is not None:
        raise UsageError("give either -o OUT or --out-dir DIR, not both")
    if output is not None and len(subs) != 1:
        raise UsageError(f"-o takes exactly one subtitle file, not {len(subs)}: use --out-dir DIR")
    if not 0.0 <= min_confidence <= 1.0:
        raise UsageError(f"--min-confidence must be between 0 and 1, not {min_confidence}")
    if max_offset_ms <= 0:
        raise UsageError("--max-offset must be positive")
    if lead_in_ms is not None and reference is not None:
        raise UsageError("--lead-in applies to alignment on the film's speech, not to --reference")
    if lead_in_ms is not None and not 0 <= lead_in_ms <= 1000:
        raise UsageError(f"--lead-in must be between 0 and 1000 ms, not {lead_in_ms:g}")

    # Every input is checked before any work starts.
    inputs = [*subs, *([reference] if reference else []), *([film] if film else [])]
    info: MediaInfo | None = None
    if film is not None:
        from media.probe import probe

        info = probe(film)
    # A variable-rate film has no rate that turns frame numbers into its times.
    film_fps = info.frame_rate if info is not None and not info.variable_frame_rate else None
    try:
        tracks = [load_track(s, fps=fps, film_fps=film_fps) for s in subs]
    except FrameRateRequired:
        if info is not None and info.variable_frame_rate:
            info.exact_frame_rate()  # raises with the film's own reason
        raise
    outputs = [output_path(s, t, output=output, out_dir=out_dir) for s, t in zip(subs, tracks, strict=True)]
    for out in outputs:
        refuse_overwrite_of_inputs(out, inputs)
    formats = [write_format(out, t) for out, t in zip(outputs, tracks, strict=True)]
    out_rate = fps or film_fps
    for out, fmt, t in zip(outputs, formats, tracks, strict=True):
        if get_format(fmt).frame_based and (out_rate or t.frame_rate) is None:
            raise UsageError("writing MicroDVD counts frames: give --fps or --film", path=out)
    if len(set(o.resolve() for o in outputs)) != len(outputs):
        raise UsageError("two inputs would be written to the same output name: use separate --out-dir runs")

    audio: AudioSummary | None = None
    duration_ms: int | None = info.duration_ms if info is not None else None
    if reference is not None:
        ref_track = load_track(reference, fps=fps, film_fps=film_fps)
        intervals = [(c.start, c.end) for c in ref_track.cues]
        # the film bounds the reference; without one, the reference's plausible span does
        signal = signal_from_intervals(intervals, duration_ms or None)
    else:
        assert film is not None
        if language is None:
            langs = {t.language for t in tracks}
            language = next(iter(langs)) if len(langs) == 1 else None
        signal, audio = film_speech(film, info, language=language, cache=speech_cache)
        duration_ms = audio.duration_ms

    options = AlignOptions(
        max_offset_ms=max_offset_ms, splits=splits, threshold=min_confidence, lead_in_ms=lead_in_ms
    )
    results: list[FileResult] = []
    for sub, track, out, fmt in zip(subs, tracks, outputs, formats, strict=True):
        starts, ends = _intervals(track)
        keep, seen_ends = analysis_window(starts, ends, signal.duration_ms, max_offset_ms)
        result = align(starts[keep], seen_ends[keep], signal, options)
        if reference is not None and result.reason == REASON_NO_SPEECH:  # the engine's words are the film's
            result = dataclasses.replace(result, reason=REASON_THIN_REFERENCE)
        outside = int(keep.size - np.count_nonzero(keep))
        if outside:
            far = [c.source_line for c, k in zip(track.cues, keep.tolist(), strict=True) if not k]
            where = ", ".join(str(ln) for ln in far[:5] if ln is not None)
            log.warning(
                "%s: %d cue(s) lie outside the film (%s ms long)%s: left out of the analysis, "
                "moved with their neighbours and clamped inside",
                sub, outside, f"{signal.duration_ms:,}", f" (source lines {where})" if where else "",
            )  # fmt: skip
        applied = apply_transform(track, result.transform, duration_ms=duration_ms)
        if not result.accepted:
            status = Status.REFUSED
        elif result.unchanged:
            status = Status.UNCHANGED
        else:
            status = Status.ALIGNED
        written: Path | None = None
        if status is not Status.REFUSED or force:
            save_track(applied.track, out, format_=fmt, rate=out_rate)
            written = out
        if applied.clamped and written is not None:
            lines = ", ".join(str(ln) for ln in applied.clamped_lines[:5] if ln is not None)
            log.warning(
                "%s: %d cue(s) moved outside the film were clamped inside it%s",
                sub, applied.clamped, f" (source lines {lines})" if lines else "",
            )  # fmt: skip
        results.append(FileResult(sub, written, status, result, applied, outside))
    return AlignRun(film, reference, audio, results, signal=signal, tracks=tuple(tracks))
