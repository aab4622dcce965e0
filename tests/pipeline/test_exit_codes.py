"""Exit codes 0, 1, 2 and 4 as a user sees them: the installed console script, in a subprocess.

A subprocess is needed anyway for code 4: ``find_ffmpeg`` is cached per process, so a
broken ``SUBPIPE_FFMPEG`` only takes effect in a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mediagen import make_film, write_srt

pytestmark = pytest.mark.media

FAKE_FFMPEG = """#!/bin/sh
# Passes subpipe's '-version' check, fails every real job.
for arg in "$@"; do
  if [ "$arg" = "-version" ]; then echo "ffmpeg version 0.0-fake Copyright (c) nobody"; exit 0; fi
done
echo "fake ffmpeg: simulated codec failure" >&2
exit 1
"""


def _subpipe() -> list[str]:
    script = Path(sys.executable).with_name("subpipe")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "pipeline.cli.main"]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("SUBPIPE_FFMPEG", "SUBPIPE_FFPROBE")}
    environ |= env
    return subprocess.run(
        [*_subpipe(), *args], capture_output=True, text=True, timeout=120, env=environ, check=False
    )


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_film(tmp_path_factory.mktemp("exit") / "film.mp4", duration_s=1)


@pytest.fixture(scope="module")
def sub(film: Path) -> Path:
    return write_srt(film.with_name("film.ru.srt"), [(0, 800, "Проверка")])


def test_exit_0_probe_and_mux(tmp_path: Path, film: Path, sub: Path) -> None:
    probed = _run(["probe", str(film)])
    assert probed.returncode == 0, probed.stderr
    assert "frame rate: 25" in probed.stdout
    out = tmp_path / "out.mkv"
    muxed = _run(["mux", str(film), str(sub), "-o", str(out)])
    assert muxed.returncode == 0, muxed.stderr
    assert out.is_file() and "verified" in muxed.stdout


def test_exit_2_missing_file_unknown_language_bad_output(tmp_path: Path, film: Path, sub: Path) -> None:
    missing = _run(["probe", str(tmp_path / "nope.mp4")])
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"subpipe: error: {tmp_path / 'nope.mp4'}: file not found"
    lang = _run(["mux", str(film), f"{sub}:klingonish", "-o", str(tmp_path / "o.mkv")])
    assert lang.returncode == 2 and "unknown language" in lang.stderr
    suffix = _run(["mux", str(film), str(sub), "-o", str(tmp_path / "o.avi")])
    assert suffix.returncode == 2 and ".mkv or .mp4" in suffix.stderr
    assert list(tmp_path.iterdir()) == []


def test_exit_1_nothing_to_show(tmp_path: Path, film: Path) -> None:
    ass = tmp_path / "n.ru.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, "
        "MarginR, MarginV, Effect, Text\nComment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,note\n",
        encoding="utf-8",
    )
    done = _run(["mux", str(film), str(ass), "-o", str(tmp_path / "o.mkv")])
    assert done.returncode == 1, done.stderr


def test_exit_4_when_ffmpeg_fails(tmp_path: Path, film: Path, sub: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text(FAKE_FFMPEG)
    fake.chmod(0o755)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    done = _run(["mux", str(film), str(sub), "-o", str(out_dir / "o.mkv")], SUBPIPE_FFMPEG=str(fake))
    assert done.returncode == 4, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith(f"subpipe: error: {out_dir / 'o.mkv'}: muxing failed (exit 1)")
    assert "simulated codec failure" in line  # the tail of ffmpeg's stderr reaches the user
    assert list(out_dir.iterdir()) == []  # no output, no temporary file
