"""Splits: material cut out of, or inserted into, the film after the subtitles were timed.

The subtitle axis is cut into windows of about 15 s (boundaries in gaps between cues);
each window gets a score curve over every lag. A Viterbi pass then picks one lag per window,
paying ``penalty`` each time the lag changes: the total is the best piecewise-constant
offset. With the penalty above what noise can gain, a file without splits keeps one
segment (the DP solution then *is* the global correlation peak, since window curves of a
partition add up to the whole curve).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from subtitles.align.correlate import Channels, correlate_windows
from subtitles.align.signal import FRAME_MS, FloatArray
from subtitles.align.transform import Segment, TimingTransform

#: Split penalty as a share of the global peak score, and its floor (score units ~ frames).
SPLIT_PENALTY_SHARE = 0.03
SPLIT_PENALTY_MIN = 150.0
#: A segment needs this many cues and windows, or the penalty is raised until it has them.
SEGMENT_MIN_CUES = 6
SEGMENT_MIN_WINDOWS = 2
#: Offsets of neighbouring segments must differ by this many frames: a smaller step is
#: drift the scale did not catch, not material cut or inserted.
SPLIT_MIN_JUMP = 40
#: Target window length on the subtitle axis, in 10 ms frames.
WINDOW_FRAMES = 1500
#: How far a window boundary may move to land in a gap between cues (frames).
SNAP_FRAMES = 500


def window_bounds(sub: FloatArray, width: int = WINDOW_FRAMES) -> list[tuple[int, int]]:
    """Partition ``[0, len(sub))`` into windows of about ``width`` frames, cut where the
    subtitles are silent when possible."""
    n = sub.size
    cuts = [0]
    target = width
    while target < n - width // 2:
        lo, hi = max(cuts[-1] + width // 3, target - SNAP_FRAMES), min(n - 1, target + SNAP_FRAMES)
        silent = np.flatnonzero(sub[lo:hi] == 0) + lo
        cut = int(silent[np.argmin(np.abs(silent - target))]) if silent.size else target
        cuts.append(cut)
        target = cut + width
    cuts.append(n)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


@dataclass(frozen=True, slots=True)
class WindowPath:
    """The DP result: the chosen lag (frames) per window; per window its best lag within
    ``±radius`` of ``center`` (for the drift fit) and how far that peak stands out."""

    lags: list[int]
    best_lags: list[int]
    prominence: list[float]


def piecewise_lags(
    sub: Channels,
    ref: Channels,
    bounds: list[tuple[int, int]],
    max_lag: int,
    penalty: float,
    outside: float = 0.0,
    center: int = 0,
    radius: int = 500,
) -> WindowPath:
    """Viterbi over windows: one lag each, ``penalty`` per change. Memory is one bool per
    (window, lag) for the back-pointers; the score curves are streamed in batches."""
    lags_n = 2 * max_lag + 1
    switched = np.zeros((len(bounds), lags_n), dtype=bool)
    prev_best: list[int] = []
    best_lags: list[int] = []
    prominence: list[float] = []
    lo = max(0, center + max_lag - radius)
    hi = min(lags_n, center + max_lag + radius + 1)
    total = np.zeros(lags_n)
    batch = 32
    for first in range(0, len(bounds), batch):
        curves = correlate_windows(sub, ref, bounds[first : first + batch], max_lag, outside)
        for j, curve in enumerate(curves):
            w = first + j
            near = curve[lo:hi]
            i = int(np.argmax(near)) if near.size else 0
            best_lags.append(lo + i - max_lag)
            prominence.append(float(near[i] - np.median(curve)) if near.size else 0.0)
            if w == 0:
                total = curve.copy()
                prev_best.append(0)
                continue
            k = int(np.argmax(total))
            jump = total[k] - penalty
            sw = jump > total
            switched[w] = sw
            prev_best.append(k)
            total = np.where(sw, jump, total) + curve
    lag = int(np.argmax(total))
    path = [0] * len(bounds)
    for w in range(len(bounds) - 1, -1, -1):
        path[w] = lag - max_lag
        if w > 0 and switched[w, lag]:
            lag = prev_best[w]
    return WindowPath(path, best_lags, prominence)


def runs_of(lags: list[int]) -> list[tuple[int, int, int]]:
    """``(first window, end window, lag)`` runs of equal lag."""
    out: list[tuple[int, int, int]] = []
    for w, lag in enumerate(lags):
        if out and out[-1][2] == lag:
            out[-1] = (out[-1][0], w + 1, lag)
        else:
            out.append((w, w + 1, lag))
    return out


def runs_ok(
    runs: list[tuple[int, int, int]], bounds: list[tuple[int, int]], scaled_starts: FloatArray
) -> bool:
    if len(runs) == 1:
        return True
    for first, end, _ in runs:
        a, b = bounds[first][0] * FRAME_MS, bounds[end - 1][1] * FRAME_MS
        cues = int(np.count_nonzero((scaled_starts >= a) & (scaled_starts < b)))
        if end - first < SEGMENT_MIN_WINDOWS or cues < SEGMENT_MIN_CUES:
            return False
    return all(abs(a[2] - b[2]) >= SPLIT_MIN_JUMP for a, b in itertools.pairwise(runs))


def _cue_scores(
    starts: FloatArray, ends: FloatArray, scale: float, ref_cum: FloatArray, onsets: FloatArray, lag: int
) -> FloatArray:
    """Score of each cue alone at ``lag`` (whole frames): its coverage against the film's
    speech (from the cumulative film signal, silence beyond the film) plus its start
    against the onsets."""
    a = np.floor(starts * scale / FRAME_MS).astype(np.int64) + lag
    b = np.ceil(ends * scale / FRAME_MS).astype(np.int64) + lag
    n = ref_cum.size - 1
    a, b = np.clip(a, 0, n), np.clip(b, 0, n)
    at = np.clip(np.round(starts * scale / FRAME_MS - 0.5).astype(np.int64) + lag, 0, onsets.size - 1)
    return ref_cum[b] - ref_cum[a] + np.where((at > 0) & (at < onsets.size - 1), onsets[at], 0.0)


def segments_from_runs(
    runs: list[tuple[int, int, int]],
    bounds: list[tuple[int, int]],
    starts: FloatArray,
    ends: FloatArray,
    scale: float,
    ref: Channels,
    fps_change: tuple[Fraction, Fraction] | None,
    span: tuple[int, int],
) -> TimingTransform:
    """Segments in source time; each split placed at the cue boundary that scores best."""
    order = np.argsort(starts, kind="stable")
    s_sorted, e_sorted = starts[order], ends[order]
    ref_cum = np.concatenate(([0.0], np.cumsum(ref[0])))
    cut_ms: list[int] = []
    for (f0, _e0, lag_a), (f1, e1, lag_b) in itertools.pairwise(runs):
        lo_ms = bounds[max(f0, f1 - 2)][0] * FRAME_MS / scale
        hi_ms = bounds[min(e1, f1 + 2) - 1][1] * FRAME_MS / scale
        idx = np.flatnonzero((s_sorted >= lo_ms) & (s_sorted < hi_ms))
        if idx.size == 0:
            cut_ms.append(int(bounds[f1][0] * FRAME_MS / scale))
            continue
        sa = _cue_scores(s_sorted[idx], e_sorted[idx], scale, ref_cum, ref[1], lag_a)
        sb = _cue_scores(s_sorted[idx], e_sorted[idx], scale, ref_cum, ref[1], lag_b)
        # Boundary before cue k: cues before k take lag_a, from k on lag_b.
        totals = np.concatenate(([0.0], np.cumsum(sa))) + np.concatenate((np.cumsum(sb[::-1])[::-1], [0.0]))
        k = int(np.argmax(totals))
        if k == 0:
            prev_end = float(e_sorted[idx[0] - 1]) if idx[0] > 0 else lo_ms
            cut = (prev_end + float(s_sorted[idx[0]])) / 2
        elif k == idx.size:
            nxt = float(s_sorted[idx[-1] + 1]) if idx[-1] + 1 < s_sorted.size else hi_ms
            cut = (float(e_sorted[idx[-1]]) + nxt) / 2
        else:
            cut = (float(e_sorted[idx[k - 1]]) + float(s_sorted[idx[k]])) / 2
        # A cut must fall after the previous one and at or before the next cue start.
        cut_ms.append(max(round(cut), (cut_ms[-1] + 1) if cut_ms else span[0] + 1))
    lo, hi = min(0, span[0]), span[1] + 1
    edges = [lo, *cut_ms, max(hi, (cut_ms[-1] + 1) if cut_ms else hi)]
    segs = [
        Segment(edges[i], edges[i + 1], scale, float(lag * FRAME_MS)) for i, (_f, _e, lag) in enumerate(runs)
    ]
    return TimingTransform(tuple(segs), fps_change)
