"""The one wrapper every subprocess call of subpipe goes through.

It logs the exact command (``shlex.join``), takes arguments as a list (never a shell),
always has a timeout, captures stderr, and turns any failure into ``ToolError`` carrying
the tail of stderr so the user sees why ffmpeg failed in one line.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import threading
from collections.abc import Callable, Sequence
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


def _decode(stderr: bytes | None) -> str:
    return stderr.decode("utf-8", "backslashreplace") if stderr else ""


def _cannot_start(what: str, argv: list[str], path: str | Path | None, exc: OSError) -> ToolError:
    return ToolError(f"{what}: cannot start {argv[0]}: {exc.strerror}", path=path, command=argv)


def _timed_out(what: str, argv: list[str], path: str | Path | None, timeout: float, stderr: str) -> ToolError:
    return ToolError(
        f"{what} timed out after {timeout:.0f} s", path=path, command=argv, stderr_tail=stderr_tail(stderr)
    )


def _check_exit(what: str, argv: list[str], path: str | Path | None, returncode: int, stderr: str) -> None:
    if returncode != 0:
        raise ToolError(
            f"{what} failed (exit {returncode})",
            path=path,
            command=argv,
            stderr_tail=stderr_tail(stderr),
            returncode=returncode,
        )


def _ffmpeg_argv(args: Sequence[str | Path]) -> list[str | Path]:
    """The discovered ffmpeg, quiet about its build and never reading the terminal."""
    return [find_ffmpeg().path, "-hide_banner", "-nostdin", *args]


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
        proc = subprocess.run(argv, input=input_bytes, capture_output=True, timeout=timeout, check=False)  # noqa: S603 - list, no shell
    except subprocess.TimeoutExpired as exc:
        raise _timed_out(what, argv, path, timeout, _decode(exc.stderr)) from None
    except OSError as exc:
        raise _cannot_start(what, argv, path, exc) from None
    stderr = _decode(proc.stderr)
    _check_exit(what, argv, path, proc.returncode, stderr)
    return Completed(argv, proc.stdout, stderr)


def ffmpeg(
    args: Sequence[str | Path], *, timeout: float, what: str, path: str | Path | None = None
) -> Completed:
    """Run the discovered ffmpeg with ``-hide_banner -nostdin`` and the given arguments."""
    return run(_ffmpeg_argv(args), timeout=timeout, what=what, path=path)


def stream_lines(
    args: Sequence[str | Path],
    *,
    timeout: float,
    what: str,
    on_line: Callable[[bytes], None],
    path: str | Path | None = None,
) -> Completed:
    """Run a command, handing each stdout line to ``on_line`` as it arrives.

    For ffmpeg's ``-progress pipe:1``. stderr is drained on its own thread (a full stderr
    pipe would otherwise block ffmpeg and deadlock both sides); the whole run is bounded by
    ``timeout``, after which the process is killed. Failures raise ``ToolError`` exactly
    as ``run`` does; the returned ``stdout`` is empty because it was streamed.
    """
    argv = [str(a) for a in args]
    log.debug("run: %s", shlex.join(argv))
    try:
        proc = subprocess.Popen(  # noqa: S603 - list, no shell
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except OSError as exc:
        raise _cannot_start(what, argv, path, exc) from None
    assert proc.stdout is not None and proc.stderr is not None
    err_chunks: list[bytes] = []
    err_pipe = proc.stderr
    drain = threading.Thread(target=lambda: err_chunks.append(err_pipe.read()), daemon=True)
    drain.start()
    killed = threading.Event()

    def kill_on_timeout() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(timeout, kill_on_timeout)
    timer.start()
    try:
        for line in proc.stdout:
            on_line(line)
        returncode = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        timer.cancel()
        drain.join(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    stderr = _decode(b"".join(err_chunks))
    if killed.is_set():
        raise _timed_out(what, argv, path, timeout, stderr)
    _check_exit(what, argv, path, returncode, stderr)
    return Completed(argv, b"", stderr)


def ffmpeg_streaming(
    args: Sequence[str | Path],
    *,
    timeout: float,
    what: str,
    on_line: Callable[[bytes], None],
    path: str | Path | None = None,
) -> Completed:
    """``stream_lines`` for the discovered ffmpeg, with ``-hide_banner -nostdin``."""
    return stream_lines(_ffmpeg_argv(args), timeout=timeout, what=what, on_line=on_line, path=path)
