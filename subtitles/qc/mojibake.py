"""Mojibake: text decoded with the wrong code page, detected by signature and repaired only
when the repair is provably the inverse of the damage.

Signatures (seen in real uploads, e.g. the Sintel WebVTT files):

* UTF-8 read as Latin-1 or cp1252 and saved again: ``ÐžÑ‚`` for ``От``, ``Ä…`` for ``ą``;
* UTF-8 read as cp1251: ``РџСЂРёРІРµС‚`` for ``Привет``; as cp1250: ``Ä…``/``Ĺ‚`` for ``ą``/``ł``;
* the reverse, a legacy file read as Western: cp1251 as cp1252 (``Ïðèâåò``), cp1250 as
  cp1252 (``zosta³``, ``b¹dŸ``).

A repair is offered only when re-encoding with the wrong code page and decoding with the
right one succeeds strictly, leaves no signature behind, and encodes back to exactly the
damaged text. Text from Mac Roman read as Latin-1 fails that test (its bytes are not
UTF-8), so it is reported without a repair rather than "repaired" into new garbage.

The two Russian code pages are the hard case: KOI8-R read as cp1251 (``рТЙЧЕФ`` for
``Привет``) and cp1251 read as KOI8-R (``оПХБЕР``) turn Cyrillic letters into other
Cyrillic letters, so no signature character exists and *every* text survives the round
trip. What gives them away is that both code pages keep the capitals in one half and the
small letters in the other, swapped: the wrong reading has capitals inside words and
small letters at sentence starts, and its letters follow no language's frequencies. A
swap is reported only when the repaired text has clearly fewer such case faults *and*
reads as more plausible Cyrillic text (``subtitles.langdetect``'s letter and word model).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from subtitles.langdetect import TextStats, profiles

_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_CONT_LATIN = f"[\u0080-\u00bf{_CP1252_HIGH}]"
_CP1251_CONT = "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—™љ›њќћџ\u00a0ЎўЈ¤Ґ¦§Ё©Є«¬\u00ad®Ї°±Ііґµ¶·ё№є»јЅѕї"
_CP1250_CONT = "€‚„…†‡‰Š‹ŚŤŽŹ‘’“”•–—™š›śťžź\u00a0ˇ˘Ł¤Ą¦§¨©Ş«¬\u00ad®Ż°±˛ł´µ¶·¸ąş»Ľ˝ľż"


@dataclass(frozen=True, slots=True)
class Damage:
    """One way text gets damaged: the signature, the wrong and the right code page.

    ``min_share`` is the share of the letters the signature must cover. It matters only
    between two single-byte code pages, where *every* text survives the round trip, so
    only density tells damage from a French ``œ`` or a word of capitals.
    """

    name: str
    signature: re.Pattern[str]
    wrong: str
    right: str
    min_share: float = 0.0
    #: A letter-for-letter swap between two Cyrillic code pages (judged by plausibility).
    swap: bool = False


DAMAGES: tuple[Damage, ...] = (
    Damage(
        "UTF-8 read as Latin-1/cp1252",
        re.compile(f"[\u00c2-\u00df]{_CONT_LATIN}|[\u00e0-\u00ef]{_CONT_LATIN}{{2}}"),
        "cp1252",
        "utf-8",
    ),
    Damage("UTF-8 read as cp1251", re.compile(f"[РС][{_CP1251_CONT}]"), "cp1251", "utf-8"),
    Damage("UTF-8 read as cp1250", re.compile(f"[ÂĂÄĹ][{_CP1250_CONT}]|Ă[łł]"), "cp1250", "utf-8"),
    # Russian has no ASCII letters: read as Western, nearly every letter is in À-ÿ
    Damage(
        "cp1251 read as cp1252",
        re.compile(r"(?<![A-Za-z])[\u00c0-\u00ff]{4,}(?![A-Za-z])"),
        "cp1252",
        "cp1251",
        min_share=0.5,
    ),
    # ą ł ź read as ¹ ³ Ÿ never occur inside real words (œ and ¿ do, in French and Spanish)
    Damage(
        "cp1250 read as cp1252", re.compile(r"[a-z][¹³Ÿ]|[¹³Ÿ][a-z]|\b[£¯][a-z]"), "cp1252", "cp1250", 0.01
    ),
)

#: C1 control characters inside a word: bytes of another code page (Mac Roman, cp437)
#: read as Latin-1. No repair is offered: the source code page cannot be known.
C1_IN_WORD = re.compile(r"\w[\u0080-\u009f]|[\u0080-\u009f]\w")
_ANY_SIGNATURE = re.compile("|".join(f"(?:{d.signature.pattern})" for d in DAMAGES))


#: Characters at least one of which every signature contains (the lead characters, and
#: for cp1251 damage its continuation characters), minus letters and marks real Russian,
#: Ukrainian and Belarusian text uses (ё, і, «, »): real damage always produces others too
#: (``Р°`` for ``а``). A set intersection decides whether a file is scanned at all.
TRIGGERS = frozenset(
    "".join(chr(c) for c in range(0x80, 0x100)) + _CP1252_HIGH + _CP1251_CONT + "ĂĹ"
) - frozenset("ёЁіІїЇєЄўЎ«»\u00a0–—“”„’‘…€")


def has_signature(text: str, charset: frozenset[str] | set[str] | None = None) -> bool:
    chars = charset if charset is not None else set(text)
    if TRIGGERS.isdisjoint(chars):
        return False
    return _ANY_SIGNATURE.search(text) is not None


def _encode(text: str, codec: str) -> bytes:
    """Encode with a Windows code page, letting its five undefined bytes pass as Latin-1.

    Python's cp1252 refuses U+0081/U+008D/..., but a file that was decoded as "Latin-1 or
    cp1252" holds them as C1 controls; mapping them back byte-for-byte is the exact inverse.
    """
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode(codec)
        except UnicodeEncodeError:
            code = ord(ch)
            if code > 0xFF:
                raise
            out.append(code)
    return bytes(out)


def _decode_back(data: bytes, codec: str) -> str:
    """Decode as ``_encode`` would have produced (undefined bytes → C1 controls)."""
    if codec in ("utf-8", "latin-1"):
        return data.decode(codec)
    return "".join(_decode_byte(b, codec) for b in data)


def _decode_byte(b: int, codec: str) -> str:
    try:
        return bytes([b]).decode(codec)
    except UnicodeDecodeError:
        return chr(b)


def repair(text: str, damage: Damage) -> str | None:
    """``text`` undamaged, or ``None`` when the repair is not an exact inverse."""
    if damage.swap:
        fixed = swap_codepage(text, damage)
        return fixed if fixed != text else None
    try:
        data = _encode(text, damage.wrong)
        fixed = data.decode(damage.right)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if fixed == text or damage.signature.search(fixed) or has_signature(fixed):
        return None
    if damage.min_share and not _covers(text, damage):
        return None
    if C1_IN_WORD.search(fixed) or "\ufffd" in fixed:
        return None
    data = fixed.encode(damage.right)
    readings = {damage.wrong, "latin-1"} if damage.wrong == "cp1252" else {damage.wrong}
    return fixed if any(_decode_back(data, codec) == text for codec in readings) else None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What is wrong with a piece of text and, when provable, the repaired text."""

    damage: Damage
    repaired: str | None


