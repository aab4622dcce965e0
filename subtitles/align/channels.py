"""The two channels both sides are scored on: coverage and starts.

Subtitle side: how much of each 10 ms frame cues cover, and the cue starts as unit
impulses. Film side: the speech mask minus its mean, and the speech onsets as Gaussian
bumps. Coverage finds the rough placement; starts pin it down, and are all there is in a
file of back-to-back cues (forced alignment output), whose coverage is flat.
"""

from __future__ import annotations

import numpy as np

from subtitles.align.correlate import Channels, centred
from subtitles.align.signal import FRAME_MS, FloatArray, SpeechSignal, frames_for, interval_activity

#: Weight of a cue start meeting a speech onset, in frames of aligned speech, and the
#: width (frames) of the onset bumps.
ONSET_WEIGHT = 30.0
ONSET_SIGMA_FRAMES = 3.0


def sub_channels(starts: FloatArray, ends: FloatArray, scale: float) -> Channels:
    """The subtitle side: cue coverage per frame, and cue starts as unit impulses (split
    linearly between the two frames around a start that falls between frames)."""
    n = frames_for(int(np.ceil(float(ends.max()) * scale))) + 2
    act = interval_activity(starts * scale, ends * scale, n)
    return act, impulses(starts * scale, n)


def impulses(times_ms: FloatArray, n: int) -> FloatArray:
    pos = np.asarray(times_ms, dtype=np.float64) / FRAME_MS - 0.5
    pos = pos[(pos >= 0) & (pos < n - 1)]
    i = np.floor(pos).astype(np.int64)
    frac = pos - i
    out = np.zeros(n)
    np.add.at(out, i, 1 - frac)
    np.add.at(out, i + 1, frac)
    return out


def film_channels(signal: SpeechSignal) -> Channels:
    """The film side: the centred speech mask, and the speech onsets as Gaussian bumps
    (``ONSET_SIGMA_FRAMES`` wide, weighted ``ONSET_WEIGHT``), centred. Back-to-back cues
    (a forced-alignment file) give a flat coverage; their starts still find the onsets."""
    n = signal.speech.size
    bumps = impulses(signal.onsets_ms, n + 1)[:n]
    radius = 4 * ONSET_SIGMA_FRAMES
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / ONSET_SIGMA_FRAMES) ** 2)
    bumps = np.convolve(bumps, kernel, mode="same") if n > kernel.size else bumps
    return centred(signal.speech), ONSET_WEIGHT * (bumps - (bumps.mean() if n else 0.0))
