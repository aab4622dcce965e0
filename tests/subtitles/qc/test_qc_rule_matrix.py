"""Every rule, in every language of the film: a failing and a passing case each, built from
realistic Russian, English and Polish text.

The table ``CASES`` is the contract: ``test_every_rule_has_cases_in_every_language`` fails
when a rule is registered without a failing and a passing case in each of ru, en and pl,
and when a case's text is not in the language it claims (a Russian case written in Latin
letters would test nothing about Russian). The family test files hold the finer checks
(lines, messages, suggestions); this table holds the breadth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from subtitles.model import EncodingGuess, Track
from subtitles.qc import Context, Finding, all_rules, build_profile, validate_tracks
from tests.subtitles.qc.conftest import build_track
from tests.subtitles.qc.helpers import CueSpec, make_font
from tests.subtitles.qc.test_qc_language import TEXTS, _latin_only_font, cues_of

LANGS = ("ru", "en", "pl")

#: Short subtitle sentences (each under 36 characters, so 3 s on screen reads slowly enough).
S: dict[str, list[str]] = {
    "ru": [
        "Мы не можем молчать.",
        "Проверки начались утром.",
        "Суд длился двадцать минут.",
        "Адвоката не пустили.",
        "Она снимала всё на телефон.",
        "Никто не знает, сколько их.",
    ],
    "en": [
        "We cannot stay silent.",
        "The raids began in the morning.",
        "The trial lasted twenty minutes.",
        "His lawyer was never let in.",
        "She filmed it all on her phone.",
        "Nobody knows how many there are.",
    ],
    "pl": [
        "Nie możemy milczeć.",
        "Kontrole zaczęły się rano.",
        "Proces trwał dwadzieścia minut.",
        "Adwokata nie wpuszczono.",
        "Nagrywała wszystko telefonem.",
        "Nikt nie wie, ilu ich jest naprawdę.",
    ],
}

FRENCH = (
    "Nous ne pouvons pas nous taire quand les journaux ferment. Les autorités appellent cela "
    "protéger l'ordre. Les contrôles ont commencé lundi matin. Personne ne sait combien ils sont "
    "vraiment. Elle a tout filmé avec son téléphone. Le procès n'a duré que vingt minutes."
)


@dataclass(frozen=True)
class Sub:
    """One subtitle file of a scenario: declared language, cues (or raw SubRip text)."""

    lang: str
    cues: tuple[CueSpec, ...] = ()
    raw: str | None = None
    text_lang: str | None = None  # the language the text is really in (default: ``lang``)
    encoding: EncodingGuess | None = None

    def text(self) -> str:
        return self.raw if self.raw is not None else "\n".join(t for _a, _b, t in self.cues)


@dataclass(frozen=True)
class Scenario:
    """Files checked together (the first is the one the rule must or must not flag)."""

    subs: tuple[Sub, ...]
    context: dict[str, Any] = field(default_factory=lambda: {"fps": "25"})
    font: str | None = "full"  # "full" (ASCII, Latin-1/Extended-A, Cyrillic, punctuation), "latin", None

    @property
    def first(self) -> Sub:
        return self.subs[0]


@dataclass(frozen=True)
class Case:
    fail: Scenario
    ok: Scenario


def timed(lang: str, times: list[tuple[int, int]], texts: list[str] | None = None) -> tuple[CueSpec, ...]:
    lines = texts if texts is not None else S[lang]
    return tuple((a, b, lines[k % len(lines)]) for k, (a, b) in enumerate(times))


def one(lang: str, text: str, **kw: Any) -> Scenario:
    return Scenario((Sub(lang, ((1000, 4000, text),)),), **kw)


def cues(lang: str, specs: tuple[CueSpec, ...], **kw: Any) -> Scenario:
    return Scenario((Sub(lang, specs),), **kw)


def pair(fail: Scenario, ok: Scenario) -> Case:
    return Case(fail, ok)


def text_case(lang: str, bad: str, good: str, **kw: Any) -> Case:
    return Case(one(lang, bad, **kw), one(lang, good, **kw))


def times_case(lang: str, bad: list[tuple[int, int]], good: list[tuple[int, int]], **kw: Any) -> Case:
    return Case(cues(lang, timed(lang, bad), **kw), cues(lang, timed(lang, good), **kw))


# --- cross-language scenarios: the first file is the odd one ----------------------------

_BASE = [(1000 + 5000 * k, 4000 + 5000 * k) for k in range(6)]


def trio(odd: str, odd_times: list[tuple[int, int]]) -> Scenario:
    others = [lang for lang in LANGS if lang != odd]
    return Scenario((Sub(odd, timed(odd, odd_times)), *(Sub(lang, timed(lang, _BASE)) for lang in others)))


def xlang_case(odd: str, odd_times: list[tuple[int, int]]) -> Case:
    return Case(trio(odd, odd_times), trio(odd, _BASE))


# --- per-language material for the text rules --------------------------------------------

MOJIBAKE = {  # damaged, correct
    "ru": ("рТЙЧЕФ, ЛБЛ ДЕМБ? нЩ ОЕ НПЦЕН НПМЮБФШ.", "Привет, как дела? Мы не можем молчать."),
    "en": ("Itâ€™s not over. â€œNobodyâ€\x9d knows.", "It’s not over. “Nobody” knows."),
    "pl": ("Kontrole trwa³y, b¹dŸ cicho.", "Kontrole trwały, bądź cicho."),
}
QUOTES = {
    "ru": ('Власти называют это "защитой порядка".', "Власти называют это «защитой порядка»."),
    "en": ('The authorities call it "protecting order".', "The authorities call it “protecting order”."),
    "pl": ("Władze nazywają to “ochroną porządku”.", "Władze nazywają to „ochroną porządku”."),
}
DASHES = {
    "ru": ("-Где он?\n-Его увезли ночью.", "- Где он?\n- Его увезли ночью."),
    "en": ("- Where is he?\n- They took him at night.", "-Where is he?\n-They took him at night."),
    "pl": (
        "-Gdzie on jest?\n-Zabrali go w nocy, bez sądu.",
        "- Gdzie on jest?\n- Zabrali go w nocy, bez sądu.",
    ),
}
MIXED = {  # a look-alike letter from the other script
    "ru": ("Прoверки начались утром.", "Проверки начались утром."),
    "en": ("The raids began on Mоnday.", "The raids began on Monday."),
    "pl": ("Kontrole zaczęły się w poniedziаłek.", "Kontrole zaczęły się w poniedziałek."),
}
LONG_LINE = {  # one character over the profile's limit (ru 39, en and pl 42), and at it
    "ru": ("Она снимала всё на телефон, пока могла!!", "Она снимала всё на телефон, пока могла."),
    "en": ("She filmed everything on her phone as long!", "She filmed everything on her phone as long"),
    "pl": ("Nagrywała wszystko telefonem, dopóki mogła!!", "Nagrywała wszystko telefonem, dopóki mogła"),
}
THREE_LINES = {
    "ru": ("Мы не можем\nмолчать,\nкогда закрывают газеты.", "Мы не можем молчать,\nкогда закрывают газеты."),
    "en": (
        "We cannot\nstay silent\nwhile newspapers close.",
        "We cannot stay silent\nwhile newspapers close.",
    ),
    "pl": ("Nie możemy\nmilczeć,\ngdy zamykają gazety.", "Nie możemy milczeć,\ngdy zamykają gazety."),
}
FAST = {  # (text, ms on screen too short, ms long enough) for ru/pl 17 cps, en 20 cps
    "ru": ("Власти называют это защитой порядка.", 2000, 3200),
    "en": ("<i>The authorities call it</i>\nprotection of order.", 2000, 2500),
    "pl": ("Władze nazywają to ochroną porządku.", 2000, 3200),
}
LOST = {  # a letter lost to a wrong decoding before the file reached us
    "ru": ("Мы не можем молч\ufffdть.", "Мы не можем молчать."),
    "en": ("It\ufffds not over, nobody knows.", "It’s not over, nobody knows."),
    "pl": ("Nie mo\ufffdemy milczeć.", "Nie możemy milczeć."),
}
UNCERTAIN = {"ru": ("cp1251", ("koi8_r",)), "en": ("cp1252", ("latin-1",)), "pl": ("cp1250", ("iso8859_2",))}
WRONG_LANGUAGE = {"ru": "uk", "en": "fr", "pl": "cs"}
OTHER_SCRIPT = {"ru": "en", "en": "ru", "pl": "ru"}


def long_text(lang: str, text_lang: str | None = None) -> Scenario:
    body = FRENCH if text_lang == "fr" else TEXTS[text_lang or lang]
    return Scenario((Sub(lang, tuple(cues_of(body)), text_lang=text_lang),))


def raw_srt(lang: str, bad_time: bool) -> Scenario:
    first, second = S[lang][0], S[lang][1]
    stamp = "00:00:0X,000" if bad_time else "00:00:06,000"
    return Scenario(
        (
            Sub(
                lang,
                raw=f"1\n00:00:01,000 --> 00:00:03,000\n{first}\n\n2\n00:00:04,000 --> {stamp}\n{second}\n",
            ),
        )
    )


def encoded(lang: str, confidence: float) -> Scenario:
    name, alternatives = UNCERTAIN[lang]
    guess = EncodingGuess(name, confidence, False, alternatives)
    return Scenario((Sub(lang, timed(lang, _BASE[:3]), encoding=guess),))


FILM = {"film_fps": Fraction(25), "film_duration_ms": 30_000, "film_path": "film.mp4"}
#: The film's picture cuts at 4 s (frame 100 at 25 fps); speech where the _BASE cues are.
CUT = {**FILM, "cut_frames": (100,)}
SPOKEN = {**FILM, "speech_spans": tuple((a + 100, b - 500) for a, b in _BASE)}
_HOLE = [t for k, t in enumerate(_BASE) if k != 2]  # the third line left out


def speech_case(lang: str, bad: list[tuple[int, int]], good: list[tuple[int, int]], spans: Any) -> Case:
    film = {**FILM, "speech_spans": spans}
    return times_case(lang, bad, good, context=film)


def everyone(times: list[tuple[int, int]], first: str) -> Scenario:
    order = [first, *(lang for lang in LANGS if lang != first)]
    return Scenario(tuple(Sub(lang, timed(lang, times)) for lang in order), context=SPOKEN)


BUILD: dict[str, Callable[[str], Case]] = {
    "struct.parse": lambda L: Case(raw_srt(L, True), raw_srt(L, False)),
    "struct.empty": lambda L: Case(
        cues(L, ((1000, 3000, S[L][0]), (4000, 6000, "<i></i>"))),
        cues(L, ((1000, 3000, S[L][0]), (4000, 6000, f"<i>{S[L][1]}</i>"))),
    ),
    "struct.duplicate": lambda L: Case(
        cues(L, ((1000, 3000, S[L][0]), (1000, 3000, S[L][0]))),
        cues(L, ((1000, 3000, S[L][0]), (1000, 3000, S[L][1]))),
    ),
    "struct.end_before_start": lambda L: times_case(
        L, [(1000, 3000), (5000, 4999)], [(1000, 3000), (5000, 7000)]
    ),
    "struct.negative_time": lambda L: times_case(L, [(-500, 1500), (2000, 4000)], [(0, 1500), (2000, 4000)]),
    "struct.order": lambda L: times_case(L, [(5000, 7000), (1000, 3000)], [(1000, 3000), (5000, 7000)]),
    "timing.overlap": lambda L: times_case(L, [(1000, 3400), (3000, 5000)], [(1000, 2900), (3000, 5000)]),
    "timing.gap": lambda L: times_case(L, [(1000, 3000), (3040, 5000)], [(1000, 3000), (3080, 5000)]),
    "timing.bridge_gap": lambda L: times_case(L, [(1000, 3000), (3300, 5000)], [(1000, 3000), (3600, 5000)]),
    "timing.min_duration": lambda L: times_case(
        L, [(1000, 1500), (3000, 5000)], [(1000, 2000), (3000, 5000)]
    ),
    "timing.max_duration": lambda L: times_case(
        L, [(1000, 9000), (10000, 12000)], [(1000, 6000), (7000, 9000)]
    ),
    "timing.frame_rate": lambda L: Case(
        cues(L, timed(L, _BASE[:2]), context={}), cues(L, timed(L, _BASE[:2]), context={"fps": "25"})
    ),
    "timing.after_film_end": lambda L: times_case(
        L, [(1000, 3000), (28_000, 31_000)], [(1000, 3000), (27_000, 30_000)], context=FILM
    ),
    "timing.before_film_start": lambda L: times_case(
        L, [(-400, 1500), (2000, 4000)], [(0, 1500), (2000, 4000)], context=FILM
    ),
    "read.cps": lambda L: Case(
        cues(L, ((1000, 1000 + FAST[L][1], FAST[L][0]),)), cues(L, ((1000, 1000 + FAST[L][2], FAST[L][0]),))
    ),
    "read.line_length": lambda L: text_case(L, *LONG_LINE[L]),
    "read.lines": lambda L: text_case(L, *THREE_LINES[L]),
    "text.tags": lambda L: text_case(L, f"<i>{S[L][0]}", f"<i>{S[L][0]}</i>"),
    "text.ass_override": lambda L: text_case(L, "{\\fs40\\c&H00FFFF&}" + S[L][0], S[L][0]),
    "text.whitespace": lambda L: text_case(L, S[L][0].replace(" ", "  ", 1), S[L][0]),
    "text.mixed_script": lambda L: text_case(L, *MIXED[L]),
    "text.control_chars": lambda L: text_case(L, S[L][0].replace(" ", "\x07 ", 1), S[L][0]),
    "text.replacement_char": lambda L: text_case(L, *LOST[L]),
    "typo.quotes": lambda L: text_case(L, *QUOTES[L]),
    "typo.ellipsis": lambda L: text_case(L, S[L][5].rstrip(".") + "...", S[L][5].rstrip(".") + "…"),
    "typo.dialogue_dash": lambda L: text_case(L, *DASHES[L]),
    "lang.script": lambda L: Case(long_text(L, OTHER_SCRIPT[L]), long_text(L)),
    "lang.detected": lambda L: Case(long_text(L, WRONG_LANGUAGE[L]), long_text(L)),
    "enc.mojibake": lambda L: text_case(L, *MOJIBAKE[L]),
    "enc.uncertain": lambda L: Case(encoded(L, 0.2), encoded(L, 0.9)),
    "glyph.missing": lambda L: Case(
        replace(long_text(L), font="latin") if L != "en" else one(L, QUOTES["en"][1], font="latin"),
        long_text(L) if L != "en" else one(L, QUOTES["en"][1]),
    ),
    "glyph.font": lambda L: Case(replace(long_text(L), font=None), long_text(L)),
    "xlang.count": lambda L: xlang_case(L, _BASE[:3]),
    "xlang.span": lambda L: xlang_case(L, [*_BASE, (40_000, 43_000)]),
    "xlang.offset": lambda L: xlang_case(L, [(a + 2500, b + 2500) for a, b in _BASE]),
    "shot.snap": lambda L: times_case(L, [(4120, 6000)], [(4000, 6000)], context=CUT),
    "shot.near": lambda L: times_case(L, [(3600, 6000)], [(3520, 6000)], context=CUT),
    "shot.crossing": lambda L: times_case(L, [(1000, 4400)], [(1000, 3920)], context=CUT),
    "speech.silent_cue": lambda L: speech_case(L, [(1000, 6000)], [(1000, 3400)], ((1000, 3000),)),
    "speech.missing_line": lambda L: speech_case(
        L,
        [(1000, 3000), (9000, 11000)],
        [(1000, 3000), (4000, 7200), (9000, 11000)],
        ((1000, 2800), (4000, 7000), (9000, 10800)),
    ),
    "speech.missing_xlang": lambda L: Case(
        Scenario((Sub(L, timed(L, _HOLE)), *trio(L, _BASE).subs[1:]), context=SPOKEN),
        Scenario(trio(L, _BASE).subs, context=SPOKEN),
    ),
    "speech.unsubtitled": lambda L: Case(everyone(_HOLE, L), everyone(_BASE, L)),
}

CASES: dict[str, dict[str, Case]] = {
    rule: {lang: build(lang) for lang in LANGS} for rule, build in BUILD.items()
}


def _full_font(path: Path) -> Path:
    """A font drawing ASCII, Latin-1, Latin Extended-A, Cyrillic and typographic punctuation."""
    ranges = [(0x20, 0x7F), (0xA0, 0x180), (0x400, 0x460), (0x2010, 0x2027)]
    return make_font(path, ranges, "Covers")


@pytest.fixture(scope="module")
def fonts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fonts")
    return {"full": _full_font(folder / "full.ttf"), "latin": _latin_only_font(folder / "latin.ttf")}


def _track(sub: Sub) -> Track:
    track = build_track(sub.cues, sub.lang, text=sub.raw)
    if sub.encoding is not None:
        track.encoding = sub.encoding
    return track


def run(scenario: Scenario, fonts: dict[str, Path]) -> list[Finding]:
    """Findings on the scenario's first file, all files checked together."""
    tracks = [_track(s) for s in scenario.subs]
    profiles = [build_profile(t.language) for t in tracks]
    if scenario.font is None:
        base = Context.build(**scenario.context)
        context = replace(base, font_path=None)
    else:
        context = Context.build(**scenario.context, font=fonts[scenario.font])
    return validate_tracks(tracks, profiles, context)[0]


