"""The one layer through which subpipe starts any process: ffmpeg, ffprobe, worker processes.

It logs the exact command (``shlex.join``), takes arguments as a list (never a shell),
always has a timeout, captures stderr, and turns any failure into ``ToolError`` carrying
the tail of stderr so the user sees why ffmpeg failed in one line.

**Children die with subpipe.** A killed ``subpipe mux`` must not leave its ffmpeg writing
a 450 MB temporary to the end. Three mechanisms, for three ways of ending:

* an exception (Ctrl-C, SIGTERM, which the CLI turns into ``KeyboardInterrupt``; a
  timeout; a bug) kills and reaps the child in the ``run``/``stream_lines`` call, or in
  the ``spawn`` caller's ``finally``;
* ``kill_all`` kills every child still running, from any thread: the CLI calls it on an
  interrupt, so children started by worker threads stop too and their threads unblock;
* ``kill -9`` of subpipe (no code of ours runs): on Linux each child is started with
  ``PR_SET_PDEATHSIG = SIGKILL``, so the kernel kills it when its parent dies.

``PR_SET_PDEATHSIG`` can only be set by the child itself, between ``fork`` and ``exec``:
``subprocess``'s ``preexec_fn``, which CPython documents as unsafe when threads run,
because arbitrary Python in a forked child can wait forever for a lock that a thread of
the parent held at the fork. What runs there is made safe by construction: a ``prctl``
bound with ``ctypes`` once at import (no import, no symbol lookup, no logging, no lock
in the child), then ``getppid``/``kill`` to close the race where the parent died before
``prctl``. CPython itself re-initialises its own locks in the child before calling it
(``PyOS_AfterFork_Child``). Alternatives considered: ``start_new_session``/process groups
need a live parent to forward signals (useless after ``kill -9``); ``setpriv --pdeathsig``
adds an exec and a util-linux dependency and masks "ffmpeg not found" as setpriv's exit
127. One kernel detail: the "parent" is the *thread* that started the child; the child
dies if that thread exits first. Every call here waits for its child on the thread that
started it, so that only matters to code that hands a ``spawn``-ed process to another
thread (don't).

Worker *Python* processes (parallel audio decoding) come from ``worker_context``: spawned,
never forked, because a fork copies whatever locks other threads hold (the batch engine
runs jobs on threads); each worker calls ``die_with_parent`` first thing.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import multiprocessing
import multiprocessing.context
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from media.escape import file_arg
from subtitles.errors import ToolError

log = logging.getLogger(__name__)

#: Lines of stderr kept on a failure.
STDERR_TAIL_LINES = 12

#: ``file:`` before an absolute path in a tool's message: ``file_arg``'s, not the user's.
_FILE_PREFIX = re.compile(r"(?<![\w:/])file:(?=/)")

#: ``<linux/prctl.h>``: deliver a signal to this process when its parent (thread) exits.
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class Completed:
    args: list[str]
    stdout: bytes
    stderr: str


def _bind_prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` as a ready ``ctypes`` function, or ``None`` off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # a libc without prctl (not glibc/musl Linux)
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_PRCTL = _bind_prctl()

#: Children started here and not yet reaped, for ``kill_all``.
_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


def _set_death_signal(parent: int) -> None:
    """In the child before ``exec`` (see the module docstring): die with ``parent``."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGKILL)


def die_with_parent(parent: int) -> None:
    """Called first thing in a worker process: the kernel kills it when ``parent`` dies.

    ``parent`` is the pid the worker expects as its parent (``os.getpid()`` of the process
    that started it), so a parent that died during start-up is noticed too.
    """
    _set_death_signal(parent)


def worker_context() -> multiprocessing.context.SpawnContext:
    """The context for worker processes: ``spawn`` (a fresh interpreter), never ``fork``."""
    return multiprocessing.get_context("spawn")


def stderr_tail(stderr: str, lines: int = STDERR_TAIL_LINES) -> str:
    """The last ``lines`` of a tool's stderr, file names as the user gave them (without
    the ``file:`` that ``file_arg`` put before each absolute path)."""
    return "\n".join(_FILE_PREFIX.sub("", line) for line in stderr.strip().splitlines()[-lines:])


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


def _ffmpeg_argv(args: Sequence[str | Path]) -> list[str]:
    """The discovered ffmpeg, quiet about its build and never reading the terminal.

    A ``Path`` among the arguments is a file for libavformat and is passed as
    ``file_arg`` (absolute, ``file:``); strings are passed as they are (``pipe:1``,
    ``lavfi`` sources, option values).
    """
    from media.ffmpeg import find_ffmpeg  # not at the top: media.ffmpeg runs its checks through here

    return [
        str(find_ffmpeg().path),
        "-hide_banner",
        "-nostdin",
        *(file_arg(a) if isinstance(a, Path) else a for a in args),
    ]


def spawn(
    args: Sequence[str | Path],
    *,
    what: str,
    path: str | Path | None = None,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    stdout: int | IO[bytes] | None = subprocess.PIPE,
    stderr: int | IO[bytes] | None = subprocess.PIPE,
) -> subprocess.Popen[bytes]:
    """Start a process that dies with subpipe; ``ToolError`` when it cannot start.

    The caller must end it with ``reap`` (also on every error path: ``try``/``finally``).
    """
    argv = [str(a) for a in args]
    log.debug("run: %s", shlex.join(argv))
    try:
        proc = subprocess.Popen(  # noqa: S603 - an argument list, no shell
            argv,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=functools.partial(
                _set_death_signal, os.getpid()
            ),  # not thread-unsafe here: see the module doc
        )
    except OSError as exc:
        raise _cannot_start(what, argv, path, exc) from None
    with _live_lock:
        _live.add(proc)
    return proc


def reap(proc: subprocess.Popen[bytes], *, kill: bool = False) -> int:
    """Wait for ``proc`` (killing it first with ``kill``) and forget it; its exit status."""
    try:
        if kill and proc.poll() is None:
            proc.kill()
        return proc.wait()
    finally:
        with _live_lock:
            _live.discard(proc)


def kill_all() -> int:
    """Kill every child still running (any thread's); how many were killed.

    For the CLI's interrupt handling: the threads waiting on them then see them end.
    """
    with _live_lock:
        running = [p for p in _live if p.poll() is None]
    for proc in running:
        with contextlib.suppress(OSError):
            proc.kill()
    return len(running)


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
    the step concerns. Arguments are passed verbatim (wrap file names in ``file_arg`` for
    ffmpeg tools).
    """
    argv = [str(a) for a in args]
    stdin = subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL
    proc = spawn(argv, what=what, path=path, stdin=stdin)
    try:
        try:
            out, err = proc.communicate(input_bytes, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            raise _timed_out(what, argv, path, timeout, _decode(err)) from None
    except BaseException:
        reap(proc, kill=True)
        raise
    returncode = reap(proc)
    stderr = _decode(err)
    _check_exit(what, argv, path, returncode, stderr)
    return Completed(argv, out or b"", stderr)


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
    proc = spawn(argv, what=what, path=path)
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
        returncode = reap(proc)
    except BaseException:
        reap(proc, kill=True)
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
