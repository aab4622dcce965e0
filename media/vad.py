"""Speech activity at 10 ms resolution, robust to music and noise beds.

Three tests must agree. webrtcvad (the WebRTC GMM detector, aggressiveness 3) finds frames
that *sound* like speech, but on its own takes most of a music bed and much of loud noise
for speech (precision 0.56 on synthetic music at 5 dB SNR, 0.62 on pink noise at 5 dB).
An energy gate keeps only frames ``GATE_DB`` above the local background (a low percentile
of the frame energy over ``±FLOOR_SPAN_S``): speech rides on top of a bed, a bed alone does
not rise above itself. A fluctuation gate drops frames whose energy barely moves over half
a second: syllables make speech rise and fall, a hum or a held chord does not. Measured on
espeak speech (the demo clips) over 5 minutes: clean 1.00 precision / 0.95 recall; music
at 20, 10, 5 dB SNR 0.96/0.93, 0.94/0.81, 0.94/0.71; pink noise at 10 and 5 dB 1.00/0.65,
1.00/0.49; babble at 10 dB only 0.61/0.95 (babble *is* speech to any detector). For
alignment a detector that is right when it speaks matters more than one that hears every
word.

Memory: the PCM streams through in chunks; what is kept is one bool and one float32 per
10 ms frame (2.9 MB for a 2-hour film).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import webrtcvad

from subtitles.align.signal import FRAME_MS, SpeechSignal

#: webrtcvad aggressiveness (0..3): 3 rejects the most non-speech.
AGGRESSIVENESS = 3
#: Frames must be this far above the local background level (dB).
GATE_DB = 6.0
#: The background level is this percentile of frame energies ...
FLOOR_PERCENTILE = 10.0
#: ... over this many seconds either side.
FLOOR_SPAN_S = 5
#: Speech energy fluctuates at least this much (dB, standard deviation over 0.5 s).
MIN_FLUCTUATION_DB = 3.0
#: Pauses shorter than this inside speech are filled, and blips shorter than this dropped (frames).
MIN_GAP_FRAMES = 10
MIN_RUN_FRAMES = 5
#: Bands (in 100 Hz FFT bins of a 10 ms frame at 8 kHz) for onset placement: a bed masks
#: speech in some bands (pink noise low, music where its notes are) but rarely in all.
BAND_EDGES_HZ = (100, 300, 700, 1500, 2500, 4000)
#: An onset is where some band first rises this far above its background (dB), the
#: background being that band's median (plus its spread) over the 0.5 s before.
ONSET_EXCESS_DB = 3.0


class SpeechDetector:
    """Feed int16 mono PCM chunks; ``result()`` gives the ``SpeechSignal``."""

    def __init__(self, rate: int) -> None:
        if rate not in (8000, 16000, 32000, 48000):
            raise ValueError(f"webrtcvad needs 8, 16, 32 or 48 kHz, not {rate}")
        self.rate = rate
        self.frame = rate * FRAME_MS // 1000
        self._vad = webrtcvad.Vad(AGGRESSIVENESS)
        self._carry = np.zeros(0, dtype=np.int16)
        self._last = 0.0
        self._votes: list[npt.NDArray[np.bool_]] = []
        self._energy: list[npt.NDArray[np.float32]] = []
        self._bands: list[npt.NDArray[np.float32]] = []
        self._window = np.hanning(self.frame).astype(np.float32)
        hz_per_bin = 1000 // FRAME_MS
        self._edges = [min(self.frame // 2 + 1, hz // hz_per_bin) for hz in BAND_EDGES_HZ]
        self.samples = 0

    def feed(self, pcm: npt.NDArray[np.int16]) -> None:
        self.samples += pcm.size
        data = np.concatenate((self._carry, pcm)) if self._carry.size else pcm
        # Whole pairs of 10 ms frames: webrtcvad votes on 20 ms (half the calls of 10 ms,
        # the Python loop being the detector's main cost), each vote covering both frames.
        n = data.size // (2 * self.frame) * 2
        if n == 0:
            self._carry = data.copy()
            return
        frames = data[: n * self.frame]
        self._carry = data[n * self.frame :].copy()
        raw = frames.tobytes()
        step = self.frame * 4
        is_speech = self._vad.is_speech
        pairs = np.fromiter(
            (is_speech(raw[i * step : (i + 1) * step], self.rate) for i in range(n // 2)),
            dtype=bool,
            count=n // 2,
        )
        votes = np.repeat(pairs, 2)
        # Pre-emphasis (first difference) so bass and kick drums weigh less than speech.
        x = frames.astype(np.float32)
        diff = np.empty_like(x)
        diff[0] = x[0] - 0.95 * self._last
        diff[1:] = x[1:] - 0.95 * x[:-1]
        self._last = float(x[-1])
        power = (diff.reshape(n, self.frame) ** 2).mean(axis=1)
        self._votes.append(votes)
        self._energy.append((10.0 * np.log10(power + 1.0)).astype(np.float32))
        spec = np.abs(np.fft.rfft(x.reshape(n, self.frame) * self._window, axis=1)) ** 2
        cum = np.concatenate((np.zeros((n, 1), dtype=spec.dtype), np.cumsum(spec, axis=1)), axis=1)
        edges = self._edges
        band = np.stack([cum[:, b] - cum[:, a] for a, b in itertools.pairwise(edges)], axis=1)
        self._bands.append((10.0 * np.log10(band + 1.0)).astype(np.float32))

    def result(self) -> SpeechSignal:
        votes = np.concatenate(self._votes) if self._votes else np.zeros(0, dtype=bool)
        energy = np.concatenate(self._energy) if self._energy else np.zeros(0, dtype=np.float32)
        duration_ms = self.samples * 1000 // self.rate
        bands = (
            np.concatenate(self._bands) if self._bands else np.zeros((0, len(self._edges) - 1), np.float32)
        )
        self._votes, self._energy, self._bands = [votes], [energy], [bands]  # pieces freed once merged
        speech = gate(votes, energy)
        onsets = onsets_ms(speech, bands)
        return SpeechSignal(speech=speech, onsets_ms=onsets, duration_ms=duration_ms, source="audio")


def background(energy: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Local background level per frame: a low percentile over ``±FLOOR_SPAN_S`` seconds,
    computed per second and held (linear in the film's length)."""
    per_s = 1000 // FRAME_MS
    nb = -(-energy.size // per_s)
    if nb == 0:
        return energy.copy()
    padded = np.full(nb * per_s, np.nan, dtype=np.float32)
    padded[: energy.size] = energy
    blocks = np.sort(padded.reshape(nb, per_s), axis=1)  # NaNs sort last
    # Percentile of the union of neighbouring blocks, approximated by the percentile of
    # the blocks' own low percentiles (exact enough for a gate, and O(n)).
    lows = np.nanpercentile(blocks, FLOOR_PERCENTILE, axis=1)
    edge = np.full(FLOOR_SPAN_S, np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(
        np.concatenate((edge, lows, edge)), 2 * FLOOR_SPAN_S + 1
    )
    out = np.nanpercentile(windows, 30, axis=1).astype(np.float32)
    return np.repeat(out, per_s)[: energy.size]


def fluctuation(energy: npt.NDArray[np.float32], half: int = 25) -> npt.NDArray[np.float32]:
    """Standard deviation (dB) of the frame energy over ``±half`` frames: syllables make
    speech rise and fall several dB within half a second; a hum, a held note or a steady
    noise does not. Computed in blocks so a 2-hour film needs a few MB, not fifty."""
    n = energy.size
    out = np.empty(n, dtype=np.float32)
    block = 1 << 16
    for first in range(0, n, block):
        lo, hi = max(0, first - half), min(n, first + block + half)
        x = energy[lo:hi].astype(np.float64)
        c1 = np.concatenate(([0.0], np.cumsum(x)))
        c2 = np.concatenate(([0.0], np.cumsum(x * x)))
        idx = np.arange(first, min(n, first + block)) - lo
        a, b = np.maximum(0, idx - half), np.minimum(x.size, idx + half + 1)
        count = b - a
        mean = (c1[b] - c1[a]) / count
        var = (c2[b] - c2[a]) / count - mean * mean
        out[first : first + idx.size] = np.sqrt(np.clip(var, 0.0, None))
    return out


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return edges[::2], edges[1::2]


def gate(votes: npt.NDArray[np.bool_], energy: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """webrtcvad's votes where the energy stands above the background, tidied: short pauses
    inside speech filled, isolated blips removed."""
    mask = votes & (energy > background(energy) + GATE_DB) & (fluctuation(energy) >= MIN_FLUCTUATION_DB)
    starts, ends = _runs(mask)
    for a, b in zip(ends[:-1], starts[1:], strict=True):
        if b - a < MIN_GAP_FRAMES:
            mask[a:b] = True
    starts, ends = _runs(mask)
    for a, b in zip(starts, ends, strict=True):
        if b - a < MIN_RUN_FRAMES:
            mask[a:b] = False
    return mask


#: Onset placement looks back this many frames from the mask's edge and this many ahead,
#: against the band background of frames ``PRE_FRAMES`` before the edge.
LOOK_BACK = 25
LOOK_AHEAD = 20
PRE_FRAMES = (60, 12)


def onsets_ms(speech: npt.NDArray[np.bool_], bands: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Speech onsets in ms, one per rising edge of the mask, placed between frames.

    The mask's edge is late by the detector's reaction; instead the onset is where, near
    the edge, some frequency band first rises ``ONSET_EXCESS_DB`` above its own background
    (median plus 90th-percentile spread over the 0.5 s before), interpolated linearly
    between the two 10 ms frames that straddle the crossing. All edges are placed at once
    (vectorised); the few within a second of the film's ends one by one.
    """
    starts, _ = _runs(speech)
    out = np.empty(starts.size, dtype=np.float64)
    inner = (starts >= PRE_FRAMES[0]) & (starts + LOOK_AHEAD <= bands.shape[0])
    for j in np.flatnonzero(~inner):
        out[j] = _onset_one(int(starts[j]), bands)
    s = starts[inner]
    if s.size:
        pre = bands[s[:, None] + np.arange(-PRE_FRAMES[0], -PRE_FRAMES[1])[None, :]]
        bed = np.median(pre, axis=1)
        spread = np.percentile(pre, 90, axis=1) - bed
        window = bands[s[:, None] + np.arange(-LOOK_BACK, LOOK_AHEAD)[None, :]]
        excess = (window - (bed + spread)[:, None, :]).max(axis=2)
        out[inner] = _place(excess, s - LOOK_BACK)
    return out


def _place(excess: npt.NDArray[np.float32], lo: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    """Where each row's excess crosses the threshold: walk back from the edge while the
    frame before is above it, then forward to the first frame above it."""
    rows, width = excess.shape
    above = excess >= ONSET_EXCESS_DB
    cols = np.arange(width)[None, :]
    below_before = np.where(~above[:, :LOOK_BACK], cols[:, :LOOK_BACK], -1).max(axis=1)
    k = below_before + 1
    k = np.where(above & (cols >= k[:, None]), cols, width - 1).min(axis=1)
    r = np.arange(rows)
    prev = excess[r, np.maximum(k - 1, 0)].astype(np.float64)
    here = excess[r, k].astype(np.float64)
    crossing = (k > 0) & (prev < ONSET_EXCESS_DB) & (here > ONSET_EXCESS_DB)
    frac = np.where(crossing, (ONSET_EXCESS_DB - prev) / np.where(crossing, here - prev, 1.0), 0.0)
    # Frame k's energy is centred at 10 k + 5 ms.
    placed: npt.NDArray[np.float64] = np.where(crossing, lo + k - 1 + frac, (lo + k).astype(np.float64))
    return placed * FRAME_MS + FRAME_MS / 2


def _onset_one(s: int, bands: npt.NDArray[np.float32]) -> float:
    """``onsets_ms`` for one edge near the film's ends (shorter windows)."""
    lo = max(0, s - LOOK_BACK)
    pre = bands[max(0, s - PRE_FRAMES[0]) : max(0, s - PRE_FRAMES[1])]
    if pre.shape[0] < 5:
        pre = bands[lo : s + 1]
    bed = np.median(pre, axis=0)
    spread = np.percentile(pre, 90, axis=0) - bed
    excess = (bands[lo : s + LOOK_AHEAD] - bed - spread).max(axis=1)
    k = min(s - lo, excess.size - 1)
    while k > 0 and excess[k - 1] >= ONSET_EXCESS_DB:
        k -= 1
    while k < excess.size - 1 and excess[k] < ONSET_EXCESS_DB:
        k += 1
    if k > 0 and excess[k - 1] < ONSET_EXCESS_DB < excess[k]:
        frac = (ONSET_EXCESS_DB - float(excess[k - 1])) / float(excess[k] - excess[k - 1])
        return float((lo + k - 1 + frac) * FRAME_MS + FRAME_MS / 2)
    return float((lo + k) * FRAME_MS + FRAME_MS / 2)


def detect_speech(chunks: Iterable[npt.NDArray[np.int16]], rate: int) -> SpeechSignal:
    """Run the detector over a stream of PCM chunks."""
    detector = SpeechDetector(rate)
    for chunk in chunks:
        detector.feed(chunk)
    return detector.result()
