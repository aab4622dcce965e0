"""Synthetic speech films: exact placement, measured bed level, determinism, real files."""

from __future__ import annotations

import importlib
import json
import tempfile
import wave
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest

from media.probe import probe
from media.synth import (
    BLOCK,
    PEAK_LIMIT,
    Bed,
    Placement,
    compose,
    decode_pcm,
    make_speech_audio_file,
    make_speech_film,
    merge_spans,
    ms_to_sample,
    power_over,
    write_wav,
)
from subtitles.errors import InputError, UsageError

pytestmark = pytest.mark.media  # every test decodes the clips with ffmpeg

ASSETS = Path(__file__).resolve().parents[2] / "pipeline" / "demo_assets"
RATE = 16000


def clip(name: str) -> Path:
    return ASSETS / name


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))
    return data


def lag_of(haystack: npt.NDArray[np.floating], needle: npt.NDArray[np.floating]) -> int:
    """Index where ``needle`` best matches ``haystack`` (full FFT cross-correlation)."""
    n = haystack.size + needle.size
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(haystack, size) * np.conj(np.fft.rfft(needle, size)), size)
    return int(np.argmax(corr[: haystack.size - needle.size + 1]))


def speech_only(placements: list[Placement], n: int) -> npt.NDArray[np.float64]:
    ref = np.zeros(n, dtype=np.float64)
    for p in placements:
        c = decode_pcm(p.clip, RATE).astype(np.float64) * 10.0 ** (p.gain_db / 20.0)
        a = ms_to_sample(p.start_ms, RATE)
        ref[a : a + c.size] += c
    return ref


def test_decode_pcm_matches_manifest_and_is_cached_read_only() -> None:
    entry = manifest()["clips"][0]
    samples = decode_pcm(clip(entry["file"]))
    assert samples.dtype == np.float32
    assert abs(samples.size * 1000 / RATE - entry["duration_ms"]) <= 2
    assert float(np.max(np.abs(samples))) <= 1.0
    assert decode_pcm(clip(entry["file"])) is samples
    assert not samples.flags.writeable
    half = decode_pcm(clip(entry["file"]), 8000)
    assert abs(half.size * 2 - samples.size) <= 2


