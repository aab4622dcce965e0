"""``subpipe mux`` and the mux stage behind it: languages, defaults, errors, atomic output."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from media.probe import probe
from pipeline.cli.main import EXIT_CONTENT, EXIT_INPUT
from pipeline.mux import SubtitleSpec, _prepare, mux_subtitles
from subtitles.errors import InputError, LanguageError
from subtitles.language import Language
from subtitles.model import Cue, Track
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import run_in_process

pytestmark = [pytest.mark.media, pytest.mark.usefixtures("restore_cli_logging")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli_mux")


@pytest.fixture(scope="module")
def film(folder: Path) -> Path:
    return make_film(folder / "film.mp4", duration_s=2, audio_language="rus")


@pytest.fixture(scope="module")
def subs(folder: Path) -> list[Path]:
    return [
        write_srt(folder / "film.ru.srt", [(100, 900, "Свобода слова"), (1000, 1900, "Конец")]),
        write_srt(folder / "film.en.srt", [(100, 900, "Freedom of speech"), (1000, 1900, "The end")]),
        write_srt(folder / "film.pl.srt", [(100, 900, "Wolność słowa"), (1000, 1900, "Koniec — żółć")]),
    ]


def _texts(path: Path, index: int) -> list[str]:
    with av.open(str(path)) as container:
        stream = container.streams[index]
        return [bytes(p).decode("utf-8", "replace") for p in container.demux(stream) if p.size > 2]


def test_mkv_from_named_files(
    tmp_path: Path, film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "film.subs.mkv"
    code, stdout, _ = run_in_process(["mux", str(film), *map(str, subs), "-o", str(out)], capsys)
    assert code == 0
    assert f"wrote {out} (matroska, verified)" in stdout
    assert "'Русский'" in stdout and "default" in stdout
    info = probe(out)
    assert [(s.language, s.title, s.default) for s in info.subtitles] == [
        ("rus", "Русский", True),
        ("eng", "English", False),
        ("pol", "Polski", False),
    ]
    assert _texts(out, info.subtitles[2].index) == ["Wolność słowa", "Koniec — żółć"]


def test_mp4_json_with_explicit_languages(
    tmp_path: Path, film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    plain = [tmp_path / "polish.srt", tmp_path / "english.srt"]
    plain[0].write_bytes(subs[2].read_bytes())
    plain[1].write_bytes(subs[1].read_bytes())
    out = tmp_path / "o.mp4"
    code, stdout, _ = run_in_process(
        ["mux", str(film), f"{plain[0]}:pl", f"{plain[1]}:English", "-o", str(out), "--json"], capsys
    )
    assert code == 0
    report = json.loads(stdout)
    assert report["container"] == "mp4" and report["verified"] is True and report["output"] == str(out)
    assert [
        (t["language"], t["bcp47"], t["title"], t["default"], t["codec"], t["cues"]) for t in report["tracks"]
    ] == [
        ("pol", "pl", "Polski", True, "mov_text", 2),
        ("eng", "en", "English", False, "mov_text", 2),
    ]


def test_spec_parsing(tmp_path: Path) -> None:
    assert SubtitleSpec.parse("a.srt:ru") == SubtitleSpec(Path("a.srt"), Language.parse("ru"))
    assert SubtitleSpec.parse("film.pl.srt") == SubtitleSpec(Path("film.pl.srt"))
    assert SubtitleSpec.parse("x.srt:русский").language == Language.parse("ru")
    odd = tmp_path / "take:2.srt"
    odd.write_text("")
    assert SubtitleSpec.parse(str(odd)) == SubtitleSpec(odd)  # a real file named with a colon
    with pytest.raises(LanguageError) as err:
        SubtitleSpec.parse("a.srt:qqq")
    assert err.value.path == Path("a.srt")


def test_unknown_language_is_refused(tmp_path: Path, film: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nameless = write_srt(tmp_path / "track.srt", [(0, 1000, "♪ ♪ ♪")])
    out = tmp_path / "o.mkv"
    code, _, err = run_in_process(["mux", str(film), str(nameless), "-o", str(out)], capsys)
    assert code == EXIT_INPUT and "cannot tell the language" in err and str(nameless) in err
    code, _, err = run_in_process(["mux", str(film), f"{nameless}:xx", "-o", str(out)], capsys)
    assert code == EXIT_INPUT and "unknown language" in err
    assert not out.exists()


def test_no_showable_cue_is_a_content_error(
    tmp_path: Path, film: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ass = tmp_path / "notes.ru.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,only a note\n",
        encoding="utf-8",
    )
    code, _, err = run_in_process(["mux", str(film), str(ass), "-o", str(tmp_path / "o.mkv")], capsys)
    assert code == EXIT_CONTENT and "notes.ru.ass" in err


def test_output_over_an_input_is_refused(
    film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before = subs[0].read_bytes()
    code, _, _ = run_in_process(
        ["mux", str(film), str(subs[0]), "-o", str(subs[0].with_suffix(".srt"))], capsys
    )
    assert code == EXIT_INPUT  # .srt output: not a container; and it is the input
    with pytest.raises(InputError, match="overwrite an input"):
        mux_subtitles(film, [SubtitleSpec(subs[0])], film)
    assert subs[0].read_bytes() == before


def test_legacy_encoding_comes_out_as_utf8(
    tmp_path: Path, film: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Привет, мир! Это проверка кодировки: съешь же ещё этих мягких французских булок."
    legacy = write_srt(tmp_path / "old.ru.srt", [(0, 1000, text)], encoding="cp1251")
    out = tmp_path / "o.mkv"
    code, _, err = run_in_process(["mux", str(film), str(legacy), "-o", str(out)], capsys)
    assert code == 0, err
    assert _texts(out, probe(out).subtitles[0].index) == [text]


def test_microdvd_uses_the_film_rate(tmp_path: Path, film: Path) -> None:
    sub = tmp_path / "frames.pl.sub"
    sub.write_text("{25}{50}Klatka dwadzieścia pięć\n", encoding="utf-8")
    report = mux_subtitles(film, [SubtitleSpec(sub)], tmp_path / "o.mkv")
    with av.open(str(report.output)) as container:
        video = container.streams.video[0]
        assert video.start_time is not None and video.time_base is not None
        stream = container.streams[report.tracks[0].stream_index]
        (packet,) = [p for p in container.demux(stream) if p.size]
        assert packet.pts is not None and packet.time_base is not None
        # frame 25 at the film's 25 fps, 1 s after its first frame (ffmpeg 5.1 moves both by
        # the AAC priming in Matroska, 6.0+ neither)
        assert round((packet.pts * packet.time_base - video.start_time * video.time_base) * 1000) == 1000


def test_microdvd_against_a_variable_frame_rate_film_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Frame numbers cannot be turned into a VFR film's times: exit 2 saying so, no output."""
    vfr = make_film(
        tmp_path / "vfr.mp4", duration_s=3, fps=25, audio=None,
        extra_args=["-vf", r"setpts=if(lt(N\,25)\,N\,25+(N-25)*2)/25/TB", "-fps_mode", "vfr"],
    )  # fmt: skip
    sub = tmp_path / "frames.pl.sub"
    sub.write_text("{25}{50}Klatka dwadzieścia pięć\n", encoding="utf-8")
    out = tmp_path / "o.mkv"
    code, _, err = run_in_process(["mux", str(vfr), str(sub), "-o", str(out)], capsys)
    assert code == EXIT_INPUT and "variable frame rate" in err and "--fps" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()
    code, _, err = run_in_process(["mux", str(vfr), str(sub), "--fps", "25", "-o", str(out)], capsys)
    assert code == 0, err