def diagnose(text: str) -> Diagnosis | None:
    """The damage whose signature ``text`` carries, preferring one that repairs exactly."""
    hits = [d for d in DAMAGES if d.signature.search(text)]
    if not hits:
        return None
    for damage in hits:
        fixed = repair(text, damage)
        if fixed is not None:
            return Diagnosis(damage, fixed)
    return Diagnosis(hits[0], None)


def diagnose_all(
    texts: list[str], charset: frozenset[str] | set[str] | None = None
) -> tuple[Damage, dict[int, str | None]] | None:
    """Diagnose a whole track: one damage explains a file, so the best one is chosen on the
    joined text and applied to every affected cue. Returns the damage and, per affected cue
    index, the repaired text (``None`` where that cue cannot be repaired exactly).
    """
    joined = "\n".join(texts)
    if not has_signature(joined, charset):
        return diagnose_swap(texts)
    found = _diagnose_signature(texts, joined)
    if found is None or all(t is None for t in found[1].values()):
        return diagnose_swap(texts) or found
    return found


def _diagnose_signature(texts: list[str], joined: str) -> tuple[Damage, dict[int, str | None]] | None:
    diag = diagnose(joined)
    if diag is None:
        return None
    damage = diag.damage
    if diag.repaired is None:
        for d in DAMAGES:  # a file-wide repair can fail on one bad cue; keep the best-fitting damage
            if d.signature.search(joined) and any(repair(t, d) for t in texts if d.signature.search(t)):
                damage = d
                break
    affected: dict[int, str | None] = {}
    for i, t in enumerate(texts):
        hits = damage.signature.findall(t)
        if not hits:
            continue
        fixed = repair(t, damage)
        if fixed is not None or _dense(t, hits):
            affected[i] = fixed
    return (damage, affected) if affected else None