def test_decode_pcm_refuses_a_file_that_is_not_audio(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.opus"
    bogus.write_text("not audio at all", encoding="utf-8")
    with pytest.raises(InputError) as err:
        decode_pcm(bogus)
    assert err.value.path == bogus
    with pytest.raises(InputError):
        decode_pcm(tmp_path / "missing.opus")


@pytest.mark.parametrize("bed", ["none", "noise"])
def test_placement_is_sample_accurate(bed: Bed) -> None:
    starts = {"ru_03.opus": 1237, "en_05.opus": 6001, "pl_09.opus": 9999}
    placements = [Placement(clip(name), ms, gain_db=-6.0) for name, ms in starts.items()]
    mix = compose(placements, duration_ms=14_000, bed=bed, snr_db=10.0, seed=4)
    assert mix.size == 14_000 * RATE // 1000
    for p in placements:
        found = lag_of(mix.astype(np.float64), decode_pcm(p.clip, RATE).astype(np.float64))
        assert found == ms_to_sample(p.start_ms, RATE) == p.start_ms * RATE // 1000


def test_placement_at_odd_rate_rounds_to_nearest_sample() -> None:
    assert ms_to_sample(1, 44100) == 44  # 44.1
    assert ms_to_sample(10, 44100) == 441
    assert ms_to_sample(5, 22050) == 110  # 110.25
    mix = compose([Placement(clip("ru_05.opus"), 333)], duration_ms=4000, rate=8000)
    assert lag_of(mix.astype(np.float64), decode_pcm(clip("ru_05.opus"), 8000).astype(np.float64)) == 2664


@pytest.mark.parametrize(("bed", "snr"), [("noise", 20.0), ("music", 20.0), ("music", 5.0), ("babble", 10.0)])
def test_bed_level_gives_the_requested_snr_over_speech(bed: Bed, snr: float) -> None:
    placements = [
        Placement(clip("ru_01.opus"), 500, gain_db=-12.0),
        Placement(clip("ru_03.opus"), 6500, gain_db=-12.0),
        Placement(clip("en_06.opus"), 11_000, gain_db=-12.0),
    ]
    n = 20_000 * RATE // 1000
    mix = compose(placements, duration_ms=20_000, bed=bed, snr_db=snr, seed=7).astype(np.float64)
    assert float(np.max(np.abs(mix))) < PEAK_LIMIT  # no normalisation: the bed is mix - speech
    speech = speech_only(placements, n)
    bed_part = mix - speech
    regions = merge_spans(
        [
            (ms_to_sample(p.start_ms, RATE), ms_to_sample(p.start_ms, RATE) + decode_pcm(p.clip).size)
            for p in placements
        ]
    )
    measured = 10 * np.log10(power_over(speech, regions) / power_over(bed_part, regions))
    assert abs(measured - snr) < 0.5
    gaps = [(0, regions[0][0]), (regions[-1][1], n)]
    assert power_over(bed_part, gaps) > 0.0  # the bed plays in the pauses too


def test_normalisation_avoids_clipping_and_keeps_the_ratio() -> None:
    placements = [Placement(clip("pl_01.opus"), 200, gain_db=6.0)]
    mix = compose(placements, duration_ms=7000, bed="noise", snr_db=0.0, seed=2).astype(np.float64)
    assert float(np.max(np.abs(mix))) == pytest.approx(PEAK_LIMIT, abs=1e-6)
    speech = speech_only(placements, mix.size)
    region = [(ms_to_sample(200, RATE), ms_to_sample(200, RATE) + decode_pcm(clip("pl_01.opus")).size)]
    scale = float(np.dot(mix, speech) / np.dot(speech, speech))  # least squares: the common gain
    assert 0.0 < scale < 1.0
    bed_part = mix - scale * speech
    ratio = 10 * np.log10(power_over(scale * speech, region) / power_over(bed_part, region))
    assert abs(ratio) < 0.5


@pytest.mark.parametrize("bed", ["noise", "music", "babble"])
def test_beds_are_deterministic_given_the_seed(bed: Bed) -> None:
    placements = [Placement(clip("en_03.opus"), 1000)]
    # longer than one block, so block joins are covered
    duration = (BLOCK * 3 // 2) * 1000 // RATE
    a = compose(placements, duration_ms=duration, bed=bed, seed=11)
    b = compose(placements, duration_ms=duration, bed=bed, seed=11)
    c = compose(placements, duration_ms=duration, bed=bed, seed=12)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def band_power(x: npt.NDArray[np.floating], lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / RATE)
    return float(np.mean(spectrum[(freqs >= lo) & (freqs < hi)]))


def test_noise_is_pink_and_music_is_tonal_with_a_beat() -> None:
    noise = compose([], duration_ms=20_000, bed="noise", seed=3).astype(np.float64)
    # pink: power density falls ~3 dB per octave, so four octaves apart is ~12 dB
    slope_db = 10 * np.log10(band_power(noise, 200, 400) / band_power(noise, 3200, 6400))
    assert 7.0 < slope_db < 20.0
    music = compose([], duration_ms=20_000, bed="music", seed=3).astype(np.float64)
    power = np.abs(np.fft.rfft(music)) ** 2
    flatness = np.exp(np.mean(np.log(power + 1e-12))) / np.mean(power)
    noise_power = np.abs(np.fft.rfft(noise)) ** 2
    noise_flatness = np.exp(np.mean(np.log(noise_power + 1e-12))) / np.mean(noise_power)
    assert flatness < noise_flatness / 20  # energy sits in a few tones, not spread
    # note onsets: a 10 ms energy envelope with strong, regular rises (a beat)
    frames = music[: music.size // 160 * 160].reshape(-1, 160)
    envelope = np.log(np.mean(frames**2, axis=1) + 1e-9)
    rises = np.maximum(np.diff(envelope), 0)
    autocorr = np.correlate(rises - rises.mean(), rises - rises.mean(), mode="full")[rises.size - 1 :]
    lag = int(np.argmax(autocorr[25:150])) + 25  # beat period between 0.25 s and 1.5 s
    assert 0.4 <= lag / 100 <= 1.5
    assert autocorr[lag] > 0.3 * autocorr[0]


def test_babble_is_speech_like_but_not_the_placed_speech() -> None:
    pool = [clip(f"pl_{i:02d}.opus") for i in range(1, 6)]
    babble = compose([], duration_ms=12_000, bed="babble", seed=5, babble_clips=pool).astype(np.float64)
    assert float(np.std(babble)) > 0
    # speech band dominates, as in voices
    assert band_power(babble, 100, 3000) > 10 * band_power(babble, 5000, 8000)
    # time-reversed: a forward clip does not match anywhere as strongly as in a real placement
    forward = decode_pcm(pool[0]).astype(np.float64)
    corr = np.max(np.abs(np.correlate(babble[: forward.size * 2], forward[:8000], mode="valid")))
    assert corr < 0.5 * float(np.dot(forward[:8000], forward[:8000])) * np.std(babble) / np.std(forward)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"placements": [Placement(clip("ru_01.opus"), 3000)], "duration_ms": 4000}, "after the duration"),
        ({"placements": [Placement(clip("ru_01.opus"), -5)], "duration_ms": 8000}, "before the start"),
        ({"placements": [], "duration_ms": 1000, "bed": "rain"}, "unknown bed"),
        ({"placements": [], "duration_ms": 1000, "bed": "babble"}, "needs speech clips"),
        ({"placements": [], "duration_ms": 0}, "positive"),
        ({"placements": [], "duration_ms": 1000, "rate": 0}, "sample rate"),
        ({"placements": [], "duration_ms": 1000, "snr_db": float("nan")}, "finite"),
    ],
)
def test_compose_refuses_impossible_requests(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        compose(**kwargs)


def test_write_wav_is_16_bit_mono_and_clips(tmp_path: Path) -> None:
    samples = np.array([0.0, 0.5, -0.5, 1.5, -1.5], dtype=np.float32)
    out = tmp_path / "x.wav"
    write_wav(out, samples, 8000)
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 8000, 5)
        data = np.frombuffer(w.readframes(5), dtype="<i2")
    assert data.tolist() == [0, 16384, -16384, 32767, -32768]
    assert [p.name for p in tmp_path.iterdir()] == ["x.wav"]  # no temporary left behind
    with pytest.raises(UsageError):
        write_wav(tmp_path / "y.wav", np.zeros((2, 3), dtype=np.float32), 8000)


