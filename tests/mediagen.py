"""Tiny synthetic films and sounds for tests, generated with the discovered ffmpeg.

Every engineer's tests need media, and checked-in media rots (codecs, sizes, licences),
so tests make what they need on the fly from ffmpeg's ``lavfi`` sources: a ``testsrc2``
picture (160x90 by default, which encodes in milliseconds with x264's ``ultrafast``
preset) and a sine tone or silence. A few seconds of such a film costs well under a
second on one core; cache it per test session (``tmp_path_factory``) when several tests
read the same one.

They live in the tests tree, not in the installed ``media`` package: nothing subpipe does for
a user needs them (``media/synth.py``, which builds the demo film, stays there). Benchmarks
import them too (``bench/`` scripts put the repository root on ``sys.path``). They start
ffmpeg only through ``media.runner``, as the package does (``test_only_the_runner_starts_processes``).

The helpers are plain functions usable from any test or benchmark::

    from tests.mediagen import make_film, make_tone_wav, make_bursts_wav

    film = make_film(tmp_path / "film.mp4", duration_s=3, fps=Fraction(24000, 1001))
    wav = make_bursts_wav(tmp_path / "speechlike.wav", [(500, 1500), (2500, 2900)], duration_s=4)
    film2 = make_film(tmp_path / "film.mkv", duration_s=4, audio=wav, audio_language="rus")

The container comes from the suffix (``.mp4``, ``.mkv``, ``.mov``, ``.webm``, ``.ts``,
``.avi``); audio codecs default to what the container takes (AAC for MP4/MOV/TS, Opus for
MKV/WebM, PCM for AVI). Output is written atomically, so a failed generation leaves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Literal

from media.escape import file_arg
from media.runner import ffmpeg
from subtitles.atomic import atomic_path
from subtitles.errors import UsageError
from subtitles.formats.srt import subrip_text
from subtitles.timing import fps_ratio

#: Generating a few seconds of tiny media takes well under a second; this only stops hangs.
GENERATE_TIMEOUT_S = 120.0

_AUDIO_CODEC_FOR_SUFFIX = {
    ".mp4": "aac",
    ".m4a": "aac",
    ".mov": "aac",
    ".ts": "aac",
    ".mkv": "libopus",
    ".mka": "libopus",
    ".webm": "libopus",
    ".opus": "libopus",
    ".ogg": "libopus",
    ".avi": "pcm_s16le",
    ".wav": "pcm_s16le",
    ".flac": "flac",
}
_VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".ts", ".avi"}


def _fps_text(fps: Fraction | int) -> str:
    rate = Fraction(fps)
    if rate <= 0:
        raise UsageError(f"frame rate must be positive, not {rate}")
    return fps_ratio(rate)


def _seconds(value: float | Fraction) -> str:
    """ffmpeg reads decimal seconds; keep enough digits that a 1001-based rate stays exact to 1 µs."""
    return f"{float(value):.6f}"


def _audio_codec(suffix: str, override: str | None) -> str:
    if override:
        return override
    try:
        return _AUDIO_CODEC_FOR_SUFFIX[suffix]
    except KeyError:
        raise UsageError(f"no default audio codec for {suffix!r}: pass audio_codec=") from None


def _generate(args: list[str], out: Path, what: str) -> Path:
    """Run ffmpeg with ``args`` writing ``out`` atomically, so a failed run leaves nothing."""
    with atomic_path(out) as tmp:
        ffmpeg([*args, "-y", tmp], timeout=GENERATE_TIMEOUT_S, what=what, path=out)
    return out


def _tone_source(freq_hz: float, sample_rate: int, duration_s: float | Fraction, channels: int) -> list[str]:
    src = f"sine=frequency={freq_hz:g}:sample_rate={sample_rate}:duration={_seconds(duration_s)}"
    if channels > 1:
        # aformat upmixes the mono tone into every channel of a standard layout.
        layout = {2: "stereo", 6: "5.1"}.get(channels, f"{channels}c")
        src += f",aformat=channel_layouts={layout}"
    return ["-f", "lavfi", "-i", src]


def make_film(
    path: str | Path,
    *,
    duration_s: float | Fraction = 2,
    fps: Fraction | int = Fraction(25),
    size: tuple[int, int] = (160, 90),
    audio: Path | Literal["tone", "silence"] | None = "tone",
    tone_hz: float = 440.0,
    sample_rate: int = 48000,
    channels: int = 1,
    start_time_s: float | Fraction = 0,
    video_codec: str = "libx264",
    audio_codec: str | None = None,
    video_language: str | None = None,
    audio_language: str | None = None,
    audio_title: str | None = None,
    extra_args: Sequence[str] = (),
) -> Path:
    """Write a short test film and return its path.

    ``audio`` is ``"tone"`` (a sine at ``tone_hz``), ``"silence"``, ``None`` (no audio
    stream at all) or the path of an audio file to use (cut to ``duration_s``).
    ``start_time_s`` shifts every timestamp (``-output_ts_offset``), giving the
    non-zero start time of broadcast captures and trimmed exports. Language tags are
    written verbatim (use ISO 639-2, e.g. ``"rus"``). ``extra_args`` go just before
    the output path (e.g. ``["-g", "1"]`` for all-keyframe video).
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in _VIDEO_SUFFIXES:
        raise UsageError(
            f"make_film: unsupported container {suffix!r} (use one of {sorted(_VIDEO_SUFFIXES)})"
        )
    width, height = size
    if width % 2 or height % 2:
        raise UsageError(f"make_film: size {width}x{height} must be even for yuv420p")
    args: list[str] = [
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={width}x{height}:rate={_fps_text(fps)}:duration={_seconds(duration_s)}",
    ]
    if audio == "tone":
        args += _tone_source(tone_hz, sample_rate, duration_s, channels)
    elif audio == "silence":
        layout = {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")
        args += ["-f", "lavfi", "-i", f"anullsrc=channel_layout={layout}:sample_rate={sample_rate}"]
    elif isinstance(audio, Path):
        args += ["-i", file_arg(audio)]
    args += ["-map", "0:v:0"]
    if audio is not None:
        args += ["-map", "1:a:0", "-t", _seconds(duration_s)]
    args += ["-c:v", video_codec]
    if video_codec in ("libx264", "libx265"):
        args += ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio is not None:
        args += ["-c:a", _audio_codec(suffix, audio_codec)]
        if audio_language:
            args += ["-metadata:s:a:0", f"language={audio_language}"]
        if audio_title:
            args += ["-metadata:s:a:0", f"title={audio_title}"]
    if video_language:
        args += ["-metadata:s:v:0", f"language={video_language}"]
    if start_time_s:
        args += ["-output_ts_offset", _seconds(start_time_s)]
    args += list(extra_args)
    return _generate(args, out, "generating a test film")


def make_audio(
    path: str | Path,
    *,
    duration_s: float | Fraction = 2,
    tone_hz: float = 440.0,
    sample_rate: int = 48000,
    channels: int = 1,
    audio_codec: str | None = None,
    language: str | None = None,
) -> Path:
    """An audio-only file (no video stream) with a sine tone; codec from the suffix."""
    out = Path(path)
    args = _tone_source(tone_hz, sample_rate, duration_s, channels)
    args += ["-c:a", _audio_codec(out.suffix.lower(), audio_codec)]
    if language:
        args += ["-metadata:s:a:0", f"language={language}"]
    return _generate(args, out, "generating test audio")


def make_tone_wav(
    path: str | Path,
    *,
    duration_s: float | Fraction = 2,
    freq_hz: float = 440.0,
    sample_rate: int = 16000,
    channels: int = 1,
) -> Path:
    """A 16-bit PCM WAV of a continuous sine (16 kHz mono by default, what VAD wants)."""
    return make_audio(
        path, duration_s=duration_s, tone_hz=freq_hz, sample_rate=sample_rate, channels=channels,
        audio_codec="pcm_s16le",
    )  # fmt: skip


def make_bursts_wav(
    path: str | Path,
    bursts_ms: Sequence[tuple[int, int]],
    *,
    duration_s: float | Fraction,
    voice: bool = True,
    pitch_hz: float = 140.0,
    sample_rate: int = 16000,
) -> Path:
    """A 16-bit mono WAV that is silent except during ``bursts_ms`` (``[(start, end), ...]`` ms).

    With ``voice`` (the default) each burst is a harmonic complex on ``pitch_hz`` with a
    4 Hz syllable-rate modulation: the WebRTC VAD marks it as speech from its first 20 ms
    frame (measured: onset exact to the frame, release within about 200 ms of hangover),
    where a pure sine is mostly missed. ``voice=False`` gives a plain sine at ``pitch_hz``.
    Burst edges are exact to the sample, so speech-detection and alignment tests know the
    truth they should recover.
    """
    for start, end in bursts_ms:
        if not 0 <= start < end:
            raise UsageError(f"make_bursts_wav: bad burst ({start}, {end}) ms")
    gate = "+".join(f"between(t,{s / 1000:.4f},{e / 1000:.4f})" for s, e in bursts_ms) or "0"
    f = pitch_hz
    if voice:
        partials = ((1, 1.0), (2, 0.8), (3, 0.6), (5, 0.5), (8, 0.3), (16, 0.2))
        tone = "+".join(f"{a:g}*sin(2*PI*{f * k:g}*t)" for k, a in partials)
        signal = f"0.25*({tone})*(0.55+0.45*sin(2*PI*4*t))"
    else:
        signal = f"0.5*sin(2*PI*{f:g}*t)"
    # aeval-style per-sample gating ('volume' with eval=frame would snap edges to audio frames).
    expr = f"({signal})*min(1,{gate})"
    source = f"aevalsrc=exprs='{expr}':s={sample_rate}:d={_seconds(duration_s)}"
    args = ["-f", "lavfi", "-i", source, "-ac", "1", "-c:a", "pcm_s16le"]
    return _generate(args, Path(path), "generating test audio")


def write_srt(path: str | Path, cues: Sequence[tuple[int, int, str]], encoding: str = "utf-8") -> Path:
    """Write a minimal SRT (``[(start_ms, end_ms, text), ...]``) for tests, atomically."""
    out = Path(path)
    with atomic_path(out) as tmp:
        tmp.write_bytes(subrip_text(cues).encode(encoding))  # the SubRip writer, text as given
    return out
