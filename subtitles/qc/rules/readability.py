"""Readability: reading speed, line length, lines per cue, per language (qc-rules.md).

Counting follows the cited guides: visible characters including spaces and punctuation,
tags excluded; reading speed leaves line breaks out.
"""

from __future__ import annotations

import numpy as np

from subtitles.qc.finding import Severity
from subtitles.qc.registry import rule
from subtitles.qc.view import Emit, TrackView


def _lang(view: TrackView) -> str:
    return f" for {view.profile.language}" if view.profile.language else ""


@rule("read.cps", Severity.WARNING, "Reading speed above the profile's characters per second.", fixable=True)
def cps(view: TrackView, out: Emit) -> None:
    limit = view.profile.max_cps
    dur = view.ends - view.starts
    chars = view.visible_chars
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dur > 0, chars * 1000.0 / np.maximum(dur, 1), 0.0)
    hit = np.flatnonzero(speed > limit + 1e-9)
    most = f"(max {limit:g}{_lang(view)})"
    # plain Python numbers for the messages: indexing numpy arrays one by one is slow
    out.cues(
        (i, f"{s:.1f} characters/s {most}: {n} characters in {d / 1000:.2f} s")
        for i, s, n, d in zip(
            hit.tolist(), speed[hit].tolist(), chars[hit].tolist(), dur[hit].tolist(), strict=True
        )
    )


@rule("read.line_length", Severity.WARNING, "A line longer than the profile's characters per line.")
def line_length(view: TrackView, out: Emit) -> None:
    limit = view.profile.max_line_length
    lang = _lang(view)
    for i, text in enumerate(view.readable_plain):
        if len(text) <= limit:
            continue  # most cues: no line can be longer than the whole text
        lengths = [len(line) for line in text.split("\n")]
        for k, n in enumerate(lengths):
            if n > limit:
                out.cue(i, f"line {k + 1} has {n} characters (max {limit}{lang})", text_line=k)


@rule("read.lines", Severity.WARNING, "More lines in one cue than the profile allows.")
def lines(view: TrackView, out: Emit) -> None:
    limit = view.profile.max_lines
    for i, text in enumerate(view.readable_plain):
        n = text.count("\n") + 1
        if n > limit:
            out.cue(i, f"{n} lines (max {limit})")
