"""Sub-frame refinement of an offset on speech onsets.

Correlating a voice-activity mask with cue intervals leaves a bias of tens of milliseconds:
detectors switch on late (onset delay) and off late (hangover), and translators hold cues
after speech ends. Cue *starts* against speech *onsets* carry no hangover, so after the
coarse alignment each cue start is paired with the nearest onset, and the densest cluster
of these residuals gives the correction. A mode (not a mean) because cues that start
mid-sentence, or a reference track segmented differently, add residuals that match nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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


# -- lead-in --------------------------------------------------------------------------------
#
# Subtitlers show a cue a moment before the voice: professionally timed files put the in-time
# 0-3 frames before the frame the speech starts on, so their lead-ins spread over 0-4 frames
# (0-170 ms), cue by cue. Their residuals (onset - start) then form a *body* about as wide as
# that spread, over the detector's own scatter, instead of one sharp cluster. Snapping the
# densest cluster onto the onsets (what a file of cues timed on the voice needs) would remove
# the file's most common lead-in: a moved professional file would come back 70-130 ms later
# than its own timing (measured on bench/align.py's pro-offset class).
#
# Convention (``lead_in_profile``, applied by ``engine._refine`` to files on a frame grid,
# ``frame_grid``): when the residuals spread like a professional file's, the file keeps its own
# lead-ins: the *lower edge* of the body, where its cues of least lead-in
# sit, is put on the speech onsets; the others keep their lead over them. When they form one
# sharp cluster (a file timed on the voice, forced alignment, or one constant lead-in: a shift
# cannot be told from a lead-in then), the cluster is put on the onsets, as before.

#: Width (ms) of the Gaussian that smooths the residuals for the edge.
EDGE_SMOOTH_MS = 8.0
#: The edge is sought this far below the densest cluster (ms): more than the widest lead-in
#: spread a subtitler uses (4 frames at 23.976 fps is 167 ms).
EDGE_SEARCH_MS = 250.0
#: The body: residuals from this far below the edge to this far above it (ms).
BODY_BELOW_MS = 40.0
BODY_ABOVE_MS = 260.0
#: A body whose densest ``±CLUSTER_MS`` cluster holds less than this share of it is spread.
#: Measured (bench/align.py films): files timed on the voice 0.48-0.75 on clean and 10 dB beds
#: (but 0.26-0.42 under 5 dB beds and on one noisy film: the detector's own scatter, which is
#: why the convention also asks for a frame grid), professional files 0.26-0.34.
SPREAD_SHARE = 0.42
#: Where the half-height lower edge of a spread body sits relative to the onsets of its
#: cues of no lead-in (ms). Measured on the six calibration pro-correct files of bench/align.py
#: (``DENSE_FULL``'s first six): the edge lies 11-26 ms above the onsets the file's own timing
#: implies, median 19; on the four held-out films 2-42 ms (median 22). The scatter of this
#: edge from film to film is the convention's error: ±10-25 ms.
EDGE_ABOVE_ONSET_MS = 19.0
#: Fewer body residuals than this say nothing about the spread: the cluster is used.
MIN_BODY = 20


@dataclass(frozen=True, slots=True)
class LeadInProfile:
    """The shape of a file's ``onset - start`` residuals at a trial placement (ms).

    ``mode``: the densest cluster (most cue starts meet onsets there); ``edge``: the lower
    half-height edge of the body; ``share``: the body's share in the densest cluster;
    ``median``: the body's median residual; ``spread``: the file's lead-ins spread cue by
    cue (professionally timed). ``anchor`` is the residual that the file's own convention
    puts on the onsets: the edge (corrected) for a spread file, else the cluster.
    """

    mode: float
    edge: float
    share: float
    median: float
    count: int
    spread: bool

    @property
    def anchor(self) -> float:
        return self.edge - EDGE_ABOVE_ONSET_MS if self.spread else self.mode


def lead_in_profile(residuals: FloatArray) -> LeadInProfile:
    """Where the residuals cluster, where their body starts, and whether they spread."""
    mode, count = residual_mode(residuals)
    if residuals.size == 0:
        return LeadInProfile(mode, mode, 1.0, mode, 0, False)
    grid = np.arange(mode - EDGE_SEARCH_MS, mode + 2 * CLUSTER_MS + 1.0, 1.0)
    near = residuals[
        (residuals >= grid[0] - 3 * EDGE_SMOOTH_MS) & (residuals <= grid[-1] + 3 * EDGE_SMOOTH_MS)
    ]
    density = np.exp(-0.5 * ((grid[:, None] - near[None, :]) / EDGE_SMOOTH_MS) ** 2).sum(axis=1)
    edge = float(grid[int(np.flatnonzero(density >= 0.5 * density.max())[0])]) if near.size else mode
    body = residuals[(residuals >= edge - BODY_BELOW_MS) & (residuals <= edge + BODY_ABOVE_MS)]
    share = count / body.size if body.size else 1.0
    median = float(np.median(body)) if body.size else mode
    spread = body.size >= MIN_BODY and share < SPREAD_SHARE
    return LeadInProfile(mode, edge, share, median, int(body.size), spread)


#: Frame rates whose grids ``frame_grid`` recognises (frames per second).
GRID_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 50.0, 60000 / 1001)
#: Share of cue starts that must sit on one phase of a grid (within ``GRID_TOLERANCE_MS``).
GRID_SHARE = 0.8
GRID_TOLERANCE_MS = 1.0
#: Fewer cue starts than this say nothing about a grid.
GRID_MIN_CUES = 20


def frame_grid(starts_ms: npt.ArrayLike) -> float | None:
    """The frame rate whose frame times the cue starts sit on (any common phase, so a shifted
    file still counts), or None. Subtitling software times in- and out-times on frames; a
    file timed on the voice by forced alignment or speech recognition, or typed in ms, is
    not on a grid (centisecond ASS times cover every phase of a 20 ms or coarser grid
    evenly, so they are not taken for one). The coarsest matching grid wins."""
    x = np.asarray(starts_ms, dtype=np.float64)
    if x.size < GRID_MIN_CUES:
        return None
    for rate in sorted(GRID_RATES):  # coarsest frame first: a 25 fps grid is also a 50 fps one
        frame = 1000.0 / rate
        phase = np.mod(x, frame)
        # The densest phase: circular distance within the tolerance, checked at every start's phase.
        bins = np.sort(phase)
        wrapped = np.concatenate((bins, bins + frame))
        hi = np.searchsorted(wrapped, bins + 2 * GRID_TOLERANCE_MS, side="right")
        if (hi - np.arange(bins.size)).max() >= GRID_SHARE * x.size:
            return rate
    return None
