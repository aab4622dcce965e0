"""Finding the ffmpeg binary.

Order: ``$SUBPIPE_FFMPEG`` (an explicit path), then ``ffmpeg`` on ``PATH``, then the
static binary the ``imageio-ffmpeg`` wheel ships (built with libass, libx264, fontconfig).
Nothing is ever downloaded at run time. ``python -m media.ffmpeg --check`` is run by the
set-up to fail early, with a clear message, on a machine where none of these works.
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
    candidates: list[tuple[str, str | None]] = [("env", os.environ.get("SUBPIPE_FFMPEG"))]
    candidates.append(("path", shutil.which("ffmpeg")))
    try:
        import imageio_ffmpeg

        candidates.append(("imageio-ffmpeg", imageio_ffmpeg.get_ffmpeg_exe()))
    except (ImportError, RuntimeError) as exc:  # the wheel has no binary for this platform
        log.debug("imageio-ffmpeg unavailable: %s", exc)
    for origin, path in candidates:
        if not path:
            continue
        version = _version(path)
        if version is not None:
            log.debug("using ffmpeg %s from %s (%s)", version, origin, path)
            return FFmpegBinary(Path(path), origin, version)
        log.warning("ffmpeg candidate from %s does not run: %s", origin, path)
    raise ToolNotFound("no usable ffmpeg: install one on PATH or reinstall the imageio-ffmpeg package")


def _version(path: str) -> str | None:
    try:
        out = run([path, "-hide_banner", "-version"], timeout=30, what="checking ffmpeg").stdout.decode(
            "utf-8", "replace"
        )
    except ToolError:  # cannot start, timed out or exited non-zero: not a usable candidate
        return None
    if not out.startswith("ffmpeg version"):
        return None
    return out.split()[2]


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


def main(argv: list[str] | None = None) -> int:
    """``python -m media.ffmpeg --check``: print which ffmpeg is used, or fail with exit 4."""
    try:
        binary = find_ffmpeg()
    except ToolNotFound as exc:
        print(f"subpipe: {exc}", file=sys.stderr)
        return 4
    missing = [f for f in ("subtitles", "ass", "split") if not binary.has_filter(f)]
    print(f"ffmpeg {binary.version} ({binary.origin}): {binary.path}")
    if missing:
        print(
            f"warning: this ffmpeg lacks filters {', '.join(missing)}: burn-in unavailable", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
