"""Findings and fix changes are written as JSON field by field (one line each in reports of
300,000 items): the text must be exactly what ``json.dumps`` makes of ``to_dict()``."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from subtitles.qc import Finding, Severity
from subtitles.qc.fix import Change

_TEXT = st.text(st.characters(codec="utf-8"), max_size=20) | st.sampled_from(
    ['a "b" \\ c\n\t', "«ё»", "\u2028"]
)
_INT = st.none() | st.integers(-(10**12), 10**12)


@settings(max_examples=300, deadline=None)
@given(
    _TEXT,
    st.sampled_from(list(Severity)),
    _TEXT,
    st.none() | _TEXT,
    _INT,
    _INT,
    _INT,
    _INT,
    st.booleans(),
    st.none() | _TEXT,
    st.sampled_from([(), ((12, 480),)]),
)
def test_finding_to_json_is_json_dumps_of_to_dict(
    rule: str,
    severity: Severity,
    message: str,
    path: str | None,
    line: int | None,
    cue: int | None,
    start: int | None,
    end: int | None,
    fixable: bool,
    suggestion: str | None,
    cuts: tuple[tuple[int, int], ...],
) -> None:
    f = Finding(rule, severity, message, path, line, cue, start, end, fixable, suggestion, cuts)
    assert f.to_json() == json.dumps(f.to_dict(), ensure_ascii=False)


@settings(max_examples=200, deadline=None)
@given(_TEXT, _INT, _INT, _TEXT, _TEXT)
def test_change_to_json_is_json_dumps_of_to_dict(
    rule: str, cue: int | None, line: int | None, before: str, after: str
) -> None:
    c = Change(rule, cue, line, before, after)
    assert c.to_json() == json.dumps(c.to_dict(), ensure_ascii=False)
