"""Loading real-world uploads: the done-when cases of the ingest issue, written by the
tests themselves, plus the frame-rate, language and error rules, and writing back."""

from __future__ import annotations

import codecs
import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subtitles.errors import EncodingError, FormatError, FrameRateRequired, InputError, UsageError
from subtitles.language import Language
from subtitles.load import dump_track, load_bytes, load_track, save_track

PL_LINES = ["Zażółć gęślą jaźń,", "łódź, żółw i ćma – źdźbło, ńoki.", "Świetnie, Łukasz! Dzień dobry."]
RU_LINES = ["Съешь же ещё этих мягких", "французских булок, да выпей чаю.", "Объём подъезда, ёжик в тумане."]
EN_LINES = ["Hello there, how are you?", "I'm fine, thank you.", "See you tomorrow."]


def _srt(lines: list[str]) -> str:
    blocks = []
    for i, line in enumerate(lines, 1):
        blocks.append(f"{i}\n00:00:{i:02d},000 --> 00:00:{i:02d},900\n{line}\n")
    return "\n".join(blocks)


def test_cp1250_polish_srt(tmp_path: Path) -> None:
    path = tmp_path / "film.srt"
    path.write_bytes(_srt(PL_LINES).encode("cp1250"))
    track = load_track(path)
    assert [c.text for c in track.cues] == PL_LINES
    assert track.encoding is not None and track.encoding.encoding == "cp1250"
    assert (track.language, track.language_source) == (Language.parse("pl"), "detected")
    assert [c.source_line for c in track.cues] == [1, 5, 9]
    assert track.source_format == "srt" and track.frame_rate is None and track.problems == []


def test_koi8r_russian_srt(tmp_path: Path) -> None:
    path = tmp_path / "film.ru.srt"
    path.write_bytes(_srt(RU_LINES).replace("\n", "\r\n").encode("koi8-r"))
    track = load_track(path)
    assert [c.text for c in track.cues] == RU_LINES
    assert all(ch in "".join(c.text for c in track.cues) for ch in "ёъы")
    assert track.encoding is not None and track.encoding.encoding == "koi8-r"
    assert (track.language, track.language_source) == (Language.parse("ru"), "filename")


def test_utf16_english_srt(tmp_path: Path) -> None:
    path = tmp_path / "film.en.srt"
    path.write_bytes(codecs.BOM_UTF16_LE + _srt(EN_LINES).encode("utf-16-le"))
    track = load_track(path)
    assert [c.text for c in track.cues] == EN_LINES
    assert track.encoding is not None and (track.encoding.encoding, track.encoding.bom) == ("utf-16-le", True)


def test_polish_microdvd_at_25_fps(tmp_path: Path) -> None:
    path = tmp_path / "film.pl.sub"
    text = "{25}{50}Zażółć gęślą jaźń\n{75}{100}{y:i}Łódź|i żółw\n"
    path.write_bytes(text.encode("cp1250"))
    track = load_track(path, fps=Fraction(25))
    assert [(c.start, c.end, c.text, c.source_line) for c in track.cues] == [
        (1000, 2000, "Zażółć gęślą jaźń", 1),
        (3000, 4000, r"{\i1}Łódź\Ni żółw", 2),
    ]
    assert track.frame_rate == Fraction(25)
    assert track.source_format == "microdvd"
    assert track.encoding is not None and track.encoding.encoding == "cp1250"


@pytest.mark.parametrize(
    ("codec", "bom", "lines"),
    [
        ("cp1251", b"", RU_LINES),
        ("koi8-r", b"", RU_LINES),
        ("cp1250", b"", PL_LINES),
        ("iso8859-2", b"", [ln.replace("–", "-") for ln in PL_LINES]),
        ("cp1252", b"", ["Très élégant, à bientôt.", "Garçon, où est le café ?", "Ça va très bien, merci."]),
        ("utf-8", b"", PL_LINES),
        ("utf-8", codecs.BOM_UTF8, RU_LINES),
        ("utf-16-le", codecs.BOM_UTF16_LE, PL_LINES),
        ("utf-16-be", codecs.BOM_UTF16_BE, RU_LINES),
        ("utf-32-le", codecs.BOM_UTF32_LE, RU_LINES),
        ("utf-16-le", b"", RU_LINES),
    ],
)
def test_every_encoding_loads_to_the_same_text(
    tmp_path: Path, codec: str, bom: bytes, lines: list[str]
) -> None:
    path = tmp_path / "x.srt"
    path.write_bytes(bom + _srt(lines).encode(codec))
    track = load_track(path)
    assert [c.text for c in track.cues] == lines
    assert track.encoding is not None
    assert codecs.lookup(track.encoding.encoding).name == codecs.lookup(codec).name
    assert track.encoding.bom == bool(bom)


# -- frame rates --------------------------------------------------------------------------


def test_microdvd_without_rate_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "film.pl.sub"
    path.write_text("{25}{50}Cześć\n", encoding="utf-8")
    with pytest.raises(FrameRateRequired) as info:
        load_track(path)
    assert str(info.value) == f"{path}: MicroDVD counts frames: give --fps or --film"


def test_microdvd_rate_precedence(tmp_path: Path) -> None:
    path = tmp_path / "film.sub"
    path.write_text("{1}{1}23.976\n{24}{48}Hi\n", encoding="utf-8")
    declared = load_track(path, film_fps=Fraction(25))
    assert declared.frame_rate == Fraction(24000, 1001) and declared.cues[0].start == 1001
    assert [p.code for p in declared.problems] == ["microdvd.fps-mismatch"]
    explicit = load_track(path, fps=Fraction(25), film_fps=Fraction(30))
    assert explicit.frame_rate == 25 and explicit.cues[0].start == 960
    bare = tmp_path / "bare.sub"
    bare.write_text("{24}{48}Hi\n", encoding="utf-8")
    film = load_track(bare, film_fps=Fraction(24000, 1001))
    assert film.frame_rate == Fraction(24000, 1001) and film.problems == []


