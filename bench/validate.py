"""Benchmark: is validating a subtitle file cheaper than parsing it?

Generates N SubRip files of about 1,000 cues each (Russian, English and Polish text with
a few planted flaws: overlaps, three dots, straight quotes, a Latin letter in a Cyrillic
word, long lines) into a temporary folder, then in the same run measures

* pysubs2's load time of every file (``SSAFile.load``), and
* subpipe's validation time of the same files, already loaded (``validate_track``),

and prints both totals, their ratio (target: at most 1.0) and p50/p95 per file (target:
a 1,000-cue file validated in under 50 ms).

    python bench/validate.py              # 1,000 files
    python bench/validate.py --files 50   # a quick run
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pysubs2

from subtitles.language import Language
from subtitles.load import load_track
from subtitles.qc import Context, Profile, build_profile, validate_track
from subtitles.timing import format_srt_time

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


def make_srt(lang: str, cues: int, rng: random.Random) -> str:
    """A file as a careful subtitler delivers it, with about 3% of cues flawed: timing at
    a comfortable reading speed, two-frame or longer gaps, and a few planted defects."""
    blocks = []
    t = 1000
    for n in range(1, cues + 1):
        text = rng.choice(FLAWS[lang]) if rng.random() < 0.02 else rng.choice(SENTENCES[lang])
        dur = max(1200, len(text) * 1000 // 14) + rng.randint(0, 800)
        start = t - 300 if rng.random() < 0.003 else t  # an occasional overlap
        blocks.append(f"{n}\n{format_srt_time(start)} --> {format_srt_time(start + dur)}\n{text}\n")
        gap = rng.choice((80, 80, 100, 600, 1200, 2500)) if rng.random() > 0.01 else 40
        t = start + dur + gap
    return "\n".join(blocks)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=1000, help="number of files (default 1000)")
    parser.add_argument("--cues", type=int, default=1000, help="cues per file (default 1000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    langs = ("ru", "en", "pl")

    with tempfile.TemporaryDirectory(prefix="subpipe-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        paths = []
        for i in range(args.files):
            lang = langs[i % 3]
            path = folder / f"film{i:04d}.{lang}.srt"
            path.write_text(make_srt(lang, args.cues, rng), encoding="utf-8")
            paths.append(path)
        print(
            f"generated {args.files} files x {args.cues} cues in {time.perf_counter() - t0:.1f} s",
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
    print(f"files: {args.files}, cues per file: {args.cues}, findings: {findings}")
    print(
        f"pysubs2 load: total {parse_total:.2f} s, p50 {statistics.median(parse_times) * ms:.1f} ms, "
        f"p95 {percentile(parse_times, 0.95) * ms:.1f} ms"
    )
    print(
        f"validate:     total {qc_total:.2f} s, p50 {statistics.median(qc_times) * ms:.1f} ms, "
        f"p95 {percentile(qc_times, 0.95) * ms:.1f} ms"
    )
    ratio = qc_total / parse_total
    print(f"ratio validate/load: {ratio:.2f} (target <= 1.0); 1,000-cue file p95 target < 50 ms")
    load_total = sum(load_times)
    print(
        f"subpipe load: total {load_total:.2f} s, p50 {statistics.median(load_times) * ms:.1f} ms "
        f"(encoding and language detection, sniffing, source lines); "
        f"load+validate / pysubs2 load: {(load_total + qc_total) / parse_total:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
