"""Which language a subtitle text is written in, from its letters and commonest words.

Subtitle files rarely say their language, and file names lie (``film.ru.srt`` holding
Ukrainian, a Serbian file named ``windows-1251``). The code page is not the language
either: cp1251 carries Russian, Ukrainian, Belarusian, Bulgarian and Serbian alike.

The model is small and hand-written on purpose (no downloads, no training data): for
each language, its alphabet in order of letter frequency and a list of its most common
short words. A letter outside a language's alphabet is very unlikely under it, so the
distinctive letters (і ї є ґ for Ukrainian, ў for Belarusian, ы э ъ for Russian, ј љ њ
for Serbian, ą ę ł for Polish, ř ě ů for Czech, ä ľ ĺ ô for Slovak) decide quickly; the
common words separate languages that share an alphabet (Croatian and Serbian Latin,
English and Dutch). The same letter statistics serve ``subtitles.encoding`` to judge
which decoding of legacy bytes reads as a real language.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from subtitles.language import Language

#: Letters in descending frequency, and common words, per language tag.
_PROFILES: dict[str, tuple[str, str]] = {
    "ru": (
        "оеаинтсрвлкмдпуяызьбгчйхжшюцщэфъё",
        "и в не на я что он с как а то это все всё она так его но да ты к у же вы за бы по только "
        "ее её мне было вот от меня еще ещё нет о из ему когда ну ли если уже или ни быть был до вас "
        "там потом себя ничего может они тут где есть надо для мы тебя их чем была сам без кто этот "
        "здесь сейчас можно хорошо очень тоже будет почему знаю хочу спасибо пожалуйста",
    ),
    "uk": (
        "оаніивтерскдлумпзяьгбчхцїжйшюєщфґ",
        "і й в у не на що це я з та як він вона вони ми ви ти але так ні до від для є був була було "
        "цей ця якщо коли тільки вже або хто де тут зараз можна треба добре дуже мене тебе його її "
        "їх щоб бо чи ще теж також знаю хочу дякую будь ласка",
    ),
    "be": (
        "аоыенрсіктдлмвйузяпьчгбшхжцэўёюф",
        "і у ў не на што гэта я з ды як ён яна яны мы вы ты але так да ад для ёсць быў была было калі "
        "толькі ўжо ці хто дзе тут зараз можна трэба добра вельмі мяне цябе яго яе іх каб бо яшчэ "
        "таксама дзякуй",
    ),
    "bg": (
        "аоеинтрсвлкдпмзяъгбчйуфхжшцщюь",
        "и в не на да се че за от с е са това ще какво как той тя те ние вие ти аз но така няма има "
        "беше бил ако когато само вече или кой къде тук сега може трябва добре много мен теб него "
        "нея тях по защото благодаря",
    ),
    "sr": (
        "аиоенсрвтјудклмпзгбчшцћжхфђџљњ",
        "и у не на да се је што шта за од са то ово ће како он она они ми ви ти ја али тако нема има "
        "био била ако када само већ или ко где овде сада може треба добро много мене тебе њега њу "
        "њих сам си смо сте су из јер још хвала",
    ),
    "sr-Latn": (
        "aioenjsrtuvdklmpzgbčšchćžfđ",
        "i u ne na da se je šta za od sa to ovo će kako on ona oni mi vi ti ja ali tako nema ima bio "
        "bila ako kada samo već ili ko gde ovde sada može treba dobro mnogo mene tebe njega nju njih "
        "sam si smo ste su iz jer još hteo lepo deo devojka hvala",
    ),
    "hr": (
        "aioenjsrtuvdklmpzgbčšchćžfđ",
        "i u ne na da se je što za od sa s to ovo će kako on ona oni mi vi ti ja ali tako nema ima bio "
        "bila ako kada kad samo već ili tko gdje ovdje sada sad može treba dobro puno mene tebe njega "
        "nju njih sam si smo ste su iz jer još htio lijepo dio djevojka hvala",
    ),
    "pl": (
        "aioeznrwsctykdpmujlłbgęhąóżśćfńźvxq",
        "i w nie na się to że z co jest jak do a o ale ja ty on ona my wy oni tak już czy mi mnie cię "
        "go jej ich tu tam był była było są jestem jesteś będzie może tylko dla po od za przez kiedy "
        "gdzie kto dlaczego bardzo dobrze tego tym też jeszcze teraz wiem chcę proszę dziękuję",
    ),
    "cs": (
        "oeantivlsrdkuměpíczyhjbřáýéčšžůfgúňxťóďwq",
        "a v ne na se to že je z co jak do o ale já ty on ona my vy oni tak už mi mě tě ho jí jsem jsi "
        "jsme jste jsou byl byla bylo bude může jen pro po od za kdy kde kdo proč velmi dobře toho "
        "tom taky také ještě teď vím chci prosím děkuji není ani nebo si",
    ),
    "sk": (
        "oaeinrvtslkdmpujzhcybčáíéýšžľťňôúäďĺŕógfxwq",
        "a v nie na sa to že je z čo ako do o ale ja ty on ona my vy oni tak už mi ma ťa ho jej som "
        "si sme ste sú bol bola bolo bude môže len pre po od za kedy kde kto prečo veľmi dobre toho "
        "tom tiež ešte teraz viem chcem prosím ďakujem alebo ani",
    ),
    "en": (
        "etaoinshrdlcumwfgypbvkjxqz",
        "the and to of a i you it in is that what this we he she they me my your was for on are with "
        "be have not don't no do know just can there so all but here get like go if i'm it's will at "
        "him her right out up now oh yes well come think want how one about let see from would got",
    ),
    "de": (
        "enisratdhulcgmobwfkzvüpäßjöyqx",
        "der die das und ich du er sie es wir ihr nicht ist ein eine zu in den dem mit sich auf für "
        "was ja nein aber so wie hier da noch mir mich dich dir sind war bin bist hat habe haben kann "
        "auch nur wenn dann schon jetzt gut doch mal oder von weiß sehr",
    ),
    "fr": (
        "esaitnrulodcpméèvqfbghjàxyêzçôùâûîœëïkw",
        "le la les de des du un une et je tu il elle nous vous ils elles ne pas est que qui quoi à en "
        "dans pour sur avec ce c'est ça oui non mais mon ma mes ton ta son sa se me te lui y bien tout "
        "très plus suis es sont ai as va fait où comme",
    ),
    "es": (
        "eaosrnidlctumpbgvyqhfzjñáéíóúxküw",
        "el la los las de del un una y yo tú él ella nosotros usted ustedes no es que qué a en por "
        "para con lo le se me te sí pero mi tu su muy bien todo más estoy está son soy eres hay aquí "
        "como cómo esto eso ya vamos tengo puedo",
    ),
    "it": (
        "eaionlrtscdupmvghfbqzàèìòùéóykwxj",
        "il lo la i gli le di del della un una e io tu lui lei noi voi loro non è che cosa a in per "
        "con su da mi ti si ci sì ma mio tuo suo molto bene tutto più sono sei siamo ho hai ha qui "
        "come questo quello già va anche perché",
    ),
    "nl": (
        "enatirodslghvkmubpwjczfxyëéq",
        "de het een en ik jij je hij zij ze wij we jullie niet is dat wat van in op voor met te er "
        "maar ja nee mijn jouw zijn haar ons heel goed alles meer ben bent heb hebt heeft hier hoe "
        "dit die al nog wel kan moet naar om ook als",
    ),
    "sv": (
        "eantrslidomkgvhfupäbcåöjyxwzq",
        "och i att det som en på är av för med till den har de inte om ett han men var jag sig från vi så "
        "kan man när hon nu skulle du ha mig dig här vad nej ja bara kom",
    ),
    "pt": (
        "aeosridmntcuplvgqbfhãçáéíóêzjõâúàxkyw",
        "o a os as de do da dos das um uma e eu você tu ele ela nós vocês eles não é que em no na por "
        "para com se me te sim mas meu minha seu sua muito bem tudo mais estou está são sou tem aqui "
        "como isso isto já vamos tenho posso obrigado",
    ),
}

#: Ratio of the commonest to the rarest letter's probability within an alphabet.
_SPREAD = 250.0
_FLOOR_SAME_SCRIPT = math.log(1e-5)
_FLOOR_FOREIGN_ASCII = math.log(2e-3)
_FLOOR_FOREIGN = math.log(1e-6)
#: Letters a language's own words never use but its borrowed words keep (English
#: "café", "naïve", "façade", "señor"): likelier there than any other letter outside its
#: alphabet, so a few loanwords do not turn English into French.
_LOAN_LETTERS: Mapping[str, str] = {"en": "éèêëàâäçîïôöûüñ"}
_FLOOR_LOAN = math.log(5e-4)
#: Log-likelihood bonus per word found in a language's common-word list.
_WORD_BONUS = 2.0
#: Below this many letters, a text says too little to name its language.
MIN_LETTERS = 20
#: Evidence is capped at this many letters' worth, so confidence reflects how distinct
#: the languages are rather than growing without bound with file length.
_EVIDENCE_LETTERS = 120
#: Mean log-probability per letter under the best language below which no known
#: language fits: real text scores about -3.3 (letter lists about -5), double-encoded
#: UTF-8 about -10, Arabic or Japanese about -14.
MIN_MEAN_LOGP = -7.0

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def script_of(char: str) -> str:
    """``Latn``, ``Cyrl`` or ``Other`` for one letter (by its Unicode name)."""
    if char.isascii():
        return "Latn" if char.isalpha() else "Other"
    return _script_of_nonascii(char)


@functools.cache
def _script_of_nonascii(char: str) -> str:
    name = unicodedata.name(char, "")
    if name.startswith("LATIN"):
        return "Latn"
    if name.startswith("CYRILLIC"):
        return "Cyrl"
    return "Other"


@dataclass(frozen=True)
class Profile:
    """Letter log-probabilities and common words of one language."""

    tag: str
    script: str
    logp: Mapping[str, float]
    words: frozenset[str]
    loans: frozenset[str] = frozenset()

    def letter_logp(self, letter: str) -> float:
        value = self.logp.get(letter)
        if value is not None:
            return value
        if letter in self.loans:
            return _FLOOR_LOAN
        script = script_of(letter)
        if script == self.script:
            return _FLOOR_SAME_SCRIPT
        if letter.isascii():
            return _FLOOR_FOREIGN_ASCII
        return _FLOOR_FOREIGN

    def log_likelihood(self, letters: Mapping[str, int]) -> float:
        """Sum of log-probabilities of the (lower-case) letter counts."""
        return sum(count * self.letter_logp(letter) for letter, count in letters.items())

    def word_hits(self, words: Mapping[str, int]) -> int:
        return sum(count for word, count in words.items() if word in self.words)


def _build(tag: str, letters: str, words: str) -> Profile:
    n = len(letters)
    decay = math.log(_SPREAD) / (n - 1)
    weights = [math.exp(-decay * rank) for rank in range(n)]
    total = sum(weights)
    # ASCII letters a Cyrillic text borrows (names, URLs) keep a small share of the mass
    logp = {ch: math.log(0.98 * w / total) for ch, w in zip(letters, weights, strict=True)}
    scripts = {script_of(ch) for ch in letters}
    if len(scripts) != 1:
        raise ValueError(f"profile {tag} mixes scripts: {scripts}")
    return Profile(tag, scripts.pop(), logp, frozenset(words.split()), frozenset(_LOAN_LETTERS.get(tag, "")))


@functools.cache
def profiles() -> tuple[Profile, ...]:
    """All built-in language profiles, built once."""
    return tuple(_build(tag, letters, words) for tag, (letters, words) in _PROFILES.items())


@dataclass(frozen=True)
class TextStats:
    """Lower-cased letter and word counts of a text, computed once and scored many times."""

    letters: Counter[str]
    words: Counter[str]
    n_letters: int
    scripts: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, text: str) -> TextStats:
        lowered = text.lower()
        letters = Counter({ch: n for ch, n in Counter(lowered).items() if ch.isalpha()})  # counted in C
        words = _count_words(lowered)
        scripts: Counter[str] = Counter()
        for ch, count in letters.items():
            scripts[script_of(ch)] += count
        return cls(letters, words, sum(letters.values()), scripts)


#: Words are counted this many characters at a time: a list of every word of a 200,000-cue
#: file at once would cost more memory than the file's whole text.
_WORD_CHUNK = 1 << 20


def _count_words(text: str) -> Counter[str]:
    """``Counter(_WORD.findall(text))``, a chunk at a time, each cut at a line break (never
    inside a word, so the count is the same)."""
    words: Counter[str] = Counter()
    pos = 0
    while pos < len(text):
        cut = text.find("\n", pos + _WORD_CHUNK)
        end = len(text) if cut < 0 else cut
        words.update(_WORD.findall(text, pos, end))
        pos = end
    return words


def language_scores(stats: TextStats, candidates: Iterable[Profile] | None = None) -> dict[str, float]:
    """Raw log-score per language tag: letter log-likelihood plus common-word bonus."""
    return {
        p.tag: p.log_likelihood(stats.letters) + _WORD_BONUS * p.word_hits(stats.words)
        for p in (candidates if candidates is not None else profiles())
    }


@dataclass(frozen=True)
class LanguageGuess:
    """The outcome of ``detect_language``.

    ``scores`` maps each known language tag to its share of belief (they sum to 1);
    ``confidence`` is the winner's share. ``language`` is ``None`` when the text is too
    short to say anything, or when no known language fits its letters at all (another
    script, or mojibake such as UTF-8 decoded twice); confidence is then low or 0.
    """

    language: Language | None
    confidence: float
    scores: dict[str, float]

    @property
    def tag(self) -> str | None:
        return self.language.tag if self.language is not None else None


def _plain(text: str) -> str:
    """Drop ASS override blocks, HTML-like tags and ``\\N`` breaks before counting letters."""
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"<[^>]*>", " ", text)
    return text.replace(r"\N", " ").replace(r"\n", " ").replace(r"\h", " ")


def detect_language(text: str) -> LanguageGuess:
    """Guess the language of a whole subtitle file's text (markup is ignored).

    Confidence is the winner's share after tempering: the evidence counts as at most
    ``_EVIDENCE_LETTERS`` letters, because the model is crude and a long file should not
    make a close call between, say, Croatian and Serbian look certain.
    """
    stats = TextStats.of(_plain(text))
    raw = language_scores(stats)
    if stats.n_letters == 0:
        share = 1.0 / len(raw)
        return LanguageGuess(None, 0.0, dict.fromkeys(raw, share))
    scale = min(1.0, _EVIDENCE_LETTERS / stats.n_letters)
    best_raw = max(raw.values())
    weights = {tag: math.exp((score - best_raw) * scale) for tag, score in raw.items()}
    total = sum(weights.values())
    scores = {tag: w / total for tag, w in sorted(weights.items(), key=lambda kv: -kv[1])}
    best = next(iter(scores))
    if stats.n_letters < MIN_LETTERS:
        return LanguageGuess(None, min(0.2, scores[best]), scores)
    fit = max(p.log_likelihood(stats.letters) for p in profiles()) / stats.n_letters
    if fit < MIN_MEAN_LOGP:
        return LanguageGuess(None, 0.0, scores)
    return LanguageGuess(Language.parse(best), scores[best], scores)
