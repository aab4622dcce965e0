"""Synthetic speech films: recorded speech clips placed at known times over a chosen bed.

Alignment, speech detection and the demo all need films whose speech timing is known to
the sample. This module builds them from short clips (the espeak-ng clips in
``pipeline/demo_assets``, or any audio ffmpeg decodes): ``compose`` places each clip at an
exact millisecond and mixes a background bed at a given speech-to-bed ratio; ``write_wav``,
``make_speech_audio_file`` and ``make_speech_film`` turn the samples into files.

Design choices, and why:

* Placement is sample-accurate (``round(start_ms * rate / 1000)``), so truth subtitles
  can be compared with alignment output to the millisecond.
* The bed's level is set by the ratio of *speech power to bed power measured over the
  speech regions* (the spans of the placed clips), which is what a detector sees while
  someone talks; music that swells in the pauses does not change the figure.
* Every bed is rendered block by block from the seed (each block depends only on the seed
  and its position), in two passes: one measures the bed power over the speech regions,
  one mixes it at the right gain. Memory is therefore the output array plus one block:
  a 60-minute film at 16 kHz is a 230 MB float32 array (``rate=8000`` halves it).
* It is part of the installed package, not a test helper: ``subpipe demo`` (an installed
  command, ``pipeline/demo.py``) builds its demo film with it. Tests and ``bench/align``
  use it as well; generators only tests need are in ``tests/mediagen.py``.
* Everything is deterministic given ``seed``: the same call gives the same samples.
* Audio reaches ffmpeg as a temporary 16-bit WAV, never through a shell; every
  ffmpeg call goes through ``media.runner``; every output is written atomically.
"""

from __future__ import annotations

import bisect
import collections
import itertools
import logging
import math
import tempfile
import threading
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from media.escape import file_arg, filter_path
from media.runner import ffmpeg
from subtitles.atomic import atomic_path
from subtitles.errors import InputError, OutputVerificationError, ToolError, UsageError
from subtitles.timing import fps_ratio

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]
Bed = Literal["none", "noise", "music", "babble"]
BEDS: tuple[Bed, ...] = ("none", "noise", "music", "babble")

#: Samples per rendering block of a bed (a power of two, so octave hold times of the
#: pink-noise generator divide it and blocks join seamlessly).
BLOCK = 1 << 18
#: Peak the mix is scaled down to when speech plus bed would exceed it.
PEAK_LIMIT = 0.98
#: Decoded clips kept in memory (bytes); least recently used go first.
DECODE_CACHE_BYTES = 512 * 1024 * 1024
#: RMS assumed for "speech" when a bed is requested without any placed speech.
NOMINAL_SPEECH_RMS = 0.08


@dataclass(frozen=True, slots=True)
class Placement:
    """One clip starting at ``start_ms`` of the composed audio, ``gain_db`` louder."""

    clip: Path
    start_ms: int
    gain_db: float = 0.0


# -- decoding -----------------------------------------------------------------------------

_cache: collections.OrderedDict[tuple[str, int, int, int], FloatArray] = collections.OrderedDict()
_cache_lock = threading.Lock()


def decode_pcm(path: Path, rate: int = 16000) -> FloatArray:
    """The audio of ``path`` as mono float32 samples in [-1, 1] at ``rate`` Hz.

    Decoded by ffmpeg (downmixed and resampled by it) to s16le on stdout. Results are
    cached in-process per (file, rate), keyed also on size and modification time so an
    edited file is decoded again; the returned array is read-only because it is shared.
    """
    path = Path(path)
    if rate < 1000 or rate > 192000:
        raise UsageError(f"sample rate out of range: {rate}")
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(f"cannot read audio: {exc.strerror}", path=path) from None
    key = (str(path.resolve()), rate, st.st_size, st.st_mtime_ns)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    timeout = 60.0 + st.st_size / 50_000  # generous: decoding runs far faster than 50 kB/s
    try:
        args: list[str | Path] = ["-v", "error", "-i", path, "-map", "0:a:0", "-vn", "-sn", "-dn"]
        args += ["-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1"]
        done = ffmpeg(
            args,
            timeout=timeout,
            what="decoding audio",
            path=path,
        )
    except ToolError as exc:
        if "matches no streams" in exc.stderr_tail:
            raise InputError("no audio stream to decode", path=path) from None
        if "Invalid data found" in exc.stderr_tail:
            raise InputError("not an audio or video file ffmpeg can read", path=path) from None
        raise
    samples = (np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / np.float32(32768.0)).astype(
        np.float32
    )
    if samples.size == 0:
        raise InputError("no audio samples decoded", path=path)
    samples.setflags(write=False)
    with _cache_lock:
        _cache[key] = samples
        while sum(a.nbytes for a in _cache.values()) > DECODE_CACHE_BYTES and len(_cache) > 1:
            _cache.popitem(last=False)
    return samples


