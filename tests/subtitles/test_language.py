"""Language normalisation: every spelling users and containers use, one value."""

from __future__ import annotations

import pytest

from subtitles.errors import LanguageError
from subtitles.language import Language, language_from_filename


@pytest.mark.parametrize("spelling", ["ru", "rus", "ru-RU", "ru_RU", "Russian", "русский", "RU", " ru "])
def test_russian_spellings(spelling: str) -> None:
    lang = Language.parse(spelling)
    assert lang.code == "ru"
    assert (lang.iso639_2b, lang.iso639_2t) == ("rus", "rus")
    assert lang.english_name == "Russian"
    assert lang.native_name == "Русский"
    assert lang.same_language(Language.parse("ru"))


@pytest.mark.parametrize("spelling", ["pl", "pol", "Polish", "Polski", "pl-PL"])
def test_polish_spellings(spelling: str) -> None:
    lang = Language.parse(spelling)
    assert (lang.code, lang.iso639_2b, lang.native_name, lang.english_name) == (
        "pl",
        "pol",
        "Polski",
        "Polish",
    )


@pytest.mark.parametrize("spelling", ["en", "eng", "English", "en-GB"])
def test_english_spellings(spelling: str) -> None:
    lang = Language.parse(spelling)
    assert lang.code == "en" and lang.iso639_2b == "eng"


def test_region_is_kept_in_the_tag_but_not_in_the_code() -> None:
    gb = Language.parse("en-GB")
    assert gb.bcp47 == "en-GB" and gb.code == "en" and gb.base == Language.parse("en")
    assert Language.parse("ru-RU").bcp47 == "ru-RU"
    assert Language.parse("rus") == Language.parse("ru")


@pytest.mark.parametrize("spelling", ["ger", "deu", "de", "German", "Deutsch"])
def test_german_has_different_b_and_t_codes(spelling: str) -> None:
    lang = Language.parse(spelling)
    assert (lang.code, lang.iso639_2b, lang.iso639_2t) == ("de", "ger", "deu")


@pytest.mark.parametrize(
    ("code", "b", "t"),
    [
        ("cs", "cze", "ces"),
        ("fr", "fre", "fra"),
        ("zh", "chi", "zho"),  # not the ISO 639-3 individual language cmn
        ("sq", "alb", "sqi"),  # not als
        ("et", "est", "est"),  # not ekk
        ("sr", "srp", "srp"),  # not the withdrawn scc
        ("hr", "hrv", "hrv"),
        ("uk", "ukr", "ukr"),
        ("be", "bel", "bel"),
    ],
)
def test_iso639_2_codes(code: str, b: str, t: str) -> None:
    lang = Language.parse(code)
    assert (lang.iso639_2b, lang.iso639_2t) == (b, t)


def test_script_subtags() -> None:
    assert Language.parse("sr-Latn").bcp47 == "sr-Latn"
    assert Language.parse("sr-Latn").code == "sr"


@pytest.mark.parametrize("bad", ["", "   ", "xx", "klingonese", "qqq-ZZ", "12"])
def test_unknown_languages_raise(bad: str) -> None:
    with pytest.raises(LanguageError):
        Language.parse(bad)


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("film.ru.srt", "ru"),
        ("film.pol.srt", "pl"),
        ("film.en-GB.vtt", "en-GB"),
        ("/some/dir/Film.Name.2024.pl.sub", "pl"),
        ("film.final.srt", None),
        ("film.srt", None),
        ("film.xx.srt", None),
    ],
)
def test_language_from_filename(name: str, tag: str | None) -> None:
    lang = language_from_filename(name)
    assert (lang.bcp47 if lang else None) == tag


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("film.ru.sdh.srt", "ru"),
        ("film.en.forced.srt", "en"),
        ("film.pl.hi.srt", "pl"),
        ("film.hi.srt", "hi"),
        ("film.sdh.srt", None),
        ("Crackdown.2024.en.srt", "en"),
        ("film.final.srt", None),
    ],
)
def test_filename_qualifiers_are_not_languages(name: str, expected: str | None) -> None:
    lang = language_from_filename(name)
    assert (lang.tag if lang else None) == expected
