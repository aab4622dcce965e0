"""Sub-frame refinement of an offset on speech onsets.

Correlating a voice-activity mask with cue intervals leaves a bias of tens of milliseconds:
detectors switch on late (onset delay) and off late (hangover), and translators hold cues
after speech ends. Cue *starts* against speech *onsets* carry no hangover, so after the
coarse alignment each cue start is paired with the nearest onset, and the densest cluster
of these residuals gives the correction. A mode (not a mean) because cues that start
mid-sentence, or a reference track segmented differently, add residuals that match nothing.
"""

from __future__ import annotations

import numpy as np

from subtitles.align.signal import FloatArray

#: How far from a coarsely placed cue start an onset may be to count (ms).
SEARCH_MS = 300.0
#: Half width of the cluster of residuals the correction is taken from (ms).
CLUSTER_MS = 25.0


def onset_residuals(
    cue_starts_ms: FloatArray, onsets_ms: FloatArray, search_ms: float = SEARCH_MS
) -> FloatArray:
    """``onset - start`` for every cue start with an onset within ``±search_ms``."""
    if cue_starts_ms.size == 0 or onsets_ms.size == 0:
        return np.zeros(0)
    idx = np.searchsorted(onsets_ms, cue_starts_ms)
    left = onsets_ms[np.clip(idx - 1, 0, onsets_ms.size - 1)]
    right = onsets_ms[np.clip(idx, 0, onsets_ms.size - 1)]
    dl, dr = left - cue_starts_ms, right - cue_starts_ms
    nearest = np.where(np.abs(dl) <= np.abs(dr), dl, dr)
    return nearest[np.abs(nearest) <= search_ms]


def residual_mode(residuals: FloatArray, cluster_ms: float = CLUSTER_MS) -> tuple[float, int]:
    """Centre of the densest ``±cluster_ms`` cluster of residuals, and how many it holds.

    The centre is the mean of the residuals in the densest window (sub-millisecond
    resolution even though each onset sits on a finer or coarser grid).
    """
    if residuals.size == 0:
        return 0.0, 0
    r = np.sort(residuals)
    hi = np.searchsorted(r, r + 2 * cluster_ms, side="right")
    counts = hi - np.arange(r.size)
    best = int(np.argmax(counts))
    members = r[best : hi[best]]
    # Recentre once on the members' median so the window is not anchored on its left edge.
    centre = float(np.median(members))
    members = r[(r >= centre - cluster_ms) & (r <= centre + cluster_ms)]
    return float(members.mean()), int(members.size)


#: A cue start "meets" an onset within this many ms (for the onset evidence).
MATCH_MS = 60.0


def onset_evidence(
    cue_starts_ms: FloatArray, onsets_ms: FloatArray, duration_ms: float, tol_ms: float = MATCH_MS
) -> tuple[float, float]:
    """How many more cue starts meet a speech onset than chance would allow.

    Returns ``(matched share, z)``: ``z`` is the binomial z-score of the matches against
    the chance that a random instant lies within ``±tol_ms`` of some onset. In sync, most
    cue starts meet an onset (z of 10 and more for a few dozen cues); a random placement
    meets a few (z near 0).
    """
    inside = cue_starts_ms[(cue_starts_ms >= 0) & (cue_starts_ms < duration_ms)]
    n = inside.size
    if n == 0 or onsets_ms.size == 0 or duration_ms <= 0:
        return 0.0, 0.0
    matched = int(np.count_nonzero(np.abs(onset_residuals(inside, onsets_ms, tol_ms)) <= tol_ms))
    q = min(0.95, onsets_ms.size * 2 * tol_ms / duration_ms)
    z = (matched - n * q) / float(np.sqrt(n * q * (1 - q)))
    return matched / n, z
