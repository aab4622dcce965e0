"""Typography per language: quotes, ellipsis, dialogue dashes."""

from __future__ import annotations

import pytest

from subtitles.qc import Finding
from tests.subtitles.qc.helpers import Check, MakeTrack


def one(make_track: MakeTrack, check: Check, text: str, lang: str, rule: str) -> list[Finding]:
    return [f for f in check(make_track([(1000, 4000, text)], lang)) if f.rule == rule]


@pytest.mark.parametrize(
    ("lang", "wrong", "right"),
    [
        ("ru", 'Власти называют это "защитой порядка".', "Власти называют это «защитой порядка»."),
        ("ru", "Он сказал: «Это „иностранные агенты“».", "Он сказал: «Это „иностранные агенты“»."),
        ("pl", "Władze nazywają to “ochroną porządku”.", "Władze nazywają to „ochroną porządku”."),
        ("en", 'The authorities call it "protecting order".', "The authorities call it “protecting order”."),
        ("en", "The authorities call it «protecting order».", "The authorities call it “protecting order”."),
    ],
)
def test_quotes(make_track: MakeTrack, check: Check, lang: str, wrong: str, right: str) -> None:
    found = one(make_track, check, wrong, lang, "typo.quotes")
    if wrong == right:
        assert not found
        return
    assert len(found) == 1 and found[0].suggestion == right and found[0].line == 3
    assert not one(make_track, check, right, lang, "typo.quotes")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ru", "Никто не знает, сколько их..."),
        ("pl", "Nikt nie wie, ilu ich jest..."),
        ("en", "Nobody knows..."),
    ],
)
def test_ellipsis(make_track: MakeTrack, check: Check, lang: str, text: str) -> None:
    found = one(make_track, check, "Да.\n" + text if lang == "ru" else text, lang, "typo.ellipsis")
    assert len(found) == 1 and found[0].suggestion is not None and found[0].suggestion.endswith("…")
    assert found[0].line == (4 if lang == "ru" else 3)
    assert not one(make_track, check, text.replace("...", "…"), lang, "typo.ellipsis")


@pytest.mark.parametrize(
    ("lang", "wrong", "right"),
    [
        ("ru", "-Где он?\n-Его увезли ночью.", "- Где он?\n- Его увезли ночью."),
        ("ru", "— Где он?\n— Его увезли ночью.", "- Где он?\n- Его увезли ночью."),
        ("pl", "-Gdzie on jest?\n- Zabrali go w nocy.", "- Gdzie on jest?\n- Zabrali go w nocy."),
        ("en", "- Where is he?\n- They took him at night.", "-Where is he?\n-They took him at night."),
    ],
)
def test_dialogue_dash(make_track: MakeTrack, check: Check, lang: str, wrong: str, right: str) -> None:
    found = one(make_track, check, wrong, lang, "typo.dialogue_dash")
    assert len(found) == 1 and found[0].suggestion == right
    assert not one(make_track, check, right, lang, "typo.dialogue_dash")


def test_dash_before_a_number_is_not_a_speaker(make_track: MakeTrack, check: Check) -> None:
    assert not one(make_track, check, "Temperatura:\n-5 stopni.", "pl", "typo.dialogue_dash")


def test_dots_inside_an_address_are_not_an_ellipsis() -> None:
    """``fix`` leaves ``example.com/a...b`` alone, so ``validate`` must not flag it either."""
    from subtitles.language import Language
    from subtitles.model import Cue, Track
    from subtitles.qc import build_profile, validate_track

    track = Track(language=Language.parse("en"))
    track.events = [
        Cue(start=1000, end=3000, text="See example.com/a...b for the files."),
        Cue(start=4000, end=6000, text="And then... nothing."),
    ]
    found = [
        f for f in validate_track(track, build_profile(Language.parse("en"))) if f.rule == "typo.ellipsis"
    ]
    assert [f.cue for f in found] == [2]