def test_clock_formats_ignore_frame_rates(tmp_path: Path) -> None:
    path = tmp_path / "a.srt"
    path.write_text(_srt(EN_LINES), encoding="utf-8")
    assert load_track(path, fps=Fraction(25)).frame_rate is None


# -- language ---------------------------------------------------------------------------


def test_language_sources(tmp_path: Path) -> None:
    named = tmp_path / "film.pl.srt"
    named.write_text(_srt(RU_LINES), encoding="utf-8")
    explicit = load_track(named, language=Language.parse("Russian"))
    assert (explicit.language, explicit.language_source) == (Language.parse("ru"), "explicit")
    from_name = load_track(named)
    assert (from_name.language, from_name.language_source) == (Language.parse("pl"), "filename")
    assert (
        from_name.language_guess is not None and from_name.language_guess.tag == "ru"
    )  # a mismatch to report
    short = tmp_path / "short.srt"
    short.write_text("1\n00:00:01,000 --> 00:00:02,000\nOk\n", encoding="utf-8")
    unknown = load_track(short)
    assert (unknown.language, unknown.language_source) == (None, "unknown")


# -- errors -------------------------------------------------------------------------------


def test_missing_folder_empty_binary_and_non_subtitle(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_track(tmp_path / "nope.srt")
    with pytest.raises(InputError, match="folder"):
        load_track(tmp_path)
    empty = tmp_path / "empty.srt"
    empty.write_bytes(b"")
    with pytest.raises(FormatError, match="empty"):
        load_track(empty)
    binary = tmp_path / "video.srt"
    binary.write_bytes(b"\x1aE\xdf\xa3\x00\x00\x00\x00matroska")
    with pytest.raises(EncodingError) as info:
        load_track(binary)
    assert info.value.path == binary
    prose = tmp_path / "notes.txt"
    prose.write_text("Just some notes about the film.\n", encoding="utf-8")
    with pytest.raises(FormatError, match="not a subtitle format") as info2:
        load_track(prose)
    assert str(info2.value).startswith(str(prose))


def test_file_with_only_broken_cues_names_the_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.vtt"
    path.write_text("WEBVTT\n\n00:01 --> 00:02\nA\n", encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load_track(path)
    assert info.value.line == 3 and str(info.value).startswith(f"{path}:3: ")


def test_source_is_never_modified(tmp_path: Path) -> None:
    path = tmp_path / "film.ru.srt"
    data = _srt(RU_LINES).encode("cp1251")
    path.write_bytes(data)
    os.utime(path, (1_000_000, 1_000_000))
    track = load_track(path)
    assert path.read_bytes() == data and path.stat().st_mtime == 1_000_000
    with pytest.raises(InputError, match="overwrite an input"):
        save_track(track, path)
    assert path.read_bytes() == data


def test_format_override_and_load_bytes() -> None:
    data = b"[10][20]Hello\n"
    track = load_bytes(data, name="upload.txt")
    assert track.source_format == "mpl2" and track.source is None and track.name == "<memory>"
    with pytest.raises(FormatError, match="unknown subtitle format"):
        load_bytes(data, name="upload.txt", format_="klingon")


# -- writing ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass", "ssa", "mpl2", "microdvd"])
def test_dump_and_reload_round_trip(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / "src.srt"
    src.write_bytes(_srt(PL_LINES).encode("cp1250"))
    track = load_track(src)
    track.frame_rate = Fraction(25)
    text = dump_track(track, fmt)
    again = load_bytes(text.encode("utf-8"), name=f"out.{fmt}", format_=fmt)
    assert [c.plaintext for c in again.cues] == PL_LINES
    tolerance = 100 if fmt == "mpl2" else 10 if fmt in ("ass", "ssa") else 40 if fmt == "microdvd" else 0
    for a, b in zip(again.cues, track.cues, strict=True):
        assert abs(a.start - b.start) <= tolerance and abs(a.end - b.end) <= tolerance


def test_save_track_writes_utf8_atomically(tmp_path: Path) -> None:
    src = tmp_path / "film.ru.srt"
    src.write_bytes(_srt(RU_LINES).encode("koi8-r"))
    track = load_track(src)
    out = tmp_path / "out" / "film.ru.vtt"
    save_track(track, out)
    assert out.read_text(encoding="utf-8").startswith("WEBVTT")
    assert RU_LINES[2] in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in out.parent.iterdir()) == ["film.ru.vtt"]
    with pytest.raises(UsageError, match=r"\.txt"):
        save_track(track, tmp_path / "x.txt")
    save_track(track, tmp_path / "x.txt", format_="mpl2")
    assert (tmp_path / "x.txt").read_text(encoding="utf-8").startswith("[10][19]")
    bare = load_track(src)
    with pytest.raises(UsageError, match="frame rate"):
        dump_track(bare, "microdvd")


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(
            alphabet=st.sampled_from(list("0123456789:,.->{}[]|\n\r WEBVTTDialogue:ąłЖ")), max_size=400
        ).map(str.encode),
    ),
    st.sampled_from(["x.srt", "x.vtt", "x.sub", "x.txt", "x.ass"]),
)
def test_any_bytes_load_or_raise_an_input_error(data: bytes, name: str) -> None:
    try:
        track = load_bytes(data, name=name, film_fps=Fraction(25))
    except InputError:
        return
    assert track.cues
    assert all(c.source_line is not None and c.source_line >= 1 for c in track.cues)
