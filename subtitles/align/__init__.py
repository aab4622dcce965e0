"""Alignment maths: numpy arrays in, a timing transform out (no I/O, no subprocess).

``align(starts_ms, ends_ms, signal, options)`` finds the piecewise-linear map that puts a
subtitle file's cues onto a film's speech (``SpeechSignal`` from ``media.vad``) or onto a
reference track's cues (``signal_from_intervals``); ``apply_transform`` moves a ``Track``
by it, keeping every cue.
"""

from subtitles.align.apply import AppliedTiming, apply_transform
from subtitles.align.confidence import DEFAULT_THRESHOLD
from subtitles.align.engine import Alignment, AlignOptions, agreement, align
from subtitles.align.signal import FRAME_MS, SpeechSignal, signal_from_intervals
from subtitles.align.transform import Segment, TimingTransform

__all__ = [
    "DEFAULT_THRESHOLD",
    "FRAME_MS",
    "AlignOptions",
    "Alignment",
    "AppliedTiming",
    "Segment",
    "SpeechSignal",
    "TimingTransform",
    "agreement",
    "align",
    "apply_transform",
    "signal_from_intervals",
]
