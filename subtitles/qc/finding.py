"""What a check reports: one ``Finding`` per problem, with a location a subtitler can open.

The field names are the JSON schema (``finding.schema.json``); change them only together.
"""

from __future__ import annotations

import enum
import json
import operator
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

    # Written out because the generated frozen ``__init__`` looks up ``object.__setattr__``
    # anew for every field: a file of 200,000 cues reports about 300,000 findings, and this
    # constructor (called positionally by ``Emit``) costs half as much. Same fields, order,
    # defaults and immutability; ``dataclasses.fields``/``replace``, ``==`` and ``hash``
    # are still the generated ones.
    def __init__(
        self,
        rule: str,
        severity: Severity,
        message: str,
        path: str | None = None,
        line: int | None = None,
        cue: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        fixable: bool = False,
        suggestion: str | None = None,
        cuts: tuple[tuple[int, int], ...] = (),
        speech: tuple[tuple[int, int], ...] = (),
    ) -> None:
        _set = _SETATTR
        _set(self, "rule", rule)
        _set(self, "severity", severity)
        _set(self, "message", message)
        _set(self, "path", path)
        _set(self, "line", line)
        _set(self, "cue", cue)
        _set(self, "start_ms", start_ms)
        _set(self, "end_ms", end_ms)
        _set(self, "fixable", fixable)
        _set(self, "suggestion", suggestion)
        _set(self, "cuts", cuts)
        _set(self, "speech", speech)

    def location(self) -> str:
        where = self.path or "<memory>"
        return f"{where}:{self.line}" if self.line is not None else where

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity._value_,  # the value, without the enum descriptor
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

    def to_json(self) -> str:
        """``json.dumps(self.to_dict(), ensure_ascii=False)``, the same text, written field
        by field: the encoder's own set-up per call costs more than the finding (reports of
        a long file have 300,000 findings, one line each)."""
        if self.cuts or self.speech:
            return _ENCODER.encode(self.to_dict())
        return (
            f'{{"rule": {json_string(self.rule)}, "severity": "{self.severity._value_}", '
            f'"message": {json_string(self.message)}, "path": {json_string(self.path)}, '
            f'"line": {json_number(self.line)}, "cue": {json_number(self.cue)}, '
            f'"start_ms": {json_number(self.start_ms)}, "end_ms": {json_number(self.end_ms)}, '
            f'"fixable": {"true" if self.fixable else "false"}, '
            f'"suggestion": {json_string(self.suggestion)}}}'
        )

    def format(self) -> str:
        """``film.ru.srt:12: error timing.overlap: ... (cue 3, 00:00:04.000)``."""
        extra = []
        if self.cue is not None:
            extra.append(f"cue {self.cue}")
        if self.start_ms is not None:
            extra.append(format_ms(self.start_ms))
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{self.location()}: {self.severity._value_} {self.rule}: {self.message}{tail}"


#: What ``json.dumps(..., ensure_ascii=False)`` uses, made once.
_ENCODER = json.JSONEncoder(ensure_ascii=False)
_encode_string = json.encoder.encode_basestring  # the C encoder's, as ``ensure_ascii=False`` uses


def json_string(value: str | None) -> str:
    return "null" if value is None else _encode_string(value)


def json_number(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


#: ``object.__setattr__``: the one way to fill a frozen instance's slots.
_SETATTR = object.__setattr__
#: Severity rank by the member's identity: an enum member's own ``__hash__`` is Python code.
_RANK_BY_ID = {id(s): r for s, r in _RANK.items()}


def sort_key(f: Finding) -> tuple[int, int, int, str]:
    """Report order inside one file: most severe first, then by position."""
    return (-_RANK_BY_ID[id(f.severity)], f.line if f.line is not None else -1, f.cue or 0, f.rule)


def sort_findings(findings: list[Finding]) -> None:
    """Sort in place by ``sort_key``, as four stable sorts from the last part of the key
    to the first: each holds one reference per finding, where one sort by the whole key
    holds a tuple per finding (20 MB for the 270,000 findings of a 200,000-cue file)."""
    findings.sort(key=_RULE)
    findings.sort(key=_cue)
    findings.sort(key=_line)
    findings.sort(key=_severity_first)


_RULE = operator.attrgetter("rule")


def _cue(f: Finding) -> int:
    return f.cue or 0


def _line(f: Finding) -> int:
    return f.line if f.line is not None else -1


def _severity_first(f: Finding) -> int:
    return -_RANK_BY_ID[id(f.severity)]