# -- composing ----------------------------------------------------------------------------


def ms_to_sample(ms: int, rate: int) -> int:
    """Index of the sample at ``ms`` (rounded half up, exact integer maths)."""
    return (ms * rate * 2 + 1000) // 2000


def compose(
    placements: Sequence[Placement],
    *,
    duration_ms: int,
    rate: int = 16000,
    bed: Bed = "none",
    snr_db: float = 20.0,
    seed: int = 0,
    babble_clips: Sequence[Path] | None = None,
) -> FloatArray:
    """Place speech clips exactly and mix a background bed under them.

    Each clip starts at sample ``round(start_ms * rate / 1000)``, scaled by its
    ``gain_db``; overlapping clips add.
    ``bed`` is ``"none"``, ``"noise"`` (pink-ish noise), ``"music"`` (synthetic tonal
    music: chords, bass, arpeggio and a beat, deterministic from ``seed``) or ``"babble"``
    (several time-reversed, slightly re-pitched streams of clips summed: speech-like but
    unintelligible; the clips are ``babble_clips`` or else the placed ones). The bed is
    scaled so that speech power / bed power over the speech regions is ``snr_db``; with no
    placements a nominal speech level stands in. If the mix would clip, the whole mix is
    scaled down (the ratio is kept).

    Memory: the result is ``duration_ms * rate / 1000`` float32 samples (60 min at 16 kHz:
    230 MB; at 8 kHz: 115 MB) plus one bed block.
    """
    if bed not in BEDS:
        raise UsageError(f"unknown bed {bed!r}: choose one of {', '.join(BEDS)}")
    if duration_ms <= 0:
        raise UsageError(f"duration must be positive, not {duration_ms} ms")
    if rate < 1000 or rate > 192000:
        raise UsageError(f"sample rate out of range: {rate}")
    if not math.isfinite(snr_db):
        raise UsageError(f"signal-to-noise ratio must be finite, not {snr_db}")
    n = ms_to_sample(duration_ms, rate)
    out = np.zeros(n, dtype=np.float32)
    spans: list[tuple[int, int]] = []
    for p in placements:
        if p.start_ms < 0:
            raise UsageError(f"clip placed before the start ({p.start_ms} ms)", path=p.clip)
        clip = decode_pcm(p.clip, rate)
        a = ms_to_sample(p.start_ms, rate)
        b = a + clip.size
        if b > n:
            raise UsageError(
                f"clip placed at {p.start_ms} ms ends at {b * 1000 // rate} ms, after the "
                f"duration of {duration_ms} ms",
                path=p.clip,
            )
        out[a:b] += clip if p.gain_db == 0.0 else clip * np.float32(10.0 ** (p.gain_db / 20.0))
        spans.append((a, b))
    regions = merge_spans(spans)
    if bed != "none":
        source = _bed_source(bed, rate=rate, seed=seed, clips=_babble_pool(babble_clips, placements))
        _mix_bed(out, source, regions, snr_db)
    peak = max(float(np.max(np.abs(out[c : c + BLOCK]))) for c in range(0, n, BLOCK))
    if peak > PEAK_LIMIT:
        log.debug("mix peak %.3f: scaled by %.3f to avoid clipping", peak, PEAK_LIMIT / peak)
        out *= np.float32(PEAK_LIMIT / peak)
    return out


