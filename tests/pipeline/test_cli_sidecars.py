"""``subpipe sidecars``: names per platform, markup kept or stripped, every file read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli.main import EXIT_INPUT
from pipeline.mux import SubtitleSpec
from pipeline.sidecars import SidecarOptions, facebook_locale, sidecars, upload_stem
from subtitles.language import Language
from subtitles.load import load_track
from tests.mediagen import write_srt
from tests.pipeline.helpers import run_in_process

pytestmark = pytest.mark.usefixtures("restore_cli_logging")

#: A folder name with every character that breaks naive path handling.
ODD = "out dir, [x] 'q' : ü\\ Фильм"


@pytest.fixture
def uploads(tmp_path: Path) -> list[Path]:
    up = tmp_path / "up: [1], 'a'"
    up.mkdir()
    return [
        write_srt(up / "film.ru.srt", [(500, 1500, "<i>Свобода</i> слова"), (2000, 3000, "Конец & всё")],
                  encoding="cp1251"),
        write_srt(up / "film.en.sdh.srt", [(500, 1500, "[MUSIC]\n<b>Freedom</b>"), (2000, 3000, "The end")]),
        write_srt(up / "film.pl.forced.srt", [(500, 1500, "<u>Wolność</u> — żółć"), (2000, 3000, "Koniec")]),
    ]  # fmt: skip


def test_names_markup_and_read_back(
    tmp_path: Path, uploads: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / ODD
    code, stdout, err = run_in_process(["sidecars", *map(str, uploads), "-o", str(out), "--json"], capsys)
    assert code == 0, err
    report = json.loads(stdout)
    names = sorted(Path(f["path"]).name for f in report["files"])
    assert names == [
        "film.en.sdh.srt", "film.en.sdh.vtt", "film.pl.forced.srt", "film.pl.forced.vtt",
        "film.ru.srt", "film.ru.vtt",
    ]  # fmt: skip
    assert all(f["verified"] for f in report["files"])
    vtt = (out / "film.ru.vtt").read_bytes().decode("utf-8")  # a cp1251 upload comes out as UTF-8
    assert vtt.startswith("WEBVTT") and "<i>Свобода</i> слова" in vtt and "Конец &amp; всё" in vtt
    srt = (out / "film.ru.srt").read_text(encoding="utf-8")
    assert "<i>Свобода</i> слова" in srt and "Конец & всё" in srt  # SubRip has no entities
    assert "<b>Freedom</b>" in (out / "film.en.sdh.vtt").read_text(encoding="utf-8")
    assert "<u>Wolność</u> — żółć" in (out / "film.pl.forced.vtt").read_text(encoding="utf-8")
    back = load_track(out / "film.pl.forced.srt")
    assert [(c.start, c.end, c.plaintext) for c in back.cues] == [
        (500, 1500, "Wolność — żółć"),
        (2000, 3000, "Koniec"),
    ]


def test_facebook_names_and_plain_srt(
    tmp_path: Path, uploads: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fb"
    args = [
        "sidecars",
        *map(str, uploads),
        "-o",
        str(out),
        "--naming",
        "facebook",
        "--format",
        "srt",
        "--plain-srt",
    ]
    code, stdout, err = run_in_process(args, capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "film.en_US.sdh.srt",
        "film.pl_PL.forced.srt",
        "film.ru_RU.srt",
    ]
    text = (out / "film.ru_RU.srt").read_text(encoding="utf-8")
    assert "Свобода слова" in text and "<" not in text
    assert "wrote" in stdout and "verified" in stdout


def test_locales_and_stems() -> None:
    assert [facebook_locale(Language.parse(x)) for x in ("ru", "pl", "en", "en-GB", "uk")] == [
        "ru_RU", "pl_PL", "en_US", "en_GB", "uk_UA",
    ]  # fmt: skip
    assert upload_stem(Path("film.ru.srt")) == "film"
    assert upload_stem(Path("my.film.pl-PL.forced.srt")) == "my.film"
    assert upload_stem(Path("film.final.srt")) == "film.final"


def test_dry_run_writes_nothing(
    tmp_path: Path, uploads: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dry"
    code, stdout, _ = run_in_process(["sidecars", str(uploads[0]), "-o", str(out), "--dry-run"], capsys)
    assert code == 0 and "would write" in stdout and not out.exists()


def test_refusals(tmp_path: Path, uploads: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    twin = write_srt(tmp_path / "other.ru.srt", [(0, 1000, "Другой")])
    code, _, err = run_in_process(
        ["sidecars", str(uploads[0]), str(twin), "-o", str(tmp_path / "o"), "--stem", "film"], capsys
    )
    assert code == EXIT_INPUT and "would both be written as film.ru.srt" in err
    code, _, err = run_in_process(
        ["sidecars", str(uploads[0]), "-o", str(tmp_path / "o"), "--format", "ass"], capsys
    )
    assert code == EXIT_INPUT and "'ass'" in err
    assert not (tmp_path / "o").exists()
    # An output that would land on its own upload is refused, and the upload is untouched.
    before = uploads[0].read_bytes()
    with pytest.raises(Exception, match="overwrite an input"):
        sidecars(SidecarOptions((SubtitleSpec(uploads[0]),), uploads[0].parent, formats=("srt",)))
    assert uploads[0].read_bytes() == before
