"""Types and small helpers shared by the QC tests (fixtures are in ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable

from subtitles.model import Track
from subtitles.qc import Finding

CueSpec = tuple[int, int, str]
#: The ``make_track`` fixture: ``make_track([(start_ms, end_ms, text), ...], "ru", fmt="srt")``.
MakeTrack = Callable[..., Track]
#: The ``check`` fixture: ``check(track, fps="25", **overrides)`` → findings.
Check = Callable[..., list[Finding]]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    """The findings of one rule."""
    return [f for f in findings if f.rule == rule]
