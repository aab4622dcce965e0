"""Benchmark: packaging speed of ``mux`` and ``hls``, against their floors, in one run.

1. **mux**: a generated 60-minute film (640x360 H.264 + AAC, made once by stream-copy
   looping one generated minute, cached under ``bench/out/package/``) with three subtitle
   tracks (ru/en/pl, one cue every 4 s). Times subpipe's whole ``mux`` stage (ingest of the
   three files, mux, probe, cue-by-cue read-back) and prints it as a multiple of real time.
   Target: at least 100x.
2. **hls**: a generated N-minute 720p film (default 3). Times (b) the same video ladder
   (720/480/360, same encoder settings, one ffmpeg process) with no subtitles, written by
   the very command subpipe builds, and (a) subpipe's whole ``hls`` stage with three
   subtitle languages (encode, measure, WebVTT segmentation, master, verification).
   Target: (a)/(b) at most 1.05.

Wall and CPU time (this process plus its children) for each, and the ffmpeg build used.

    python bench/package.py                  # mux 60 min + hls 3 min
    python bench/package.py --hls-minutes 1  # quicker
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: ``bench`` importable
from media import hls as H
from media.ffmpeg import find_ffmpeg
from media.probe import probe
from media.runner import ffmpeg
from pipeline.hls import HlsOptions, hls
from pipeline.mux import SubtitleSpec, mux_subtitles
from tests.mediagen import make_film, write_srt

OUT = Path(__file__).resolve().parent / "out" / "package"
TEXTS = {
    "ru": "Права человека — для всех, без исключения",
    "en": "Human rights are for everyone, no exceptions",
    "pl": "Prawa człowieka są dla wszystkich — żółć",
}


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float


def timed(work: Callable[[], object]) -> Timing:
    """Wall time, and CPU time of this process and every child it waited for."""
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    before_kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    work()
    wall = time.perf_counter() - start
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    after_kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(
        (a.ru_utime + a.ru_stime) - (b.ru_utime + b.ru_stime)
        for a, b in ((after_self, before_self), (after_kids, before_kids))
    )
    return Timing(wall, cpu)


def long_film(minutes: int) -> Path:
    """A ``minutes``-long film: one generated minute, stream-copied ``minutes`` times."""
    target = OUT / f"film_{minutes}min.mp4"
    if target.is_file():
        return target
    OUT.mkdir(parents=True, exist_ok=True)
    minute = make_film(OUT / "minute.mp4", duration_s=60, size=(640, 360), fps=25, audio_language="rus",
                       extra_args=["-g", "50"])  # fmt: skip
    ffmpeg(["-stream_loop", str(minutes - 1), "-i", str(minute), "-c", "copy", "-y", str(target)],
           timeout=600, what="building the long film")  # fmt: skip
    return target


def subtitle_files(folder: Path, stem: str, seconds: int) -> list[Path]:
    cues = [(n * 4000 + 200, n * 4000 + 3200) for n in range(seconds // 4)]
    return [
        write_srt(folder / f"{stem}.{lang}.srt", [(a, b, f"{text} {i}") for i, (a, b) in enumerate(cues)])
        for lang, text in TEXTS.items()
    ]


def bench_mux(work: Path) -> None:
    film = long_film(60)
    info = probe(film)
    seconds = (info.duration_ms or 0) / 1000
    subs = subtitle_files(work, "long", int(seconds))
    out = work / "long.mkv"
    timing = timed(lambda: mux_subtitles(film, [SubtitleSpec(s) for s in subs], out))
    speed = seconds / timing.wall_s
    print(f"mux: {seconds / 60:.0f}-minute film, 3 tracks x {int(seconds) // 4} cues")
    print(f"  subpipe mux (ingest, mux, probe, cue-by-cue read-back): wall {timing.wall_s:.2f} s, "
          f"CPU {timing.cpu_s:.2f} s")  # fmt: skip
    print(f"  speed: {speed:.0f}x real time (target >= 100x): {'PASS' if speed >= 100 else 'FAIL'}")


def bench_hls(work: Path, minutes: int) -> None:
    film = OUT / f"hls_{minutes}min_720p.mp4"
    if not film.is_file():
        OUT.mkdir(parents=True, exist_ok=True)
        make_film(film, duration_s=minutes * 60, size=(1280, 720), fps=25, audio_language="rus",
                  channels=2)  # fmt: skip
    subs = subtitle_files(work, "hls", minutes * 60)
    heights = (720, 480, 360)
    options = HlsOptions(film, tuple(SubtitleSpec(s) for s in subs), work / "with_subs", heights=heights)
    # (b): the ladder alone, exactly as subpipe builds it, with no subtitles and no checks.
    plan = hls(HlsOptions(film, (), work / "plan", heights=heights, dry_run=True))
    bare = work / "bare"
    bare.mkdir()
    info = probe(film)
    rate = info.frame_rate or Fraction(25)
    spec = H.LadderSpec(
        plan.renditions, options.segment_s, rate, audio=True, crf=options.crf, preset=options.preset
    )
    command = H.ladder_command(film, spec, bare, origin_ms=info.video_start_ms)
    b = timed(lambda: ffmpeg(command, timeout=7200, what="bare ladder"))
    a = timed(lambda: hls(options))
    ratio = a.wall_s / b.wall_s
    print(f"hls: {minutes}-minute 720p film, ladder {'/'.join(map(str, heights))}, 6 s segments")
    print(f"  (b) the same ladder, no subtitles (one ffmpeg): wall {b.wall_s:.2f} s, CPU {b.cpu_s:.2f} s")
    print(f"  (a) subpipe hls with ru/en/pl subtitles, verified: wall {a.wall_s:.2f} s, CPU {a.cpu_s:.2f} s")
    print(f"  (a)/(b) = {ratio:.3f} (target <= 1.05): {'PASS' if ratio <= 1.05 else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hls-minutes", type=int, default=3)
    parser.add_argument("--skip-mux", action="store_true")
    parser.add_argument("--skip-hls", action="store_true")
    args = parser.parse_args(argv)
    binary = find_ffmpeg()
    print(f"ffmpeg {binary.version} ({binary.origin}: {binary.path})")
    work = Path(tempfile.mkdtemp(prefix="subpipe-bench-package-"))
    try:
        if not args.skip_mux:
            bench_mux(work)
        if not args.skip_hls:
            bench_hls(work, args.hls_minutes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