def _covers(text: str, damage: Damage) -> bool:
    letters = sum(1 for ch in text if ch.isalpha())
    covered = sum(len(m.group(0)) for m in damage.signature.finditer(text))
    return covered >= damage.min_share * max(letters, 1)


def _dense(text: str, hits: list[str]) -> bool:
    """Without an exact repair, only dense signatures count: real damage hits most letters,
    while a word like ``ВСЁ`` matches one signature by accident."""
    letters = sum(1 for ch in text if ch.isalpha())
    return len(hits) >= 2 and sum(len(h) for h in hits) >= 0.3 * max(letters, 1)


# --- KOI8-R and cp1251 read as each other -------------------------------------------------

#: A small letter directly followed by a Cyrillic capital inside a word (``рТЙЧЕФ``);
#: ``МакДональдс`` has its capital after a capital-initial word and does not count.
_INVERTED_WORD = re.compile(r"\b[^\W\d_A-ZА-ЯЁ][^\W\d_]*?[А-ЯЁ][^\W\d_]*")
#: The first letter of the text and of every sentence (not after an ellipsis, after which
#: subtitles continue in small letters).
_SENTENCE_START = re.compile(r"(?:\A|(?<![.…])[.!?]\s+)[\"«„“(\-–— ]*([^\W\d_])")
#: A quick pre-check: either fault present at all, before any scoring.
#: Its three kinds searched one by one: each starts with one character class, which the
#: regex engine skips along at C speed (one alternation tries all three at every position:
#: 0.35 s on the 12 million characters of a 200,000-cue file, not 0.1).
_CASE_FAULT_PARTS = (
    re.compile(r"[а-яё][А-ЯЁ]"),
    re.compile(r"(?<![.…])[.!?]\s+[\"«„“\-–— ]*[а-яё]"),
    re.compile(r"\A[\"«„“\-–— ]*[а-яё]"),
)
_CYRILLIC = re.compile("[А-яЁё]")
#: Typographic characters the Russian code pages hold outside the letters: a repair may
#: turn a symbol into one of these, never into box drawing.
_TYPOGRAPHIC = frozenset("«»„“”‘’—–…№\u00a0•°±§©®™‰")

SWAPS: tuple[Damage, ...] = (
    Damage("KOI8-R read as cp1251", _INVERTED_WORD, "cp1251", "koi8_r", swap=True),
    Damage("cp1251 read as KOI8-R", _INVERTED_WORD, "koi8_r", "cp1251", swap=True),
)

#: Mean gain in log-probability per letter the repaired reading must show.
_MIN_GAIN = 0.15
#: With case faults this strong (and none left after repair), a small gain suffices:
#: all-capital text has nearly the same letter statistics in both readings.
_STRONG_CASE = 2


