"""Finding the ffmpeg binary.

Order: ``$SUBPIPE_FFMPEG`` (an explicit path), then ``ffmpeg`` on ``PATH``, then the
static binary the ``imageio-ffmpeg`` wheel ships (built with libass, libx264, fontconfig).
Nothing is ever downloaded at run time. ``python -m media.ffmpeg --check`` is run by the
set-up to fail early, with a clear message, on a machine where none of these works.

The ffprobe used for probing must come from the *same* build as that ffmpeg: releases
differ in how they report a film's timeline (5.1 shows AAC priming as a negative start
in Matroska and an MP4 edit list's empty lead in the duration; 6.0 and later do not), and
subpipe computes ffmpeg arguments from probed times. So ffprobe is looked for only beside
the chosen ffmpeg (``$SUBPIPE_FFPROBE`` may name one explicitly), and only one reporting
the same version is used; otherwise probing falls back to PyAV, never to another ffprobe
on ``PATH``. This module is the one place where binaries are discovered.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from media.runner import run
from subtitles.errors import ToolError, ToolNotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FFmpegBinary:
    path: Path
    origin: str  # "env", "path" or "imageio-ffmpeg"
    version: str

    def has_filter(self, name: str) -> bool:
        return name in _filters(str(self.path))


@functools.cache
def find_ffmpeg() -> FFmpegBinary:
    """The ffmpeg to use, cached for the process. Raises ``ToolNotFound``."""
    for origin, path in _candidates():
        version = _version(path)
        if version is not None:
            log.debug("using ffmpeg %s from %s (%s)", version, origin, path)
            return FFmpegBinary(Path(path), origin, version)
        log.warning("ffmpeg candidate from %s does not run: %s", origin, path)
    raise ToolNotFound("no usable ffmpeg: install one on PATH or reinstall the imageio-ffmpeg package")


def _version(path: str, tool: str = "ffmpeg") -> str | None:
    try:
        out = run([path, "-hide_banner", "-version"], timeout=30, what=f"checking {tool}").stdout.decode(
            "utf-8", "replace"
        )
    except ToolError:  # cannot start, timed out or exited non-zero: not a usable candidate
        return None
    if not out.startswith(f"{tool} version"):
        return None
    return out.split()[2]


@functools.cache
def find_ffprobe() -> Path | None:
    """The ffprobe of the chosen ffmpeg's build, or ``None`` (then PyAV probes).

    ``$SUBPIPE_FFPROBE`` first, then ``ffprobe`` in the chosen ffmpeg's folder (as named,
    then with symlinks resolved). A candidate reporting another version than the ffmpeg is
    skipped with a warning: its timeline would not be the one ffmpeg cuts and muxes by.
    """
    try:
        ffmpeg = find_ffmpeg()
    except ToolNotFound:
        return None
    env = os.environ.get("SUBPIPE_FFPROBE")
    candidates: list[tuple[str, Path]] = [("SUBPIPE_FFPROBE", Path(env))] if env else []
    for folder in dict.fromkeys((ffmpeg.path.parent, ffmpeg.path.resolve().parent)):
        candidates.append(("beside ffmpeg", folder / "ffprobe"))
    for origin, path in candidates:
        if not (path.is_file() and os.access(path, os.X_OK)):
            if origin == "SUBPIPE_FFPROBE":
                log.warning("SUBPIPE_FFPROBE=%s is not an executable file; ignoring it", path)
            continue
        version = _version(str(path), "ffprobe")
        if version == ffmpeg.version:
            log.debug("using ffprobe %s (%s)", version, path)
            return path
        log.warning(
            "ignoring ffprobe %s (%s, version %s): it is not from the build of ffmpeg %s (%s)",
            path, origin, version or "unknown", ffmpeg.version, ffmpeg.path,
        )  # fmt: skip
    log.debug("no ffprobe beside ffmpeg %s: probing with PyAV", ffmpeg.path)
    return None


@functools.cache
def _filters(path: str) -> frozenset[str]:
    try:
        out = run([path, "-hide_banner", "-filters"], timeout=30, what="listing ffmpeg's filters").stdout
    except ToolError:
        return frozenset()
    names = set()
    for line in out.decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].strip(".TSC") == "":
            names.add(parts[1])
    return frozenset(names)


def _candidates() -> list[tuple[str, str]]:
    """Every ffmpeg discovery would consider, in its order (origin, path)."""
    found = [("env", os.environ.get("SUBPIPE_FFMPEG")), ("path", shutil.which("ffmpeg"))]
    try:
        import imageio_ffmpeg

        found.append(("imageio-ffmpeg", imageio_ffmpeg.get_ffmpeg_exe()))
    except (ImportError, RuntimeError) as exc:  # the wheel has no binary for this platform
        log.debug("imageio-ffmpeg unavailable: %s", exc)
    return [(origin, path) for origin, path in found if path]


def other_ffmpeg() -> Path | None:
    """A working ffmpeg of another version than the one discovery picks, or ``None``.

    ``make test`` reruns the media tests with ``SUBPIPE_FFMPEG`` set to it, so both the
    ffmpeg on ``PATH`` (Debian 12's 5.1) and the bundled one are covered.
    """
    chosen = find_ffmpeg()
    for _origin, path in _candidates():
        version = _version(path)
        if version is not None and version != chosen.version:
            return Path(path)
    return None


def main(argv: list[str] | None = None) -> int:
    """``python -m media.ffmpeg --check``: print which ffmpeg is used, or fail with exit 4.

    ``--other``: print the path of a working ffmpeg of another version (nothing if none).
    """
    try:
        binary = find_ffmpeg()
    except ToolNotFound as exc:
        print(f"subpipe: {exc}", file=sys.stderr)
        return 4
    if argv and "--other" in argv:
        other = other_ffmpeg()
        if other is not None:
            print(other)
        return 0
    missing = [f for f in ("subtitles", "ass", "split") if not binary.has_filter(f)]
    print(f"ffmpeg {binary.version} ({binary.origin}): {binary.path}")
    ffprobe = find_ffprobe()
    print(f"probing with {f'ffprobe {ffprobe}' if ffprobe else 'PyAV (no ffprobe of this build)'}")
    if missing:
        print(
            f"warning: this ffmpeg lacks filters {', '.join(missing)}: burn-in unavailable", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
