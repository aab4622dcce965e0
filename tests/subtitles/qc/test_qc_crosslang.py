"""Across languages: cue counts, covered spans, and the one mistimed file."""

from __future__ import annotations

import numpy as np

from subtitles.model import Track
from subtitles.qc import Context, Finding, build_profile, validate_tracks
from subtitles.qc.rules.crosslang import estimate_offset
from tests.subtitles.qc.helpers import MakeTrack, only

RU = [
    "Мы не можем молчать.", "Власти называют это «защитой».", "Проверки начались утром.", "Никто не знает.",
    "Она снимала всё.", "Суд длился недолго.", "Адвоката не пустили.", "Мы будем говорить.",
]  # fmt: skip
EN = [
    "We cannot stay silent.", "They call it “protection”.", "The raids began.", "Nobody knows.",
    "She filmed everything.", "The trial was short.", "His lawyer was kept out.", "We will speak.",
]  # fmt: skip
PL = [
    "Nie możemy milczeć.", "Nazywają to „ochroną”.", "Kontrole zaczęły się.", "Nikt nie wie.",
    "Nagrywała wszystko.", "Proces był krótki.", "Adwokata nie wpuszczono.", "Będziemy mówić.",
]  # fmt: skip
STARTS = [1000, 4300, 8100, 11000, 15200, 19000, 22600, 26500]


def timed(texts: list[str], shift: int = 0, jitter: int = 0) -> list[tuple[int, int, str]]:
    rng = np.random.default_rng(3)
    out = []
    for s, t in zip(STARTS, texts, strict=True):
        j = int(rng.integers(-jitter, jitter + 1)) if jitter else 0
        out.append((s + shift + j, s + shift + j + 2500, t))
    return out


def run(tracks: list[Track]) -> list[list[Finding]]:
    return validate_tracks(tracks, [build_profile(t.language) for t in tracks], Context.build(fps="25"))


def test_the_shifted_file_is_named(make_track: MakeTrack) -> None:
    ru, en, pl = (
        make_track(timed(RU), "ru"),
        make_track(timed(EN, jitter=40), "en"),
        make_track(timed(PL, 2500), "pl"),
    )
    res = run([ru, en, pl])
    assert not only(res[0], "xlang.offset") and not only(res[1], "xlang.offset")
    found = only(res[2], "xlang.offset")
    assert len(found) == 1 and "later" in found[0].message and "mistimed" in found[0].message
    seconds = float(found[0].message.split(" s later")[0].rsplit(" ", 1)[1])
    assert abs(seconds - 2.5) < 0.02


def test_two_files_offset_reported_on_the_second(make_track: MakeTrack) -> None:
    res = run([make_track(timed(RU), "ru"), make_track(timed(EN, -1200), "en")])
    found = only(res[1], "xlang.offset")
    assert len(found) == 1 and "1.200 s earlier" in found[0].message


def test_aligned_tracks_have_no_cross_findings(make_track: MakeTrack) -> None:
    res = run(
        [make_track(timed(RU), "ru"), make_track(timed(EN, jitter=60), "en"), make_track(timed(PL), "pl")]
    )
    for findings in res:
        assert not [f for f in findings if f.rule.startswith("xlang.")]


def test_count_and_span(make_track: MakeTrack) -> None:
    short = [(s, s + 2500, t) for s, t in zip(STARTS[:4], PL[:4], strict=True)]
    res = run([make_track(timed(RU), "ru"), make_track(timed(EN), "en"), make_track(short, "pl")])
    assert only(res[2], "xlang.count") and only(res[2], "xlang.span")
    assert not only(res[0], "xlang.count") and not only(res[1], "xlang.span")


def test_estimate_offset_on_independent_segmentation() -> None:
    rng = np.random.default_rng(5)
    a = np.sort(rng.uniform(0, 600_000, 300)).astype(np.int64)
    keep = rng.random(300) > 0.2  # another translator merged a fifth of the cues
    b = a[keep] + 30_000 + rng.integers(-50, 50, keep.sum())
    off, support, zero = estimate_offset(a, b, 120.0)
    assert abs(off - 30_000) < 60 and support > 0.9 and zero < 0.3