@pytest.fixture(scope="module")
def short_audio() -> npt.NDArray[np.float32]:
    placements = [Placement(clip("ru_05.opus"), 400), Placement(clip("ru_07.opus"), 3500)]
    return compose(placements, duration_ms=6200, bed="music", snr_db=20.0, seed=1)


def probe_streams(path: Path) -> tuple[int | None, list[str]]:
    """(duration ms, stream kinds) by the project's probe when it exists, else PyAV."""
    try:
        probe_module: Any = importlib.import_module("media.probe")
    except ImportError:
        probe_module = None
    if probe_module is not None:
        info = probe_module.probe(path)
        return info.duration_ms, [s.kind for s in info.streams]
    with av.open(str(path)) as container:
        duration = None if container.duration is None else container.duration // 1000
        return duration, [s.type for s in container.streams]


@pytest.mark.parametrize(("name", "title"), [("film.mp4", "Тест: 'quotes', [brackets]"), ("film.mkv", None)])
def test_speech_film_has_video_and_the_exact_audio(
    tmp_path: Path, short_audio: npt.NDArray[np.float32], name: str, title: str | None
) -> None:
    out = make_speech_film(tmp_path / name, audio=short_audio, size=(160, 90), title=title, language="rus")
    assert out == tmp_path / name
    duration, kinds = probe_streams(out)
    assert sorted(kinds) == ["audio", "video"]
    # MKV keeps AAC's priming and last-frame padding in its duration: one 1024-sample frame
    assert duration is not None and abs(duration - 6200) <= 1024 * 1000 // RATE + 10
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (160, 90)
        assert video.codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.streams.audio[0].metadata.get("language") == "rus"
    # The audio is where it was put, counted from the first frame (as alignment hears it):
    # ffmpeg 5.1 leaves AAC's 1024 priming samples in Matroska and starts the picture
    # 64 ms later to match, 6.0+ hides the priming; either way speech is at 1 s of picture.
    from media.audio import choose_audio, stream_pcm

    heard = np.concatenate(list(stream_pcm(out, choose_audio(probe(out)), rate=RATE)))
    window = short_audio[16000:48000].astype(np.float64)
    assert lag_of(heard.astype(np.float64) / 32768.0, window) == 16000
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_title_file_in_a_temporary_folder_with_filter_characters(
    tmp_path: Path, short_audio: npt.NDArray[np.float32], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The title's text file is named inside a ``drawtext`` graph: a temporary folder with
    ``: , ; ' [ ]`` in its name must still be found (escaped by media/escape.py)."""
    odd = tmp_path / "tmp: a,b;c'd [e]"
    odd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(odd))
    out = make_speech_film(tmp_path / "film.mp4", audio=short_audio[:16000], size=(64, 36), title="T")
    assert sorted(probe_streams(out)[1]) == ["audio", "video"]
    assert list(odd.iterdir()) == []


