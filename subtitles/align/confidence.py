"""Confidence in [0, 1] that an alignment is right, and why it is not.

Three pieces of evidence, each mapped through a logistic: *sharpness*, how far the chosen
peak of the correlation stands above the best placement elsewhere (a film's own speech
rhythm gives one peak; another film's gives a ridge of similar hills); *lift*, how much
more subtitle time falls on detected speech than chance would put there
(``(precision - p) / (1 - p)``, 0 for a random placement, 1 when every subtitle frame is on
speech); and the *onset z-score*, how many more cue starts meet a speech onset than chance
(binomial z). Confidence is ``sharpness x max(lift, onsets)``: the peak must stand out, and
the placement must put subtitles on speech or cue starts on onsets (files of back-to-back
cues from forced alignment cover everything, so only their starts say anything). A file
left in sync is judged on its onsets alone. A split file's sharpness is judged segment by
segment; a segment's rivals exclude placements that would reorder it with a neighbour
that stands out on its own (``segment_sharpness``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from subtitles.align.channels import sub_channels
from subtitles.align.correlate import PEAK_SHOULDER, Channels, Correlation, RefSpectra, correlate
from subtitles.align.signal import FRAME_MS, FloatArray
from subtitles.align.transform import TimingTransform

#: Default refusal threshold: below it, ``subpipe align`` exits 3 and writes nothing.
DEFAULT_THRESHOLD = 0.5

#: Sharpness (peak over best rival, both above the median) where the factor is 0.5.
SHARPNESS_MID = 1.6
SHARPNESS_WIDTH = 0.1
#: Lift where the factor is 0.5.
LIFT_MID = 0.2
LIFT_WIDTH = 0.04
#: Onset z-score where the factor is 0.5.
ONSET_Z_MID = 4.0
ONSET_Z_WIDTH = 0.5

#: Below this sharpness, with cue starts meeting onsets no more than chance, nothing in the
#: film matches: the file is taken for another film's.
OTHER_FILM_SHARPNESS = 1.4

REASON_NO_SPEECH = "no speech found in the film"
REASON_NO_CUES = "the subtitle file has no timed cues"
REASON_NO_PEAK = "no clear peak"
REASON_OTHER_FILM = "subtitle file looks like another film"


def _logistic(x: float) -> float:
    if x < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True, slots=True)
class Evidence:
    sharpness: float
    lift: float
    speech_fraction: float
    onset_z: float = 0.0
    in_sync: bool = False

    @property
    def sharpness_factor(self) -> float:
        return _logistic((self.sharpness - SHARPNESS_MID) / SHARPNESS_WIDTH)

    @property
    def lift_factor(self) -> float:
        return _logistic((self.lift - LIFT_MID) / LIFT_WIDTH)

    @property
    def onset_factor(self) -> float:
        return _logistic((self.onset_z - ONSET_Z_MID) / ONSET_Z_WIDTH)

    @property
    def confidence(self) -> float:
        if self.in_sync:
            return round(self.onset_factor, 4)
        return round(self.sharpness_factor * max(self.lift_factor, self.onset_factor), 4)

    def reason(self) -> str:
        """The weaker piece of evidence, in words a user can act on."""
        if self.in_sync:
            return f"{REASON_NO_PEAK}: too few cue starts meet speech onsets (z = {self.onset_z:.1f})"
        if self.sharpness < OTHER_FILM_SHARPNESS and self.onset_z < ONSET_Z_MID:
            return (
                f"{REASON_OTHER_FILM}: no placement fits better than {self.sharpness:.2f}x the next "
                f"best, and its cues put only {self.lift:.0%} more time on speech than chance "
                f"({self.speech_fraction:.0%} of the film is speech)"
            )
        if self.sharpness_factor <= max(self.lift_factor, self.onset_factor):
            return (
                f"{REASON_NO_PEAK}: the best placement scores only {self.sharpness:.2f}x "
                "the best placement elsewhere"
            )
        return (
            f"{REASON_OTHER_FILM}: at the best placement only {self.lift:.0%} more subtitle time "
            f"falls on speech than chance ({self.speech_fraction:.0%} of the film is speech)"
        )


#: Rivals of a placement are sought beyond these distances (frames) for the whole score
#: and for the onsets alone; ratios are capped at ``MAX_RATIO``.
ONSET_SHOULDER = 50
MAX_RATIO = 10.0


def _ratio_at(corr: Correlation, lag: int, shoulder: int, allowed: tuple[int, int] | None = None) -> float:
    """Score near ``lag`` over the best score outside ``±shoulder`` of it, both above the
    median of all lags (1: a rival as good; 10 is the cap). With ``allowed`` (lags, both
    ends included), only rivals in that range count."""
    scores = corr.scores
    centre = lag + corr.max_lag
    lo, hi = max(0, centre - 5), min(scores.size, centre + 6)
    if hi <= lo:
        return 0.0
    i = lo + int(np.argmax(scores[lo:hi]))
    rest = np.ones(scores.size, dtype=bool)
    rest[max(0, i - shoulder) : i + shoulder + 1] = False
    if allowed is not None:
        rest[: max(0, allowed[0] + corr.max_lag)] = False
        rest[max(0, allowed[1] + corr.max_lag + 1) :] = False
    if not rest.any():
        return MAX_RATIO
    med = float(np.median(scores))
    peak, rival = float(scores[i]) - med, float(scores[rest].max()) - med
    if peak <= 0:
        return 0.0
    return MAX_RATIO if rival <= 0 else min(MAX_RATIO, peak / rival)


def _order_bounds(
    transform: TimingTransform,
    starts: FloatArray,
    ends: FloatArray,
    index: int,
    pinned: list[bool],
) -> tuple[int, int]:
    """Lags (frames) at which segment ``index`` keeps its place among its *pinned*
    neighbours as they are placed: its first cue starts after the previous segment's last
    cue ends, its last cue ends before the next segment's first cue starts. A neighbour
    that is not pinned (or has no cues) sets no bound.

    Material cut from or inserted into a film moves what follows but never reorders it, so
    a placement that puts a segment's cues among those of a neighbour placed with
    confidence is no rival answer.
    """
    segs = transform.segments

    def members(j: int) -> np.ndarray:
        return np.flatnonzero((starts >= segs[j].start_ms) & (starts < segs[j].end_ms))

    seg = segs[index]
    mine = members(index)
    first = float(starts[mine].min()) * seg.scale
    last = float(ends[mine].max()) * seg.scale
    lo, hi = -(10**9), 10**9
    before = [j for j in range(index) if members(j).size]
    after = [j for j in range(index + 1, len(segs)) if members(j).size]
    if before and pinned[before[-1]]:
        end_prev = max(transform.map_cue(int(starts[i]), int(ends[i]))[1] for i in members(before[-1]))
        lo = int(np.ceil((end_prev - first) / FRAME_MS))
    if after and pinned[after[0]]:
        start_next = min(transform.map_cue(int(starts[i]), int(ends[i]))[0] for i in members(after[0]))
        hi = int(np.floor((start_next - last) / FRAME_MS))
    return lo, hi


def segment_sharpness(
    transform: TimingTransform,
    starts: FloatArray,
    ends: FloatArray,
    ref: Channels,
    max_lag: int,
    out: float,
    spectra: RefSpectra,
    size: int,
) -> list[tuple[float, float]]:
    """``(ratio, weight)`` for every segment that holds cues: how far its placement stands
    above its best rival, and its subtitle time.

    Two views, the better one counts: the whole score (coverage and starts) with rivals
    beyond ``PEAK_SHOULDER`` (3 s), and the cue starts alone against the onsets with rivals
    beyond 0.5 s. In a dense stretch of long cues every shift of a few seconds still covers
    speech, so coverage alone cannot tell them apart, but the starts can.

    A short segment of a split file can meet a chance rival somewhere in the film. When a
    neighbouring segment stands out on its own (``SHARPNESS_MID``), rivals that would put
    this segment's cues among the neighbour's are set aside: cuts never reorder a film
    (``_order_bounds``). Only segments sure on their own pin their neighbours, so segments
    fitted by chance (another film's subtitles) cannot lend each other support.
    """
    onset_spectra = spectra.only(1)
    segs = transform.segments
    curves: dict[int, tuple[Correlation, Correlation, int, float]] = {}
    for index, seg in enumerate(segs):
        keep = (starts >= seg.start_ms) & (starts < seg.end_ms)
        if not keep.any():
            continue
        sub = sub_channels(starts[keep], ends[keep], seg.scale)
        whole = correlate(sub, ref, max_lag, out, spectra, size)
        onsets = correlate(sub[1:], ref[1:], max_lag, 0.0, onset_spectra, size)
        weight = float(((ends[keep] - starts[keep]) * seg.scale).sum())
        curves[index] = (whole, onsets, round(seg.offset_ms / FRAME_MS), weight)

    def ratio(index: int, allowed: tuple[int, int] | None) -> float:
        whole, onsets, lag, _ = curves[index]
        return max(
            _ratio_at(whole, lag, PEAK_SHOULDER, allowed), _ratio_at(onsets, lag, ONSET_SHOULDER, allowed)
        )

    alone = {i: ratio(i, None) for i in curves}
    pinned = [alone.get(i, 0.0) >= SHARPNESS_MID for i in range(len(segs))]
    result = []
    for index, (_, _, _, weight) in curves.items():
        r = alone[index]
        if not pinned[index] and any(pinned):
            r = max(r, ratio(index, _order_bounds(transform, starts, ends, index, pinned)))
        result.append((r, weight))
    return result


def sharpness(
    transform: TimingTransform,
    starts: FloatArray,
    ends: FloatArray,
    ref: Channels,
    max_lag: int,
    out: float,
    spectra: RefSpectra,
    size: int,
) -> float:
    """Segment sharpness (``segment_sharpness``) weighted by each segment's subtitle time."""
    parts = segment_sharpness(transform, starts, ends, ref, max_lag, out, spectra, size)
    total_w = sum(w for _, w in parts)
    return sum(r * w for r, w in parts) / total_w if total_w > 0 else 0.0
