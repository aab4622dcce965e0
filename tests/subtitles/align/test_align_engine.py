"""The alignment engine on simulated detector output: offsets, drift, splits, refusal.

The film side is simulated the way a voice-activity detector sees real speech: utterances
with late onsets and a hangover, words lost in the middle, music bursts taken for speech,
and onsets that scatter by a few milliseconds. Truth is known exactly, so every case
checks the error of every cue.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

from subtitles.align import AlignOptions, SpeechSignal, align, signal_from_intervals
from subtitles.align.confidence import (
    DEFAULT_THRESHOLD,
    REASON_NO_CUES,
    REASON_NO_SPEECH,
    REASON_OTHER_FILM,
)
from subtitles.align.signal import FRAME_MS

Cues = list[tuple[int, int]]


def simulated_film(seed: int, duration_ms: int) -> tuple[SpeechSignal, Cues]:
    """Utterances (truth cues) and what a decent detector would report for them."""
    rng = np.random.default_rng(seed)
    n = duration_ms // FRAME_MS
    speech = np.zeros(n, dtype=bool)
    onsets: list[float] = []
    truth: Cues = []
    t = int(rng.integers(500, 3000))
    while True:
        length = int(rng.integers(800, 4200))
        if t + length + 500 > duration_ms:
            break
        truth.append((t, t + length))
        on = t + rng.normal(4.0, 6.0)
        onsets.append(on)
        a, b = int(on // FRAME_MS) + 1, (t + length + int(rng.integers(40, 200))) // FRAME_MS
        speech[a:b] = True
        if length > 2000 and rng.random() < 0.5:  # a word the detector missed
            gap = int(rng.integers(a + 50, b - 40))
            speech[gap : gap + 25] = False
        t += length + int(rng.choice([300, 500, 900, 1500, 2500, 4000, 7000]))
    for _ in range(duration_ms // 20_000):  # music taken for speech
        at = int(rng.integers(0, n - 60))
        speech[at : at + int(rng.integers(10, 50))] = True
        onsets.append(at * FRAME_MS + 3.0)
    return SpeechSignal(speech, np.sort(np.array(onsets)), duration_ms), truth


def mistimed(truth: Cues, fn: Callable[[float], float]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([fn(a) for a, _ in truth], dtype=np.float64),
        np.array([fn(b) for _, b in truth], dtype=np.float64),
    )


def start_errors(
    result_map: Callable[[int, int], tuple[int, int]], starts: np.ndarray, ends: np.ndarray, truth: Cues
) -> np.ndarray:
    new = np.array([result_map(int(a), int(b))[0] for a, b in zip(starts, ends, strict=True)])
    errors: np.ndarray = np.abs(new - np.array([a for a, _ in truth]))
    return errors


@pytest.fixture(scope="module")
def film() -> tuple[SpeechSignal, Cues]:
    return simulated_film(11, 300_000)


@pytest.mark.parametrize("offset_ms", [7300, -12000, 45_250, -59_990])
def test_constant_offset(film: tuple[SpeechSignal, Cues], offset_ms: int) -> None:
    signal, truth = film
    starts, ends = mistimed(truth, lambda t: t - offset_ms)
    result = align(starts, ends, signal, AlignOptions())
    assert result.accepted and not result.unchanged
    assert result.confidence >= 0.9
    assert len(result.transform.segments) == 1 and result.transform.segments[0].scale == 1.0
    errors = start_errors(result.transform.map_cue, starts, ends, truth)
    assert np.median(errors) <= 20 and errors.max() <= 30
    assert result.agreement_after > result.agreement_before


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_in_sync_stays_put_and_clean_files_are_never_split(seed: int) -> None:
    signal, truth = simulated_film(seed, 240_000)
    starts, ends = mistimed(truth, lambda t: t)
    result = align(starts, ends, signal, AlignOptions())
    assert result.accepted and result.unchanged
    assert result.transform.is_identity and len(result.transform.segments) == 1
    shifted = align(starts + 3000, ends + 3000, signal, AlignOptions())
    assert len(shifted.transform.segments) == 1


@pytest.mark.parametrize(
    ("timed_for", "film_rate", "offset_ms"),
    [(Fraction(25), Fraction(24000, 1001), 2000), (Fraction(24000, 1001), Fraction(25), -1500),
     (Fraction(30000, 1001), Fraction(24), 800), (Fraction(24), Fraction(25), 0)],
)  # fmt: skip
def test_frame_rate_change(
    film: tuple[SpeechSignal, Cues], timed_for: Fraction, film_rate: Fraction, offset_ms: int
) -> None:
    signal, truth = film
    scale = float(timed_for / film_rate)  # film time = file time * scale + offset
    starts, ends = mistimed(truth, lambda t: (t - offset_ms) / scale)
    result = align(starts, ends, signal, AlignOptions())
    assert result.accepted
    assert result.transform.fps_change == (timed_for, film_rate)
    errors = start_errors(result.transform.map_cue, starts, ends, truth)
    assert np.median(errors) <= 20 and np.mean(errors <= 100) >= 0.99


def test_a_scale_no_list_holds_is_found_by_the_free_fit(film: tuple[SpeechSignal, Cues]) -> None:
    signal, truth = film
    starts, ends = mistimed(truth, lambda t: (t - 400) / 1.0023)
    result = align(starts, ends, signal, AlignOptions())
    assert result.accepted and result.transform.fps_change is None
    assert result.transform.segments[0].scale == pytest.approx(1.0023, abs=1e-4)
    errors = start_errors(result.transform.map_cue, starts, ends, truth)
    assert np.median(errors) <= 20 and np.mean(errors <= 100) >= 0.99


def test_one_split_is_found_and_placed_between_the_right_cues(film: tuple[SpeechSignal, Cues]) -> None:
    signal, truth = film
    cut = 140_000  # 25 s of material were cut out of the film here; the file still has them
    starts, ends = mistimed(truth, lambda t: t - 2000 if t < cut else t + 25_000 - 2000)
    result = align(starts, ends, signal, AlignOptions())
    assert result.accepted
    segs = result.transform.segments
    assert len(segs) == 2
    assert segs[0].offset_ms == pytest.approx(2000, abs=20)
    assert segs[1].offset_ms == pytest.approx(-23_000, abs=20)
    errors = start_errors(result.transform.map_cue, starts, ends, truth)
    assert np.mean(errors <= 100) >= 0.97
    no_splits = align(starts, ends, signal, AlignOptions(splits=False))
    assert len(no_splits.transform.segments) == 1


def test_two_splits_material_cut_and_inserted(film: tuple[SpeechSignal, Cues]) -> None:
    signal, truth = film
    # At 90 s the film lost 8 s the file still has (two orphan cues there); at 200 s the
    # film gained 12 s the file never had (its cues there are missing from the file).
    kept = [(a, b) for a, b in truth if not 200_000 <= a < 212_000]
    starts, ends = mistimed(kept, lambda t: t if t < 90_000 else (t + 8000 if t < 200_000 else t - 4000))
    orphans = np.array([90_500.0, 94_000.0])
    all_starts = np.sort(np.concatenate((starts, orphans)))
    all_ends = np.sort(np.concatenate((ends, orphans + 2000)))
    assert np.all(np.diff(all_starts) > 0)  # a real file: times increase with cue order
    result = align(all_starts, all_ends, signal, AlignOptions())
    assert result.accepted
    assert [round(s.offset_ms / 100) * 100 for s in result.transform.segments] == [0, -8000, 4000]
    errors = start_errors(result.transform.map_cue, starts, ends, kept)
    assert np.mean(errors <= 100) >= 0.97


def test_another_films_subtitles_are_refused(film: tuple[SpeechSignal, Cues]) -> None:
    signal, _ = film
    for seed in (21, 22, 23):
        _, other = simulated_film(seed, 300_000)
        starts, ends = mistimed(other, lambda t: t)
        result = align(starts, ends, signal, AlignOptions())
        assert not result.accepted, seed
        assert result.confidence < DEFAULT_THRESHOLD / 2
        assert result.reason is not None


def test_refusal_reasons_name_the_cause(film: tuple[SpeechSignal, Cues]) -> None:
    signal, truth = film
    starts, ends = mistimed(truth, lambda t: t)
    silent = SpeechSignal(np.zeros(30_000, dtype=bool), np.zeros(0), 300_000)
    assert align(starts, ends, silent, AlignOptions()).reason == REASON_NO_SPEECH
    empty = np.zeros(0)
    assert align(empty, empty, signal, AlignOptions()).reason == REASON_NO_CUES
    _, other = simulated_film(31, 300_000)
    o_starts, o_ends = mistimed(other, lambda t: t)
    reason = align(o_starts, o_ends, signal, AlignOptions()).reason
    assert reason is not None and reason.split(":")[0] in (REASON_OTHER_FILM, "no clear peak")


def test_threshold_is_the_callers(film: tuple[SpeechSignal, Cues]) -> None:
    """The same answer is accepted or refused by the caller's threshold alone: exactly at
    its confidence it passes, a hair above it is refused, and nothing else changes."""
    signal, _ = film
    _, other = simulated_film(23, 300_000)  # a weak answer: another film's subtitles
    starts, ends = mistimed(other, lambda t: t)
    usual = align(starts, ends, signal, AlignOptions())
    assert 0.0 < usual.confidence < DEFAULT_THRESHOLD and not usual.accepted
    at = align(starts, ends, signal, AlignOptions(threshold=usual.confidence))
    assert at.accepted and at.reason is None
    above = align(starts, ends, signal, AlignOptions(threshold=usual.confidence + 1e-4))
    assert not above.accepted and above.reason is not None
    for other_answer in (at, above):
        assert other_answer.transform == usual.transform and other_answer.confidence == usual.confidence


def test_reference_mode_with_different_segmentation(film: tuple[SpeechSignal, Cues]) -> None:
    _, truth = film
    # The reference splits every long utterance in two; the file to align keeps them whole.
    reference: Cues = []
    for a, b in truth:
        if b - a > 2500:
            mid = (a + b) // 2
            reference += [(a, mid - 40), (mid, b)]
        else:
            reference.append((a, b))
    signal = signal_from_intervals(reference, 300_000)
    starts, ends = mistimed(truth, lambda t: t + 30_000)
    result = align(starts, ends, signal, AlignOptions())
    assert result.accepted
    assert result.transform.segments[0].offset_ms == pytest.approx(-30_000, abs=1)
    assert align(starts - 30_000, ends - 30_000, signal, AlignOptions()).unchanged


@pytest.mark.parametrize("shift_ms", [4200, -2750])
def test_a_moved_file_keeps_its_own_spread_of_lead_ins(
    film: tuple[SpeechSignal, Cues], shift_ms: int
) -> None:
    """Cues timed on a 25 fps grid 0-3 frames before the frame the speech starts on come back
    to their own starts, not snapped onto the onsets (which would make every cue ~80 ms late)."""
    signal, truth = film
    rng = np.random.default_rng(4)
    own = [(a // 40 * 40 - 40 * int(rng.integers(0, 4)), -(-(b + 300) // 40) * 40) for a, b in truth]
    starts, ends = mistimed(own, lambda t: t + shift_ms)
    result = align(starts, ends, signal, AlignOptions())
    assert result.accepted and result.lead_in is not None and result.lead_in.placed == "own"
    errors = start_errors(result.transform.map_cue, starts, ends, own)
    assert errors.max() <= 20
    snapped = align(starts, ends, signal, AlignOptions(lead_in_ms=0.0))
    late = start_errors(snapped.transform.map_cue, starts, ends, own)
    assert np.median(late) >= 40 and snapped.lead_in is not None and snapped.lead_in.placed == "fixed"
    assert align(*mistimed(own, lambda t: t), signal, AlignOptions()).unchanged


def test_a_file_timed_on_the_voice_still_goes_onto_the_onsets(film: tuple[SpeechSignal, Cues]) -> None:
    """One sharp cluster of lead-ins cannot be told from a shift: its starts meet the onsets.
    So do spread starts off any frame grid (under a loud bed the detector scatters like that)."""
    signal, truth = film
    starts, ends = mistimed(truth, lambda t: t + 3000)
    result = align(starts, ends, signal, AlignOptions())
    assert result.lead_in is not None and result.lead_in.placed == "onsets"
    assert result.lead_in.median_ms is not None and abs(result.lead_in.median_ms) <= 20
    assert np.median(start_errors(result.transform.map_cue, starts, ends, truth)) <= 10
    rng = np.random.default_rng(4)
    spread = [(a - int(rng.integers(0, 160)), b + 300) for a, b in truth]  # in ms, on no grid
    starts, ends = mistimed(spread, lambda t: t + 3000)
    off_grid = align(starts, ends, signal, AlignOptions())
    assert off_grid.lead_in is not None and off_grid.lead_in.placed == "onsets"
