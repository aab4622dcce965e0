"""Shot-change detection on generated films with known cuts: each detector's precision and
recall within one frame, and its time per film minute.

    .venv/bin/python bench/shots.py                 # a 10-minute 320x180 film + a 1-minute 1080p film
    .venv/bin/python bench/shots.py --minutes 5     # a longer 1080p film
    .venv/bin/python bench/shots.py --full          # the 90-minute 1080p film (renders for about an hour)

The films (cached in ``bench/out/shots/``) are shots of moving test pictures (patterns,
gradients, fractal zooms, noise: motion in every shot), 0.3 s to 8 s long, joined by hard cuts,
with dissolves (12 to 24 frames), two-frame flashes inside shots, and night scenes (runs of
shots at a fifth of the brightness with little colour, whose cuts are the hardest). The
truth is known to the frame (``tests.shotgen``).

Scored per detector: recall of the hard cuts within one frame (all of them, and the dark
ones alone); precision within one frame, where a detection inside a dissolve counts neither
way (a dissolve is a shot change without a cut frame); detections on flashes (each one a
false shot change); and speed (film seconds per wall second, and seconds per film minute)
on the 1080p film. Decode settings: PyAV (libavcodec) with frame threading on every core
(the deblocking filter kept: skipping it is a quarter faster but made noise look like cuts) and
each frame scaled by libswscale to 256 pixels wide as it is converted to BGR
(``frame.to_ndarray(width=256, height=144)``); ``scdet`` gets the same through ffmpeg
(``-threads N``, ``-vf scale=256:144:flags=fast_bilinear,scdet``). The measured peer is
ffmpeg's own ``scdet`` filter, run in the same process tree on the same films.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.probe import probe
from media.shots import DEFAULT_DETECTOR, DETECTORS, Detector, detect_cuts
from tests.shotgen import CutTruth, Shot, make_cut_film, plan_truth

OUT = Path(__file__).resolve().parent / "out" / "shots"
FPS = Fraction(24000, 1001)
TOLERANCE = 1  # frames


def plan_shots(minutes: float, seed: int) -> list[Shot]:
    """A seeded edit: shot lengths like a feature's (mostly 1-5 s, some short, some long),
    about one dissolve in 12, a flash in one shot of 15, night scenes of 3-5 shots."""
    rng = random.Random(seed)
    total = round(minutes * 60 * FPS)
    shots: list[Shot] = []
    at = 0
    dark_left = 0
    while at < total:
        frames = int(min(200, max(8, rng.lognormvariate(4.2, 0.6))))
        if dark_left == 0 and rng.random() < 0.05:
            dark_left = rng.randint(3, 5)
        dark = dark_left > 0
        dark_left = max(0, dark_left - 1)
        dissolve = rng.randint(12, 24) if shots and rng.random() < 1 / 12 and frames > 40 else 0
        flash = rng.randint(6, frames - 8) if frames > 30 and rng.random() < 1 / 15 else None
        shots.append(Shot(frames, dark=dark, flash_at=flash, dissolve=dissolve))
        at += frames - dissolve
    return shots


def film(name: str, minutes: float, size: tuple[int, int], seed: int, preset: str) -> tuple[Path, CutTruth]:
    shots = plan_shots(minutes, seed)
    path = OUT / f"{name}-{size[1]}p-{minutes:g}min-s{seed}.mp4"
    truth = plan_truth(shots, FPS)
    if not path.exists():
        print(f"rendering {path.name} ({len(shots)} shots)...", file=sys.stderr, flush=True)
        started = time.monotonic()
        make_cut_film(path, shots, fps=FPS, size=size, preset=preset, crf=20)
        print(f"  rendered in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return path, truth


def match(found: list[int], truth: list[int], tol: int) -> list[int]:
    """Detections matched one-to-one to true cuts within ``tol`` frames (greedy, in order)."""
    used: set[int] = set()
    hits = []
    for f in found:
        best = None
        for t in truth:
            if abs(t - f) <= tol and t not in used and (best is None or abs(t - f) < abs(best - f)):
                best = t
        if best is not None:
            used.add(best)
            hits.append(f)
    return hits


def score(found: tuple[int, ...], truth: CutTruth) -> dict[str, float]:
    """A detection matching a hard cut counts for it; one left over inside a dissolve counts
    neither way (a dissolve is a shot change without a cut frame); any other is a false one."""
    cuts = list(truth.hard_cuts)
    hits = match(list(found), cuts, TOLERANCE)
    dark_hits = match(list(found), list(truth.dark_cuts), TOLERANCE)
    left = [f for f in found if f not in hits]
    in_dissolve = [f for f in left if any(a - 2 <= f <= b + 2 for a, b in truth.dissolves)]
    false = [f for f in left if f not in in_dissolve]
    on_flash = sum(1 for f in false if any(x - 1 <= f <= x + 3 for x in truth.flashes))
    dissolves_seen = sum(1 for a, b in truth.dissolves if any(a - 2 <= f <= b + 2 for f in found))
    return {
        "recall": len(hits) / max(1, len(cuts)),
        "dark_recall": len(dark_hits) / len(truth.dark_cuts) if truth.dark_cuts else float("nan"),
        "precision": len(hits) / max(1, len(hits) + len(false)),
        "flash_fp": on_flash,
        "dissolves_seen": dissolves_seen,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=1.0, help="length of the 1080p speed film")
    ap.add_argument("--full", action="store_true", help="also the 90-minute 1080p film")
    ap.add_argument("--detectors", default=",".join(DETECTORS))
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    detectors = [cast(Detector, d) for d in args.detectors.split(",") if d]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    films = [
        ("accuracy", 10.0, (320, 180), 11, "veryfast"),
        ("speed", args.minutes, (1920, 1080), 12, "veryfast"),
    ]
    if args.full:
        films.append(("feature", 90.0, (1920, 1080), 13, "veryfast"))
    print("# Shot-change detection (bench/shots.py)\n")
    print(f"{cores} cores; frames analysed at 256 px wide; tolerance {TOLERANCE} frame; rate {FPS} fps\n")
    print(
        "| film | detector | hard cuts | recall@1 | dark recall@1 | precision@1 | flash FPs"
        " | dissolves seen | wall s | x real time | s per film min |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, minutes, size, seed, preset in films:
        path, truth = film(name, minutes, size, seed, preset)
        info = probe(path)
        seconds = truth.frames / float(FPS)
        for det in detectors:
            started = time.monotonic()
            cuts = detect_cuts(path, info, detector=det)
            wall = time.monotonic() - started
            s = score(cuts.frames, truth)
            dark = "-" if not truth.dark_cuts else f"{s['dark_recall']:.3f}"
            print(
                f"| {path.name} | {det}{' (chosen)' if det == DEFAULT_DETECTOR else ''}"
                f" | {len(truth.hard_cuts)} ({len(truth.dark_cuts)} dark, {len(truth.flashes)} flashes,"
                f" {len(truth.dissolves)} dissolves)"
                f" | {s['recall']:.3f} | {dark} | {s['precision']:.3f} | {s['flash_fp']:.0f}"
                f" | {s['dissolves_seen']:.0f}/{len(truth.dissolves)} | {wall:.1f} | {seconds / wall:.1f}x"
                f" | {wall / (seconds / 60):.2f} |",
                flush=True,
            )
    print(
        "\nTargets: recall@1 on hard cuts >= 0.98; a 90-minute 1080p film under 1x real time on 2 cores"
        " (x real time > 1; the per-minute figure times 90 is the feature's wall time)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
