"""Quotation marks: fixes never make correct text wrong (issue 7, point 5).

Quotes are paired over the whole cue and nested in each language's style; spaces inside
quotes, inch marks and apostrophes are handled; what cannot be paired unambiguously is
left alone and reported. The property tests state it for any text whose quotes balance.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subtitles.errors import UsageError
from subtitles.language import Language
from subtitles.load import load_bytes
from subtitles.qc import ProfileSource, build_profile, validate_track
from subtitles.qc.fix import fix_track
from subtitles.qc.normalize import DOUBLE_QUOTES, normalize_quotes, pair_quotes

STYLES = {
    "ru": (("«", "»"), ("„", "“")),
    "pl": (("„", "”"), ("«", "»")),
    "en": (("“", "”"), ("‘", "’")),
}


def nq(text: str, lang: str) -> str:
    outer, inner = STYLES[lang]
    return normalize_quotes(text, outer, inner)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # the examples: each of these was made wrong by the old fixer
        ("ru", "« привет »", "« привет »"),
        ("en", '" hello "', "“ hello ”"),
        ("en", "“ hello ”", "“ hello ”"),
        ("pl", '" cześć "', "„ cześć ”"),
        ("en", "6'2\"", "6'2\""),
        # nesting in each language's style
        ("ru", '"Он сказал "нет" и ушёл"', "«Он сказал „нет“ и ушёл»"),
        ("pl", '"Powiedział "nie" i wyszedł"', "„Powiedział «nie» i wyszedł”"),
        ("en", '"He said "no" and left"', "“He said ‘no’ and left”"),
        ("ru", "«Это „иностранные агенты“».", "«Это „иностранные агенты“»."),
        ("pl", "„Mówi «tak» zawsze”", "„Mówi «tak» zawsze”"),
        # inch marks stay; a quotation closed after a digit still closes
        ("en", 'He is 6\'2" and said "hi"', "He is 6'2\" and said “hi”"),
        ("en", 'A 12" record.', 'A 12" record.'),
        ("en", '"Catch 22" is a book.', "“Catch 22” is a book."),
        # a quote between letters is not a quotation mark
        ("en", 'rock"n"roll', 'rock"n"roll'),
        # a quotation running on into the next cue keeps its direction
        ("ru", '"Это начало', "«Это начало"),
        ("ru", 'и конец."', "и конец.»"),
        # German-style „…“ typed in Polish text
        ("pl", "„Tak“ i „nie“", "„Tak” i „nie”"),
    ],
)
def test_examples(lang: str, text: str, expected: str) -> None:
    assert nq(text, lang) == expected
    assert nq(expected, lang) == expected


@pytest.mark.parametrize("text", ['" a " " b "', '" one " two "', '" a " b " c "'])
def test_ambiguous_quotes_are_left_alone(text: str) -> None:
    assert pair_quotes(text) is None
    for lang in STYLES:
        assert nq(text, lang) == text


def test_ambiguous_quotes_are_reported_without_a_suggestion() -> None:
    track = load_bytes(b'1\n00:00:01,000 --> 00:00:03,000\n" a " " b "\n', name="film.en.srt")
    found = [f for f in validate_track(track, build_profile(Language.parse("en"))) if f.rule == "typo.quotes"]
    assert len(found) == 1
    assert "cannot be paired" in found[0].message and found[0].suggestion is None


def test_correct_quotes_are_not_reported() -> None:
    for lang, text in (("ru", "« привет »"), ("en", "“ hello ”"), ("pl", "„ cześć ”"), ("en", "6'2\"")):
        track = load_bytes(f"1\n00:00:01,000 --> 00:00:03,000\n{text}\n".encode(), name=f"f.{lang}.srt")
        findings = validate_track(track, build_profile(Language.parse(lang)))
        assert not [f for f in findings if f.rule == "typo.quotes"], (lang, text)


# -- property: any text whose quotes balance ---------------------------------------------

WORDS = st.sampled_from(["hello", "cześć", "привет", "ab", "x1", "22", "ok", "żółw", "ёж", "it's"])
#: (opening, closing) as people type them: straight, English, German/Polish, guillemets.
PAIRS = st.sampled_from([('"', '"'), ("“", "”"), ("„", "“"), ("„", "”"), ("«", "»")])


@st.composite
def balanced(draw: st.DrawFn, depth: int = 0) -> str:
    """Words and quotations, nested up to three deep, quotes hugging their words or (for a
    lone quotation) padded with spaces as in ``" hello "``: balanced for a human reader."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 3 and draw(st.booleans()):
            opening, closing = draw(PAIRS)
            inner = draw(balanced(depth + 1))
            parts.append(f"{opening}{inner}{closing}")
        else:
            parts.append(draw(WORDS))
    return draw(st.sampled_from([" ", ", "])).join(parts)