def merge_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of half-open sample spans, sorted, overlapping or touching ones merged."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _energy(samples: npt.NDArray[np.floating]) -> float:
    """Sum of squares in float64 (numpy's pairwise sum: no BLAS threads, no float32 drift)."""
    seg = samples.astype(np.float64, copy=False)
    return float(np.sum(seg * seg))


def power_over(samples: npt.NDArray[np.floating], regions: Sequence[tuple[int, int]]) -> float:
    """Mean power of ``samples`` over the given spans (float64 accumulation)."""
    total = 0.0
    count = 0
    for a, b in regions:
        for c in range(a, b, BLOCK):
            total += _energy(samples[c : min(b, c + BLOCK)])
            count += min(b, c + BLOCK) - c
    return total / count if count else 0.0


def _mix_bed(
    out: FloatArray,
    source: Callable[[int], npt.NDArray[np.float64]],
    regions: list[tuple[int, int]],
    snr_db: float,
) -> None:
    """Add the bed to ``out`` at the gain that gives ``snr_db`` over ``regions``.

    Two passes over the blocks (measure, then mix) keep memory at one block; rendering is
    deterministic per block, so both passes see the same bed.
    """
    n = out.size
    blocks = range((n + BLOCK - 1) // BLOCK)
    measure = regions or [(0, n)]  # with no speech, the bed's level over the whole film
    speech_power = power_over(out, regions) if regions else NOMINAL_SPEECH_RMS**2
    bed_energy = 0.0
    count = 0
    for k in blocks:
        lo, hi = k * BLOCK, min(n, (k + 1) * BLOCK)
        inside = [(max(a, lo) - lo, min(b, hi) - lo) for a, b in measure if a < hi and b > lo]
        if not inside:
            continue
        block = source(k)
        for a, b in inside:
            bed_energy += _energy(block[a:b])
            count += b - a
    bed_power = bed_energy / count if count else 0.0
    if bed_power <= 0.0 or speech_power <= 0.0:
        log.warning("bed or speech is silent: no bed mixed")
        return
    gain = math.sqrt(speech_power / (bed_power * 10.0 ** (snr_db / 10.0)))
    for k in blocks:
        lo, hi = k * BLOCK, min(n, (k + 1) * BLOCK)
        out[lo:hi] += (source(k)[: hi - lo] * gain).astype(np.float32)


# -- beds ---------------------------------------------------------------------------------


def _bed_source(
    bed: Bed, *, rate: int, seed: int, clips: list[Path]
) -> Callable[[int], npt.NDArray[np.float64]]:
    """A function rendering block ``k`` (``BLOCK`` samples) of the bed, from the seed only."""
    if bed == "noise":
        return lambda k: _pink_block(seed, k)
    if bed == "music":
        return _Music(rate, seed).block
    if not clips:
        raise UsageError("a babble bed needs speech clips: place some, or pass babble_clips")
    return _Babble(clips, rate, seed).block


def _babble_pool(babble_clips: Sequence[Path] | None, placements: Sequence[Placement]) -> list[Path]:
    if babble_clips is not None:
        return list(dict.fromkeys(Path(c) for c in babble_clips))
    return list(dict.fromkeys(p.clip for p in placements))


def _pink_block(seed: int, k: int) -> npt.NDArray[np.float64]:
    """Voss-McCartney pink-ish noise: white noise rows held for 1, 2, 4 ... 2^15 samples.

    Each row contributes equal power per octave, so the sum falls at about 3 dB per
    octave from half the sample rate down to ``rate / 2^16``.
    """
    rng = np.random.default_rng([seed, 0x9E37, k])
    acc = np.zeros(BLOCK, dtype=np.float64)
    rows = 16
    for r in range(rows):
        hold = 1 << r
        acc += np.repeat(rng.standard_normal(BLOCK // hold), hold)
    return acc / math.sqrt(rows)


class _Music:
    """Deterministic synthetic music: a chord progression with a beat.

    Per bar of four beats: a sustained chord (three tones with a few harmonics and a
    piano-like decay), a bass root on beats 1 and 3, an eighth-note arpeggio, a kick on 1
    and 3 and a snare-like noise burst on 2 and 4. Tempo, key, mode and the arpeggio
    patterns come from the seed. Distinct note waveforms are rendered once and cached, so
    rendering is mostly adding slices.
    """

    #: Chord roots (semitones above the key) and whether each chord is minor: I-vi-IV-V,
    #: I-IV-V-IV, I-V-vi-IV in major; i-III-VI-VII in minor.
    PROGRESSIONS: tuple[tuple[tuple[int, bool], ...], ...] = (
        ((0, False), (9, True), (5, False), (7, False)),
        ((0, False), (5, False), (7, False), (5, False)),
        ((0, False), (7, False), (9, True), (5, False)),
        ((0, True), (3, False), (8, False), (10, False)),
    )

    def __init__(self, rate: int, seed: int) -> None:
        rng = np.random.default_rng([seed, 0x4D55])
        self.rate = rate
        self.bpm = float(rng.uniform(84.0, 126.0))
        self.root = int(rng.integers(48, 58))  # MIDI note of the key
        self.progression = self.PROGRESSIONS[int(rng.integers(0, len(self.PROGRESSIONS)))]
        self.patterns = [tuple(int(x) for x in rng.integers(0, 3, size=8)) for _ in range(4)]
        self.pattern_choice = rng.integers(0, 4, size=4096)
        self.snare_noise = rng.standard_normal(int(0.25 * rate))
        self.beat = 60.0 / self.bpm
        self.bar_samples = 4 * self.beat * rate
        self._notes: dict[tuple[str, int], npt.NDArray[np.float64]] = {}
        self.longest = int(2.2 * self.bar_samples) + 1

    def _chord(self, bar: int) -> list[int]:
        degree, minor = self.progression[bar % len(self.progression)]
        base = self.root + degree
        return [base, base + (3 if minor else 4), base + 7]

    def _note(self, kind: str, midi: int) -> npt.NDArray[np.float64]:
        key = (kind, midi)
        wave_ = self._notes.get(key)
        if wave_ is not None:
            return wave_
        rate = self.rate
        if kind == "kick":
            t = np.arange(int(0.3 * rate)) / rate
            freq = 50.0 + 90.0 * np.exp(-t / 0.04)
            phase = 2 * np.pi * np.cumsum(freq) / rate
            wave_ = np.sin(phase) * np.exp(-t / 0.12)
        elif kind == "snare":
            t = np.arange(self.snare_noise.size) / rate
            wave_ = (0.6 * self.snare_noise + 0.8 * np.sin(2 * np.pi * 185.0 * t)) * np.exp(-t / 0.06)
        else:
            length = {"pad": 2.0 * self.bar_samples / rate, "bass": 2.0 * self.beat, "arp": 1.5 * self.beat}[
                kind
            ]
            decay = {"pad": 1.4, "bass": 0.5, "arp": 0.35}[kind]
            t = np.arange(int(length * rate)) / rate
            f0 = 440.0 * 2.0 ** ((midi - 69) / 12)
            tone = np.zeros_like(t)
            for h, amp in ((1, 1.0), (2, 0.45), (3, 0.2), (4, 0.1)):
                if f0 * h < rate / 2 - 200:
                    tone += amp * np.sin(2 * np.pi * f0 * h * t)
            envelope = np.minimum(1.0, t / 0.006) * np.exp(-t / decay)
            release = max(1, int(0.05 * rate))
            envelope[-release:] *= np.linspace(1.0, 0.0, release)  # no click at the cut
            wave_ = tone * envelope
        self._notes[key] = wave_
        return wave_

    def _events_in(self, lo: int, hi: int) -> list[tuple[int, str, int, float]]:
        """Notes (onset sample, kind, midi, gain) sounding in [lo, hi)."""
        first_bar = max(0, int((lo - self.longest) / self.bar_samples))
        last_bar = int(hi / self.bar_samples) + 1
        events: list[tuple[int, str, int, float]] = []
        for bar in range(first_bar, last_bar + 1):
            start = bar * self.bar_samples
            chord = self._chord(bar)
            for midi in chord:
                events.append((round(start), "pad", midi + 12, 0.16))
            for beat in range(4):
                onset = round(start + beat * self.beat * self.rate)
                if beat in (0, 2):
                    events.append((onset, "bass", chord[0] - 12, 0.35))
                    events.append((onset, "kick", 0, 0.55))
                else:
                    events.append((onset, "snare", 0, 0.22))
            pattern = self.patterns[int(self.pattern_choice[bar % self.pattern_choice.size])]
            for eighth, tone in enumerate(pattern):
                onset = round(start + eighth * self.beat * self.rate / 2)
                events.append((onset, "arp", chord[tone] + 24, 0.12 if eighth % 2 else 0.16))
        return events

    def block(self, k: int) -> npt.NDArray[np.float64]:
        lo, hi = k * BLOCK, (k + 1) * BLOCK
        out = np.zeros(BLOCK, dtype=np.float64)
        for onset, kind, midi, gain in self._events_in(lo, hi):
            note = self._note(kind, midi)
            a, b = max(lo, onset), min(hi, onset + note.size)
            if a < b:
                out[a - lo : b - lo] += gain * note[a - onset : b - onset]
        return out


class _Babble:
    """Several talkers, each a seeded stream of time-reversed clips at a slightly shifted
    pitch and speed, summed: the spectrum and rhythm of speech without words."""

    TALKERS = 5

    def __init__(self, clips: list[Path], rate: int, seed: int) -> None:
        rng = np.random.default_rng([seed, 0xBAB])
        self.rate = rate
        self.voices: list[list[npt.NDArray[np.float64]]] = []
        for _ in range(self.TALKERS):
            factor = float(rng.uniform(0.88, 1.14))
            voice = []
            for clip in clips:
                samples = decode_pcm(clip, rate)[::-1].astype(np.float64)
                positions = np.arange(0.0, samples.size - 1, factor)
                voice.append(np.interp(positions, np.arange(samples.size), samples))
            self.voices.append(voice)
        self.gains = rng.uniform(0.6, 1.0, size=self.TALKERS)
        self._onsets: list[list[int]] = [[] for _ in range(self.TALKERS)]
        self._clips: list[list[int]] = [[] for _ in range(self.TALKERS)]
        self._rngs = [np.random.default_rng([seed, 0xBAB, t]) for t in range(self.TALKERS)]
        self._next = [int(r.integers(0, 2 * rate)) for r in self._rngs]
        self.longest = max(v.size for voice in self.voices for v in voice)

    def _extend(self, talker: int, until: int) -> None:
        """Grow a talker's (onset, clip) schedule past ``until``; always the same sequence."""
        rng = self._rngs[talker]
        while self._next[talker] < until:
            idx = int(rng.integers(0, len(self.voices[talker])))
            onset = self._next[talker]
            self._onsets[talker].append(onset)
            self._clips[talker].append(idx)
            pause = int(rng.uniform(0.05, 0.45) * self.rate)
            self._next[talker] = onset + self.voices[talker][idx].size + pause

    def block(self, k: int) -> npt.NDArray[np.float64]:
        lo, hi = k * BLOCK, (k + 1) * BLOCK
        out = np.zeros(BLOCK, dtype=np.float64)
        for t in range(self.TALKERS):
            self._extend(t, hi)
            onsets = self._onsets[t]
            first = bisect.bisect_left(onsets, lo - self.longest)
            last = bisect.bisect_left(onsets, hi)
            for onset, idx in zip(onsets[first:last], self._clips[t][first:last], strict=True):
                clip = self.voices[t][idx]
                a, b = max(lo, onset), min(hi, onset + clip.size)
                if a < b:
                    out[a - lo : b - lo] += self.gains[t] * clip[a - onset : b - onset]
        return out


# -- writing ------------------------------------------------------------------------------


def _to_int16(samples: npt.NDArray[np.floating]) -> npt.NDArray[np.int16]:
    scaled = np.clip(np.rint(samples.astype(np.float64) * 32767.0), -32768, 32767)
    return scaled.astype("<i2")


def write_wav(path: Path, samples: npt.NDArray[np.floating], rate: int) -> None:
    """Write mono 16-bit PCM WAV atomically (values outside [-1, 1] are clipped)."""
    if samples.ndim != 1:
        raise UsageError(f"expected mono samples (1-D array), got shape {samples.shape}", path=path)
    with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        for c in range(0, samples.size, BLOCK * 4):
            w.writeframes(_to_int16(samples[c : c + BLOCK * 4]).tobytes())


#: Audio codec arguments per audio-only container suffix.
AUDIO_CODECS: dict[str, list[str]] = {
    ".m4a": ["-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart"],
    ".mp4": ["-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart"],
    ".aac": ["-c:a", "aac", "-b:a", "64k"],
    ".mka": ["-c:a", "aac", "-b:a", "64k"],
    ".opus": ["-c:a", "libopus", "-b:a", "32k"],
    ".ogg": ["-c:a", "libopus", "-b:a", "32k"],
    ".flac": ["-c:a", "flac"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
}

#: Containers ``make_speech_film`` writes (H.264 video with AAC audio).
FILM_SUFFIXES = (".mp4", ".mkv", ".mov")


def make_speech_audio_file(path: Path, *, audio: npt.NDArray[np.floating], rate: int = 16000) -> Path:
    """An audio-only file of ``audio`` (the format follows the suffix), written atomically.

    ``.wav`` is written directly; ``.m4a``/``.mp4``/``.aac``/``.mka`` get AAC,
    ``.opus``/``.ogg`` Opus, ``.flac`` FLAC and ``.mp3`` MP3 through ffmpeg. Opus needs
    8, 12, 16, 24 or 48 kHz input; ffmpeg resamples other rates to 48 kHz.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".wav":
        write_wav(path, audio, rate)
        return path
    codec = AUDIO_CODECS.get(suffix)
    if codec is None:
        known = ", ".join([".wav", *AUDIO_CODECS])
        raise UsageError(f"cannot write audio as {suffix or 'no suffix'}: use one of {known}", path=path)
    seconds = audio.size / rate
    with tempfile.TemporaryDirectory(prefix="subpipe-synth-") as tmpdir:
        wav = Path(tmpdir) / "audio.wav"
        write_wav(wav, audio, rate)
        with atomic_path(path) as tmp:
            ffmpeg(
                ["-v", "error", "-y", "-i", wav, "-map", "0:a", *codec, "-map_metadata", "-1", tmp],
                timeout=120.0 + seconds / 5,
                what="encoding audio",
                path=path,
            )
            _verify(tmp, path, seconds, want_video=False)
    return path


def make_speech_film(
    path: Path,
    *,
    audio: npt.NDArray[np.floating],
    rate: int = 16000,
    fps: Fraction = Fraction(25),
    size: tuple[int, int] = (320, 180),
    title: str | None = None,
    language: str | None = None,
    cuts_ms: Sequence[int] = (),
) -> Path:
    """A small film: generated H.264 video plus ``audio`` as AAC, as long as the audio.

    With a ``title`` the picture is a dark frame with the title and a running clock
    (``hh:mm:ss.mmm``, handy to check subtitle timing by eye); without one it is ffmpeg's
    ``testsrc2`` pattern. The container follows the suffix (.mp4, .mkv, .mov). The video is
    tiny and still-image tuned (a 60-minute film: about 45 s on a busy 2-core machine).
    ``language`` tags the audio stream (ISO 639-2, e.g. ``rus``). Written atomically and
    checked (one video and one audio stream, duration) before it appears under ``path``.

    ``cuts_ms`` (with a ``title``) are hard cuts: at each the background switches to the next
    of ``CUT_COLOURS`` (different in hue and brightness, so a content detector cannot miss
    one), from the first frame at or after that time, by frame number (no float rounding).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FILM_SUFFIXES:
        raise UsageError(f"cannot write a film as {suffix or 'no suffix'}: use {', '.join(FILM_SUFFIXES)}")
    width, height = size
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise UsageError(f"frame size must be positive and even (H.264 4:2:0), not {width}x{height}")
    fps = Fraction(fps)
    if fps <= 0:
        raise UsageError(f"frame rate must be positive, not {fps}")
    if audio.size == 0:
        raise UsageError("no audio samples to make a film of")
    if cuts_ms and title is None:
        raise UsageError("cuts need a title film (the test pattern has no background to switch)")
    seconds = audio.size / rate
    duration = f"{seconds:.6f}"
    rate_arg = fps_ratio(fps)
    with tempfile.TemporaryDirectory(prefix="subpipe-synth-") as tmpdir:
        wav = Path(tmpdir) / "audio.wav"
        write_wav(wav, audio, rate)
        if title is None:
            source = f"testsrc2=s={width}x{height}:r={rate_arg}:d={duration}"
            video_filter: list[str] = []
        else:
            title_file = Path(tmpdir) / "title.txt"
            title_file.write_text(title, encoding="utf-8")
            source = f"color=c=0x1c2533:s={width}x{height}:r={rate_arg}:d={duration}"
            title_size = max(8, height // 11)
            clock_size = max(6, height // 16)
            video_filter = [
                "-vf",
                _cut_boxes(cuts_ms, fps)
                + f"drawtext=textfile={filter_path(title_file)}:expansion=none:font=DejaVu Sans"
                f":fontsize={title_size}:fontcolor=white:x=(w-text_w)/2:y=h*0.18,"
                f"drawtext=text='%{{pts\\:hms}}':font=DejaVu Sans Mono:fontsize={clock_size}"
                f":fontcolor=0xb0b0b0:x=w-text_w-{clock_size // 2}:y={clock_size // 2}",
            ]
        metadata = ["-metadata", f"title={title}"] if title else []
        if language:
            metadata += ["-metadata:s:a:0", f"language={language}"]
        gop = max(1, round(fps * 10))
        with atomic_path(path) as tmp:
            args: list[str | Path] = ["-v", "error", "-y", "-f", "lavfi", "-i", source, "-i", wav]
            args += ["-map", "0:v", "-map", "1:a", *video_filter]
            args += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-crf", "32"]
            args += ["-g", str(gop), "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k"]
            args += ["-t", duration, "-map_metadata", "-1", *metadata]
            args += ["-movflags", "+faststart"] if suffix in (".mp4", ".mov") else []
            ffmpeg(
                [*args, tmp],
                timeout=120.0 + seconds / 2,
                what="making a film",
                path=path,
            )
            _verify(tmp, path, seconds, want_video=True)
    return path


#: Backgrounds a title film switches between at its cuts (the first is the title card's).
CUT_COLOURS = ("0x1c2533", "0x7a4a12", "0x2f6b3a", "0x5a2060")


def _cut_boxes(cuts_ms: Sequence[int], fps: Fraction) -> str:
    """``drawbox`` filters (ending in a comma) filling the frame with each shot's colour."""
    if not cuts_ms:
        return ""
    frames = [math.ceil(Fraction(int(ms)) * fps / 1000) for ms in cuts_ms]
    if any(f <= 0 for f in frames) or any(b <= a for a, b in itertools.pairwise(frames)):
        raise UsageError(f"cuts must be after the first frame and in increasing order, not {list(cuts_ms)}")
    boxes = []
    for k, first in enumerate(frames):
        last = frames[k + 1] if k + 1 < len(frames) else None
        when = f"gte(n,{first})" + (f"*lt(n,{last})" if last is not None else "")
        colour = CUT_COLOURS[1 + k % (len(CUT_COLOURS) - 1)]
        boxes.append(f"drawbox=x=0:y=0:w=iw:h=ih:color={colour}:t=fill:enable='{when}'")
    return ",".join(boxes) + ","


def _verify(tmp: Path, final: Path, seconds: float, *, want_video: bool) -> None:
    """Refuse a file that lacks the streams asked for or is not as long as the audio."""
    import av

    try:
        with av.open(file_arg(tmp)) as container:
            videos = len(container.streams.video)
            audios = len(container.streams.audio)
            length = container.duration / 1_000_000 if container.duration is not None else None
    except av.error.FFmpegError as exc:
        raise OutputVerificationError(f"written file cannot be read back: {exc}", path=final) from None
    problems = []
    if audios != 1:
        problems.append(f"{audios} audio streams, expected 1")
    if want_video and videos != 1:
        problems.append(f"{videos} video streams, expected 1")
    # AAC frames are 1024 samples and a film ends on a frame: allow one of each plus slack.
    if length is None or abs(length - seconds) > 0.15:
        problems.append(f"duration {length} s, expected {seconds:.3f} s")
    if problems:
        raise OutputVerificationError("written file is wrong: " + "; ".join(problems), path=final)
