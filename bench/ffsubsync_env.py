"""ffsubsync 0.5.1 in its own virtual environment, for the alignment benchmark.

The benchmark compares subpipe with the tool people actually run, so ffsubsync is installed
exactly as a user would (``pip install ffsubsync==0.5.1`` into a fresh venv, first run only)
and is called through its own command line with its default flags.

ffmpeg: ffsubsync looks ``ffmpeg`` and ``ffprobe`` up on ``PATH``. This machine has neither;
subpipe uses the binary of the imageio-ffmpeg wheel. The harness puts a directory holding only
a symlink named ``ffmpeg`` to that same binary at the front of ffsubsync's ``PATH``, so both
tools decode with the identical ffmpeg. There is no ffprobe to offer. ffsubsync 0.5.1 catches
the failing probe: it loses only the progress-bar total and its one-pass enumeration of embedded
subtitle streams, and instead tries ``-map 0:s:0`` .. ``0:s:4`` with ffmpeg, each failing at
once on our films, which have no subtitle streams (about 0.1 s in all, counted in its wall
time). Its alignment path (audio decode, webrtcvad, FFT) is unaffected.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from media.ffmpeg import find_ffmpeg

log = logging.getLogger(__name__)

FFSUBSYNC_VERSION = "0.5.1"
#: Value given to ``--split-penalty`` for the second ffsubsync configuration: the tool's own
#: documented default (what ``--split-penalty`` with no value means in 0.5.1).
SPLIT_PENALTY = "5"


def venv_dir(out_dir: Path) -> Path:
    return out_dir / "ffsubsync-venv"


def ensure_ffsubsync(out_dir: Path) -> Path:
    """The ``ffsubsync`` executable, installing it into ``out_dir/ffsubsync-venv`` on first use."""
    venv = venv_dir(out_dir)
    exe = venv / "bin" / "ffsubsync"
    if exe.exists() and installed_version(venv) == FFSUBSYNC_VERSION:
        return exe
    print(f"[bench] installing ffsubsync=={FFSUBSYNC_VERSION} into {venv} (first run only)", file=sys.stderr)
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"ffsubsync=={FFSUBSYNC_VERSION}"],
        check=True,
        timeout=1200,
    )
    if installed_version(venv) != FFSUBSYNC_VERSION:
        raise RuntimeError(f"ffsubsync {FFSUBSYNC_VERSION} did not install into {venv}")
    return exe


def installed_version(venv: Path) -> str | None:
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    out = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('ffsubsync'))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return out.stdout.strip() if out.returncode == 0 else None


def ffmpeg_shim(out_dir: Path) -> Path:
    """A directory whose only entry is ``ffmpeg`` → the binary subpipe itself uses."""
    shim = out_dir / "ffmpeg-shim"
    shim.mkdir(parents=True, exist_ok=True)
    link = shim / "ffmpeg"
    target = find_ffmpeg().path.resolve()
    if link.is_symlink() and link.resolve() == target:
        return shim
    if link.exists() or link.is_symlink():
        link.unlink()
    link.symlink_to(target)
    return shim


def ffsubsync_env(out_dir: Path) -> dict[str, str]:
    """Environment for ffsubsync runs: the shim first on PATH, no colour, no progress noise."""
    env = dict(os.environ)
    env["PATH"] = f"{ffmpeg_shim(out_dir)}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    env["TERM"] = "dumb"
    return env


def ffsubsync_command(exe: Path, film: Path, sub: Path, out: Path, *, split_penalty: bool) -> list[str]:
    """Default flags; with ``split_penalty`` the alass-style piecewise aligner is switched on."""
    cmd = [str(exe), str(film), "-i", str(sub), "-o", str(out)]
    if split_penalty:
        cmd += ["--split-penalty", SPLIT_PENALTY]
    return cmd
