"""Looking at processes from a test: children of a pid, whether a pid has ended (Linux /proc)."""

from __future__ import annotations

import time
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
