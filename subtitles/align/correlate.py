"""Cross-correlation of subtitle activity with film speech, by FFT, over a range of lags.

The score of a lag ``k`` (in 10 ms frames) is ``sum_t sub[t] * ref[t + k]`` where ``sub`` is
the subtitle coverage in [0, 1] and ``ref = speech - p`` is the film's speech mask minus its
speech fraction ``p``. Centring the film side makes a random placement score 0 on average
whatever the film's speech density, so scores of different scales and films compare, and
a subtitle pushed off the film neither gains nor loses. Subtitle time over speech counts
``1 - p``, over silence ``-p``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from subtitles.align.signal import FloatArray

#: Lags around a peak that belong to it (its own shoulders), in frames: 3 s.
PEAK_SHOULDER = 300


def fft_size(n: int) -> int:
    """Smallest 2^a * 3^b * 5^c not below ``n``: fast for pocketfft, little padding."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35
            while size < n:
                size *= 2
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


def decimate(x: FloatArray, k: int) -> FloatArray:
    """Sums of ``k`` consecutive frames (the last block padded with zeros)."""
    n = -(-x.size // k)
    padded = np.zeros(n * k)
    padded[: x.size] = x
    out: FloatArray = padded.reshape(n, k).sum(axis=1)
    return out


def centred(speech: np.ndarray) -> FloatArray:
    """The film side of the score: speech mask minus its mean."""
    ref = speech.astype(np.float64)
    return ref - (ref.mean() if ref.size else 0.0)


@dataclass(frozen=True, slots=True)
class Correlation:
    """Scores for lags ``-max_lag .. +max_lag`` frames (``scores[max_lag]`` is lag 0)."""

    scores: FloatArray
    max_lag: int

    def score_at(self, lag: int) -> float:
        return float(self.scores[lag + self.max_lag])

    @property
    def best_lag(self) -> int:
        return int(np.argmax(self.scores)) - self.max_lag

    @property
    def best(self) -> float:
        return float(self.scores.max())


Channels = tuple[FloatArray, ...]


def _outside_term(sub: FloatArray, n_ref: int, lags: npt.NDArray[np.int64], value: float) -> FloatArray:
    """``value`` times the subtitle mass that falls outside ``[0, n_ref)`` at each lag."""
    cum = np.concatenate(([0.0], np.cumsum(sub)))
    lo = np.clip(-lags, 0, sub.size)
    hi = np.clip(n_ref - lags, 0, sub.size)
    inside = np.where(hi > lo, cum[hi] - cum[np.minimum(lo, hi)], 0.0)
    out: FloatArray = value * (cum[-1] - inside)
    return out


class RefSpectra:
    """The film side's FFTs, computed once and reused by every candidate scale and
    segment (the film is the long side: most of the work). One transform size is kept at
    a time: for a 2-hour film each channel's spectrum is about 14 MB.

    ``channels`` selects which of ``ref``'s channels ``get`` returns (a view for scoring
    the onsets alone shares the parent's cache).
    """

    def __init__(
        self, ref: Channels, channels: tuple[int, ...] | None = None, parent: RefSpectra | None = None
    ):
        self.ref = ref
        self.channels = channels if channels is not None else tuple(range(len(ref)))
        self._parent = parent
        self._size = 0
        self._cache: list[npt.NDArray[np.complex128]] = []

    def only(self, *channels: int) -> RefSpectra:
        return RefSpectra(self.ref, channels, parent=self)

    def get(self, n: int) -> list[npt.NDArray[np.complex128]]:
        if self._parent is not None:
            full = self._parent.get(n)
            return [full[i] for i in self.channels]
        if n != self._size:
            self._cache = []  # free the old size before computing the new one
            self._cache = [np.fft.rfft(r, n) for r in self.ref]
            self._size = n
        return [self._cache[i] for i in self.channels]


def correlate(
    sub: Channels,
    ref: Channels,
    max_lag: int,
    outside: float = 0.0,
    spectra: RefSpectra | None = None,
    min_size: int = 0,
) -> Correlation:
    """Scores of every lag in ``[-max_lag, max_lag]`` (frames), summed over channels.

    ``sub[i]`` is matched with ``ref[i]`` (the activity with the speech mask, the cue
    starts with the speech onsets); all start at time 0. The circular FFT correlation is
    padded so that no lag wraps around (``min_size`` pads further, so that calls for
    different scales share one transform size and ``spectra``' cached film FFTs).
    ``outside`` is the value of the first film channel beyond the film's ends: subtitles
    pushed off the film should score like subtitles over silence, or a shift that pushes
    cues out would look like a gain.
    """
    n = fft_size(max(min_size, max(s.size for s in sub) + max(r.size for r in ref) + max_lag + 1))
    refs = spectra.get(n) if spectra is not None else [np.fft.rfft(r, n) for r in ref]
    spec = np.conj(np.fft.rfft(sub[0], n))
    spec *= refs[0]
    for s, r in zip(sub[1:], refs[1:], strict=True):
        term = np.conj(np.fft.rfft(s, n))
        term *= r
        spec += term
        del term
    circ = np.fft.irfft(spec, n)
    del spec
    # circ[k] = sum_t sub[t] ref[t + k]; negative lags sit at the end.
    scores = np.concatenate((circ[n - max_lag :], circ[: max_lag + 1])) if max_lag > 0 else circ[:1]
    if outside:
        scores = scores + _outside_term(sub[0], ref[0].size, np.arange(-max_lag, max_lag + 1), outside)
    return Correlation(scores=scores, max_lag=max_lag)


def correlate_windows(
    sub: Channels,
    ref: Channels,
    bounds: list[tuple[int, int]],
    max_lag: int,
    outside: float = 0.0,
    batch: int = 32,
) -> FloatArray:
    """Window score curves summed over channels (see ``_windows``)."""
    out = _windows(sub[0], ref[0], bounds, max_lag, batch)
    if outside:
        lags = np.arange(-max_lag, max_lag + 1)
        for w, (a, b) in enumerate(bounds):
            # The window's cues sit at frames a..b: shift the lag by a.
            out[w] += _outside_term(sub[0][a:b], ref[0].size, lags + a, outside)
    for s, r in zip(sub[1:], ref[1:], strict=True):
        out += _windows(s, r, bounds, max_lag, batch)
    return out


def _windows(
    sub: FloatArray, ref: FloatArray, bounds: list[tuple[int, int]], max_lag: int, batch: int
) -> FloatArray:
    """One score curve per window of ``sub`` (``bounds`` are frame ranges), lags ``±max_lag``.

    Row ``w`` is the correlation of ``sub[a:b]`` alone with ``ref``; the rows of a partition
    of ``sub`` sum to the whole correlation, which is what lets the split search add
    window scores. Windows are processed in batches of equal FFT size to bound memory.
    """
    width = max((b - a for a, b in bounds), default=0)
    lags = 2 * max_lag + 1
    out = np.zeros((len(bounds), lags), dtype=np.float64)
    if width == 0:
        return out
    n = fft_size(width + width + 2 * max_lag + 1)
    need = max(a for a, _ in bounds) + width + 2 * max_lag
    padded_ref = np.zeros(max(need, ref.size + max_lag))
    padded_ref[max_lag : max_lag + ref.size] = ref
    for first in range(0, len(bounds), batch):
        chunk = bounds[first : first + batch]
        subs = np.zeros((len(chunk), width))
        refs = np.zeros((len(chunk), width + 2 * max_lag))
        for j, (a, b) in enumerate(chunk):
            subs[j, : min(b, sub.size) - a] = sub[a : min(b, sub.size)]
            # ref index t + k for t in [a, a + width), k in [-max_lag, max_lag]
            refs[j] = padded_ref[a : a + width + 2 * max_lag]
        spec = np.conj(np.fft.rfft(subs, n, axis=1)) * np.fft.rfft(refs, n, axis=1)
        circ = np.fft.irfft(spec, n, axis=1)
        out[first : first + len(chunk)] = circ[:, :lags]
    return out
