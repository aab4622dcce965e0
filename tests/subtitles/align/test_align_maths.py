"""The building blocks of the alignment maths, checked against direct computation."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subtitles.align.correlate import correlate, correlate_windows, fft_size
from subtitles.align.drift import robust_line, scale_candidates
from subtitles.align.refine import frame_grid, onset_evidence, onset_residuals, residual_mode
from subtitles.align.signal import interval_activity, signal_from_intervals
from subtitles.align.splits import window_bounds
from subtitles.align.transform import Segment, TimingTransform

intervals = st.lists(
    st.tuples(st.integers(0, 5000), st.integers(1, 800)).map(lambda t: (t[0], t[0] + t[1])), max_size=12
)


@given(intervals)
@settings(max_examples=60, deadline=None)
def test_activity_covers_the_union_of_intervals(cues: list[tuple[int, int]]) -> None:
    n = 600  # 6 s: every interval ends inside
    starts = np.array([a for a, _ in cues], dtype=np.float64)
    ends = np.array([b for _, b in cues], dtype=np.float64)
    act = interval_activity(starts, ends, n)
    union = np.zeros(6000, dtype=bool)
    for a, b in cues:
        union[a:b] = True
    assert act.shape == (n,)
    assert np.all((act >= 0) & (act <= 1))
    assert act.sum() * 10 == pytest.approx(union.sum(), abs=1e-6)
    # Per frame: the covered share of that frame's 10 ms.
    assert np.allclose(act, union.reshape(n, 10).mean(axis=1))


def test_fft_size_is_smooth_and_large_enough() -> None:
    for n in (1, 7, 1000, 1001, 123457, 1_000_001):
        size = fft_size(n)
        assert size >= n
        rest = size
        for p in (2, 3, 5):
            while rest % p == 0:
                rest //= p
        assert rest == 1


def _direct(sub: np.ndarray, ref: np.ndarray, lag: int, outside: float) -> float:
    return float(
        sum(sub[t] * (ref[t + lag] if 0 <= t + lag < ref.size else outside) for t in range(sub.size))
    )


@pytest.mark.parametrize("outside", [0.0, -0.3])
def test_correlation_matches_the_direct_sum(outside: float) -> None:
    rng = np.random.default_rng(1)
    ref = rng.random(700) - 0.5
    sub = rng.random(500)
    corr = correlate((sub,), (ref,), 150, outside)
    for lag in (-150, -37, 0, 12, 150):
        assert corr.score_at(lag) == pytest.approx(_direct(sub, ref, lag, outside))


def test_window_curves_add_up_to_the_whole_correlation() -> None:
    rng = np.random.default_rng(2)
    ref = ((rng.random(3000) > 0.5) - 0.5).astype(np.float64)
    sub = (rng.random(2500) > 0.6).astype(np.float64)
    onset_ref, onset_sub = rng.random(3000), rng.random(2500)
    whole = correlate((sub, onset_sub), (ref, onset_ref), 400, -0.5)
    bounds = window_bounds(sub, width=700)
    assert bounds[0][0] == 0 and bounds[-1][1] == sub.size
    assert all(a < b for a, b in bounds) and all(b == c for (_, b), (c, _) in itertools.pairwise(bounds))
    curves = correlate_windows((sub, onset_sub), (ref, onset_ref), bounds, 400, -0.5)
    assert np.allclose(curves.sum(axis=0), whole.scores)


def test_scale_candidates_cover_every_pairing_once() -> None:
    cands = scale_candidates()
    scales = [c.scale for c in cands]
    assert scales[0] == 1.0 and len(scales) == len(set(scales))
    ntsc = Fraction(24000, 1001)
    pairs = {c.fps_change for c in cands if c.fps_change}
    for a, b in [
        (Fraction(25), ntsc),
        (ntsc, Fraction(25)),
        (Fraction(24), ntsc),
        (Fraction(30000, 1001), Fraction(25)),
    ]:
        assert (a, b) in pairs
    pal_to_film = next(c for c in cands if c.fps_change == (Fraction(25), ntsc))
    assert pal_to_film.scale == pytest.approx(25 / (24000 / 1001))


def test_robust_line_ignores_outliers() -> None:
    rng = np.random.default_rng(3)
    x = np.arange(60, dtype=np.float64) * 100
    y = 40 + 0.002 * x + rng.normal(0, 1, x.size)
    y[[5, 17, 33, 48]] += [900, -700, 1500, 400]  # windows that locked onto something else
    a, b = robust_line(x, y, np.ones_like(x))
    assert b == pytest.approx(0.002, abs=2e-4)
    assert a == pytest.approx(40, abs=3)


def test_residual_mode_finds_the_dense_cluster() -> None:
    rng = np.random.default_rng(4)
    cluster = rng.normal(37.0, 4.0, 40)
    noise = rng.uniform(-300, 300, 25)
    centre, count = residual_mode(np.concatenate((cluster, noise)))
    assert centre == pytest.approx(37.0, abs=3)
    assert count >= 35


def test_onset_residuals_and_evidence() -> None:
    onsets = np.arange(1000.0, 60000.0, 2500.0)
    starts = onsets[::2] + 20
    res = onset_residuals(starts, onsets)
    assert np.allclose(res, -20)
    share, z = onset_evidence(starts, onsets, 60000)
    assert share == 1.0 and z > 5
    share_far, z_far = onset_evidence(starts + 1200, onsets, 60000)
    assert share_far == 0.0 and z_far < 0


def test_transform_maps_cues_by_the_segment_of_their_start() -> None:
    tr = TimingTransform((Segment(0, 10_000, 1.0, 500.0), Segment(10_000, 50_000, 1.001, -2000.0)))
    assert tr.map(1000) == 1500
    assert tr.map_cue(9_000, 11_000) == (9_500, 11_500)  # straddles: moved whole by the first
    assert tr.map_cue(20_000, 21_000) == (18_020, 19_021)
    assert tr.splits == [(10_000, tr.map(10_000) - 10_000)]
    assert tr.map(-5000) == -4500  # before the first segment: the first segment's map
    assert not tr.is_identity and TimingTransform.identity().is_identity
    with pytest.raises(ValueError):
        TimingTransform((Segment(0, 10, 1.0, 0.0), Segment(11, 20, 1.0, 0.0)))


def test_reference_signal_from_intervals() -> None:
    sig = signal_from_intervals([(1000, 2000), (1500, 3000), (5000, 5500)], 8000)
    assert sig.speech.size == 800 and sig.speech_ms == 2500
    assert list(sig.onsets_ms) == [1000.0, 1500.0, 5000.0]
    assert sig.source == "reference"


def test_frame_grid_finds_a_subtitlers_frames_wherever_the_file_was_shifted() -> None:
    rng = np.random.default_rng(3)
    frames = np.cumsum(rng.integers(30, 150, 200))
    ntsc = np.round(frames * 1001 / 24) + 2347  # 23.976 fps frame times, shifted 2.347 s
    assert frame_grid(ntsc.astype(np.float64)) == pytest.approx(24000 / 1001)
    assert frame_grid(frames * 40.0 - 1234) == 25.0
    assert frame_grid(frames * 20.0) == 50.0
    assert frame_grid(np.round(frames * 41.3 + rng.uniform(0, 40, 200))) is None  # typed in ms
    assert frame_grid(np.round(frames * 41.3 / 10) * 10) is None  # ASS centiseconds
    assert frame_grid(frames[:10] * 40.0) is None  # too few to tell
