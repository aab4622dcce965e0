"""Encoding detection: BOMs, UTF-16 without BOM, strict UTF-8, and legacy code pages
judged by how the decoded text reads, with the declared language as a prior."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from subtitles.encoding import decode_bytes, detect_encoding, mojibake_penalty, plausibility, rank_legacy
from subtitles.errors import EncodingError
from subtitles.language import Language

PL = "Zażółć gęślą jaźń. Łódź, Śląsk i Żółw - ćma, źdźbło, ńoki.\nNie wiem, czy to dobrze."
RU = "Съешь же ещё этих мягких французских булок, да выпей чаю.\nЪ, ы - объём, подъезд."
CS = "Příliš žluťoučký kůň úpěl ďábelské ódy. Je to dobře."
FR = "Très élégant, à bientôt ! Ça déçoit où ? Noël, garçon, cœur."
DE = "Grüße aus München, sagte die Straße. Ärger über Öl."
UK = "Їжак і ґава п'ють узвар. Єнот теж."
SR = "Ћао, како си? Ја сам добро, хвала. Ђурђевдан је у мају, љубав и њива."


@pytest.mark.parametrize(
    ("text", "codec", "lang"),
    [
        (PL, "cp1250", "pl"),
        (PL, "iso8859-2", "pl"),
        (PL, "cp1250", None),
        (PL, "iso8859-2", None),
        (RU, "cp1251", "ru"),
        (RU, "koi8-r", "ru"),
        (RU, "cp1251", None),
        (RU, "koi8-r", None),
        (RU, "iso8859-5", "ru"),
        (RU, "mac-cyrillic", "ru"),
        (CS, "cp1250", None),
        (CS, "iso8859-2", "cs"),
        (FR, "cp1252", None),
        (FR, "cp1252", "fr"),
        (DE, "cp1252", None),
        (UK, "cp1251", None),
        (SR, "cp1251", "sr"),
    ],
)
def test_legacy_code_pages_decode_to_the_exact_text(text: str, codec: str, lang: str | None) -> None:
    data = text.encode(codec)
    decoded, guess = decode_bytes(data, language=Language.parse(lang) if lang else None)
    assert decoded == text
    # identical decodings are merged, so a German file may be named cp1250 or cp1252
    assert codecs.lookup(guess.encoding).name == codecs.lookup(codec).name or text == DE
    assert guess.bom is False
    assert 0.5 < guess.confidence <= 1.0


@pytest.mark.parametrize(
    ("word", "codec", "lang"),
    [
        ("Łódź", "cp1250", "pl"),
        ("Źle", "iso8859-2", "pl"),
        ("Śnieg", "cp1250", "pl"),
        ("Привет", "koi8-r", "ru"),
        ("Привет", "cp1251", "ru"),
        ("ёлка", "koi8-r", "ru"),
        ("Ўсё", "cp1251", "be"),
    ],
)
def test_short_words_with_declared_language(word: str, codec: str, lang: str) -> None:
    decoded, _ = decode_bytes(word.encode(codec), language=Language.parse(lang))
    assert decoded == word


def test_short_polish_cp1250_is_not_cp1252_mojibake() -> None:
    line = "Może jutro? Już późno."
    data = line.encode("cp1250")
    assert data.decode("cp1252") == "Mo¿e jutro? Ju¿ póŸno."  # what a naive guess shows
    decoded, guess = decode_bytes(data, language=Language.parse("pl"))
    assert decoded == line
    assert guess.encoding == "cp1250"


def test_koi8_read_as_cp1251_is_case_inverted_and_loses() -> None:
    data = RU.encode("koi8-r")
    wrong = data.decode("cp1251")
    assert wrong.startswith("уЯЕЫ")  # Съешь with every letter's case flipped, and scrambled
    assert plausibility(wrong)[0] < plausibility(RU)[0]
    ranked = rank_legacy(data)
    assert ranked[0].encoding == "koi8-r"
    assert "cp1251" in [d.encoding for d in ranked[1:]]


def test_alternatives_name_the_runner_up() -> None:
    guess = detect_encoding("Łódź".encode("cp1250"))
    assert guess.encoding == "cp1250"
    assert guess.alternatives and "cp1250" not in guess.alternatives


@pytest.mark.parametrize(
    ("bom", "codec", "name"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    ],
)
def test_bom_decides(bom: bytes, codec: str, name: str) -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nПривет, świat!\n"
    decoded, guess = decode_bytes(bom + text.encode(codec))
    assert decoded == text
    assert guess.encoding == name
    assert guess.bom is True
    assert guess.confidence == 1.0


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_encodings_without_bom_from_nul_pattern(codec: str) -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nHello, Привет, Żółw\n\n2\n00:00:03,000 --> 00:00:04,000\nBye\n"
    decoded, guess = decode_bytes(text.encode(codec))
    assert decoded == text
    assert guess.encoding == codec
    assert guess.bom is False


def test_mostly_cyrillic_utf16_without_bom() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nСъешь же ещё этих мягких французских булок\n"
    decoded, guess = decode_bytes(text.encode("utf-16-le"))
    assert (decoded, guess.encoding) == (text, "utf-16-le")


def test_strict_utf8_wins_and_ascii_is_certain() -> None:
    decoded, guess = decode_bytes(RU.encode("utf-8"))
    assert decoded == RU and guess.encoding == "utf-8" and guess.confidence > 0.99
    _, ascii_guess = decode_bytes(b"Hello world\n")
    assert ascii_guess.encoding == "utf-8" and ascii_guess.confidence == 1.0


def test_bom_with_invalid_body_is_an_encoding_error() -> None:
    with pytest.raises(EncodingError, match="UTF-8") as info:
        decode_bytes(codecs.BOM_UTF8 + b"ok \xff\xfe broken", path="x.srt")
    assert str(info.value) == "x.srt:1: has a UTF-8 byte-order mark but is not valid utf-8 at byte offset 6"


def test_utf8_with_a_stray_byte_is_refused_at_its_line() -> None:
    data = (
        "1\n00:00:01,000 --> 00:00:02,000\nZażółć gęślą jaźń\n\n2\n00:00:03,000 --> 00:00:04,000\n"
    ).encode()
    data += b"Caf\xe9 bad\n"
    with pytest.raises(EncodingError, match="UTF-8 text with invalid bytes at byte offset") as info:
        decode_bytes(data, path="film.pl.srt")
    assert info.value.line == 7


def test_legacy_bytes_that_happen_to_form_a_utf8_pair_are_still_legacy() -> None:
    text = "Już późno, Łódź i żółw są tutaj. Następny dzień."
    decoded, guess = decode_bytes(text.encode("cp1250"))
    assert (decoded, guess.encoding) == (text, "cp1250")


def test_binary_bytes_are_refused() -> None:
    with pytest.raises(EncodingError, match="not a text file"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x02", path="image.png")


def test_forced_encoding_is_used_and_checked() -> None:
    data = RU.encode("cp1251")
    decoded, guess = decode_bytes(data, encoding="cp1251")
    assert decoded == RU and guess.encoding == "cp1251" and guess.confidence == 1.0
    with pytest.raises(EncodingError, match="the file is not valid utf-8 at byte offset 0"):
        decode_bytes(data, encoding="utf-8")
    with pytest.raises(EncodingError, match="unknown encoding"):
        decode_bytes(data, encoding="klingon-1")


def test_every_byte_value_decodes_without_replacement_characters() -> None:
    data = bytes(b for b in range(0x20, 0x100) if b != 0x7F)
    decoded, guess = decode_bytes(data)
    assert "\ufffd" not in decoded
    assert decoded == data.decode(guess.encoding)


def test_mojibake_penalty_orders_readings() -> None:
    assert mojibake_penalty("Może") == 0
    assert mojibake_penalty("Mo¿e") > 0  # a symbol inside a word
    assert mojibake_penalty("пРИВЕТ") > mojibake_penalty("Привет")  # case flips mid-word
    assert mojibake_penalty("\x9cwiat") > mojibake_penalty("¶wiat") > 0  # C1 control is worst


# -- the real files ----------------------------------------------------------------------


@pytest.mark.corpus
def test_corpus_russian_oracle_all_encodings_decode_identically(corpus: Path) -> None:
    folder = corpus / "legacy_encodings"
    expected = {
        "UMS_russian-cp1251.srt": ("cp1251", False),
        "UMS_russian-koi8-r.srt": ("koi8-r", False),
        "UMS_russian-utf16-le.srt": ("utf-16-le", True),
        "UMS_russian-utf8-with-bom.srt": ("utf-8", True),
    }
    texts = {}
    for name, (codec, bom) in expected.items():
        text, guess = decode_bytes((folder / name).read_bytes())
        assert (guess.encoding, guess.bom) == (codec, bom), name
        texts[name] = text.replace("\r\n", "\n")
    assert len(set(texts.values())) == 1
    assert "ы" in texts["UMS_russian-koi8-r.srt"]


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "codec", "sample"),
    [
        ("legacy_encodings/UMS_polish-ISO-8859-2.srt", "iso8859-2", None),
        ("legacy_encodings/UMS_czech-cp1250.srt", "cp1250", None),
        ("legacy_encodings/Juvo_media_player_subs_windows-1250.srt", "cp1250", "Ąą Ćć Ęę Łł Ńń Óó Śś Źź Żż"),
        ("legacy_encodings/Juvo_media_player_subs_windows-1251.srt", "cp1251", "Жж Зз Кк Лл Ыы Чч Щщ Ъъ"),
        ("pysrt/windows-1252.srt", "cp1252", None),
        ("subtitleedit/auto_detect_windows-1250.srt", "cp1250", "Đino, dođavola."),
        ("subtitleedit/auto_detect_windows-1251.srt", "cp1251", "крећући се тихо међу вама"),
        ("pysrt/bom-utf-16-be.srt", "utf-16-be", None),
        ("pysrt/bom-utf-32-le.srt", "utf-32-le", None),
        ("malformed_subs/exo_typical_utf16be.srt", "utf-16-be", None),
    ],
)
def test_corpus_legacy_files(corpus: Path, name: str, codec: str, sample: str | None) -> None:
    data = (corpus / name).read_bytes()
    text, guess = decode_bytes(data)
    assert guess.encoding == codec
    if sample:
        assert sample in text
    if not guess.bom:
        assert text == data.decode(codec)


@pytest.mark.corpus
def test_corpus_french_cp1252_equals_its_utf8_twin(corpus: Path) -> None:
    legacy, guess = decode_bytes((corpus / "pysrt/windows-1252.srt").read_bytes())
    utf8, _ = decode_bytes((corpus / "pysrt/utf-8.srt").read_bytes())
    assert guess.encoding == "cp1252"
    assert legacy.replace("\r\n", "\n") == utf8.replace("\r\n", "\n")


def test_a_wrong_declared_language_does_not_force_mojibake() -> None:
    """The prior settles close calls; it never outweighs what the bytes clearly say."""
    for codec in ("koi8-r", "cp1251"):
        decoded, guess = decode_bytes(RU.encode(codec), language=Language.parse("pl"))
        assert (decoded, guess.encoding) == (RU, codec)
    line = "Może jutro? Już późno."
    decoded, guess = decode_bytes(line.encode("cp1250"), language=Language.parse("ru"))
    assert (decoded, guess.encoding) == (line, "cp1250")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "MP4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "Matroska"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "MP3"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "WAV"),
    ],
)
def test_media_file_given_as_subtitles_is_named(head: bytes, kind: str) -> None:
    with pytest.raises(EncodingError, match=f"{kind}.*not subtitles") as exc:
        decode_bytes(head + bytes(range(256)) * 4, path="film.mp4")
    assert str(exc.value).startswith("film.mp4: ")
