"""``subpipe burn`` as users run it: dry run, JSON, odd names, ffmpeg failure, Ctrl-C."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from media.ffmpeg import find_ffmpeg
from subtitles.qc.glyphs import find_font
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import subpipe
from tests.process_helpers import interrupted_while_encoding, processes_naming

pytestmark = pytest.mark.media

CUES = [(200, 1200, "Привет, мир"), (1800, 2600, "Права человека")]


@pytest.fixture(scope="module", autouse=True)
def _need_font() -> None:
    if find_font() is None:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core; `make` installs it)")


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cli-burn")
    film = make_film(folder / "film.mp4", duration_s=3, size=(320, 180), fps=25)
    return film, write_srt(folder / "film.ru.srt", CUES)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_dry_run_prints_the_one_command_and_writes_nothing(media: tuple[Path, Path], tmp_path: Path) -> None:
    film, sub = media
    out = tmp_path / "out"
    done = subpipe("burn", film, sub, "-o", out, "--height", "180", "--height", "120", "--dry-run")
    assert done.returncode == 0, done.stderr
    command = next(line for line in done.stdout.splitlines() if "-filter_complex" in line)
    assert "split=2" in command and command.count("ass=filename=") == 2 and "libx264" in command
    assert "+faststart" in command and "yuv420p" in command
    assert "font: DejaVu Sans" in done.stdout
    assert not out.exists()


def test_json_report_and_progress_lines(media: tuple[Path, Path], tmp_path: Path) -> None:
    film, sub = media
    out = tmp_path / "out"
    done = subpipe("burn", film, f"{sub}:ru", "-o", out, "--preset", "ultrafast", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verified"] and len(report["outputs"]) == 1
    output = report["outputs"][0]
    assert output["language"] == "ru" and output["frames_checked"] >= 4
    assert all(f["passed"] for f in output["frames"])
    assert Path(output["path"]).is_file() and Path(report["proof_sheet"]).is_file()
    assert report["fonts"][0]["family"] == "DejaVu Sans"
    progress = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert progress and all(p["event"] == "progress" for p in progress)
    assert progress[-1]["finished"] and progress[-1]["percent"] == 100.0


def test_names_with_awkward_characters(tmp_path: Path) -> None:
    folder = tmp_path / "фильм [a], b's: c\\d"
    folder.mkdir()
    film = make_film(folder / "my film, 'cut' [v2]: ё.mp4", duration_s=2, size=(160, 90), fps=25)
    sub = write_srt(folder / "my sub; 'ru' [x]: ж.ru.srt", [(200, 1500, "Ёлка")])
    out = folder / "out, 'here' [1]: \\ ю"
    done = subpipe(
        "burn", film, sub, "-o", out, "--preset", "ultrafast", "--aspect", "source", "--aspect", "1:1"
    )
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "my film, 'cut' [v2]: ё.proof.png",
        "my film, 'cut' [v2]: ё.ru.90p.1x1.mp4",
        "my film, 'cut' [v2]: ё.ru.90p.mp4",
    ]


def _fake_ffmpeg(tmp_path: Path) -> Path:
    """An ffmpeg that fails like a full disk when asked to burn, and is real otherwise."""
    script = tmp_path / "ffmpeg"
    real = find_ffmpeg().path
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in *ass=filename=*)\n'
        "  echo 'frame=    1 fps=0.0' >&2\n"
        "  echo 'Error writing trailer: No space left on device' >&2\n"
        "  exit 1;;\n"
        "esac\n"
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_ffmpeg_failure_exits_4_with_its_stderr_and_leaves_nothing(
    media: tuple[Path, Path], tmp_path: Path
) -> None:
    film, sub = media
    out = tmp_path / "out"
    env = {**os.environ, "SUBPIPE_FFMPEG": str(_fake_ffmpeg(tmp_path))}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "burn", str(film), str(sub), "-o", str(out)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert "No space left on device" in done.stderr
    assert _leftovers(out) == []


def test_ctrl_c_stops_ffmpeg_and_removes_temporaries(tmp_path: Path) -> None:
    film = make_film(tmp_path / "long.mp4", duration_s=40, size=(320, 180), fps=25)
    sub = write_srt(tmp_path / "long.en.srt", [(1000, 3000, "Hello")])
    out = tmp_path / "out"

    def encoding() -> None:
        assert any(p.name.endswith(".mp4") for p in out.iterdir()), "no temporary output while encoding"

    code = interrupted_while_encoding(
        ["burn", str(film), str(sub), "-o", str(out), "--preset", "veryslow"], encoding
    )
    assert code == 130
    assert _leftovers(out) == []
    assert processes_naming(str(out)) == [], "ffmpeg still running after Ctrl-C"
