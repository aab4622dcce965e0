"""Killed runs leave nothing: ``subpipe mux`` stopped by SIGTERM or ``kill -9`` while its
ffmpeg copies a film.

To be sure ffmpeg is mid-run when the signal comes, these runs use an ffmpeg that reads the
film at its own speed (``-re``: a 30 s film takes 30 s to copy): a two-line shell script
that ``exec``s the real ffmpeg (the one ``SUBPIPE_FFMPEG``/``PATH`` gives) with ``-re``, so
the child subpipe starts *is* that ffmpeg. Each run gets its own ``TMPDIR`` so the scratch
folders it leaves (or not) can be counted.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from media.ffmpeg import find_ffmpeg
from media.probe import probe
from subtitles.atomic import MARKER
from tests.mediagen import make_film, write_srt
from tests.process_helpers import children, ended, wait_until

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="reads /proc; PR_SET_PDEATHSIG is Linux-only"
    ),
]

REPO = Path(__file__).resolve().parents[2]
FILM_S = 30


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(film, subtitle file, slow ffmpeg wrapper)."""
    folder = tmp_path_factory.mktemp("kill")
    film = make_film(folder / "film.mp4", duration_s=FILM_S, size=(64, 36), audio_language="rus")
    sub = write_srt(folder / "film.ru.srt", [(500, 2000, "Привет"), (20_000, 22_000, "Пока")])
    wrapper = folder / "bin" / "ffmpeg"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(str(find_ffmpeg().path))} -re "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return film, sub, wrapper


def _start_mux(film: Path, sub: Path, out: Path, tmpdir: Path, ffmpeg: Path | None) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    if ffmpeg is not None:
        env["SUBPIPE_FFMPEG"] = str(ffmpeg)
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "mux", str(film), str(sub), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if MARKER in p.name)


def _scratch(tmpdir: Path) -> list[str]:
    return sorted(p.name for p in tmpdir.iterdir() if p.name.startswith("subpipe-"))


def _ffmpeg_mid_run(proc: subprocess.Popen[str], out: Path, tmpdir: Path) -> int:
    """Wait until subpipe's ffmpeg runs with its temporary output open; its pid."""

    def running() -> int | None:
        kids = [pid for pid, name in children(proc.pid).items() if name.startswith("ffmpeg")]
        mine = f"-{proc.pid}-"  # not a temporary some earlier run left
        made = any(mine in n for n in _temporaries(out.parent)) and any(mine in n for n in _scratch(tmpdir))
        return kids[0] if kids and made else None

    assert wait_until(running, 60) is not None, "subpipe mux never got to run ffmpeg"
    pid = running()
    assert pid is not None
    time.sleep(0.5)  # well inside the 30 s copy
    assert proc.poll() is None and not ended(pid)
    return pid


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: signal.Signals(s).name)
def test_a_terminating_signal_stops_ffmpeg_and_removes_every_temporary(
    sig: signal.Signals, inputs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    film, sub, slow = inputs
    out, tmpdir = tmp_path / "out" / "film.mkv", tmp_path / "tmp"
    out.parent.mkdir()
    tmpdir.mkdir()
    proc = _start_mux(film, sub, out, tmpdir, slow)
    ffmpeg = _ffmpeg_mid_run(proc, out, tmpdir)
    started = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - started
    assert proc.returncode == 128 + sig
    assert err.strip().splitlines()[-1] == f"subpipe: terminated ({signal.Signals(sig).name})"
    assert ended(ffmpeg)
    assert list(out.parent.iterdir()) == [] and _scratch(tmpdir) == []
    assert took < 10


def test_kill_9_takes_ffmpeg_along_and_the_next_run_cleans_up(
    inputs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    film, sub, slow = inputs
    out, tmpdir = tmp_path / "out" / "film.mkv", tmp_path / "tmp"
    out.parent.mkdir()
    tmpdir.mkdir()
    proc = _start_mux(film, sub, out, tmpdir, slow)
    ffmpeg = _ffmpeg_mid_run(proc, out, tmpdir)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    took = wait_until(lambda: ended(ffmpeg), 5.0, step=0.002)  # measured: 0.2-315 ms on 2 busy cores
    if took is None:
        os.kill(ffmpeg, signal.SIGKILL)
    assert took is not None, "ffmpeg outlived subpipe's kill -9"
    # Nothing of ours ran: the dead run's temporary and scratch folder are still there ...
    left, scratch = _temporaries(out.parent), _scratch(tmpdir)
    assert len(left) == 1 and f"-{proc.pid}-" in left[0]
    assert len(scratch) == 1 and f"-{proc.pid}-" in scratch[0]
    # ... until the next run, which recognises them as a dead run's and removes them.
    again = _start_mux(film, sub, out, tmpdir, ffmpeg=None)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert [p.name for p in out.parent.iterdir()] == [out.name]
    assert _scratch(tmpdir) == []
    assert [s.language for s in probe(out).subtitles] == ["rus"]
