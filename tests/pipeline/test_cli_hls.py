"""``subpipe hls`` end to end: read back the way a player would, on a film that starts late."""

from __future__ import annotations

import json
from pathlib import Path

import m3u8
import pytest

from media.hls import probe_segment_start
from pipeline.cli.main import EXIT_INPUT, EXIT_TOOL
from subtitles.atomic import MARKER
from subtitles.formats.vtt import WebVTT
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import run_in_process
from tests.process_helpers import interrupted_while_encoding, processes_naming

pytestmark = [pytest.mark.media, pytest.mark.usefixtures("restore_cli_logging")]

ODD = "web out, [x] 'q' : ü\\ Фильм"
CUES = {
    "ru": [(500, 1500, "Привет"), (1800, 3300, "Права человека"), (3500, 3900, "Конец")],
    "en": [(500, 1500, "Hello"), (1800, 3300, "Human rights"), (3500, 3900, "The end")],
    "pl": [(500, 1500, "Cześć"), (1800, 3300, "Prawa człowieka — żółć"), (3500, 3900, "Koniec")],
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli_hls")


@pytest.fixture(scope="module")
def late_film(folder: Path) -> Path:
    """Starts at 10 s on its own clock (a trimmed export), 4 s long."""
    return make_film(folder / "late film.mkv", duration_s=4, size=(320, 180), fps=25, start_time_s=10)


@pytest.fixture(scope="module")
def subs(folder: Path) -> list[Path]:
    up = folder / "uploads: [1], 'a'"
    up.mkdir()
    paths = [write_srt(up / f"late film.{lang}.srt", cues) for lang, cues in CUES.items()]
    forced = write_srt(up / "late film.ru.forced.srt", [(2000, 2500, "Надпись")])
    return [*paths, forced]


def test_hls_of_a_late_starting_film(
    folder: Path, late_film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / ODD
    args = ["hls", str(late_film), *map(str, subs), "-o", str(out), "--height", "720", "--height", "180",
            "--height", "90", "--segment", "2", "--default", "pl", "--json"]  # fmt: skip
    code, stdout, err = run_in_process(args, capsys)
    assert code == 0, err
    assert "above the source's 180p: 720" in err  # only heights at or below the source
    report = json.loads(stdout)
    assert report["verified"] and [v["height"] for v in report["video"]] == [180, 90]
    master = m3u8.load(str(out / "master.m3u8"))
    subs_media = [m for m in master.media if m.type == "SUBTITLES"]
    assert [(m.language, m.name, m.default, m.autoselect, m.forced) for m in subs_media] == [
        ("ru", "Русский", "NO", "YES", "NO"),
        ("en", "English", "NO", "YES", "NO"),
        ("pl", "Polski", "YES", "YES", "NO"),
        ("ru", "Русский (Forced)", "NO", "YES", "YES"),
    ]
    assert [m.type for m in master.media].count("AUDIO") == 1
    assert all(p.stream_info.closed_captions == "NONE" for p in master.playlists)
    # The map is the first frame's real PTS in the written video, measured here independently.
    first_video = m3u8.load(str(out / report["video"][0]["playlist"])).segments[0].uri
    pts = probe_segment_start(out / first_video).start_pts
    assert report["timestamp_map_mpegts"] == pts
    for lang, expected in CUES.items():
        playlist = m3u8.load(str(out / f"subs_{lang}.m3u8"))
        seen: dict[tuple[int, int, str], None] = {}
        for seg in playlist.segments:
            text = (out / seg.uri).read_text(encoding="utf-8")
            assert text.splitlines()[1] == f"X-TIMESTAMP-MAP=MPEGTS:{pts},LOCAL:00:00:00.000"
            for cue in WebVTT.parse(text).cues:
                seen.setdefault((cue.start, cue.end, cue.plaintext), None)
        assert list(seen) == expected
    assert not [p for p in folder.iterdir() if MARKER in p.name]


def test_rerun_replaces_an_earlier_folder_and_refuses_a_foreign_one(
    folder: Path, late_film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / "again"
    base = ["hls", str(late_film), str(subs[2]), "--height", "90", "--segment", "2"]
    assert run_in_process([*base, "-o", str(out)], capsys)[0] == 0
    (out / "stale.txt").write_text("x")
    assert run_in_process([*base, "-o", str(out)], capsys)[0] == 0
    assert not (out / "stale.txt").exists() and (out / "master.m3u8").is_file()
    foreign = folder / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"x")
    code, _, err = run_in_process([*base, "-o", str(foreign)], capsys)
    assert code == EXIT_INPUT and "not empty" in err and (foreign / "cat.jpg").is_file()


def test_dry_run_prints_one_decode_and_writes_nothing(
    folder: Path, late_film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / "dry"
    code, stdout, _ = run_in_process(
        ["hls", str(late_film), *map(str, subs[:3]), "-o", str(out), "--dry-run"], capsys
    )
    assert code == 0 and not out.exists()
    assert "would write" in stdout and stdout.count(" -i ") == 1 and "split=2" not in stdout  # one rung: 180p
    assert "force_key_frames" in stdout


def test_ffmpeg_failure_exits_4_and_leaves_nothing(
    folder: Path, late_film: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / "broken"
    code, _, err = run_in_process(
        ["hls", str(late_film), str(subs[0]), "-o", str(out), "--preset", "no-such-preset"], capsys
    )
    assert code == EXIT_TOOL and "HLS encoding failed" in err
    assert not out.exists() and not [p for p in folder.iterdir() if MARKER in p.name]


def test_film_without_audio(folder: Path, subs: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    silent = make_film(folder / "silent.mp4", duration_s=2, size=(160, 90), audio=None)
    out = folder / "silent"
    code, stdout, err = run_in_process(["hls", str(silent), str(subs[1]), "-o", str(out), "--json"], capsys)
    assert code == 0, err
    assert json.loads(stdout)["audio"] is None
    assert [m.type for m in m3u8.load(str(out / "master.m3u8")).media] == ["SUBTITLES"]


def test_ctrl_c_stops_ffmpeg_and_removes_temporaries(tmp_path: Path) -> None:
    """SIGINT while ffmpeg encodes: exit 130, ffmpeg gone, no folder and no temporary left."""
    film = make_film(tmp_path / "long.mp4", duration_s=40, size=(320, 180), fps=25)
    sub = write_srt(tmp_path / "long.en.srt", [(1000, 3000, "Hello")])
    out = tmp_path / "web"

    def encoding() -> None:
        work = [p for p in tmp_path.iterdir() if MARKER in p.name]
        assert work, "no temporary folder while encoding"
        assert processes_naming(str(work[0])), "no ffmpeg running"

    code = interrupted_while_encoding(
        ["hls", str(film), str(sub), "-o", str(out), "--preset", "veryslow"], encoding
    )
    assert code == 130
    assert not out.exists() and not [p for p in tmp_path.iterdir() if MARKER in p.name]
    assert processes_naming(str(tmp_path)) == [], "ffmpeg still running after Ctrl-C"
