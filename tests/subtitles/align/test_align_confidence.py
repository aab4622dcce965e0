"""Confidence of split placements: a short segment's chance rival inside a neighbour.

Regression for a needless refusal: a split file whose short first segment met, somewhere
after the cut, a stretch of film that fitted it as well as its true place. Its sharpness
dragged the whole file's below the threshold although every segment was right. A rival
that would put the segment's cues among a confidently placed neighbour's is no answer
(cuts never reorder a film); a neighbour fitted by chance must not lend that support.
"""

from __future__ import annotations

import numpy as np
import pytest

from subtitles.align import SpeechSignal
from subtitles.align.channels import film_channels
from subtitles.align.confidence import SHARPNESS_MID, segment_sharpness
from subtitles.align.correlate import RefSpectra
from subtitles.align.signal import FRAME_MS, frames_for
from subtitles.align.transform import Segment, TimingTransform
from tests.subtitles.align.test_align_engine import Cues, simulated_film

#: The film's first minute is heard again from 100 s on (a recap): the first segment's
#: rhythm has an exact double there, inside the second segment's stretch.
REPEAT_MS = 60_000
REPEAT_AT_MS = 100_000
OFFSET_A = -3000
OFFSET_B = -23_000  # 20 s of material cut from the film after the first minute


def film_with_recap() -> tuple[SpeechSignal, Cues]:
    signal, truth = simulated_film(41, 300_000)
    speech = signal.speech.copy()
    n, at = REPEAT_MS // FRAME_MS, REPEAT_AT_MS // FRAME_MS
    speech[at : at + n] = signal.speech[:n]
    on = signal.onsets_ms
    outside = on[(on < REPEAT_AT_MS) | (on >= REPEAT_AT_MS + REPEAT_MS)]
    onsets = np.sort(np.concatenate((outside, on[on < REPEAT_MS] + REPEAT_AT_MS)))
    first = [(a, b) for a, b in truth if b <= REPEAT_MS]
    rest = [
        (a, b) for a, b in truth if a >= REPEAT_MS and not REPEAT_AT_MS - 5000 <= a < REPEAT_AT_MS + REPEAT_MS
    ]
    recap = [(a + REPEAT_AT_MS, b + REPEAT_AT_MS) for a, b in first]
    return SpeechSignal(speech, onsets, signal.duration_ms), sorted(first + rest + recap)


def ratios(signal: SpeechSignal, a_cues: Cues, b_cues: Cues) -> list[float]:
    """Segment sharpness of the right transform for a file of ``a_cues`` then ``b_cues``
    (film times), the first mistimed by ``-OFFSET_A``, the rest by ``-OFFSET_B``."""
    starts = np.array([a - OFFSET_A for a, _ in a_cues] + [a - OFFSET_B for a, _ in b_cues], np.float64)
    ends = np.array([b - OFFSET_A for _, b in a_cues] + [b - OFFSET_B for _, b in b_cues], np.float64)
    cut = int((max(b - OFFSET_A for _, b in a_cues) + min(a - OFFSET_B for a, _ in b_cues)) // 2)
    transform = TimingTransform(
        (Segment(0, cut, 1.0, OFFSET_A), Segment(cut, int(ends.max()) + 1, 1.0, OFFSET_B))
    )
    ref = film_channels(signal)
    max_lag = 12_000
    size = frames_for(int(ends.max() * 1.3)) + ref[0].size + max_lag + 4
    parts = segment_sharpness(
        transform, starts, ends, ref, max_lag, -signal.speech_fraction, RefSpectra(ref), size
    )
    return [r for r, _ in parts]


@pytest.fixture(scope="module")
def recap() -> tuple[SpeechSignal, Cues]:
    return film_with_recap()


def test_a_rival_inside_a_confident_neighbour_is_no_rival(recap: tuple[SpeechSignal, Cues]) -> None:
    signal, truth = recap
    a_cues = [(a, b) for a, b in truth if b <= REPEAT_MS]
    b_cues = [(a, b) for a, b in truth if a >= REPEAT_MS]
    r_a, r_b = ratios(signal, a_cues, b_cues)
    assert r_b >= SHARPNESS_MID  # the long segment stands out on its own
    assert r_a >= SHARPNESS_MID  # its exact double at 100 s would reorder the film


def test_a_neighbour_fitted_by_chance_lends_no_support(recap: tuple[SpeechSignal, Cues]) -> None:
    signal, truth = recap
    a_cues = [(a, b) for a, b in truth if b <= REPEAT_MS]
    _, other = simulated_film(43, 300_000)  # another film's cues after the cut
    b_cues = [(a, b) for a, b in other if a >= REPEAT_MS]
    r_a, r_b = ratios(signal, a_cues, b_cues)
    assert r_b < SHARPNESS_MID
    assert r_a < 1.2  # the double counts as a rival as good as the true place
