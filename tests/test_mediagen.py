"""The shared test-media helpers produce what they promise (others' tests rely on them)."""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from media.probe import probe
from subtitles.errors import UsageError
from tests.mediagen import make_bursts_wav, make_film, make_tone_wav, write_srt

pytestmark = pytest.mark.media


def _pcm(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64), w.getframerate()


def test_bursts_are_where_asked(tmp_path: Path) -> None:
    wav = make_bursts_wav(tmp_path / "b.wav", [(500, 1000), (1600, 1700)], duration_s=2)
    samples, rate = _pcm(wav)
    assert rate == 16000 and len(samples) == 32000

    def rms(a_ms: int, b_ms: int) -> float:
        seg = samples[a_ms * rate // 1000 : b_ms * rate // 1000]
        return float(np.sqrt(np.mean(seg**2)))

    assert rms(0, 500) == 0 and rms(1001, 1600) == 0 and rms(1701, 2000) == 0  # exact to the sample
    assert rms(500, 1000) > 1000 and rms(1600, 1700) > 1000


def test_tone_wav_and_bad_arguments(tmp_path: Path) -> None:
    samples, rate = _pcm(make_tone_wav(tmp_path / "t.wav", duration_s=0.5, sample_rate=8000))
    # lavfi sine peaks at 1/8 of full scale
    assert rate == 8000 and len(samples) == 4000 and samples.max() > 3000
    with pytest.raises(UsageError):
        make_bursts_wav(tmp_path / "x.wav", [(10, 5)], duration_s=1)
    with pytest.raises(UsageError, match="even"):
        make_film(tmp_path / "x.mp4", size=(161, 90))
    with pytest.raises(UsageError, match="unsupported container"):
        make_film(tmp_path / "x.flv")
    assert not list(tmp_path.glob("x.*"))


def test_film_with_given_audio_and_tags(tmp_path: Path) -> None:
    wav = make_bursts_wav(tmp_path / "b.wav", [(100, 400)], duration_s=1)
    film = make_film(
        tmp_path / "f.mkv", duration_s=1, fps=Fraction(30000, 1001), audio=wav, audio_language="pol",
        audio_title="Polski", video_language="eng",
    )  # fmt: skip
    info = probe(film)
    assert info.frame_rate == Fraction(30000, 1001)
    assert (info.audio[0].codec, info.audio[0].language, info.audio[0].title) == ("opus", "pol", "Polski")
    assert info.video[0].language == "eng"


def test_write_srt_encodings(tmp_path: Path) -> None:
    path = write_srt(
        tmp_path / "a.srt", [(0, 1500, "Привет"), (3_723_004, 3_724_000, "x")], encoding="cp1251"
    )
    data = path.read_bytes()
    assert "Привет".encode("cp1251") in data
    assert b"00:00:01,500" in data and b"01:02:03,004 --> 01:02:04,000" in data


def test_voice_bursts_read_as_speech_to_webrtc_vad(tmp_path: Path) -> None:
    import webrtcvad

    wav = make_bursts_wav(tmp_path / "v.wav", [(500, 1500)], duration_s=2.5)
    samples, rate = _pcm(wav)
    pcm = samples.astype("<i2").tobytes()
    vad = webrtcvad.Vad(2)
    frame = rate * 20 // 1000 * 2  # 20 ms of 16-bit samples
    speech = [vad.is_speech(pcm[i : i + frame], rate) for i in range(0, len(pcm) - frame + 1, frame)]
    assert not any(speech[:25])  # 0-500 ms
    assert all(speech[25:75])  # the burst, 500-1500 ms, from its first frame
    assert not any(speech[90:])  # silent again after the VAD's hangover
