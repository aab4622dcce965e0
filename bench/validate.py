"""Benchmark: is validating a subtitle file cheaper than parsing it?

Generates N SubRip files of about 1,000 cues each (Russian, English and Polish text with
a few planted flaws: overlaps, three dots, straight quotes, a Latin letter in a Cyrillic
word, long lines) into a temporary folder, then in the same run measures

* pysubs2's load time of every file (``SSAFile.load``), and
* subpipe's validation time of the same files, already loaded (``validate_track``),

and prints both totals, their ratio (target: at most 1.0) and p50/p95 per file (target:
a 1,000-cue file validated in under 50 ms).

Then the scale check: one file of 50,000 and one of 200,000 cues (same generator, Russian),
and every command a user runs on it (``validate``, ``validate --json``, ``fix -o``,
``fix --dry-run``, ``inspect``) run through the real CLI as a subprocess. It prints wall
time, CPU time and peak RSS per command and size (measured by ``os.wait4`` in the small
launcher of ``bench.align``, so the benchmark's own memory is not counted), the growth from
the smallest to the largest size against the growth in cues (linear: about 1.0 per cue),
and the targets at the largest size: under 10 s and 400 MB per command.

    python bench/validate.py                          # 1,000 files, then 50k and 200k cues
    python bench/validate.py --files 50 --scale 0     # a quick run, no scale check
    python bench/validate.py --scale 10000,40000      # other sizes (comma-separated)
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pysubs2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: ``bench`` importable
from bench.align import run_child, subpipe_exe
from subtitles.formats.srt import subrip_text
from subtitles.language import Language
from subtitles.load import load_track
from subtitles.qc import Context, Profile, build_profile, validate_track

#: The commands of the scale check, as users type them (``{sub}`` the file, ``{out}`` fix's output).
SCALE_COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("validate", ("validate", "{sub}")),
    ("validate --json", ("validate", "--json", "{sub}")),
    ("fix", ("fix", "{sub}", "-o", "{out}")),
    ("fix --dry-run", ("fix", "--dry-run", "{sub}")),
    ("fix --json", ("fix", "{sub}", "-o", "{out}", "--json")),
    ("inspect", ("inspect", "{sub}")),
)
#: Targets of issue 7 at 200,000 cues, per command.
TARGET_WALL_S = 10.0
TARGET_PEAK_MB = 400.0
#: Time per cue may grow this much from the smallest to the largest size and still count as
#: linear (start-up, and a shared machine's noise, weigh more on the small file).
LINEAR_SLACK = 1.3
SCALE_TIMEOUT_S = 150.0
#: The last time SubRip can spell (99:59:59,999): the scale files end before it.
SRT_MAX_MS = 100 * 3_600_000 - 1

SENTENCES = {
    "ru": [
        "Мы не можем молчать,\nкогда закрывают газеты.",
        "Власти называют это «защитой порядка».",
        "Проверки начались в понедельник утром.",
        "- Где он?\n- Его увезли ночью.",
        "Никто не знает,\nсколько их на самом деле…",
        "Она снимала всё на телефон,\nпока их не остановили.",
        "Суд длился всего двадцать минут.",
        "Адвоката к нему так и не пустили.",
    ],
    "en": [
        "We cannot stay silent\nwhile newspapers close.",
        "The authorities call it “protecting order”.",
        "The raids began on Monday morning.",
        "-Where is he?\n-They took him at night.",
        "Nobody knows how many there really are…",
        "She filmed everything on her phone\nuntil they were stopped.",
        "The trial lasted only twenty minutes.",
        "His lawyer was never let in.",
    ],
    "pl": [
        "Nie możemy milczeć, gdy zamykają gazety.",
        "Władze nazywają to „ochroną porządku”.",
        "Kontrole zaczęły się w poniedziałek rano.",
        "- Gdzie on jest?\n- Zabrali go w nocy.",
        "Nikt nie wie, ilu ich naprawdę jest…",
        "Nagrywała wszystko telefonem,\naż ich zatrzymano.",
        "Proces trwał zaledwie dwadzieścia minut.",
        "Jego adwokata nigdy nie wpuszczono.",
    ],
}
FLAWS = {
    "ru": ['Он сказал "нет" и ушёл.', "Прoверки продолжались всю неделю и всю следующую тоже."],
    "en": ['He said "no" and left...', "This line is far too long to be read comfortably on a screen."],
    "pl": [
        'Powiedział "nie" i wyszedł...',
        "Ta linia jest zdecydowanie za długa, żeby ją wygodnie przeczytać.",
    ],
}


def make_srt(lang: str, cues: int, rng: random.Random, *, fit_ms: int | None = None) -> str:
    """A file as a careful subtitler delivers it, with about 3% of cues flawed: timing at
    a comfortable reading speed, two-frame or longer gaps, and a few planted defects.

    ``fit_ms``: squeeze the timeline to end by then (200,000 such cues last 160 hours, and
    SubRip's hours have two digits): cues then read too fast and gaps shrink, so most cues
    have findings, the worst case for reporting them.
    """
    blocks: list[tuple[int, int, str]] = []
    t = 1000
    for _n in range(1, cues + 1):
        text = rng.choice(FLAWS[lang]) if rng.random() < 0.02 else rng.choice(SENTENCES[lang])
        dur = max(1200, len(text) * 1000 // 14) + rng.randint(0, 800)
        start = t - 300 if rng.random() < 0.003 else t  # an occasional overlap
        blocks.append((start, start + dur, text))
        gap = rng.choice((80, 80, 100, 600, 1200, 2500)) if rng.random() > 0.01 else 40
        t = start + dur + gap
    last = max(b for _, b, _ in blocks)
    if fit_ms is not None and last > fit_ms:
        blocks = [(a * fit_ms // last, b * fit_ms // last, text) for a, b, text in blocks]
    return subrip_text(blocks)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--files", type=int, default=1000, help="number of files (default 1000; 0: the scale check only)"
    )
    parser.add_argument("--cues", type=int, default=1000, help="cues per file (default 1000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--scale",
        default="50000,200000",
        help="cue counts of the scale check, comma-separated (default 50000,200000; 0 skips it)",
    )
    args = parser.parse_args(argv)
    # SIGTERM (a timeout's kill) unwinds like Ctrl-C, so the temporary folders are removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = sorted({int(n) for n in args.scale.split(",") if n.strip() and int(n) > 0})
    if args.files > 0:
        many_files(args.files, args.cues, args.seed)
    return scale_check(sizes, args.seed) if sizes else 0


def many_files(files: int, cues: int, seed: int) -> None:
    """The first measure: validation time of many ordinary files against pysubs2's parse time."""
    rng = random.Random(seed)
    langs = ("ru", "en", "pl")

    with tempfile.TemporaryDirectory(prefix="subpipe-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        paths = []
        for i in range(files):
            lang = langs[i % 3]
            path = folder / f"film{i:04d}.{lang}.srt"
            path.write_text(make_srt(lang, cues, rng), encoding="utf-8")
            paths.append(path)
        print(
            f"generated {files} files x {cues} cues in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )

        parse_times = []
        for path in paths:
            t = time.perf_counter()
            pysubs2.SSAFile.load(str(path), encoding="utf-8")
            parse_times.append(time.perf_counter() - t)

        # subpipe's own loading does more than pysubs2's (encoding detection, format
        # sniffing, source lines, parse problems): timed too, so the report hides nothing.
        load_times = []
        tracks = []
        for path in paths:
            t = time.perf_counter()
            tracks.append(load_track(path))
            load_times.append(time.perf_counter() - t)
        context = Context.build(fps="25")
        profiles: dict[Language | None, Profile] = {}
        for track in tracks:
            if track.language not in profiles:
                profiles[track.language] = build_profile(track.language)
        validate_track(tracks[0], profiles[tracks[0].language], context)  # warm caches (font cmap, regexes)

        qc_times = []
        findings = 0
        for track in tracks:
            t = time.perf_counter()
            found = validate_track(track, profiles[track.language], context)
            qc_times.append(time.perf_counter() - t)
            findings += len(found)

    parse_total, qc_total = sum(parse_times), sum(qc_times)
    ms = 1000.0
    print(f"files: {files}, cues per file: {cues}, findings: {findings}")
    print(
        f"pysubs2 load: total {parse_total:.3f} s, p50 {statistics.median(parse_times) * ms:.1f} ms, "
        f"p95 {percentile(parse_times, 0.95) * ms:.1f} ms"
    )
    print(
        f"validate:     total {qc_total:.3f} s, p50 {statistics.median(qc_times) * ms:.1f} ms, "
        f"p95 {percentile(qc_times, 0.95) * ms:.1f} ms"
    )
    ratio = qc_total / parse_total
    print(f"ratio validate/load: {ratio:.2f} (target <= 1.0); 1,000-cue file p95 target < 50 ms")
    load_total = sum(load_times)
    print(
        f"subpipe load: total {load_total:.3f} s, p50 {statistics.median(load_times) * ms:.1f} ms "
        f"(encoding and language detection, sniffing, source lines); "
        f"load+validate / pysubs2 load: {(load_total + qc_total) / parse_total:.2f}"
    )


def scale_check(sizes: list[int], seed: int) -> int:
    """Every command on one file per size, through the CLI; 1 when a command failed to run."""
    exe = subpipe_exe()
    results: dict[tuple[int, str], tuple[float, float, float]] = {}
    failed = False
    print()
    print(
        "scale: one Russian file per size, all at one pace (the largest fills SubRip's 99 hours), "
        "each command run through the CLI"
    )
    print(f"{'cues':>8}  {'command':<16} {'wall s':>7} {'cpu s':>7} {'peak MB':>8}  exit")
    with tempfile.TemporaryDirectory(prefix="subpipe-bench-scale-") as tmp:
        folder = Path(tmp)
        for size in sizes:
            sub = folder / f"scale{size}.ru.srt"
            # every size at the same pace: the largest squeezed into SubRip's 99 hours
            pace = SRT_MAX_MS * size // sizes[-1]
            sub.write_text(make_srt("ru", size, random.Random(seed), fit_ms=pace), encoding="utf-8")
            for name, template in SCALE_COMMANDS:
                out = folder / f"scale{size}.fixed.ru.srt"
                argv = [exe, *(a.format(sub=sub, out=out) for a in template)]
                run = run_child(
                    argv,
                    cwd=folder / "runs" / f"{size}-{name.replace(' ', '')}",
                    env=None,
                    timeout=SCALE_TIMEOUT_S,
                )
                ok = run.exit_code in (0, 1)  # 1: the planted flaws are error findings
                failed |= not ok
                results[size, name] = (run.wall_s, run.cpu_s, run.maxrss_mb)
                note = "" if ok else f"  FAILED: {run.stderr.strip().splitlines()[-1:] or run.exit_code}"
                print(
                    f"{size:>8}  {name:<16} {run.wall_s:>7.2f} {run.cpu_s:>7.2f} {run.maxrss_mb:>8.0f}  "
                    f"{run.exit_code}{note}",
                    flush=True,
                )
                out.unlink(missing_ok=True)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        growth = large / small
        print(
            f"linearity: {large} vs {small} cues ({growth:.2f}x the cues); linear is time growth <= "
            f"{LINEAR_SLACK:.1f} x {growth:.2f}"
        )
        for name, _ in SCALE_COMMANDS:
            (wall_s, cpu_s, mb_s), (wall_l, cpu_l, mb_l) = results[small, name], results[large, name]
            ratio = cpu_l / cpu_s if cpu_s > 0 else float("inf")
            verdict = "linear" if ratio <= LINEAR_SLACK * growth else "SUPERLINEAR"
            print(
                f"  {name:<16} cpu {ratio:.2f}x (per cue {ratio / growth:.2f}), "
                f"wall {wall_l / wall_s:.2f}x, peak MB {mb_l / mb_s:.2f}x: {verdict}"
            )
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    busy = ": a busy machine stretches wall times; CPU s is what each command used" if load > cores else ""
    print(f"machine load average {load:.1f} on {cores} cores at the end{busy}")
    largest = sizes[-1]
    print(
        f"targets at {largest} cues: wall < {TARGET_WALL_S:g} s and peak < {TARGET_PEAK_MB:g} MB per command"
    )
    for name, _ in SCALE_COMMANDS:
        wall, _cpu, mb = results[largest, name]
        verdict = "ok" if wall < TARGET_WALL_S and mb < TARGET_PEAK_MB else "OVER"
        print(f"  {name:<16} {wall:.2f} s, {mb:.0f} MB: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
