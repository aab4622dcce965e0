"""Streaming the film's audio: stream choice, timing from the presentation start, errors."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from media.audio import SAMPLE_RATE, choose_audio, stream_pcm
from media.probe import MediaInfo, StreamInfo, probe
from media.runner import ffmpeg
from subtitles.errors import InputError
from subtitles.language import Language
from tests.mediagen import make_bursts_wav, make_film


def _info(*streams: StreamInfo) -> MediaInfo:
    return MediaInfo(Path("film.mkv"), "matroska", 60_000, 0, Fraction(25), streams)


def _audio(index: int, language: str | None, *, default: bool = False, channels: int = 2) -> StreamInfo:
    return StreamInfo(index, "audio", "aac", language=language, default=default, channels=channels)


VIDEO = StreamInfo(0, "video", "h264")


def test_language_tag_picks_the_stream() -> None:
    info = _info(VIDEO, _audio(1, "eng", default=True), _audio(2, "rus"), _audio(3, "pol"))
    choice = choose_audio(info, Language.parse("ru"))
    assert choice.ordinal == 1 and choice.stream is not None and choice.stream.index == 2
    assert "language" in choice.why
    assert choose_audio(info, Language.parse("Polish")).ordinal == 2


def test_default_stream_when_no_language_matches() -> None:
    info = _info(VIDEO, _audio(1, "eng"), _audio(2, "rus", default=True))
    assert choose_audio(info, Language.parse("pl")).ordinal == 1
    assert choose_audio(info, None).ordinal == 1
    assert choose_audio(_info(VIDEO, _audio(1, "und"), _audio(2, None)), None).ordinal == 0


def test_surround_uses_the_centre_channel() -> None:
    assert choose_audio(_info(VIDEO, _audio(1, "eng", channels=6)), None).centre_channel
    assert not choose_audio(_info(VIDEO, _audio(1, "eng", channels=2)), None).centre_channel


def test_a_film_without_audio_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no audio"):
        choose_audio(_info(VIDEO), None)


@pytest.mark.media
def test_pcm_is_mono_8khz_and_timed_from_the_start(tmp_path: Path) -> None:
    wav = make_bursts_wav(tmp_path / "b.wav", [(1000, 1500), (3000, 3400)], duration_s=4)
    pcm = np.concatenate(list(stream_pcm(wav, choose_audio(probe(wav)), chunk_bytes=4096)))
    assert pcm.dtype == np.int16 and pcm.size == 4 * SAMPLE_RATE
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 1000)
    assert abs(loud[0] / SAMPLE_RATE - 1.0) < 0.005 and abs(loud[-1] / SAMPLE_RATE - 3.4) < 0.005


@pytest.mark.media
def test_audio_that_starts_late_is_padded_to_the_film_start(tmp_path: Path) -> None:
    """Subtitle time 0 is the presentation start: audio delayed by 1 s must stay 1 s late."""
    wav = make_bursts_wav(tmp_path / "b.wav", [(200, 700)], duration_s=2)
    film = make_film(tmp_path / "v.mp4", duration_s=3, audio=None)
    delayed = tmp_path / "delayed.mp4"
    ffmpeg(
        ["-i", film, "-itsoffset", "1.0", "-i", wav, "-map", "0:v", "-map", "1:a",
         "-c:v", "copy", "-c:a", "aac", "-y", delayed],
        timeout=60, what="test film",
    )  # fmt: skip
    pcm = np.concatenate(list(stream_pcm(delayed, choose_audio(probe(delayed)))))
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 1000)
    assert abs(loud[0] / SAMPLE_RATE - 1.2) < 0.03


@pytest.mark.media
def test_stopping_early_ends_ffmpeg(tmp_path: Path) -> None:
    wav = make_bursts_wav(tmp_path / "b.wav", [(0, 5000)], duration_s=20)
    chunks = stream_pcm(wav, choose_audio(probe(wav)), chunk_bytes=2048)
    first = next(chunks)
    assert first.size == 1024
    chunks.close()  # the generator's cleanup kills and reaps the process


@pytest.mark.media
def test_unreadable_media_is_an_input_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a film at all" * 100)
    with pytest.raises(InputError, match=str(junk.name)):
        list(stream_pcm(junk, choose_audio(None)))
    silent_film = make_film(tmp_path / "noaudio.mp4", duration_s=1, audio=None)
    with pytest.raises(InputError, match="no audio"):
        list(stream_pcm(silent_film, choose_audio(None)))


@pytest.mark.media
def test_surround_film_is_heard_through_its_centre_channel(tmp_path: Path) -> None:
    """Dialogue sits in FC; music in the fronts must not reach the detector."""
    import wave

    rate, seconds = 16000, 3
    t = np.arange(rate * seconds) / rate
    rng = np.random.default_rng(0)
    loud = (rng.normal(0, 6000, t.size)).astype(np.int16)
    centre = np.zeros(t.size, dtype=np.int16)
    burst = (t >= 1.0) & (t < 1.5)
    centre[burst] = (8000 * np.sin(2 * np.pi * 300 * t[burst])).astype(np.int16)
    quiet = np.zeros(t.size, dtype=np.int16)
    channels = np.stack([loud, loud, centre, quiet, loud, loud], axis=1)  # FL FR FC LFE BL BR
    path = tmp_path / "surround.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(6)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(channels.tobytes())
    choice = choose_audio(probe(path))
    assert choice.centre_channel
    pcm = np.concatenate(list(stream_pcm(path, choice))).astype(np.float64)
    level = np.sqrt((pcm.reshape(-1, 80) ** 2).mean(axis=1))  # per 10 ms
    assert level[:90].max() < 50  # the noise in the other channels is gone
    assert level[105:145].min() > 1000  # the centre's burst is there, on time


@pytest.mark.media
@pytest.mark.parametrize("suffix", [".m4a", ".mp3"])
def test_a_stretch_decodes_sample_for_sample_as_in_the_whole(tmp_path: Path, suffix: str) -> None:
    """``-ss``/``-t`` before ``-i`` (for decoding parts in parallel) must be sample-accurate:
    AAC and MP3 seek to a packet boundary and have to drop the samples before the start."""
    from media.synth import make_speech_audio_file

    rng = np.random.default_rng(0)
    rate = 16000
    x = rng.normal(0, 0.2, rate * 12) * np.repeat(rng.random(120) > 0.5, rate // 10)
    film = make_speech_audio_file(tmp_path / f"noise{suffix}", audio=x, rate=rate)
    choice = choose_audio(probe(film))
    whole = np.concatenate(list(stream_pcm(film, choice))).astype(np.float64)
    part = np.concatenate(list(stream_pcm(film, choice, start_ms=5020, duration_ms=4000))).astype(np.float64)
    assert part.size == 4 * SAMPLE_RATE
    at = 5020 * SAMPLE_RATE // 1000
    settled = part[800:20800]  # past the decoder's cold start
    errors = {
        lag: np.abs(whole[at + lag + 800 : at + lag + 20800] - settled).mean() for lag in range(-80, 81)
    }
    assert min(errors, key=errors.__getitem__) == 0
    assert errors[0] < 1.0  # within rounding of the same samples (levels are ~3000)
