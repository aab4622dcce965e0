"""The data behind a report's alignment picture, saved by the align stage as an artifact.

``aligned/<tag>.alignment.json`` holds what the film sounded like and where the cues sat
before and after: the speech activity as intervals (run lengths of the 10 ms frames, so
exactly the activity the aligner used, and small: a two-hour film is a few thousand
intervals, not 720,000 booleans), the speech onsets, every cue's interval before and after,
the transform (segments, splits, frame-rate change), the confidence and why a file was
refused. A report is drawn from it alone: no film, no decode.

Plain JSON, not ``.npz``: the report reads it without numpy, a person can open it, and it
diffs well between runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from subtitles.atomic import write_text

SCHEMA = "subpipe-alignment"
SCHEMA_VERSION = 1
SUFFIX = ".alignment.json"


def shown_text(cue: Any) -> str:
    """A cue's text as the translator wrote it (``<i>`` and all, for a person to judge),
    else its plain text; pages escape it."""
    markup = cue.source_markup()
    return str(markup.raw) if markup is not None else str(cue.plaintext)


def speech_intervals(speech: npt.NDArray[np.bool_], frame_ms: int = 10) -> list[list[int]]:
    """``[start_ms, end_ms)`` of every run of speech frames (frame ``i`` is
    ``[frame_ms*i, frame_ms*(i+1))``)."""
    flags = np.asarray(speech, dtype=bool)
    if flags.size == 0:
        return []
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    starts, ends = edges[0::2], edges[1::2]
    return [[int(a) * frame_ms, int(b) * frame_ms] for a, b in zip(starts, ends, strict=True)]


def alignment_record(
    *,
    language: str,
    result_json: Mapping[str, Any],
    speech: npt.NDArray[np.bool_] | None,
    onsets_ms: Sequence[float],
    duration_ms: int,
    source: str,
    before: Sequence[tuple[int, int]],
    after: Sequence[tuple[int, int]],
    texts: Sequence[str] = (),
) -> dict[str, Any]:
    """The artifact's content: ``result_json`` is ``FileResult.to_json()`` (status,
    confidence, transform, splits ...); the rest is what the picture draws."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "language": language,
        "signal_source": source,  # "audio" (the film's speech) or "reference" (another file's cues)
        "duration_ms": int(duration_ms),
        "frame_ms": 10,
        "speech": speech_intervals(speech) if speech is not None else [],
        "onsets_ms": [round(float(x), 1) for x in onsets_ms],
        "cues_before": [[int(a), int(b)] for a, b in before],
        "cues_after": [[int(a), int(b)] for a, b in after],
        "texts": list(texts),
        **{k: v for k, v in result_json.items() if k not in ("input", "output")},
        "input": Path(str(result_json.get("input"))).name if result_json.get("input") else None,
        "output": Path(str(result_json.get("output"))).name if result_json.get("output") else None,
    }


def save_alignment(path: Path, run: Any, index: int, language: str) -> Path:
    """Write the artifact for ``run.files[index]`` (an ``AlignRun`` from
    ``pipeline.align.align_files``) atomically; returns ``path``."""
    result = run.files[index]
    signal = run.signal
    track = run.tracks[index] if index < len(run.tracks) else None
    before = [(c.start, c.end) for c in track.cues] if track is not None else []
    after_cues = result.applied.track.cues
    after = [(c.start, c.end) for c in after_cues]
    texts = [shown_text(c) for c in after_cues]
    record = alignment_record(
        language=language,
        result_json=result.to_json(),
        speech=signal.speech if signal is not None else None,
        onsets_ms=signal.onsets_ms.tolist() if signal is not None else [],
        duration_ms=signal.duration_ms if signal is not None else 0,
        source=signal.source if signal is not None else "none",
        before=before,
        after=after,
        texts=texts,
    )
    write_text(path, json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path


def load_alignment(path: Path) -> dict[str, Any] | None:
    """The artifact, or ``None`` when absent, unreadable or of another schema."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    return data
