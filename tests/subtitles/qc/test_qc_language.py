"""Language, encoding and glyph rules, on the file as a whole."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from subtitles.model import EncodingGuess, Track
from subtitles.qc import Context, Finding, Severity, build_profile, validate_track
from tests.subtitles.qc.helpers import Check, MakeTrack, make_font, only

TEXTS = {
    "ru": "Мы не можем молчать, когда закрывают газеты. Власти называют это защитой порядка. "
    "Проверки начались в понедельник утром. Никто не знает, сколько их на самом деле. "
    "Она снимала всё на телефон, пока их не остановили. Суд длился всего двадцать минут. "
    "Адвоката к нему так и не пустили. Мы будем говорить об этом снова и снова.",
    "uk": "Ми не можемо мовчати, коли закривають газети. Влада називає це захистом порядку. "
    "Перевірки почалися в понеділок вранці. Ніхто не знає, скільки їх насправді. "
    "Вона знімала все на телефон, поки їх не зупинили. Суд тривав лише двадцять хвилин. "
    "Адвоката до нього так і не пустили. Ми будемо говорити про це знову і знову.",
    "be": "Мы не можам маўчаць, калі зачыняюць газеты. Улада называе гэта абаронай парадку. "
    "Праверкі пачаліся ў панядзелак раніцай. Ніхто не ведае, колькі іх насамрэч. "
    "Яна здымала ўсё на тэлефон, пакуль іх не спынілі. Суд доўжыўся ўсяго дваццаць хвілін. "
    "Адваката да яго так і не пусцілі. Мы будзем гаварыць пра гэта зноў і зноў.",
    "pl": "Nie możemy milczeć, gdy zamykają gazety. Władze nazywają to ochroną porządku. "
    "Kontrole zaczęły się w poniedziałek rano. Nikt nie wie, ilu ich naprawdę jest. "
    "Nagrywała wszystko telefonem, aż ich zatrzymano. Proces trwał zaledwie dwadzieścia minut. "
    "Jego adwokata nigdy do niego nie wpuszczono. Będziemy o tym mówić znowu i znowu.",
    "cs": "Nemůžeme mlčet, když zavírají noviny. Úřady tomu říkají ochrana pořádku. "
    "Kontroly začaly v pondělí ráno. Nikdo neví, kolik jich ve skutečnosti je. "
    "Natáčela všechno na telefon, dokud je nezastavili. Soud trval jen dvacet minut. "
    "Jeho advokáta k němu nikdy nepustili. Budeme o tom mluvit znovu a znovu.",
    "sk": "Nemôžeme mlčať, keď zatvárajú noviny. Úrady tomu hovoria ochrana poriadku. "
    "Kontroly sa začali v pondelok ráno. Nikto nevie, koľko ich v skutočnosti je. "
    "Natáčala všetko na telefón, kým ich nezastavili. Súd trval len dvadsať minút. "
    "Jeho advokáta k nemu nikdy nepustili. Budeme o tom hovoriť znova a znova.",
    "en": "We cannot stay silent while newspapers close. The authorities call it protecting order. "
    "The raids began on Monday morning. Nobody knows how many there really are. "
    "She filmed everything on her phone until they were stopped. The trial lasted twenty minutes. "
    "His lawyer was never let in. We will speak about it again and again.",
}


def cues_of(text: str) -> list[tuple[int, int, str]]:
    sentences = [s.strip() + "." for s in text.split(".") if s.strip()]
    return [(1000 + 4000 * i, 4000 + 4000 * i, s) for i, s in enumerate(sentences)]


@pytest.mark.parametrize(("declared", "actual"), [("ru", "uk"), ("ru", "be"), ("pl", "cs"), ("pl", "sk")])
def test_detected_language_differs(make_track: MakeTrack, check: Check, declared: str, actual: str) -> None:
    found = only(check(make_track(cues_of(TEXTS[actual]), declared)), "lang.detected")
    assert len(found) == 1 and found[0].severity is Severity.ERROR, found
    assert found[0].line is None and found[0].cue is None  # about the file as a whole


@pytest.mark.parametrize("lang", ["ru", "pl", "en"])
def test_declared_language_confirmed(make_track: MakeTrack, check: Check, lang: str) -> None:
    found = check(make_track(cues_of(TEXTS[lang]), lang))
    assert not only(found, "lang.detected") and not only(found, "lang.script")


def test_script_mismatch(make_track: MakeTrack, check: Check) -> None:
    found = only(check(make_track(cues_of(TEXTS["en"]), "ru")), "lang.script")
    assert len(found) == 1 and "Cyrillic" in found[0].message and found[0].severity is Severity.ERROR
    found = only(check(make_track(cues_of(TEXTS["ru"]), "pl")), "lang.script")
    assert len(found) == 1 and "Latin" in found[0].message


def test_undeclared_language_is_a_warning(make_track: MakeTrack, check: Check) -> None:
    track = make_track(cues_of(TEXTS["pl"]), "pl")
    track.language_source = "detected"
    found = only(check(track), "lang.detected")
    assert len(found) == 1 and found[0].severity is Severity.WARNING and "Polish" in found[0].message


def _latin1_mojibake(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


@pytest.mark.parametrize("lang", ["ru", "pl"])
def test_mojibake_utf8_read_as_latin1(make_track: MakeTrack, check: Check, lang: str) -> None:
    cues = cues_of(TEXTS[lang])
    damaged = [(a, b, _latin1_mojibake(t)) for a, b, t in cues]
    found = only(check(make_track(damaged, lang)), "enc.mojibake")
    assert found and all(f.severity is Severity.ERROR for f in found)
    assert found[0].suggestion == cues[0][2]
    assert not only(check(make_track(cues, lang)), "enc.mojibake")


@pytest.mark.parametrize(
    ("lang", "damaged", "repaired"),
    [
        ("ru", "Ïðîâåðêè íà÷àëèñü â ïîíåäåëüíèê óòðîì.", "Проверки начались в понедельник утром."),
        (
            "pl",
            "Nikt nie wie, ilu ich naprawdê jest, b¹dŸ cicho.",
            "Nikt nie wie, ilu ich naprawdę jest, bądź cicho.",
        ),
        ("ru", "РџСЂРѕРІРµСЂРєРё РЅР°С‡Р°Р»РёСЃСЊ.", "Проверки начались."),
    ],
)
def test_mojibake_legacy_code_pages(
    make_track: MakeTrack, check: Check, lang: str, damaged: str, repaired: str
) -> None:
    found = only(check(make_track([(1000, 4000, damaged)], lang)), "enc.mojibake")
    assert len(found) == 1 and found[0].suggestion == repaired


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ru", "ВСЁ КОНЧЕНО. СЁМА ПРИШЁЛ."),
        ("fr", "Quelqu'un de très cher ? Une âme sœur ?"),
        ("es", "¿Qué pasó? ¡Él lo sabía!"),
        ("de", "Größe, Straße, Übermäßig."),
        ("cs", "Nemůžeme mlčet, když zavírají noviny."),
    ],
)
def test_real_text_is_not_mojibake(make_track: MakeTrack, check: Check, lang: str, text: str) -> None:
    assert not only(check(make_track([(1000, 4000, text)], lang)), "enc.mojibake")


def test_uncertain_encoding_is_info(make_track: MakeTrack, check: Check) -> None:
    track = make_track(cues_of(TEXTS["ru"]), "ru")
    track.encoding = EncodingGuess("cp1251", 0.2, False, ("koi8_r",))
    found = only(check(track), "enc.uncertain")
    assert len(found) == 1 and found[0].severity is Severity.INFO and "koi8_r" in found[0].message
    track.encoding = EncodingGuess("cp1251", 0.9, False, ("koi8_r",))
    assert not only(check(track), "enc.uncertain")


def _latin_only_font(path: Path) -> Path:
    return make_font(path, [(0x20, 0x7F)], "LatinOnly")


def test_glyph_coverage_names_characters_and_cues(
    make_track: MakeTrack, check: Check, tmp_path: Path
) -> None:
    font = _latin_only_font(tmp_path / "latin.ttf")
    ctx = Context.build(fps="25", font=font)
    track = make_track([(1000, 3000, "Nie możemy milczeć."), (4000, 6000, "Gdy zamykają gazety.")], "pl")
    found = only(check(track, context=ctx), "glyph.missing")
    assert [(f.cue, f.severity) for f in found] == [(1, Severity.ERROR), (2, Severity.ERROR)]
    summary = found[0].message
    assert summary.startswith("3 characters are not in the font ") and "in 2 of 2 cues" in summary
    assert "'ż' U+017C ×1 (first in cue 1)" in summary and "'ą' U+0105 ×1 (first in cue 2)" in summary
    assert "'ą'" in found[1].message and "'ż'" not in found[1].message
    clean = make_track([(1000, 3000, "We cannot stay silent.")], "en")
    assert not only(check(clean, context=ctx), "glyph.missing")


def test_glyph_coverage_is_one_finding_per_file_not_per_character(
    make_track: MakeTrack, check: Check, tmp_path: Path
) -> None:
    """A Russian file and a Latin-only font: one list for the file, a few cue locations."""
    ctx = Context.build(fps="25", font=_latin_only_font(tmp_path / "latin.ttf"))
    cues = cues_of(TEXTS["ru"])
    found = only(check(make_track(cues, "ru"), context=ctx), "glyph.missing")
    letters = {ch for _a, _b, t in cues for ch in t if ch.isalpha()}
    assert len(letters) > 20
    assert [f.cue for f in found] == [1, 2, 3]
    assert found[0].message.startswith(f"{len(letters)} characters are not in the font")
    assert all(f"{ch!r}" in found[0].message for ch in letters)
    assert f"in {len(cues)} of {len(cues)} cues" in found[0].message


def test_default_font_covers_russian_and_polish(make_track: MakeTrack, check: Check) -> None:
    ctx = Context.build(fps="25")
    if ctx.font_path is None:
        pytest.skip("DejaVu Sans is not installed on this machine")
    for lang in ("ru", "pl"):
        found = check(make_track(cues_of(TEXTS[lang]), lang), context=ctx)
        assert not only(found, "glyph.missing") and not only(found, "glyph.font")


def test_missing_font_is_said_not_passed(make_track: MakeTrack, check: Check) -> None:
    ctx = Context(fps=Fraction(25), font_path=None)
    found = check(make_track(cues_of(TEXTS["ru"]), "ru"), context=ctx)
    assert len(only(found, "glyph.font")) == 1 and not only(found, "glyph.missing")


@pytest.mark.parametrize(
    ("wrong", "right", "name"),
    [("cp1251", "koi8_r", "KOI8-R read as cp1251"), ("koi8_r", "cp1251", "cp1251 read as KOI8-R")],
)
def test_mojibake_between_russian_code_pages(
    make_track: MakeTrack, check: Check, wrong: str, right: str, name: str
) -> None:
    """``рТЙЧЕФ, ЛБЛ ДЕМБ`` for ``Привет, как дела``: no signature character, only inverted
    case and implausible letters give it away; the repair is the exact inverse."""
    good = "Привет, как дела? Мы не можем молчать."
    damaged = good.encode(right).decode(wrong)
    found = only(check(make_track([(1000, 4000, damaged)], "ru")), "enc.mojibake")
    assert [(f.severity, f.suggestion) for f in found] == [(Severity.ERROR, good)]
    assert name in found[0].message
    assert found[0].suggestion is not None and found[0].suggestion.encode(right).decode(wrong) == damaged
    cues = cues_of(TEXTS["ru"])
    damaged_file = [(a, b, t.encode(right).decode(wrong)) for a, b, t in cues]
    found = check(make_track(damaged_file, "ru"))
    fixed = only(found, "enc.mojibake")
    assert len(fixed) == 1 and f"in {len(cues)} of {len(cues)} cues" in fixed[0].message
    assert fixed[0].suggestion == cues[0][2]
    assert not only(found, "lang.detected")  # read after the repair: Russian


@pytest.mark.parametrize(
    "text",
    [
        "ВСЁ КОНЧЕНО. СЁМА ПРИШЁЛ.",  # all capitals
        "Нет, МакДональдс закрыт. А iPhone у него есть.",  # capitals inside real words
        "и потом он ушёл… а мы остались.",  # a continuation in small letters
    ],
)
def test_real_russian_is_not_a_code_page_swap(make_track: MakeTrack, check: Check, text: str) -> None:
    assert not only(check(make_track([(1000, 4000, text)], "ru")), "enc.mojibake")


@pytest.mark.corpus
def test_code_page_swap_on_the_real_ums_russian_files(corpus: Path) -> None:
    """The same film excerpt in KOI8-R and cp1251: each decoded with the other code page is
    found and repaired cue for cue into the correct text; the correct decodings are clean."""
    from subtitles.load import load_bytes

    folder = corpus / "legacy_encodings"
    raw = {
        cp: (folder / f"UMS_russian-{name}.srt").read_bytes()
        for cp, name in (("koi8_r", "koi8-r"), ("cp1251", "cp1251"))
    }
    truth = [c.plaintext for c in load_bytes(raw["cp1251"], name="ums.ru.srt", encoding="cp1251").cues]
    for actual, misread in (("koi8_r", "cp1251"), ("cp1251", "koi8_r")):
        good = load_bytes(raw[actual].decode(actual).encode("utf-8"), name="ums.ru.srt")
        assert not [f for f in validate_qc(good) if f.rule == "enc.mojibake"]
        bad = load_bytes(raw[actual].decode(misread).encode("utf-8"), name="ums.ru.srt")
        found = [f for f in validate_qc(bad) if f.rule == "enc.mojibake"]
        assert len(found) == 1 and found[0].severity is Severity.ERROR, found
        assert f"in {len(truth)} of {len(truth)} cues" in found[0].message
        from subtitles.qc.mojibake import diagnose_all
        from subtitles.qc.text import cue_texts

        diagnosis = diagnose_all(cue_texts(bad).plain)
        assert diagnosis is not None
        repaired = [diagnosis[1][i] for i in range(len(truth))]
        assert [r.replace("\n", "\\N") if r else r for r in repaired] == [
            t.replace("\n", "\\N") for t in truth
        ]


def validate_qc(track: Track) -> list[Finding]:
    return validate_track(track, build_profile(track.language), Context.build(fps="25"))


@pytest.mark.parametrize(
    "cues",
    [
        [(1000, 4000, "The café’s “special” — naïve résumé…")],
        [(1000, 3000, "Hello — “world” café."), (4000, 6000, "Second line.")],
    ],
)
def test_short_english_is_too_little_text_to_contradict(
    make_track: MakeTrack, check: Check, cues: list[tuple[int, int, str]]
) -> None:
    found = only(check(make_track(cues, "en")), "lang.detected")
    assert [f.severity for f in found] == [Severity.INFO] and "too little text" in found[0].message


def test_close_call_between_languages_is_a_warning_not_an_error(make_track: MakeTrack, check: Check) -> None:
    """Enough words, but loanwords only tilt the detector: a mismatch needs a clear margin."""
    text = (
        "The café’s “special” was a naïve résumé of the menu. She ordered the crème brûlée, "
        "he had the soufflé, and we talked about the coup d’état à la française."
    )
    found = only(check(make_track(cues_of(text), "en")), "lang.detected")
    assert all(f.severity is not Severity.ERROR for f in found), found


@pytest.mark.parametrize(("lang", "code"), [("pl", "pl"), ("ru", "ru"), ("en", "en")])
def test_undeclared_language_hint_names_the_detected_code(
    make_track: MakeTrack, check: Check, lang: str, code: str
) -> None:
    track = make_track(cues_of(TEXTS[lang]), lang)
    track.language_source = "detected"
    found = only(check(track), "lang.detected")
    assert len(found) == 1 and f"film.{code}.srt" in found[0].message and f"--lang {code}" in found[0].message


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [("рТЙЧЕФ, ЛБЛ ДЕМБ…", "Привет, как дела…"), ("оПХБЕР, ЙЮЙ ДЕКЮ…", "Привет, как дела…")],
)
def test_audit_samples_of_russian_code_page_swaps(
    make_track: MakeTrack, check: Check, damaged: str, repaired: str
) -> None:
    """The audit's own samples: an ellipsis typed in later stays an ellipsis."""
    found = check(make_track([(1000, 4000, damaged)], "ru"))
    assert [(f.severity, f.suggestion) for f in only(found, "enc.mojibake")] == [(Severity.ERROR, repaired)]
