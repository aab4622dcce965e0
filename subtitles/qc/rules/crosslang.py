"""Across languages: renditions of one film should agree in shape and timing. Cue counts
and covered spans may differ a little (translations split lines differently), but a
constant offset between tracks betrays one file timed for another cut or with a shift.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from subtitles.qc.finding import Severity
from subtitles.qc.registry import cross_rule
from subtitles.qc.view import CrossEmit, TrackView
from subtitles.timing import format_ms

#: Offsets are searched within this window (longer shifts are another cut, not an offset).
_MAX_OFFSET_MS = 60_000

FloatArray = npt.NDArray[np.float64]


def _name(view: TrackView) -> str:
    lang = view.track.language
    base = view.path.rsplit("/", 1)[-1] if view.path else "<memory>"
    return f"{base} ({lang.code})" if lang is not None else base


def _reference(values: list[int], k: int) -> float:
    """What track ``k`` is compared with: the median of all tracks (robust to one odd
    track when there are three or more), or the other track when there are two."""
    if len(values) == 2:
        return float(values[1 - k])
    return float(np.median(values))


def _playable(views: list[TrackView]) -> list[TrackView]:
    return [v for v in views if len(v.cues) > 0]


@cross_rule(
    "xlang.count", Severity.WARNING, "Cue counts differ more between languages than segmentation explains."
)
def count(views: list[TrackView], out: CrossEmit) -> None:
    views = _playable(views)
    if len(views) < 2:
        return
    counts = [len(v.cues) for v in views]
    for k, (v, n) in enumerate(zip(views, counts, strict=True)):
        median = _reference(counts, k)
        ratio = max(n, median) / max(min(n, median), 1)
        if ratio > v.profile.max_count_ratio:
            others = ", ".join(f"{_name(o)}: {len(o.cues)}" for o in views if o is not v)
            out.at(v, f"{n} cues, the other languages have {others}: a missing or extra part?")


@cross_rule("xlang.span", Severity.WARNING, "The covered time span differs between languages.")
def span(views: list[TrackView], out: CrossEmit) -> None:
    views = _playable(views)
    if len(views) < 2:
        return
    firsts = [int(v.starts.min()) for v in views]
    lasts = [int(v.ends.max()) for v in views]
    for k, (v, f, last) in enumerate(zip(views, firsts, lasts, strict=True)):
        mf, ml = _reference(firsts, k), _reference(lasts, k)
        limit = v.profile.max_span_difference_ms
        if abs(f - mf) > limit or abs(last - ml) > limit:
            out.at(
                v,
                f"covers {format_ms(f)}–{format_ms(last)}, the other languages about "
                f"{format_ms(int(mf))}–{format_ms(int(ml))}: timed for another cut?",
            )


def _support(a: FloatArray, b: FloatArray, offset: float, tol: float) -> float:
    """Share of cues of the shorter track with a cue of the other within ``tol`` after shifting."""
    shifted = b - offset
    idx = np.clip(np.searchsorted(a, shifted), 1, len(a) - 1) if len(a) > 1 else np.zeros(len(b), dtype=int)
    near = (
        np.minimum(np.abs(a[idx] - shifted), np.abs(a[idx - 1] - shifted))
        if len(a) > 1
        else np.abs(a[0] - shifted)
    )
    return float(np.count_nonzero(near <= tol)) / min(len(a), len(b))


def estimate_offset(
    a_starts: npt.NDArray[Any], b_starts: npt.NDArray[Any], tol: float
) -> tuple[float, float, float]:
    """(offset of b against a in ms, its support, the support at offset zero).

    Every pair of starts within the search window votes for its difference; the densest
    window of width ``2 * tol`` wins and its median is the estimate. Linear in the number
    of nearby pairs, so a 1,000-cue pair takes a few milliseconds.
    """
    a = np.sort(a_starts.astype(np.float64))
    b = np.sort(b_starts.astype(np.float64))
    lo = np.searchsorted(a, b - _MAX_OFFSET_MS)
    hi = np.searchsorted(a, b + _MAX_OFFSET_MS)
    counts = hi - lo
    if counts.sum() == 0:
        return 0.0, 0.0, _support(a, b, 0.0, tol)
    rows = np.repeat(np.arange(len(b)), counts)
    cols = np.concatenate([np.arange(s, e) for s, e in zip(lo.tolist(), hi.tolist(), strict=True) if e > s])
    diffs = np.sort(b[rows] - a[cols])
    right = np.searchsorted(diffs, diffs + 2 * tol, side="right")
    best = int(np.argmax(right - np.arange(len(diffs))))
    window = diffs[best : right[best]]
    offset = float(np.median(window))
    return offset, _support(a, b, offset, tol), _support(a, b, 0.0, tol)


@cross_rule("xlang.offset", Severity.ERROR, "One track is shifted against the others by a constant offset.")
def offset(views: list[TrackView], out: CrossEmit) -> None:
    views = [v for v in _playable(views) if len(v.cues) >= 3]
    if len(views) < 2:
        return
    p = views[0].profile
    tol, threshold, min_support = float(p.offset_tolerance_ms), p.offset_threshold_ms, p.offset_min_support
    n = len(views)
    shift: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(i + 1, n):
            off, support, zero = estimate_offset(views[i].starts, views[j].starts, tol)
            if abs(off) >= threshold and support >= min_support and support >= zero + 0.2:
                shift[(i, j)] = off
                shift[(j, i)] = -off
    if not shift:
        return
    blamed: set[int] = set()
    for k in range(n):
        others = [o for o in range(n) if o != k]
        agreeing = [o for o in others if (k, o) in shift]
        consistent_others = all((x, y) not in shift for x in others for y in others if x < y)
        if len(others) >= 2 and len(agreeing) == len(others) and consistent_others:
            values = [shift[(o, k)] for o in others]
            off = float(np.median(values))
            names = " and ".join(_name(views[o]) for o in others)
            out.at(
                views[k],
                f"cues are {abs(off) / 1000:.3f} s {'later' if off > 0 else 'earlier'} than in {names}, "
                f"whose timing agrees: this file is mistimed (shift it by {-off / 1000:+.3f} s)",
            )
            blamed.add(k)
    if blamed:
        return
    for (i, j), off in sorted(shift.items()):
        if i < j:
            out.at(
                views[j],
                f"cues are {abs(off) / 1000:.3f} s {'later' if off > 0 else 'earlier'} than in "
                f"{_name(views[i])}: one of the two is mistimed",
            )
