"""Looking at processes from a test: children of a pid, whether a pid has ended, which
processes name a path (Linux /proc); interrupting a CLI run while ffmpeg encodes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    comm_end = text.rindex(")")
    return [text[text.index("(") + 1 : comm_end], *text[comm_end + 1 :].split()]


def ended(pid: int) -> bool:
    """Gone, or a zombie (dead, waiting for a parent that may never reap it)."""
    fields = _stat_fields(pid)
    return fields is None or fields[1] in ("Z", "X")


def children(pid: int) -> dict[int, str]:
    """Living child pids of ``pid`` and their command names."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None and fields[2] == str(pid) and fields[1] not in ("Z", "X"):
            found[int(entry.name)] = fields[0]
    return found


def wait_until(condition: object, timeout: float, step: float = 0.02) -> float | None:
    """Seconds until ``condition()`` held, or ``None`` if it did not within ``timeout``."""
    assert callable(condition)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(step)
    return None


def processes_naming(text: str) -> list[str]:
    """Processes whose command line holds ``text`` (the ffmpeg of a run, by its paths)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if text.encode() in cmdline:
                found.append(entry.name)
    return found


def interrupted_while_encoding(args: Sequence[str], while_encoding: Callable[[], None]) -> int:
    """Run ``subpipe ARGS --json`` in its own process, wait for its first progress line
    (ffmpeg is encoding), call ``while_encoding`` (the test's checks on the run in
    progress), then send SIGINT as Ctrl-C would; the exit code. Killed if anything fails."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", *args, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if line.startswith('{"event": "progress"') or not line:
                break
        while_encoding()
        proc.send_signal(signal.SIGINT)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