@pytest.mark.parametrize(("rule", "lang"), [(r, lang) for r in sorted(CASES) for lang in LANGS])
def test_rule_fails_and_passes_in_each_language(rule: str, lang: str, fonts: dict[str, Path]) -> None:
    case = CASES[rule][lang]
    failing = [f for f in run(case.fail, fonts) if f.rule == rule]
    assert failing, f"{rule} silent on its failing {lang} case"
    passing = [f for f in run(case.ok, fonts) if f.rule == rule]
    assert not passing, passing


def _looks_like(text: str, lang: str) -> bool:
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if lang in ("ru", "uk"):
        return cyrillic > latin
    if lang == "pl":
        return latin > cyrillic and any(ch in text for ch in "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
    return latin > cyrillic and not any(ch in text for ch in "ąęłńśźżĄĘŁŃŚŹŻ")


def test_every_rule_has_cases_in_every_language() -> None:
    """The table covers every registered rule, in ru, en and pl, each with text really in
    that language (or, for the language rules, in the language the case says it is)."""
    assert set(CASES) == set(all_rules()), set(all_rules()) ^ set(CASES)
    for rule, by_lang in CASES.items():
        assert set(by_lang) == set(LANGS), rule
        for lang, case in by_lang.items():
            for scenario in (case.fail, case.ok):
                sub = scenario.first
                assert sub.lang == lang, (rule, lang)
                text = sub.text()
                if rule != "enc.mojibake" or scenario is case.ok:
                    assert _looks_like(text, sub.text_lang or lang), (rule, lang, text)
            assert case.fail != case.ok, (rule, lang)
