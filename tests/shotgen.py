"""Generated films with known shot changes, for tests and ``bench/shots.py``.

A film is a list of shots, each a moving ffmpeg ``lavfi`` picture (test patterns, moving
gradients, fractal zooms, noise on colour: motion inside every shot, so a detector that fires on
any change is caught out), joined by hard cuts or by a dissolve (``xfade``). A shot may be
darkened (a night scene: low contrast, the cuts a detector most often misses) or carry a
flash (two white frames: a lightning strike or a camera flash, which is *not* a shot
change). The truth comes back with the film: the frame numbers of the hard cuts (the first
frame of each new shot), the dissolves' frame spans and the flash frames.

Shots are rendered at a small size and scaled to ``size``: the decode cost of the result is
that of its size and codec, while rendering a 1080p minute stays affordable.

Test and benchmark media, so it lives in the tests tree, not the installed ``media`` package;
like ``tests/mediagen.py`` it starts ffmpeg only through ``media.runner``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from media.runner import ffmpeg
from subtitles.atomic import atomic_path
from subtitles.errors import UsageError
from subtitles.timing import fps_ratio

#: Sources cycled through shot by shot; ``{s}`` size, ``{r}`` rate, ``{k}`` a per-shot seed.
_SOURCES = (
    "testsrc2=s={s}:r={r},hue=h={hue}",
    "gradients=s={s}:r={r}:speed=0.03:seed={k}",
    "smptehdbars=s={s}:r={r},scroll=h=0.004",
    "color=c=0x{col}:s={s}:r={r},noise=alls=24:allf=t",
    "rgbtestsrc=s={s}:r={r},scroll=h=0.003:v=0.002,hue=h={hue}",
    "testsrc=s={s}:r={r},hue=h={hue}:s=1.5",
    "colorspectrum=s={s}:r={r},scroll=h=0.005,hue=h={hue}",
    "mandelbrot=s={s}:r={r}:start_scale={scale}",
)
_COLOURS = ("7a3b2e", "2e5a7a", "3f7a2e", "6b2e7a", "7a6f2e", "2e7a6b")
#: Rendering size before scaling up (even, 16:9).
_RENDER = (320, 180)
GENERATE_TIMEOUT_S = 3600.0


@dataclass(frozen=True, slots=True)
class Shot:
    """One shot: ``frames`` long, entered by a hard cut or by a dissolve of ``dissolve``
    frames (the dissolve overlaps the end of the previous shot)."""

    frames: int
    dark: bool = False
    flash_at: int | None = None  # frame within the shot where a 2-frame flash starts
    dissolve: int = 0


@dataclass(frozen=True)
class CutTruth:
    """What the film holds, in frame numbers from its first frame."""

    fps: Fraction
    frames: int
    hard_cuts: tuple[int, ...]
    dark_cuts: tuple[int, ...]  # the hard cuts between two dark shots
    dissolves: tuple[tuple[int, int], ...]  # [first, last] frame of each dissolve
    flashes: tuple[int, ...]  # first frame of each flash
    shots: tuple[Shot, ...] = field(default=())


def _source(n: int, shot: Shot, rate: str) -> str:
    size = f"{_RENDER[0]}x{_RENDER[1]}"
    spec = _SOURCES[n % len(_SOURCES)].format(
        s=size,
        r=rate,
        k=1000 + n * 7919,
        hue=(n * 67) % 360,
        col=_COLOURS[n % len(_COLOURS)],
        scale=1.5 + (n % 4) * 0.7,
    )
    chain = [spec, f"trim=end_frame={shot.frames}", "setpts=PTS-STARTPTS", "settb=AVTB", "format=yuv420p"]
    if shot.dark:
        # a night scene: a fifth of the brightness, little colour
        chain.append("lutyuv=y=16+(val-16)*0.2:u=128+(val-128)*0.3:v=128+(val-128)*0.3")
    if shot.flash_at is not None:
        a, b = shot.flash_at, shot.flash_at + 1
        chain.append(f"lutyuv=y=235:u=128:v=128:enable='between(n\\,{a}\\,{b})'")
    return ",".join(chain)


def plan_truth(shots: Sequence[Shot], fps: Fraction) -> CutTruth:
    """The truth for ``shots`` without rendering anything."""
    if not shots:
        raise UsageError("a film needs at least one shot")
    cuts: list[int] = []
    dark: list[int] = []
    dissolves: list[tuple[int, int]] = []
    flashes: list[int] = []
    at = 0
    for n, shot in enumerate(shots):
        if shot.frames < 2 or (n == 0 and shot.dissolve):
            raise UsageError("every shot needs 2 frames or more; the first has no dissolve")
        begin = at - shot.dissolve
        if n > 0:
            if shot.dissolve:
                dissolves.append((begin, at - 1))
            else:
                cuts.append(at)
                if shot.dark and shots[n - 1].dark:
                    dark.append(at)
        if shot.flash_at is not None:
            flashes.append(begin + shot.flash_at)
        at = begin + shot.frames
    return CutTruth(
        Fraction(fps), at, tuple(cuts), tuple(dark), tuple(dissolves), tuple(flashes), tuple(shots)
    )


def make_cut_film(
    path: str | Path,
    shots: Sequence[Shot],
    *,
    fps: Fraction | int = 25,
    size: tuple[int, int] = (160, 90),
    audio: npt.NDArray[np.floating] | None = None,
    audio_rate: int = 16000,
    preset: str = "ultrafast",
    crf: int = 28,
    extra_args: Sequence[str] = (),
) -> CutTruth:
    """Render ``shots`` into ``path`` (H.264, yuv420p; AAC or Opus audio when ``audio`` is
    given, else a silent track) and return the truth. Written atomically."""
    from media.synth import write_wav

    out = Path(path)
    fps = Fraction(fps)
    truth = plan_truth(shots, fps)
    rate = fps_ratio(fps)
    graph: list[str] = [f"{_source(n, s, rate)}[s{n}]" for n, s in enumerate(shots)]
    current = "s0"
    length = shots[0].frames
    for n in range(1, len(shots)):
        shot = shots[n]
        label = f"j{n}"
        if shot.dissolve:
            offset = Fraction(length - shot.dissolve) / fps
            graph.append(
                f"[{current}][s{n}]xfade=transition=fade:duration={float(Fraction(shot.dissolve) / fps):.6f}"
                f":offset={float(offset):.6f}[{label}]"
            )
            length += shot.frames - shot.dissolve
        else:
            graph.append(f"[{current}][s{n}]concat=n=2:v=1:a=0[{label}]")
            length += shot.frames
        current = label
    width, height = size
    graph.append(f"[{current}]scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p[v]")
    seconds = truth.frames / fps
    with tempfile.TemporaryDirectory(prefix="subpipe-shots-") as tmp:
        args: list[str | Path] = ["-v", "error", "-y"]
        if audio is not None:
            wav = Path(tmp) / "audio.wav"
            write_wav(wav, audio, audio_rate)
            args += ["-i", wav]
        else:
            args += ["-f", "lavfi", "-i", "anullsrc=channel_layout=mono:sample_rate=16000"]
        args += ["-filter_complex", ";".join(graph), "-map", "[v]", "-map", "0:a"]
        args += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
        args += ["-r", rate, "-frames:v", str(truth.frames), "-t", f"{float(seconds):.6f}"]
        args += ["-c:a", "libopus" if out.suffix.lower() in (".mkv", ".webm") else "aac", "-b:a", "64k"]
        args += list(extra_args)
        with atomic_path(out) as target:
            ffmpeg([*args, target], timeout=GENERATE_TIMEOUT_S, what="making a film with cuts", path=out)
    return truth
