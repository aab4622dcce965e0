"""Readability: reading speed, line length and lines per cue, per language profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from subtitles.language import Language
from subtitles.qc import Context, ProfileSource, build_profile, validate_track
from tests.subtitles.qc.helpers import Check, MakeTrack, only


@pytest.mark.parametrize(
    ("lang", "text", "limit"),
    [
        # 18 characters per second: over Russian and Polish 17, under English 20
        ("ru", "Власти называют это защитой порядка.", 17),
        ("pl", "Władze nazywają to ochroną porządku.", 17),
    ],
)
def test_cps_per_language(make_track: MakeTrack, check: Check, lang: str, text: str, limit: int) -> None:
    assert len(text) == 36
    found = only(check(make_track([(1000, 3000, text)], lang)), "read.cps")
    assert len(found) == 1 and f"max {limit}" in found[0].message
    assert not only(check(make_track([(1000, 3200, text)], lang)), "read.cps")


def test_english_reads_faster_and_tags_and_newlines_do_not_count(make_track: MakeTrack, check: Check) -> None:
    text = "<i>The authorities call it</i>\nprotection of order."  # 46 visible characters
    assert not only(check(make_track([(1000, 3300, text)], "en")), "read.cps")  # 19.2 cps, limit 20
    assert only(check(make_track([(1000, 3000, text)], "en")), "read.cps")  # 23 cps
    assert only(check(make_track([(1000, 3300, text)], "en"), max_cps=17.0), "read.cps")


def test_line_length_russian_39_english_42(make_track: MakeTrack, check: Check) -> None:
    ru = "Она снимала всё на телефон, пока могла."  # 39
    assert not only(check(make_track([(1000, 4000, ru)], "ru")), "read.line_length")
    ru40 = "Она снимала всё на телефон, пока могла!!"
    found = only(check(make_track([(1000, 4000, "Да.\n" + ru40)], "ru")), "read.line_length")
    assert [(f.cue, f.line) for f in found] == [(1, 4)]  # the second text line of cue 1
    en = "She filmed everything on her phone as long"  # 42
    assert not only(check(make_track([(1000, 4000, en)], "en")), "read.line_length")
    assert only(check(make_track([(1000, 4000, en + "!")], "en")), "read.line_length")
    assert not only(check(make_track([(1000, 4000, en + "!")], "en"), max_line_length=50), "read.line_length")


def test_lines_per_cue(make_track: MakeTrack, check: Check) -> None:
    three = "Nie możemy\nmilczeć,\ngdy zamykają gazety."
    assert [f.cue for f in only(check(make_track([(1000, 5000, three)], "pl")), "read.lines")] == [1]
    two = "Nie możemy milczeć,\ngdy zamykają gazety."
    assert not only(check(make_track([(1000, 5000, two)], "pl")), "read.lines")


@pytest.mark.parametrize(
    ("lang", "three", "two"),
    [
        (
            "ru",
            "Мы не можем\nмолчать,\nкогда закрывают газеты.",
            "Мы не можем молчать,\nкогда закрывают газеты.",
        ),
        (
            "en",
            "We cannot\nstay silent\nwhile newspapers close.",
            "We cannot stay silent\nwhile newspapers close.",
        ),
        ("pl", "Nie możemy\nmilczeć,\ngdy zamykają gazety.", "Nie możemy milczeć,\ngdy zamykają gazety."),
    ],
)
def test_lines_per_cue_follow_the_profile(
    make_track: MakeTrack, lang: str, three: str, two: str, tmp_path: Path
) -> None:
    """Two lines by default in every language; a broadcaster's profile allowing three for one
    language changes that language only."""
    user = tmp_path / "broadcaster.toml"
    user.write_text(f"[languages.{lang}.thresholds]\nmax_lines = 3\n", encoding="utf-8")
    source = ProfileSource.read(user)
    ctx = Context.build(fps="25")
    track = make_track([(1000, 5000, three)], lang)
    default = only(validate_track(track, build_profile(track.language), ctx), "read.lines")
    assert [(f.cue, f.message) for f in default] == [(1, "3 lines (max 2)")]
    assert not only(validate_track(track, build_profile(track.language, source), ctx), "read.lines")
    assert not only(
        validate_track(make_track([(1000, 5000, two)], lang), build_profile(track.language), ctx),
        "read.lines",
    )
    other = "en" if lang != "en" else "pl"
    assert build_profile(Language.parse(other), source).max_lines == 2
