"""Text rules: tags, ASS codes in SubRip, whitespace, mixed scripts, control characters."""

from __future__ import annotations

import pytest

from subtitles.qc import Finding, Severity
from tests.subtitles.qc.helpers import Check, MakeTrack, only


def one(
    make_track: MakeTrack, check: Check, text: str, lang: str, rule: str, fmt: str = "srt"
) -> list[Finding]:
    return only(check(make_track([(1000, 4000, text)], lang, fmt=fmt)), rule)


@pytest.mark.parametrize(
    ("lang", "text", "what"),
    [
        ("ru", "<i>Мы не можем молчать.", "never closed"),
        ("pl", "Nie możemy milczeć.</i>", "closes nothing"),
        ("en", "<span>We cannot</span> stay silent.", "unknown tag"),
        ("ru", "<b>Мы не можем <i>молчать.</b>", "never closed"),
    ],
)
def test_unbalanced_or_unknown_tags(
    make_track: MakeTrack, check: Check, lang: str, text: str, what: str
) -> None:
    found = one(make_track, check, text, lang, "text.tags")
    assert len(found) == 1 and what in found[0].message and found[0].line == 3


def test_balanced_known_tags_pass(make_track: MakeTrack, check: Check) -> None:
    text = '<i>Nie możemy</i> <font color="#ffff00">milczeć</font>.'
    assert not one(make_track, check, text, "pl", "text.tags")


def test_ass_override_in_srt(make_track: MakeTrack, check: Check) -> None:
    found = one(make_track, check, "{\\fs40\\c&H00FFFF&}We cannot stay silent.", "en", "text.ass_override")
    assert len(found) == 1 and found[0].severity is Severity.WARNING
    found = one(make_track, check, "{\\an8}We cannot stay silent.", "en", "text.ass_override")
    assert len(found) == 1 and found[0].severity is Severity.INFO
    assert not one(make_track, check, "We cannot stay silent.", "en", "text.ass_override")


@pytest.mark.parametrize(
    ("lang", "text", "what", "fixed"),
    [
        (
            "ru",
            "Сколько себя помню, \nя всегда была одна.",
            "ends with a space",
            "Сколько себя помню,\nя всегда была одна.",
        ),
        (
            "pl",
            "Niebezpieczna to wyprawa\n dla samotnego łowcy.",
            "starts with a space",
            "Niebezpieczna to wyprawa\ndla samotnego łowcy.",
        ),
        (
            "pl",
            "Masz szczęście,że jeszcze żyjesz.",
            "no space after a comma",
            "Masz szczęście, że jeszcze żyjesz.",
        ),
        ("en", "Is it  someone close ?", "double space", "Is it someone close?"),
        (
            "ru",
            "Суд закончился.Адвоката не пустили.",
            "end of a sentence",
            "Суд закончился. Адвоката не пустили.",
        ),
    ],
)
def test_whitespace(make_track: MakeTrack, check: Check, lang: str, text: str, what: str, fixed: str) -> None:
    found = one(make_track, check, text, lang, "text.whitespace")
    assert len(found) == 1 and what in found[0].message
    assert found[0].suggestion == fixed
    assert not one(make_track, check, fixed, lang, "text.whitespace")


def test_whitespace_leaves_numbers_and_urls_alone(make_track: MakeTrack, check: Check) -> None:
    assert not one(make_track, check, "Kosztowało 3,5 mln zł, www.OpenSubtitles.org", "pl", "text.whitespace")


@pytest.mark.parametrize(
    ("lang", "text", "word", "fixed"),
    [
        ("ru", "Прoверки начались утром.", "Прoверки", "Проверки"),  # Latin o
        ("ru", "Суд длился двадцать минут, а он молчaл.", "молчaл", "молчал"),  # Latin a
        ("en", "The raids began on Mоnday.", "Mоnday", "Monday"),  # Cyrillic о
        ("pl", "Kontrole zaczęły się w poniedziаłek.", "poniedziаłek", "poniedziałek"),  # Cyrillic а
    ],
)
def test_mixed_script(
    make_track: MakeTrack, check: Check, lang: str, text: str, word: str, fixed: str
) -> None:
    found = one(make_track, check, text, lang, "text.mixed_script")
    assert len(found) == 1 and word in found[0].message and found[0].suggestion == fixed
    assert found[0].fixable and found[0].line == 3
    assert not one(make_track, check, text.replace(word, fixed), lang, "text.mixed_script")


def test_mixed_script_without_look_alike_is_not_fixable(make_track: MakeTrack, check: Check) -> None:
    found = one(make_track, check, "Словоzапись тут.", "ru", "text.mixed_script")
    assert len(found) == 1 and not found[0].fixable and found[0].suggestion is None


def test_control_and_replacement_characters(make_track: MakeTrack, check: Check) -> None:
    found = one(make_track, check, "Nie możemy\x07 milczeć.", "pl", "text.control_chars")
    assert len(found) == 1 and "U+0007" in found[0].message and found[0].severity is Severity.ERROR
    found = one(make_track, check, "Nie mo\ufffdemy milcze\ufffd.", "pl", "text.replacement_char")
    assert len(found) == 1 and found[0].severity is Severity.ERROR
    clean = check(make_track([(1000, 4000, "Nie możemy milczeć.")], "pl"))
    assert not only(clean, "text.control_chars") and not only(clean, "text.replacement_char")
