"""Structure: what the parser met, and cues that cannot be shown as written."""

from __future__ import annotations

import numpy as np

from subtitles.qc.finding import Severity
from subtitles.qc.registry import rule
from subtitles.qc.view import Emit, TrackView
from subtitles.timing import format_ms

#: The loader's word for how bad a parse problem is, as a finding's severity.
_PROBLEM_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


@rule(
    "struct.parse",
    Severity.ERROR,
    "A problem the parser met (a dropped block, a bad timestamp), with its line.",
)
def parse_problems(view: TrackView, out: Emit) -> None:
    """Every problem the loader recorded, not only the first; the loader decides how bad
    each one is unless the profile overrides this rule's severity."""
    override = view.profile.severities.get(out.rule.id)
    for problem in view.track.problems:
        sev = override or _PROBLEM_SEVERITY[problem.severity]
        message = problem.message + (f" [{problem.code}]" if problem.code else "")
        out.file(message, line=problem.line, severity=sev)


@rule("struct.empty", Severity.WARNING, "A cue with no visible text.")
def empty(view: TrackView, out: Emit) -> None:
    for i, text in enumerate(view.texts.plain):
        if not text.strip():
            out.cue(i, "cue has no visible text (shown as an empty box or nothing)")


@rule("struct.duplicate", Severity.WARNING, "A cue repeated with the same times and text.")
def duplicate(view: TrackView, out: Emit) -> None:
    # Only cues that share their times with another can be duplicates: found by sorting the
    # times, so the texts of the rest are never keyed (a dict of every cue costs memory).
    s, e = view.starts, view.ends
    if s.size < 2:
        return
    order = np.lexsort((e, s))  # stable: equal times keep file order
    same = (s[order][1:] == s[order][:-1]) & (e[order][1:] == e[order][:-1])
    if not same.any():
        return
    plain = view.texts.plain
    group_start = np.flatnonzero(np.concatenate(([True], ~same)))
    group_end = np.append(group_start[1:], order.size)
    for a, b in zip(group_start.tolist(), group_end.tolist(), strict=True):
        if b - a < 2:
            continue
        seen: dict[str, int] = {}
        for i in sorted(order[a:b].tolist()):
            first = seen.setdefault(plain[i], i)
            if first != i and plain[i].strip():
                out.cue(
                    i,
                    f"duplicate of cue {first + 1} (same times and text): "
                    "shown twice, drawn on top of itself",
                )


@rule("struct.end_before_start", Severity.ERROR, "A cue that ends before (or when) it starts: never shown.")
def end_before_start(view: TrackView, out: Emit) -> None:
    for i in np.flatnonzero(view.ends <= view.starts).tolist():
        c = view.cues[i]
        out.cue(
            i, f"ends at {format_ms(c.end)}, not after its start {format_ms(c.start)}: players never show it"
        )


@rule(
    "struct.negative_time", Severity.ERROR, "A cue at a negative time (checked against the film with --film)."
)
def negative_time(view: TrackView, out: Emit) -> None:
    if view.context.film_duration_ms is not None:
        return  # timing.before_film_start says it against the film
    for i in np.flatnonzero((view.starts < 0) | (view.ends < 0)).tolist():
        c = view.cues[i]
        out.cue(i, f"negative time {format_ms(min(c.start, c.end))}: before the film starts")


@rule("struct.order", Severity.WARNING, "A cue that starts before the cue above it in the file.")
def order(view: TrackView, out: Emit) -> None:
    s = view.starts
    if len(s) < 2:
        return
    for i in (np.flatnonzero(s[1:] < s[:-1]) + 1).tolist():
        out.cue(
            i,
            f"starts at {format_ms(int(s[i]))}, before cue {i} above it ({format_ms(int(s[i - 1]))}): "
            "cues out of order confuse some players and editors",
        )
