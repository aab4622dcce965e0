"""What subpipe makes of a subtitle file: the record ``subpipe inspect`` prints.

Kept out of the CLI so that batch jobs and reports can use the same record (its keys are
documented in ``subpipe inspect --help``).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from subtitles.errors import SubpipeError
from subtitles.formats.microdvd import declared_rate
from subtitles.model import Track
from subtitles.timing import format_ms, fps_ratio


def frame_rate_source(track: Track, fps: Fraction | None) -> str | None:
    """``explicit``, ``declared`` (in the file) or ``film`` for frame-based tracks, else ``None``."""
    if track.frame_rate is None:
        return None
    if fps is not None:
        return "explicit"
    if declared_rate(track.source_text) == track.frame_rate:
        return "declared"
    return "film"


def describe(track: Track, *, fps: Fraction | None = None) -> dict[str, Any]:
    """The ``--json`` object for one loaded track (schema in the command's help)."""
    span = track.span()
    guess = track.language_guess
    enc = track.encoding
    return {
        "path": track.name,
        "ok": True,
        "format": track.source_format,
        "encoding": None
        if enc is None
        else {
            "name": enc.encoding,
            "confidence": round(enc.confidence, 4),
            "bom": enc.bom,
            "alternatives": list(enc.alternatives),
        },
        "language": track.language.bcp47 if track.language else None,
        "language_name": track.language.english_name if track.language else None,
        "language_source": track.language_source,
        "detected_language": guess.tag if guess else None,
        "detected_confidence": round(guess.confidence, 4) if guess else 0.0,
        "cues": len(track.cues),
        "first_start_ms": span[0] if span else None,
        "last_end_ms": span[1] if span else None,
        "first_start": format_ms(span[0]) if span else None,
        "last_end": format_ms(span[1]) if span else None,
        "frame_rate": fps_ratio(track.frame_rate) if track.frame_rate else None,
        "frame_rate_source": frame_rate_source(track, fps),
        "problems": [
            {"line": p.line, "severity": p.severity, "code": p.code, "message": p.message}
            for p in track.problems
        ],
        "error": None,
    }


def describe_error(path: str | Path, error: SubpipeError) -> dict[str, Any]:
    return {
        "path": str(path),
        "ok": False,
        "error": {"type": type(error).__name__, "message": error.message, "line": error.line},
    }
