"""Frame-rate drift: which time scale maps the subtitle file onto the film.

A file timed against a 25 fps (PAL) master and played against a 23.976 fps film runs
4.3 % fast; 23.976 against 24 drifts a second every 16 minutes. Every pairing of the rates
in ``RATES`` is a candidate, plus a free linear fit of local offsets, so a scale nobody
listed (a variable-speed transfer, a 1.0005 telecine error) is found by evidence too.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from subtitles.align.signal import FloatArray

#: Frame rates whose pairings are tried (film and subtitle side).
RATES: tuple[Fraction, ...] = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001))


@dataclass(frozen=True, slots=True)
class ScaleCandidate:
    """``new = old * scale + offset``; ``fps_change`` is (timed for, film) when from a pairing."""

    scale: float
    fps_change: tuple[Fraction, Fraction] | None = None


def scale_candidates() -> list[ScaleCandidate]:
    """Scale 1 first, then every ordered pairing of ``RATES``, without duplicates.

    A file timed at rate ``a`` (its times count the frames of an ``a`` fps master) shows
    the same frame ``n`` at ``n / b`` on a ``b`` fps film: ``new = old * a / b``.
    """
    out = [ScaleCandidate(1.0)]
    seen = {Fraction(1)}
    for a in RATES:
        for b in RATES:
            ratio = a / b
            if ratio not in seen:
                seen.add(ratio)
                out.append(ScaleCandidate(float(ratio), (a, b)))
    return out


def robust_line(x: FloatArray, y: FloatArray, w: FloatArray, iterations: int = 8) -> tuple[float, float]:
    """Weighted line ``y = a + b x`` with Tukey bisquare reweighting (outlying windows, e.g.
    across a split or in a music-only stretch, lose their say). Returns ``(a, b)``."""
    weights = w.astype(np.float64).copy()
    a, b = float(np.median(y)), 0.0
    for _ in range(iterations):
        if np.count_nonzero(weights > 0) < 3:
            break
        sw = weights.sum()
        mx, my = float((weights * x).sum() / sw), float((weights * y).sum() / sw)
        var = float((weights * (x - mx) ** 2).sum())
        if var <= 0:
            break
        b = float((weights * (x - mx) * (y - my)).sum() / var)
        a = my - b * mx
        resid = y - (a + b * x)
        scale = 1.4826 * float(np.median(np.abs(resid[weights > 0]))) + 1e-6
        u = resid / (4.685 * max(scale, 2.0))
        weights = w * np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)
    return a, b
