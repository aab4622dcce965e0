"""Which text encoding a subtitle file's bytes are in: pure logic on bytes.

Translators deliver cp1251, KOI8-R, cp1250, ISO-8859-2 and UTF-16 files as often as
UTF-8, and none of them says so. Every single-byte code page decodes *any* bytes without
error, so "it decoded" proves nothing: the question is which decoding reads as real text.
Generic detectors answer from byte statistics and fail on short files (a Polish file of
twenty lines in cp1250 comes out as cp1252 with ``¹`` ``³`` ``¿`` in every word; Russian
KOI8-R comes out as cp1251 with every letter's case inverted).

The order here:

1. a byte-order mark decides (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE);
2. NUL bytes at every other position mean UTF-16 (or UTF-32) without a BOM;
3. bytes that are valid UTF-8 *are* UTF-8 (legacy text with letters above 0x7F is
   practically never valid UTF-8);
4. otherwise each legacy code page decodes the bytes, and each decoding is scored as
   language text with ``subtitles.langdetect``'s letter statistics, plus penalties for
   what mojibake looks like: symbols inside words, control characters, words whose case
   flips mid-word, words mixing Latin and Cyrillic. The declared language is a prior:
   it does not override the bytes, but it settles close calls on short files.

Nothing here decodes with ``errors="replace"``: a wrong guess must be visible, not
silently turned into ``�``.
"""

from __future__ import annotations

import codecs
import math
import re
import unicodedata
from dataclasses import dataclass

from subtitles.errors import EncodingError
from subtitles.langdetect import Profile, TextStats, profiles
from subtitles.language import Language
from subtitles.model import EncodingGuess

#: BOMs, longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Legacy candidates with their prior weight (how often such files are met).
LEGACY_CANDIDATES: dict[str, float] = {
    "cp1251": 0.25,
    "cp1250": 0.20,
    "cp1252": 0.25,
    "iso8859-2": 0.10,
    "koi8-r": 0.10,
    "iso8859-5": 0.02,
    "mac-cyrillic": 0.01,
}

#: The code page a language is usually delivered in, to name identical decodings.
_USUAL_CODEPAGE: dict[str, str] = {
    "ru": "cp1251", "uk": "cp1251", "be": "cp1251", "bg": "cp1251", "sr": "cp1251",
    "pl": "cp1250", "cs": "cp1250", "sk": "cp1250", "hr": "cp1250", "sr-Latn": "cp1250",
}  # fmt: skip

#: Typographic punctuation that real subtitle text contains.
_PUNCTUATION = set("«»„“”‘’‚‹›—–…•·№°€£¡¿\u00a0\u2009\u202f\u200b\u2026")
_IN_WORD_OK = set("’'\u00ad")
_COST_PUNCTUATION = 5.0
_COST_SYMBOL = 11.0
_COST_GRAPHIC = 15.0
_PENALTY_SYMBOL_IN_WORD = 5.0
_PENALTY_SYMBOL_RUN = 4.0
_PENALTY_CONTROL = 20.0
_PENALTY_CASE_FLIP = 5.0
_PENALTY_MIXED_SCRIPT = 5.0
#: Words with at least one non-ASCII letter (pure ASCII words read the same in every candidate).
_NON_ASCII_WORD = re.compile(r"[^\W\d_]*[^\x00-\x7f\W\d_][^\W\d_]*")
#: Characters worth a look: everything but printable ASCII and ordinary whitespace.
_SUSPECT = re.compile(r"[^\t\n\f\r\x20-\x7e]")
#: Runners-up whose score is within this many nats are reported as alternatives.
_ALTERNATIVE_MARGIN = 40.0


@dataclass(frozen=True)
class Decoding:
    """One candidate reading of the bytes and how plausible it is (a log-score)."""

    encoding: str
    text: str
    score: float
    language: str | None


def detect_encoding(data: bytes, *, language: Language | None = None) -> EncodingGuess:
    """Decide the encoding of ``data``; see ``decode_bytes`` for the text as well."""
    return decode_bytes(data, language=language)[1]