@st.composite
def balanced_text(draw: st.DrawFn) -> str:
    text = draw(balanced())
    if draw(st.booleans()):  # spaces inside the quotes of a lone quotation
        opening, closing = draw(PAIRS)
        text = f"{opening} {text} {closing}" if not any(q in text for q in DOUBLE_QUOTES) else text
    return text + draw(st.sampled_from(["", ".", "!", "?", "…"]))


def _is_balanced(text: str, outer: tuple[str, str], inner: tuple[str, str]) -> bool:
    """Only the language's marks, properly nested (outer outside, inner at every deeper level)."""
    depth = 0
    for ch in text:
        if ch not in DOUBLE_QUOTES:
            continue
        if ch == (outer if depth == 0 else inner)[0]:
            depth += 1
        elif depth > 0 and ch == (outer if depth == 1 else inner)[1]:
            depth -= 1
        else:
            return False
    return depth == 0


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@settings(max_examples=300, deadline=None)
@given(text=balanced_text(), lang=st.sampled_from(sorted(STYLES)))
def test_property_balanced_in_balanced_out(text: str, lang: str) -> None:
    outer, inner = STYLES[lang]
    out = normalize_quotes(text, outer, inner)
    if lang == "en":  # English inner marks are single quotes
        assert _is_balanced_en(out), (text, out)
    else:
        assert _is_balanced(out, outer, inner), (text, out)
    assert _letters_and_digits(out) == _letters_and_digits(text)
    assert len(out) == len(text)
    assert normalize_quotes(out, outer, inner) == out


def _is_balanced_en(text: str) -> bool:
    """English: “…” outside, ‘…’ inside (an apostrophe in ``it's`` is not a quote)."""
    depth = 0
    for k, ch in enumerate(text):
        if ch == "’" and 0 < k < len(text) - 1 and text[k - 1].isalpha() and text[k + 1].isalpha():
            continue
        if ch not in DOUBLE_QUOTES and ch not in "‘’":
            continue
        want_open = "“" if depth == 0 else "‘"
        want_close = "”" if depth == 1 else "’"
        if ch == want_open:
            depth += 1
        elif depth > 0 and ch == want_close:
            depth -= 1
        else:
            return False
    return depth == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=balanced_text(), lang=st.sampled_from(sorted(STYLES)))
def test_property_through_fix(text: str, lang: str) -> None:
    """The same through the fixer, on a real SubRip cue: balanced quotes of the language,
    no letter or digit changed, and a second fix changes nothing."""
    track = load_bytes(f"1\n00:00:01,000 --> 00:00:04,000\n{text}\n".encode(), name=f"film.{lang}.srt")
    profile = build_profile(Language.parse(lang))
    outer, inner = STYLES[lang]
    fixed = fix_track(track, profile).raw[0]
    if lang == "en":
        assert _is_balanced_en(fixed), (text, fixed)
    else:
        assert _is_balanced(fixed, outer, inner), (text, fixed)
    assert _letters_and_digits(fixed) == _letters_and_digits(text)
    again = load_bytes(f"1\n00:00:01,000 --> 00:00:04,000\n{fixed}\n".encode(), name=f"film.{lang}.srt")
    assert fix_track(again, profile).raw[0] == fixed


# -- profile settings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[typography]\nquotes = ["<<", ">>"]\n', "typography.quotes"),
        ('[typography]\ninner_quotes = ["", "’"]\n', "typography.inner_quotes"),
        ('[rules]\ndisable = ["typo.quote"]\n', "typo.quote"),
        ('[rules]\nenable = ["nosuch.rule"]\n', "nosuch.rule"),
        ('[rules.severity]\n"read.cpss" = "error"\n', "read.cpss"),
        ('[languages.ru.rules]\ndisable = ["typo.quotez"]\n', "typo.quotez"),
    ],
)
def test_bad_profile_settings_are_refused_naming_the_key(tmp_path: Path, toml: str, needle: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(UsageError, match=needle.replace(".", r"\.")):
        ProfileSource.read(path)


def test_rule_families_are_accepted_in_a_profile(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[rules]\ndisable = ["typo", "timing.*", "read.cps"]\n', encoding="utf-8")
    profile = build_profile(Language.parse("en"), ProfileSource.read(path))
    assert not profile.is_enabled("typo.quotes") and not profile.is_enabled("read.cps")
