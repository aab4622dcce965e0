"""A file is a file: names that libavformat or ffmpeg's option parser would read as something
else (``concat:``, ``subfile,``, ``pipe:1``, ``a:b``, a leading dash), a newline, and names
of 250 bytes go through ``subpipe probe``, ``mux`` and ``align`` as the files they name.

Each film is made beside a *decoy* ``a.mp4`` (2 s, 160x90): the file a protocol prefix
would open instead. The real film is 3 s at 96x64, so any mix-up shows in the result.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from media.probe import probe
from media.synth import Placement, compose, make_speech_film
from subtitles.load import load_track
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import run_in_process

pytestmark = [pytest.mark.media, pytest.mark.usefixtures("restore_cli_logging")]

LONG = "л" * 60 + "x" * (250 - 120 - len(".mp4")) + ".mp4"  # 250 bytes: 60 two-byte letters

HOSTILE = [
    "concat:a.mp4",
    "a:b.mp4",
    "pipe:1",
    "subfile,,start,0,end,100,,:a.mp4",
    "file:a.mp4",
    "-x.mp4",
    "-dash.mp4",
    "new\nline.mp4",
    LONG,
]


def _sub_name(film: str) -> str:
    stem = film[: -len(".mp4")] if film.endswith(".mp4") else film
    return stem[:200] + ".ru.srt"


def _out_name(film: str, suffix: str) -> str:
    stem = film[: -len(".mp4")] if film.endswith(".mp4") else film
    return stem[: 250 - len(suffix) - len(".out")] + ".out" + suffix


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder with the decoy and every hostile film (hard links of one real film)."""
    folder = tmp_path_factory.mktemp("hostile")
    make_film(folder / "a.mp4", duration_s=2, size=(160, 90))
    real = make_film(folder / "real.mp4", duration_s=3, size=(96, 64), audio_language="rus")
    for name in HOSTILE:
        os.link(real, folder / name)
        write_srt(folder / _sub_name(name), [(200, 900, "Привет"), (1000, 2500, "Пока")])
    return folder


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_probe_reads_the_file_named(
    name: str, films: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(films)
    assert len(os.fsencode(name)) <= 250
    code, out, err = run_in_process(["probe", "--json", "--", name], capsys)
    assert code == 0, err
    info = json.loads(out)
    video = next(s for s in info["streams"] if s["kind"] == "video")
    assert (video["width"], video["height"]) == (96, 64)
    assert 2900 <= info["duration_ms"] <= 3100


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_mux_reads_and_writes_the_files_named(
    name: str, films: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(films)
    out = _out_name(name, ".mkv")
    before = {p.name for p in films.iterdir()}
    code, _, err = run_in_process(["mux", "-o", out, "--", name, _sub_name(name)], capsys)
    assert code == 0, err
    assert {p.name for p in films.iterdir()} - before == {out}  # no stray file, no temporary left
    info = probe(films / out)
    assert [(v.width, v.height) for v in info.video] == [(96, 64)]
    assert [(s.language, s.codec) for s in info.subtitles] == [("rus", "subrip")]
    assert info.duration_ms is not None and 2900 <= info.duration_ms <= 3100
    (films / out).unlink()


def test_a_newline_in_a_name_stays_on_the_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_in_process(["probe", "missing\nfilm.mp4"], capsys)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == ["subpipe: error: missing\\nfilm.mp4: file not found"]


@pytest.mark.parametrize("kind", ["device", "fifo"])
@pytest.mark.parametrize("command", ["fix", "mux"])
def test_a_device_or_fifo_as_output_is_refused_in_one_line(
    kind: str, command: str, films: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o`` naming a device (here through a symlink to /dev/null) or a FIFO: exit 2, one
    line, and the node is still what it was."""
    out = tmp_path / ("out.srt" if command == "fix" else "out.mkv")
    if kind == "device":
        out.symlink_to("/dev/null")
    else:
        os.mkfifo(out)
    sub = str(films / _sub_name("a:b.mp4"))
    args = (
        ["fix", sub, "-o", str(out)]
        if command == "fix"
        else ["mux", str(films / "a:b.mp4"), sub, "-o", str(out)]
    )
    code, _, err = run_in_process(args, capsys)
    assert code == 2
    assert [ln for ln in err.splitlines() if ln.strip()] == [
        f"subpipe: error: {out}: is not a regular file (a device, pipe or socket): "
        "refusing to replace it; give a file name"
    ]
    mode = out.stat().st_mode
    assert stat.S_ISCHR(mode) if kind == "device" else stat.S_ISFIFO(mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_fix_in_place_keeps_a_private_file_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sub = write_srt(tmp_path / "film.en.srt", [(0, 1500, 'He said "hello"...'), (1500, 3000, "Bye")])
    sub.chmod(0o600)
    code, _, err = run_in_process(["fix", str(sub), "--in-place", "--fps", "25"], capsys)
    assert code in (0, 1), err
    backups = list(tmp_path.glob("film.en.srt.bak*"))
    assert len(backups) == 1, "fix changed nothing: the test needs a file fix rewrites"
    assert oct(sub.stat().st_mode & 0o777) == oct(0o600)
    assert oct(backups[0].stat().st_mode & 0o777) == oct(0o600)


# -- align: the film must be the one named, or there is no speech to align to --------------

ASSETS = Path(__file__).resolve().parents[2] / "pipeline" / "demo_assets"
ALIGN_NAMES = ["concat:a.mp4", LONG]  # a protocol prefix; a name at NAME_MAX with the temporary beside it


@pytest.fixture(scope="module")
def speech_films(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, int, str]]]:
    """A 40 s speech film under every ALIGN_NAME, beside a tone-only decoy ``a.mp4``."""
    clips = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))["clips"]
    placements, cues, t = [], [], 1500
    for clip in clips[:12]:
        if t + clip["duration_ms"] > 38_000:
            break
        placements.append(Placement(ASSETS / clip["file"], t))
        cues.append((t, t + clip["duration_ms"], clip["text"]))
        t += clip["duration_ms"] + 1300
    audio = compose(placements, duration_ms=40_000, rate=16000, bed="noise", snr_db=20.0, seed=3)
    folder = tmp_path_factory.mktemp("hostile_align")
    real = make_speech_film(folder / "real.mp4", audio=audio, size=(96, 64))
    make_film(folder / "a.mp4", duration_s=40, size=(96, 64))  # a tone: no speech at all
    for name in ALIGN_NAMES:
        os.link(real, folder / name)
    return folder, cues


@pytest.mark.parametrize("name", ALIGN_NAMES, ids=repr)
def test_align_listens_to_the_film_named(
    name: str,
    speech_films: tuple[Path, list[tuple[int, int, str]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, cues = speech_films
    monkeypatch.chdir(folder)
    late = [(a + 2000, b + 2000, text) for a, b, text in cues]
    sub = _sub_name(name)
    write_srt(folder / sub, late)
    out = _out_name(name, ".srt")
    code, _, err = run_in_process(["align", "--film", name, "-o", out, "--", sub], capsys)
    assert code == 0, err
    starts = np.array([c.start for c in load_track(folder / out).cues])
    assert np.abs(starts - np.array([a for a, _, _ in cues])).max() <= 100
    (folder / out).unlink()
