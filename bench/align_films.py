"""Generated films with known subtitle timing, for the alignment benchmark.

A film is the demo's 30 spoken clips (espeak-ng ru/en/pl, ``pipeline/demo_assets``) placed in
a seeded random order with realistic pauses (0.3-3 s, and now and then a music-only or silent
stretch of 8-40 s), mixed over a bed (none, white-ish noise, music, babble) at a given SNR by
``media.synth.compose``. Only ten clips exist per language, so a 10-minute film repeats each
clip about 15 times; to keep repetitions from being sample-identical every placement uses one
of five resampled variants of its clip (speed and pitch x0.94, 0.97, 1.0, 1.03, 1.06), made by
linear interpolation of the 16 kHz PCM. Both aligners correlate speech *activity*, not
content, so repetition favours neither; the pause pattern, which is what they lock onto, is
random.

Truth: one cue per placement, start = placement start, end = start + variant duration, text =
the clip's transcript. The clips are trimmed at -45 dB, so the cue start is the speech onset.

Dense films (``FilmSpec.dense``) are laid out like an interview: pauses of 0.12-1.2 s between
lines, now and then 1.5-3 s, never a long stretch without speech, and a frame rate of their
own (23.976, 24 or 25 fps). They carry the professionally timed subtitle cases
(``bench.align_cases.professional``), whose cues are chained across most of these pauses.

Containers: 10-minute films are real MP4 files (tiny 160x90 video + AAC, ``make_speech_film``);
60-minute and 2-hour films are audio-only M4A (``make_speech_audio_file``), because encoding an
hour of video on two shared cores costs minutes per film and neither aligner decodes video.
Both tools always get the same file. Everything is cached under ``bench/out/cache`` keyed by
the parameters, so reruns only align.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from media import synth
from subtitles.formats.srt import subrip_text
from subtitles.timing import parse_fps

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "pipeline" / "demo_assets"
RATE = 16000
SPEEDS = (0.94, 0.97, 1.0, 1.03, 1.06)
#: Bump when the layout or mixing changes, so stale cached films are not reused.
FILM_VERSION = 1


@dataclass(frozen=True, slots=True)
class Clip:
    lang: str
    file: str
    text: str


@dataclass(frozen=True, slots=True)
class TruthCue:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class FilmSpec:
    lang: str
    minutes: int
    bed: str  # "none" | "noise" | "music" | "babble"
    snr_db: int
    seed: int
    video: bool  # MP4 with video, else audio-only M4A
    #: Interview-dense speech (short pauses) at the frame rate ``fps``.
    dense: bool = False
    fps: str = "25"

    @property
    def key(self) -> str:
        bed = "clean" if self.bed == "none" else f"{self.bed}{self.snr_db}dB"
        kind = "mp4" if self.video else "m4a"
        dense = f"-dense{self.fps.replace('/', '_')}" if self.dense else ""
        return f"{self.lang}-{self.minutes}min-{bed}{dense}-s{self.seed}-{kind}-v{FILM_VERSION}"

    @property
    def condition(self) -> str:
        return "clean" if self.bed == "none" else f"{self.bed} {self.snr_db} dB"


@dataclass(frozen=True, slots=True)
class Film:
    spec: FilmSpec
    path: Path
    truth: tuple[TruthCue, ...]
    truth_path: Path

    @property
    def duration_ms(self) -> int:
        return self.spec.minutes * 60_000


@cache
def clips(lang: str) -> tuple[Clip, ...]:
    data = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))
    return tuple(Clip(c["lang"], c["file"], c["text"]) for c in data["clips"] if c["lang"] == lang)


def _resample(x: npt.NDArray[np.float32], speed: float) -> npt.NDArray[np.float32]:
    """Play ``x`` ``speed`` times faster (tape-style: pitch moves with it)."""
    if speed == 1.0:
        return x
    n = round(len(x) / speed)
    pos = np.arange(n, dtype=np.float64) * speed
    return np.interp(pos, np.arange(len(x)), x).astype(np.float32)


def clip_variants(cache_dir: Path, lang: str) -> dict[tuple[str, float], tuple[Path, int]]:
    """``(clip file, speed) -> (wav path, duration ms)`` for every clip of ``lang``, cached."""
    out: dict[tuple[str, float], tuple[Path, int]] = {}
    folder = cache_dir / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    for clip in clips(lang):
        pcm: npt.NDArray[np.float32] | None = None
        for speed in SPEEDS:
            path = folder / f"{Path(clip.file).stem}-x{speed:.2f}.wav"
            if not path.exists():
                if pcm is None:
                    pcm = synth.decode_pcm(ASSETS / clip.file, rate=RATE)
                synth.write_wav(path, _resample(pcm, speed), RATE)
            out[(clip.file, speed)] = (path, _wav_ms(path))
    return out


def _wav_ms(path: Path) -> int:
    import wave

    with wave.open(str(path), "rb") as w:
        return round(w.getnframes() * 1000 / w.getframerate())


@dataclass(frozen=True, slots=True)
class _Placed:
    clip: Clip
    speed: float
    start: int
    end: int


def layout(
    lang: str, minutes: int, seed: int, durations: dict[tuple[str, float], int], *, dense: bool = False
) -> list[_Placed]:
    """Seeded placement of clips over ``minutes``: the film's script (``dense``: an interview's
    short pauses, see the module notes)."""
    rng = random.Random(f"{lang}-{minutes}-{seed}" + ("-dense" if dense else ""))
    pool = clips(lang)
    total = minutes * 60_000
    t = rng.randint(1000, 5000)
    placed: list[_Placed] = []
    previous: Clip | None = None
    while True:
        clip = rng.choice([c for c in pool if c != previous])
        speed = rng.choice(SPEEDS)
        dur = durations[(clip.file, speed)]
        if t + dur > total - 2000:
            break
        placed.append(_Placed(clip, speed, t, t + dur))
        previous = clip
        if dense:
            pause = rng.randint(1500, 3000) if rng.random() < 0.1 else round(120 + 1080 * rng.random() ** 1.5)
        else:
            long_stretch = rng.random() < 0.04  # a music-only (or silent) stretch now and then
            pause = rng.randint(8000, 40000) if long_stretch else round(300 + 2700 * rng.random() ** 1.5)
        t += dur + pause
    return placed


def durations_for(cache_dir: Path, lang: str) -> dict[tuple[str, float], int]:
    return {k: v[1] for k, v in clip_variants(cache_dir, lang).items()}


def truth_of(placed: list[_Placed]) -> tuple[TruthCue, ...]:
    return tuple(TruthCue(p.start, p.end, p.clip.text) for p in placed)


def save_srt(cues: list[TruthCue] | tuple[TruthCue, ...], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    tmp.write_text(subrip_text((c.start, c.end, c.text) for c in cues), encoding="utf-8")
    tmp.replace(path)


def script_only(cache_dir: Path, lang: str, minutes: int, seed: int) -> tuple[TruthCue, ...]:
    """The subtitles of a film that is never rendered (for the wrong-film cases)."""
    return truth_of(layout(lang, minutes, seed, durations_for(cache_dir, lang)))


def _bed(name: str) -> synth.Bed:
    for bed in synth.BEDS:
        if bed == name:
            return bed
    raise ValueError(f"unknown bed {name!r}")


def build_film(cache_dir: Path, spec: FilmSpec) -> Film:
    """Render (or reuse) the film for ``spec``."""
    folder = cache_dir / "films" / spec.key
    ext = "mp4" if spec.video else "m4a"
    film_path = folder / f"film.{ext}"
    truth_path = folder / "truth.srt"
    variants = clip_variants(cache_dir, spec.lang)
    placed = layout(
        spec.lang, spec.minutes, spec.seed, {k: v[1] for k, v in variants.items()}, dense=spec.dense
    )
    truth = truth_of(placed)
    if (folder / "done").exists() and film_path.exists():
        return Film(spec, film_path, truth, truth_path)
    print(f"[bench] rendering film {spec.key} ({len(placed)} clips)", file=sys.stderr)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    placements = [synth.Placement(variants[(p.clip.file, p.speed)][0], p.start) for p in placed]
    audio = synth.compose(
        placements,
        duration_ms=spec.minutes * 60_000,
        rate=RATE,
        bed=_bed(spec.bed),
        snr_db=float(spec.snr_db),
        seed=spec.seed,
    )
    if spec.video:
        synth.make_speech_film(film_path, audio=audio, rate=RATE, size=(160, 90), fps=parse_fps(spec.fps))
    else:
        synth.make_speech_audio_file(film_path, audio=audio, rate=RATE)
    del audio
    save_srt(truth, truth_path)
    (folder / "meta.json").write_text(
        json.dumps({"spec": spec.key, "clips": len(placed), "duration_ms": spec.minutes * 60_000}),
        encoding="utf-8",
    )
    (folder / "done").write_text("ok\n", encoding="utf-8")
    return Film(spec, film_path, truth, truth_path)