def test_mp4_overlaps_are_reported(tmp_path: Path, film: Path, caplog: pytest.LogCaptureFixture) -> None:
    srt = write_srt(tmp_path / "o.pl.srt", [(0, 1500, "A"), (500, 1000, "B"), (1200, 1300, "C")])
    report = mux_subtitles(film, [SubtitleSpec(srt)], tmp_path / "o.mp4")
    assert report.tracks[0].cues == 3
    assert "2 overlapping cue(s)" in caplog.text


def test_ass_source_keeps_styling_in_mkv_only(tmp_path: Path, film: Path) -> None:
    ass = tmp_path / "styled.ru.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:00.20,0:00:01.00,Default,,0,0,0,,{\\b1}Жирный{\\b0} текст\n",
        encoding="utf-8",
    )
    mkv = mux_subtitles(film, [SubtitleSpec(ass)], tmp_path / "o.mkv")
    assert mkv.tracks[0].codec == "ass"
    mp4 = mux_subtitles(film, [SubtitleSpec(ass)], tmp_path / "o.mp4")
    assert mp4.tracks[0].codec == "mov_text"


def test_prepare_drops_unshowable_and_clamps_negative(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    track = Track(language=Language.parse("pl"), source=Path("x.srt"), source_format="srt")
    track.events = [Cue(start=-500, end=-100, text="gone"), Cue(start=-200, end=700, text="clamped"),
                    Cue(start=800, end=900, text="  "), Cue(start=1000, end=1500, text="kept")]  # fmt: skip
    path, cues, end = _prepare(track, "matroska", tmp_path, 0)
    assert (cues, end) == (2, 1500)
    text = path.read_text(encoding="utf-8")
    assert "00:00:00,000 --> 00:00:00,700" in text and "gone" not in text
    assert "starts before the film" in caplog.text and "cannot be shown" in caplog.text
    assert [c.start for c in track.cues] == [-500, -200, 800, 1000]  # the input track is untouched


def test_help_documents_languages(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_in_process(["mux", "--help"], capsys)
    assert code == 0
    assert "SUB:LANG" in out and "film.ru.srt" in out and "subpipe mux film.mp4" in out
