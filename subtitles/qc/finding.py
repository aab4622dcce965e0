"""What a check reports: one ``Finding`` per problem, with a location a subtitler can open.

The field names are the JSON schema (``finding.schema.json``); change them only together.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from subtitles.timing import format_ms


class Severity(enum.Enum):
    """``error`` stops a burn (exit 1); ``warning`` is a style-guide excess; ``info`` is a note."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place.

    ``line`` is the 1-based line of the source file (the cue's first line unless the rule
    knows better), ``cue`` the 1-based position of the cue in file order. ``suggestion``
    carries repaired text when a rule can offer it (mojibake, mixed scripts, quotes).
    ``cuts`` (frame, ms) and ``speech`` (start ms, end ms) are the film's shot changes and
    speech a finding refers to (``shot.*``, ``speech.*``); JSON has them as ``film`` only then.
    """

    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    cue: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    fixable: bool = False
    suggestion: str | None = None
    cuts: tuple[tuple[int, int], ...] = ()
    speech: tuple[tuple[int, int], ...] = ()

    def location(self) -> str:
        where = self.path or "<memory>"
        return f"{where}:{self.line}" if self.line is not None else where

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "cue": self.cue,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "fixable": self.fixable,
            "suggestion": self.suggestion,
        }
        if self.cuts or self.speech:
            data["film"] = {
                "cuts": [{"frame": f, "time_ms": t} for f, t in self.cuts],
                "speech": [{"start_ms": a, "end_ms": b} for a, b in self.speech],
            }
        return data

    def format(self) -> str:
        """``film.ru.srt:12: error timing.overlap: ... (cue 3, 00:00:04.000)``."""
        extra = []
        if self.cue is not None:
            extra.append(f"cue {self.cue}")
        if self.start_ms is not None:
            extra.append(format_ms(self.start_ms))
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{self.location()}: {self.severity.value} {self.rule}: {self.message}{tail}"


def sort_key(f: Finding) -> tuple[int, int, int, str]:
    """Report order inside one file: most severe first, then by position."""
    return (-f.severity.rank, f.line if f.line is not None else -1, f.cue or 0, f.rule)
