"""Benchmark: burning three languages at two heights from one decode, against the peers.

On a generated 720p film (``testsrc2`` picture + a tone, AAC; 10 minutes by default) with
ru/en/pl subtitles (a cue every 4 s), in the same run and with the same x264 preset and CRF:

(a) ``subpipe burn`` of 3 languages x {720p, 480p} in one pass (one ffmpeg process,
    ``split``), run through the real CLI: its ffmpeg encode is reported, and the whole
    command with the verification of every output (frames at cue midpoints and in gaps)
    and the proof sheet;
(b) the same six outputs as six separate ffmpeg commands, as a user writes them by hand
    (``-vf "scale=-2:H,subtitles=film.ru.srt:force_style=..."``), one after the other;
(c) the same six encodes with no subtitles in one pass: the encoder's own floor.

It prints wall and CPU time (user + system of every process, all cores) of each, and the
ratios with their targets: (a)/(b) <= 0.8 and (a)/(c) <= 1.1 (on the encode), plus the
ffmpeg build. The film is generated once and cached under ``bench/out/render/``
(git-ignored). The machine is shared: run it when nothing else is encoding.

    python bench/render.py                 # 10-minute film, preset veryfast
    python bench/render.py --minutes 2     # shorter
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: packages importable
from media.ffmpeg import find_ffmpeg
from media.render import Branch, Encoding, rendition_args
from tests.mediagen import make_film, write_srt

OUT = Path(__file__).resolve().parent / "out" / "render"
HEIGHTS = (720, 480)
LANGS = ("ru", "en", "pl")
TEXTS = {
    "ru": (
        "Права человека — для всех.",
        "Каждый имеет право на жизнь,\nна свободу и на личную неприкосновенность.",
    ),
    "en": (
        "Human rights are for everyone.",
        "Everyone has the right to life,\nliberty and security of person.",
    ),
    "pl": (
        "Prawa człowieka są dla wszystkich.",
        "Każdy człowiek ma prawo do życia,\nwolności i bezpieczeństwa.",
    ),
}


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(commands: list[list[str]]) -> Timing:
    """Run each command to completion, one after another; wall and children's CPU."""
    wall0, cpu0 = time.monotonic(), children_cpu()
    for argv in commands:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"failed ({done.returncode}): {' '.join(argv[:6])} ...\n{done.stderr[-2000:]}")
    return Timing(time.monotonic() - wall0, children_cpu() - cpu0)


def make_inputs(minutes: float) -> tuple[Path, dict[str, Path]]:
    OUT.mkdir(parents=True, exist_ok=True)
    film = OUT / f"film-{minutes:g}min.mp4"
    if not film.exists():
        print(f"generating {film.name} (once) ...", flush=True)
        make_film(film, duration_s=minutes * 60, size=(1280, 720), fps=25, extra_args=["-g", "250"])
    subs = {}
    total_ms = int(minutes * 60_000)
    for lang in LANGS:
        cues = []
        for n, start in enumerate(range(500, total_ms - 3000, 4000)):
            cues.append((start, start + 2500, TEXTS[lang][n % 2]))
        subs[lang] = write_srt(OUT / f"film-{minutes:g}min.{lang}.srt", cues)
    return film, subs


def by_hand(film: Path, subs: dict[str, Path], folder: Path, preset: str, crf: int) -> list[list[str]]:
    """Six commands as a user writes them: scale, then the subtitles filter on the SRT."""
    ffmpeg = str(find_ffmpeg().path)
    commands = []
    for lang in LANGS:
        for height in HEIGHTS:
            style = f"FontName=DejaVu Sans,FontSize={0.055 * 288:.0f},Outline=1.2,MarginV=20"
            vf = f"scale=-2:{height},subtitles=filename={subs[lang]}:force_style='{style}'"
            commands.append([
                ffmpeg, "-hide_banner", "-nostdin", "-y", "-i", str(film), "-vf", vf,
                "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
                "-c:a", "copy", "-movflags", "+faststart", str(folder / f"hand.{lang}.{height}p.mp4"),
            ])  # fmt: skip
    return commands


