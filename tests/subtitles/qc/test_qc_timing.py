"""Timing rules: overlaps, two-frame gaps, bridge gaps, durations, the film's bounds."""

from __future__ import annotations

from fractions import Fraction

import pytest

from subtitles.qc import Context, Severity
from tests.subtitles.qc.helpers import Check, MakeTrack, only


@pytest.mark.parametrize(
    ("lang", "a", "b"),
    [
        ("ru", "Мы не можем молчать.", "Власти называют это «защитой порядка»."),
        ("en", "We cannot stay silent.", "The authorities call it “protecting order”."),
        ("pl", "Nie możemy milczeć.", "Władze nazywają to „ochroną porządku”."),
    ],
)
def test_overlap_is_an_error_at_the_later_cue(
    make_track: MakeTrack, check: Check, lang: str, a: str, b: str
) -> None:
    found = only(check(make_track([(1000, 3400, a), (3000, 5000, b)], lang)), "timing.overlap")
    assert [(f.cue, f.line, f.severity) for f in found] == [(2, 5, Severity.ERROR)]
    assert "400 ms overlap" in found[0].message
    assert not only(check(make_track([(1000, 2900, a), (3000, 5000, b)], lang)), "timing.overlap")


def test_overlap_of_cues_placed_apart_is_allowed(make_track: MakeTrack, check: Check) -> None:
    track = make_track([(1000, 4000, "{\\an8}ПРОКУРАТУРА"), (2000, 3500, "Проверки начались.")], "ru")
    assert not only(check(track), "timing.overlap")


def test_long_cue_overlapping_a_later_one_is_found(make_track: MakeTrack, check: Check) -> None:
    cues = [(1000, 9000, "Суд длился недолго."), (3000, 4000, "Да."), (5000, 6000, "Нет.")]
    found = only(check(make_track(cues, "ru")), "timing.overlap")
    assert [f.cue for f in found] == [2, 3]


def test_gap_below_two_frames(make_track: MakeTrack, check: Check) -> None:
    cues = [(1000, 3000, "Nikt nie wie."), (3040, 5000, "Proces trwał krótko.")]
    found = only(check(make_track(cues, "pl"), fps="25"), "timing.gap")
    assert [f.cue for f in found] == [1]
    assert "80 ms" in found[0].message
    cues = [(1000, 3000, "Nikt nie wie."), (3080, 5000, "Proces trwał krótko.")]
    assert not only(check(make_track(cues, "pl"), fps="25"), "timing.gap")


def test_gap_threshold_follows_the_frame_rate(make_track: MakeTrack, check: Check) -> None:
    # 2 frames at 23.976 fps are 83.4 ms; times on frame boundaries round to 83 or 84 ms
    cues = [(1000, 3000, "Where is he?"), (3083, 5000, "They took him.")]
    assert not only(check(make_track(cues, "en"), fps="24000/1001"), "timing.gap")
    cues = [(1000, 3000, "Where is he?"), (3070, 5000, "They took him.")]
    assert only(check(make_track(cues, "en"), fps="24000/1001"), "timing.gap")


def test_bridge_gap_is_info(make_track: MakeTrack, check: Check) -> None:
    cues = [(1000, 3000, "Where is he?"), (3300, 5000, "They took him.")]
    found = only(check(make_track(cues, "en")), "timing.bridge_gap")
    assert [(f.cue, f.severity) for f in found] == [(1, Severity.INFO)]
    cues = [(1000, 3000, "Where is he?"), (3600, 5000, "They took him.")]
    assert not only(check(make_track(cues, "en")), "timing.bridge_gap")


def test_min_and_max_duration(make_track: MakeTrack, check: Check) -> None:
    cues = [
        (1000, 1500, "Да."),
        (3000, 11000, "Суд длился двадцать минут."),
        (12000, 14000, "Адвоката не пустили."),
    ]
    found = check(make_track(cues, "ru"))
    assert [f.cue for f in only(found, "timing.min_duration")] == [1]
    assert [f.cue for f in only(found, "timing.max_duration")] == [2]
    ok = [(1000, 1900, "Да."), (3000, 9900, "Суд длился двадцать минут.")]
    found = check(make_track(ok, "ru"))
    assert not only(found, "timing.min_duration") and not only(found, "timing.max_duration")


def test_frame_rate_assumption_is_said(make_track: MakeTrack, check: Check) -> None:
    track = make_track([(1000, 3000, "We cannot stay silent.")], "en")
    found = only(check(track, context=Context.build()), "timing.frame_rate")
    assert len(found) == 1 and "25" in found[0].message and found[0].severity is Severity.INFO
    assert not only(check(track, fps="25"), "timing.frame_rate")


def test_cues_outside_the_film(make_track: MakeTrack, check: Check) -> None:
    film = Context.build(film_fps=Fraction(25), film_duration_ms=60_000, film_path="film.mp4")
    cues = [
        (-400, 1500, "Nie możemy milczeć."),
        (58_000, 61_000, "Proces trwał krótko."),
        (62_000, 63_000, "Koniec."),
    ]
    found = check(make_track(cues, "pl"), context=film)
    assert [f.cue for f in only(found, "timing.before_film_start")] == [1]
    assert [f.cue for f in only(found, "timing.after_film_end")] == [2, 3]
    assert "never shown" in only(found, "timing.after_film_end")[1].message
    assert not only(found, "struct.negative_time")  # said once, against the film
    inside = [(0, 1500, "Nie możemy milczeć."), (58_000, 60_000, "Proces trwał krótko.")]
    found = check(make_track(inside, "pl"), context=film)
    assert not only(found, "timing.before_film_start") and not only(found, "timing.after_film_end")
