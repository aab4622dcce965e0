"""Reference mode on real subtitle files of the same films (the shared corpus)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from subtitles.align import AlignOptions, align, signal_from_intervals
from subtitles.load import load_track
from subtitles.model import Track

pytestmark = pytest.mark.corpus


def _arrays(track: Track) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([c.start for c in track.cues], dtype=np.float64),
        np.array([c.end for c in track.cues], dtype=np.float64),
    )


def test_sintel_english_offset_by_30_s_is_found_exactly(corpus: Path) -> None:
    reference = load_track(corpus / "sintel-qmediaplayer" / "sintel-en.vtt")
    late = load_track(corpus / "sintel_multilang" / "variants" / "sintel_en_offset+30s_meyer1994.srt")
    signal = signal_from_intervals([(c.start, c.end) for c in reference.cues])
    result = align(*_arrays(late), signal, AlignOptions())
    assert result.accepted and len(result.transform.segments) == 1
    seg = result.transform.segments[0]
    assert seg.scale == 1.0
    assert seg.offset_ms == pytest.approx(-30_000, abs=20)


def test_sintel_translations_already_in_sync_stay_put(corpus: Path) -> None:
    folder = corpus / "sintel-qmediaplayer"
    reference = load_track(folder / "sintel-en.vtt")
    signal = signal_from_intervals([(c.start, c.end) for c in reference.cues])
    for name in ("sintel-ru.vtt", "sintel-de.vtt", "DERIVED-sintel-pl.repaired-utf8.vtt"):
        result = align(*_arrays(load_track(folder / name)), signal, AlignOptions())
        assert result.accepted and result.unchanged, name


def test_elephants_dream_russian_against_english_with_its_own_segmentation(corpus: Path) -> None:
    folder = corpus / "elephantsdream_videojs"
    en = load_track(folder / "captions.en.vtt")
    ru = load_track(folder / "captions.ru.vtt")
    signal = signal_from_intervals([(c.start, c.end) for c in en.cues])
    starts, ends = _arrays(ru)
    in_place = align(starts, ends, signal, AlignOptions())
    assert in_place.accepted
    # Independent segmentation and timing: the translation may be nudged, never moved far.
    moved = np.array([in_place.transform.map(int(s)) - s for s in starts])
    assert np.abs(moved).max() < 600
    # The same file 12.5 s late must come back to where it was (within a frame).
    late = align(starts + 12_500, ends + 12_500, signal, AlignOptions())
    assert late.accepted
    back = np.array([late.transform.map(int(s) + 12_500) - in_place.transform.map(int(s)) for s in starts])
    assert np.median(np.abs(back)) <= 40
