"""Language detection from a subtitle file's text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from subtitles.encoding import decode_bytes
from subtitles.langdetect import MIN_LETTERS, detect_language, profiles

SAMPLES = {
    "ru": "Я не знаю, что это было. Ты ещё здесь? Мы должны уйти, пока не поздно. Съешь этих булок.",
    "uk": "Я не знаю, що це було. Ти ще тут? Ми повинні піти, поки не пізно. Їжак і ґава, єнот.",
    "be": "Я не ведаю, што гэта было. Ты яшчэ тут? Мы павінны ўцячы, пакуль не позна. Усё добра.",
    "bg": "Не знам какво беше това. Ти още ли си тук? Трябва да тръгваме, преди да е късно.",
    "sr": "Не знам шта је то било. Јеси ли још овде? Морамо да идемо док није касно. Љубав и њива.",
    "pl": "Nie wiem, co to było. Jesteś jeszcze tutaj? Musimy iść, zanim będzie za późno. Żółw.",
    "cs": "Nevím, co to bylo. Jsi ještě tady? Musíme jít, než bude pozdě. Příliš žluťoučký kůň.",
    "sk": "Neviem, čo to bolo. Si ešte tu? Musíme ísť, kým nebude neskoro. Kôň, ďateľ a ľalia.",
    "hr": "Ne znam što je to bilo. Jesi li još ovdje? Moramo ići prije nego što bude kasno. Tko zna gdje.",
    "en": "I don't know what that was. Are you still here? We have to go before it's too late.",
    "de": "Ich weiß nicht, was das war. Bist du noch hier? Wir müssen gehen, bevor es zu spät ist.",
    "fr": "Je ne sais pas ce que c'était. Tu es encore là ? Nous devons partir avant qu'il soit trop tard.",
    "es": "No sé qué fue eso. ¿Todavía estás aquí? Tenemos que irnos antes de que sea demasiado tarde.",
    "it": "Non so cosa fosse. Sei ancora qui? Dobbiamo andare prima che sia troppo tardi, perché sì.",
    "nl": "Ik weet niet wat dat was. Ben je er nog? We moeten gaan voordat het te laat is, echt.",
    "sv": "Jag vet inte vad det var. Är du kvar här? Vi måste gå innan det är för sent, och snabbt.",
    "pt": "Não sei o que foi isso. Você ainda está aqui? Temos que ir antes que seja tarde demais.",
}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_each_language_is_recognised(code: str) -> None:
    guess = detect_language(SAMPLES[code])
    assert guess.language is not None
    assert guess.language.code == code.split("-")[0]
    assert guess.confidence > 0.5
    assert abs(sum(guess.scores.values()) - 1.0) < 1e-9
    assert max(guess.scores, key=guess.scores.__getitem__) == guess.tag


@pytest.mark.parametrize(
    ("text", "expected", "rival"),
    [
        ("Їжак і ґава. Він сказав, що все добре, і пішов додому.", "uk", "ru"),
        ("Ён сказаў, што ўсё добра, і пайшоў дадому. Гэта праўда.", "be", "ru"),
        ("Он сказал, что всё хорошо, и ушёл домой. Это объём.", "ru", "uk"),
        ("Łódź jest daleko, ale pojedziemy tam jutro rano.", "pl", "cs"),
        ("Řekl, že je to tady v pořádku a půjde domů.", "cs", "sk"),
        ("Povedal, že je to tu v poriadku a pôjde domov.", "sk", "cs"),
    ],
)
def test_close_neighbours_are_told_apart(text: str, expected: str, rival: str) -> None:
    guess = detect_language(text)
    assert guess.tag == expected
    assert guess.scores[expected] > guess.scores[rival]


def test_markup_is_ignored() -> None:
    text = r"{\i1}Привет{\i0}\N<b>как дела</b>, что нового у тебя сегодня?"
    assert detect_language(text).tag == "ru"


def test_too_little_text_gives_no_language() -> None:
    for text in ("", "Ok", "12345 --> 678", "Да!"):
        guess = detect_language(text)
        assert guess.language is None
        assert guess.confidence <= 0.2
    assert MIN_LETTERS >= 10


def test_text_no_known_language_fits_gives_none() -> None:
    russian = SAMPLES["ru"]
    double_encoded = russian.encode("utf-8").decode("latin-1")  # the Sintel uploads' defect
    for text in (
        double_encoded,
        "مرحبا بكم في هذا الفيلم الوثائقي عن حقوق الإنسان",
        "これは人権についてのドキュメンタリー映画です",
    ):
        guess = detect_language(text)
        assert guess.language is None and guess.confidence == 0.0


def test_profiles_are_well_formed() -> None:
    tags = [p.tag for p in profiles()]
    assert len(tags) == len(set(tags))
    for profile in profiles():
        assert profile.words, profile.tag
        assert all(ch.islower() for ch in profile.logp), profile.tag


def _cue_text(data: bytes) -> str:
    text, _ = decode_bytes(data)
    return re.sub(r"(?m)^\d+\s*$|^.*-->.*$", "", text)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("subtitleedit/auto_detect_windows-1251.srt", {"sr"}),  # Serbian Cyrillic, not Russian
        ("subtitleedit/auto_detect_windows-1250.srt", {"hr", "sr", "bs"}),  # Croatian/Serbian, not Polish
        ("subtitleedit/auto_detect_Russian.srt", {"ru"}),
        ("legacy_encodings/UMS_russian-koi8-r.srt", {"ru"}),
        ("legacy_encodings/UMS_polish-ISO-8859-2.srt", {"pl"}),
        ("legacy_encodings/UMS_czech-cp1250.srt", {"cs"}),
        ("pysrt/windows-1252.srt", {"fr"}),
        ("tears-of-steel/Tears_Of_Steel_nld.vtt", {"nl"}),
        ("aeneas/sonnet001.srt", {"en"}),
        ("sintel-qmediaplayer/sintel-ru.vtt", set()),  # UTF-8 encoded twice: no language fits
    ],
)
def test_corpus_languages(corpus: Path, name: str, expected: set[str]) -> None:
    guess = detect_language(_cue_text((corpus / name).read_bytes()))
    if not expected:
        assert guess.language is None
    else:
        assert guess.language is not None and guess.language.code in expected


def test_english_with_loanwords_stays_english() -> None:
    text = (
        "The café’s “special” was a naïve idea. We ordered crème brûlée and talked about "
        "the coup d’état until the waiter came back with the bill for the señor."
    )
    guess = detect_language(text)
    assert guess.language is not None and guess.language.code == "en"


def test_french_is_still_french() -> None:
    guess = detect_language("Le café est fermé. Nous sommes allés à la plage avec les enfants.")
    assert guess.language is not None and guess.language.code == "fr"