def swap_codepage(text: str, damage: Damage) -> str:
    """``text`` re-encoded with ``damage.wrong`` and decoded with ``damage.right``, one
    character at a time. ASCII is the same in both code pages; a character the wrong code
    page cannot hold, or that would become a symbol no Russian text uses, is kept as it is
    (an ellipsis typed in later must not turn into ``┘``). Every mapped character maps
    back exactly, so the repair is the inverse of the damage wherever it applies."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        try:
            mapped = ch.encode(damage.wrong).decode(damage.right)
        except (UnicodeEncodeError, UnicodeDecodeError):
            out.append(ch)
            continue
        # a letter stays a letter; a symbol may become a letter (KOI8-R's ё is a box in cp1251)
        ok = mapped.isalpha() or (not ch.isalpha() and mapped in _TYPOGRAPHIC)
        out.append(mapped if ok and mapped.encode(damage.right).decode(damage.wrong) == ch else ch)
    return "".join(out)


def case_faults(text: str) -> int:
    """Words with a capital after a small letter, plus sentences starting in small letters."""
    inverted = sum(1 for _ in _INVERTED_WORD.finditer(text))
    starts = sum(1 for m in _SENTENCE_START.finditer(text) if m.group(1).islower())
    return inverted + starts


def _cyrillic_fit(text: str) -> tuple[float, int]:
    """Mean log-probability per letter under the best Cyrillic language, and the letters."""
    stats = TextStats.of(text)
    if stats.n_letters == 0:
        return float("-inf"), 0
    best = max(
        p.log_likelihood(stats.letters) + 2.0 * p.word_hits(stats.words)
        for p in profiles()
        if p.script == "Cyrl"
    )
    return best / stats.n_letters, stats.n_letters


def _swap_evidence(text: str, damage: Damage) -> tuple[str, int, int, float]:
    """(repaired text, case faults before, after, gain in mean log-probability per letter)."""
    fixed = swap_codepage(text, damage)
    before, _ = _cyrillic_fit(text)
    after, _ = _cyrillic_fit(fixed)
    return fixed, case_faults(text), case_faults(fixed), after - before


def _convincing(faults_before: int, faults_after: int, gain: float) -> bool:
    """The repaired reading is clearly the better one: far fewer case faults and better
    letter statistics (a small gain is enough when the case evidence is strong)."""
    if faults_before == 0 or faults_after * 3 > faults_before:
        return False
    if faults_before - faults_after >= _STRONG_CASE and faults_after == 0:
        return gain > 0.0
    return gain >= _MIN_GAIN


#: The whole-file decision on a code-page swap reads at most about this many characters:
#: only a file damaged nearly throughout is convincing (the swap must remove far more case
#: faults than it makes), which evenly spaced cues show as well as all of them; re-reading
#: all 12 million characters of a 200,000-cue file twice over would take half a minute.
SWAP_SAMPLE_CHARS = 200_000


def _sample(texts: list[str]) -> str:
    """The texts joined, or for a very long track every k-th one, about ``SWAP_SAMPLE_CHARS``."""
    total = sum(map(len, texts))
    stride = max(1, -(-total // SWAP_SAMPLE_CHARS))
    return "\n".join(texts[::stride])


def _count_at_most(pattern: re.Pattern[str], text: str, limit: int) -> int:
    """How many matches of ``pattern`` ``text`` has, counting no further than ``limit``."""
    return sum(1 for _ in itertools.islice(pattern.finditer(text), limit))


def diagnose_swap(texts: list[str]) -> tuple[Damage, dict[int, str | None]] | None:
    """KOI8-R/cp1251 confusion of a whole track: decided on the joined text (a sample of a
    very long one, ``SWAP_SAMPLE_CHARS``), then applied
    to every cue whose own reading improves (a file damaged only in part keeps its good cues)."""
    joined = _sample(texts)
    if not any(p.search(joined) for p in _CASE_FAULT_PARTS) or _count_at_most(_CYRILLIC, joined, 2) < 2:
        return None
    best: tuple[float, Damage] | None = None
    for damage in SWAPS:
        _fixed, before, after, gain = _swap_evidence(joined, damage)
        if _convincing(before, after, gain) and (best is None or gain > best[0]):
            best = (gain, damage)
    if best is None:
        return None
    damage = best[1]
    affected: dict[int, str | None] = {}
    for i, t in enumerate(texts):
        if not _CYRILLIC.search(t):
            continue
        fixed, before, after, gain = _swap_evidence(t, damage)
        if fixed != t and (gain > 0.0 or (before > after and gain > -0.5)):
            affected[i] = fixed
    return (damage, affected) if affected else None