def decode_bytes(
    data: bytes, *, language: Language | None = None, encoding: str | None = None, path: str | None = None
) -> tuple[str, EncodingGuess]:
    """Decode subtitle bytes to text, returning the text and the decision behind it.

    ``encoding`` forces a codec (the user knows better); ``language`` is the declared
    language, used as a prior. Raises ``EncodingError`` (naming ``path``) when the bytes
    are not text in any supported encoding.
    """
    kind = media_signature(data)
    if kind is not None:
        raise EncodingError(f"this is a media file ({kind}), not subtitles", path=path)
    if encoding is not None:
        return _forced(data, encoding, path)
    for bom, name in _BOMS:
        if data.startswith(bom):
            text = _strict(
                data[len(bom) :], name, path, f"has a {name.upper()} byte-order mark but", len(bom)
            )
            return text, EncodingGuess(name, 1.0, bom=True)
    wide = _wide_encoding(data)
    if wide is not None:
        text = _strict(data, wide, path, f"looks like {wide.upper()} (NUL bytes) but")
        return text, EncodingGuess(wide, 0.99)
    _refuse_binary(data, path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse_damaged_utf8(data, exc, path)
    else:
        non_ascii = 0 if text.isascii() else len(text) - len(text.encode("ascii", "ignore"))
        confidence = 1.0 if non_ascii == 0 else 1.0 - 0.5 ** min(non_ascii + 4, 30)
        return text, EncodingGuess("utf-8", confidence)
    ranked = rank_legacy(data, language=language)
    if not ranked:
        raise EncodingError("bytes decode in no supported encoding", path=path)
    best = ranked[0]
    total = sum(math.exp(d.score - best.score) for d in ranked)
    alternatives = tuple(d.encoding for d in ranked[1:4] if best.score - d.score <= _ALTERNATIVE_MARGIN)
    return best.text, EncodingGuess(best.encoding, 1.0 / total, alternatives=alternatives)


def rank_legacy(data: bytes, *, language: Language | None = None) -> list[Decoding]:
    """All single-byte decodings that succeed, best first, identical texts merged.

    Candidates that decode to the same text (German in cp1250 and cp1252) are one
    reading: they are merged under the code page usual for the winning language, so
    that the choice between them never costs confidence.
    """
    groups: dict[str, list[Decoding]] = {}
    for name, prior in LEGACY_CANDIDATES.items():
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        score, lang = plausibility(text, language=language)
        groups.setdefault(text, []).append(Decoding(name, text, score + math.log(prior), lang))
    merged: list[Decoding] = []
    for members in groups.values():
        top = max(members, key=lambda d: d.score)
        usual = _USUAL_CODEPAGE.get(top.language or "", "cp1252")
        names = [d.encoding for d in members]
        name = usual if usual in names else top.encoding
        merged.append(Decoding(name, top.text, top.score, top.language))
    merged.sort(key=lambda d: -d.score)
    return merged


def plausibility(text: str, *, language: Language | None = None) -> tuple[float, str | None]:
    """Log-score of ``text`` as natural-language subtitle text, and the language it fits.

    The score is the best language's letter log-likelihood and common-word bonus, plus
    the log of that language's prior, minus the mojibake penalties.
    """
    stats = TextStats.of(text)
    best_score = -math.inf
    best_lang: str | None = None
    for profile in profiles():
        score = _language_prior(profile, language)
        score += profile.log_likelihood(stats.letters) + 2.0 * profile.word_hits(stats.words)
        if score > best_score:
            best_score, best_lang = score, profile.tag
    return best_score - mojibake_penalty(text), best_lang


def mojibake_penalty(text: str) -> float:
    """What wrong decodings look like, in nats: the higher, the less plausible.

    Every non-ASCII character that is not a letter is charged as an unlikely event, so a
    decoding that turns letters into symbols never scores better for having fewer letters:
    typographic punctuation is cheap, other symbols dear, symbols inside a word or in a
    run of symbols dearer, box-drawing and maths signs (KOI8-R's upper half read wrongly)
    and control characters (C1 codes from ISO-8859 read wrongly) dearest.
    """
    penalty = 0.0
    n = len(text)
    for match in _SUSPECT.finditer(text):
        i = match.start()
        ch = text[i]
        code = ord(ch)
        if code < 0x80:
            penalty += _PENALTY_CONTROL
            continue
        if ch.isalpha():
            continue
        if code < 0xA0:
            penalty += _PENALTY_CONTROL
            continue
        if ch.isspace() or ch in _IN_WORD_OK:
            continue
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < n else " "
        if ch in _PUNCTUATION:
            penalty += _COST_PUNCTUATION
        elif unicodedata.category(ch) in ("So", "Sm", "Sk", "Co", "Cn"):
            penalty += _COST_GRAPHIC
        else:
            penalty += _COST_SYMBOL
        if before.isalpha() and after.isalpha():
            penalty += _PENALTY_SYMBOL_IN_WORD
        if not before.isascii() and not before.isalpha() and not before.isspace():
            penalty += _PENALTY_SYMBOL_RUN
    for word in _NON_ASCII_WORD.findall(text):
        if len(word) < 2:
            continue
        if _case_flips(word):
            penalty += _PENALTY_CASE_FLIP
        if _mixed_script(word):
            penalty += _PENALTY_MIXED_SCRIPT
    return penalty


def _case_flips(word: str) -> bool:
    """A lower-case letter followed later by an upper-case one: ``пРИВЕТ``, ``фФ``."""
    seen_lower = False
    for ch in word:
        if ch.islower():
            seen_lower = True
        elif ch.isupper() and seen_lower:
            return True
    return False


def _mixed_script(word: str) -> bool:
    has_latin = has_cyrillic = False
    for ch in word:
        if "\u0400" <= ch <= "\u04ff":
            has_cyrillic = True
        elif ch.isascii() or "\u00c0" <= ch <= "\u024f":
            has_latin = True
    return has_latin and has_cyrillic


def _language_prior(profile: Profile, language: Language | None) -> float:
    """Log-prior of a language: the declared one gets 90 %, else the project's three
    languages (ru, en, pl) are likelier than the rest."""
    others = len(profiles()) - 1
    if language is not None:
        return math.log(0.9) if profile.tag.split("-")[0] == language.code else math.log(0.1 / others)
    if profile.tag in ("ru", "en", "pl"):
        return math.log(0.15)
    return math.log(0.55 / (others - 2))


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16/32 without a BOM, recognised by where the NUL bytes fall in ASCII text."""
    sample = data[:8192]
    if len(sample) < 4 or sample.count(0) < len(sample) // 10:
        return None
    size = len(sample) - len(sample) % 4
    if size >= 4:
        quads = [sample[i : i + 4] for i in range(0, size, 4)]
        if sum(1 for q in quads if q[1:] == b"\0\0\0") > 0.6 * len(quads):
            return "utf-32-le"
        if sum(1 for q in quads if q[:3] == b"\0\0\0") > 0.6 * len(quads):
            return "utf-32-be"
    even = sample[0 : len(sample) - len(sample) % 2 : 2]
    odd = sample[1::2]
    if odd.count(0) > 0.2 * len(odd) and even.count(0) < 0.02 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.2 * len(even) and odd.count(0) < 0.02 * len(odd):
        return "utf-16-be"
    return None


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _refuse_damaged_utf8(data: bytes, exc: UnicodeDecodeError, path: str | None) -> None:
    """UTF-8 with a few broken bytes is not a legacy file: read as cp125x, every one of
    its good letters would turn into two mojibake characters. It is refused at the
    first bad byte, so the translator can fix or re-export it."""
    sequences = _UTF8_SEQUENCE.findall(data)
    good = sum(len(s) for s in sequences)
    non_ascii = sum(1 for b in data if b > 0x7F)
    if len(sequences) >= 4 and good >= 0.8 * non_ascii:
        raise EncodingError(
            f"UTF-8 text with invalid bytes at byte offset {exc.start} "
            f"({len(sequences)} valid UTF-8 characters, {non_ascii - good} bad bytes)",
            path=path,
            line=data[: exc.start].count(b"\n") + 1,
        )


#: Magic numbers of the media and archive files most often given by mistake where a
#: subtitle file is expected (the film itself, its audio, a zipped delivery).
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (4, b"ftyp", "MP4/QuickTime"),
    (0, b"\x1a\x45\xdf\xa3", "Matroska/WebM"),
    (0, b"OggS", "Ogg"),
    (0, b"fLaC", "FLAC audio"),
    (0, b"ID3", "MP3 audio"),
    (0, b"RIFF", "RIFF: WAV/AVI"),
    (0, b"PK\x03\x04", "ZIP archive"),
    (0, b"%PDF", "PDF document"),
    (0, b"\x00\x00\x01\xba", "MPEG program stream"),
)


def media_signature(data: bytes) -> str | None:
    """What kind of media or binary file ``data`` starts like, or ``None`` for text."""
    for offset, magic, kind in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return kind
    if len(data) >= 376 and data[0] == 0x47 and data[188] == 0x47:
        return "MPEG transport stream"
    return None


def _refuse_binary(data: bytes, path: str | None) -> None:
    """NUL bytes that are not UTF-16/32 mean a binary file (a video, an image)."""
    nul = data.find(0)
    if nul >= 0:
        raise EncodingError(f"not a text file (binary byte at offset {nul})", path=path)


def _strict(data: bytes, codec: str, path: str | None, claim: str, offset: int = 0) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{claim} is not valid {codec} at byte offset {offset + exc.start}",
            path=path,
            line=_line_of(data, codec, exc.start),
        ) from None
    if "\0" in text:
        raise EncodingError(f"not a text file (NUL character after decoding as {codec})", path=path)
    return text


def _line_of(data: bytes, codec: str, position: int) -> int | None:
    """1-based line of the byte at ``position``, from the text decoded before it."""
    try:
        return data[:position].decode(codec).count("\n") + 1
    except UnicodeDecodeError:
        return None


def _forced(data: bytes, encoding: str, path: str | None) -> tuple[str, EncodingGuess]:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise EncodingError(f"unknown encoding {encoding!r}", path=path) from None
    skipped = 0
    for mark, bom_name in _BOMS:
        if data.startswith(mark) and codecs.lookup(bom_name).name == name:
            skipped = len(mark)
            break
    text = _strict(data[skipped:], name, path, "the file", skipped)
    return text, EncodingGuess(name, 1.0, bom=skipped > 0)