def floor(film: Path, folder: Path, preset: str, crf: int) -> list[str]:
    """The same six encodes without subtitles, from one decode."""
    branches = []
    for lang in LANGS:
        for height in HEIGHTS:
            width = 2 * round(1280 * height / 720 / 2)
            branches.append(
                Branch(folder / f"floor.{lang}.{height}p.mp4", width, height, scale=height != 720)
            )
    args = rendition_args(film, branches, Encoding(crf=crf, preset=preset, audio="copy"), progress=False)
    return [str(find_ffmpeg().path), "-hide_banner", "-nostdin", *args]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="film length (default 10)")
    parser.add_argument("--preset", default="veryfast", help="x264 preset for all three (default veryfast)")
    parser.add_argument("--crf", type=int, default=20)
    args = parser.parse_args(argv)
    binary = find_ffmpeg()
    print(f"ffmpeg {binary.version} ({binary.origin}): {binary.path}")
    film, subs = make_inputs(args.minutes)
    work = OUT / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    cli = [sys.executable, "-m", "pipeline.cli.main", "burn", str(film), *map(str, subs.values()),
           "-o", str(work / "subpipe"), "--preset", args.preset, "--crf", str(args.crf),
           "--json"]  # fmt: skip
    for h in HEIGHTS:
        cli += ["--height", str(h)]
    print(f"(a) subpipe burn: 3 languages x {HEIGHTS} in one pass ...", flush=True)
    wall0, cpu0 = time.monotonic(), children_cpu()
    done = subprocess.run(
        cli, capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[1]
    )
    a_all = Timing(time.monotonic() - wall0, children_cpu() - cpu0)
    if done.returncode != 0:
        raise SystemExit(f"subpipe burn failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    a = Timing(report["encode_wall_s"], report["encode_cpu_s"])
    print("(b) six separate ffmpeg commands ...", flush=True)
    b = timed(by_hand(film, subs, work, args.preset, args.crf))
    print("(c) the six encodes without subtitles, one pass ...", flush=True)
    c = timed([floor(film, work, args.preset, args.crf)])

    rows = [
        ("(a) subpipe, one pass: ffmpeg encode", a),
        ("(a) subpipe burn command, all in (verify, proof)", a_all),
        ("(b) six ffmpeg commands by hand", b),
        ("(c) six encodes, no subtitles, one pass", c),
    ]
    cues = len(range(500, int(args.minutes * 60_000) - 3000, 4000))
    print(f"\nfilm: {args.minutes:g} min 1280x720 25 fps, AAC; ru/en/pl, {cues} cues each")
    print(f"outputs: 3 languages x {HEIGHTS}, x264 preset {args.preset}, CRF {args.crf}, audio copied")
    print(f"ffmpeg: {binary.version} ({binary.origin})\n")
    print(f"| {'run':<50} | {'wall s':>8} | {'CPU s':>8} |")
    print(f"|{'-' * 52}|{'-' * 10}|{'-' * 10}|")
    for name, t in rows:
        print(f"| {name:<50} | {t.wall_s:8.1f} | {t.cpu_s:8.1f} |")
    frames = sum(o["frames_checked"] for o in report["outputs"])
    sheet = Path(report["proof_sheet"]).name
    print(f"\nsubpipe verified {len(report['outputs'])} outputs ({frames} frames compared) and wrote {sheet}")

    def ratio(x: float, y: float) -> str:
        return f"{x / y:.2f}" if y else "-"

    print(f"\n(a)/(b) wall {ratio(a.wall_s, b.wall_s)}  CPU {ratio(a.cpu_s, b.cpu_s)}   target <= 0.8")
    print(f"(a)/(c) wall {ratio(a.wall_s, c.wall_s)}  CPU {ratio(a.cpu_s, c.cpu_s)}   target <= 1.1")
    print(f"(a, all in)/(b) wall {ratio(a_all.wall_s, b.wall_s)}  CPU {ratio(a_all.cpu_s, b.cpu_s)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
