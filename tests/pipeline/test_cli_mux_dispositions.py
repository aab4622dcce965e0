"""``subpipe mux`` completed: forced and SDH dispositions from file names, ``--default``,
``--dry-run``, ASS styling kept in MKV, and every soft track read back cue by cue."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from media.probe import probe
from media.verify import read_stream_cues, verify_cues
from pipeline.cli.main import EXIT_INPUT
from subtitles.errors import OutputVerificationError
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import run_in_process

pytestmark = [pytest.mark.media, pytest.mark.usefixtures("restore_cli_logging")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mux_disp")


@pytest.fixture(scope="module")
def film(folder: Path) -> Path:
    return make_film(folder / "film.mp4", duration_s=2, audio_language="rus")


@pytest.fixture(scope="module")
def subs(folder: Path) -> list[Path]:
    return [
        write_srt(folder / "film.ru.forced.srt", [(300, 800, "Надпись")]),
        write_srt(folder / "film.ru.srt", [(100, 900, "Привет"), (1000, 1900, "Конец")]),
        write_srt(folder / "film.en.sdh.srt", [(100, 900, "[MUSIC] Hello"), (1000, 1900, "The end")]),
        write_srt(folder / "film.en.srt", [(100, 900, "Hello"), (1000, 1900, "The end")]),
    ]


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_qualifiers_become_dispositions_and_default_follows_the_option(
    folder: Path, film: Path, subs: list[Path], suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / f"out{suffix}"
    code, stdout, err = run_in_process(
        ["mux", str(film), *map(str, subs), "-o", str(out), "--default", "en", "--json"], capsys
    )
    assert code == 0, err
    tracks = json.loads(stdout)["tracks"]
    assert [(t["title"], t["default"], t["forced"], t["hearing_impaired"]) for t in tracks] == [
        ("Русский (Forced)", False, True, False),
        ("Русский", False, False, False),
        ("English (SDH)", False, False, True),
        ("English", True, False, False),  # the full, non-SDH English track
    ]
    got = probe(out).subtitles
    assert [(s.default, s.forced, s.hearing_impaired) for s in got] == [
        (False, True, False), (False, False, False), (False, False, True), (True, False, False),
    ]  # fmt: skip
    # Read back independently: what a player shows, cue by cue.
    assert [c[2] for c in read_stream_cues(out, got[2].index, origin_ms=0)] == ["[MUSIC] Hello", "The end"]


def test_default_none_and_default_missing_language(
    folder: Path, film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / "none.mkv"
    code, _, err = run_in_process(
        ["mux", str(film), *map(str, subs[1:]), "-o", str(out), "--default", "none"], capsys
    )
    assert code == 0, err
    assert [s.default for s in probe(out).subtitles] == [False, False, False]
    code, _, err = run_in_process(["mux", str(film), str(subs[1]), "-o", str(out), "--default", "pl"], capsys)
    assert code == EXIT_INPUT and "--default pl: no full" in err


def test_dry_run_prints_the_command(
    folder: Path, film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / "dry.mkv"
    code, stdout, _ = run_in_process(
        ["mux", str(film), *map(str, subs[:2]), "-o", str(out), "--dry-run"], capsys
    )
    assert code == 0 and not out.exists()
    assert (
        "would write" in stdout
        and "-disposition:s:0 forced" in stdout
        and "-disposition:s:1 default" in stdout
    )


def test_ass_keeps_its_styles_in_mkv(folder: Path, film: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ass = folder / "signs.pl.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 640\nPlayResY: 360\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Sign,DejaVu Sans,30,&H0000FFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,"
        "0,0,1,2,0,8,10,10,20,1\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:00.20,0:00:01.00,Sign,,0,0,0,,{\\pos(320,40)}Wyjście — {\\i1}żółć{\\i0}\n",
        encoding="utf-8",
    )
    out = folder / "signs.mkv"
    code, _, err = run_in_process(["mux", str(film), str(ass), "-o", str(out)], capsys)
    assert code == 0, err
    (sub,) = probe(out).subtitles
    with av.open(str(out)) as container:
        stream = container.streams[sub.index]
        header = bytes(stream.codec_context.extradata or b"").decode("utf-8")
        (packet,) = [p for p in container.demux(stream) if p.size]
        event = bytes(packet).decode("utf-8")
    assert sub.codec == "ass" and "Style: Sign,DejaVu Sans,30,&H0000FFFF" in header
    assert event.endswith(",Sign,,0,0,0,,{\\pos(320,40)}Wyjście — {\\i1}żółć{\\i0}")


def test_cue_check_names_a_wrong_cue(folder: Path, film: Path, subs: list[Path]) -> None:
    out = folder / "check.mkv"
    from pipeline.mux import SubtitleSpec, mux_subtitles

    report = mux_subtitles(film, [SubtitleSpec(subs[1])], out)
    index = report.tracks[0].stream_index
    origin = probe(out).video_start_ms or 0
    verify_cues(out, [(index, [(100, 900, "Привет"), (1000, 1900, "Конец")])], origin_ms=origin)
    with pytest.raises(OutputVerificationError, match="cue 2 reads 'Конец', expected 'Конец!'"):
        verify_cues(out, [(index, [(100, 900, "Привет"), (1000, 1900, "Конец!")])], origin_ms=origin)
    with pytest.raises(OutputVerificationError, match="cue 1 at"):
        verify_cues(out, [(index, [(150, 900, "Привет"), (1000, 1900, "Конец")])], origin_ms=origin)