def test_cuts_are_shot_changes_the_detector_finds_to_the_frame(
    tmp_path: Path, short_audio: npt.NDArray[np.float32]
) -> None:
    """``cuts_ms`` switches the background at those times: media/shots.py finds each cut at
    its exact frame (25 fps: 1000 ms is frame 25, 2520 ms frame 63, 4480 ms frame 112) and
    nothing else, and the frame before a cut still shows the previous shot's colour."""
    from media.shots import detect_cuts

    cuts = (1000, 2520, 4480)
    out = make_speech_film(tmp_path / "cuts.mp4", audio=short_audio, size=(160, 90), title="T", cuts_ms=cuts)
    found = detect_cuts(out)
    assert found.frames == (25, 63, 112)
    assert found.times_ms == cuts
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24")[80, 4].astype(int) for f in container.decode(video=0)]
    for cut in (25, 63, 112):
        assert np.abs(frames[cut] - frames[cut - 1]).sum() > 60  # a visible change of colour
        assert np.abs(frames[cut] - frames[cut + 1]).sum() < 12  # the same shot goes on
    with pytest.raises(UsageError, match="increasing"):
        make_speech_film(tmp_path / "bad.mp4", audio=short_audio, title="T", cuts_ms=(2000, 1000))


@pytest.mark.parametrize("suffix", [".m4a", ".opus", ".flac", ".wav"])
def test_speech_audio_file_round_trips(
    tmp_path: Path, short_audio: npt.NDArray[np.float32], suffix: str
) -> None:
    out = make_speech_audio_file(tmp_path / f"a{suffix}", audio=short_audio)
    back = decode_pcm(out).astype(np.float64)
    # The start is exact (the lag below); the end may keep the last AAC frame's padding,
    # which ffmpeg 5.1 does not trim (6.0+ does): at most one 1024-sample frame.
    assert abs(back.size - short_audio.size) <= (1024 if suffix == ".m4a" else 64)
    window = short_audio[16000:48000].astype(np.float64)
    assert lag_of(back, window) == 16000


def test_unknown_containers_are_refused(tmp_path: Path, short_audio: npt.NDArray[np.float32]) -> None:
    with pytest.raises(UsageError):
        make_speech_audio_file(tmp_path / "a.xyz", audio=short_audio)
    with pytest.raises(UsageError):
        make_speech_film(tmp_path / "a.avi", audio=short_audio)
    with pytest.raises(UsageError):
        make_speech_film(tmp_path / "a.mp4", audio=short_audio, size=(161, 90))
    assert list(tmp_path.iterdir()) == []
