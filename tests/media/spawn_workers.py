"""Stand-in worker functions for ``media.vad``'s parallel parts.

Worker processes are spawned (a fresh interpreter), so a test cannot monkeypatch what runs
in them: it swaps ``media.vad._worker`` for one of these, which the child imports by name
(``tests.media.spawn_workers``) and which patches the child's own modules before running
the real worker.
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from pathlib import Path


def _raise_tool_error(film: Path, *args: object, **kwargs: object) -> None:
    from subtitles.errors import ToolError

    raise ToolError("decoding audio failed (exit 1)", path=film, stderr_tail="boom at 0x1", returncode=1)


def decoder_fails(conn: Connection, *args: object) -> None:
    """The real worker, whose decoder raises a ``ToolError`` (it must reach the parent intact)."""
    from media import vad

    setattr(vad, "stream_pcm", _raise_tool_error)  # noqa: B010 - the child's own module
    vad._worker(conn, *args)  # type: ignore[arg-type]


def dies(conn: Connection, *args: object) -> None:
    """A worker that dies without a word (a crash, the OOM killer)."""
    os._exit(9)


def hangs(conn: Connection, *args: object) -> None:
    """A worker that never answers."""
    time.sleep(60)


def sleeper(parent: int) -> None:
    """A worker that, as ``media.vad``'s do, dies with its parent, then waits."""
    from media.runner import die_with_parent

    die_with_parent(parent)
    time.sleep(60)
