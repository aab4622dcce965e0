"""The one wrapper every subprocess call of subpipe goes through.

It logs the exact command (``shlex.join``), takes arguments as a list (never a shell),
always has a timeout, captures stderr, and turns any failure into ``ToolError`` carrying
the tail of stderr so the user sees why ffmpeg failed in one line.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from media.ffmpeg import find_ffmpeg
from subtitles.errors import ToolError

log = logging.getLogger(__name__)

#: Lines of stderr kept on a failure.
STDERR_TAIL_LINES = 12


@dataclass(frozen=True, slots=True)
class Completed:
    args: list[str]
    stdout: bytes
    stderr: str


def stderr_tail(stderr: str, lines: int = STDERR_TAIL_LINES) -> str:
    return "\n".join(stderr.strip().splitlines()[-lines:])


def run(
    args: Sequence[str | Path],
    *,
    timeout: float,
    what: str,
    path: str | Path | None = None,
    input_bytes: bytes | None = None,
) -> Completed:
    """Run a command to completion; raise ``ToolError`` on a non-zero exit or timeout.

    ``what`` names the step for the error message ("muxing", "probing"); ``path`` the file
    the step concerns.
    """
    argv = [str(a) for a in args]
    log.debug("run: %s", shlex.join(argv))
    try:
        proc = subprocess.run(argv, input=input_bytes, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode("utf-8", "backslashreplace") if exc.stderr else ""
        raise ToolError(
            f"{what} timed out after {timeout:.0f} s", path=path, command=argv, stderr_tail=stderr_tail(err)
        ) from None
    except OSError as exc:
        raise ToolError(f"{what}: cannot start {argv[0]}: {exc.strerror}", path=path, command=argv) from None
    stderr = proc.stderr.decode("utf-8", "backslashreplace")
    if proc.returncode != 0:
        raise ToolError(
            f"{what} failed (exit {proc.returncode})",
            path=path,
            command=argv,
            stderr_tail=stderr_tail(stderr),
            returncode=proc.returncode,
        )
    return Completed(argv, proc.stdout, stderr)


def ffmpeg(
    args: Sequence[str | Path], *, timeout: float, what: str, path: str | Path | None = None
) -> Completed:
    """Run the discovered ffmpeg with ``-hide_banner -nostdin`` and the given arguments."""
    binary = find_ffmpeg()
    return run([binary.path, "-hide_banner", "-nostdin", *args], timeout=timeout, what=what, path=path)
