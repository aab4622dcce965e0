"""Speech signals on a 10 ms grid: the one currency between ``media`` and the maths.

A ``SpeechSignal`` is what the aligner matches subtitle cues against. It comes either from
the film (the voice-activity detector's mask plus a frame energy in dB, so that speech
onsets can be placed between two 10 ms frames) or from a reference subtitle file (its cue
intervals, whose onsets are the cue starts themselves, exact to the millisecond).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: The grid of every activity array, in milliseconds (100 frames per second).
FRAME_MS = 10

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class SpeechSignal:
    """Where speech is, on the 10 ms grid, for one film (or one reference track).

    Attributes:
        speech: one bool per 10 ms frame; frame ``i`` covers ``[10 i, 10 i + 10)`` ms.
        onsets_ms: speech onset times in ms (float, sorted). For a film these are placed
            between frames from the energy envelope; for a reference track they are the
            cue starts.
        duration_ms: length of the film (or reference) in ms.
        source: ``"audio"`` or ``"reference"``: the onset refinement and the in-sync rule
            differ (a reference's cue starts carry the translator's lead-in convention too).
    """

    speech: BoolArray
    onsets_ms: FloatArray
    duration_ms: int
    source: str = "audio"

    @property
    def speech_ms(self) -> int:
        return int(np.count_nonzero(self.speech)) * FRAME_MS

    @property
    def speech_fraction(self) -> float:
        return float(np.count_nonzero(self.speech)) / max(1, self.speech.size)


def frames_for(duration_ms: int) -> int:
    """Number of 10 ms frames needed to cover ``duration_ms``."""
    return max(0, -(-int(duration_ms) // FRAME_MS))


def interval_activity(starts_ms: FloatArray, ends_ms: FloatArray, n_frames: int) -> FloatArray:
    """Fraction of each 10 ms frame covered by the union of the intervals (float64 in [0, 1]).

    Partial coverage of the first and last frame is kept, so an offset of 3 ms changes the
    array: this is what lets the scale search compare candidates without rounding noise.
    Intervals outside ``[0, n_frames * 10)`` are cut.
    """
    out = np.zeros(n_frames + 1, dtype=np.float64)
    if n_frames <= 0 or starts_ms.size == 0:
        return out[:n_frames]
    limit = n_frames * FRAME_MS
    s = np.clip(np.asarray(starts_ms, dtype=np.float64), 0.0, limit)
    e = np.clip(np.asarray(ends_ms, dtype=np.float64), 0.0, limit)
    keep = e > s
    s, e = s[keep], e[keep]
    # Covered time up to each frame edge, from the merged (sorted, disjoint) intervals.
    merged = _union(s, e)
    if not merged:
        return out[:n_frames]
    a = np.array([m[0] for m in merged])
    b = np.array([m[1] for m in merged])
    cum = np.concatenate(([0.0], np.cumsum(b - a)))
    edges = np.arange(n_frames + 1, dtype=np.float64) * FRAME_MS
    k = np.searchsorted(a, edges, side="right")
    last_end = np.where(k > 0, b[np.maximum(k - 1, 0)], 0.0)
    covered = cum[k] - np.clip(last_end - edges, 0.0, None)
    return np.clip(np.diff(covered) / FRAME_MS, 0.0, 1.0)


def _union(starts: FloatArray, ends: FloatArray) -> list[tuple[float, float]]:
    """Merge overlapping intervals (cues that overlap must not count twice)."""
    order = np.argsort(starts, kind="stable")
    merged: list[tuple[float, float]] = []
    for i in order:
        a, b = float(starts[i]), float(ends[i])
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


#: No film goes an hour without a line: a cue after such a gap is a mistyped time (50 hours
#: for 00:50), and the activity arrays must not stretch to reach it.
MAX_SILENT_GAP_MS = 3_600_000
#: How far a transform the aligner may choose can stretch a file: the largest frame-rate
#: change (25 → 23.976 fps, 4.3 %) with room to spare.
MAX_STRETCH = 1.1


def plausible_end(starts_ms: FloatArray, ends_ms: FloatArray) -> int:
    """Where a track's timeline plausibly ends: the latest cue end (cut to the next start
    plus the gap limit) before the first gap of more than ``MAX_SILENT_GAP_MS`` between
    consecutive cue starts. Used for a reference track, which has no film to bound it."""
    if starts_ms.size == 0:
        return 0
    order = np.argsort(starts_ms, kind="stable")
    s = np.asarray(starts_ms, dtype=np.float64)[order]
    e = np.asarray(ends_ms, dtype=np.float64)[order]
    jumps = np.flatnonzero(np.diff(s) > MAX_SILENT_GAP_MS)
    last = int(jumps[0]) if jumps.size else s.size - 1
    limit = float(s[last]) + MAX_SILENT_GAP_MS  # a mistyped end is cut too
    return max(0, int(min(float(e[: last + 1].max()), limit)))


def analysis_window(
    starts_ms: FloatArray, ends_ms: FloatArray, span_ms: int, max_offset_ms: int
) -> tuple[npt.NDArray[np.bool_], FloatArray]:
    """Which cues the aligner looks at, and their ends as it sees them.

    A cue that no allowed transform (an offset up to ``max_offset_ms``, a frame-rate change)
    can bring inside ``[0, span_ms)`` cannot be matched to the film's speech; analysing it
    would only stretch every array to its time (a cue typed at 50 hours: a 50-hour grid).
    Such cues are left out of the analysis (they are still moved with their neighbours, and
    clamped inside the film); ends are cut at the same reach.
    """
    reach = (span_ms + max_offset_ms) * MAX_STRETCH
    keep = (np.asarray(starts_ms) < reach) & (np.asarray(ends_ms) > -max_offset_ms * MAX_STRETCH)
    return keep, np.minimum(np.asarray(ends_ms, dtype=np.float64), reach)


def signal_from_intervals(
    intervals: Sequence[tuple[int, int]], duration_ms: int | None = None
) -> SpeechSignal:
    """A reference signal from a well-timed subtitle track's cue intervals (ms)."""
    if intervals:
        starts = np.array([a for a, _ in intervals], dtype=np.float64)
        ends = np.array([b for _, b in intervals], dtype=np.float64)
    else:
        starts = ends = np.zeros(0, dtype=np.float64)
    end = int(duration_ms) if duration_ms is not None else plausible_end(starts, ends)
    n = frames_for(end)
    speech = interval_activity(starts, ends, n) >= 0.5
    onsets = np.unique(starts[(starts >= 0) & (starts < end)]) if starts.size else starts
    return SpeechSignal(speech=speech, onsets_ms=onsets, duration_ms=end, source="reference")
